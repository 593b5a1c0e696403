"""Thermodynamics of the sampled datasets: observables per (L, T), T_c estimates, z fits.

Pure functions of what is passed in (an ``xarray.Dataset`` following :mod:`deeprenorm.data`,
or the tables built here); no file I/O.

* :func:`thermodynamic_table` -- one row per temperature of one L: the jackknife estimates of
  :func:`deeprenorm.stats.thermodynamic_summary` beside the exact finite-L (Kaufman) energy and
  specific heat.  Concatenating the tables of several L gives the study table
  ``results/tables/thermodynamics.csv``.
* :func:`critical_temperature_estimates` -- T_c from the connected-susceptibility peaks
  (extrapolated in 1/L with nu = 1) and from Binder-cumulant crossings, with parametric-bootstrap
  errors.
* :func:`fit_dynamic_exponent` -- z from tau_int(T_c) ~ L^z.
* :func:`autocorrelation_table` -- tau_int per (algorithm, L, T) from sampler metadata.

Conventions as in :mod:`deeprenorm.stats`: J = k_B = 1, per-spin energy ``e`` and
magnetisation ``m``, Sokal's ``tau_int`` (1/2 for independent samples) in sweeps.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_distribution

from .exact import T_C, finite_energy, finite_specific_heat
from .stats import (
    choose_block_size,
    integrated_autocorrelation_time,
    locate_peak,
    thermodynamic_summary,
)

__all__ = [
    "THERMODYNAMIC_COLUMNS",
    "ESTIMATE_COLUMNS",
    "AUTOCORRELATION_COLUMNS",
    "thermodynamic_table",
    "critical_temperature_estimates",
    "fit_dynamic_exponent",
    "autocorrelation_table",
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
    "deviation_from_onsager",
    "deviation_sigma",
    "peak_height",
    "peak_height_err",
    "slope",
    "slope_err",
    "chi2_dof",
    "n_bootstrap",
    "n_bootstrap_failed",
    "note",
]

#: Columns of :func:`autocorrelation_table`, in order.
AUTOCORRELATION_COLUMNS = [
    "algorithm",
    "L",
    "temperature",
    "tau_int_abs_m",
    "tau_int_abs_m_error",
    "tau_int_energy",
    "tau_int_energy_error",
    "seconds_per_sweep",
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

# A bootstrap error needs most replicates to succeed; below this fraction the error is NaN.
_MIN_BOOTSTRAP_SUCCESS = 0.5
# lower end of the central one-sigma interval, Phi(-1)
_ONE_SIGMA_LOW = 0.15865525393145707


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
# weighted straight lines


def _weighted_line(x, y, sigma=None):
    """Least-squares line ``y = c0 + c1 x``.

    With ``sigma`` the fit is weighted by ``1/sigma^2`` and the covariance is
    ``(A^T W A)^-1`` (errors taken as known); without, it is unweighted and the covariance is
    scaled by the residual variance (NaN for two points).  Returns
    ``(coefficients, covariance, chi2, dof)``.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w = np.ones_like(x) if sigma is None else 1.0 / np.asarray(sigma, dtype=float) ** 2
    design = np.column_stack([np.ones_like(x), x])
    fisher = design.T @ (w[:, None] * design)
    covariance = np.linalg.inv(fisher)
    coefficients = covariance @ (design.T @ (w * y))
    residual = y - design @ coefficients
    chi2 = float(np.sum(w * residual**2))
    dof = x.size - 2
    if sigma is None:
        covariance = covariance * (chi2 / dof if dof > 0 else math.nan)
    return coefficients, covariance, chi2, dof


def _pdg_scale(chi2: float, dof: int) -> float:
    """Error scale factor ``max(1, sqrt(chi2/dof))`` (Particle Data Group convention)."""
    if dof <= 0:
        return 1.0
    return max(1.0, math.sqrt(chi2 / dof))


