"""Files on disk: the one atomic write behind every output of deeprenorm, and the plain formats.

Every writer of the package goes through :func:`atomic_path`: NetCDF simulations, datasets,
splits and codes (:mod:`deeprenorm.data`, :mod:`deeprenorm.ml`), model checkpoints, the deep
belief network (:func:`deeprenorm.probes.dbn.save_dbn`), figures
(:func:`deeprenorm.plots.style.save`), and the tables, JSON documents, texts, array archives and
copies of this module. So every output of every kind is written the same way:

* under a temporary name in the target's own folder, renamed into place only once the writer has
  finished (``os.replace``, atomic within one file system): an interrupted or failed job never
  leaves a truncated file at the final path, which Snakemake would take for a finished one;
* with the mode a plain ``open(path, "w")`` would give it, ``0o666 & ~umask``: ``mkstemp``
  creates its files ``0o600``, which would hide results from the rest of a shared group;
* a temporary of the same target left by a writer that was killed without clean-up (SIGKILL) is
  removed by the next write: a target has one writer at a time.

Nothing is fsynced: the rename protects against a killed job, which is what a cluster does to a
job that runs out of time or memory, not against a machine that loses its page cache.

pandas is imported by the table functions that need it, not with this module, so that a job
that writes a NetCDF file or a figure does not pay for it at start-up.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

__all__ = [
    "SchemaError",
    "recovery_hint",
    "timestamp",
    "atomic_path",
    "write_text",
    "json_ready",
    "write_json",
    "write_table",
    "read_table",
    "write_arrays",
    "copy_file",
]


class SchemaError(ValueError):
    """A deeprenorm file is missing, truncated, or does not follow the schema."""


def recovery_hint(path: str | os.PathLike) -> str:
    """What to do about a damaged output ``path``, to append to the message of a
    :class:`SchemaError`."""
    return f" -- delete {path} and run the workflow again: Snakemake rebuilds it from its inputs"


def timestamp() -> str:
    """The current UTC time to the second in ISO 8601, the ``created`` attribute of the files."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _umask() -> int:
    # Linux reports the mask in /proc without changing it; os.umask can only read it by setting
    # one, which for an instant would let files created by another thread ignore the user's mask
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _glob_escape(name: str) -> str:
    """``name`` with glob metacharacters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside ``path`` to write to; rename it to ``path`` if the block
    succeeds, remove it if the block raises.

    The folder of ``path`` is created. The writer may open the temporary (it exists, empty) or
    replace it; either way the final file gets the mode ``0o666 & ~umask``. The temporary is
    named ``.{name}.{random}.part``, so a writer that infers the format from the suffix needs
    the format named (``savefig(..., format="png")``).

    >>> with atomic_path("results/tables/x.csv") as temporary:     # doctest: +SKIP
    ...     frame.to_csv(temporary, index=False)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{_glob_escape(path.name)}.*.part"):
        stale.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text(text: str, path: str | os.PathLike) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as temporary:
        Path(temporary).write_text(text, encoding="utf-8")


def json_ready(value):
    """``value`` with every non-finite float as None and numpy scalars as Python ones, through
    dicts (keys as strings), lists and tuples: what JSON can hold."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if isinstance(value, np.generic):
        return json_ready(value.item())
    return value


def write_json(document: dict, path: str | os.PathLike) -> None:
    """Write ``document`` as indented JSON with sorted keys, atomically (NaN is written as null)."""
    import json

    write_text(json.dumps(json_ready(document), indent=2, sort_keys=True) + "\n", path)


def write_table(frame, path: str | os.PathLike) -> None:
    """Write a pandas DataFrame as CSV (no index) atomically."""
    with atomic_path(path) as temporary:
        frame.to_csv(temporary, index=False)


def read_table(path: str | os.PathLike, columns=()):
    """Read a CSV table written by :func:`write_table` as a pandas DataFrame;
    :class:`SchemaError` naming the file if it is missing, empty, unparsable, or lacks one of
    ``columns``."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise SchemaError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise SchemaError(f"{path}: not a readable CSV table ({error}){recovery_hint(path)}") from error
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise SchemaError(f"{path}: missing column(s) {', '.join(missing)}{recovery_hint(path)}")
    return frame


def write_arrays(arrays: dict, path: str | os.PathLike) -> None:
    """Write named numpy arrays as a compressed ``.npz`` archive (``numpy.savez_compressed``)
    atomically; ``numpy.load(path)`` reads them back by name."""
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        # a file object, not the name: given a name without ".npz", numpy would append it
        np.savez_compressed(handle, **arrays)


def copy_file(source: str | os.PathLike, path: str | os.PathLike) -> None:
    """Copy the contents of ``source`` to ``path`` atomically (the mode follows the umask, as for
    every output, not ``source``)."""
    with atomic_path(path) as temporary:
        shutil.copyfile(source, temporary)
