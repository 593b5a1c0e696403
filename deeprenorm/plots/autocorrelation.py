"""Autocorrelation figure: tau_int against temperature and, at T_c, against lattice size."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.ticker import NullLocator

from ..dynamics import fit_dynamic_exponent
from ..exact import DYNAMIC_EXPONENTS, T_C
from .style import (
    algorithm_color,
    algorithm_label,
    empty_panel,
    format_value_error,
    mark_critical_temperature,
    new_figure,
    plain_log_labels,
    save,
    use_style,
)

__all__ = ["OBSERVABLES", "plot_autocorrelation", "split_autocorrelation_table"]

#: Observables of the figure: key -> (tau column, axis label).
OBSERVABLES = {
    "abs_m": ("tau_int_abs_m", "τ_int(|m|) [sweeps]"),
    "energy": ("tau_int_energy", "τ_int(e) [sweeps]"),
}

_REQUIRED = {"algorithm", "L", "temperature"} | {
    name for column, _ in OBSERVABLES.values() for name in (column, f"{column}_err")
}


def split_autocorrelation_table(table: pd.DataFrame, scan_L: int | None = None, tc_tolerance: float = 1e-9):
    """``(scan, at_tc, scan_L)``: the rows of each side of :func:`plot_autocorrelation`."""
    missing = _REQUIRED - set(table.columns)
    if missing:
        raise ValueError(f"autocorrelation table lacks the columns {sorted(missing)}")
    if "kind" in table.columns:
        scan_rows = table[table["kind"] == "scan"]
        at_tc = table[table["kind"] == "size"]
    else:
        scan_rows = table
        at_tc = table[np.abs(table["temperature"].astype(float) - T_C) <= tc_tolerance]
    if scan_L is None:
        counts = scan_rows.groupby("L")["temperature"].nunique()
        scan_L = int(counts.idxmax()) if len(counts) else None
    scan = scan_rows[scan_rows["L"] == scan_L].sort_values(["algorithm", "temperature"])
    return scan, at_tc.sort_values(["algorithm", "L"]), scan_L


def _fit_lookup(fits, at_tc: pd.DataFrame, algorithm: str, observable: str):
    """``(z, z_err)`` from ``fits`` if given there, else fitted to the rows at T_c."""
    if fits is not None:
        key = (algorithm, observable)
        if isinstance(fits, pd.DataFrame):
            match = fits[(fits["algorithm"] == algorithm) & (fits["observable"] == observable)]
            if len(match):
                return float(match["z"].iloc[0]), float(match["z_err"].iloc[0])
        elif key in fits:
            z, z_err = fits[key][:2]
            return float(z), float(z_err)
    column = OBSERVABLES[observable][0]
    rows = at_tc[at_tc["algorithm"] == algorithm]
    return fit_dynamic_exponent(rows["L"], rows[column], rows[f"{column}_err"])


def _fitted_line(L, tau, tau_err, z):
    """Intercept of ``ln tau = z ln L + c`` for a given slope (the weighted-least-squares one)."""
    L, tau, tau_err = (np.asarray(a, dtype=float) for a in (L, tau, tau_err))
    ok = (L > 0) & (tau > 0) & np.isfinite(tau)
    weights = np.where(np.isfinite(tau_err[ok]) & (tau_err[ok] > 0), (tau[ok] / tau_err[ok]) ** 2, np.nan)
    if not np.all(np.isfinite(weights)):
        weights = np.ones(ok.sum())
    residual = np.log(tau[ok]) - z * np.log(L[ok])
    return float(np.sum(weights * residual) / np.sum(weights))


def _scan_panel(ax, scan, observable, scan_L):
    column, label = OBSERVABLES[observable]
    for algorithm, part in scan.groupby("algorithm", sort=True):
        ax.errorbar(
            part["temperature"],
            part[column],
            yerr=part[f"{column}_err"],
            color=algorithm_color(algorithm),
            marker="o",
            markersize=4,
            linewidth=1.0,
            capsize=2,
            label=algorithm_label(algorithm),
        )
    mark_critical_temperature(ax, label="Onsager T_c")
    ax.set_yscale("log")
    ax.set_xlabel("temperature T [J/k_B]")
    ax.set_ylabel(label)
    ax.set_title(f"{label.split(' [')[0]} vs temperature, L = {scan_L}")
    ax.legend(loc="upper right")
    plain_log_labels(ax.yaxis)


def _size_panel(ax, at_tc, observable, fits):
    column, label = OBSERVABLES[observable]
    all_sizes = at_tc["L"].to_numpy(dtype=float)
    for algorithm, part in at_tc.groupby("algorithm", sort=True):
        color = algorithm_color(algorithm)
        L, tau, tau_err = part["L"], part[column], part[f"{column}_err"]
        z, z_err = _fit_lookup(fits, at_tc, algorithm, observable)
        literature = DYNAMIC_EXPONENTS.get(algorithm)
        text = f"{algorithm_label(algorithm)}: z = {format_value_error(z, z_err)}"
        if literature is not None:
            text += f" (lit. {literature:g})"
        ax.errorbar(
            L,
            tau,
            yerr=tau_err,
            color=color,
            marker="o",
            markersize=5,
            capsize=2,
            linestyle="none",
            label=text,
            zorder=3,
        )
        if np.isfinite(z):
            intercept = _fitted_line(L, tau, tau_err, z)
            x = np.geomspace(all_sizes.min() / 1.15, all_sizes.max() * 1.15, 50)
            ax.plot(x, np.exp(intercept) * x**z, color=color, linewidth=1.1, zorder=2)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    sizes = np.unique(all_sizes).astype(int)
    if sizes.size:
        ax.set_xticks(sizes, [str(L) for L in sizes])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlim(sizes.min() / 1.3, sizes.max() * 1.3)
    ax.set_xlabel("lattice size L")
    ax.set_ylabel(label)
    ax.set_title(f"{label.split(' [')[0]} at T_c vs L, fit " + r"$\tau \propto L^z$")
    ax.legend(loc="upper left")
    plain_log_labels(ax.yaxis)


def plot_autocorrelation(
    table: pd.DataFrame,
    path,
    fits=None,
    *,
    scan_L: int | None = None,
    tc_tolerance: float = 1e-9,
):
    """Four-panel figure of integrated autocorrelation times, written as a PNG to ``path``.

    ``table`` has one row per (algorithm, L, temperature) with the columns of
    :func:`deeprenorm.dynamics.autocorrelation_study`: ``algorithm, L, temperature,
    tau_int_abs_m, tau_int_abs_m_err, tau_int_energy, tau_int_energy_err`` (tau_int in
    sweeps, Sokal convention); ``seconds_per_sweep`` may be present and is not used.

    Which rows go where:

    * with a ``kind`` column (as :func:`deeprenorm.dynamics.autocorrelation_study` writes):
      ``kind == "scan"`` rows of size ``scan_L`` on the left, ``kind == "size"`` rows (all at
      T_c) on the right;
    * without it: the rows of size ``scan_L`` on the left, and on the right the rows with
      ``|temperature - T_C| <= tc_tolerance`` (``deeprenorm.exact.T_C``; pass e.g.
      ``tc_tolerance=5e-5`` if T_c was rounded to 4 decimals).  A row of the scan size at T_c
      then appears in both.

    ``scan_L=None`` picks the size with the most distinct scan temperatures.

    ``fits`` gives the dynamic exponents drawn on the right panels: a mapping
    ``{(algorithm, observable): (z, z_err)}`` with ``observable`` in ``"abs_m"``, ``"energy"``,
    or a DataFrame with columns ``algorithm, observable, z, z_err``.  Pairs missing from it (or
    ``fits=None``) are fitted here with :func:`deeprenorm.dynamics.fit_dynamic_exponent`.  The
    line drawn has the given slope and the weighted-least-squares intercept for it; the legend
    gives ``z ± err`` beside the literature value (``exact.DYNAMIC_EXPONENTS``).  Returns the
    path.
    """
    scan, at_tc, scan_L = split_autocorrelation_table(table, scan_L, tc_tolerance)
    if fits is not None and not isinstance(fits, (Mapping, pd.DataFrame)):
        raise TypeError("fits must be a mapping {(algorithm, observable): (z, z_err)} or a DataFrame")
    with use_style():
        fig, axes = new_figure(2, 2, figsize=(14, 9.5))
        for row, observable in enumerate(OBSERVABLES):
            if len(scan):
                _scan_panel(axes[row, 0], scan, observable, scan_L)
            else:
                empty_panel(axes[row, 0], "no temperature scan")
            if len(at_tc):
                _size_panel(axes[row, 1], at_tc, observable, fits)
            else:
                empty_panel(axes[row, 1], f"no rows at T_c = {T_C:.9f}\n(see tc_tolerance)")
        fig.suptitle(
            "Integrated autocorrelation times τ_int (Sokal convention: 1/2 for independent samples)", fontsize=13
        )
        return save(fig, path)
