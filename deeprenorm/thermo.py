"""Thermodynamics of the sampled datasets: observables per (L, T) and T_c estimates.

Pure functions of what is passed in (``xarray.Dataset`` objects following :mod:`deeprenorm.data`,
or the tables built here); no file I/O.

* :func:`thermodynamic_table` -- one row per temperature of one L: the jackknife estimates of
  :func:`deeprenorm.stats.thermodynamic_summary` beside the exact finite-L (Kaufman) energy and
  specific heat.  Concatenating the tables of several L gives the study table
  ``results/tables/thermodynamics.csv``.
* :func:`critical_temperature_estimates` -- T_c from the connected-susceptibility peaks
  (extrapolated in 1/L with nu = 1) and from Binder-cumulant crossings of multi-histogram
  reweighted curves (:mod:`deeprenorm.reweighting`), with blocked-jackknife errors; peaks and
  crossings are located by :func:`deeprenorm.stats.locate_peak`, ``locate_crossing`` and
  ``find_crossings``, in a temperature window derived from the data unless one is given; the
  reweighting, jackknife and location are :mod:`deeprenorm.ensemble`'s, shared with the latent
  analysis and the RG flow.

Conventions as in :mod:`deeprenorm.stats`: J = k_B = 1, per-spin energy ``e`` and
magnetisation ``m``, Sokal's ``tau_int`` (1/2 for independent samples) in sweeps.
"""

from __future__ import annotations

import math
import warnings
from functools import partial

import numpy as np
import pandas as pd

from .arguments import check_integer, check_real, check_window
from .ensemble import (
    Ensemble,
    JackknifedCurves,
    Located,
    derived_window,
    jackknifed_crossing,
    jackknifed_peak,
    reweighted_curves,
    temperature_grid_between,
)
from .exact import T_C, finite_energy, finite_specific_heat
from .reweighting import thermal_columns, thermal_curves
from .stats import (
    FiniteSizeExtrapolation,
    FiniteSizeFit,
    choose_block_size,
    extrapolate_with_systematics,
    integrated_autocorrelation_time,
    jackknife_error,
    thermodynamic_summary,
)

__all__ = [
    "THERMODYNAMIC_COLUMNS",
    "ESTIMATE_COLUMNS",
    "CURVE_COLUMNS",
    "thermodynamic_table",
    "critical_temperature_estimates",
    "estimate_row",
    "not_located",
    "extrapolation_estimates",
    "fit_fields",
]

#: Columns of :func:`thermodynamic_table`, in order.
THERMODYNAMIC_COLUMNS = [
    "L",
    "temperature",
    "n_samples",
    "algorithm",
    "e",
    "e_err",
    "abs_m",
    "abs_m_err",
    "m2",
    "m2_err",
    "specific_heat",
    "specific_heat_err",
    "susceptibility",
    "susceptibility_err",
    "chi_prime",
    "chi_prime_err",
    "binder",
    "binder_err",
    "tau_int_abs_m",
    "tau_int_energy",
    "sweeps_between_samples",
    "e_exact",
    "specific_heat_exact",
]

#: Columns of :func:`critical_temperature_estimates`, in order.
ESTIMATE_COLUMNS = [
    "method",
    "L",
    "L2",
    "T_c",
    "T_c_err",
    "T_c_err_sys",
    "deviation_from_onsager",
    "deviation_sigma",
    "peak_height",
    "peak_height_err",
    "slope",
    "slope_err",
    "chi2_dof",
    "dof",
    "n_bootstrap",
    "n_bootstrap_failed",
    "note",
]

#: Columns of the reweighted curves returned by :func:`critical_temperature_estimates`.
CURVE_COLUMNS = [
    "L",
    "temperature",
    "chi_prime",
    "chi_prime_err",
    "binder",
    "binder_err",
    "specific_heat",
    "specific_heat_err",
]