def fit_dynamic_exponent(L, tau, tau_err=None) -> tuple[float, float]:
    """Dynamic exponent ``z`` from ``tau = a L^z`` by weighted least squares in log-log.

    Fits ``ln tau = z ln L + c`` with ``sigma(ln tau) = tau_err / tau`` (first-order
    propagation).  The error is ``sqrt((A^T W A)^-1)`` of the slope, multiplied by the PDG scale
    factor ``sqrt(chi2/dof)`` when that exceeds 1 (effective exponents from small L carry
    corrections to scaling that the statistical errors do not cover).  Two sizes give the
    exact line through both points with the propagated error
    ``sqrt(s1^2 + s2^2) / |ln L2 - ln L1|``.

    Points with a non-finite or non-positive ``tau`` are dropped; so are points whose error is
    not finite and positive (an infinite error carries no weight, a NaN error an unknown one).
    If fewer than two distinct sizes with usable errors remain but at least two with usable
    ``tau`` do (or ``tau_err`` is None), the fit is unweighted and ``z_err`` comes from the
    scatter of the residuals (NaN for two points).  Fewer than two distinct sizes:
    ``(nan, nan)``.  Returns ``(z, z_err)`` as floats.
    """
    L = np.asarray(L, dtype=float).ravel()
    tau = np.asarray(tau, dtype=float).ravel()
    if L.shape != tau.shape:
        raise ValueError(f"L and tau differ in length ({L.size} vs {tau.size})")
    usable = np.isfinite(L) & (L > 0) & np.isfinite(tau) & (tau > 0)
    if tau_err is not None:
        tau_err = np.broadcast_to(np.asarray(tau_err, dtype=float).ravel(), tau.shape)
        weighted = usable & np.isfinite(tau_err) & (tau_err > 0)
        if np.unique(L[weighted]).size >= 2:
            x, y = np.log(L[weighted]), np.log(tau[weighted])
            coefficients, covariance, chi2, dof = _weighted_line(x, y, tau_err[weighted] / tau[weighted])
            return float(coefficients[1]), float(math.sqrt(covariance[1, 1]) * _pdg_scale(chi2, dof))
    if np.unique(L[usable]).size < 2:
        return math.nan, math.nan
    coefficients, covariance, _, _ = _weighted_line(np.log(L[usable]), np.log(tau[usable]))
    return float(coefficients[1]), float(math.sqrt(covariance[1, 1]))


# --------------------------------------------------------------------------
# critical temperature


def _all_crossings(x, d) -> np.ndarray:
    """Every zero of the piecewise-linear ``d(x)`` (the rule of stats.locate_crossing)."""
    s = np.sign(d)
    roots = list(x[s == 0])
    for j in np.flatnonzero(s[:-1] * s[1:] < 0):
        roots.append(x[j] - d[j] * (x[j + 1] - x[j]) / (d[j + 1] - d[j]))
    return np.sort(np.asarray(roots, dtype=float))


def _curve(table: pd.DataFrame, column: str):
    """``(T, value, error)`` of one L sorted by T, keeping points with a finite positive error."""
    part = table.sort_values("temperature")
    T = part["temperature"].to_numpy(dtype=float)
    y = part[column].to_numpy(dtype=float)
    s = part[f"{column}_err"].to_numpy(dtype=float)
    keep = np.isfinite(T) & np.isfinite(y) & np.isfinite(s) & (s > 0)
    return T[keep], y[keep], s[keep]


def _row(method, L=None, L2=None, T_c=math.nan, T_c_err=math.nan, note="", **extra) -> dict:
    row = {column: math.nan for column in ESTIMATE_COLUMNS}
    deviation = T_c - T_C
    row.update(
        method=method,
        L=L,
        L2=L2,
        T_c=T_c,
        T_c_err=T_c_err,
        deviation_from_onsager=deviation,
        deviation_sigma=deviation / T_c_err if T_c_err > 0 else math.nan,
        note=note,
    )
    row.update(extra)
    return row


