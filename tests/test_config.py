"""Config validation (every bad value named with its allowed range) and the temperature grid.
The selections made from a valid config are tested in test_plan.py."""

from pathlib import Path

import pytest
import yaml
from helpers import GOOD_CONFIG

from deeprenorm.config import (
    SCHEMA_PATH,
    ConfigError,
    command_line_values,
    load_config_file,
    load_schema,
    main,
    temperature_grid,
    temperature_label,
    validate_config,
)

REPOSITORY = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(SCHEMA_PATH)
GOOD = GOOD_CONFIG


@pytest.mark.parametrize("path", ["config.yaml", "config/paper.yaml"])
def test_shipped_configs_are_valid(path):
    config = validate_config(yaml.safe_load((REPOSITORY / path).read_text()), SCHEMA)
    assert len(temperature_grid(config["temperatures"])) >= 40
    assert config["samples_per_temperature"] >= 500


def test_defaults_are_filled_in():
    config = validate_config(GOOD, SCHEMA)
    assert config["sampling"] == {
        "thermalization_factor": 20,
        "pilot_factor": 500,
        "spacing_factor": 2,
        "max_pilot_sweeps": 5000000,
    }
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
        (
            {"temperatures": {"min": 1.0, "max": 3.0, "n": 5, "dense": {"min": 2.5, "max": 2.1, "n": 3}}},
            "temperatures.dense: min",
        ),
        ({"temperatures": [2.00001, 2.00002]}, "coincide after rounding"),
        ({"lattice_sizes": [16, 17]}, "lattice_sizes[1]: 17 is not a multiple of 2"),
        ({"lattice_sizes": [2]}, "lattice_sizes[0]: 2 is less than the minimum of 4"),
        ({"lattice_sizes": []}, "lattice_sizes: [] should be non-empty"),
        ({"lattice_sizes": [16, 16]}, "repeats a size"),
        ({"samples_per_temperature": 0}, "samples_per_temperature: 0 is less than the minimum of 20"),
        ({"algorithm": "heatbath"}, "algorithm: 'heatbath' is not one of"),
        ({"seed": -1}, "seed: -1 is less than the minimum of 0"),
        ({"sampling": {"spacing_factor": 1}}, "sampling.spacing_factor: 1 is less than the minimum of 2"),
        ({"autocorrelation": {"lattice_sizes": [16]}}, "autocorrelation.lattice_sizes"),
        (
            {
                "autoencoder": {
                    "models": [{"kind": "alexandrou", "latent": 1}, {"kind": "conv", "block": 3, "lattice_sizes": [16]}]
                }
            },
            "autoencoder.models[1].lattice_sizes: [16] give no block lattice for block 3",
        ),
        (
            {"autoencoder": {"models": [{"kind": "alexandrou", "latent": 1, "system": "antiferromagnet"}]}},
            "autoencoder.models[0]: the headline model must be a ferromagnet trained for every lattice size",
        ),
        (
            {"autoencoder": {"models": [{"kind": "alexandrou", "latent": 1, "lattice_sizes": [16]}]}},
            "autoencoder.models[0]: the headline model must be a ferromagnet",
        ),
        (
            {"autoencoder": {"models": [{"kind": "alexandrou", "latent": 1, "system": "spin glass"}]}},
            "autoencoder.models[0].system",
        ),
        (
            {"autoencoder": {"models": [{"kind": "alexandrou", "latent": 1, "seeds": [3, 3]}]}},
            "autoencoder.models[0].seeds",
        ),
        (
            {"autoencoder": {"models": [{"kind": "alexandrou", "latent": 1}, {"kind": "conv", "latent": 4}]}},
            "autoencoder.models[1]: block must be one of",
        ),
        (
            {"autoencoder": {"models": [{"kind": "wide", "latent": 2, "block": 2}]}},
            "autoencoder.models[0]: block is for kind 'conv' only",
        ),
        (
            {"autoencoder": {"models": [{"kind": "alexandrou", "latent": 1}, {"kind": "alexandrou", "latent": 1}]}},
            "alexandrou-k1-none listed twice",
        ),
        ({"rg": {"block_factors": [4]}}, "rg.block_factors[0]: 4 is not one of [2, 3]"),
        ({"rg": {"block_factors": []}}, "rg.block_factors: [] should be non-empty"),
        ({"rg": {"block_factors": [2, 2]}}, "rg.block_factors: [2, 2] has non-unique elements"),
        ({"rg": {"maps": ["average"]}}, "rg.maps[0]: 'average' is not one of ['majority', 'decimation']"),
        ({"rg": {"observables": ["energy"]}}, "rg.observables[0]: 'energy' is not one of ['binder', 'abs_m', 'nn']"),
        ({"rg": {"window": [2.5, 2.1]}}, "rg.window: [2.5, 2.1] is not [low, high] with low < high"),
        ({"rg": {"window": [2.1, 2.4]}}, "rg.window: [2.1, 2.4] holds 0 of the simulated temperatures"),
        ({"rg": {"window": [2.0]}}, "rg.window"),
        ({"rg": {"windows": None}}, "rg: unknown key(s) 'windows'"),
        ({"rg": {"networks": {"lattice_size": 20}}}, "rg.networks.lattice_size: 20 is not simulated"),
        ({"rg": {"mcrg": {"lattice_size": 16, "levels": 4}}}, "rg.mcrg.levels: 4 blocks L = 16 below 2 sites a side"),
        ({"rg": {"mcrg": {"lattice_size": 60}}}, "rg.mcrg.lattice_size: 60 is not a multiple of 8"),
        ({"rg": {"mcrg": {"samples": 50}}}, "rg.mcrg.samples: 50 is less than the minimum of 100"),
        ({"temperatures": []}, "temperatures"),
        ({"seed": 2**64}, "seed: 18446744073709551616 is greater than the maximum"),
        (
            {"probes": {"controls": {"kinds": ["brownian"]}}},
            "probes.controls.kinds[0]: 'brownian' is not one of ['noise', 'sine', 'smooth']",
        ),
        (
            {"probes": {"controls": {"kinds": ["noise", "noise"]}}},
            "probes.controls.kinds: ['noise', 'noise'] has non-unique elements",
        ),
        ({"probes": {"controls": {"samples_per_temperature": 10}}}, "probes.controls.samples_per_temperature"),
        (
            {"probes": {"controls": {"sine_noise": -0.1}}},
            "probes.controls.sine_noise: -0.1 is less than the minimum of 0",
        ),
        ({"probes": {"dbn": {"lattice_size": 36}}}, "probes.dbn.lattice_size: 36 is not divisible by 2^layers = 8"),
        ({"probes": {"dbn": {"lattice_size": None}}}, "probes.dbn.lattice_size: None is not of type 'integer'"),
        ({"probes": {"dbn": {"configurations": 10}}}, "probes.dbn.configurations: 10 is less than the minimum of 20"),
        ({"probes": {"dbn": {"held_out": 0}}}, "probes.dbn.held_out: 0 is less than or equal to the minimum of 0"),
        ({"probes": {"dbn": {"held_out": 0.6}}}, "probes.dbn.held_out: 0.6 is greater than the maximum of 0.5"),
        ({"probes": {"dbn": {"patience": 0}}}, "probes.dbn.patience: 0 is less than the minimum of 1"),
        ({"probes": {"dbn": {"tolerance": 1}}}, "probes.dbn.tolerance: 1 is greater than or equal to the maximum"),
        ({"probes": {"dbn": {"n_bootstrap": 5}}}, "probes.dbn.n_bootstrap: 5 is less than the minimum of 10"),
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


