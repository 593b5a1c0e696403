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

from deeprenorm import columns
from deeprenorm.config import load_schema, validate_config
from deeprenorm.plan import DEVICE_RULES, StudyPlan
from deeprenorm.rg.verdict import CRITERIA
from deeprenorm.stats import format_value_error

REPOSITORY = Path(__file__).resolve().parents[1]
SNAKEFILE = REPOSITORY / "Snakefile"

pytestmark = pytest.mark.workflow

TINY = yaml.safe_load((REPOSITORY / "config/tiny.yaml").read_text())

FIGURES = [
    "results/figures/thermodynamics.png",
    "results/figures/autocorrelation.png",
    "results/figures/phase_identification.png",
    "results/figures/tc_finite_size.png",
    "results/figures/training/L8/alexandrou-k1-none/seed1.png",
    "results/figures/training/L8/conv-b2-none/seed0.png",
    "results/figures/latent_width_sweep.png",
    "results/figures/rg_flow.png",
    "results/figures/rg_exponents.png",
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
    "results/figures/summary.png",
    "results/figures/performance.png",
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
    "results/tables/rg_exponents.csv",
    "results/tables/block_spins.csv",
    "results/tables/rg_information.csv",
    "results/tables/rg_verdict.csv",
    "results/tables/rg_learned_flow.csv",
    "results/tables/rg_agreement.csv",
    "results/tables/network_flow.csv",
    "results/tables/network_flow_fixed_points.csv",
    "results/tables/network_flow_directions.csv",
    "results/tables/locality.csv",
    "results/tables/performance.csv",
    "results/tables/performance_stages.csv",
    "results/tables/performance_run.csv",
]


def snakemake_command(workdir: Path, *arguments, snakefile: Path = SNAKEFILE, profile="none") -> list[str]:
    """``python -m snakemake`` on ``snakefile`` in ``workdir`` with ``arguments``."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--workflow-profile",
        profile,
        *arguments,
    ]


def snakemake(workdir: Path, *arguments, config: dict | None = None, timeout=600, profile="none"):
    """Run ``python -m snakemake`` in ``workdir`` with its config.yaml; returns the
    CompletedProcess (text)."""
    if config is not None:
        (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    command = snakemake_command(workdir, "--configfile", str(workdir / "config.yaml"), *arguments, profile=profile)
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
def finished_run(tiny_run):
    """The one full tiny run (conftest.py), as (workdir, CompletedProcess)."""
    return tiny_run.workdir, tiny_run.result


def test_dry_run_of_the_default_config(tmp_path):
    (tmp_path / "config.yaml").write_text((REPOSITORY / "config.yaml").read_text())
    result = snakemake(tmp_path, "--dry-run")
    assert result.returncode == 0, result.stderr[-3000:]
    counts = job_counts(result.stdout + result.stderr)
    schema = load_schema(REPOSITORY / "workflow/schemas/config.schema.yaml")
    default = StudyPlan.from_config(validate_config(yaml.safe_load((REPOSITORY / "config.yaml").read_text()), schema))
    n_temperatures = len(default.temperatures)
    assert n_temperatures >= 40
    # L = 12, 16, 24, 32 and the block lattices 4, 6 and 8 of the RG flow
    assert default.simulated_sizes == (4, 6, 8, 12, 16, 24, 32)
    # the block lattices 4, 6 and 8 are simulated inside the flow's window only
    assert [len(default.simulated_temperatures(L)) for L in (4, 6, 8)] == [18, 18, 18]
    assert (
        counts["simulate"]
        == sum(len(default.simulated_temperatures(L)) for L in default.simulated_sizes)
        == 4 * n_temperatures + 54
    )
    # the conv model trained at L = 24 encodes all four sizes with each of its three seeds
    assert counts["encode_transferred"] == 4 * 3
    assert counts["dataset"] == 7 and counts["autocorrelation"] == 3
    assert counts["split"] == 4 and counts["rg_flow"] == 1 and counts["rg_figures"] == 1


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


# the torch scripts, each refusing a missing CUDA device before it reads anything: those of
# DEVICE_RULES that have a script of their own (train_far and train_control run train.py,
# encode_transferred encode.py, probes_control probes.py), and rg_exponents for its RSMI map
TORCH_SCRIPTS = sorted(
    {rule for rule in DEVICE_RULES if (REPOSITORY / f"workflow/scripts/{rule}.py").is_file()} | {"rg_exponents"}
)


def _gpu_requests(output: str) -> list[str]:
    """The ``[device ..., gpu=N]`` end of every job's message in a dry run (torch jobs only)."""
    return re.findall(r"(?m)^Job \d+: .*(\[device \w+, gpu=\d+\])$", output)


