"""Config validation (every bad value named with its allowed range), the grid, and the seeds."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from deeprenorm.config import (
    ConfigError,
    check_study_fits,
    load_config_file,
    load_schema,
    main,
    model_plans,
    network_rg_plan,
    rg_pairs,
    rg_unblocked_message,
    simulated_sizes,
    study_size_bytes,
    temperature_grid,
    temperature_label,
    validate_config,
)
from deeprenorm.seeding import stream, temperature_key

REPOSITORY = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(REPOSITORY / "workflow/schemas/config.schema.yaml")
GOOD = {"seed": 1, "lattice_sizes": [16, 24], "temperatures": [2.0, 2.5], "samples_per_temperature": 20, "algorithm": "auto"}


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
        ({"samples_per_temperature": 0}, "samples_per_temperature: 0 is less than the minimum of 20"),
        ({"algorithm": "heatbath"}, "algorithm: 'heatbath' is not one of"),
        ({"seed": -1}, "seed: -1 is less than the minimum of 0"),
        ({"sampling": {"spacing_factor": 1}}, "sampling.spacing_factor: 1 is less than the minimum of 2"),
        ({"autocorrelation": {"lattice_sizes": [16]}}, "autocorrelation.lattice_sizes"),
        (
            {"autoencoder": {"models": [{"kind": "alexandrou", "latent": 1}, {"kind": "conv", "block": 3, "lattice_sizes": [16]}]}},
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
        ({"autoencoder": {"models": [{"kind": "alexandrou", "latent": 1, "system": "spin glass"}]}}, "autoencoder.models[0].system"),
        ({"autoencoder": {"models": [{"kind": "alexandrou", "latent": 1, "seeds": [3, 3]}]}}, "autoencoder.models[0].seeds"),
        ({"rg": {"block_factors": [4]}}, "rg.block_factors[0]: 4 is not one of [2, 3]"),
        ({"rg": {"block_factors": []}}, "rg.block_factors: [] should be non-empty"),
        ({"rg": {"block_factors": [2, 2]}}, "rg.block_factors: [2, 2] has non-unique elements"),
        ({"rg": {"maps": ["average"]}}, "rg.maps[0]: 'average' is not one of ['majority', 'decimation']"),
        ({"rg": {"observables": ["energy"]}}, "rg.observables[0]: 'energy' is not one of ['binder', 'abs_m', 'nn']"),
        ({"rg": {"window": [2.5, 2.1]}}, "rg.window: [2.5, 2.1] is not [low, high] with low < high"),
        ({"rg": {"window": [2.1, 2.4]}}, "rg.window: [2.1, 2.4] holds 0 of the simulated temperatures"),
        ({"rg": {"window": [2.0]}}, "rg.window"),
        ({"rg": {"windows": None}}, "rg: unknown key(s) 'windows'"),
        ({"temperatures": []}, "temperatures"),
        ({"seed": 2**64}, "seed: 18446744073709551616 is greater than the maximum"),
        ({"probes": {"controls": {"kinds": ["brownian"]}}}, "probes.controls.kinds[0]: 'brownian' is not one of ['noise', 'sine']"),
        ({"probes": {"controls": {"kinds": ["noise", "noise"]}}}, "probes.controls.kinds: ['noise', 'noise'] has non-unique elements"),
        ({"probes": {"controls": {"samples_per_temperature": 10}}}, "probes.controls.samples_per_temperature"),
        ({"probes": {"controls": {"sine_noise": -0.1}}}, "probes.controls.sine_noise: -0.1 is less than the minimum of 0"),
    ],
)
def test_bad_values_are_rejected_with_key_and_allowed_range(change, expected):
    with pytest.raises(ConfigError) as error:
        validate_config(GOOD | change, SCHEMA)
    assert expected in str(error.value)
    assert "allowed" in str(error.value)


def test_model_plans_give_each_model_its_sizes_seeds_and_name():
    models = [
        {"kind": "alexandrou", "latent": 1},
        {"kind": "alexandrou", "latent": 1, "system": "antiferromagnet", "seeds": [5]},
        {"kind": "conv", "block": 3},
        {"kind": "wide", "latent": 8, "regularisation": "dropout", "lattice_sizes": [24, 48]},
        {"kind": "wide", "latent": 4, "lattice_sizes": [32]},
    ]
    config = validate_config(GOOD | {"autoencoder": {"models": models, "seeds": [0, 1]}}, SCHEMA)
    plans = model_plans(config)
    assert list(plans) == ["alexandrou-k1-none", "alexandrou-k1-none-afm", "conv-b3-none", "wide-k8-dropout", "wide-k4-none"]
    assert [(plan.lattice_sizes, plan.seeds, plan.not_simulated, plan.no_block_lattice) for plan in plans.values()] == [
        ([16, 24], [0, 1], [], []),
        ([16, 24], [5], [], []),
        ([24], [0, 1], [], [16]),  # 16 / 3 is no lattice: skipped, not an error
        ([24], [0, 1], [48], []),  # a size the study does not simulate: skipped
        ([], [0, 1], [32], []),
    ]
    assert plans["alexandrou-k1-none-afm"].spec["system"] == "antiferromagnet"
    assert plans["alexandrou-k1-none"].skipped_message("alexandrou-k1-none") is None
    assert plans["conv-b3-none"].skipped_message("conv-b3-none") == (
        "deeprenorm: conv-b3-none is not trained for L = [16]: L/b must be an even integer >= 4"
    )
    assert plans["wide-k4-none"].skipped_message("wide-k4-none").endswith("L = [32]: not in the study's lattice_sizes (so not at all)")


def test_rg_pairs_and_the_simulated_block_lattices():
    config = validate_config(GOOD, SCHEMA)
    assert {key: config["rg"][key] for key in ("block_factors", "maps", "observables", "window")} == {
        "block_factors": [2, 3], "maps": ["majority", "decimation"], "observables": ["binder", "abs_m"], "window": None
    }
    assert config["rg"]["networks"] == {"lattice_size": None, "flow_steps": 5, "flow_samples": 50, "far_from_tc": 0.4}
    assert rg_pairs(config) == [(16, 2), (24, 2), (24, 3)]
    assert simulated_sizes(config) == [8, 12, 16, 24]  # the block lattices 8 and 12 are simulated too
    assert rg_unblocked_message(config) is None
    only_b2 = validate_config(GOOD | {"lattice_sizes": [4, 6, 16], "rg": {"block_factors": [2]}}, SCHEMA)
    assert rg_pairs(only_b2) == [(16, 2)] and simulated_sizes(only_b2) == [4, 6, 8, 16]
    assert rg_unblocked_message(only_b2) == (
        "deeprenorm: the RG flow does not block L = [4, 6]: L/b must be an even integer >= 4 for some b of [2]"
    )
    assert validate_config(GOOD | {"rg": {"window": [2.0, 2.5]}}, SCHEMA)["rg"]["window"] == [2.0, 2.5]


def test_network_rg_plan_picks_the_size_with_most_models():
    models = [
        {"kind": "alexandrou", "latent": 1},
        {"kind": "alexandrou", "latent": 1, "system": "antiferromagnet"},
        {"kind": "wide", "latent": 8, "lattice_sizes": [24]},
        {"kind": "wide", "latent": 4, "lattice_sizes": [24]},
        {"kind": "conv", "block": 2, "lattice_sizes": [16, 24], "seeds": [3]},
    ]
    config = validate_config(GOOD | {"temperatures": [1.5, 2.27, 3.0], "autoencoder": {"models": models}}, SCHEMA)
    plan = network_rg_plan(config)
    assert plan.lattice_size == 24 and plan.far_control
    assert plan.learned == {"alexandrou-k1-none": (0, 2), "wide-k8-none": (0, 2), "wide-k4-none": (0, 2), "conv-b2-none": (3, 2)}
    # the headline model, the widest dense one and the conv model
    assert plan.flow_models == ["alexandrou-k1-none", "wide-k8-none", "conv-b2-none"]
    assert "alexandrou-k1-none-afm (an antiferromagnet" in plan.skipped_message()
    at_16 = network_rg_plan(validate_config(GOOD | {"autoencoder": {"models": models}, "rg": {"networks": {"lattice_size": 16}}}, SCHEMA))
    assert at_16.lattice_size == 16 and set(at_16.learned) == {"alexandrou-k1-none", "conv-b2-none"}
    # GOOD's grid, 2.0 and 2.5, has no temperature 0.4 from T_c: no far-trained control, said so
    assert not at_16.far_control and "no network is trained far from T_c" in at_16.skipped_message()
    with pytest.raises(ConfigError, match=r"rg.networks.lattice_size: 20 is not simulated"):
        validate_config(GOOD | {"rg": {"networks": {"lattice_size": 20}}}, SCHEMA)


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


def test_integral_floats_become_integers_where_an_integer_is_asked_for():
    config = validate_config(
        GOOD | {"seed": 7.0, "samples_per_temperature": 1e3, "lattice_sizes": [4.0, 6], "temperatures": {"min": 2.0, "max": 3.0, "n": 5.0}},
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
        ({"autocorrelation": {"pilot_factor": float("nan")}}, "autocorrelation.pilot_factor: nan is not a finite number"),
        ({"samples_per_temperature": 19}, "samples_per_temperature: 19 is less than the minimum of 20"),
        ({"thermodynamics": {"tc_window": [2.5, 2.0]}}, "thermodynamics.tc_window: [2.5, 2.0] is not [low, high] with low < high"),
        ({"thermodynamics": {"tc_window": [2.0, float("nan")]}}, "thermodynamics.tc_window[1]: nan is not a finite number"),
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
    with pytest.raises(ConfigError, match=r"syntax.yaml, line 4, column 1: invalid YAML: while parsing a flow sequence"):
        load_config_file(tmp_path / "syntax.yaml")
    (tmp_path / "twice.yaml").write_text("seed: 1\nsampling:\n  pilot_factor: 600\n  pilot_factor: 700\n")
    with pytest.raises(ConfigError, match=r"twice.yaml, line 4, column 3: invalid YAML: key 'pilot_factor' appears twice \(first at line 3, again at line 4\)"):
        load_config_file(tmp_path / "twice.yaml")
    (tmp_path / "scalar.yaml").write_text("42\n")
    with pytest.raises(ConfigError, match="scalar.yaml: the config must be a mapping of keys to values, got a int"):
        load_config_file(tmp_path / "scalar.yaml")
    with pytest.raises(ConfigError, match="missing.yaml: cannot read the config file"):
        load_config_file(tmp_path / "missing.yaml")


def test_study_size_and_the_disk_check(tmp_path):
    config = validate_config(GOOD, SCHEMA)
    # the block lattices of the RG flow (8 and 12) are simulated and stored too
    assert study_size_bytes(config) == {L: 2 * 2 * 20 * (L * L + 16) for L in (8, 12, 16, 24)}
    check_study_fits(config, tmp_path)
    huge = validate_config(GOOD | {"lattice_sizes": [1024], "samples_per_temperature": 1_000_000}, SCHEMA)
    # L = 1024 and its block lattice 512: 4.19e3 GB + 1.05e3 GB
    with pytest.raises(ConfigError, match=r"the study needs up to 5.24e\+03 GB of disk .* L = 1024 alone 4.19e\+03 GB"):
        check_study_fits(huge, tmp_path / "not" / "yet" / "made")


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
