"""The Snakemake workflow end to end, through the real CLI, in temporary directories.

Every run uses ``--workflow-profile none`` so that a developer's profiles cannot change the result,
and a tiny config (L = 4 and 8, three temperatures, 40 samples) so the whole DAG runs in seconds.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from deeprenorm.config import load_schema, simulated_sizes, simulated_temperatures, temperature_grid, validate_config

REPOSITORY = Path(__file__).resolve().parents[1]
SNAKEFILE = REPOSITORY / "Snakefile"

pytestmark = pytest.mark.workflow

TINY = yaml.safe_load((REPOSITORY / "tests/config/tiny.yaml").read_text())

FIGURES = [
    "results/figures/thermodynamics.png",
    "results/figures/autocorrelation.png",
    "results/figures/phase_identification.png",
    "results/figures/tc_finite_size.png",
    "results/figures/training/L8/alexandrou-k1-none/seed1.png",
    "results/figures/training/L8/conv-b2-none/seed0.png",
    "results/figures/latent_width_sweep.png",
    "results/figures/rg_flow.png",
    "results/figures/block_spins.png",
    "results/figures/information.png",
    "results/figures/network_flow.png",
    "results/figures/rg_verdict.png",
    "results/figures/receptive_fields.png",
    "results/figures/activation_maximization.png",
    "results/figures/saliency.png",
    "results/figures/locality.png",
    "results/figures/reconstructions.png",
    "results/figures/dbn_receptive_fields.png",
]
TABLES = [
    "results/tables/thermodynamics.csv",
    "results/tables/tc_thermodynamic.csv",
    "results/tables/thermodynamics_reweighted.csv",
    "results/tables/autocorrelation.csv",
    "results/tables/dynamic_exponents.csv",
    "results/tables/tc_latent.csv",
    "results/tables/tc_latent_per_seed.csv",
    "results/tables/latent_phase.csv",
    "results/tables/latent_summary.csv",
    "results/tables/latent_curves.csv",
    "results/tables/latent_width_sweep.csv",
    "results/tables/latent_unit_correlations.csv",
    "results/tables/latent_reconstruction.csv",
    "results/tables/rg_flow.csv",
    "results/tables/rg_flow_curves.csv",
    "results/tables/block_spins.csv",
    "results/tables/rg_information.csv",
    "results/tables/rg_verdict.csv",
    "results/tables/rg_learned_flow.csv",
    "results/tables/rg_agreement.csv",
    "results/tables/network_flow.csv",
    "results/tables/network_flow_fixed_points.csv",
    "results/tables/network_flow_directions.csv",
    "results/tables/locality.csv",
]


def snakemake(workdir: Path, *arguments, config: dict | None = None, timeout=600, profile="none"):
    """Run ``python -m snakemake`` in ``workdir``; returns the CompletedProcess (text)."""
    if config is not None:
        (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    command = [
        sys.executable, "-m", "snakemake",
        "--snakefile", str(SNAKEFILE),
        "--directory", str(workdir),
        "--configfile", str(workdir / "config.yaml"),
        "--workflow-profile", profile,
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=workdir)


def job_counts(output: str) -> dict[str, int]:
    """The "Job stats" table Snakemake prints before running (or in a dry run)."""
    counts = {}
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.strip().startswith("Job stats:"):
            for row in lines[index + 3 :]:
                match = re.fullmatch(r"\s*(\w+)\s+(\d+)\s*", row)
                if not match:
                    break
                counts[match[1]] = int(match[2])
            break
    counts.pop("total", None)
    return counts


def assert_png(path: Path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    import matplotlib.image

    image = matplotlib.image.imread(path)
    assert image.shape[0] > 200 and image.shape[1] > 200


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """One full tiny run shared by the tests that inspect its results."""
    workdir = tmp_path_factory.mktemp("full")
    result = snakemake(workdir, "--cores", "2", config=TINY)
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir, result


def test_dry_run_of_the_default_config(tmp_path):
    (tmp_path / "config.yaml").write_text((REPOSITORY / "config.yaml").read_text())
    result = snakemake(tmp_path, "--dry-run")
    assert result.returncode == 0, result.stderr[-3000:]
    counts = job_counts(result.stdout + result.stderr)
    schema = load_schema(REPOSITORY / "workflow/schemas/config.schema.yaml")
    default = validate_config(yaml.safe_load((REPOSITORY / "config.yaml").read_text()), schema)
    n_temperatures = len(temperature_grid(default["temperatures"]))
    assert n_temperatures >= 40
    # L = 16, 24, 32 and the block lattices 8 and 12 of the RG flow
    assert simulated_sizes(default) == [8, 12, 16, 24, 32]
    # the block lattices 8 and 12 are simulated inside the flow's window only
    assert [len(simulated_temperatures(default, L)) for L in (8, 12)] == [18, 18]
    assert counts["simulate"] == sum(len(simulated_temperatures(default, L)) for L in simulated_sizes(default)) == 3 * n_temperatures + 36
    assert counts["dataset"] == 5 and counts["autocorrelation"] == 3
    assert counts["split"] == 3 and counts["rg_flow"] == 1 and counts["rg_figures"] == 1


def test_dry_run_of_the_slurm_profile(tmp_path):
    result = snakemake(tmp_path, "--dry-run", config=TINY, profile=str(REPOSITORY / "profiles/slurm"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "simulate" in job_counts(result.stdout + result.stderr)


def test_dry_run_of_the_slurm_profile_with_its_gpu_block(tmp_path):
    profile = tmp_path / "gpu_profile"
    profile.mkdir()
    text = (REPOSITORY / "profiles/slurm/config.yaml").read_text()
    block = re.search(r"  # train:\n((?:  #   .*\n)+)", text)
    assert block, "no commented train: block in profiles/slurm/config.yaml"
    uncommented = "  train:\n" + re.sub(r"(?m)^  #   ", "    ", block[1])
    (profile / "config.yaml").write_text(text.replace(block[0], uncommented))
    result = snakemake(tmp_path, "--dry-run", "--printshellcmds", config=TINY, profile=str(profile))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "train" in job_counts(result.stdout + result.stderr)
    train = yaml.safe_load((profile / "config.yaml").read_text())["set-resources"]["train"]
    assert train["gpu"] == 1 and train["slurm_partition"] == "gpu"


def test_full_run_produces_valid_datasets_figures_and_tables(finished_run):
    workdir, _ = finished_run
    for size in TINY["lattice_sizes"]:
        dataset = xr.open_dataset(workdir / f"results/datasets/L{size}.nc")
        assert dataset["spins"].dtype == np.int8
        assert dataset["spins"].dims == ("temperature", "sample", "y", "x")
        assert dataset["spins"].shape == (3, 40, size, size)
        assert set(np.unique(dataset["spins"].values)) <= {-1, 1}
        for name in ("energy", "magnetization", "tau_int_abs_m", "tau_int_energy", "sweeps_between_samples"):
            assert name in dataset
        assert dataset["energy"].dtype == np.float64
        np.testing.assert_allclose(dataset["temperature"].values, [2.0, 2.3, 2.6])
        assert dataset["temperature"].attrs["units"] == "J/k_B"
        for attribute in ("L", "J", "algorithm", "seed", "deeprenorm_version", "created", "config"):
            assert attribute in dataset.attrs, attribute
        assert dataset.attrs["L"] == size and dataset.attrs["algorithm"] == "auto" and dataset.attrs["seed"] == 7
        assert yaml.safe_load(dataset.attrs["config"])["samples_per_temperature"] == 40
        assert (dataset["sweeps_between_samples"] >= 1).all()
        encoding = dataset["spins"].encoding
        assert encoding.get("zlib") and encoding.get("chunksizes") == (1, 40, size, size)
    for figure in FIGURES:
        assert_png(workdir / figure)
    for table in TABLES:
        assert (workdir / table).stat().st_size > 0
    for log in ("logs/simulate/L4/T2.3000.log", "logs/dataset/L8.log"):
        assert (workdir / log).stat().st_size > 0


# (model, code units, sizes, seeds) of the tiny config: conv needs L/2 even and >= 4
TINY_MODELS = [
    ("alexandrou-k1-none", 1, (4, 8), (0, 1)),
    ("wide-k2-l1", 2, (4, 8), (0,)),
    ("alexandrou-k1-none-afm", 1, (4, 8), (0,)),
    ("conv-b2-none", 1, (8,), (0,)),
]
N_TRAININGS = sum(len(sizes) * len(seeds) for _, _, sizes, seeds in TINY_MODELS)


def test_models_codes_and_latent_tables(finished_run):
    import json

    import pandas as pd

    from deeprenorm.ml import TEST, load_checkpoint

    workdir, result = finished_run
    assert "conv-b2-none is not trained for L = [4]" in result.stderr
    assert not (workdir / "results/models/L4/conv-b2-none").exists()
    for model, width, sizes, seeds in TINY_MODELS:
        for size in sizes:
            for seed in seeds:
                stem = workdir / f"results/models/L{size}/{model}/seed{seed}"
                latent = (size // 2) ** 2 if model.startswith("conv") else width
                network, metadata = load_checkpoint(stem.with_suffix(".pt"), {"L": size, "latent": latent, "model_name": model})
                sidecar = json.loads(stem.with_suffix(".json").read_text())
                assert sidecar["architecture"]["L"] == size and sidecar["epochs_run"] <= 3
                assert len(pd.read_csv(stem.with_suffix(".csv"))) == sidecar["epochs_run"]
                for key in ("dataset_sha256", "split_sha256", "best_epoch", "test_loss", "wall_seconds", "samples_per_second", "torch_version", "device"):
                    assert key in sidecar, key
                encoded = xr.open_dataset(workdir / f"results/latent/L{size}/{model}/seed{seed}.nc")
                assert encoded["latent"].shape == (3, 40, width)
                assert (encoded["split"] == TEST).sum() == 3 * 8  # 0.2 of 40 per temperature
                assert encoded.attrs["system"] == ("antiferromagnet" if model.endswith("-afm") else "ferromagnet")
                if model.startswith("conv"):
                    assert encoded["code"].shape == (3, 40, size // 2, size // 2)
    with xr.open_dataset(workdir / "results/latent/L8/alexandrou-k1-none/seed0.nc") as ferro, xr.open_dataset(
        workdir / "results/latent/L8/alexandrou-k1-none-afm/seed0.nc"
    ) as antiferro:
        # the staggered magnetisation of the mapped configurations is the magnetisation of the originals
        np.testing.assert_array_equal(antiferro["magnetization"].values, ferro["magnetization"].values)
        assert antiferro["magnetization"].attrs["long_name"] == "staggered magnetisation per spin"
    tc = pd.read_csv(workdir / "results/tables/tc_latent.csv")
    assert {"model", "reduction", "T_c", "T_c_err", "seed_spread", "n_seeds"} <= set(tc.columns)
    assert set(tc["model"]) == {model for model, *_ in TINY_MODELS}
    assert set(tc.loc[tc["model"] == "wide-k2-l1", "reduction"]) == {"mean", "pc1", "norm"}
    assert not tc.loc[tc["model"] == "conv-b2-none", "method"].str.contains("extrapolation").any()  # one size
    sweep = pd.read_csv(workdir / "results/tables/latent_width_sweep.csv")
    assert sweep["reference"].notna().sum() == 8  # Broomberg & Rabinovich's rows, each kept
    assert set(sweep["model"].dropna()) == {"alexandrou-k1-none", "wide-k2-l1"}  # the dense ferromagnets
    units = pd.read_csv(workdir / "results/tables/latent_unit_correlations.csv")
    assert len(units) == 2 * 2 * 1 + 2 * 1 * 2  # alexandrou: 2 L x 2 seeds x 1 unit; wide: 2 L x 1 seed x 2 units


def test_rg_flow_and_block_spin_tables(finished_run):
    import pandas as pd

    workdir, result = finished_run
    assert "the RG flow does not block L = [4]" in result.stderr  # 4 / 2 = 2 is no lattice
    flow = pd.read_csv(workdir / "results/tables/rg_flow.csv")
    pairs = {(name, observable) for name in ("majority", "decimation") for observable in ("binder", "abs_m")}
    assert set(zip(flow["map"], flow["observable"])) == pairs and len(flow) == 4
    assert set(flow["L"]) == {8} and set(flow["L_coarse"]) == {4} and set(flow["b"]) == {2}
    assert (flow["window_low"] == 2.0).all() and (flow["window_high"] == 2.6).all()  # the whole tiny grid
    curves = pd.read_csv(workdir / "results/tables/rg_flow_curves.csv")
    assert set(zip(curves["map"], curves["observable"])) == pairs
    block_spins = pd.read_csv(workdir / "results/tables/block_spins.csv")
    comparison = block_spins[block_spins["part"] == "comparison"]
    assert len(comparison) == 2 * 3 and set(comparison["temperature"]) == {2.3}  # 2 maps x 3 observables
    assert comparison["direct_err"].gt(0).all() and comparison["blocked_err"].gt(0).all()
    repeated = block_spins[block_spins["part"] == "repeated"]
    assert len(repeated) == 3 * 2 * 3  # temperatures x levels (L = 8, 4) x observables
    assert set(repeated["L_coarse"]) == {8, 4} and repeated.loc[repeated["level"] == 1, "direct"].notna().all()


def test_block_lattices_outside_lattice_sizes_are_simulated_for_the_rg_flow_only(tmp_path):
    result = snakemake(tmp_path, "--dry-run", config=dict(TINY, lattice_sizes=[8]))
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    counts = job_counts(output)
    assert counts["simulate"] == 2 * 3 and counts["dataset"] == 2  # L = 8 and its block lattice 4
    assert counts["split"] == 1 and counts["rg_flow"] == 1
    assert "results/datasets/L4.nc" in output and "results/splits/L4.nc" not in output
    refused = snakemake(tmp_path, "--dry-run", "results/splits/L4.nc")
    assert refused.returncode != 0
    assert "No rule to produce results/splits/L4.nc" in refused.stdout + refused.stderr


def test_changing_an_rg_key_reruns_only_the_rg_stage(finished_run):
    workdir, _ = finished_run
    result = snakemake(workdir, "--dry-run", config=dict(TINY, rg=dict(TINY["rg"], observables=["binder", "nn"])))
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    assert result.returncode == 0, result.stderr[-3000:]
    counts = job_counts(result.stdout + result.stderr)
    counts.pop("all", None)
    assert counts == RG


def test_report_bundles_the_figures(finished_run):
    workdir, _ = finished_run
    result = snakemake(workdir, "--report", "results/report.html")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ERROR" not in result.stderr  # docutils errors in a caption
    assert (workdir / "results/report.html").stat().st_size > 100_000


def test_second_run_is_a_no_op(finished_run):
    workdir, _ = finished_run
    result = snakemake(workdir, "--dry-run")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Nothing to be done" in result.stdout + result.stderr


def test_changing_one_temperature_reruns_only_its_jobs(finished_run):
    workdir, _ = finished_run
    changed = dict(TINY, temperatures=[2.0, 2.3, 2.7])
    result = snakemake(workdir, "--dry-run", config=changed)
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    assert result.returncode == 0, result.stderr[-3000:]
    counts = job_counts(result.stdout + result.stderr)
    assert counts["simulate"] == len(TINY["lattice_sizes"])  # T = 2.7 for each L, nothing else
    assert "autocorrelation" not in counts
    assert "T2.7000" in result.stdout + result.stderr


def test_changing_a_training_key_retrains_without_simulating(finished_run):
    workdir, _ = finished_run
    changed = dict(TINY, autoencoder=dict(TINY["autoencoder"], training={"max_epochs": 4, "batch_size": 16}))
    result = snakemake(workdir, "--dry-run", config=changed)
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    counts = job_counts(result.stdout + result.stderr)
    counts.pop("all", None)
    assert counts == {"train": N_TRAININGS, "encode": N_TRAININGS, **LATENT_ANALYSIS, **NETWORKS}


def test_changing_an_analysis_key_does_not_retrain(finished_run):
    workdir, _ = finished_run
    changed = dict(TINY, autoencoder=dict(TINY["autoencoder"], analysis={"reductions": ["pc1"]}))
    result = snakemake(workdir, "--dry-run", config=changed)
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    counts = job_counts(result.stdout + result.stderr)
    counts.pop("all", None)
    assert counts == LATENT_ANALYSIS


def test_changing_samples_reruns_the_simulations_not_the_algorithm_comparison(finished_run):
    workdir, _ = finished_run
    result = snakemake(workdir, "--dry-run", config=dict(TINY, samples_per_temperature=41))
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    counts = job_counts(result.stdout + result.stderr)
    assert counts["simulate"] == 6 and "autocorrelation" not in counts


def test_single_target_builds_only_its_ancestors(tmp_path):
    result = snakemake(tmp_path, "--cores", "2", "results/datasets/L4.nc", config=TINY)
    assert result.returncode == 0, result.stderr[-3000:]
    assert job_counts(result.stdout + result.stderr) == {"simulate": 3, "dataset": 1}
    assert not (tmp_path / "results/simulations/L8").exists()
    assert not (tmp_path / "results/autocorrelation").exists()
    figure = snakemake(tmp_path, "--dry-run", "results/figures/autocorrelation.png")
    assert job_counts(figure.stdout + figure.stderr) == {"autocorrelation": 3, "autocorrelation_figure": 1}


def _workflow_with_bumped_version(destination: Path, stage: str) -> Path:
    """A copy of the workflow and the package with one stage version increased; returns the
    copied Snakefile (the copy's package is imported first through PYTHONPATH)."""
    for part in ("Snakefile", "workflow", "deeprenorm"):
        source = REPOSITORY / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, destination / part)
    versions = destination / "deeprenorm/versions.py"
    text, count = re.subn(rf'("{stage}": )(\d+)', lambda m: f"{m[1]}{int(m[2]) + 1}", versions.read_text())
    assert count == 1, stage
    versions.write_text(text)
    return destination / "Snakefile"