@pytest.mark.parametrize("profile", ["none", str(REPOSITORY / "profiles/slurm")])
def test_with_cuda_every_torch_job_asks_for_a_gpu_and_gpu_limits_are_accepted(tmp_path, profile):
    config = dict(TINY, autoencoder=dict(TINY["autoencoder"], device="cuda"))
    result = snakemake(tmp_path, "--dry-run", "--resources", "gpu=1", config=config, profile=profile)
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    counts = job_counts(output)
    requests = _gpu_requests(output)
    # every rule of DEVICE_RULES the tiny study runs, and only those (it has no RSMI map)
    assert requests.count("[device cuda, gpu=1]") == sum(counts.get(rule, 0) for rule in DEVICE_RULES) > 0
    # every other job is rg_exponents without an RSMI map: it runs no torch
    assert requests.count("[device cuda, gpu=0]") == counts["rg_exponents"] == 1
    assert len(requests) == sum(counts.get(rule, 0) for rule in DEVICE_RULES) + 1


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_without_cuda_no_job_asks_for_a_gpu(tmp_path, device):
    config = dict(TINY, autoencoder=dict(TINY["autoencoder"], device=device))
    result = snakemake(tmp_path, "--dry-run", config=config, profile=str(REPOSITORY / "profiles/slurm"))
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    requests = _gpu_requests(output)
    assert set(requests) == {f"[device {device}, gpu=0]"}
    counts = job_counts(output)
    assert len(requests) == sum(counts.get(rule, 0) for rule in [*DEVICE_RULES, "rg_exponents"])


@pytest.mark.parametrize("script", TORCH_SCRIPTS)
def test_a_torch_job_without_its_cuda_device_fails_at_once_in_one_line(tmp_path, script):
    log = tmp_path / f"{script}.log"
    # rg_exponents runs torch only for an RSMI map: it is given one (never read before the device)
    inputs = "types.SimpleNamespace(rsmi=['rsmi-b2.pt'])" if script == "rg_exponents" else "None"
    job = (
        "import runpy, types\n"
        f"snakemake = types.SimpleNamespace(rule={script!r}, log=[{str(log)!r}], threads=1, wildcards={{}},"
        f" config={{'autoencoder': {{'device': 'cuda'}}}}, params=None, input={inputs}, output=None)\n"
        f"runpy.run_path({str(REPOSITORY / 'workflow/scripts' / f'{script}.py')!r}, init_globals={{'snakemake': snakemake}})"
    )
    # no GPU is visible, whatever the machine: the job must stop before it touches params or inputs
    environment = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    result = subprocess.run([sys.executable, "-c", job], capture_output=True, text=True, env=environment, timeout=120)
    assert result.returncode != 0
    failure = [line for line in log.read_text().splitlines() if "job failed" in line]
    assert len(failure) == 1 and "ConfigError: device 'cuda' requested but torch finds no CUDA device" in failure[0]
    assert "Traceback" not in log.read_text()


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


