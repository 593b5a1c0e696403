"""The Snakemake workflow end to end, through the real CLI, in temporary directories.

Every run uses ``--workflow-profile none`` so that a developer's profiles cannot change the result,
and a tiny config (L = 4 and 6, three temperatures, 40 samples) so the whole DAG runs in seconds.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from deeprenorm.config import temperature_grid

REPOSITORY = Path(__file__).resolve().parents[1]
SNAKEFILE = REPOSITORY / "Snakefile"

pytestmark = pytest.mark.workflow

TINY = yaml.safe_load((REPOSITORY / "tests/config/tiny.yaml").read_text())

FIGURES = ["results/figures/thermodynamics.png", "results/figures/autocorrelation.png"]
TABLES = [
    "results/tables/thermodynamics.csv",
    "results/tables/tc_thermodynamic.csv",
    "results/tables/thermodynamics_reweighted.csv",
    "results/tables/autocorrelation.csv",
    "results/tables/dynamic_exponents.csv",
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
    default = yaml.safe_load((REPOSITORY / "config.yaml").read_text())
    n_temperatures = len(temperature_grid(default["temperatures"]))
    assert n_temperatures >= 40
    assert counts["simulate"] == len(default["lattice_sizes"]) * n_temperatures
    assert counts["dataset"] == len(default["lattice_sizes"]) and counts["autocorrelation"] == 3


def test_dry_run_of_the_slurm_profile(tmp_path):
    result = snakemake(tmp_path, "--dry-run", config=TINY, profile=str(REPOSITORY / "profiles/slurm"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "simulate" in job_counts(result.stdout + result.stderr)


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
    for log in ("logs/simulate/L4/T2.3000.log", "logs/dataset/L6.log"):
        assert (workdir / log).stat().st_size > 0


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
    assert not (tmp_path / "results/simulations/L6").exists()
    assert not (tmp_path / "results/autocorrelation").exists()
    figure = snakemake(tmp_path, "--dry-run", "results/figures/autocorrelation.png")
    assert job_counts(figure.stdout + figure.stderr) == {"autocorrelation": 3, "autocorrelation_figure": 1}


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
]


@pytest.mark.parametrize("config, key", BAD_CONFIGS, ids=[key for _, key in BAD_CONFIGS])
def test_bad_config_fails_before_any_job_naming_the_key(tmp_path, config, key):
    result = snakemake(tmp_path, "--cores", "1", config=config)
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "invalid config" in message and key in message, message[-2000:]
    assert "allowed" in message
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()


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