def _bootstrap_spread(values: np.ndarray, n_bootstrap: int):
    """``(error, n_failed, note)`` of bootstrap replicates, NaN marking failed ones.

    The error is half the central 68.3 % interval of the replicates, which equals the standard
    deviation for a normal distribution but is not dominated by the few wild replicates of a
    ratio estimator (a vertex ``-b/2a`` or a zero ``-c0/c1`` with a nearly vanishing
    denominator).
    """
    ok = np.isfinite(values)
    n_failed = int(n_bootstrap - ok.sum())
    if ok.sum() < max(2, _MIN_BOOTSTRAP_SUCCESS * n_bootstrap):
        return math.nan, n_failed, f"error undetermined: {n_failed} of {n_bootstrap} bootstrap refits failed"
    note = f"{n_failed} of {n_bootstrap} bootstrap refits failed (excluded)" if n_failed else ""
    low, high = np.percentile(values[ok], [100 * _ONE_SIGMA_LOW, 100 * (1 - _ONE_SIGMA_LOW)])
    return float(0.5 * (high - low)), n_failed, note


def _join(*notes) -> str:
    return "; ".join(n for n in notes if n)


# Defaults of the peak and crossing fits (see critical_temperature_estimates).
_PEAK_FRACTION = 0.7
_FIT_P_VALUE = 0.001


def _peak_half_width(T, y, s, max_half_width: int, fraction: float):
    """Widest fit window for the chi' maximum that stays on the top of the peak.

    Windows of :func:`locate_peak` (``2h + 1`` points around the grid maximum) are tried from
    ``h = max_half_width`` down.  A window is used when every point in it is at least
    ``fraction`` of the grid maximum and the weighted parabola through it passes a chi2 test
    (p >= 0.001).  Both guard against model error: the chi' peak is asymmetric (steeper below
    T*), so a parabola reaching far down its flanks drifts to the flatter side, by more than
    the statistical error on a coarse grid.  If no window with h >= 2 qualifies, ``h = 1``
    (three points, an exact parabola).  Returns ``(h, note)``.
    """
    i = int(np.argmax(y))
    rejected = []
    for h in range(int(max_half_width), 1, -1):
        n_fit = 2 * h + 1
        if T.size < n_fit:
            continue
        window = _peak_window(T.size, i, h)
        if np.any(y[window] < fraction * y[i]):
            continue
        u = T[window] - T[i]
        coefficients = np.polyfit(u, y[window], 2, w=1.0 / s[window])
        chi2 = float(np.sum(((y[window] - np.polyval(coefficients, u)) / s[window]) ** 2))
        dof = n_fit - 3
        if chi2_distribution.sf(chi2, dof) >= _FIT_P_VALUE:
            return h, "; ".join(rejected)
        rejected.append(f"{n_fit}-point parabola rejected (chi2/dof = {chi2 / dof:.1f})")
    return 1, "; ".join(rejected)


def _peak_window(n: int, i: int, half_width: int) -> slice:
    """The ``2 half_width + 1`` points around index ``i`` that :func:`locate_peak` fits."""
    n_fit = 2 * half_width + 1
    lo = min(max(i - half_width, 0), n - n_fit)
    return slice(lo, lo + n_fit)


def _parabola_vertices(x, ys, sigma, limits):
    """Vertex ``(positions, heights)`` of the weighted parabola through each row of ``ys``.

    The fit of :func:`locate_peak` on a fixed window, vectorised over replicates.  NaN where
    the parabola is not concave or its vertex lies outside ``limits`` (the sampled range).  A
    vertex outside the window itself is kept: discarding those replicates would truncate the
    distribution to the window and understate the error of a poorly resolved peak.
    """
    x0, scale = x[0], x[-1] - x[0]
    u = (x - x0) / scale
    a, b, c = np.polyfit(u, ys.T, 2, w=1.0 / sigma)  # each of shape (n_replicates,)
    with np.errstate(divide="ignore", invalid="ignore"):
        position = x0 + scale * (-b / (2.0 * a))
        height = c - b * b / (4.0 * a)
    bad = ~(a < 0) | ~(position >= limits[0]) | ~(position <= limits[1])
    return np.where(bad, math.nan, position), np.where(bad, math.nan, height)


