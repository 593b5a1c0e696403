"""T_c from the multi-histogram reweighted latent curves chi_z(T), chi_m(T) and U_z(T)."""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..arguments import check_integer, check_real, check_window
from ..ensemble import (
    Ensemble,
    derived_window,
    jackknifed_crossing,
    jackknifed_peak,
    paired_jackknife_difference,
    reweighted_curves,
    temperature_grid_between,
)
from ..stats import MIN_RESAMPLING_BLOCK, extrapolate_with_systematics, fit_finite_size
from ..thermo import ESTIMATE_COLUMNS, estimate_row, extrapolation_estimates, fit_fields, not_located
from .codes import REDUCTIONS, encoded_model_name, part_code, reduced_arrays

__all__ = [
    "LATENT_ESTIMATE_COLUMNS",
    "LATENT_CURVE_COLUMNS",
    "PEAK_OBSERVABLES",
    "latent_row",
    "extrapolation_rows",
    "estimate_frame",
    "latent_critical_temperatures",
]

#: Columns of the estimates of :func:`latent_critical_temperatures`, in order:
#: :data:`deeprenorm.thermo.ESTIMATE_COLUMNS` between the labels and the exponent of the fit,
#: then the offset of a chi_z peak from the chi' peak of the same samples.
LATENT_ESTIMATE_COLUMNS = [
    "model",
    "reduction",
    "part",
    "observable",
    *ESTIMATE_COLUMNS,
    "nu",
    "nu_err",
    "offset_from_chi_m",
    "offset_from_chi_m_err",
]

#: Columns of the reweighted curves of :func:`latent_critical_temperatures`, in order.
LATENT_CURVE_COLUMNS = [
    "model",
    "reduction",
    "part",
    "L",
    "temperature",
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
]


# observable of a peak row -> reweighted moment columns it is built from
PEAK_OBSERVABLES = ("chi_z", "chi_m")


def latent_row(labels: dict, observable: str, method: str, located=None, *, note: str = "", **fields) -> dict:
    """A row of :data:`LATENT_ESTIMATE_COLUMNS`: :func:`deeprenorm.thermo.estimate_row` with the
    model's ``labels`` (model, reduction, part), the ``observable`` and the fit's ``nu``."""
    row = estimate_row(method, located, note=note, **fields)
    row.update(
        labels,
        observable=observable,
        **{name: fields.get(name, math.nan) for name in ("nu", "nu_err", "offset_from_chi_m", "offset_from_chi_m_err")},
    )
    return row


def extrapolation_rows(labels: dict, peak_rows: list, label: str) -> list:
    """The extrapolations of the peak rows of each observable: nu = 1 with its systematic
    (:func:`deeprenorm.thermo.extrapolation_estimates`: the headline fit and its variants), and
    nu free."""
    rows = []
    for observable in PEAK_OBSERVABLES:
        peaks = [r for r in peak_rows if r["observable"] == observable]
        if len(peaks) < 2:  # a model trained at one size: there is nothing to extrapolate
            continue
        sizes = np.array([r["L"] for r in peaks], dtype=float)
        T = np.array([r["T_c"] for r in peaks], dtype=float)
        errors = np.array([r["T_c_err"] for r in peaks], dtype=float)

        def make_row(method, *, note, observable=observable, **fields):
            return latent_row(labels, observable, method, note=note, nu=1.0, nu_err=0.0, **fields)

        fixed = extrapolation_estimates(
            f"{observable}_peak_extrapolation", extrapolate_with_systematics(sizes, T, errors, nu=1.0), make_row
        )
        free = fit_finite_size(sizes, T, errors)
        fitted = fixed + [
            latent_row(
                labels,
                observable,
                f"{observable}_peak_extrapolation_free_nu",
                **fit_fields(free),
                nu=free.nu,
                nu_err=free.nu_err,
                note=free.note,
            )
        ]
        rows += [
            row if math.isfinite(row["T_c"]) else not_located(row, f"{label} {observable} peaks", stacklevel=4)
            for row in fitted
        ]
    return rows


