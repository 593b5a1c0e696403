"""Per-temperature phase identification: the code's <|z|>, chi_z, U_z beside <|m|>, chi_m."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..stats import jackknife_error, leave_one_block_out_means, resampling_block_length
from .codes import encoded_model_name, part_code, reduced_arrays

__all__ = ["PHASE_COLUMNS", "phase_table", "phase_summary"]

#: Columns of :func:`phase_table`, in order.
PHASE_COLUMNS = [
    "model",
    "reduction",
    "part",
    "L",
    "temperature",
    "n",
    "abs_z",
    "abs_z_err",
    "abs_m",
    "abs_m_err",
    "chi_z",
    "chi_z_err",
    "chi_m",
    "chi_m_err",
    "binder_z",
    "binder_z_err",
    "corr_abs_z_abs_m",
]


def _phase_observables(means, n_sites: int, T: float) -> dict:
    """<|z|>, chi_z, U_z, <|m|>, chi_m from the means of |z|, z^2, z^4, |m|, m^2 (last axis)."""
    abs_z, z2, z4, abs_m, m2 = np.moveaxis(means, -1, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "abs_z": abs_z,
            "chi_z": n_sites * (z2 - abs_z**2) / T,
            "binder_z": 1.0 - z4 / (3.0 * z2 * z2),
            "abs_m": abs_m,
            "chi_m": n_sites * (m2 - abs_m**2) / T,
        }


def _pearson(x, y) -> float:
    """Pearson r of two samples; NaN for fewer than 2 points or a constant one."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2:
        return math.nan
    dx, dy = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(np.sum(dx * dx) * np.sum(dy * dy)))
    return float(np.sum(dx * dy) / denominator) if denominator > 0 else math.nan


def phase_table(encoded, reduction: str, part: str = "test") -> pd.DataFrame:
    """Latent and magnetic observables per temperature, on one part of the split only.

    ``encoded``: one L's encoded dataset (module docstring); ``reduction``: one of
    :data:`REDUCTIONS` (:func:`reduce_latent`; pc1 is fitted on the TRAIN samples whatever
    ``part`` is); ``part``: ``"train"``, ``"validation"`` or ``"test"``.

    Columns (:data:`PHASE_COLUMNS`), one row per temperature in increasing order:

    ============================  ==================================================
    ``model``, ``reduction``,     labels (``model``: ``attrs["model"]``, else ``kind``)
    ``part``
    ``L``, ``temperature``, ``n``  lattice size, T [J/k_B], samples of the part at T
    ``abs_z``, ``abs_m``          <|z|>, <|m|>
    ``chi_z``, ``chi_m``          (N / T) (<x^2> - <|x|>^2) [1/J] (x = z in code units)
    ``binder_z``                  U_z = 1 - <z^4> / (3 <z^2>^2), NaN where every z = 0
    ``corr_abs_z_abs_m``          Pearson r of |z| with |m| over the samples at T
    ============================  ==================================================

    Values are the plain estimators on the part's samples (their bias, ~chi/n, is far below the
    errors); each ``*_err`` is the blocked jackknife error over those samples in chain order,
    leaving out one contiguous block at a time (:func:`deeprenorm.stats.resampling_block_length`
    of the five per-sample columns: at least 5 samples, longer where their tau_int asks for it,
    since samples stored 2 tau_int apart are still correlated near T_c); NaN for fewer than 2
    samples.
    """
    code = part_code(part)
    L = int(encoded.attrs["L"])
    T, split, _, magnetization, z = reduced_arrays(encoded, reduction)
    rows = []
    for i in np.argsort(T, kind="stable"):
        mask = split[i] == code
        zi, mi = z[i][mask], magnetization[i][mask]
        abs_z, abs_m = np.abs(zi), np.abs(mi)
        z2 = zi * zi
        columns = np.column_stack([abs_z, z2, z2 * z2, abs_m, mi * mi])
        row = {
            "model": encoded_model_name(encoded),
            "reduction": reduction,
            "part": part,
            "L": L,
            "temperature": float(T[i]),
            "n": int(mask.sum()),
        }
        if columns.shape[0] == 0:
            row.update({name: math.nan for name in PHASE_COLUMNS[6:]})
        else:
            full, replicas = leave_one_block_out_means(columns, resampling_block_length(*columns.T))
            values = _phase_observables(full, L * L, T[i])
            loo = _phase_observables(replicas, L * L, T[i])
            for name, value in values.items():
                row[name] = float(value)
                row[f"{name}_err"] = float(jackknife_error(loo[name]))
            row["corr_abs_z_abs_m"] = _pearson(abs_z, abs_m)
        rows.append(row)
    return pd.DataFrame(rows, columns=PHASE_COLUMNS)


def phase_summary(encoded, reduction: str, part: str = "test") -> dict:
    """How well the code tracks the magnetisation on one part of the split, in three numbers.

    Returns a dict with ``model, reduction, part, L, n_temperatures, n_samples`` and

    ``r_samples_abs_z_abs_m``
        Pearson r of |z| with |m| over every sample of the part, all temperatures pooled: the
        direct test of Alexandrou et al. (2019)'s observation that z tracks m.
    ``r_curves_chi_z_chi_m``
        the original study's figure of merit (Broomberg & Rabinovich 2019): Pearson r between
        the curves chi_z(T) and chi_m(T) of :func:`phase_table`.  A weak test: any two curves
        peaked in the same temperature range correlate strongly, whether or not their peaks
        coincide -- compare the T_c of :func:`latent_critical_temperatures` instead.
    ``r_curves_abs_z_abs_m``
        Pearson r between the curves <|z|>(T) and <|m|>(T) (equally weak, for the same reason).

    NaN where undefined (a constant code, fewer than 2 points).
    """
    code = part_code(part)
    _, split, _, magnetization, z = reduced_arrays(encoded, reduction)
    mask = split == code
    table = phase_table(encoded, reduction, part)
    finite = table[["chi_z", "chi_m", "abs_z", "abs_m"]].notna().all(axis=1)
    return {
        "model": encoded_model_name(encoded),
        "reduction": reduction,
        "part": part,
        "L": int(encoded.attrs["L"]),
        "n_temperatures": int(len(table)),
        "n_samples": int(mask.sum()),
        "r_samples_abs_z_abs_m": _pearson(np.abs(z[mask]), np.abs(magnetization[mask])),
        "r_curves_chi_z_chi_m": _pearson(table.loc[finite, "chi_z"], table.loc[finite, "chi_m"]),
        "r_curves_abs_z_abs_m": _pearson(table.loc[finite, "abs_z"], table.loc[finite, "abs_m"]),
    }