def _peak_rows(curves, noise, n_bootstrap, max_half_width, fraction):
    """chi' peak per L: position and height with bootstrap errors."""
    rows = []
    shift = "pseudo-critical T*(L), expected above T_c by ~2.0/L"
    for L, (T, y, s) in curves.items():
        try:
            half_width, window_note = _peak_half_width(T, y, s, max_half_width, fraction)
            central = locate_peak(T, y, s, half_width=half_width)
        except ValueError as err:
            rows.append(_row("chi_prime_peak", L, note=f"peak not located: {err}"))
            continue
        # The replicates refit the central window: re-centring it on each replicate's grid
        # maximum adds the jitter of the argmax of doubly-noisy data (measured on synthetic
        # flat, finely sampled peaks: errors 15-60 % too large).
        window = _peak_window(T.size, int(np.argmax(y)), half_width)
        positions, heights = _parabola_vertices(
            T[window], y[window] + s[window] * noise[L][:, window], s[window], (T[0], T[-1])
        )
        error, n_failed, note = _bootstrap_spread(positions, n_bootstrap)
        height_error = _bootstrap_spread(heights, n_bootstrap)[0]
        rows.append(
            _row(
                "chi_prime_peak",
                L,
                T_c=central.position,
                T_c_err=error,
                peak_height=central.height,
                peak_height_err=height_error,
                n_bootstrap=n_bootstrap,
                n_bootstrap_failed=n_failed,
                note=_join(shift, f"{2 * half_width + 1}-point parabola", window_note, note),
            )
        )
    return rows


def _extrapolation_row(peak_rows) -> dict:
    """Weighted fit ``T*(L) = T_c + a / L`` (nu = 1) to the located chi' peaks."""
    method = "chi_prime_peak_extrapolation"
    usable = [r for r in peak_rows if math.isfinite(r["T_c"]) and r["T_c_err"] > 0]
    sizes = sorted(int(r["L"]) for r in usable)
    if len(sizes) < 2:
        return _row(method, note=f"needs >= 2 sizes with a located chi' peak and error, have {len(sizes)}")
    x = np.array([1.0 / r["L"] for r in usable])
    y = np.array([r["T_c"] for r in usable])
    s = np.array([r["T_c_err"] for r in usable])
    coefficients, covariance, chi2, dof = _weighted_line(x, y, s)
    scale = _pdg_scale(chi2, dof)
    chi2_dof = chi2 / dof if dof > 0 else math.nan
    note = f"weighted fit T*(L) = T_c + a/L over L = {', '.join(map(str, sizes))}"
    if scale > 1.0:
        note += f"; errors scaled by sqrt(chi2/dof) = {scale:.2f}"
    return _row(
        method,
        T_c=float(coefficients[0]),
        T_c_err=float(math.sqrt(covariance[0, 0]) * scale),
        slope=float(coefficients[1]),
        slope_err=float(math.sqrt(covariance[1, 1]) * scale),
        chi2_dof=chi2_dof,
        note=note,
    )


def _crossing_window(T, d, sd, max_extra: int):
    """Points for the straight-line fit of ``d = U4(L) - U4(L2)`` around its zero(s).

    The core is the grid interval(s) where ``d`` changes sign, from the point before the first
    sign change to the point after the last (noise near the crossing can make several).  It is
    widened by up to ``max_extra`` points on each side while a weighted line through the window
    passes a chi2 test (p >= 0.001), because more points average the noise as long as ``d``
    stays linear.  Returns ``(slice, roots, note)``; raises ValueError when ``d`` has no zero.
    """
    s = np.sign(d)
    changes = np.flatnonzero((s[:-1] * s[1:] < 0) | (s[:-1] == 0) | (s[1:] == 0))
    roots = _all_crossings(T, d)
    if roots.size == 0:
        raise ValueError("the curves do not cross on the grid")
    first, last = int(changes[0]), int(changes[-1]) + 1
    rejected = []
    for extra in range(int(max_extra), -1, -1):
        window = slice(max(first - extra, 0), min(last + extra, T.size - 1) + 1)
        n_fit = window.stop - window.start
        if extra and n_fit == last - first + 1:
            continue  # cannot widen (grid edge)
        _, _, chi2, dof = _weighted_line(T[window], d[window], sd[window])
        if dof <= 0 or extra == 0 or chi2_distribution.sf(chi2, dof) >= _FIT_P_VALUE:
            break
        rejected.append(f"{n_fit}-point line rejected (chi2/dof = {chi2 / dof:.1f})")
    return window, roots, "; ".join(rejected)