# What the tiny study runs downstream of a dataset: 2 splits, then every model of TINY_MODELS.
LATENT_ANALYSIS = {"latent_analysis": 1, "latent_figures": 1, "width_sweep": 1, "width_sweep_figure": 1}
LATENT = {"split": 2, "train": N_TRAININGS, "encode": N_TRAININGS, **LATENT_ANALYSIS}
THERMODYNAMICS = {"thermodynamics_table": 1, "thermodynamics_figure": 1}
# the verdict gathers the block-spin flows, the learned maps' flows (which reweight like the
# block-spin ones) and everything measured on the trained networks
VERDICT = {"rg_verdict": 1, "rg_network_figures": 1}
RG = {"rg_flow": 1, "rg_figures": 1, "rg_learned": 3, **VERDICT}
# what the tiny study measures on its trained networks at L = 8 (three models, three flow models)
NETWORKS = {"train_far": 3, "network_flow": 3, "rg_learned": 3, "rg_information": 1, "probes": 3, "probe_figures": 1, **VERDICT}
STAGE_RERUNS = {
    # the RG flow reweights with the thermodynamics stage's code
    "thermodynamics": {**THERMODYNAMICS, **RG},
    "autocorrelation_figure": {"autocorrelation_figure": 1},
    "width_sweep": {"width_sweep": 1, "width_sweep_figure": 1},
    "latent": LATENT_ANALYSIS,
    "train": {"train": N_TRAININGS, "encode": N_TRAININGS, **LATENT_ANALYSIS, **NETWORKS},
    "rg_flow": RG,
    "dataset": {"dataset": 2, **THERMODYNAMICS, **LATENT, **RG, **NETWORKS, "dbn": 1},
    "simulate": {"simulate": 6, "dataset": 2, **THERMODYNAMICS, "autocorrelation": 3, "autocorrelation_figure": 1, **LATENT, **RG, **NETWORKS, "dbn": 1},
}