def _file_pattern(path: str) -> re.Pattern:
    """A file pattern of deeprenorm.columns (``{L}`` a lattice size, other ``{...}`` a name) as
    a regular expression."""
    parts = re.split(r"(\{\w+\})", path)
    return re.compile(
        "".join(r"\d+" if part == "{L}" else "[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    )


def test_every_table_of_the_study_is_documented_column_by_column(finished_run):
    import csv

    workdir, _ = finished_run
    patterns = [(_file_pattern(path), table) for table in columns.TABLES.values() for path in table.paths]
    problems, seen = [], set()
    for path in sorted((workdir / "results").rglob("*.csv")):
        relative = path.relative_to(workdir).as_posix()
        tables = [table for pattern, table in patterns if pattern.fullmatch(relative)]
        if len(tables) != 1:
            problems.append(f"{relative}: the file of {len(tables)} tables of deeprenorm.columns, not 1")
            continue
        table = tables[0]
        seen.add(table.name)
        with path.open(newline="") as file:
            header = next(csv.reader(file))
        documented = [column.name for column in table.columns]
        if header != documented:
            problems.append(
                f"{relative} (table {table.name}): undocumented {[c for c in header if c not in documented]}, "
                f"documented but not written {[c for c in documented if c not in header]}"
                + ("" if set(header) != set(documented) else ", in another order")
            )
    # the tiny study's networks are too small for the RSMI coarse-grainer's environment
    unwritten = set(columns.TABLES) - seen - {"rsmi_history"}
    problems += [f"table {name}: documented, but no file of it in the tiny study" for name in sorted(unwritten)]
    assert not problems, "deeprenorm.columns and the study's files differ:\n" + "\n".join(problems)


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
                network, metadata = load_checkpoint(
                    stem.with_suffix(".pt"), {"L": size, "latent": latent, "model_name": model}
                )
                sidecar = json.loads(stem.with_suffix(".json").read_text())
                assert sidecar["architecture"]["L"] == size and sidecar["epochs_run"] <= 3
                assert len(pd.read_csv(stem.with_suffix(".csv"))) == sidecar["epochs_run"]
                for key in (
                    "dataset_sha256",
                    "split_sha256",
                    "best_epoch",
                    "test_loss",
                    "wall_seconds",
                    "samples_per_second",
                    "torch_version",
                    "device",
                ):
                    assert key in sidecar, key
                encoded = xr.open_dataset(workdir / f"results/latent/L{size}/{model}/seed{seed}.nc")
                assert encoded["latent"].shape == (3, 40, width)
                assert (encoded["split"] == TEST).sum() == 3 * 8  # 0.2 of 40 per temperature
                assert encoded.attrs["system"] == ("antiferromagnet" if model.endswith("-afm") else "ferromagnet")
                if model.startswith("conv"):
                    assert encoded["code"].shape == (3, 40, size // 2, size // 2)
    with (
        xr.open_dataset(workdir / "results/latent/L8/alexandrou-k1-none/seed0.nc") as ferro,
        xr.open_dataset(workdir / "results/latent/L8/alexandrou-k1-none-afm/seed0.nc") as antiferro,
    ):
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


def test_mcrg_exponents_of_every_map_at_every_level_and_operator_count(finished_run):
    import pandas as pd

    from deeprenorm.rg.mcrg import TABLE_COLUMNS

    workdir, _ = finished_run
    table = pd.read_csv(workdir / "results/tables/rg_exponents.csv")
    assert list(table.columns) == TABLE_COLUMNS
    # the tiny study: L = 16 blocked twice, 4 even and 3 odd operator counts; the two block-spin
    # maps, and the conv model's code sign with its trained, initial, far-trained and
    # noise-trained weights, on the same configurations
    exact = table[table["weights"] == "exact"]
    assert set(exact["map"]) == {"majority", "decimation"}
    learned = table[table["map"] == "code_sign"]
    assert set(learned["model"]) == {"conv-b2-none"}
    assert set(learned["weights"]) == {"trained", "untrained", "far-trained", "noise-trained"}
    assert set(learned["seed"]) == {0}
    assert len(table) == (2 + 4) * 2 * (4 + 3)
    assert set(table["L_coarse"]) == {8, 4} and set(table["b"]) == {2} and set(table["L"]) == {16}
    # a value is measured with its error, or not located with the count of replicas that failed
    # (at L_coarse = 4 the third-neighbour operator nearly repeats the nearest one)
    located = table["value"].notna()
    assert table.loc[located, "value_err"].gt(0).all()
    assert table.loc[~located, "value_err"].isna().all() and table.loc[~located, "replicas_failed"].gt(0).all()
    majority = table[table["map"] == "majority"]
    assert majority.loc[majority["exponent"] == "y_h", "value"].notna().all()


def test_control_models_are_trained_by_the_same_rule_and_probed_beside_the_ising_ones(finished_run):
    import json

    import pandas as pd

    from deeprenorm.ml import load_checkpoint

    workdir, _ = finished_run
    assert not (workdir / "results/controls/sine").exists()  # probes.controls.kinds: [noise]
    with xr.open_dataset(workdir / "results/controls/noise/L8.nc") as dataset:
        assert dataset.attrs["control"] == "noise" and dataset["spins"].shape == (3, 20, 8, 8)
    for model in ("wide-k2-l1", "conv-b2-none"):
        stem = workdir / f"results/controls/noise/models/L8/{model}/seed0"
        _, metadata = load_checkpoint(stem.with_suffix(".pt"), {"L": 8, "model_name": model})
        assert metadata["trained_on"] == "noise control data"
        assert json.loads(stem.with_suffix(".json").read_text())["dataset"] == "results/controls/noise/L8.nc"
    locality = pd.read_csv(workdir / "results/tables/locality.csv")
    assert set(locality["weights"]) == {"exact", "trained", "untrained", "noise-trained"}
    controls = locality[locality["weights"].str.endswith("-trained")]
    assert set(controls["model"]) == {"wide-k2-l1", "conv-b2-none"}
    assert {"receptive_field", "activation_max"} <= set(controls["probe"])
    # the control models go through every criterion of the verdict, as the trained ones do
    verdict = pd.read_csv(workdir / "results/tables/rg_verdict.csv", dtype=str, keep_default_na=False)
    for model in ("wide-k2-l1", "conv-b2-none"):
        rows = verdict[(verdict["model"] == model) & (verdict["weights"] == "noise-trained")]
        assert set(rows["criterion"]) == set(CRITERIA), model


def test_where_each_torch_job_ran_is_recorded_in_its_outputs_and_the_summary(finished_run):
    import json

    # the tiny study leaves autoencoder.device at auto: which device ran is a result
    workdir, result = finished_run
    counts = job_counts(result.stdout + result.stderr)
    sidecars = [path for path in workdir.glob("results/**/seed*.json") if "figures" not in path.parts]
    trained = [json.loads(path.read_text())["device"] for path in sidecars]
    encoded = []
    for path in workdir.glob("results/latent/**/*.nc"):
        with xr.open_dataset(path) as encoding:
            encoded.append(encoding.attrs["device"])
    assert len(trained) == counts["train"] + counts["train_far"] + counts["train_control"]
    assert len(encoded) == counts["encode"]
    devices = json.loads((workdir / "results/summary.json").read_text())["devices"]
    assert devices == {
        "train": {device: trained.count(device) for device in set(trained)},
        "encode": {device: encoded.count(device) for device in set(encoded)},
    }
    assert set(trained) | set(encoded) <= {"cpu", "cuda"}


def test_the_verdict_table_contract_on_the_tiny_study(finished_run):
    import pandas as pd

    from deeprenorm.rg.verdict import CALIBRATION_COLUMNS, VERDICT_COLUMNS, WEIGHTS

    workdir, _ = finished_run
    verdict = pd.read_csv(workdir / "results/tables/rg_verdict.csv", dtype=str, keep_default_na=False)
    calibration = pd.read_csv(workdir / "results/tables/rg_verdict_calibration.csv", dtype=str, keep_default_na=False)
    assert list(verdict.columns) == VERDICT_COLUMNS and list(calibration.columns) == CALIBRATION_COLUMNS
    assert set(verdict["weights"]) <= set(WEIGHTS) and set(verdict["passed"]) <= {"true", "false", ""}
    assert set(verdict["votes"]) <= {"true", "false"} and set(calibration["criterion"]) == set(CRITERIA)
    # a criterion's vote in the verdict is its calibration's; a voting criterion has the majority
    # rule passing and every untrained architecture it can measure failing
    votes = dict(zip(calibration["criterion"], calibration["votes"]))
    assert all(votes[row.criterion] == row.votes for row in verdict.itertuples())
    for row in calibration[calibration["votes"] == "true"].itertuples():
        assert row.positive_passed == "true" and row.negatives_failed == row.negatives != "0"
    assert votes["agreement"] == "false"  # descriptive
    # every learned map and weights has a row for every criterion; a number without an error says why
    for _, rows in verdict[verdict["weights"] != "exact"].groupby(["map", "model", "weights"]):
        assert set(rows["criterion"]) == set(CRITERIA)
    value, error = pd.to_numeric(verdict["value"]), pd.to_numeric(verdict["value_err"])
    assert (verdict.loc[value.notna() & error.isna(), "note"] != "").all()


def test_lists_and_nested_keys_override_through_the_command_line(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(TINY))
    command = snakemake_command(
        tmp_path,
        "--dry-run",
        "--config",
        "lattice_sizes=[4,8]",
        'rg={"mcrg": {"levels": 1}}',
        "samples_per_temperature=30",
    )
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "mcrg_ensemble" in job_counts(result.stdout + result.stderr)
    # a wrong value in a list is named as in a config file, with its allowed range
    command = snakemake_command(tmp_path, "--dry-run", "--config", "lattice_sizes=[5,8]")
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode != 0
    assert "lattice_sizes[0]: 5 is not a multiple of 2" in result.stderr and "reads 5 as text" not in result.stderr


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
    assert counts == {**RG, **REPORT, **SUMMARY_FIGURE}


def test_report_bundles_the_figures_under_a_generated_front_page(finished_run):
    import json

    workdir, _ = finished_run
    result = snakemake(workdir, "--report", "results/report.html")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ERROR" not in result.stderr and "WARNING" not in result.stderr  # docutils problems in a caption
    html = (workdir / "results/report.html").read_text()
    assert len(html) > 100_000
    summary = json.loads((workdir / "results/summary.json").read_text())
    # the front page is the summary's: the answer and a key number, rendered from the tables
    assert "Answer" in html and summary["conclusion"][:60] in html
    thermodynamic = next(row for row in summary["tc_thermodynamic"]["rows"] if row["method"] == "binder_crossing_mean")
    assert (
        json.dumps(format_value_error(thermodynamic["T_c"], thermodynamic["T_c_err"]))[1:-1] in html
    )  # as the page's JS string holds it
    for category in (
        "Monte Carlo and thermodynamics",
        "Algorithm comparison",
        "Training",
        "Phase identification and finite-size scaling",
        "RG flow",
        "Probes",
        "Performance",
        "Summary",
    ):
        assert category in html, category
    # every caption's config values were rendered, none left as a template
    assert "snakemake.config" not in html and "{{" not in html


def test_summary_numbers_are_the_numbers_of_their_tables(finished_run):
    import json

    import pandas as pd

    workdir, _ = finished_run
    summary = json.loads((workdir / "results/summary.json").read_text())
    sections = [
        name for name, value in summary.items() if isinstance(value, dict) and "table" in value and name != "locality"
    ]
    assert {"tc_thermodynamic", "tc_latent", "rg_flow", "dynamic_exponents", "width_sweep", "verdict"} <= set(sections)
    for section in sections:
        table = pd.read_csv(workdir / summary[section]["table"])
        rows = summary[section]["rows"]
        assert len(rows) == len(table), section
        for row, (_, source) in zip(rows, table.iterrows()):
            for column, value in row.items():
                expected = source[column]
                assert (value is None) if pd.isna(expected) else (value == expected), (section, column, value, expected)
    stages = pd.read_csv(workdir / "results/tables/performance_stages.csv")
    assert [row["stage"] for row in summary["performance"]["rows"]] == list(stages["stage"])
    assert stages["stage"].iloc[-1] == "total" and stages["jobs"].iloc[-1] == len(
        pd.read_csv(workdir / "results/tables/performance.csv")
    )
    assert {dataset["L"] for dataset in summary["datasets"]} == set(TINY["lattice_sizes"])
    assert all(
        dataset["samples_per_temperature"] == 40 and dataset["temperatures"] == 3 for dataset in summary["datasets"]
    )
    markdown = (workdir / "results/summary.md").read_text()
    assert summary["answer"] in markdown and all(f"* {sentence}" in markdown for sentence in summary["criteria"])
    assert summary["conclusion"] == " ".join([summary["answer"], *summary["criteria"]])
    assert summary["config_sha256"] in markdown


def test_every_benchmarked_job_is_in_the_performance_table(finished_run):
    import pandas as pd

    from deeprenorm.reporting import STAGES

    workdir, _ = finished_run
    jobs = pd.read_csv(workdir / "results/tables/performance.csv", keep_default_na=False)
    files = sorted((workdir / "results/benchmarks").rglob("*.tsv"))
    assert len(jobs) == len(files) > 50
    # every job's log opens with its start, so the run's span covers every job
    assert (jobs["started"] != "").all(), jobs.loc[jobs["started"] == "", ["rule", "job"]]
    run = pd.read_csv(workdir / "results/tables/performance_run.csv").iloc[0]
    starts = pd.to_datetime(jobs["started"])
    assert run["jobs"] == run["of_jobs"] == len(jobs) and pd.Timestamp(run["first_started"]) == starts.min().floor("s")
    assert 1 <= run["max_parallel_jobs"] <= 2  # the tiny run has --cores 2
    # the jobs overlap on 2 cores: together they take less than one after another, at least the longest
    assert jobs["wall_s"].max() <= run["elapsed_s"] <= jobs["wall_s"].sum() + 60
    rules = set(jobs["rule"])
    assert {"simulate", "dataset", "train", "train_control", "probes_control", "rg_verdict", "probe_figures"} <= rules
    assert "other" not in set(jobs["stage"]), set(
        jobs.loc[jobs["stage"] == "other", "rule"]
    )  # every rule has its stage
    assert rules <= {rule for members in STAGES.values() for rule in members}


def test_readme_rule_rewrites_only_its_marked_sections(finished_run, tmp_path):
    import json

    import pandas as pd

    from deeprenorm.reporting.readme import BEGIN_MARKER, END_MARKER, START_BEGIN, START_END

    workdir, _ = finished_run
    readme = workdir / "README.md"
    # the tiny study stands in for both: its summary is where `make tiny` puts the tiny study's
    tiny_summary = workdir / "studies/tiny/results/summary.json"
    tiny_summary.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(workdir / "results/summary.json", tiny_summary)
    before, middle, after = "# a project\n\n", "\nhand-written text\n", "\n## later\n\nmore hand-written text\n"
    readme.write_text(f"{before}{START_BEGIN}\nstale\n{START_END}{middle}{BEGIN_MARKER}\nstale\n{END_MARKER}{after}")
    result = snakemake(workdir, "--cores", "1", "readme")
    assert result.returncode == 0, result.stderr[-3000:]
    text = readme.read_text()
    assert text.startswith(before + START_BEGIN) and text.endswith(END_MARKER + after) and "stale" not in text
    assert f"{START_END}{middle}{BEGIN_MARKER}" in text
    summary = json.loads((workdir / "results/summary.json").read_text())
    run = summary["performance"]["run"]
    assert run["jobs"] == len(pd.read_csv(workdir / "results/tables/performance.csv")) and run["elapsed_s"] > 0
    start = text[text.index(START_BEGIN) : text.index(START_END)]
    assert f"make run    # the default study: {run['jobs']} jobs in " in start and "make tiny   # first try" in start
    assert summary["config_sha256"][:16] in text and "![" in text and "docs/figures/summary.png" in text
    page = (workdir / "docs/results.md").read_text()
    # the README is short, the page has every table, with the figures relative to itself
    assert "### Key numbers" in text and "Calibration" not in text and "## Calibration" in page
    assert "](figures/summary.png)" in page and "docs/figures" not in page
    for name in ("summary", "performance", "rg_verdict", "locality"):
        assert_png(workdir / f"docs/figures/{name}.png")
    readme.write_text(f"{START_BEGIN}\n{START_END}\nno results markers here\n")
    untouched = readme.read_text()
    refused = snakemake(workdir, "--cores", "1", "--forcerun", "readme", "readme")
    assert refused.returncode != 0 and readme.read_text() == untouched


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
    assert counts == {
        "train": N_TRAININGS,
        "encode": N_TRAININGS,
        **LATENT_ANALYSIS,
        **NETWORKS,
        **REPORT,
        **SUMMARY_FIGURE,
    }


def test_changing_an_analysis_key_does_not_retrain(finished_run):
    workdir, _ = finished_run
    changed = dict(TINY, autoencoder=dict(TINY["autoencoder"], analysis={"reductions": ["pc1"]}))
    result = snakemake(workdir, "--dry-run", config=changed)
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    counts = job_counts(result.stdout + result.stderr)
    counts.pop("all", None)
    assert counts == {**LATENT_ANALYSIS, **REPORT, **SUMMARY_FIGURE}


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
# what the tiny study measures on its trained networks at L = 8 (three models, three flow models;
# the widest dense and the conv model also trained on the noise control and probed)
CONTROL_PROBES = {"probes_control": 2}
NETWORKS = {
    "train_far": 3,
    "network_flow": 3,
    "rg_learned": 3,
    "rg_information": 1,
    "probes": 3,
    "locality_table": 1,
    "probe_figures": 1,
    "train_control": 2,
    **CONTROL_PROBES,
    **VERDICT,
    # the conv model's map through the MCRG, gathered into the exponents table
    "rg_exponents_learned": 1,
    "rg_exponents": 1,
    "rg_exponents_figure": 1,
}
CONTROL_DATA = {"control_dataset": 1, "control_split": 1}
# the report stage reads every product: the performance tables and the summary follow any rerun,
# the summary figure one of the latent, thermodynamic or RG tables it draws
REPORT = {"performance": 1, "summary": 1}
SUMMARY_FIGURE = {"summary_figure": 1}
STAGE_RERUNS = {
    # the RG flow reweights with the thermodynamics stage's code
    "thermodynamics": {**THERMODYNAMICS, **RG, **REPORT, **SUMMARY_FIGURE},
    "autocorrelation_figure": {"autocorrelation_figure": 1, **REPORT},
    "width_sweep": {"width_sweep": 1, "width_sweep_figure": 1, **REPORT},
    "latent": {**LATENT_ANALYSIS, **REPORT, **SUMMARY_FIGURE},
    "train": {"train": N_TRAININGS, "encode": N_TRAININGS, **LATENT_ANALYSIS, **NETWORKS, **REPORT, **SUMMARY_FIGURE},
    "rg_flow": {**RG, **REPORT, **SUMMARY_FIGURE},
    # the ensemble is chosen by the MCRG stage's code (chain, temperature, algorithm)
    "rg_exponents": {
        "mcrg_ensemble": 1,
        "rg_exponents_learned": 1,
        "rg_exponents": 1,
        "rg_exponents_figure": 1,
        **VERDICT,
        **REPORT,
        **SUMMARY_FIGURE,
    },
    # the control datasets are written by the dataset stage's code, from no simulation
    "dataset": {
        "dataset": 2,
        **THERMODYNAMICS,
        **LATENT,
        **RG,
        **NETWORKS,
        **CONTROL_DATA,
        "network_flow_block_spin": 1,
        **REPORT,
        **SUMMARY_FIGURE,
    },
    "simulate": {
        "simulate": 6,
        "dataset": 2,
        **THERMODYNAMICS,
        "autocorrelation": 3,
        "autocorrelation_figure": 1,
        "mcrg_ensemble": 1,
        **LATENT,
        **RG,
        **{rule: n for rule, n in NETWORKS.items() if rule != "train_control"},
        "network_flow_block_spin": 1,
        # the deep belief network's own chain runs on the engine too
        "dbn_configurations": 1,
        "dbn": 1,
        **REPORT,
        **SUMMARY_FIGURE,
    },
    # the deep belief network's own data: the network, and the locality table the verdict reads
    "dbn_configurations": {
        "dbn_configurations": 1,
        "dbn": 1,
        "locality_table": 1,
        "probe_figures": 1,
        **VERDICT,
        **REPORT,
        **SUMMARY_FIGURE,
    },
    "controls": {
        **CONTROL_DATA,
        "train_control": 2,
        **CONTROL_PROBES,
        "locality_table": 1,
        "probe_figures": 1,
        # the control models go through every measurement of the verdict
        "rg_learned": 2,
        "network_flow": 2,
        "rg_information": 1,
        **VERDICT,
        "rg_exponents_learned": 1,
        "rg_exponents": 1,
        "rg_exponents_figure": 1,
        **REPORT,
        **SUMMARY_FIGURE,
    },
    # the locality table has a rule of its own: a figure's change never reruns the verdict
    "probe_figures": {"probe_figures": 1, **REPORT},
    "report": {**REPORT, **SUMMARY_FIGURE},
}


@pytest.mark.parametrize("stage", STAGE_RERUNS)
def test_changing_a_stage_version_reruns_it_and_its_descendants_only(finished_run, tmp_path, stage):
    workdir, _ = finished_run
    snakefile = _workflow_with_bumped_version(tmp_path, stage)
    command = snakemake_command(workdir, "--configfile", str(workdir / "config.yaml"), "--dry-run", snakefile=snakefile)
    environment = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=workdir, env=environment)
    assert result.returncode == 0, result.stderr[-3000:]
    counts = job_counts(result.stdout + result.stderr)
    counts.pop("all", None)
    assert counts == STAGE_RERUNS[stage]


# The workflow refuses a bad config before any job. Each kind of check once here, through the
# command line (the wiring: message, no traceback, nothing written); every rule of the schema and
# of the cross-key checks is tested in-process in tests/test_config.py.
BAD_CONFIGS = [
    (dict(TINY, typo_key=1), "typo_key"),
    (dict(TINY, temperatures=[2.0, -1.0]), "temperatures[1]"),
    (dict(TINY, lattice_sizes=[4, 7]), "lattice_sizes[1]"),
    (dict(TINY, seed=7.5), "seed: 7.5 is not of type 'integer'"),
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
    (
        "seed: 7\nalgorithm: auto\nseed: 8\n",
        "config.yaml, line 3, column 1: invalid YAML: key 'seed' appears twice (first at line 1, again at line 3)",
    ),
    ("- 4\n- 6\n", "config.yaml: the config must be a mapping of keys to values, got a list"),
]


@pytest.mark.parametrize("text, message", BAD_YAML, ids=["syntax", "duplicate", "list"])
def test_broken_config_file_names_its_line(tmp_path, text, message):
    """config.yaml is read by the workflow itself, strictly."""
    (tmp_path / "config.yaml").write_text(text)
    command = snakemake_command(tmp_path, "--cores", "1")
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
    command = snakemake_command(tmp_path, "--dry-run")
    empty = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert empty.returncode == 0, empty.stderr[-3000:]
    (tmp_path / "config.yaml").write_text((REPOSITORY / "config.yaml").read_text())
    shipped = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert job_counts(empty.stdout + empty.stderr) == job_counts(shipped.stdout + shipped.stderr)
    # L = 12, 16, 24, 32 on the whole grid, the block lattices 4, 6 and 8 inside the flow's window
    assert job_counts(empty.stdout + empty.stderr)["simulate"] == 4 * 48 + 3 * 18


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
    (copy / "results/autocorrelation/wolff.csv").write_text('algorithm,kind\nwolff,scan,16,"2.0\n')
    result = snakemake(
        copy, "--cores", "1", "--forcerun", "autocorrelation_figure", "results/figures/autocorrelation.png"
    )
    assert result.returncode != 0
    log = (copy / "logs/autocorrelation_figure.log").read_text()
    assert "results/autocorrelation/wolff.csv: not a readable CSV table" in log, log
    assert "Traceback" not in log


@pytest.mark.parametrize(
    "target",
    [
        "results/simulations/L0002/T2.3000.nc",
        "results/datasets/L7.nc",
        "results/simulations/L4/T2.4000.nc",
        "results/simulations/L4/Tnan.nc",
    ],
)
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
    # every rule runs a script: the default profile prints no "Shell command: None" per job
    assert "Shell command" not in message
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
LONG_SIMULATION = dict(
    TINY, lattice_sizes=[64], temperatures=[2.27], samples_per_temperature=2000, algorithm="metropolis"
)


def start_long_simulation(workdir: Path, target: str, **popen_options):
    """Start Snakemake on ``target`` and return (process, command) once the simulation job has
    finished its pilot run and is producing samples."""
    (workdir / "config.yaml").write_text(yaml.safe_dump(LONG_SIMULATION))
    command = snakemake_command(workdir, "--cores", "1", target)
    process = subprocess.Popen(command, cwd=workdir, **popen_options)
    log = workdir / "logs/simulate/L64/T2.2700.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (log.exists() and "pilot" in log.read_text()):
        time.sleep(0.1)
    assert log.exists() and "pilot" in log.read_text(), "the simulation job never started"
    return process, command


def test_killed_simulation_leaves_no_output_and_rerun_completes(tmp_path):
    target = "results/simulations/L64/T2.2700.nc"
    process, command = start_long_simulation(
        tmp_path, target, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
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
    # A killed Snakemake cannot remove its lock: the recovery docs/running.md gives is --unlock, then the same command.
    unlock = subprocess.run([*command, "--unlock"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert unlock.returncode == 0, unlock.stderr[-3000:]
    rerun = subprocess.run([*command, "--rerun-incomplete"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert xr.open_dataset(tmp_path / target)["spins"].shape == (1, 2000, 64, 64)