# summary key of deeprenorm.stats.thermodynamic_summary -> column stem of the table
_SUMMARY_COLUMNS = {
    "e_mean": "e",
    "abs_m_mean": "abs_m",
    "m2_mean": "m2",
    "specific_heat": "specific_heat",
    "susceptibility": "susceptibility",
    "connected_susceptibility": "chi_prime",
    "binder_cumulant": "binder",
}


# --------------------------------------------------------------------------
# per-temperature observables


def _block_size(series, L: float, T: float) -> int:
    """Jackknife block length from the largest tau_int of ``series`` (as thermodynamic_summary).

    Unlike :func:`thermodynamic_summary`'s own choice this does not raise on a series too short
    for a trusted tau_int (a coarse test run); it warns once and uses the untrusted estimate.
    """
    n = series[0].size
    problems = []
    taus = []
    for s in series:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            taus.append(integrated_autocorrelation_time(s, quiet=True).tau)
        problems += [str(w.message) for w in caught]
    if problems:
        warnings.warn(
            f"L={L:g} T={T:.6g}: {problems[0]}; jackknife blocks chosen from the untrusted estimate",
            RuntimeWarning,
            stacklevel=3,
        )
    # tau <= 0 (anticorrelated noise) means no correlation to block against
    return choose_block_size(n, max(max(taus), 0.5))


def _naive_summary(energy, magnetization, L, T) -> dict:
    """Plain estimators without errors (fewer than 4 samples: no jackknife possible)."""
    N = L * L
    e, m = energy, magnetization
    m2 = np.mean(m * m)
    with np.errstate(divide="ignore", invalid="ignore"):
        binder = 1.0 - np.mean(m**4) / (3.0 * m2 * m2)
    values = {
        "e_mean": e.mean(),
        "abs_m_mean": np.abs(m).mean(),
        "m2_mean": m2,
        "specific_heat": N * e.var() / T**2,
        "susceptibility": N * m2 / T,
        "connected_susceptibility": N * (m2 - np.abs(m).mean() ** 2) / T,
        "binder_cumulant": binder,
    }
    return {key: (float(value), math.nan) for key, value in values.items()}


def _scalar(value):
    value = np.asarray(value)
    return value.item() if value.ndim == 0 else value.ravel()[0].item()


