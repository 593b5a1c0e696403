"""Test ordering and fixtures shared by the whole suite."""

import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import pytest
import yaml

REPOSITORY = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    """Run the one-node SLURM tests last.

    Once slurm-client is installed, every Snakemake start with the SLURM executor plugin present
    runs ``scontrol show config`` at import time, which waits 10 s for a controller that the
    cluster fixture has already stopped; running the cluster tests last keeps that cost out of
    the rest of the suite.
    """
    items.sort(key=lambda item: item.get_closest_marker("cluster") is not None)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models train fastest on one thread: a second torch thread whose core is busy with
    other jobs (a parallel test run, a workflow) slows them down tens of times, and the bitwise
    reproducibility checks need a fixed thread count. Modules that train or probe networks use
    it with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch  # here, not at the top: most of the suite never imports torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The tiny study (config/tiny.yaml) run once, locally on 2 cores without a profile,
    shared by the workflow tests that inspect its results and by the SLURM test, which compares
    its own run with this one. Tests that damage files work on a copy; tests that try another
    config write the tiny one back."""
    workdir = tmp_path_factory.mktemp("tiny_run")
    (workdir / "config.yaml").write_text(yaml.safe_dump(yaml.safe_load((REPOSITORY / "config/tiny.yaml").read_text())))
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPOSITORY / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        "--workflow-profile",
        "none",
        "--cores",
        "2",
    ]
    start = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=workdir)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return SimpleNamespace(workdir=workdir, result=result, wall_s=time.monotonic() - start)


# The fixtures below import the package inside their bodies: this file is loaded by every run,
# also by the workflow and cluster tests, which never need them. They are built once per session
# for all the files that share them, so a test copies what it returns before changing it.


class SmallDataset(NamedTuple):
    path: Path  # the per-L dataset, L{L}.nc
    simulations: list[Path]  # the per-temperature files, in the order of the temperatures given


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory):
    """Builds a per-L dataset as the workflow does: one simulation file per temperature, named
    with ``temperature_label``, stacked by ``write_dataset``, in a folder of its own.

    ``small_dataset(L, temperatures, n_samples, seed, algorithm="wolff", config="")`` returns a
    :class:`SmallDataset`; the same arguments give the same samples in any test.
    """
    from deeprenorm.config import temperature_label
    from deeprenorm.data import write_dataset, write_simulation
    from deeprenorm.ising import sample

    def build(L, temperatures, n_samples, seed, algorithm="wolff", config="") -> SmallDataset:
        folder = tmp_path_factory.mktemp(f"L{L}")
        simulations = []
        for temperature in temperatures:
            path = folder / f"T{temperature_label(temperature)}.nc"
            write_simulation(sample(L, temperature, n_samples, algorithm, seed=seed), path, config=config)
            simulations.append(path)
        write_dataset(simulations, folder / f"L{L}.nc", config=config, algorithm=algorithm)
        return SmallDataset(folder / f"L{L}.nc", simulations)

    return build


@pytest.fixture(scope="session")
def reweighting_datasets():
    """In-memory datasets of L = 8 and 12 at 15 temperatures 2.05 .. 2.75, 1500 Wolff samples
    each (test_reweighting and the T_c estimates of test_thermo)."""
    from helpers import REWEIGHTING_GRID, stacked_dataset

    return {L: stacked_dataset(L, REWEIGHTING_GRID, 1500, seed=31) for L in (8, 12)}


@pytest.fixture(scope="session")
def rg_datasets(small_dataset):
    """Datasets of L = 4 and 8 at seven temperatures, 40 Wolff samples each: the tiny study's pair
    (test_rg_study, test_plots_rg)."""
    from helpers import RG_SEED, RG_TEMPERATURES

    return {L: small_dataset(L, RG_TEMPERATURES, 40, seed=RG_SEED).path for L in (4, 8)}


@pytest.fixture(scope="session")
def rg_tables(rg_datasets):
    """The RG stage's tables of the L = 8 -> 4 pair (test_rg_study, test_plots_rg)."""
    from helpers import RG_SEED

    from deeprenorm.rg.study import rg_study

    with warnings.catch_warnings():
        # a flow of 40 samples may not locate its fixed point: NaN estimates, a RuntimeWarning
        warnings.simplefilter("ignore", RuntimeWarning)
        return rg_study(
            rg_datasets, [(8, 2)], ["majority", "decimation"], ["binder", "abs_m"], RG_SEED, grid_spacing=0.01
        )


