"""Test ordering shared by the whole suite."""


def pytest_collection_modifyitems(config, items):
    """Run the one-node SLURM tests last.

    Once slurm-client is installed, every Snakemake start with the SLURM executor plugin present
    runs ``scontrol show config`` at import time, which waits 10 s for a controller that the
    cluster fixture has already stopped; running the cluster tests last keeps that cost out of
    the rest of the suite.
    """
    items.sort(key=lambda item: item.get_closest_marker("cluster") is not None)