def thermodynamic_table(dataset, *, block_size: int | None = None) -> pd.DataFrame:
    """Observables of one lattice size, one row per temperature.

    ``dataset`` is a per-L dataset of :mod:`deeprenorm.data` (``energy`` and ``magnetization``
    per spin over ``(temperature, sample)``, per-temperature ``tau_int_abs_m``,
    ``tau_int_energy``, ``sweeps_between_samples``, ``algorithm``; attribute ``L``), or a single
    simulation without the ``temperature`` dimension.  Spins are not read.

    Columns (:data:`THERMODYNAMIC_COLUMNS`), each ``*_err`` a one-sigma blocked-jackknife error
    from :func:`deeprenorm.stats.thermodynamic_summary` (bias-corrected values):

    ==========================  ======================================================
    ``L``, ``temperature``      lattice size, T [J/k_B]
    ``n_samples``               stored configurations at this T
    ``algorithm``               the Monte Carlo algorithm of this T
    ``e``                       <e>, energy per spin [J]
    ``abs_m``, ``m2``           <|m|>, <m^2>
    ``specific_heat``           c = N (<e^2> - <e>^2) / T^2 per spin [k_B]
    ``susceptibility``          chi = N <m^2> / T [1/J]
    ``chi_prime``               chi' = N (<m^2> - <|m|>^2) / T [1/J]
    ``binder``                  U4 = 1 - <m^4> / (3 <m^2>^2)
    ``tau_int_abs_m``,          tau_int of |m| and e in sweeps (pilot run)
    ``tau_int_energy``
    ``sweeps_between_samples``  spacing of the stored samples
    ``e_exact``,                Kaufman's exact finite-L e and c
    ``specific_heat_exact``     (:func:`deeprenorm.exact.finite_energy`, ``finite_specific_heat``)
    ==========================  ======================================================

    The jackknife block length is chosen per temperature from the largest ``tau_int`` (in
    stored samples) of ``e, e^2, |m|, m^2, m^4``, as ``thermodynamic_summary`` does, unless
    ``block_size`` is given; if the stored series is too short to trust that ``tau_int`` a
    ``RuntimeWarning`` is issued instead of an error.  With fewer than 4 samples the plain
    estimators are returned with NaN errors.  ``binder`` is NaN where every ``m`` is 0.
    """
    if "temperature" not in dataset.dims:
        dataset = dataset.expand_dims("temperature")
    L = int(dataset.attrs["L"])
    temperatures = np.asarray(dataset["temperature"].values, dtype=float)
    energy = np.asarray(dataset["energy"].values, dtype=float)
    magnetization = np.asarray(dataset["magnetization"].values, dtype=float)
    per_temperature = {
        name: np.broadcast_to(np.asarray(dataset[name].values), temperatures.shape)
        for name in ("algorithm", "tau_int_abs_m", "tau_int_energy", "sweeps_between_samples")
    }

    rows = []
    for i, T in enumerate(temperatures):
        e, m = energy[i], magnetization[i]
        if e.size < 4:
            summary = _naive_summary(e, m, L, T)
        else:
            block = block_size
            if block is None:
                abs_m, m2 = np.abs(m), m * m
                block = _block_size([e, e * e, abs_m, m2, m2 * m2], L, T)
            summary = thermodynamic_summary(e, m, L, T, block_size=block)
        row = {
            "L": L,
            "temperature": float(T),
            "n_samples": int(e.size),
            "algorithm": str(_scalar(per_temperature["algorithm"][i])),
        }
        for key, stem in _SUMMARY_COLUMNS.items():
            value, error = summary[key]
            row[stem] = float(value)
            row[f"{stem}_err"] = float(error)
        row["tau_int_abs_m"] = float(per_temperature["tau_int_abs_m"][i])
        row["tau_int_energy"] = float(per_temperature["tau_int_energy"][i])
        row["sweeps_between_samples"] = int(per_temperature["sweeps_between_samples"][i])
        rows.append(row)

    table = pd.DataFrame(rows, columns=THERMODYNAMIC_COLUMNS[:-2])
    table["e_exact"] = np.asarray(finite_energy(L, temperatures), dtype=float)
    table["specific_heat_exact"] = np.asarray(finite_specific_heat(L, temperatures), dtype=float)
    return table.sort_values("temperature", ignore_index=True)[THERMODYNAMIC_COLUMNS]


# --------------------------------------------------------------------------
# critical temperature (multi-histogram reweighting)


def estimate_row(method: str, located: Located | None = None, *, note: str = "", **fields) -> dict:
    """One row of :data:`ESTIMATE_COLUMNS` (the thermodynamic and the latent tables share it).

    With ``located`` (:class:`deeprenorm.ensemble.Located`) the value, error, peak height and
    replica count come from it, or, where it was not located, stay NaN with ``note`` followed by
    the reason; other columns (``L``, ``L2``, ``slope``, ...) from ``fields``. The deviation
    from Onsager's T_c is added, in units of the error where that is positive.
    """
    if located is not None and located.located:
        fields = {
            "T_c": located.value,
            "T_c_err": located.error,
            "peak_height": located.height,
            "peak_height_err": located.height_err,
            "n_bootstrap": located.n_replicas,
            **fields,
        }
    elif located is not None:
        note = f"{note}{located.reason}"
    row = {column: math.nan for column in ESTIMATE_COLUMNS}
    row.update(method=method, L=None, L2=None, note=note)
    row.update(fields)
    deviation = row["T_c"] - T_C
    row.update(
        deviation_from_onsager=deviation, deviation_sigma=deviation / row["T_c_err"] if row["T_c_err"] > 0 else math.nan
    )
    return row


