"""What every workflow script does before calling the package: logging and thread limits.

Scripts stay a few lines: ``pipeline.start(snakemake)`` routes logging (and warnings, and any
traceback) to the rule's log file, caps numba and torch at the rule's ``threads`` (Snakemake
sets ``OMP_NUM_THREADS`` but numba ignores it) and spares the job's exit a garbage collection.

A job that fails on bad input (:func:`user_errors`: a damaged file, an impossible setting, a
chain that does not thermalise, a training run that diverged) logs one line that says what is
wrong and how to recover, without a traceback; any other exception is logged with its traceback.
A job with a log file logs there only, and Snakemake shows the log of a failed job once
(``show-failed-logs`` in the default profile); without one, to stderr.

This module imports neither numba nor torch: a job that needs neither (a figure, a table) should
not pay for their imports at start-up.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys

from .config import ConfigError
from .io import SchemaError
from .provenance import source_version

__all__ = ["USER_ERRORS", "user_errors", "start", "set_threads", "torch_device"]

#: Bad input that any job can meet: a damaged file, an impossible setting.
USER_ERRORS = (SchemaError, ConfigError)

# Bad input met only in stages whose modules import numba or torch: recognised once the job has
# imported the module, which it has if the error was raised.
_STAGE_ERRORS = {"deeprenorm.ising.sampler": "ThermalizationError", "deeprenorm.ml.train": "TrainingError"}


def user_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean bad input rather than a bug: :data:`USER_ERRORS`, a Monte Carlo
    chain that does not thermalise, a training run that diverged."""
    stages = tuple(
        getattr(sys.modules[module], name) for module, name in _STAGE_ERRORS.items() if module in sys.modules
    )
    return USER_ERRORS + stages


def set_threads(threads: int) -> None:
    """Limit numba and torch to ``threads`` threads: numba at once if the script has imported it,
    else when it does (``NUMBA_NUM_THREADS`` is read at numba's import); torch if imported."""
    threads = max(1, int(threads))
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    else:
        os.environ["NUMBA_NUM_THREADS"] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def start(snakemake) -> logging.Logger:
    """Configure a ``script:`` job from its ``snakemake`` object; returns the script's logger."""
    if snakemake.log:
        handlers = [logging.FileHandler(snakemake.log[0], mode="w")]
    else:
        handlers = [logging.StreamHandler(sys.stderr)]
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    logger = logging.getLogger(f"deeprenorm.rule.{snakemake.rule}")

    def log_uncaught(kind, value, traceback):
        if issubclass(kind, user_errors()):
            logger.error("job failed: %s: %s", kind.__name__, value)
        else:
            logger.error("job failed", exc_info=(kind, value, traceback))

    sys.excepthook = log_uncaught
    # At exit CPython's finalisation runs the cyclic garbage collector over every object still
    # alive; once numba has loaded a kernel that costs about 0.15 s of CPU per job, spent on
    # memory the operating system takes back anyway. Frozen objects are left out. Every writer
    # has closed its file by then, and CPython never promised finalisers at exit.
    atexit.register(gc.freeze)
    set_threads(snakemake.threads)
    logger.info(
        "rule %s, wildcards %s, %d thread(s), deeprenorm %s",
        snakemake.rule,
        dict(snakemake.wildcards),
        snakemake.threads,
        source_version(),
    )
    return logger


def torch_device(snakemake):
    """The torch device of a job of a torch rule, ``autoencoder.device`` resolved by
    :func:`deeprenorm.ml.train.resolve_device` before the job does any work: with ``cuda`` and
    no CUDA device it fails here in one line; the log says which device ``auto`` gave."""
    from .ml.train import resolve_device  # here: only the torch rules pay for importing torch

    requested = snakemake.config["autoencoder"]["device"]
    device = resolve_device(requested)
    logging.getLogger(f"deeprenorm.rule.{snakemake.rule}").info(
        "torch device %s (autoencoder.device: %s)", device, requested
    )
    return device
