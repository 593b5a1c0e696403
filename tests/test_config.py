"""Config validation (every bad value named with its allowed range), the grid, and the seeds."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from deeprenorm.config import ConfigError, load_schema, temperature_grid, temperature_label, validate_config
from deeprenorm.seeding import stream, temperature_key

REPOSITORY = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(REPOSITORY / "workflow/schemas/config.schema.yaml")
GOOD = {"seed": 1, "lattice_sizes": [16, 24], "temperatures": [2.0, 2.5], "samples_per_temperature": 10, "algorithm": "auto"}


@pytest.mark.parametrize("path", ["config.yaml", "config/paper.yaml"])
def test_shipped_configs_are_valid(path):
    config = validate_config(yaml.safe_load((REPOSITORY / path).read_text()), SCHEMA)
    assert len(temperature_grid(config["temperatures"])) >= 40
    assert config["samples_per_temperature"] >= 500


def test_defaults_are_filled_in():
    config = validate_config(GOOD, SCHEMA)
    assert config["sampling"] == {"thermalization_factor": 20, "pilot_factor": 500, "spacing_factor": 2, "max_pilot_sweeps": 5000000}
    assert config["autocorrelation"]["lattice_sizes"] == [8, 16, 32, 64]
    assert "sampling" not in GOOD  # the input is not modified


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"typo": 1}, "unknown key(s) 'typo'"),
        ({"temperatures": [2.0, -0.5]}, "temperatures[1]: -0.5 is less than or equal to the minimum of 0"),
        ({"temperatures": [0]}, "temperatures[0]"),
        ({"temperatures": {"min": 1.0, "max": 3.0, "n": 0}}, "temperatures.n: 0 is less than the minimum of 1"),
        ({"temperatures": {"min": 3.0, "max": 1.0, "n": 5}}, "temperatures: min (3.0) is greater than max (1.0)"),
        ({"temperatures": {"min": 1.0, "max": 3.0, "n": 5, "dense": {"min": 2.5, "max": 2.1, "n": 3}}}, "temperatures.dense: min"),
        ({"temperatures": [2.00001, 2.00002]}, "coincide after rounding"),
        ({"lattice_sizes": [16, 17]}, "lattice_sizes[1]: 17 is not a multiple of 2"),
        ({"lattice_sizes": [2]}, "lattice_sizes[0]: 2 is less than the minimum of 4"),
        ({"lattice_sizes": []}, "lattice_sizes: [] should be non-empty"),
        ({"lattice_sizes": [16, 16]}, "repeats a size"),
        ({"samples_per_temperature": 0}, "samples_per_temperature: 0 is less than the minimum of 1"),
        ({"algorithm": "heatbath"}, "algorithm: 'heatbath' is not one of"),
        ({"seed": -1}, "seed: -1 is less than the minimum of 0"),
        ({"sampling": {"spacing_factor": 1}}, "sampling.spacing_factor: 1 is less than the minimum of 2"),
        ({"autocorrelation": {"lattice_sizes": [16]}}, "autocorrelation.lattice_sizes"),
    ],
)
def test_bad_values_are_rejected_with_key_and_allowed_range(change, expected):
    with pytest.raises(ConfigError) as error:
        validate_config(GOOD | change, SCHEMA)
    assert expected in str(error.value)
    assert "allowed" in str(error.value)


def test_temperature_grid_merges_the_dense_range():
    grid = temperature_grid({"min": 1.5, "max": 3.5, "n": 5, "dense": {"min": 2.2, "max": 2.4, "n": 3}})
    assert grid == [1.5, 2.0, 2.2, 2.3, 2.4, 2.5, 3.0, 3.5]
    assert temperature_label(2.269185) == "2.2692"


def test_streams_are_reproducible_and_distinct():
    first = stream(5, "simulation", 16, temperature_key(2.3), 0).generate_state(4)
    np.testing.assert_array_equal(first, stream(5, "simulation", 16, temperature_key(2.3), 0).generate_state(4))
    others = [
        stream(6, "simulation", 16, temperature_key(2.3), 0),
        stream(5, "simulation", 24, temperature_key(2.3), 0),
        stream(5, "simulation", 16, temperature_key(2.3001), 0),
        stream(5, "simulation", 16, temperature_key(2.3), 1),
        stream(5, "training", 16, temperature_key(2.3), 0),
    ]
    for other in others:
        assert not np.array_equal(first, other.generate_state(4))
    with pytest.raises(ValueError, match="purpose"):
        stream(5, "nonsense")
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        stream(-1, "simulation")


def test_schema_defaults_are_the_shipped_default_study():
    shipped = validate_config(yaml.safe_load((REPOSITORY / "config.yaml").read_text()), SCHEMA)
    assert validate_config({}, SCHEMA) == shipped