def not_located(row: dict, what: str, stacklevel: int = 3) -> dict:
    """Warn that ``row`` holds no estimate, naming ``what`` (the L or the pair) and the row's
    note; returns the row. ``stacklevel`` points the warning at the caller of the public function."""
    warnings.warn(f"{what}: {row['note']}; T_c estimate is NaN", RuntimeWarning, stacklevel=stacklevel)
    return row


def fit_fields(fit: FiniteSizeFit) -> dict:
    """The estimate columns of a finite-size fit: T_c(inf), the slope a, chi2/dof and dof."""
    return {
        "T_c": fit.T_c_inf,
        "T_c_err": fit.T_c_inf_err,
        "slope": fit.a,
        "slope_err": fit.a_err,
        "chi2_dof": fit.chi2_dof,
        "dof": fit.dof,
    }


def extrapolation_estimates(method: str, extrapolation: FiniteSizeExtrapolation, make_row) -> list[dict]:
    """The rows of one :func:`deeprenorm.stats.extrapolate_with_systematics`: ``method`` for the
    headline fit, with ``T_c_err_sys``, then ``method + "_drop_smallest"`` and ``method +
    "_correction"`` for each variant that could be fitted (one that cannot, for too few sizes,
    is said in the headline's note, not shown as an empty row). ``make_row(method, note=...,
    **fields)`` builds a row of the caller's table."""
    fit = extrapolation.fit
    note = fit.note
    if extrapolation.shifts:
        note += (
            f"; T_c_err_sys = the largest shift of T_c beyond its own noise, sqrt(max(0, shift^2 - noise^2)),"
            f" among the fits {', '.join(sorted(extrapolation.shifts))} (without the smallest L; with a"
            " c L^(-2/nu) term)"
        )
    else:
        note += "; no systematic: neither variant fit (too few sizes)"
    rows = [make_row(method, note=note, T_c_err_sys=extrapolation.systematic, **fit_fields(fit))]
    for name, shift in extrapolation.shifts.items():
        variant = extrapolation.variants[name]
        variant_note = (
            f"{variant.note}; shift from the headline fit {shift.shift:+.4f}, its own noise {shift.noise:.4f},"
            f" systematic part {shift.systematic:.4f}"
        )
        rows.append(make_row(f"{method}_{name}", note=variant_note, **fit_fields(variant)))
    return rows


def _extrapolation_rows(peak_rows) -> list[dict]:
    """Weighted fit ``T*(L) = T_c + a / L`` (nu = 1) to the located chi' peaks, and its variants."""
    method = "chi_prime_peak_extrapolation"
    usable = [r for r in peak_rows if math.isfinite(r["T_c"]) and r["T_c_err"] > 0]
    sizes = [int(r["L"]) for r in usable]
    if len(sizes) < 2:
        return [estimate_row(method, note=f"needs >= 2 sizes with a located chi' peak and error, have {len(sizes)}")]
    extrapolation = extrapolate_with_systematics(
        sizes, [r["T_c"] for r in usable], [r["T_c_err"] for r in usable], nu=1.0
    )
    return extrapolation_estimates(method, extrapolation, estimate_row)


def _reweighted_sizes(datasets, window, n_blocks, grid_spacing) -> dict:
    """L -> the jackknifed reweighted c, chi' and U4 of that size's samples inside ``window``, or
    None where fewer than two simulated temperatures lie inside."""
    per_size = {}
    for dataset in datasets:
        L = int(dataset.attrs["L"])
        ensemble = Ensemble(
            L, dataset["temperature"].values, dataset["energy"].values, dataset["magnetization"].values
        ).within(window)
        if ensemble.temperatures.size < 2:
            per_size[L] = None
            continue
        grid = temperature_grid_between(ensemble.temperatures.min(), ensemble.temperatures.max(), grid_spacing)
        columns = thermal_columns(ensemble.energy, ensemble.magnetization)
        per_size[L] = reweighted_curves(ensemble, columns, partial(thermal_curves, L=L), grid, n_blocks)
    return per_size