@pytest.mark.parametrize("stage", STAGE_RERUNS)
def test_changing_a_stage_version_reruns_it_and_its_descendants_only(finished_run, tmp_path, stage):
    workdir, _ = finished_run
    snakefile = _workflow_with_bumped_version(tmp_path, stage)
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(snakefile), "--directory", str(workdir),
        "--configfile", str(workdir / "config.yaml"), "--workflow-profile", "none", "--dry-run",
    ]
    environment = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=workdir, env=environment)
    assert result.returncode == 0, result.stderr[-3000:]
    counts = job_counts(result.stdout + result.stderr)
    counts.pop("all", None)
    assert counts == STAGE_RERUNS[stage]


BAD_CONFIGS = [
    (dict(TINY, typo_key=1), "typo_key"),
    (dict(TINY, temperatures=[2.0, -1.0]), "temperatures[1]"),
    (dict(TINY, temperatures=[0.0, 2.0]), "temperatures[0]"),
    (dict(TINY, temperatures={"min": 3.0, "max": 2.0, "n": 4}), "temperatures: min (3.0) is greater than max"),
    (dict(TINY, lattice_sizes=[4, 7]), "lattice_sizes[1]"),
    (dict(TINY, lattice_sizes=[2]), "lattice_sizes[0]"),
    (dict(TINY, lattice_sizes=[]), "lattice_sizes"),
    (dict(TINY, samples_per_temperature=0), "samples_per_temperature"),
    (dict(TINY, algorithm="heatbath"), "algorithm"),
    (dict(TINY, temperatures=[]), "temperatures"),
    (dict(TINY, temperatures=[float("nan")]), "temperatures[0]: nan is not a finite number"),
    (dict(TINY, temperatures={"min": 2.0, "max": float("inf"), "n": 3}), "temperatures.max: inf is not a finite number"),
    (dict(TINY, temperatures={"min": 2.0, "max": 2.6, "n": 3.5}), "temperatures.n: 3.5 is not of type 'integer'"),
    (dict(TINY, sampling={"pilot_factor": float("nan")}), "sampling.pilot_factor: nan is not a finite number"),
    (dict(TINY, seed=7.5), "seed: 7.5 is not of type 'integer'"),
    (dict(TINY, seed=2**64), "seed: 18446744073709551616 is greater than the maximum"),
    (dict(TINY, samples_per_temperature=1), "samples_per_temperature: 1 is less than the minimum of 20"),
    (dict(TINY, thermodynamics={"tc_window": [2.5, 2.1]}), "thermodynamics.tc_window"),
    (dict(TINY, rg={"block_factors": [4]}), "rg.block_factors[0]"),
    (dict(TINY, rg={"window": [2.1, 2.2]}), "rg.window: [2.1, 2.2] holds 0 of the simulated temperatures"),
    # 1024^2 spins x 1e6 samples x 3 temperatures, and the 512^2 block lattice of the RG flow:
    # petabytes, refused with the size it needs
    (dict(TINY, lattice_sizes=[1024], samples_per_temperature=1_000_000), "the study needs up to 7.86e+03 GB of disk"),
]