def test_schema_defaults_are_the_shipped_default_study():
    shipped = validate_config(yaml.safe_load((REPOSITORY / "config.yaml").read_text()), SCHEMA)
    assert validate_config({}, SCHEMA) == shipped


def test_integral_floats_become_integers_where_an_integer_is_asked_for():
    config = validate_config(
        GOOD
        | {
            "seed": 7.0,
            "samples_per_temperature": 1e3,
            "lattice_sizes": [4.0, 6],
            "temperatures": {"min": 2.0, "max": 3.0, "n": 5.0},
        },
        SCHEMA,
    )
    assert config["seed"] == 7 and type(config["seed"]) is int
    assert config["samples_per_temperature"] == 1000 and type(config["samples_per_temperature"]) is int
    assert [type(size) for size in config["lattice_sizes"]] == [int, int]
    assert type(config["temperatures"]["n"]) is int
    assert type(config["temperatures"]["min"]) is float  # numbers stay numbers
    assert validate_config(GOOD | {"seed": 7.0}, SCHEMA) == validate_config(GOOD | {"seed": 7}, SCHEMA)


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"seed": 7.5}, "seed: 7.5 is not of type 'integer'"),
        ({"seed": True}, "seed: True is not of type 'integer'"),
        ({"samples_per_temperature": float("nan")}, "samples_per_temperature: nan is not a finite number"),
        ({"temperatures": [2.0, float("inf")]}, "temperatures[1]: inf is not a finite number"),
        ({"temperatures": {"min": float("nan"), "max": 3.0, "n": 3}}, "temperatures.min: nan is not a finite number"),
        ({"sampling": {"spacing_factor": float("-inf")}}, "sampling.spacing_factor: -inf is not a finite number"),
        (
            {"autocorrelation": {"pilot_factor": float("nan")}},
            "autocorrelation.pilot_factor: nan is not a finite number",
        ),
        ({"samples_per_temperature": 19}, "samples_per_temperature: 19 is less than the minimum of 20"),
        (
            {"thermodynamics": {"tc_window": [2.5, 2.0]}},
            "thermodynamics.tc_window: [2.5, 2.0] is not [low, high] with low < high",
        ),
        (
            {"thermodynamics": {"tc_window": [2.0, float("nan")]}},
            "thermodynamics.tc_window[1]: nan is not a finite number",
        ),
        ({"temperatures": [float("nan")]}, "temperatures[0]: nan is not a finite number"),
        ({"temperatures": {"min": 2.0, "max": float("inf"), "n": 3}}, "temperatures.max: inf is not a finite number"),
        ({"temperatures": {"min": 2.0, "max": 2.6, "n": 3.5}}, "temperatures.n: 3.5 is not of type 'integer'"),
        ({"sampling": {"pilot_factor": float("nan")}}, "sampling.pilot_factor: nan is not a finite number"),
    ],
)
def test_non_finite_and_non_integral_values_are_rejected(change, expected):
    with pytest.raises(ConfigError, match="allowed") as error:
        validate_config(GOOD | change, SCHEMA)
    assert expected in str(error.value)