def _part_ensemble(encoded, reduction: str, code: int, part: str) -> tuple[Ensemble, np.ndarray]:
    """One part's samples as an :class:`~deeprenorm.ensemble.Ensemble` (temperatures in
    increasing order, sample order kept) and its reduced code z, ``(n_T, n_part)``."""
    L = int(encoded.attrs["L"])
    T, split, energy, magnetization, z = reduced_arrays(encoded, reduction)
    mask = split == code
    counts = mask.sum(axis=1)
    if counts.size and not np.all(counts == counts[0]):
        raise ValueError(
            f"L={L}: the {part} part has different sample counts per temperature ({counts.min()}..{counts.max()}); "
            "multi-histogram reweighting here needs equal counts (the split of deeprenorm.ml.split has them)"
        )
    n = int(counts[0]) if counts.size else 0
    order = np.argsort(T, kind="stable")

    def pick(values):  # row-major: the sample order is kept
        return values[mask].reshape(T.size, n)[order]

    return Ensemble(L, T[order], pick(energy), pick(magnetization)), pick(z)


def _default_window(parts) -> tuple[float, float] | None:
    """Union of :func:`deeprenorm.ensemble.derived_window` on m and on z of every size."""
    windows = []
    for values in ("magnetization", "z"):
        series = [
            (p.ensemble.temperatures, p.values(values))
            for p in parts
            if p.ensemble.temperatures.size and p.ensemble.n_samples > 0
        ]
        if series:
            with np.errstate(invalid="ignore"):
                try:
                    windows.append(derived_window(series))
                except ValueError:  # no finite chi at all
                    pass
    if not windows:
        return None
    return min(w[0] for w in windows), max(w[1] for w in windows)


class _Part(NamedTuple):
    """One size's part of the split: its ensemble and reduced code."""

    ensemble: Ensemble
    z: np.ndarray

    def values(self, name: str) -> np.ndarray:
        return self.z if name == "z" else self.ensemble.magnetization


def _curve_observables(means: np.ndarray, grid: np.ndarray, L: int) -> dict:
    """Reweighted curves from the means of |z|, z^2, z^4, |m|, m^2, m^4 on ``grid``."""
    abs_z, z2, z4, abs_m, m2, _ = means.T
    n_sites = L * L
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "abs_z": abs_z,
            "abs_m": abs_m,
            "chi_z": n_sites * (z2 - abs_z**2) / grid,
            "chi_m": n_sites * (m2 - abs_m**2) / grid,
            "binder_z": 1.0 - z4 / (3.0 * z2 * z2),
        }


