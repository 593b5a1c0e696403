"""Study configuration: strict loading, validation with readable errors, defaults, the grid.

The JSON Schema (``workflow/schemas/config.schema.yaml``) is the single description of every key,
its type, range and default. :func:`validate_config` checks a config against it, adds the checks a
schema cannot express (``min <= max``, distinct lattice sizes, finite numbers), fills in defaults,
and raises one :class:`ConfigError` listing every problem as ``key path: what is wrong (allowed:
...)`` so that a bad config is rejected before any job runs.

One rule for numbers, applied everywhere: where the schema asks for an integer, an integral float
(``7.0``, or ``1e3`` from ``--config samples_per_temperature=1e3``) is accepted and normalised to
the integer; a non-integral one (``7.5``) is rejected. NaN and infinity are rejected at every key.

:func:`load_config_file` reads YAML strictly: an empty file is an empty mapping (all defaults), a
syntax error names the file, line and column, and a key given twice in one mapping is an error
(plain YAML silently keeps the last one). ``python -m deeprenorm.config FILE...`` checks files
from the shell.

This module only loads and validates; what the workflow makes of a valid config (which models
train at which L, which networks the RG stage measures, ...) is :class:`deeprenorm.plan.StudyPlan`.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import yaml

__all__ = [
    "ConfigError",
    "load_config_file",
    "load_config_files",
    "load_schema",
    "validate_config",
    "temperature_grid",
    "temperature_label",
    "TEMPERATURE_DECIMALS",
    "SCHEMA_PATH",
    "command_line_values",
]

#: The JSON Schema of the study config, the one the workflow validates against.
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"

# Temperatures live in file names with this many decimals; the one place that fixes the format.
TEMPERATURE_DECIMALS = 4


class ConfigError(ValueError):
    """The study configuration is invalid; the message names every offending key."""


def load_schema(path: str | Path) -> dict:
    with open(path) as handle:
        return yaml.safe_load(handle)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key repeated within one mapping."""


