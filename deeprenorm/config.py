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
"""

from __future__ import annotations

import copy
import dataclasses
import math
import shutil
import sys
from pathlib import Path

import numpy as np
import yaml

from .exact import T_C

__all__ = [
    "ConfigError",
    "coarse_size_ok",
    "load_config_file",
    "load_schema",
    "model_name",
    "ModelPlan",
    "model_plans",
    "rg_pairs",
    "NetworkRGPlan",
    "network_rg_plan",
    "rg_unblocked_message",
    "simulated_sizes",
    "simulated_temperatures",
    "RG_WINDOW_HALF_WIDTH",
    "default_rg_window",
    "dbn_lattice_size",
    "study_size_bytes",
    "check_study_fits",
    "validate_config",
    "temperature_grid",
    "temperature_label",
    "TEMPERATURE_DECIMALS",
]

# Temperatures live in file names with this many decimals; the one place that fixes the format.
TEMPERATURE_DECIMALS = 4


def coarse_size_ok(L: int, block: int) -> bool:
    """Whether blocking an L x L torus by ``block`` gives a lattice this project can simulate
    and compare with: L divisible by ``block`` and L / block an even integer >= 4 (the
    checkerboard needs even sizes, and the samplers need L >= 4)."""
    return L % block == 0 and (L // block) % 2 == 0 and L // block >= 4


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
            key: _normalise_numbers(value, properties[key], root, path + [key], problems) if key in properties else value
            for key, value in instance.items()
        }
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        return [_normalise_numbers(value, schema["items"], root, path + [i], problems) for i, value in enumerate(instance)]
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
    if dbn["lattice_size"] is not None and (dbn["lattice_size"] not in config["lattice_sizes"] or dbn["lattice_size"] % 2 ** dbn["layers"]):
        problems.append(
            f"probes.dbn.lattice_size: {dbn['lattice_size']} (allowed: one of lattice_sizes {config['lattice_sizes']} "
            f"divisible by 2^layers = {2 ** dbn['layers']}, each layer 4 times narrower)"
        )
    network_size = config["rg"]["networks"]["lattice_size"]
    if network_size is not None and network_size not in config["lattice_sizes"]:
        problems.append(f"rg.networks.lattice_size: {network_size} is not simulated (allowed: one of lattice_sizes {config['lattice_sizes']}, or null)")
    problems += _autoencoder_problems(config["autoencoder"], config["lattice_sizes"])
    for key, sizes in (("lattice_sizes", config["lattice_sizes"]), ("autocorrelation.lattice_sizes", config["autocorrelation"]["lattice_sizes"])):
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
    # where it trains (model_plans), so that changing the study's sizes needs no edit of models.
    problems = []
    fractions = autoencoder["split"]
    if not math.isclose(sum(fractions.values()), 1.0, abs_tol=1e-9):
        problems.append(
            f"autoencoder.split: fractions {fractions} sum to {sum(fractions.values()):g} (allowed: train + validation + test = 1)"
        )
    names = []
    for index, model in enumerate(autoencoder["models"]):
        where = f"autoencoder.models[{index}]"
        if model["kind"] == "conv":
            if "block" not in model or "latent" in model:
                problems.append(f"{where}: a conv model takes block (2 or 3) and no latent (allowed: {{kind: conv, block: 2}})")
        elif "latent" not in model or "block" in model:
            problems.append(f"{where}: a {model['kind']} model takes latent (>= 1) and no block (allowed: {{kind: {model['kind']}, latent: 1}})")
        if model["kind"] == "conv" and "block" in model:
            invalid = [L for L in model.get("lattice_sizes", []) if not coarse_size_ok(L, model["block"])]
            if invalid:
                problems.append(
                    f"{where}.lattice_sizes: {invalid} give no block lattice for block {model['block']} "
                    "(allowed: sizes with L/block an even integer >= 4)"
                )
        names.append(model_name(model))
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


def model_name(model: dict) -> str:
    """The name of a model spec in file names: ``alexandrou-k1-none``, ``conv-b2-dropout``, and
    ``alexandrou-k1-none-afm`` for a model of the antiferromagnet."""
    regularisation = model.get("regularisation", "none")
    if model["kind"] == "conv":
        name = f"conv-b{model.get('block')}-{regularisation}"
    else:
        name = f"{model['kind']}-k{model.get('latent')}-{regularisation}"
    return name + ("-afm" if model.get("system") == "antiferromagnet" else "")


@dataclasses.dataclass(frozen=True)
class ModelPlan:
    """What the workflow trains of one model spec: the sizes and the training seeds. Sizes the
    model asks for but does not get: ``not_simulated`` (not among the study's lattice_sizes) and
    ``no_block_lattice`` (a conv model's L where L/b is not an even integer >= 4). Both are
    skipped and reported, not errors."""

    spec: dict
    lattice_sizes: list
    seeds: list
    not_simulated: list
    no_block_lattice: list

    def skipped_message(self, name: str) -> str | None:
        """One line saying which sizes are skipped and why, or None."""
        reasons = []
        if self.no_block_lattice:
            reasons.append(f"L = {self.no_block_lattice}: L/b must be an even integer >= 4")
        if self.not_simulated:
            reasons.append(f"L = {self.not_simulated}: not in the study's lattice_sizes")
        if not reasons:
            return None
        return f"deeprenorm: {name} is not trained for " + "; ".join(reasons) + ("" if self.lattice_sizes else " (so not at all)")


def model_plans(config: dict) -> dict[str, ModelPlan]:
    """Every model of a validated config, by :func:`model_name`, in config order: it trains for
    the study's lattice sizes, or for those of its own ``lattice_sizes`` that the study
    simulates, except where a conv model has no block lattice."""
    autoencoder, study = config["autoencoder"], config["lattice_sizes"]
    plans = {}
    for spec in autoencoder["models"]:
        requested = spec.get("lattice_sizes", study)
        simulated = [L for L in requested if L in study]
        sizes = [L for L in simulated if spec["kind"] != "conv" or coarse_size_ok(L, spec["block"])]
        plans[model_name(spec)] = ModelPlan(
            spec=spec,
            lattice_sizes=sorted(sizes),
            seeds=list(spec.get("seeds", autoencoder["seeds"])),
            not_simulated=sorted(set(requested) - set(study)),
            no_block_lattice=sorted(set(simulated) - set(sizes)),
        )
    return plans


def rg_pairs(config: dict) -> list[tuple[int, int]]:
    """The (L, b) of the block-spin RG flow of a validated config: every L of ``lattice_sizes``
    and b of ``rg.block_factors`` whose block lattice L/b is an even integer >= 4 (the sizes a
    direct simulation of L/b can have), sorted by L, then b."""
    return sorted(
        (L, b) for L in config["lattice_sizes"] for b in config["rg"]["block_factors"] if coarse_size_ok(L, b)
    )


def rg_unblocked_message(config: dict) -> str | None:
    """One line naming the sizes of ``lattice_sizes`` that no factor of ``rg.block_factors``
    blocks (skipped by the RG flow, not an error), or None."""
    blocked = {L for L, _ in rg_pairs(config)}
    unblocked = sorted(set(config["lattice_sizes"]) - blocked)
    if not unblocked:
        return None
    return (
        f"deeprenorm: the RG flow does not block L = {unblocked}: "
        f"L/b must be an even integer >= 4 for some b of {config['rg']['block_factors']}"
    )


@dataclasses.dataclass(frozen=True)
class NetworkRGPlan:
    """What the RG stage measures of the trained networks (:func:`network_rg_plan`).

    ``lattice_size``: the L of every network measurement; ``learned``: model name -> (training
    seed, b) of each ferromagnet model trained at that L whose (L, b) is a flow pair (dense
    models are blocked with b = 2, conv models with their own block); ``flow_models``: the
    models of the network flow (the headline model, the widest dense model, the conv models);
    ``skipped``: model name -> why it is not measured; ``far_control``: whether the grid has
    temperatures on both sides of T_c beyond ``rg.networks.far_from_tc``, to train the flow's
    control network on.
    """

    lattice_size: int | None
    learned: dict
    flow_models: list
    skipped: dict
    far_control: bool = True

    def skipped_message(self) -> str | None:
        """One line naming what the RG stage does not measure, and why, or None."""
        if self.lattice_size is None:
            return "deeprenorm: no lattice size has a b = 2 or conv flow pair: the RG stage measures no network"
        lines = []
        if self.skipped:
            reasons = "; ".join(f"{name} ({why})" for name, why in self.skipped.items())
            lines.append(f"deeprenorm: the RG stage at L = {self.lattice_size} does not measure {reasons}")
        if not self.far_control:
            lines.append(
                "deeprenorm: no network is trained far from T_c (rg.networks.far_from_tc leaves no simulated "
                "temperature on one side of T_c): the network flow has the untrained control only"
            )
        return "\n".join(lines) or None


def network_rg_plan(config: dict) -> NetworkRGPlan:
    """The networks the RG stage measures, from a validated config: at ``rg.networks.lattice_size``
    (null: the size at which the most models train, the larger on a tie), every ferromagnet
    model trained there with its first training seed; the network flow of the first model
    (the headline model), the widest dense model and every conv model among them."""
    plans = model_plans(config)
    pairs = set(rg_pairs(config))
    size = config["rg"]["networks"]["lattice_size"]
    if size is None:
        counts = {L: sum(L in plan.lattice_sizes for plan in plans.values()) for L in config["lattice_sizes"]}
        usable = [L for L in counts if (L, 2) in pairs or any(
            plan.spec["kind"] == "conv" and (L, plan.spec["block"]) in pairs and L in plan.lattice_sizes for plan in plans.values())]
        if not usable:
            return NetworkRGPlan(None, {}, [], {})
        size = max(usable, key=lambda L: (counts[L], L))
    learned, skipped = {}, {}
    for name, plan in plans.items():
        if size not in plan.lattice_sizes:
            continue
        b = plan.spec["block"] if plan.spec["kind"] == "conv" else 2
        if plan.spec["system"] == "antiferromagnet":
            skipped[name] = "an antiferromagnet: the block-spin maps are those of the ferromagnet"
        elif (size, b) not in pairs:
            skipped[name] = f"L/b = {size}/{b} is not a flow pair of rg.block_factors"
        else:
            learned[name] = (plan.seeds[0], b)
    dense = [name for name in learned if plans[name].spec["kind"] != "conv"]
    flow_models = []
    if dense:
        flow_models.append(dense[0])
        widest = max(dense, key=lambda name: plans[name].spec["latent"])
        if widest not in flow_models:
            flow_models.append(widest)
    flow_models += [name for name in learned if plans[name].spec["kind"] == "conv"]
    far = config["rg"]["networks"]["far_from_tc"]
    grid = temperature_grid(config["temperatures"])
    far_control = any(T < T_C - far for T in grid) and any(T > T_C + far for T in grid)
    return NetworkRGPlan(size, learned, flow_models, skipped, far_control)


def dbn_lattice_size(config: dict) -> int | None:
    """The L of the deep belief network of a validated config: ``probes.dbn.lattice_size``, or
    (null) the largest L of ``lattice_sizes`` up to Mehta & Schwab's 40 divisible by 2^layers;
    None where there is none."""
    dbn = config["probes"]["dbn"]
    if dbn["lattice_size"] is not None:
        return dbn["lattice_size"]
    usable = [L for L in config["lattice_sizes"] if L <= 40 and L % 2 ** dbn["layers"] == 0]
    return max(usable) if usable else None


#: Half-width in J/k_B of the default window of the flow around T_c.  At the fixed point
#: T' - T* ~ b (T - T*), so the coarse temperatures that match inside a direct window of
#: +-0.15 reach +-0.075 (b = 2) and +-0.05 (b = 3) from T*, where the flow is still linear and
#: the reweighted table holds 15 or more rows 1/300 apart; the finite-size shift of T* (0.1-0.3 %
#: of T_c for L = 16-32 at 500 samples) stays far inside.  A wider window would add temperatures
#: that cost reweighting time and never enter the fixed point.
RG_WINDOW_HALF_WIDTH = 0.15


def default_rg_window(temperatures, half_width: float = RG_WINDOW_HALF_WIDTH) -> tuple[float, float]:
    """The window of the flow when the config gives none (``rg.window: null``).

    From the highest simulated temperature at or below ``T_c - half_width`` (the lowest one if
    none is) to the lowest at or above ``T_c + half_width`` (the highest if none is): the
    smallest span of the grid that covers ``T_c +- half_width``.  A grid that lies wholly on one
    side of that interval gives the whole grid.  ValueError for fewer than 2 temperatures.
    """
    T = np.unique(np.asarray(temperatures, dtype=float))
    if T.size < 2 or not np.all(np.isfinite(T)):
        raise ValueError(f"temperatures must hold at least 2 finite values, got {T.tolist()}")
    if not half_width > 0:
        raise ValueError(f"half_width must be positive, got {half_width}")
    below, above = T[T <= T_C - half_width], T[T >= T_C + half_width]
    low = below.max() if below.size else T.min()
    high = above.min() if above.size else T.max()
    if low >= high:
        low, high = T.min(), T.max()
    return float(low), float(high)


def simulated_temperatures(config: dict, L: int) -> list[float]:
    """The temperatures simulated at size L of a validated config: the whole grid for an L of
    ``lattice_sizes``; for a block lattice of the RG flow only (L/b not among them), the grid
    temperatures inside the flow's window (``rg.window``, or :func:`default_rg_window`), the
    only ones its direct ensemble is matched at."""
    grid = temperature_grid(config["temperatures"])
    if L in config["lattice_sizes"] or len(grid) < 2:  # one temperature has no window to cut
        return grid
    low, high = config["rg"]["window"] or default_rg_window(grid)
    return [T for T in grid if low <= T <= high]


def simulated_sizes(config: dict) -> list[int]:
    """Every L the study simulates, sorted: ``lattice_sizes`` and the block lattices L/b of
    :func:`rg_pairs`, whose direct ensembles the flow is matched with (L = 16, 24, 32 with b = 2,
    3: also 8 and 12)."""
    return sorted(set(config["lattice_sizes"]) | {L // b for L, b in rg_pairs(config)})


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


# Bytes per stored sample besides the spins: energy and magnetisation as float64.
_SCALAR_BYTES_PER_SAMPLE = 16


def study_size_bytes(config: dict) -> dict[int, int]:
    """Upper bound of the disk bytes of a validated study, per simulated lattice size
    (:func:`simulated_sizes`: the block lattices of the RG flow included).

    Each sample is stored twice (its simulation file and the per-L dataset), uncompressed in the
    worst case: ``2 * n_T * n_samples * (L^2 + 16)`` bytes per L, n_T its simulated temperatures.
    """
    n_samples = config["samples_per_temperature"]
    return {
        L: 2 * len(simulated_temperatures(config, L)) * n_samples * (L * L + _SCALAR_BYTES_PER_SAMPLE) for L in simulated_sizes(config)
    }


def _gigabytes(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:.3g} GB"


def check_study_fits(config: dict, workdir: str | Path = ".", existing_bytes: int = 0) -> None:
    """Refuse a study whose data cannot fit on the disk that holds ``workdir``.

    ``existing_bytes`` are already on that disk as outputs of this study (a rerun needs only the
    rest). Raises :class:`ConfigError` with the size the study needs and the space available.
    """
    sizes = study_size_bytes(config)
    needed = sum(sizes.values()) - existing_bytes
    folder = Path(workdir).resolve()
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if needed > free:
        largest = max(sizes, key=sizes.get)
        raise ConfigError(
            f"invalid config:\n  the study needs up to {_gigabytes(needed)} of disk (simulations and datasets, "
            f"uncompressed; L = {largest} alone {_gigabytes(sizes[largest])}) but {folder} has "
            f"{_gigabytes(free)} free (allowed: lattice_sizes, rg.block_factors, temperatures and "
            "samples_per_temperature whose data fit on the disk)"
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m deeprenorm.config FILE...``: validate config files as the workflow would."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m deeprenorm.config FILE [FILE...]  (later files override earlier ones)", file=sys.stderr)
        return 2
    schema = Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml"
    merged: dict = {}
    try:
        for path in argv:
            _deep_update(merged, load_config_file(path))
        config = validate_config(merged, schema)
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
