"""Thermodynamics figure: measured observables against exact results, and the T_c estimates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..exact import (
    BINDER_CRITICAL,
    T_C,
    finite_energy,
    finite_specific_heat,
    onsager_energy,
    onsager_specific_heat,
    yang_magnetization,
)
from .style import (
    EXACT_COLOR,
    algorithm_label,
    format_value_error,
    format_with_systematic,
    mark_critical_temperature,
    new_figure,
    plain_log_labels,
    save,
    size_colors,
    use_style,
)

__all__ = ["plot_thermodynamics"]

# points of the exact curves across the plotted temperature range
_FINE_GRID_POINTS = 600
_DATA_STYLE = {"marker": "o", "markersize": 4, "elinewidth": 1.0, "capsize": 2, "zorder": 3}


def _fine_grid(temperatures) -> np.ndarray:
    lo, hi = float(np.min(temperatures)), float(np.max(temperatures))
    pad = 0.03 * (hi - lo) if hi > lo else 0.1
    grid = np.linspace(max(lo - pad, 1e-3), hi + pad, _FINE_GRID_POINTS)
    # Onsager's c is infinite exactly at T_c; keep the grid off it
    return grid[grid != T_C]


def _by_size(table: pd.DataFrame):
    for L, part in table.sort_values(["L", "temperature"]).groupby("L", sort=True):
        yield int(L), part


def _data(ax, part, column, color, connect: bool):
    ax.errorbar(
        part["temperature"],
        part[column],
        yerr=part[f"{column}_err"],
        color=color,
        linestyle="-" if connect else "none",
        linewidth=0.8,
        **_DATA_STYLE,
    )


def _finite_ylim(ax, values, bottom=None, margin=0.08):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return
    lo, hi = values.min(), values.max()
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    ax.set_ylim(lo - margin * span if bottom is None else bottom, hi + margin * span)


def _panel_magnetization(ax, table, colors, grid):
    for L, part in _by_size(table):
        _data(ax, part, "abs_m", colors[L], connect=True)
    ax.plot(grid, yang_magnetization(grid), color=EXACT_COLOR, linestyle="--", label="Yang, L = ∞")
    ax.set_ylim(0.0, 1.05)
    ax.set_ylabel("magnetisation per spin ⟨|m|⟩")
    ax.set_title("Magnetisation")
    ax.legend(loc="lower left")


def _panel_energy(ax, table, colors, grid):
    for L, part in _by_size(table):
        ax.plot(grid, finite_energy(L, grid), color=colors[L], linewidth=1.0, alpha=0.9, zorder=2)
        _data(ax, part, "e", colors[L], connect=False)
    ax.plot(grid, onsager_energy(grid), color=EXACT_COLOR, linestyle="--", linewidth=1.2, zorder=2)
    ax.set_ylabel("energy per spin e [J]")
    ax.set_title("Energy")
    ax.legend(
        handles=[
            Line2D([], [], color="0.5", linewidth=1.0, label="Kaufman, finite L"),
            Line2D([], [], color=EXACT_COLOR, linestyle="--", label="Onsager, L = ∞"),
        ],
        loc="upper left",
    )


def _panel_specific_heat(ax, table, colors, grid):
    tops = []
    for L, part in _by_size(table):
        exact = finite_specific_heat(L, grid)
        ax.plot(grid, exact, color=colors[L], linewidth=1.0, alpha=0.9, zorder=2)
        _data(ax, part, "specific_heat", colors[L], connect=False)
        tops += [np.max(exact), np.nanmax(part["specific_heat"] + part["specific_heat_err"].fillna(0.0))]
    ax.plot(grid, onsager_specific_heat(grid), color=EXACT_COLOR, linestyle="--", linewidth=1.2, zorder=2)
    # Onsager's c diverges logarithmically; scale to the finite curves and the data
    ax.set_ylim(0.0, 1.12 * np.nanmax(tops))
    ax.set_ylabel("specific heat per spin c [k_B]")
    ax.set_title("Specific heat")
    ax.legend(
        handles=[
            Line2D([], [], color="0.5", linewidth=1.0, label="Kaufman, finite L"),
            Line2D([], [], color=EXACT_COLOR, linestyle="--", label="Onsager, L = ∞"),
        ],
        loc="upper right",
    )


def _reweighted(ax, curves, column, colors):
    """Multi-histogram curves with their jackknife band, behind the data points."""
    if curves is None:
        return
    for L, part in _by_size(curves):
        ax.plot(part["temperature"], part[column], color=colors.get(L, "0.3"), linewidth=1.2, zorder=2)
        ax.fill_between(
            part["temperature"],
            part[column] - part[f"{column}_err"],
            part[column] + part[f"{column}_err"],
            color=colors.get(L, "0.3"),
            alpha=0.25,
            linewidth=0,
            zorder=1,
        )


def _panel_chi_prime(ax, table, colors, curves):
    _reweighted(ax, curves, "chi_prime", colors)
    for L, part in _by_size(table):
        _data(ax, part, "chi_prime", colors[L], connect=curves is None)
    values = table["chi_prime"].to_numpy(dtype=float)
    if np.any(values > 0):
        ax.set_yscale("log")
    ax.set_ylabel("χ' = N(⟨m²⟩ − ⟨|m|⟩²)/T [1/J]")
    ax.set_title("Connected susceptibility")
    if ax.get_yscale() == "log":
        plain_log_labels(ax.yaxis)


def _binder_inset(ax, table, colors, curves):
    """Zoom on the crossings, where the full panel cannot separate the sizes."""
    inset = ax.inset_axes([0.52, 0.5, 0.46, 0.46])
    low, high = T_C - 0.07, T_C + 0.07
    _reweighted(inset, curves[(curves["temperature"] >= low) & (curves["temperature"] <= high)], "binder", colors)
    near = table[(table["temperature"] >= low) & (table["temperature"] <= high)]
    for L, part in _by_size(near):
        _data(inset, part, "binder", colors[L], connect=False)
    inset.axvline(T_C, color="0.35", linestyle=":", linewidth=1.0)
    inset.axhline(BINDER_CRITICAL, color=EXACT_COLOR, linestyle="-.", linewidth=0.8)
    inset.set_xlim(low, high)
    inset.tick_params(labelsize=7)
    inset.set_title("near T_c, reweighted", fontsize=8)


def _panel_binder(ax, table, colors, curves):
    _reweighted(ax, curves, "binder", colors)
    for L, part in _by_size(table):
        _data(ax, part, "binder", colors[L], connect=curves is None)
    if curves is not None and len(curves):
        _binder_inset(ax, table, colors, curves)
    ax.axhline(2.0 / 3.0, color="0.5", linestyle="--", linewidth=1.0, label="2/3 (ordered)")
    ax.axhline(BINDER_CRITICAL, color=EXACT_COLOR, linestyle="-.", linewidth=1.0, label=f"U* = {BINDER_CRITICAL}")
    low = np.nanmin((table["binder"] - table["binder_err"].fillna(0.0)).to_numpy(dtype=float), initial=0.0)
    ax.set_ylim(min(-0.03, low - 0.02), 0.72)
    ax.set_ylabel("Binder cumulant U₄ = 1 − ⟨m⁴⟩/(3⟨m²⟩²)")
    ax.set_title("Binder cumulant")
    ax.legend(loc="lower left")


def _panel_estimates(ax, estimates: pd.DataFrame, colors):
    ax.axhline(T_C, color="0.35", linestyle=":", linewidth=1.2, label=f"Onsager T_c = {T_C:.4f}")
    finite = estimates[np.isfinite(estimates["T_c"].astype(float))]
    peaks = finite[finite["method"] == "chi_prime_peak"]
    crossings = finite[finite["method"] == "binder_crossing"]
    x_max = 0.0
    for index, row in enumerate(peaks.itertuples()):
        x = 1.0 / row.L
        x_max = max(x_max, x)
        ax.errorbar(
            x,
            row.T_c,
            yerr=row.T_c_err,
            color=colors.get(int(row.L), "0.3"),
            linestyle="none",
            label="χ' peak T*(L), reweighted" if index == 0 else None,
            **_DATA_STYLE,
        )
    extrapolation = finite[finite["method"] == "chi_prime_peak_extrapolation"]
    if len(extrapolation):
        fit = extrapolation.iloc[0]
        x = np.linspace(0.0, 1.08 * x_max, 50)
        ax.plot(x, fit["T_c"] + fit["slope"] * x, color="0.3", linewidth=1.0, zorder=2)
        ax.errorbar(
            0.0,
            fit["T_c"],
            yerr=fit["T_c_err"],
            color="black",
            marker="D",
            markersize=6,
            capsize=3,
            linestyle="none",
            zorder=4,
            label=f"T*(L) = T_c + a/L: T_c = {format_with_systematic(fit['T_c'], fit['T_c_err'], fit.get('T_c_err_sys'))}",
        )
    for index, row in enumerate(crossings.itertuples()):
        x = 1.0 / math.sqrt(row.L * row.L2)
        x_max = max(x_max, x)
        ax.errorbar(
            x,
            row.T_c,
            yerr=row.T_c_err,
            color="#d95f02",
            marker="s",
            markersize=5,
            capsize=2,
            linestyle="none",
            zorder=3,
            label="U₄ crossing of (L, L'), at 1/√(L L')" if index == 0 else None,
        )
    mean = finite[finite["method"] == "binder_crossing_mean"]
    if len(mean):
        row = mean.iloc[0]
        err = row["T_c_err"] if np.isfinite(row["T_c_err"]) else 0.0
        ax.axhspan(
            row["T_c"] - err,
            row["T_c"] + err,
            color="#d95f02",
            alpha=0.15,
            linewidth=0,
            zorder=1,
            label=f"mean U₄ crossing: {format_value_error(row['T_c'], row['T_c_err'])}",
        )
    if x_max == 0.0:
        ax.text(
            0.5,
            0.7,
            "no T_c estimate\n(see the notes of the table)",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="0.4",
        )
        x_max = 0.1
    ax.set_xlim(-0.04 * x_max, 1.12 * x_max)
    ax.set_xlabel("inverse lattice size 1/L")
    ax.set_ylabel("temperature T [J/k_B]")
    ax.set_title("Critical-temperature estimates")
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.45 * (high - low))  # room above the points for the legend
    ax.legend(loc="upper left")


def plot_thermodynamics(table: pd.DataFrame, path, estimates: pd.DataFrame, curves: pd.DataFrame | None = None):
    """Six-panel figure of the thermodynamic table, written as a PNG to ``path``.

    ``table``: rows of :func:`deeprenorm.thermo.thermodynamic_table` for one or several L
    (columns used: ``L, temperature, algorithm, e, abs_m, specific_heat, chi_prime, binder``
    and their ``_err``).  ``estimates`` and ``curves``: the two outputs of
    :func:`deeprenorm.thermo.critical_temperature_estimates` for the same datasets; the
    reweighted chi' and U4 curves (with jackknife bands, and a zoom on the U4 crossings) are drawn
    when ``curves`` is given.

    Panels (data with one-sigma error bars, one colour per L, Onsager's T_c dotted):
    <|m|> with Yang's infinite-lattice curve; e and c with Kaufman's exact finite-L curves (same
    colour as the data) and Onsager's infinite-lattice curves, exact curves on a fine T grid;
    chi' on a log axis; U4 with U* = 0.61069 and 2/3; the estimates: chi'-peak T*(L) against
    1/L with the fit T_c + a/L and its intercept, Binder crossings at 1/sqrt(L L') and the band
    of their mean.  Returns the path.
    """
    table = table.sort_values(["L", "temperature"])
    colors = size_colors(table["L"])
    grid = _fine_grid(table["temperature"])
    algorithms = ", ".join(algorithm_label(a) for a in sorted(pd.unique(table["algorithm"].astype(str))))

    with use_style():
        fig, axes = new_figure(2, 3, figsize=(16, 9.5))
        _panel_magnetization(axes[0, 0], table, colors, grid)
        _panel_energy(axes[0, 1], table, colors, grid)
        _panel_specific_heat(axes[0, 2], table, colors, grid)
        _panel_chi_prime(axes[1, 0], table, colors, curves)
        _panel_binder(axes[1, 1], table, colors, curves)
        _panel_estimates(axes[1, 2], estimates, colors)
        for ax in list(axes[0]) + list(axes[1, :2]):
            mark_critical_temperature(ax)
            ax.set_xlim(grid[0], grid[-1])
            ax.set_xlabel("temperature T [J/k_B]")
        size_handles = [
            Line2D([], [], color=colors[L], marker="o", linestyle="-", linewidth=0.8, label=f"L = {L}")
            for L in sorted(colors)
        ]
        size_handles.append(Line2D([], [], color="0.35", linestyle=":", label=f"Onsager T_c = {T_C:.4f}"))
        fig.legend(handles=size_handles, loc="outside lower center", ncols=len(size_handles))
        fig.suptitle(f"2D Ising model, L × L torus ({algorithms} samples)", fontsize=13)
        return save(fig, path)
