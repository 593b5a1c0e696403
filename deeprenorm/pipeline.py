"""What every workflow script does before calling the package: logging and thread limits.

Scripts stay a few lines: ``pipeline.start(snakemake)`` routes logging (and warnings, and any
traceback) to the rule's log file and caps numba and torch at the rule's ``threads``; Snakemake
sets ``OMP_NUM_THREADS`` but numba ignores it.

A job that fails on bad input (a damaged file, an impossible setting: :data:`USER_ERRORS`, and a
training run that diverged) logs
one line that says what is wrong and how to recover, without a traceback; any other exception
is logged with its traceback. A job with a log file logs there only, and Snakemake shows the log
of a failed job once (``show-failed-logs`` in the default profile); without one, to stderr.
"""

from __future__ import annotations

import logging
import sys

import numba

from .config import ConfigError
from .data import SchemaError
from .ising import ThermalizationError

__all__ = ["USER_ERRORS", "start", "set_threads"]

USER_ERRORS = (SchemaError, ConfigError, ThermalizationError)


def set_threads(threads: int) -> None:
    """Limit numba (and torch, if the script imported it) to ``threads`` threads."""
    threads = max(1, int(threads))
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
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
        # deeprenorm.ml imports torch, which the other stages should not pay for at start-up.
        training = sys.modules.get("deeprenorm.ml.train")
        if issubclass(kind, USER_ERRORS + ((training.TrainingError,) if training else ())):
            logger.error("job failed: %s: %s", kind.__name__, value)
        else:
            logger.error("job failed", exc_info=(kind, value, traceback))

    sys.excepthook = log_uncaught
    set_threads(snakemake.threads)
    logger.info("rule %s, wildcards %s, %d thread(s)", snakemake.rule, dict(snakemake.wildcards), snakemake.threads)
    return logger