def _reweighted_parts(parts, window, n_blocks: int, grid_spacing: float, part: str, described: str):
    """L -> jackknifed latent curves of each size, and L -> why a size has none."""
    per_size, reasons = {}, {}
    for p in parts:
        L, n = p.ensemble.L, p.ensemble.n_samples
        inside = (
            np.zeros(p.ensemble.temperatures.size, dtype=bool)
            if window is None
            else ((p.ensemble.temperatures >= window[0]) & (p.ensemble.temperatures <= window[1]))
        )
        if inside.sum() < 2 or n < 2:
            reasons[L] = (
                f"fewer than 2 samples per temperature in the {part} part ({n})"
                if n < 2
                else f"fewer than 2 simulated temperatures in the {described}"
            )
            continue
        ensemble, z = p.ensemble.within(window), p.z[inside]
        m = ensemble.magnetization
        z2, m2 = z * z, m * m
        columns = np.stack([np.abs(z), z2, z2 * z2, np.abs(m), m2, m2 * m2], axis=-1)
        grid = temperature_grid_between(ensemble.temperatures.min(), ensemble.temperatures.max(), grid_spacing)
        # blocks of at least MIN_RESAMPLING_BLOCK samples: a small part is not cut into single samples
        blocks = min(n_blocks, max(2, n // MIN_RESAMPLING_BLOCK))
        per_size[L] = reweighted_curves(ensemble, columns, partial(_curve_observables, L=L), grid, blocks)
    return per_size, reasons


def _curve_frame(labels: dict, L: int, curves) -> pd.DataFrame:
    frame = {**labels, "L": L, "temperature": curves.grid}
    for name in ("abs_z", "abs_m", "chi_z", "chi_m", "binder_z"):
        frame[name] = curves.full[name]
        frame[f"{name}_err"] = curves.error(name)
    return pd.DataFrame(frame)


def _peak_rows(labels, sizes, per_size, reasons, described, label) -> list[dict]:
    rows = []
    for L in sizes:
        if L not in per_size:
            for observable in PEAK_OBSERVABLES:
                note = f"{observable} peak not located: {reasons[L]}"
                row = latent_row(labels, observable, f"{observable}_peak", L=L, note=note)
                rows.append(not_located(row, f"{label} L={L}", stacklevel=4))
            continue
        curves = per_size[L]
        peaks = {observable: jackknifed_peak(curves, observable, where=described) for observable in PEAK_OBSERVABLES}
        offset, offset_err = paired_jackknife_difference(peaks["chi_z"], peaks["chi_m"])
        for observable, peak in peaks.items():
            method = f"{observable}_peak"
            if not peak.located:
                row = latent_row(labels, observable, method, peak, note=f"{observable} peak not located", L=L)
                rows.append(not_located(row, f"{label} L={L}", stacklevel=4))
                continue
            note = f"pseudo-critical T*(L) of reweighted {observable}; jackknife error over {curves.n_blocks} blocks"
            if observable == "chi_z" and math.isfinite(offset):
                note += "; offset_from_chi_m = T*_z - T*_m on the same samples, jackknifed paired"
                fields = {"offset_from_chi_m": offset, "offset_from_chi_m_err": offset_err}
            else:
                fields = {}
            rows.append(latent_row(labels, observable, method, peak, note=note, L=L, **fields))
    return rows


def _crossing_rows(labels, per_size, sizes, grid_spacing, described, label) -> list[dict]:
    rows = []
    located = [size for size in sizes if size in per_size]
    for small, large in zip(located, located[1:]):
        crossing, _ = jackknifed_crossing(
            per_size[small], per_size[large], "binder_z", grid_spacing=grid_spacing, where=described
        )
        if not crossing.located:
            row = latent_row(
                labels, "binder_z", "binder_z_crossing", crossing, note="U_z crossing not located", L=small, L2=large
            )
            rows.append(not_located(row, f"{label} L={small}, L2={large}", stacklevel=4))
            continue
        note = "zero of reweighted U_z(L) - U_z(L2); jackknife error"
        if crossing.n_roots > 1:
            note += f"; {crossing.n_roots} zeros, the steepest taken"
        rows.append(latent_row(labels, "binder_z", "binder_z_crossing", crossing, note=note, L=small, L2=large))
    return rows


def latent_critical_temperatures(
    encoded_by_L,
    reduction: str,
    *,
    part: str = "test",
    window: tuple[float, float] | None = None,
    n_blocks: int = 20,
    grid_spacing: float = 1 / 300,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """T_c from multi-histogram reweighted chi_z(T), chi_m(T) and U_z(T) of one model.

    ``encoded_by_L``: encoded datasets of one model (the same ``model`` name, see
    :func:`phase_table`) at distinct L; ``reduction``: one of :data:`REDUCTIONS`; ``part``: the
    part of the split analysed (default the held-out TEST samples).  Each temperature's samples
    of one part are a random subset of independent samples, so the subset is itself valid input
    for :class:`deeprenorm.reweighting.MultiHistogram`, which needs the same count at every
    temperature: the split has exactly equal counts, anything else raises ValueError.  The
    reduced code of each sample reweights with its energy
    (:meth:`~deeprenorm.reweighting.MultiHistogram.expectations` of |z|, z^2, z^4, |m|, m^2,
    m^4), giving chi_z(T), chi_m(T) and U_z(T) on an even grid at most ``grid_spacing`` apart
    spanning the simulated temperatures inside ``window`` (never extrapolated).

    ``window``: ``(low, high)`` in J/k_B, or None: the union of the windows that
    :func:`deeprenorm.ensemble.derived_window` derives from chi' (the magnetisation) and, by the
    same rule, from chi_z of the part's samples.  The chi' window alone is the magnetic
    analysis's; the union makes sure the window does not presuppose where the code's own peak
    is (a code that peaks far from T_c must be seen to, not be cut at the window's edge).

    Errors: blocked jackknife over ``n_blocks`` contiguous blocks of the part's samples in chain
    order (fewer where blocks would hold under :data:`deeprenorm.stats.MIN_RESAMPLING_BLOCK`
    samples, at least 2), the same block left out at every temperature, the whole analysis (reweighting,
    peaks, crossings) repeated per block (:mod:`deeprenorm.ensemble`, whose not-located policy
    applies: an estimate that some replica cannot locate is reported as not located, with the
    count).

    Returns ``(estimates, curves)``.  ``estimates`` has :data:`LATENT_ESTIMATE_COLUMNS`
    (``n_bootstrap`` = the number of jackknife blocks, ``observable`` the curve the row comes
    from); rows (``method``):

    ``chi_z_peak``, ``chi_m_peak`` (one per L each)
        position T*(L) and height of the maximum of the reweighted curve
        (:func:`deeprenorm.stats.locate_peak` with ``half_width=1``: the parabola through the
        grid maximum and its neighbours, never the grid maximum itself).  The ``chi_z_peak``
        row also holds ``offset_from_chi_m`` = T*_z(L) - T*_m(L), the code's peak minus the
        magnetisation's on the same samples, with the error of the difference jackknifed
        replica by replica (:func:`deeprenorm.ensemble.paired_jackknife_difference`): the
        direct test of whether the code's peak tracks the magnetisation's, free of the
        finite-size form the extrapolations assume.
    ``binder_z_crossing`` (one per successive pair L < L2)
        the zero of U_z(L) - U_z(L2) where the curves separate fastest (``select="steepest"``);
        each jackknife replica takes its zero nearest to it.
    ``chi_z_peak_extrapolation``, ``chi_m_peak_extrapolation``
        :func:`deeprenorm.stats.extrapolate_with_systematics` with nu = 1 over the located
        peaks; ``slope`` = a, ``T_c_err_sys`` the systematic error of the fit's form, shown by
        the rows ``..._extrapolation_drop_smallest`` and ``..._extrapolation_correction``. Only
        for a model analysed at two or more sizes (one size has nothing to extrapolate: no row).
    ``chi_z_peak_extrapolation_free_nu``, ``chi_m_peak_extrapolation_free_nu``
        the same with nu free (>= 4 sizes); ``nu``, ``nu_err`` its exponent.

    ``curves``: :data:`LATENT_CURVE_COLUMNS`, the reweighted <|z|>, <|m|>, chi_z, chi_m, U_z
    with jackknife errors, one block of rows per L.

    Degenerate input never raises: fewer than two simulated temperatures in the window, fewer
    than 2 samples per temperature, a maximum on the edge of the grid, curves that do not cross,
    too few sizes for a fit give a NaN row whose ``note`` says why, and a ``RuntimeWarning``
    naming the model, the L (or pair) and the reason.
    """
    code = part_code(part)
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    window = check_window(window)
    check_integer("n_blocks", n_blocks, 2)
    check_real("grid_spacing", grid_spacing, positive=True)
    encoded_by_L = list(encoded_by_L)
    models = sorted({encoded_model_name(encoded) for encoded in encoded_by_L})
    if len(models) > 1:
        raise ValueError(f"encoded_by_L mixes models {models}; pass one model's datasets at a time")
    labels = {"model": models[0] if models else "", "reduction": reduction, "part": part}
    parts = sorted(
        (_Part(*_part_ensemble(encoded, reduction, code, part)) for encoded in encoded_by_L), key=lambda p: p.ensemble.L
    )
    sizes = [p.ensemble.L for p in parts]
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"encoded_by_L has repeated sizes: {sizes}")
    label = f"{labels['model']} ({reduction}, {part})"
    if window is None:
        window = _default_window(parts)
        described = (
            "window derived from the data"
            if window is None
            else f"window ({window[0]:g}, {window[1]:g}), derived from the data"
        )
    else:
        described = f"window ({window[0]:g}, {window[1]:g})"
    per_size, reasons = _reweighted_parts(parts, window, n_blocks, grid_spacing, part, described)
    curves = [_curve_frame(labels, L, per_size[L]) for L in sizes if L in per_size]
    peak_rows = _peak_rows(labels, sizes, per_size, reasons, described, label)
    rows = (
        peak_rows
        + _crossing_rows(labels, per_size, sizes, grid_spacing, described, label)
        + extrapolation_rows(labels, peak_rows, label)
    )
    estimates = estimate_frame(rows, LATENT_ESTIMATE_COLUMNS)
    curves = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=LATENT_CURVE_COLUMNS)
    return estimates, curves[LATENT_CURVE_COLUMNS]


def estimate_frame(rows: list, columns: list) -> pd.DataFrame:
    """``rows`` as a frame of ``columns`` with nullable integer sizes ``L``, ``L2``."""
    frame = pd.DataFrame(rows, columns=columns)
    frame["L"] = frame["L"].astype("Int64")
    frame["L2"] = frame["L2"].astype("Int64")
    return frame