def _line_zero(T, d, sd) -> float:
    coefficients, _, _, _ = _weighted_line(T, d, sd)
    if coefficients[1] == 0.0:
        return math.nan
    return float(-coefficients[0] / coefficients[1])


def _crossing_rows(curves, noise, n_bootstrap, bracket, max_extra):
    """Binder crossing of each pair of successive sizes; rows and bootstrap replicas per pair."""
    rows, replicas = [], {}
    sizes = sorted(curves)
    where = f"in [{bracket[0]:g}, {bracket[1]:g}]"
    for L1, L2 in zip(sizes[:-1], sizes[1:]):
        (T1, u1, s1), (T2, u2, s2) = curves[L1], curves[L2]
        # common temperatures (to 1e-9); both curves must be sampled at the same points
        common, i1, i2 = np.intersect1d(np.round(T1, 9), np.round(T2, 9), return_indices=True)
        inside = (common >= bracket[0]) & (common <= bracket[1])
        i1, i2 = i1[inside], i2[inside]
        T = T1[i1]
        if T.size < 2:
            rows.append(_row("binder_crossing", L1, L2, note=f"fewer than 2 common temperatures {where}"))
            continue
        d = u1[i1] - u2[i2]
        sd = np.hypot(s1[i1], s2[i2])
        try:
            window, roots, window_note = _crossing_window(T, d, sd, max_extra)
        except ValueError as err:
            rows.append(_row("binder_crossing", L1, L2, note=f"no crossing {where}: {err}"))
            continue
        central = _line_zero(T[window], d[window], sd[window])
        n_fit = window.stop - window.start
        how = f"zero of a weighted line through {n_fit} points of U4({L1}) - U4({L2})"
        if roots.size > 1:
            how += f" ({roots.size} sign changes, noise)"
        if not T[window][0] <= central <= T[window][-1]:
            rows.append(_row("binder_crossing", L1, L2, note=f"no crossing {where}: {how} falls outside its window"))
            continue
        replica_d = (u1[i1] + s1[i1] * noise[L1][:, i1]) - (u2[i2] + s2[i2] * noise[L2][:, i2])
        positions = np.array([_line_zero(T[window], row[window], sd[window]) for row in replica_d])
        positions[(positions < bracket[0]) | (positions > bracket[1])] = math.nan
        error, n_failed, note = _bootstrap_spread(positions, n_bootstrap)
        replicas[(L1, L2)] = positions
        rows.append(
            _row(
                "binder_crossing",
                L1,
                L2,
                T_c=central,
                T_c_err=error,
                n_bootstrap=n_bootstrap,
                n_bootstrap_failed=n_failed,
                note=_join(how, window_note, note),
            )
        )
    return rows, replicas


def _crossing_mean_row(crossing_rows, replicas, n_bootstrap) -> dict:
    """Plain mean of the located crossings; error from the joint bootstrap (pairs share data)."""
    method = "binder_crossing_mean"
    found = [r for r in crossing_rows if math.isfinite(r["T_c"]) and (r["L"], r["L2"]) in replicas]
    if not found:
        return _row(method, note="no Binder crossing located")
    value = float(np.mean([r["T_c"] for r in found]))
    replicate_means = np.mean([replicas[(r["L"], r["L2"])] for r in found], axis=0)
    error, n_failed, note = _bootstrap_spread(replicate_means, n_bootstrap)
    pairs = ", ".join(f"{r['L']}/{r['L2']}" for r in found)
    skipped = len(crossing_rows) - len(found)
    return _row(
        method,
        T_c=value,
        T_c_err=error,
        n_bootstrap=n_bootstrap,
        n_bootstrap_failed=n_failed,
        note=_join(
            f"mean of the crossings of L = {pairs}",
            f"{skipped} pair(s) without a crossing left out" if skipped else "",
            note,
        ),
    )