def _curve_frame(L: int, curves: JackknifedCurves) -> pd.DataFrame:
    frame = {"L": L, "temperature": curves.grid}
    for name in ("chi_prime", "binder", "specific_heat"):
        frame[name] = curves.full[name]
        frame[f"{name}_err"] = curves.error(name)
    return pd.DataFrame(frame)


def _peak_rows(per_size: dict, described: str) -> list[dict]:
    rows = []
    for L, curves in per_size.items():
        if curves is None:
            note = f"chi' peak not located: fewer than 2 simulated temperatures in the {described}"
            rows.append(not_located(estimate_row("chi_prime_peak", L=L, note=note), f"L={L}", stacklevel=4))
            continue
        peak = jackknifed_peak(curves, "chi_prime", where=described)
        note = "pseudo-critical T*(L) of reweighted chi', above T_c by ~2.0/L; jackknife error"
        row = estimate_row("chi_prime_peak", peak, note=note if peak.located else "chi' peak not located", L=L)
        rows.append(row if peak.located else not_located(row, f"L={L}", stacklevel=4))
    return rows


def _crossing_rows(per_size: dict, grid_spacing: float, described: str) -> tuple[list[dict], list[np.ndarray]]:
    """The U4 crossing of each successive pair of sizes, and the replica roots of those located."""
    rows, replica_roots = [], []
    located = [L for L, curves in per_size.items() if curves is not None]
    for small, large in zip(located, located[1:]):
        crossing, roots = jackknifed_crossing(
            per_size[small], per_size[large], "binder", grid_spacing=grid_spacing, where=described
        )
        if not crossing.located:
            row = estimate_row("binder_crossing", crossing, note="U4 crossing not located", L=small, L2=large)
            rows.append(not_located(row, f"L={small}, L2={large}", stacklevel=4))
            continue
        replica_roots.append(roots)
        note = "zero of reweighted U4(L) - U4(L2); jackknife error"
        if crossing.n_roots > 1:
            note += f"; {crossing.n_roots} zeros, the steepest taken"
        rows.append(estimate_row("binder_crossing", crossing, note=note, L=small, L2=large))
    return rows, replica_roots