def _construct_unique_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key {key!r} appears twice (first at line {seen[key] + 1}, again at line {key_node.start_mark.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def load_config_file(path: str | Path) -> dict:
    """The mapping in the YAML (or JSON) file ``path``; an empty file gives ``{}``.

    Raises :class:`ConfigError` naming the file and the line for a syntax error, a duplicate key,
    or a top level that is not a mapping.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file ({error.strerror})") from error
    try:
        loaded = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        problem = ": ".join(part for part in (error.context, error.problem) if part)
        raise ConfigError(f"{where}: invalid YAML: {problem}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML: {error}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys to values, got a {type(loaded).__name__}")
    return loaded


def _key_path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _describe(error) -> str:
    from jsonschema.exceptions import best_match

    if error.validator in ("oneOf", "anyOf") and error.context:
        # The branch whose type matches the value explains the problem; type mismatches do not.
        relevant = [sub for sub in error.context if sub.validator != "type" or sub.relative_path] or error.context
        deepest = best_match(relevant)
        # best_match paths are relative to the oneOf node.
        return _describe_at(list(error.absolute_path) + list(deepest.relative_path), deepest)
    return _describe_at(list(error.absolute_path), error)


def _describe_at(path, error) -> str:
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unexpected = sorted(set(error.instance) - set(allowed))
        where = _key_path(path)
        return f"{where}: unknown key(s) {', '.join(map(repr, unexpected))} (allowed keys: {', '.join(allowed)})"
    allowed = error.schema.get("description")
    if error.validator == "enum":
        allowed = "one of " + ", ".join(map(str, error.validator_value))
    suffix = f" (allowed: {allowed.strip()})" if allowed else ""
    if error.validator == "type" and isinstance(error.instance, str) and _parses_as_number(error.instance):
        number = float(error.instance)
        spelled = str(int(number)) if number.is_integer() and abs(number) < 1e15 else f"{number:.6e}"
        suffix += f"; YAML reads {error.instance} as text, not a number: write {spelled}"
    return f"{_key_path(path)}: {error.message}{suffix}"


def _parses_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fill_defaults(instance, schema, root):
    """Insert schema ``default`` values for absent keys, recursively through ``properties`` and
    array ``items``."""
    schema = _resolve(schema, root)
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for item in instance:
            _fill_defaults(item, schema["items"], root)
    if not isinstance(instance, dict):
        return
    for key, subschema in schema.get("properties", {}).items():
        if key not in instance and "default" in subschema:
            instance[key] = copy.deepcopy(subschema["default"])
        if key in instance:
            _fill_defaults(instance[key], subschema, root)


def _resolve(schema: dict, root: dict) -> dict:
    """``schema`` with a top-level ``$ref`` replaced by its target (local keys win)."""
    if "$ref" not in schema:
        return schema
    target = root
    for part in schema["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    return {**_resolve(target, root), **{k: v for k, v in schema.items() if k != "$ref"}}


def _json_type(value) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "other"


def _normalise_numbers(instance, schema: dict, root: dict, path: list, problems: list[str]):
    """Apply the number rule of the module docstring; returns the normalised instance.

    Walks ``properties``, ``items`` and the ``oneOf`` branch of the instance's own type, so a
    NaN is named at its key path, with that key's allowed range.
    """
    schema = _resolve(schema, root)
    if "oneOf" in schema:
        branches = [_resolve(branch, root) for branch in schema["oneOf"]]
        matching = [b for b in branches if b.get("type") == _json_type(instance)]
        if matching:
            schema = {**matching[0], "description": schema.get("description") or matching[0].get("description")}
    if isinstance(instance, float) and not math.isfinite(instance):
        allowed = (schema.get("description") or "a finite number").strip()
        problems.append(f"{_key_path(path)}: {instance} is not a finite number (allowed: {allowed})")
        return instance
    if isinstance(instance, float) and schema.get("type") == "integer" and instance.is_integer():
        return int(instance)
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        return {
            key: _normalise_numbers(value, properties[key], root, path + [key], problems)
            if key in properties
            else value
            for key, value in instance.items()
        }
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        return [
            _normalise_numbers(value, schema["items"], root, path + [i], problems) for i, value in enumerate(instance)
        ]
    return instance


def _range_problems(spec, where) -> list[str]:
    if isinstance(spec, dict) and spec["min"] > spec["max"]:
        return [f"{where}: min ({spec['min']}) is greater than max ({spec['max']}) (allowed: min <= max)"]
    return []


def validate_config(config: dict, schema: dict | str | Path) -> dict:
    """Validate ``config`` against ``schema`` and return a copy with defaults filled in.

    Raises :class:`ConfigError` listing every problem, each with its key path and allowed range.
    """
    if not isinstance(schema, dict):
        schema = load_schema(schema)
    if not isinstance(config, dict):
        raise ConfigError(f"the config must be a mapping of keys to values, got {type(config).__name__}")
    problems = []
    config = _normalise_numbers(config, schema, schema, [], problems)
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    # jsonschema is imported here, not at the top: every job imports this module, few validate.
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    problems = sorted({_describe(error) for error in validator.iter_errors(config)})
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    config = copy.deepcopy(config)
    _fill_defaults(config, schema, schema)

    temperatures = config["temperatures"]
    problems += _range_problems(temperatures, "temperatures")
    if isinstance(temperatures, dict) and "dense" in temperatures:
        problems += _range_problems(temperatures["dense"], "temperatures.dense")
    problems += _range_problems(config["autocorrelation"]["temperatures"], "autocorrelation.temperatures")
    for key, window in (
        ("thermodynamics.tc_window", config["thermodynamics"]["tc_window"]),
        ("autoencoder.analysis.tc_window", config["autoencoder"]["analysis"]["tc_window"]),
        ("rg.window", config["rg"]["window"]),
    ):
        if window is not None and not window[0] < window[1]:
            problems.append(f"{key}: {window} is not [low, high] with low < high (allowed: low < high)")
    problems += _rg_window_problems(config["rg"]["window"], temperature_grid(temperatures))
    dbn = config["probes"]["dbn"]
    if dbn["lattice_size"] % 2 ** dbn["layers"]:
        problems.append(
            f"probes.dbn.lattice_size: {dbn['lattice_size']} is not divisible by 2^layers = {2 ** dbn['layers']} "
            "(allowed: an L divisible by 2^layers, each layer 4 times narrower)"
        )
    network_size = config["rg"]["networks"]["lattice_size"]
    if network_size is not None and network_size not in config["lattice_sizes"]:
        problems.append(
            f"rg.networks.lattice_size: {network_size} is not simulated (allowed: one of lattice_sizes {config['lattice_sizes']}, or null)"
        )
    mcrg = config["rg"]["mcrg"]
    if mcrg["lattice_size"] % 2 ** mcrg["levels"] or mcrg["lattice_size"] // 2 ** mcrg["levels"] < 2:
        problems.append(
            f"rg.mcrg.levels: {mcrg['levels']} blocks L = {mcrg['lattice_size']} below 2 sites a side "
            f"(allowed: L / 2^levels an integer >= 2)"
        )
    problems += _autoencoder_problems(config["autoencoder"], config["lattice_sizes"])
    for key, sizes in (
        ("lattice_sizes", config["lattice_sizes"]),
        ("autocorrelation.lattice_sizes", config["autocorrelation"]["lattice_sizes"]),
    ):
        if len(set(sizes)) != len(sizes):
            problems.append(f"{key}: {sizes} repeats a size (allowed: distinct even integers)")
    if isinstance(temperatures, list) and len(temperature_grid(temperatures)) != len(temperatures):
        problems.append(
            f"temperatures: two values coincide after rounding to {TEMPERATURE_DECIMALS} decimals "
            "(allowed: distinct temperatures)"
        )
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    return config


def _rg_window_problems(window, grid: list[float]) -> list[str]:
    # The flow matches curves over the window's simulated temperatures: fewer than two make no
    # curve, and the job would fail after the simulations instead of before them.
    if window is None or not window[0] < window[1]:
        return []
    inside = [T for T in grid if window[0] <= T <= window[1]]
    if len(inside) >= 2:
        return []
    return [
        f"rg.window: {window} holds {len(inside)} of the simulated temperatures "
        "(allowed: a [low, high] that holds at least 2 temperatures of the grid)"
    ]


def _autoencoder_problems(autoencoder: dict, lattice_sizes: list[int]) -> list[str]:
    # A model's own lattice_sizes may name sizes the study does not simulate: they restrict
    # where it trains (deeprenorm.plan), so that changing the study's sizes needs no edit of models.
    # Imported here, like jsonschema: every job imports this module, few validate.
    from .ml.spec import ModelSpec

    problems = []
    fractions = autoencoder["split"]
    if not math.isclose(sum(fractions.values()), 1.0, abs_tol=1e-9):
        problems.append(
            f"autoencoder.split: fractions {fractions} sum to {sum(fractions.values()):g} (allowed: train + validation + test = 1)"
        )
    names = []
    for index, model in enumerate(autoencoder["models"]):
        where = f"autoencoder.models[{index}]"
        try:
            spec = ModelSpec.from_config(model, autoencoder["training"]["dropout"])
        except ValueError as error:  # the schema checked each key: only their combination is wrong
            problems.append(
                f"{where}: {error} (allowed: {{kind: conv, block: 2}}, or a dense kind with a latent: {{kind: wide, latent: 1}})"
            )
            continue
        invalid = [L for L in model.get("lattice_sizes", []) if not spec.fits(L)]
        if invalid:
            problems.append(
                f"{where}.lattice_sizes: {invalid} give no block lattice for block {spec.block} "
                "(allowed: sizes with L/block an even integer >= 4)"
            )
        names.append(spec.name)
    first = autoencoder["models"][0]
    if first.get("system") == "antiferromagnet" or set(first.get("lattice_sizes", lattice_sizes)) != set(lattice_sizes):
        problems.append(
            "autoencoder.models[0]: the headline model must be a ferromagnet trained for every lattice size "
            "(allowed: no system: antiferromagnet and no lattice_sizes subset in the first model)"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        problems.append(f"autoencoder.models: {', '.join(repeated)} listed twice (allowed: distinct models)")
    training = autoencoder["training"]
    if training["min_learning_rate"] > training["learning_rate"]:
        problems.append(
            f"autoencoder.training.min_learning_rate: {training['min_learning_rate']} exceeds learning_rate "
            f"{training['learning_rate']} (allowed: 0 <= min_learning_rate <= learning_rate)"
        )
    return problems


def command_line_values(values):
    """``--config`` values as a config file would give them. Snakemake reads a list or mapping
    given on its command line (``lattice_sizes=[16,32]``, ``rg={mcrg: {levels: 2}}``) with
    YAML's BaseLoader, which keeps every scalar inside as text; here each such text is read as
    YAML reads it in a file (``16`` an integer, ``0.5`` a number, ``null`` none, ``conv`` text),
    so that an override means what the same value in ``config.yaml`` means."""
    if isinstance(values, Mapping):
        return {key: command_line_values(value) for key, value in values.items()}
    if isinstance(values, list | tuple):
        return [command_line_values(value) for value in values]
    if isinstance(values, str):
        try:
            parsed = yaml.safe_load(values)
        except yaml.YAMLError:
            return values
        # a text that YAML reads as a list or mapping stays the text it was given as
        return parsed if not isinstance(parsed, dict | list) else values
    return values


def temperature_grid(spec) -> list[float]:
    """The sorted, de-duplicated temperatures of a config entry, rounded to 4 decimals.

    ``spec`` is a list, or ``{min, max, n}`` (``n`` points, ends included; ``n = 1`` gives ``min``)
    with an optional ``dense: {min, max, n}`` merged in.
    """
    if isinstance(spec, dict):
        values = list(np.linspace(spec["min"], spec["max"], spec["n"]))
        if "dense" in spec:
            values += temperature_grid(spec["dense"])
    else:
        values = list(spec)
    return sorted({round(float(value), TEMPERATURE_DECIMALS) for value in values})


def temperature_label(temperature: float) -> str:
    """The temperature as it appears in file names, e.g. ``2.2692``."""
    return f"{temperature:.{TEMPERATURE_DECIMALS}f}"


def load_config_files(paths) -> dict:
    """Config files merged as Snakemake merges ``--configfile`` files (later ones override
    earlier ones, mappings recursively), then validated; ConfigError as :func:`validate_config`."""
    merged: dict = {}
    for path in paths:
        _deep_update(merged, load_config_file(path))
    return validate_config(merged, SCHEMA_PATH)


def main(argv: list[str] | None = None) -> int:
    """``python -m deeprenorm.config FILE...``: validate config files as the workflow would."""
    argv = sys.argv[1:] if argv is None else argv
    usage = "usage: python -m deeprenorm.config FILE [FILE...]  (later files override earlier ones)"
    if argv and argv[0] in ("-h", "--help"):
        print(f"{usage}\n\nValidate study config files as the workflow does and print the merged config.")
        return 0
    if not argv:
        print(usage, file=sys.stderr)
        return 2
    try:
        config = load_config_files(argv)
    except ConfigError as error:
        print(f"deeprenorm: {error}", file=sys.stderr)
        return 1
    print(yaml.safe_dump(config, sort_keys=False), end="")
    return 0


def _deep_update(base: dict, override: dict) -> dict:
    """Merge ``override`` into ``base`` as Snakemake merges config files (mappings recursively)."""
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


if __name__ == "__main__":
    sys.exit(main())