def critical_temperature_estimates(
    table: pd.DataFrame,
    seed,
    n_bootstrap: int = 1000,
    *,
    binder_bracket: tuple[float, float] = (2.0, 2.6),
    peak_half_width: int = 10,
    peak_fraction: float = _PEAK_FRACTION,
    crossing_extra_points: int = 4,
) -> pd.DataFrame:
    """Estimates of T_c from a thermodynamic table of one or several sizes.

    ``table`` needs the columns ``L, temperature, chi_prime, chi_prime_err, binder,
    binder_err`` (as :func:`thermodynamic_table`); points with a missing or non-positive error
    are ignored.  Errors are from a parametric bootstrap: every point is redrawn from
    ``Normal(value, err)`` (the temperatures are independent chains), ``n_bootstrap`` times,
    with ``numpy.random.default_rng(seed)`` (``seed``: an int derived from the study seed), and
    every estimate is refitted on the window chosen for the data; the error is half the central
    68 % interval of the replicates (the standard deviation for normal replicates, robust to
    the rare wild vertex or zero of a nearly flat fit).  One set of replicates serves all rows,
    so correlated estimates (crossings sharing a size) get consistent errors.  Checked in the
    tests: over independent noisy curves the scatter of the estimates matches these errors.

    Rows (``method``):

    ``chi_prime_peak`` (one per L)
        ``T_c`` = position ``T*(L)`` of the chi' maximum, ``peak_height`` = chi'_max, by
        :func:`deeprenorm.stats.locate_peak`: a weighted parabola through the ``2h + 1`` points
        around the grid maximum, ``h`` the largest ``<= peak_half_width`` whose points all lie
        above ``peak_fraction`` of the maximum and whose parabola passes a chi2 test
        (p >= 0.001), else 1 (the note says which).  The peak is asymmetric, so wider windows
        would pull the vertex to the flat high-T side.  ``T*(L)`` is a pseudo-critical
        temperature, above T_c by ~2.0/L (REFERENCES 4.8).  On a grid coarse compared with the
        peak width (spacing ~0.1 at L >~ 24) the three-point vertex can be off by a tenth of
        the spacing (seen: +0.013 at L = 24, spacing 0.095, three times the error), which the
        bootstrap error does not include; use a denser grid near T_c.
    ``binder_crossing`` (one per successive pair ``L < L2``)
        Zero of ``d(T) = U4(L) - U4(L2)`` on the common temperatures inside ``binder_bracket``
        (where the curves fan out; outside it both sit on 2/3, or on noise around 0, and cross
        at random): a weighted straight line through the points around the sign change(s) of
        ``d``, widened by up to ``crossing_extra_points`` on each side while the line passes a
        chi2 test (p >= 0.001).  With one sign change and no widening this is linear
        interpolation (:func:`deeprenorm.stats.locate_crossing`); on a fine grid noise makes
        several sign changes, which the line fit averages over.  No sign change: NaN and a note.
    ``chi_prime_peak_extrapolation``
        Weighted fit ``T*(L) = T_c + a / L`` (nu = 1) to the located peaks (>= 2 sizes);
        ``slope`` = a.  With more than two sizes the errors are multiplied by
        ``sqrt(chi2/dof)`` when that exceeds 1 (stated in ``note``), ``chi2_dof`` is reported.
    ``binder_crossing_mean``
        Plain mean of the located crossings, error from the joint bootstrap.

    Columns (:data:`ESTIMATE_COLUMNS`): ``method``, ``L``, ``L2`` (nullable ints; ``L2`` only
    for crossings), ``T_c``, ``T_c_err``, ``deviation_from_onsager`` (``T_c - T_C``),
    ``deviation_sigma`` (that over ``T_c_err``), ``peak_height``, ``peak_height_err`` (chi'
    peaks), ``slope``, ``slope_err``, ``chi2_dof`` (extrapolation), ``n_bootstrap``,
    ``n_bootstrap_failed`` (replicates where the refit failed, excluded; if more than half
    fail the error is NaN), ``note`` (why a value is NaN, and how it was obtained).

    Never raises on scientifically degenerate input (one size, a peak on the edge of the grid,
    curves that do not cross, too few points): those rows get NaN and a note.
    """
    missing = {"L", "temperature", "chi_prime", "chi_prime_err", "binder", "binder_err"} - set(table.columns)
    if missing:
        raise ValueError(f"table lacks the columns {sorted(missing)}")
    n_bootstrap = int(n_bootstrap)
    if n_bootstrap < 2:
        raise ValueError(f"n_bootstrap must be >= 2, got {n_bootstrap}")
    lo, hi = map(float, binder_bracket)
    if not lo < hi:
        raise ValueError(f"binder_bracket must be (low, high) with low < high, got {binder_bracket!r}")

    rng = np.random.default_rng(seed)
    sizes = sorted(int(L) for L in pd.unique(table["L"]))
    chi_curves, binder_curves, chi_noise, binder_noise = {}, {}, {}, {}
    for L in sizes:
        part = table[table["L"] == L]
        chi_curves[L] = _curve(part, "chi_prime")
        binder_curves[L] = _curve(part, "binder")
        # Draw order fixed (sizes ascending, chi' then U4) so the seed alone fixes the errors.
        chi_noise[L] = rng.standard_normal((n_bootstrap, chi_curves[L][0].size))
        binder_noise[L] = rng.standard_normal((n_bootstrap, binder_curves[L][0].size))

    peak_rows = _peak_rows(chi_curves, chi_noise, n_bootstrap, peak_half_width, peak_fraction)
    crossing_rows, crossing_replicas = _crossing_rows(
        binder_curves, binder_noise, n_bootstrap, (lo, hi), crossing_extra_points
    )
    if len(sizes) < 2:
        crossing_rows = [_row("binder_crossing", sizes[0] if sizes else None, note="needs >= 2 lattice sizes")]
    rows = (
        peak_rows
        + crossing_rows
        + [_extrapolation_row(peak_rows), _crossing_mean_row(crossing_rows, crossing_replicas, n_bootstrap)]
    )
    result = pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)
    for column in ("L", "L2", "n_bootstrap", "n_bootstrap_failed"):
        result[column] = pd.array(
            [None if v is None or (isinstance(v, float) and math.isnan(v)) else int(v) for v in result[column]],
            dtype="Int64",
        )
    result["note"] = result["note"].astype(str)
    return result