@pytest.fixture(scope="session")
def ml_dataset(small_dataset):
    """The autoencoder tests' dataset: L = 8 at six temperatures 1.8 .. 3.2, 60 Wolff samples
    each (test_ml_split, test_ml_train, test_ml_encode, and ml_reader)."""
    from helpers import ML_L, ML_SAMPLES, ML_SEED, ML_TEMPERATURES

    return small_dataset(ML_L, ML_TEMPERATURES, ML_SAMPLES, seed=ML_SEED).path


@pytest.fixture(scope="module")
def ml_reader(ml_dataset):
    """ml_dataset open for reading (test_ml_train, test_ml_encode, test_ising_lattice); scoped to
    the module, not the session, so that the file is open only while a module that reads it runs."""
    from deeprenorm.data import SpinReader

    with SpinReader(ml_dataset) as reader:
        yield reader


@pytest.fixture(scope="session")
def ml_labels():
    """The train / validation / test split of ml_dataset (test_ml_split, test_ml_train, test_ml_encode)."""
    from helpers import ML_FRACTIONS, ML_L, ML_SAMPLES, ML_SEED, ML_TEMPERATURES

    from deeprenorm.ml import make_split

    return make_split(len(ML_TEMPERATURES), ML_SAMPLES, ML_FRACTIONS, ML_SEED, ML_L)


@pytest.fixture(scope="session")
def latent_monte_carlo():
    """Per-spin (energy, magnetization) of real Wolff samples, (15, 400) per L = 8, 12, 16 (~1 s),
    the Monte Carlo beneath the synthetic codes of the latent tests."""
    from helpers import LATENT_SAMPLES, LATENT_SIZES, LATENT_TEMPERATURES

    from deeprenorm.ising import sample

    result = {}
    for L in LATENT_SIZES:
        energy = np.empty((LATENT_TEMPERATURES.size, LATENT_SAMPLES))
        magnetization = np.empty_like(energy)
        for i, T in enumerate(LATENT_TEMPERATURES):
            simulation = sample(L, float(T), LATENT_SAMPLES, "wolff", seed=20240917)
            energy[i], magnetization[i] = simulation.energy, simulation.magnetization
        result[L] = (energy, magnetization)
    return result


@pytest.fixture(scope="session")
def identity_encoded(latent_monte_carlo):
    """z = m exactly (k = 1), one encoded dataset per L."""
    from helpers import make_encoded, random_split

    return [make_encoded(L, e, m, m, random_split(m.shape, L)) for L, (e, m) in latent_monte_carlo.items()]


@pytest.fixture(scope="session")
def tanh_encoded(latent_monte_carlo):
    """z = tanh(a m w + noise) over 3 units, model "dense", one encoded dataset per L."""
    from helpers import make_encoded, random_split, tanh_code

    return [
        make_encoded(L, e, m, tanh_code(m, 100 + L), random_split(m.shape, L), kind="dense")
        for L, (e, m) in latent_monte_carlo.items()
    ]


@pytest.fixture(scope="session")
def tanh_estimates(tanh_encoded):
    """The reweighted T_c estimates and curves of the tanh code, reduction pc1."""
    from deeprenorm.latent import latent_critical_temperatures

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 3 sizes: no free-nu fit
        return latent_critical_temperatures(tanh_encoded, "pc1", n_blocks=10, grid_spacing=0.005)
