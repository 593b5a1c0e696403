"""Test ordering and fixtures shared by the whole suite."""

import pytest


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
