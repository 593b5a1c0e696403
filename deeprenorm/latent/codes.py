"""Codes of an encoded dataset: the split's parts, one number per sample from a k-unit code."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

__all__ = [
    "TRAIN",
    "VALIDATION",
    "TEST",
    "PARTS",
    "REDUCTIONS",
    "SAMPLE_COLUMNS",
    "reduce_latent",
    "encoded_model_name",
    "part_code",
    "reduced_arrays",
    "latent_sample_table",
]

#: Codes of ``split`` (the same as :mod:`deeprenorm.ml.split`, which needs torch's package).
TRAIN, VALIDATION, TEST = 0, 1, 2
#: Part name -> code of ``split``.
PARTS = {"train": TRAIN, "validation": VALIDATION, "test": TEST}

#: Reductions of a k-unit code to one number per sample (:func:`reduce_latent`).
REDUCTIONS = ("mean", "pc1", "norm")

#: Columns of :func:`latent_sample_table`, in order.
SAMPLE_COLUMNS = ["model", "reduction", "part", "L", "temperature", "sample", "z", "m"]


def reduce_latent(latent, split, method: str, *, magnetization=None) -> np.ndarray:
    """One number per sample from a k-unit code: ``(n_T, n_samples)`` float64.

    ``latent``: ``(n_T, n_samples, k)`` (or ``(n_T, n_samples)`` for k = 1); ``split``:
    ``(n_T, n_samples)`` codes :data:`TRAIN`, :data:`VALIDATION`, :data:`TEST`.  ``method``:

    ``"mean"``
        the mean over the k units, the original study's reduction (Broomberg & Rabinovich 2019).
    ``"pc1"``
        the projection ``(z - zbar) . v`` on the first principal component ``v`` (largest
        eigenvalue of the covariance) of the TRAIN samples of every temperature, centred with
        their mean ``zbar``: the validation and test samples never enter the fit, so changing
        them changes only their own projections.  Sign: with ``magnetization`` (same shape as
        ``split``) the projection correlates positively with the signed m of the training
        samples; without it (or if that correlation is exactly 0) the largest-magnitude
        component of ``v`` is positive.  Centring removes a constant offset of the code, which
        would otherwise make |z| no order parameter; on the m -> -m symmetric ensemble of the
        sampler an odd code has zero mean and centring changes nothing.
    ``"norm"``
        the Euclidean norm ``|z| / sqrt(k)``, >= 0 (the RMS of the units).

    For k = 1: ``"mean"`` is z itself, ``"norm"`` is |z|, so the two give identical tables and
    estimates (only |z|, z^2, z^4 are used); ``"pc1"`` is ``+-(z - zbar_train)``, the same as
    those two exactly when the training mean of z is 0 and otherwise the offset-free code.

    Raises ValueError for an unknown method, mismatched shapes, non-finite codes, or (pc1)
    fewer than 2 training samples.  A training set without variance (a constant code) warns
    (RuntimeWarning): every projection is then 0.
    """
    if method not in REDUCTIONS:
        raise ValueError(f"method must be one of {REDUCTIONS}, got {method!r}")
    z = np.asarray(latent, dtype=np.float64)
    if z.ndim == 2:
        z = z[..., np.newaxis]
    split = np.asarray(split)
    if z.ndim != 3 or split.shape != z.shape[:2]:
        raise ValueError(
            f"latent must be (temperature, sample[, unit]) matching split {split.shape}, got {np.shape(latent)}"
        )
    if not np.all(np.isfinite(z)):
        raise ValueError("latent contains NaN or inf")
    k = z.shape[-1]
    if method == "mean":
        return z.mean(axis=-1)
    if method == "norm":
        return np.sqrt(np.sum(z * z, axis=-1) / k)
    train = split == TRAIN
    codes = z[train]
    if codes.shape[0] < 2:
        raise ValueError(f"pc1 needs >= 2 training samples, got {codes.shape[0]}")
    centre = codes.mean(axis=0)
    covariance = np.atleast_2d(np.cov(codes, rowvar=False))
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    if not eigenvalues[-1] > 0:
        warnings.warn("pc1: the training codes have no variance; every projection is 0", RuntimeWarning, stacklevel=2)
    direction = eigenvectors[:, -1]
    projection = (z - centre) @ direction
    sign = 0.0
    if magnetization is not None:
        magnetization = np.asarray(magnetization, dtype=np.float64)
        if magnetization.shape != split.shape:
            raise ValueError(f"magnetization has shape {magnetization.shape}, split {split.shape}")
        sign = np.sign(np.sum(projection[train] * (magnetization[train] - magnetization[train].mean())))
    if sign == 0.0:
        sign = np.sign(direction[np.argmax(np.abs(direction))]) or 1.0
    return sign * projection


def encoded_model_name(encoded) -> str:
    """The model an encoded dataset came from: ``attrs["model"]`` if the caller set one (e.g. to tell code widths apart), else ``kind``."""
    return str(encoded.attrs.get("model", encoded.attrs.get("kind", "")))


def part_code(part: str) -> int:
    """The ``split`` code of ``part`` (:data:`PARTS`); ValueError naming the parts otherwise."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {tuple(PARTS)}, got {part!r}")
    return PARTS[part]


def reduced_arrays(encoded, reduction: str):
    """``(T, split, energy, magnetization, z)`` as ``(n_T,)`` and ``(n_T, n_samples)`` arrays."""
    T = np.asarray(encoded["temperature"].values, dtype=float)
    split = np.asarray(encoded["split"].transpose("temperature", "sample").values)
    energy = np.asarray(encoded["energy"].transpose("temperature", "sample").values, dtype=float)
    magnetization = np.asarray(encoded["magnetization"].transpose("temperature", "sample").values, dtype=float)
    latent = encoded["latent"]
    latent = latent.transpose("temperature", "sample", "unit").values if "unit" in latent.dims else latent.values
    z = reduce_latent(latent, split, reduction, magnetization=magnetization)
    return T, split, energy, magnetization, z


def latent_sample_table(encoded, reduction: str, part: str = "test") -> pd.DataFrame:
    """The reduced code z and magnetisation m of every sample of one part, for scatter plots.

    Columns :data:`SAMPLE_COLUMNS`: ``model, reduction, part, L, temperature, sample, z, m``
    (``sample`` the index in the encoded dataset).
    """
    code = part_code(part)
    T, split, _, magnetization, z = reduced_arrays(encoded, reduction)
    where = np.nonzero(split == code)
    samples = np.asarray(encoded["sample"].values) if "sample" in encoded.coords else np.arange(split.shape[1])
    table = pd.DataFrame(
        {
            "model": encoded_model_name(encoded),
            "reduction": reduction,
            "part": part,
            "L": int(encoded.attrs["L"]),
            "temperature": T[where[0]],
            "sample": samples[where[1]],
            "z": z[where],
            "m": magnetization[where],
        }
    )
    return table[SAMPLE_COLUMNS]