@pytest.mark.parametrize("config, key", BAD_CONFIGS, ids=[key for _, key in BAD_CONFIGS])
def test_bad_config_fails_before_any_job_naming_the_key(tmp_path, config, key):
    result = snakemake(tmp_path, "--cores", "1", config=config)
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "invalid config" in message and key in message, message[-2000:]
    assert "allowed" in message
    assert "Traceback" not in message
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()


BAD_OVERRIDES = [
    ("samples_per_temperature=1e0", "samples_per_temperature: 1 is less than the minimum of 20"),
    ("samples_per_temperature=4.55e1", "samples_per_temperature: 45.5 is not of type 'integer'"),
    ("seed=nan", "seed: nan is not a finite number"),
]


@pytest.mark.parametrize("override, message", BAD_OVERRIDES, ids=[o for o, _ in BAD_OVERRIDES])
def test_bad_command_line_override_fails_before_any_job(tmp_path, override, message):
    result = snakemake(tmp_path, "--cores", "1", "--config", override, config=TINY)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr, (result.stdout + result.stderr)[-2000:]
    assert not (tmp_path / "results").exists()


BAD_YAML = [
    ("seed: 7\nlattice_sizes: [4, 6\n", "config.yaml, line 3, column 1: invalid YAML: while parsing a flow sequence"),
    ("seed: 7\nalgorithm: auto\nseed: 8\n", "config.yaml, line 3, column 1: invalid YAML: key 'seed' appears twice (first at line 1, again at line 3)"),
    ("- 4\n- 6\n", "config.yaml: the config must be a mapping of keys to values, got a list"),
]


