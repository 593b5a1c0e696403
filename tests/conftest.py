"""Test ordering and fixtures shared by the whole suite."""

import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

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
    """The tiny study (tests/config/tiny.yaml) run once, locally on 2 cores without a profile,
    shared by the workflow tests that inspect its results and by the SLURM test, which compares
    its own run with this one. Tests that damage files work on a copy; tests that try another
    config write the tiny one back."""
    workdir = tmp_path_factory.mktemp("tiny_run")
    (workdir / "config.yaml").write_text(yaml.safe_dump(yaml.safe_load((REPOSITORY / "tests/config/tiny.yaml").read_text())))
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(REPOSITORY / "Snakefile"), "--directory", str(workdir),
        "--configfile", str(workdir / "config.yaml"), "--workflow-profile", "none", "--cores", "2",
    ]
    start = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=workdir)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return SimpleNamespace(workdir=workdir, result=result, wall_s=time.monotonic() - start)
