"""Study configuration: validation with readable errors, defaults, and the temperature grid.

The JSON Schema (``workflow/schemas/config.schema.yaml``) is the single description of every key,
its type, range and default. :func:`validate_config` checks a config against it, adds the checks a
schema cannot express (``min <= max``, distinct lattice sizes), fills in defaults, and raises one
:class:`ConfigError` listing every problem as ``key path: what is wrong (allowed: ...)`` so that a
bad config is rejected before any job runs.
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import numpy as np
import yaml
from jsonschema.exceptions import best_match

__all__ = [
    "ConfigError",
    "load_schema",
    "validate_config",
    "temperature_grid",
    "temperature_label",
    "TEMPERATURE_DECIMALS",
]

# Temperatures live in file names with this many decimals; the one place that fixes the format.
TEMPERATURE_DECIMALS = 4


class ConfigError(ValueError):
    """The study configuration is invalid; the message names every offending key."""


def load_schema(path: str | Path) -> dict:
    with open(path) as handle:
        return yaml.safe_load(handle)


def _key_path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator in ("oneOf", "anyOf") and error.context:
        # The branch whose type matches the value explains the problem; type mismatches do not.
        relevant = [sub for sub in error.context if sub.validator != "type" or sub.relative_path] or error.context
        deepest = best_match(relevant)
        # best_match paths are relative to the oneOf node.
        return _describe_at(list(error.absolute_path) + list(deepest.relative_path), deepest)
    return _describe_at(list(error.absolute_path), error)


def _describe_at(path, error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unexpected = sorted(set(error.instance) - set(allowed))
        where = _key_path(path)
        return f"{where}: unknown key(s) {', '.join(map(repr, unexpected))} (allowed keys: {', '.join(allowed)})"
    allowed = error.schema.get("description")
    if error.validator == "enum":
        allowed = "one of " + ", ".join(map(str, error.validator_value))
    suffix = f" (allowed: {allowed.strip()})" if allowed else ""
    return f"{_key_path(path)}: {error.message}{suffix}"


def _fill_defaults(instance, schema, root):
    """Insert schema ``default`` values for absent keys, recursively through ``properties``."""
    if "$ref" in schema:
        reference = schema["$ref"].removeprefix("#/").split("/")
        target = root
        for part in reference:
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    if not isinstance(instance, dict):
        return
    for key, subschema in schema.get("properties", {}).items():
        if key not in instance and "default" in subschema:
            instance[key] = copy.deepcopy(subschema["default"])
        if key in instance:
            _fill_defaults(instance[key], subschema, root)


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