def critical_temperature_estimates(
    datasets,
    *,
    window: tuple[float, float] | None = None,
    n_blocks: int = 20,
    grid_spacing: float = 1 / 300,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """T_c from the chi' peaks and the U4 crossings of multi-histogram reweighted curves.

    ``datasets``: per-L datasets (:mod:`deeprenorm.data` schema); only ``energy``,
    ``magnetization``, ``temperature`` and the attribute ``L`` are read. For each L the samples of
    the simulated temperatures inside ``window`` are combined by multi-histogram reweighting
    (:func:`deeprenorm.ensemble.reweighted_curves`) and chi'(T), U4(T) and c(T) are evaluated on
    an even grid spanning the simulated range inside ``window`` (never extrapolated), at most
    ``grid_spacing`` J/k_B apart: a wide window gets more points, not a coarser grid. Errors:
    blocked jackknife over ``n_blocks`` blocks of samples, the same block left out at every
    temperature, with the whole analysis (reweighting, peak, crossing) repeated per block
    (:mod:`deeprenorm.ensemble`, whose not-located policy applies: an estimate that some replica
    cannot locate is reported as not located, with the count).

    ``window``: ``(low, high)`` in J/k_B, or None (default) to derive it from the data
    (:func:`deeprenorm.ensemble.derived_window`: where, for some L, the plain chi' of a
    temperature's samples is at least 1/4 of that L's largest). That covers every chi' peak and
    U4 crossing (at T_c chi' is still ~2/3 of its maximum) and leaves out the ordered phase and
    the far tail above T_c, which add cost but ~no information there. Every simulated temperature
    in the window enters the reweighting.

    Returns ``(estimates, curves)``.

    ``estimates`` has :data:`ESTIMATE_COLUMNS`; ``n_bootstrap`` holds the number of jackknife
    blocks. Rows (``method``):

    ``chi_prime_peak`` (one per L)
        position T*(L) and height of the chi' maximum (:func:`deeprenorm.stats.locate_peak`,
        three-point parabola): pseudo-critical, above T_c by ~2.0/L.
    ``binder_crossing`` (one per successive pair L < L2)
        the zero of U4(L) - U4(L2) where the curves separate fastest
        (:func:`deeprenorm.stats.locate_crossing` with ``select="steepest"``); each jackknife
        replica takes its zero (:func:`deeprenorm.stats.find_crossings`) nearest to it.
    ``chi_prime_peak_extrapolation``
        weighted fit T*(L) = T_c + a/L (nu = 1) over the located peaks, ``slope`` = a, with
        ``chi2_dof`` and ``dof``, and ``T_c_err_sys``, the systematic error of the fit's form
        (:func:`deeprenorm.stats.extrapolate_with_systematics`).
    ``chi_prime_peak_extrapolation_drop_smallest``, ``chi_prime_peak_extrapolation_correction``
        the two variants behind ``T_c_err_sys`` (without the smallest L; with a c/L^2 term), each
        where it can be fitted.
    ``binder_crossing_mean``
        mean of the located crossings with its jackknife error (the blocks are shared, so
        correlations between crossings that share a size are included).

    ``curves`` (:data:`CURVE_COLUMNS`): the reweighted curves with jackknife errors, for plots.

    Degenerate input never raises: fewer than two simulated temperatures in the window, a chi'
    maximum on the edge of the grid (the peak lies outside the simulated range), U4 curves that
    never cross give a NaN row whose ``note`` says why, and a ``RuntimeWarning`` naming the L (or
    the pair L, L2), the window and the reason.
    """
    window = check_window(window)
    check_integer("n_blocks", n_blocks, 2)
    check_real("grid_spacing", grid_spacing, positive=True)
    datasets = sorted(datasets, key=lambda d: int(d.attrs["L"]))
    if window is None:
        window = derived_window((d["temperature"].values, d["magnetization"].values) for d in datasets)
        described = f"window ({window[0]:g}, {window[1]:g}), derived from the data"
    else:
        described = f"window ({window[0]:g}, {window[1]:g})"
    per_size = _reweighted_sizes(datasets, window, n_blocks, grid_spacing)
    curves = [_curve_frame(L, curve) for L, curve in per_size.items() if curve is not None]
    peak_rows = _peak_rows(per_size, described)
    crossing_rows, crossing_replicas = _crossing_rows(per_size, grid_spacing, described)
    rows = peak_rows + crossing_rows + _extrapolation_rows(peak_rows)
    located_crossings = [r["T_c"] for r in crossing_rows if math.isfinite(r["T_c"])]
    if located_crossings:
        note = f"mean of {len(located_crossings)} crossing(s)"
        if len(located_crossings) < len(crossing_rows):
            note += f" of the {len(crossing_rows)} pairs; the others not located"
        error = jackknife_error(np.mean(np.array(crossing_replicas), axis=0))
        rows.append(
            estimate_row(
                "binder_crossing_mean",
                T_c=float(np.mean(located_crossings)),
                T_c_err=error,
                n_bootstrap=n_blocks,
                note=note,
            )
        )
    else:
        rows.append(estimate_row("binder_crossing_mean", note="no U4 crossing located"))
    estimates = pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)
    estimates["L"] = estimates["L"].astype("Int64")
    estimates["L2"] = estimates["L2"].astype("Int64")
    curves = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=CURVE_COLUMNS)
    return estimates, curves[CURVE_COLUMNS]