# --------------------------------------------------------------------------
# autocorrelation


def autocorrelation_table(records: Iterable) -> pd.DataFrame:
    """tau_int per (algorithm, L, T) from sampler output.

    ``records`` are :class:`deeprenorm.ising.sampler.SampleSet` objects or mappings with
    (at least) the keys of :data:`AUTOCORRELATION_COLUMNS` -- e.g. ``SampleSet.metadata()`` with
    ``L`` and ``T`` (``T`` is accepted for ``temperature``).  Columns:
    ``algorithm, L, temperature, tau_int_abs_m, tau_int_abs_m_error, tau_int_energy,
    tau_int_energy_error`` (tau_int in sweeps, Sokal convention) and ``seconds_per_sweep``
    (CPU seconds per sweep in the pilot run).  Rows sorted by algorithm, L, temperature.
    """
    rows = []
    for record in records:
        source = record if isinstance(record, Mapping) else record.metadata()
        source = dict(source)
        if "temperature" not in source:
            source["temperature"] = source["T"]
        rows.append({column: source[column] for column in AUTOCORRELATION_COLUMNS})
    table = pd.DataFrame(rows, columns=AUTOCORRELATION_COLUMNS)
    table["L"] = table["L"].astype(int)
    return table.sort_values(["algorithm", "L", "temperature"], ignore_index=True)