@pytest.mark.parametrize("text, message", BAD_YAML, ids=["syntax", "duplicate", "list"])
def test_broken_config_file_names_its_line(tmp_path, text, message):
    """config.yaml is read by the workflow itself, strictly."""
    (tmp_path / "config.yaml").write_text(text)
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), "--directory", str(tmp_path), "--workflow-profile", "none", "--cores", "1"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "results").exists()


def test_duplicate_key_in_a_configfile_is_refused(tmp_path):
    (tmp_path / "extra.yaml").write_text(yaml.safe_dump(TINY) + "samples_per_temperature: 80\n")
    result = snakemake(tmp_path, "--cores", "1", "--configfile", str(tmp_path / "extra.yaml"), config=TINY)
    assert result.returncode != 0
    assert "extra.yaml, line" in result.stderr and "key 'samples_per_temperature' appears twice" in result.stderr


def test_empty_config_file_means_the_default_study(tmp_path):
    (tmp_path / "config.yaml").write_text("# every key left at its default\n")
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), "--directory", str(tmp_path), "--workflow-profile", "none", "--dry-run"]
    empty = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert empty.returncode == 0, empty.stderr[-3000:]
    (tmp_path / "config.yaml").write_text((REPOSITORY / "config.yaml").read_text())
    shipped = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert job_counts(empty.stdout + empty.stderr) == job_counts(shipped.stdout + shipped.stderr)
    # L = 16, 24, 32 on the whole grid, the block lattices 8 and 12 inside the flow's window
    assert job_counts(empty.stdout + empty.stderr)["simulate"] == 3 * 48 + 2 * 18


