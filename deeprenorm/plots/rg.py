"""Figures of the block-spin RG stage (the tables of :mod:`deeprenorm.rg.study`).

* :func:`plot_rg_flow` -- the flow T -> T' of every (L -> L/b) pair and map beside the diagonal
  T' = T, with the fixed point T*, the slope and nu (phenomenological renormalisation:
  Nightingale, Physica A 83, 561 (1976); Binder, Z. Phys. B 43, 119 (1981));
* :func:`plot_block_spins` -- Kadanoff's block-spin comparison: the blocked L ensemble beside the
  direct L/b one at T_c, and the repeated majority blocking of the largest L flowing to the
  ordered fixed point below T_c and the disordered one above;
* :func:`plot_rg_exponents` -- the thermal and magnetic exponents of every map by Monte Carlo
  renormalisation group (:mod:`deeprenorm.rg.mcrg`; Swendsen, PRL 42, 859 (1979)) against the
  blocking level, beside the exact 2D Ising values.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..exact import BINDER_CRITICAL, T_C
from .style import (
    WEIGHTS_COLORS,
    empty_panel,
    format_value_error,
    mark_critical_temperature,
    new_figure,
    save,
    use_style,
)

__all__ = [
    "OBSERVABLE_LABELS",
    "OBSERVABLE_COLORS",
    "MAP_COLORS",
    "independent_spins",
    "plot_rg_flow",
    "plot_block_spins",
    "plot_rg_exponents",
]

#: How each matched or tabulated observable is written in the figures.
OBSERVABLE_LABELS = {"binder": "U₄", "abs_m": "⟨|m|⟩", "nn": "⟨s s_nn⟩"}
#: Okabe & Ito's colour-blind-safe colours: one per matched observable, one per map.
OBSERVABLE_COLORS = {"binder": "#0072B2", "abs_m": "#D55E00", "nn": "#009E73"}
MAP_COLORS = {"majority": "#0072B2", "decimation": "#E69F00"}
_MAP_LABELS = {"majority": "majority rule", "decimation": "decimation"}
_DIRECT_COLOR = "0.15"
_FIXED_POINT_COLOR = "0.55"
_BOX = {"boxstyle": "round,pad=0.35", "facecolor": "white", "edgecolor": "0.8", "alpha": 0.9}
_PANEL = 4.0  # inches per panel of the flow figure


def _pairs(table: pd.DataFrame) -> list[tuple[int, int]]:
    return sorted({(int(L), int(b)) for L, b in zip(table["L"], table["b"])})


def _in_order(values) -> list:
    return list(dict.fromkeys(values))


def _select(table: pd.DataFrame, L: int, b: int, name: str) -> pd.DataFrame:
    return table[(table["L"] == L) & (table["b"] == b) & (table["map"] == name)]


# Half-width in J/k_B of the zoom on T_c in each flow panel: the errors of T' (~0.005) are
# invisible at the scale of the window.
_ZOOM = 0.035


def _draw_flow(ax, rows: pd.DataFrame, curves: pd.DataFrame, low: float, high: float) -> None:
    ax.plot([low, high], [low, high], color=_FIXED_POINT_COLOR, linestyle="--", linewidth=1.0, label="T′ = T")
    mark_critical_temperature(ax, label=f"Onsager T_c = {T_C:.4f}")
    mark_critical_temperature(ax, orientation="horizontal")
    for row in rows.itertuples():
        color = OBSERVABLE_COLORS.get(row.observable, "0.4")
        table = curves[(curves["observable"] == row.observable)].sort_values("temperature")
        T, T_prime, error = (
            table[column].to_numpy(dtype=float) for column in ("temperature", "T_prime", "T_prime_err")
        )
        ax.plot(T, T_prime, color=color, label=f"{OBSERVABLE_LABELS.get(row.observable, row.observable)} matched")
        ax.fill_between(T, T_prime - error, T_prime + error, color=color, alpha=0.25, linewidth=0)
        if np.isfinite(row.T_star):
            ax.errorbar(
                row.T_star,
                row.T_star,
                xerr=row.T_star_err,
                yerr=row.T_star_err,
                fmt="o",
                color=color,
                markersize=5,
                markeredgecolor="white",
                zorder=4,
            )
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)


def _flow_panel(ax, rows: pd.DataFrame, curves: pd.DataFrame, L: int, b: int, name: str) -> None:
    low, high = float(rows["window_low"].iloc[0]), float(rows["window_high"].iloc[0])
    _draw_flow(ax, rows, curves, low, high)
    ax.set_aspect("equal", adjustable="box")
    zoom = ax.inset_axes([0.6, 0.04, 0.38, 0.38])
    _draw_flow(zoom, rows, curves, max(low, T_C - _ZOOM), min(high, T_C + _ZOOM))
    zoom.tick_params(labelsize=7)
    zoom.set_title(f"T_c ± {_ZOOM}", fontsize=8, pad=2)
    lines = []
    for row in rows.itertuples():
        label = OBSERVABLE_LABELS.get(row.observable, row.observable)
        if np.isfinite(row.T_star):
            lines.append(
                f"{label}: T* = {format_value_error(row.T_star, row.T_star_err)} ({row.T_star_deviation_percent:+.2f} %)"
            )
            lines.append(
                f"  slope {format_value_error(row.slope, row.slope_err)}, ν = {format_value_error(row.nu, row.nu_err)}"
            )
        else:
            lines.append(f"{label}: no fixed point located")
    ax.text(
        0.03, 0.97, "\n".join(lines), transform=ax.transAxes, ha="left", va="top", fontsize=8.5, bbox=_BOX, zorder=5
    )
    ax.set_title(f"L = {L} → {L // b} (b = {b}), {_MAP_LABELS.get(name, name)}")
    ax.set_xlabel(f"T of the blocked {L} × {L} ensemble [J/k_B]")
    ax.set_ylabel(f"T′ of the direct {L // b} × {L // b} ensemble [J/k_B]")


def plot_rg_flow(flow: pd.DataFrame, curves: pd.DataFrame, path):
    """T'(T) of every (pair, map) with its error band, one panel each (rows: maps, columns:
    pairs), one curve per matched observable; T* with its error, the slope and nu printed.
    ``flow`` and ``curves``: the tables of :func:`deeprenorm.rg.study.rg_study`."""
    with use_style():
        pairs, maps = _pairs(flow), _in_order(flow["map"])
        if not pairs:
            fig, axes = new_figure(1, 1, figsize=(6, 4))
            empty_panel(axes[0, 0], "no (L → L/b) pair in this study:\nno block-spin flow")
            return save(fig, path)
        # at least two panels wide, so that the title fits over a study with one pair
        width = max(_PANEL * len(pairs) + 0.5, 2 * _PANEL + 0.5)
        fig, axes = new_figure(len(maps), len(pairs), figsize=(width, _PANEL * len(maps) + 1.2))
        for i, name in enumerate(maps):
            for j, (L, b) in enumerate(pairs):
                rows = _select(flow, L, b, name)
                if rows.empty:
                    empty_panel(axes[i, j], f"L = {L} → {L // b}, {name}: not computed")
                else:
                    _flow_panel(axes[i, j], rows, _select(curves, L, b, name), L, b, name)
        labelled = {}
        for ax in axes.flat:
            labelled.update(zip(*reversed(ax.get_legend_handles_labels())))
        fig.legend(list(labelled.values()), list(labelled), loc="outside lower center", ncols=len(labelled))
        fig.suptitle(
            "Block-spin RG flow by phenomenological renormalisation\n"
            "T′: the direct L/b ensemble at T′ matches the blocked L ensemble at T (reweighted; bands: jackknife errors)",
            fontsize=11,
        )
        return save(fig, path)


def _comparison_panel(ax, comparison: pd.DataFrame, observable: str) -> None:
    rows = comparison[comparison["observable"] == observable]
    pairs, maps = _pairs(rows), _in_order(rows["map"])
    offsets = np.linspace(-0.22, 0.22, len(maps) + 1)
    for x, (L, b) in enumerate(pairs):
        pair = rows[(rows["L"] == L) & (rows["b"] == b)]
        first = pair.iloc[0]
        ax.errorbar(
            x + offsets[0],
            first["direct"],
            yerr=first["direct_err"],
            fmt="s",
            color=_DIRECT_COLOR,
            markerfacecolor="white",
            markersize=6,
            label="direct L/b" if x == 0 else None,
        )
        for offset, name in zip(offsets[1:], maps):
            row = pair[pair["map"] == name]
            if not row.empty:
                row = row.iloc[0]
                ax.errorbar(
                    x + offset,
                    row["blocked"],
                    yerr=row["blocked_err"],
                    fmt="o",
                    color=MAP_COLORS.get(name, "0.4"),
                    markersize=6,
                    label=f"blocked L, {_MAP_LABELS.get(name, name)}" if x == 0 else None,
                )
    if observable == "binder":
        ax.axhline(BINDER_CRITICAL, color=_FIXED_POINT_COLOR, linestyle=":", label=f"U₄* = {BINDER_CRITICAL} (L = ∞)")
    ax.set_xticks(range(len(pairs)), [f"{L} → {L // b}\n(b = {b})" for L, b in pairs])
    ax.set_xlim(-0.6, len(pairs) - 0.4)
    ax.set_title(f"{OBSERVABLE_LABELS[observable]} at T = {rows['temperature'].iloc[0]:.4f} (nearest T_c)")
    ax.margins(y=0.1)


def _temperature_colors(temperatures) -> dict[float, object]:
    """Blue below T_c, red above, darker further away; black for the one nearest T_c."""
    temperatures = sorted(temperatures)
    nearest = min(temperatures, key=lambda T: abs(T - T_C))
    spread = max(abs(T - T_C) for T in temperatures) or 1.0
    colors = {}
    for T in temperatures:
        if T == nearest:
            colors[T] = "black"
        else:
            shade = 0.45 + 0.55 * abs(T - T_C) / spread
            colors[T] = matplotlib.colormaps["Blues" if T < T_C else "Reds"](shade)
    return colors


# Values at the fixed points of the repeated blocking that do not depend on the lattice size:
# ordered (T < T_c) and, for U_4, critical (L = infinity).  The disordered one is size-dependent
# on a finite lattice (:func:`independent_spins`).
_FIXED_POINTS = {
    "abs_m": ((1.0, "ordered"),),
    "binder": ((2.0 / 3.0, "ordered"), (BINDER_CRITICAL, "critical")),
    "nn": ((1.0, "ordered"),),
}


def independent_spins(observable: str, L: int) -> float:
    """``observable`` of N = L^2 independent +-1 spins, the disordered fixed point of a block-spin
    map on an L x L lattice: <s s_nn> = 0, U_4 = 2 / (3N) (from <m^2> = 1/N and
    <m^4> = (3N^2 - 2N) / N^4), and <|m|> = E|S| / N for the sum S of N spins, from the
    binomial distribution (about sqrt(2 / (pi N)): 0.196 for 4 x 4, not 0)."""
    n = int(L) ** 2
    if observable == "nn":
        return 0.0
    if observable == "binder":
        return 2.0 / (3.0 * n)
    if observable == "abs_m":
        return sum(abs(2 * k - n) * math.comb(n, k) for k in range(n + 1)) / 2**n / n
    raise ValueError(f"observable must be one of {tuple(OBSERVABLE_LABELS)}, got {observable!r}")


def _repeated_panel(ax, repeated: pd.DataFrame, observable: str) -> None:
    rows = repeated[repeated["observable"] == observable]
    colors = _temperature_colors(set(rows["temperature"]))
    for value, label in _FIXED_POINTS[observable]:
        ax.axhline(value, color=_FIXED_POINT_COLOR, linestyle=":", linewidth=1.0, zorder=1)
        ax.text(
            1.0,
            value,
            f" {label}",
            transform=ax.get_yaxis_transform(),
            va="center",
            ha="left",
            fontsize=8,
            color="0.35",
        )
    sizes = rows.drop_duplicates("level").sort_values("level")
    ax.plot(
        sizes["level"],
        [independent_spins(observable, L) for L in sizes["L_coarse"]],
        color=_FIXED_POINT_COLOR,
        linestyle="--",
        linewidth=1.0,
        marker="_",
        markersize=12,
        zorder=1,
        label="disordered: independent spins",
    )
    for T, part in rows.sort_values("level").groupby("temperature", sort=True):
        ax.errorbar(
            part["level"],
            part["blocked"],
            yerr=part["blocked_err"],
            fmt="o-",
            color=colors[T],
            markersize=5,
            label=f"T = {T:.4f}" + (" (≈ T_c)" if colors[T] == "black" else ""),
        )
        direct = part[np.isfinite(part["direct"].to_numpy(dtype=float))]
        ax.errorbar(
            direct["level"] + 0.08,
            direct["direct"],
            yerr=direct["direct_err"],
            fmt="s",
            color=colors[T],
            markerfacecolor="white",
            markersize=6,
            linestyle="none",
        )
    ax.set_xticks(sizes["level"], [f"{k}\n({L} × {L})" for k, L in zip(sizes["level"], sizes["L_coarse"])])
    ax.set_xlabel("b = 2 majority steps k (lattice size)")
    ax.set_ylim(-0.05, 1.07 if observable != "binder" else 0.72)
    ax.set_title(f"{OBSERVABLE_LABELS[observable]} along repeated blocking of L = {int(rows['L'].iloc[0])}")


_DIRECT_PROXY = {
    "direct simulation of that size, same T": Line2D(
        [], [], marker="s", markerfacecolor="white", color="0.3", linestyle="none"
    )
}


def plot_block_spins(table: pd.DataFrame, path):
    """Top row: <|m|>, U_4 and <s s_nn> of the blocked L ensembles (one colour per map) beside the
    direct L/b ones at the simulated temperature nearest T_c, per pair.  Bottom row: the same
    observables after k = 0, 1, 2, ... b = 2 majority steps of the largest L at a few
    temperatures, with the direct simulations of the blocked sizes where the study has them and
    the ordered, critical and disordered fixed-point values.  ``table``: the ``block_spins``
    table of :func:`deeprenorm.rg.study.rg_study`."""
    comparison = table[table["part"] == "comparison"]
    repeated = table[table["part"] == "repeated"]
    observables = list(OBSERVABLE_LABELS)
    with use_style():
        fig, axes = new_figure(2, len(observables), figsize=(15.5, 9.5))
        for j, observable in enumerate(observables):
            if comparison.empty:
                empty_panel(axes[0, j], "no (L → L/b) pair in this study")
            else:
                _comparison_panel(axes[0, j], comparison, observable)
            if repeated.empty:
                empty_panel(axes[1, j], "no repeated blocking (largest L < 8)")
            else:
                _repeated_panel(axes[1, j], repeated, observable)
        # one legend per row, beside it: inside a panel it would hide points
        for row, title, extra in ((0, "top row", {}), (1, "bottom row", _DIRECT_PROXY)):
            labelled = {}
            for ax in axes[row]:
                labelled.update(zip(*reversed(ax.get_legend_handles_labels())))
            if labelled:
                labelled.update(extra)
                fig.legend(
                    list(labelled.values()),
                    list(labelled),
                    loc=f"outside right {'upper' if row == 0 else 'lower'}",
                    title=title,
                )
        fig.suptitle(
            "Block spins against direct simulations (jackknife errors): at T_c (top), and under repeated blocking (bottom)"
        )
        return save(fig, path)


_EXPONENT_LABELS = {"y_t": "thermal exponent y_t", "y_h": "magnetic exponent y_h"}
# the panels' ranges: wide enough for a map that misses by tens of percent, narrow enough that
# the majority rule's error bars stay visible; a value outside is clipped to the edge and marked
_EXPONENT_RANGES = {"y_t": (0.0, 2.0), "y_h": (1.0, 2.6)}


def _series_label(name: str, model, weights: str, seed: int, several_seeds: bool) -> str:
    if weights == "exact":
        return _MAP_LABELS.get(name, name)
    if weights == "rsmi":
        return f"RSMI coarse-grainer ({model})"
    return f"{model} code sign, {weights}" + (f", seed {seed}" if several_seeds else "")


def plot_rg_exponents(table: pd.DataFrame, path):
    """y_t and y_h of every map (rows of ``results/tables/rg_exponents.csv``; a network's seeds
    each a series of their own) against the blocking level, with the most operators of each
    sector, one-sigma jackknife errors and the exact values dashed; the blocked lattice size is on
    the axis."""
    table = table.assign(model=table["model"].fillna(""))
    series = _in_order(zip(table["map"], table["model"], table["weights"], table["seed"]))
    seeds_of = table.groupby(["map", "model", "weights"])["seed"].nunique()
    with use_style():
        fig, axes = new_figure(1, 2, figsize=(11.5, 4.6))
        for ax, exponent in zip(axes[0], _EXPONENT_LABELS):
            rows = table[table["exponent"] == exponent]
            if rows.empty:
                empty_panel(ax, f"no {exponent} measured")
                continue
            operators = int(rows["operators"].max())
            rows = rows[rows["operators"] == operators]
            low, high = _EXPONENT_RANGES[exponent]
            exact = float(rows["exact"].iloc[0])
            ax.axhline(
                exact, color="0.25", linestyle="--", linewidth=1, label="exact 2D Ising value (y_t = 1, y_h = 15/8)"
            )
            for index, (name, model, weights, seed) in enumerate(series):
                mine = rows[
                    (rows["map"] == name)
                    & (rows["model"] == model)
                    & (rows["weights"] == weights)
                    & (rows["seed"] == seed)
                ]
                mine = mine.sort_values("level")
                offset = (index - (len(series) - 1) / 2) * 0.05
                color = MAP_COLORS.get(name) if weights == "exact" else WEIGHTS_COLORS.get(weights, "black")
                shown = mine["value"].clip(low, high)
                ax.errorbar(
                    mine["level"] + offset,
                    shown,
                    yerr=mine["value_err"].where(shown == mine["value"]),
                    marker="o" if weights == "exact" else "^",
                    markerfacecolor=color if weights == "exact" else "white",
                    color=color,
                    capsize=3,
                    label=_series_label(name, model, weights, seed, seeds_of[(name, model, weights)] > 1),
                )
            levels = sorted(rows["level"].unique())
            sizes = {level: int(rows.loc[rows["level"] == level, "L_coarse"].iloc[0]) for level in levels}
            ax.set_xticks(levels, [f"{level}\n(L = {sizes[level]})" for level in levels])
            ax.set_xlabel("blocking level n (blocked lattice size)")
            ax.set_ylabel(f"{exponent} (dimensionless)")
            ax.set_ylim(low, high)
            ax.set_title(f"{_EXPONENT_LABELS[exponent]}, {operators} operators", fontsize=10)
        L = int(table["L"].iloc[0])
        axes[0, 1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
        fig.suptitle(
            f"MCRG exponents of each map on L = {L} at T_c (values outside the axes drawn at the edge)", fontsize=10
        )
        return save(fig, path)
