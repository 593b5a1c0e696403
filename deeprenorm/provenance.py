"""Which code made an output: the package's version with the git commit it ran from.

The version in ``pyproject.toml`` changes only at a release; between releases many commits give
different results. Every job therefore records :func:`source_version` (``0.1.0+g1a2b3c4d5e6f``,
with ``.dirty`` where tracked files differ from that commit) in its log and in the NetCDF files
and checkpoints it writes, and the summary records :func:`source_commit` in full: a result can be
traced to the code that made it. An installed copy outside a git checkout has no commit to
give and records the release version alone.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from . import __version__

__all__ = ["source_commit", "source_version"]

# the checkout the package runs from, where it is one (an editable install, a clone)
_CHECKOUT = Path(__file__).resolve().parents[1]


def _git(*arguments: str) -> str:
    return subprocess.run(
        ["git", "-C", str(_CHECKOUT), *arguments], capture_output=True, text=True, timeout=30, check=True
    ).stdout.strip()


@functools.cache
def source_commit() -> str | None:
    """The full commit of the checkout the package runs from, with ``-dirty`` appended where
    tracked files differ from it; None outside a git checkout or without git."""
    if not (_CHECKOUT / ".git").exists():
        return None
    try:
        commit = _git("rev-parse", "--verify", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "")


@functools.cache
def source_version() -> str:
    """The release version with the commit as a local version label (PEP 440):
    ``0.1.0+g<12 hex digits>[.dirty]``; the release version alone without a commit."""
    commit = source_commit()
    if commit is None:
        return __version__
    label = f"g{commit[:12]}" + (".dirty" if commit.endswith("-dirty") else "")
    return f"{__version__}+{label}"