def test_integral_floats_are_the_same_study(finished_run):
    """One rule everywhere: 7.0 (or 4e1 from --config) where an integer is asked for is that integer,
    with the same params, so nothing reruns."""
    workdir, _ = finished_run
    floats = dict(TINY, seed=7.0, lattice_sizes=[4.0, 8.0], samples_per_temperature=40.0)
    result = snakemake(workdir, "--dry-run", "--config", "samples_per_temperature=4e1", config=floats)
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Nothing to be done" in result.stdout + result.stderr


def test_damaged_table_fails_naming_the_file(finished_run, tmp_path):
    workdir, _ = finished_run
    copy = tmp_path / "work"
    shutil.copytree(workdir, copy, ignore=shutil.ignore_patterns("report.html"))
    (copy / "results/autocorrelation/wolff.csv").write_text("algorithm,kind\nwolff,scan,16,\"2.0\n")
    result = snakemake(copy, "--cores", "1", "--forcerun", "autocorrelation_figure", "results/figures/autocorrelation.png")
    assert result.returncode != 0
    log = (copy / "logs/autocorrelation_figure.log").read_text()
    assert "results/autocorrelation/wolff.csv: not a readable CSV table" in log, log
    assert "Traceback" not in log


@pytest.mark.parametrize("target", ["results/simulations/L0002/T2.3000.nc", "results/datasets/L7.nc", "results/simulations/L4/T2.4000.nc", "results/simulations/L4/Tnan.nc"])
def test_file_names_outside_the_study_are_refused(tmp_path, target):
    """Wildcards match only the config's sizes and temperatures, so a file name cannot bypass
    validation (L = 2 Metropolis cannot reach every state; odd L has no checkerboard)."""
    result = snakemake(tmp_path, "--cores", "1", target, config=TINY)
    assert result.returncode != 0
    assert f"No rule to produce {target}" in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_damaged_dataset_fails_with_one_line_naming_the_file_and_the_recovery(finished_run, tmp_path):
    workdir, _ = finished_run
    copy = tmp_path / "work"
    shutil.copytree(workdir, copy, ignore=shutil.ignore_patterns("report.html"))
    dataset = copy / "results/datasets/L8.nc"
    dataset.write_bytes(dataset.read_bytes()[:2000])
    # the damaged file is newer than the table, so Snakemake reruns the table, which reads it
    result = snakemake(
        copy, "--cores", "1", "results/tables/thermodynamics.csv", profile=str(REPOSITORY / "profiles/default")
    )
    assert result.returncode != 0
    # The job's log, shown once by show-failed-logs, is one line that says what to do.
    message = result.stdout + result.stderr
    assert "job failed: SchemaError: results/datasets/L8.nc: not a readable NetCDF file" in message, message[-3000:]
    assert "delete results/datasets/L8.nc and run the workflow again" in message
    assert "Traceback" not in message
    assert message.count("not a readable NetCDF file") == 1, message[-3000:]
    dataset.unlink()
    rebuilt = snakemake(copy, "--cores", "1", "results/tables/thermodynamics.csv")
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert job_counts(rebuilt.stdout + rebuilt.stderr) == {"dataset": 1, "thermodynamics_table": 1}


