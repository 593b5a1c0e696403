"""The train / validation / test split of a dataset, fixed per L and shared by every model.

Samples are split within each temperature, with the same counts at every temperature (train and
validation get ``floor(fraction * n_samples)``, test the rest), so each part covers the whole
temperature range evenly. The split is drawn from ``seeding.stream(seed, "split", L)``: every
model of one L (every kind, code width and replica) sees the same training samples and is
scored on the same held-out ones, and the same seed reproduces it exactly.

On disk a split is a small NetCDF file, ``split(temperature, sample)`` int8 with the codes
:data:`TRAIN`, :data:`VALIDATION`, :data:`TEST`, and the SHA-256 of the dataset it belongs to,
so a split is never applied to another dataset (:func:`read_split`). Written atomically, like
every file of :mod:`deeprenorm.data`; problems raise :class:`deeprenorm.data.SchemaError`.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from ..arguments import check_integer
from ..data import TEMPERATURE_ATTRS
from ..io import SchemaError, atomic_path, recovery_hint, timestamp
from ..provenance import source_version
from ..seeding import stream

__all__ = [
    "TRAIN",
    "VALIDATION",
    "TEST",
    "PART_NAMES",
    "Split",
    "part_sizes",
    "make_split",
    "check_labels",
    "write_split",
    "read_split",
    "file_sha256",
]

TRAIN, VALIDATION, TEST = 0, 1, 2
PART_NAMES = ("train", "validation", "test")

# fractions are decimal numbers: 0.7 * 10 is 7.000000000000001 and 0.1 * 30 is 3.0000000000000004
# in floating point, so floor with a margin far below one sample
_FLOOR_MARGIN = 1e-9

_SHA256 = re.compile(r"[0-9a-f]{64}")


def _check_fractions(fractions) -> tuple[float, float, float]:
    fractions = tuple(float(f) for f in fractions)
    if len(fractions) != 3 or not all(0.0 < f < 1.0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError(
            f"fractions must be three numbers in (0, 1) (train, validation, test) summing to 1, got {fractions}"
        )
    return fractions


def part_sizes(n_samples: int, fractions) -> tuple[int, int, int]:
    """Samples per temperature in (train, validation, test); ``ValueError`` if one is empty."""
    train_fraction, validation_fraction, _ = _check_fractions(fractions)
    n_train = math.floor(train_fraction * n_samples + _FLOOR_MARGIN)
    n_validation = math.floor(validation_fraction * n_samples + _FLOOR_MARGIN)
    sizes = (n_train, n_validation, n_samples - n_train - n_validation)
    if min(sizes) < 1:
        raise ValueError(
            f"{n_samples} samples per temperature split by {fractions} gives {dict(zip(PART_NAMES, sizes))}: every part needs >= 1 sample"
        )
    return sizes


def make_split(n_temperatures: int, n_samples: int, fractions, seed: int, L: int) -> np.ndarray:
    """Codes :data:`TRAIN`, :data:`VALIDATION`, :data:`TEST` as ``(n_temperatures, n_samples)``
    int8, the same counts at every temperature (:func:`part_sizes`), from the stream
    ``seeding.stream(seed, "split", L)``."""
    for name, value in (("n_temperatures", n_temperatures), ("n_samples", n_samples), ("L", L)):
        check_integer(name, value, 1)
    n_train, n_validation, _ = part_sizes(n_samples, fractions)
    rng = np.random.default_rng(stream(seed, "split", L))
    labels = np.full((n_temperatures, n_samples), TEST, dtype=np.int8)
    for row in labels:
        order = rng.permutation(n_samples)
        row[order[:n_train]] = TRAIN
        row[order[n_train : n_train + n_validation]] = VALIDATION
    return labels


@dataclass(frozen=True)
class Split:
    """A split read back from disk."""

    labels: np.ndarray  # (temperature, sample) int8
    temperatures: np.ndarray  # J/k_B
    dataset_sha256: str
    fractions: tuple[float, float, float]


def write_split(path: str | os.PathLike, labels: np.ndarray, temperatures, dataset_sha256: str, fractions) -> None:
    """Write ``labels`` of the dataset with hash ``dataset_sha256`` to ``path`` (atomically)."""
    labels = np.asarray(labels)
    temperatures = np.asarray(temperatures, dtype=np.float64)
    check_labels(labels, "labels")
    if temperatures.shape != labels.shape[:1]:
        raise ValueError(f"temperatures has shape {temperatures.shape}, labels {labels.shape}")
    if not _SHA256.fullmatch(str(dataset_sha256)):
        raise ValueError(f"dataset_sha256 must be 64 lowercase hex digits, got {dataset_sha256!r}")
    split = xr.Dataset(
        {
            "split": (
                ("temperature", "sample"),
                labels.astype(np.int8),
                {
                    "flag_values": np.arange(3, dtype=np.int8),
                    "flag_meanings": " ".join(PART_NAMES),
                    "long_name": "part of the split",
                },
            )
        },
        coords={"temperature": ("temperature", temperatures, TEMPERATURE_ATTRS), "sample": np.arange(labels.shape[1])},
        attrs={
            "title": "train / validation / test split of a deeprenorm dataset",
            "dataset_sha256": str(dataset_sha256),
            "fractions": np.asarray(_check_fractions(fractions)),
            "deeprenorm_version": source_version(),
            "created": timestamp(),
        },
    )
    with atomic_path(path) as temporary:
        split.to_netcdf(temporary, engine="netcdf4", format="NETCDF4")


def check_labels(labels: np.ndarray, where: str) -> None:
    """``ValueError`` unless ``labels`` is a 2-D array of codes with every part at every
    temperature (a temperature without validation samples could not be monitored)."""
    if labels.ndim != 2 or labels.dtype.kind not in "iu":
        raise ValueError(f"{where} must be a 2-D integer array (temperature, sample), got {labels.dtype}{labels.shape}")
    if labels.size and not np.isin(labels, (TRAIN, VALIDATION, TEST)).all():
        raise ValueError(f"{where} holds codes other than {TRAIN}, {VALIDATION}, {TEST}")
    for code, name in enumerate(PART_NAMES):
        empty = np.flatnonzero(~(labels == code).any(axis=1))
        if empty.size:
            raise ValueError(f"{where}: temperature index {empty[0]} has no {name} sample")


def read_split(path: str | os.PathLike, dataset_sha256: str | None = None) -> Split:
    """Read and check a split file; with ``dataset_sha256``, also that it belongs to that
    dataset. :class:`SchemaError` naming the file and the problem otherwise."""
    path = Path(path)
    if not path.is_file():
        raise SchemaError(f"{path}: no such file")
    try:
        with xr.open_dataset(path, engine="netcdf4") as dataset:
            dataset = dataset.load()
    except Exception as error:
        raise SchemaError(
            f"{path}: not a readable NetCDF file (truncated or corrupt?): {error}{recovery_hint(path)}"
        ) from error
    if (
        "split" not in dataset
        or dataset["split"].dims != ("temperature", "sample")
        or dataset["split"].dtype != np.int8
    ):
        found = f"{dataset['split'].dtype}{dataset['split'].dims}" if "split" in dataset else "nothing"
        raise SchemaError(
            f"{path}: expected variable 'split' int8 (temperature, sample), found {found}{recovery_hint(path)}"
        )
    missing = [name for name in ("dataset_sha256", "fractions") if name not in dataset.attrs]
    if missing or "temperature" not in dataset.coords:
        raise SchemaError(f"{path}: missing {', '.join(missing) or 'coordinate temperature'}{recovery_hint(path)}")
    labels = dataset["split"].values
    try:
        check_labels(labels, str(path))
        fractions = _check_fractions(np.atleast_1d(dataset.attrs["fractions"]))
    except ValueError as error:
        raise SchemaError(f"{error}{recovery_hint(path)}") from None
    found = str(dataset.attrs["dataset_sha256"])
    if dataset_sha256 is not None and found != dataset_sha256:
        raise SchemaError(
            f"{path} belongs to the dataset with SHA-256 {found}, not {dataset_sha256}{recovery_hint(path)}"
        )
    return Split(labels, dataset["temperature"].values.astype(np.float64), found, fractions)


def file_sha256(path: str | os.PathLike, chunk_bytes: int = 2**20) -> str:
    """SHA-256 of a file's bytes as 64 hex digits, read ``chunk_bytes`` at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()