def test_config_files_are_read_strictly(tmp_path):
    (tmp_path / "empty.yaml").write_text("# nothing but a comment\n")
    assert load_config_file(tmp_path / "empty.yaml") == {}
    (tmp_path / "syntax.yaml").write_text("seed: 1\nsampling:\n  pilot_factor: [1\n")
    with pytest.raises(
        ConfigError, match=r"syntax.yaml, line 4, column 1: invalid YAML: while parsing a flow sequence"
    ):
        load_config_file(tmp_path / "syntax.yaml")
    (tmp_path / "twice.yaml").write_text("seed: 1\nsampling:\n  pilot_factor: 600\n  pilot_factor: 700\n")
    with pytest.raises(
        ConfigError,
        match=r"twice.yaml, line 4, column 3: invalid YAML: key 'pilot_factor' appears twice \(first at line 3, again at line 4\)",
    ):
        load_config_file(tmp_path / "twice.yaml")
    (tmp_path / "scalar.yaml").write_text("42\n")
    with pytest.raises(ConfigError, match="scalar.yaml: the config must be a mapping of keys to values, got a int"):
        load_config_file(tmp_path / "scalar.yaml")
    with pytest.raises(ConfigError, match="missing.yaml: cannot read the config file"):
        load_config_file(tmp_path / "missing.yaml")


def test_command_line_checker(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("seed: 3\nlattice_sizes: [8]\n")
    (tmp_path / "b.yaml").write_text("samples_per_temperature: 2.0e+2\n")
    assert main([str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["seed"] == 3 and printed["lattice_sizes"] == [8] and printed["samples_per_temperature"] == 200
    (tmp_path / "c.yaml").write_text("seed: -3\n")
    assert main([str(tmp_path / "c.yaml")]) == 1
    assert "seed: -3 is less than the minimum of 0" in capsys.readouterr().err
    (tmp_path / "d.yaml").write_text("samples_per_temperature: 1e3\n")  # YAML 1.1: a string
    assert main([str(tmp_path / "d.yaml")]) == 1
    assert "YAML reads 1e3 as text, not a number: write 1000" in capsys.readouterr().err
    assert main(["--help"]) == 0 and capsys.readouterr().out.startswith("usage: python -m deeprenorm.config")


def test_command_line_values_are_read_as_a_config_file_reads_them():
    # Snakemake's --config keeps the scalars inside a list or mapping as text (YAML BaseLoader)
    given = {
        "lattice_sizes": ["16", "32"],
        "rg": {"mcrg": {"levels": "1", "samples": "1e3"}, "window": "null", "maps": ["majority"]},
        "algorithm": "wolff",
        "seed": 7,
        "note": "[not, a, list]",
    }
    assert command_line_values(given) == {
        "lattice_sizes": [16, 32],
        "rg": {"mcrg": {"levels": 1, "samples": "1e3"}, "window": None, "maps": ["majority"]},
        "algorithm": "wolff",
        "seed": 7,
        "note": "[not, a, list]",
    }