def _job_processes(marker: str) -> list[int]:
    """PIDs of running processes whose command line mentions ``marker``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in command and "snakemake" not in command.split()[0]:
                pids.append(int(entry.name))
    return pids


# Metropolis at L = 64 near T_c: a pilot of ~10^5 sweeps and ~5 s of production to interrupt.
LONG_SIMULATION = dict(TINY, lattice_sizes=[64], temperatures=[2.27], samples_per_temperature=2000, algorithm="metropolis")


def start_long_simulation(workdir: Path, target: str, **popen_options):
    """Start Snakemake on ``target`` and return (process, command) once the simulation job has
    finished its pilot run and is producing samples."""
    (workdir / "config.yaml").write_text(yaml.safe_dump(LONG_SIMULATION))
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), "--directory", str(workdir),
        "--workflow-profile", "none", "--cores", "1", target,
    ]
    process = subprocess.Popen(command, cwd=workdir, **popen_options)
    log = workdir / "logs/simulate/L64/T2.2700.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (log.exists() and "pilot" in log.read_text()):
        time.sleep(0.1)
    assert log.exists() and "pilot" in log.read_text(), "the simulation job never started"
    return process, command


def test_killed_simulation_leaves_no_output_and_rerun_completes(tmp_path):
    target = "results/simulations/L64/T2.2700.nc"
    process, command = start_long_simulation(tmp_path, target, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    victims = _job_processes(str(tmp_path / ".snakemake/scripts"))
    assert victims, "no job process found"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    output, _ = process.communicate(timeout=120)
    assert process.returncode != 0, output[-2000:]
    assert not (tmp_path / target).exists()

    rerun = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    dataset = xr.open_dataset(tmp_path / target)
    assert dataset["spins"].shape == (2000, 64, 64)


def test_interrupted_run_resumes(tmp_path):
    """SIGKILL of the whole Snakemake process group; after --unlock, the next run finishes."""
    target = "results/datasets/L64.nc"
    process, command = start_long_simulation(
        tmp_path, target, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert not (tmp_path / "results/simulations/L64/T2.2700.nc").exists()
    # A killed Snakemake cannot remove its lock: the README's recovery is --unlock, then the same command.
    unlock = subprocess.run([*command, "--unlock"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert unlock.returncode == 0, unlock.stderr[-3000:]
    rerun = subprocess.run([*command, "--rerun-incomplete"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert xr.open_dataset(tmp_path / target)["spins"].shape == (1, 2000, 64, 64)
