"""The study plan (deeprenorm.plan): every selection the workflow makes from a config, on the
shipped configs and on small hand-made ones."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import GOOD_CONFIG

from deeprenorm.config import SCHEMA_PATH, ConfigError, load_schema, validate_config
from deeprenorm.exact import T_C
from deeprenorm.ml.spec import ModelSpec
from deeprenorm.plan import (
    NetworkModel,
    StudyPlan,
    TransferPlan,
    check_study_fits,
    far_from_critical,
    featured_model,
    reconstruction_models,
    rg_pairs,
    transfer_plan,
)

REPOSITORY = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(SCHEMA_PATH)
GOOD = GOOD_CONFIG
AFM_SKIPPED = "an antiferromagnet: the block-spin maps are those of the ferromagnet"


def plan_of(config: dict) -> StudyPlan:
    return StudyPlan.from_config(validate_config(config, SCHEMA))


def shipped(path: str) -> StudyPlan:
    return plan_of(yaml.safe_load((REPOSITORY / path).read_text()))


def network_models(*specs: ModelSpec) -> dict[str, NetworkModel]:
    return {spec.name: NetworkModel(spec, 0, spec.block or 2, 4) for spec in specs}


def test_the_tiny_study():
    plan = shipped("config/tiny.yaml")
    assert plan.rg_pairs == ((8, 2),) and plan.simulated_sizes == (4, 8) and plan.rg_sizes == (4, 8)
    assert plan.models["conv-b2-none"].lattice_sizes == (8,) and plan.models["conv-b2-none"].no_block_lattice == (4,)
    assert (plan.default_model, plan.default_seed, plan.seeds) == ("alexandrou-k1-none", 0, (0, 1))
    assert plan.sweep_models == ("alexandrou-k1-none", "wide-k2-l1")
    network = plan.network
    assert network.lattice_size == 8 and network.skipped == {"alexandrou-k1-none-afm": AFM_SKIPPED}
    assert {name: (model.seed, model.b, model.coarse_size) for name, model in network.models.items()} == {
        "alexandrou-k1-none": (0, 2, 4),
        "wide-k2-l1": (0, 2, 4),
        "conv-b2-none": (0, 2, 4),
    }
    assert network.flow_models == ("alexandrou-k1-none", "wide-k2-l1", "conv-b2-none") and network.conv_models == (
        "conv-b2-none",
    )
    # far_from_tc 0.25 keeps 2.0 and 2.6 of the grid 2.0, 2.3, 2.6 for the far-trained control
    assert (
        network.far_mask == (True, False, True)
        and network.far_control
        and network.far_description == "|T - T_c| > 0.25"
    )
    probes = plan.probes
    assert probes.featured == "wide-k2-l1" and probes.control_models == ("wide-k2-l1", "conv-b2-none")
    assert probes.controls == (("noise", "wide-k2-l1"), ("noise", "conv-b2-none")) and probes.control_samples == 20
    assert (
        probes.reconstruction_models == ("alexandrou-k1-none", "wide-k2-l1", "conv-b2-none")
        and probes.dbn_lattice_size == 8
    )
    assert plan.report.strip_L == 8 and list(plan.report.strip_models) == [
        "conv-b2-none",
        "alexandrou-k1-none",
        "wide-k2-l1",
    ]
    assert plan.report.strip_conv_model == "conv-b2-none"
    assert len(plan.notices) == 3 and "does not block L = [4]" in plan.notices[1]


def test_the_default_study():
    plan = shipped("config.yaml")
    assert plan.rg_pairs == ((12, 2), (12, 3), (16, 2), (24, 2), (24, 3), (32, 2))
    assert plan.simulated_sizes == (4, 6, 8, 12, 16, 24, 32)
    # the block lattices 4, 6 and 8 are simulated inside the flow's window only
    assert plan.rg_window == (2.0714, 2.425)
    assert [len(plan.simulated_temperatures(L)) for L in (4, 6, 8, 12, 16)] == [18, 18, 18, 48, 48]
    # the headline model at every size with four seeds; the conv model, trained at L = 24,
    # encodes every size with the same weights
    assert plan.models["alexandrou-k1-none"].lattice_sizes == (12, 16, 24, 32)
    assert plan.models["alexandrou-k1-none"].seeds == (0, 1, 2, 3)
    assert plan.transfer == TransferPlan("conv-b2-none", 24, (0, 1, 2), (12, 16, 24, 32))
    assert plan.transfer.name == "conv-b2-none@L24"
    network = plan.network
    # the size at which the most models train
    assert network.lattice_size == 24 and network.block_factors == (2, 3) and len(network.models) == 8
    assert all((model.seed, model.b, model.coarse_size) == (0, 2, 12) for model in network.models.values())
    # the headline model, the widest dense model (the first of the three of width 16), the conv model
    assert network.flow_models == ("alexandrou-k1-none", "wide-k16-none", "conv-b2-none")
    assert plan.probes.featured == "wide-k16-none"
    assert plan.probes.models == network.flow_models and plan.probes.control_models == ("wide-k16-none", "conv-b2-none")
    assert plan.probes.control_kinds == ("noise", "sine", "smooth") and plan.probes.dbn_lattice_size == 40
    # one model per code width, each placed where the last model of its width stands
    assert plan.probes.reconstruction_models == (
        "conv-b2-none",
        "alexandrou-k1-none",
        "wide-k4-dropout",
        "wide-k8-dropout",
        "wide-k16-none",
    )
    assert sum(network.far_mask) == 22 and all(
        abs(T - T_C) > 0.4 for T, far in zip(plan.temperatures, network.far_mask) if far
    )


def test_the_paper_study():
    plan = shipped("config/paper.yaml")
    network = plan.network
    assert network.lattice_size == 48 and plan.models["conv-b3-none"].lattice_sizes == (24, 48)
    # every model of L = 48 is probed; the conv model of b = 3 is compared with 16 x 16 blocks
    assert network.models["conv-b3-none"] == NetworkModel(plan.models["conv-b3-none"].spec, 0, 3, 16, (0, 1, 2, 3))
    assert network.flow_models == ("alexandrou-k1-none", "wide-k16-none", "conv-b2-none", "conv-b3-none")
    assert plan.probes.models == tuple(network.models) and plan.probes.conv_models == ("conv-b2-none", "conv-b3-none")
    assert (
        plan.probes.control_models == ("wide-k16-none", "conv-b2-none", "conv-b3-none")
        and plan.probes.control_samples == 1000
    )
    assert list(plan.report.strip_models) == ["conv-b2-none", "conv-b3-none", "alexandrou-k1-none", "wide-k16-none"]
    assert (
        plan.sweep_models[:3] == ("alexandrou-k1-none", "alexandrou-k1-dropout", "wide-k1-none")
        and len(plan.sweep_models) == 17
    )


def test_planned_models_give_each_model_its_sizes_seeds_and_name():
    models = [
        {"kind": "alexandrou", "latent": 1},
        {"kind": "alexandrou", "latent": 1, "system": "antiferromagnet", "seeds": [5]},
        {"kind": "conv", "block": 3},
        {"kind": "wide", "latent": 8, "regularisation": "dropout", "lattice_sizes": [24, 48]},
        {"kind": "wide", "latent": 4, "lattice_sizes": [32]},
    ]
    plan = plan_of(GOOD | {"autoencoder": {"models": models, "seeds": [0, 1], "training": {"dropout": 0.3}}})
    assert list(plan.models) == [
        "alexandrou-k1-none",
        "alexandrou-k1-none-afm",
        "conv-b3-none",
        "wide-k8-dropout",
        "wide-k4-none",
    ]
    assert [
        (model.lattice_sizes, model.seeds, model.not_simulated, model.no_block_lattice)
        for model in plan.models.values()
    ] == [
        ((16, 24), (0, 1), (), ()),
        ((16, 24), (5,), (), ()),
        ((24,), (0, 1), (), (16,)),  # 16 / 3 is no lattice: skipped, not an error
        ((24,), (0, 1), (48,), ()),  # a size the study does not simulate: skipped
        ((), (0, 1), (32,), ()),
    ]
    assert plan.models["alexandrou-k1-none-afm"].spec.staggered and plan.models["wide-k8-dropout"].spec.dropout == 0.3
    assert plan.models["alexandrou-k1-none"].skipped_message() is None
    assert (
        plan.models["conv-b3-none"].skipped_message()
        == "deeprenorm: conv-b3-none is not trained for L = [16]: L/b must be an even integer >= 4"
    )
    assert (
        plan.models["wide-k4-none"]
        .skipped_message()
        .endswith("L = [32]: not in the study's lattice_sizes (so not at all)")
    )
    assert plan.sweep_models == ("alexandrou-k1-none", "wide-k8-dropout", "wide-k4-none")


def test_rg_pairs_and_the_simulated_block_lattices():
    plan = plan_of(GOOD)
    assert plan.rg_pairs == rg_pairs([16, 24], [2, 3]) == ((16, 2), (24, 2), (24, 3))
    assert plan.simulated_sizes == (8, 12, 16, 24)  # the block lattices 8 and 12 are simulated too
    assert plan.unblocked_sizes == () and not any("does not block" in line for line in plan.notices)
    only_b2 = plan_of(GOOD | {"lattice_sizes": [4, 6, 16], "rg": {"block_factors": [2]}})
    assert only_b2.rg_pairs == ((16, 2),) and only_b2.simulated_sizes == (4, 6, 8, 16) and only_b2.rg_sizes == (8, 16)
    assert (
        "deeprenorm: the RG flow does not block L = [4, 6]: L/b must be an even integer >= 4 for some b of [2]"
        in only_b2.notices
    )


def test_a_block_lattice_is_simulated_inside_the_flow_window_only():
    grid = {"min": 1.5, "max": 3.5, "n": 21}
    plan = plan_of(GOOD | {"temperatures": grid, "rg": {"block_factors": [2]}})
    assert plan.simulated_temperatures(16) == plan.temperatures  # a size of the study: the whole grid
    low, high = plan.rg_window
    assert (
        low <= T_C - 0.15
        and high >= T_C + 0.15
        and plan.simulated_temperatures(8) == tuple(T for T in plan.temperatures if low <= T <= high)
    )
    given = plan_of(GOOD | {"temperatures": grid, "rg": {"window": [2.0, 2.5]}})
    assert given.rg_window == (2.0, 2.5) and given.simulated_temperatures(8) == (2.0, 2.1, 2.2, 2.3, 2.4, 2.5)


def test_the_network_plan_picks_the_size_with_most_models():
    models = [
        {"kind": "alexandrou", "latent": 1},
        {"kind": "alexandrou", "latent": 1, "system": "antiferromagnet"},
        {"kind": "wide", "latent": 8, "lattice_sizes": [24]},
        {"kind": "wide", "latent": 4, "lattice_sizes": [24]},
        {"kind": "conv", "block": 2, "lattice_sizes": [16, 24], "seeds": [3]},
    ]
    network = plan_of(GOOD | {"temperatures": [1.5, 2.27, 3.0], "autoencoder": {"models": models}}).network
    assert network.lattice_size == 24 and network.far_control and network.far_mask == (True, False, True)
    assert {name: (model.seed, model.b) for name, model in network.models.items()} == {
        "alexandrou-k1-none": (0, 2),
        "wide-k8-none": (0, 2),
        "wide-k4-none": (0, 2),
        "conv-b2-none": (3, 2),
    }
    # the headline model, the widest dense one and the conv model
    assert network.flow_models == ("alexandrou-k1-none", "wide-k8-none", "conv-b2-none")
    assert "alexandrou-k1-none-afm (an antiferromagnet" in network.skipped_message()
    at_16 = plan_of(GOOD | {"autoencoder": {"models": models}, "rg": {"networks": {"lattice_size": 16}}}).network
    assert at_16.lattice_size == 16 and set(at_16.models) == {"alexandrou-k1-none", "conv-b2-none"}
    # GOOD's grid, 2.0 and 2.5, has no temperature 0.4 from T_c: no far-trained control, said so
    assert not at_16.far_control and "no network is trained far from T_c" in at_16.skipped_message()


def test_without_a_flow_pair_no_network_is_measured():
    plan = plan_of(GOOD | {"lattice_sizes": [6, 10], "autoencoder": {"models": [{"kind": "wide", "latent": 2}]}})
    assert not plan.network.measured and plan.network.models == {} and plan.probes.featured is None
    assert "the RG stage measures no network" in plan.network.skipped_message()
    # the summary's strip: the headline model at its largest L
    assert (plan.report.strip_L, plan.report.strip_models, plan.report.strip_conv_model) == (
        10,
        {"wide-k2-none": 0},
        None,
    )


def test_the_featured_model_is_the_widest_dense_one_else_the_first_conv_one():
    wide_4, wide_16, other_16 = (
        ModelSpec("wide", latent=4),
        ModelSpec("wide", latent=16),
        ModelSpec("wide", latent=16, regularisation="l1"),
    )
    conv_2, conv_3 = ModelSpec("conv", block=2), ModelSpec("conv", block=3)
    assert featured_model(network_models(conv_2, wide_4, wide_16, other_16)) == "wide-k16-none"
    assert featured_model(network_models(conv_3, conv_2)) == "conv-b3-none"
    assert featured_model({}) is None


def test_reconstruction_models_take_the_first_model_of_each_width():
    specs = [
        ModelSpec("alexandrou", latent=1),
        ModelSpec("conv", block=2),
        ModelSpec("alexandrou", latent=1, regularisation="l1"),
        ModelSpec("wide", latent=4),
        ModelSpec("wide", latent=4, regularisation="l1"),
    ]
    # width 1 last occurs third, the conv model second, width 4 fifth
    assert reconstruction_models(network_models(*specs)) == ("conv-b2-none", "alexandrou-k1-none", "wide-k4-none")


def test_far_from_critical_is_strict():
    assert far_from_critical([T_C - 0.5, T_C - 0.25, T_C, T_C + 0.3], 0.25) == (True, False, False, True)


def test_the_probes_follow_the_config():
    probes = {
        "models": "all",
        "controls": {"kinds": ["sine"], "samples_per_temperature": None},
        "dbn": {"layers": 4, "lattice_size": 48},
    }
    config = GOOD | {"lattice_sizes": [12, 24], "probes": probes}
    plan = plan_of(
        config | {"autoencoder": {"models": [{"kind": "alexandrou", "latent": 1}, {"kind": "wide", "latent": 8}]}}
    )
    assert plan.probes.models == ("alexandrou-k1-none", "wide-k8-none") and plan.probes.controls == (
        ("sine", "wide-k8-none"),
    )
    # the deep belief network's data are its own: any L divisible by 2^layers, simulated or not
    assert plan.probes.control_samples == 20 and plan.probes.dbn_lattice_size == 48


def test_study_size_and_the_disk_check(tmp_path):
    plan = plan_of(GOOD)
    # the block lattices of the RG flow (8 and 12) are simulated and stored too
    assert plan.disk_bytes() == {L: 2 * 2 * 20 * (L * L + 16) for L in (8, 12, 16, 24)}
    check_study_fits(plan, tmp_path)
    huge = plan_of(GOOD | {"lattice_sizes": [1024], "samples_per_temperature": 1_000_000})
    # L = 1024 and its block lattice 512: 4.19e3 GB + 1.05e3 GB
    with pytest.raises(ConfigError, match=r"the study needs up to 5.24e\+03 GB of disk .* L = 1024 alone 4.19e\+03 GB"):
        check_study_fits(huge, tmp_path / "not" / "yet" / "made")


def test_the_plan_imports_no_torch():
    # Snakemake builds the plan whenever it reads the workflow: torch would cost seconds each time
    code = "import sys, deeprenorm.plan; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_mcrg_measures_the_conv_models_whose_block_fits_the_ensemble():
    default = shipped("config.yaml")
    assert default.mcrg_models == ("conv-b2-none",)
    # the paper study also trains a b = 3 conv model: 64 is no multiple of 3^3
    paper = shipped("config/paper.yaml")
    assert "conv-b3-none" in paper.network.conv_models and "conv-b3-none" not in paper.mcrg_models
    assert all(paper.network.models[name].b == 2 for name in paper.mcrg_models)


def test_transfer_plan_takes_the_first_conv_model_at_its_largest_size():
    plan = shipped("config/paper.yaml")
    # conv-b2 fits every size; it trains at 24 and 48 and transfers from the larger
    transfer = plan.transfer
    assert transfer.model == "conv-b2-none" and transfer.trained_at == max(plan.models["conv-b2-none"].lattice_sizes)
    assert transfer.lattice_sizes == tuple(L for L in plan.lattice_sizes if plan.models["conv-b2-none"].spec.fits(L))
    dense_only = {name: model for name, model in plan.models.items() if not model.spec.is_convolutional}
    assert transfer_plan(dense_only, plan.lattice_sizes) is None
    # one size it fits: nothing to scale
    assert transfer_plan(plan.models, (24,)) is None


def run_plan(*arguments: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "deeprenorm.plan", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPOSITORY)


def test_the_estimate_command_prints_the_cost_table():
    result = run_plan("estimate", "config/tiny.yaml", "--cores", "4")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Cost estimate of config/tiny.yaml: 73 jobs"
    assert lines[2].split() == ["stage", "jobs", "core-hours", "GPU-hours", "peak", "memory"]
    total = next(line for line in lines if line.startswith("total"))
    assert total.split()[1] == "73"
    assert "Wall time on 4 cores: at least" in result.stdout and "Disk: up to" in result.stdout


def test_the_estimate_command_rejects_a_bad_config_naming_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("samples_per_temperature: -5\n")
    result = run_plan("estimate", str(bad))
    assert result.returncode == 1 and result.stdout == ""
    assert "samples_per_temperature" in result.stderr and "Traceback" not in result.stderr
    assert run_plan("estimate", "config/tiny.yaml", "--cores", "0").returncode == 2
