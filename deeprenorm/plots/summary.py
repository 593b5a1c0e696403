"""The study on one page (``results/figures/summary.png``): the original study's headline figure
(Broomberg & Rabinovich 2019), made honest -- error bars, the magnetisation and the exact results
beside the latent code, the finite-size extrapolation, the RG flow of the majority rule beside the
learned code's, configurations beside their block spins and reconstructions, and the verdict.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..exact import T_C, yang_magnetization
from .probes import draw_configurations
from .style import (
    EXACT_COLOR,
    WEIGHTS_COLORS,
    empty_panel,
    format_value_error,
    format_with_systematic,
    mark_critical_temperature,
    save,
    size_colors,
    use_style,
)

__all__ = ["SUMMARY_PANELS", "summary_figure", "plot_summary"]

#: The panels' titles, in order (the test checks every one is drawn).
SUMMARY_PANELS = (
    "a  Latent code and magnetisation",
    "b  Susceptibilities and T_c(L)",
    "c  Finite-size scaling of T_c(L)",
    "d  RG flow: majority rule and learned code",
    "e  Configurations, block spins, code and reconstructions",
)


def _headline(curves: pd.DataFrame, model: str, seed) -> pd.DataFrame:
    rows = curves[(curves["model"] == model) & (curves["reduction"] == "mean") & (curves["part"] == "test")]
    return rows[rows["training_seed"] == seed] if seed is not None and "training_seed" in rows else rows


def _magnetisation_panel(ax, phase: pd.DataFrame, curves: pd.DataFrame, colors) -> None:
    for L, rows in phase.sort_values("temperature").groupby("L"):
        color, line = colors[int(L)], curves[curves["L"] == L].sort_values("temperature")
        ax.errorbar(
            rows["temperature"],
            rows["abs_z"],
            yerr=rows["abs_z_err"],
            color=color,
            marker="o",
            markersize=3.5,
            linestyle="none",
            label=f"⟨|z|⟩, L = {int(L)}",
        )
        ax.errorbar(
            rows["temperature"],
            rows["abs_m"],
            yerr=rows["abs_m_err"],
            color=color,
            marker="s",
            markersize=3.5,
            linestyle="none",
            markerfacecolor="white",
            label=f"⟨|m|⟩, L = {int(L)}",
        )
        ax.plot(line["temperature"], line["abs_z"], color=color, linewidth=0.9)
        ax.plot(line["temperature"], line["abs_m"], color=color, linewidth=0.9, linestyle=":")
    T = np.linspace(phase["temperature"].min(), phase["temperature"].max(), 400)
    ax.plot(T, yang_magnetization(T), color=EXACT_COLOR, linestyle="--", linewidth=1.2, label="Yang |m|, L = ∞")
    mark_critical_temperature(ax)
    ax.set_xlabel("temperature T [J/k_B]")
    ax.set_ylabel("⟨|z|⟩ (code units) and ⟨|m|⟩ per spin")
    ax.legend(fontsize=7, ncols=2)


def _susceptibility_panel(ax, phase: pd.DataFrame, curves: pd.DataFrame, tc_latent: pd.DataFrame, colors) -> None:
    for L, rows in phase.sort_values("temperature").groupby("L"):
        color, line = colors[int(L)], curves[curves["L"] == L].sort_values("temperature")
        for column, style, marker, label in (("chi_z", "-", "o", "χ_z"), ("chi_m", ":", "s", "χ_m")):
            peak = float(np.nanmax(line[column])) if len(line) else float(np.nanmax(rows[column]))
            ax.errorbar(
                rows["temperature"],
                rows[column] / peak,
                yerr=rows[f"{column}_err"] / peak,
                color=color,
                linestyle="none",
                marker=marker,
                markersize=3.5,
                markerfacecolor=color if marker == "o" else "white",
                label=f"{label}, L = {int(L)}",
            )
            ax.plot(line["temperature"], line[column] / peak, color=color, linestyle=style, linewidth=0.9)
        located = tc_latent[(tc_latent["method"] == "chi_z_peak") & (tc_latent["L"] == L)]
        if len(located) and np.isfinite(located["T_c"].iloc[0]):
            ax.axvline(located["T_c"].iloc[0], color=color, linewidth=1.0, alpha=0.8)
    mark_critical_temperature(ax)
    ax.set_xlabel("temperature T [J/k_B]")
    ax.set_ylabel("susceptibility / its reweighted peak (vertical lines: T_c(L) of χ_z)")
    ax.legend(fontsize=7, ncols=2)


def _finite_size_panel(ax, tc_latent: pd.DataFrame, tc_thermodynamic: pd.DataFrame) -> None:
    series = (
        (tc_latent, "chi_z_peak", "chi_z_peak_extrapolation", "#D55E00", "o", "χ_z peak (latent code)"),
        (tc_latent, "chi_m_peak", "chi_m_peak_extrapolation", "0.15", "s", "χ_m peak (magnetisation)"),
        (
            tc_thermodynamic,
            "chi_prime_peak",
            "chi_prime_peak_extrapolation",
            "#0072B2",
            "^",
            "χ′ peak (thermodynamics)",
        ),
    )
    x_max = 0.0
    for table, method, extrapolation, color, marker, label in series:
        peaks = table[table["method"] == method].dropna(subset=["T_c"]).sort_values("L")
        if peaks.empty:
            continue
        x = 1.0 / peaks["L"].to_numpy(dtype=float)
        x_max = max(x_max, float(x.max()))
        fit = table[table["method"] == extrapolation]
        text = ""
        if len(fit) and np.isfinite(fit["T_c"].iloc[0]):
            intercept, slope = float(fit["T_c"].iloc[0]), float(fit["slope"].iloc[0])
            line = np.linspace(0, 1.05 * x.max(), 50)
            ax.plot(line, intercept + slope * line, color=color, linewidth=1, linestyle="--")
            ax.errorbar([0.0], [intercept], yerr=[fit["T_c_err"].iloc[0]], color=color, marker="D", markersize=5)
            systematic = float(fit["T_c_err_sys"].iloc[0]) if "T_c_err_sys" in fit else math.nan
            text = f": T_c(∞) = {format_with_systematic(intercept, float(fit['T_c_err'].iloc[0]), systematic)}"
        ax.errorbar(
            x,
            peaks["T_c"],
            yerr=peaks["T_c_err"],
            color=color,
            marker=marker,
            linestyle="none",
            markersize=5,
            label=label + text,
        )
    ax.axhline(T_C, color=EXACT_COLOR, linestyle=":", linewidth=1.2, label=f"Onsager T_c = {T_C:.4f}")
    ax.set_xlim(-0.004, 1.1 * x_max if x_max else 0.1)
    ax.set_xlabel("inverse lattice size 1/L")
    ax.set_ylabel("T_c(L) [J/k_B]")
    ax.legend(fontsize=7, loc="upper left")


def _flow_panel(
    ax,
    rg_curves: pd.DataFrame,
    rg_flow: pd.DataFrame,
    learned_curves: pd.DataFrame,
    learned_flow: pd.DataFrame,
    L,
    model,
) -> None:
    drawn = []
    majority = rg_curves[
        (rg_curves["L"] == L)
        & (rg_curves["b"] == 2)
        & (rg_curves["map"] == "majority")
        & (rg_curves["observable"] == "binder")
    ]
    learned = learned_curves[
        (learned_curves["model"] == model)
        & (learned_curves["map"] == "code_sign")
        & (learned_curves["observable"] == "binder")
    ]
    seed_note = ""
    if "seed" in learned and len(learned):
        # one network of each weights, the first training seed (the tables hold every seed's)
        first = int(learned["seed"].min())
        learned, learned_flow = learned[learned["seed"] == first], learned_flow[learned_flow["seed"] == first]
        seed_note = f" (seed {first})"
    for rows, label, color, fixed in (
        (
            majority,
            f"majority rule, {L} → {L // 2}",
            WEIGHTS_COLORS["exact"],
            rg_flow[
                (rg_flow["L"] == L)
                & (rg_flow["b"] == 2)
                & (rg_flow["map"] == "majority")
                & (rg_flow["observable"] == "binder")
            ],
        ),
        *(
            (
                learned[learned["weights"] == weights],
                f"{model} code sign, {weights}{seed_note}",
                WEIGHTS_COLORS[weights],
                learned_flow[
                    (learned_flow["model"] == model)
                    & (learned_flow["map"] == "code_sign")
                    & (learned_flow["weights"] == weights)
                    & (learned_flow["observable"] == "binder")
                ],
            )
            for weights in ("trained", "untrained")
        ),
    ):
        rows = rows.sort_values("temperature")
        if rows.empty:
            continue
        T, T_prime, error = (rows[column].to_numpy(dtype=float) for column in ("temperature", "T_prime", "T_prime_err"))
        text = ""
        if len(fixed) and np.isfinite(fixed["T_star"].iloc[0]):
            row = fixed.iloc[0]
            ax.plot(row["T_star"], row["T_star"], "o", color=color, markeredgecolor="white", markersize=7, zorder=4)
            text = f": T* = {format_value_error(row['T_star'], row['T_star_err'])}, ν = {format_value_error(row['nu'], row['nu_err'])}"
        ax.plot(T, T_prime, color=color, label=label + text)
        ax.fill_between(T, T_prime - error, T_prime + error, color=color, alpha=0.25, linewidth=0)
        drawn.append(T)
    if not drawn:
        empty_panel(ax, "no RG flow in this study")
        return
    low, high = min(float(np.min(T)) for T in drawn), max(float(np.max(T)) for T in drawn)
    ax.plot([low, high], [low, high], color="0.5", linestyle="--", linewidth=1, label="T′ = T")
    mark_critical_temperature(ax)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xlabel(f"T of the blocked {L} × {L} ensemble [J/k_B]")
    ax.set_ylabel(f"T′ of the direct {L // 2} × {L // 2} ensemble [J/k_B]")
    ax.legend(fontsize=7, loc="upper left")


def plot_summary(*, path, **tables):
    """Write :func:`summary_figure` of ``tables`` to ``path`` (PNG); returns the path."""
    with use_style():
        return save(summary_figure(**tables), path)


def summary_figure(
    *,
    phase: pd.DataFrame,
    curves: pd.DataFrame,
    tc_latent: pd.DataFrame,
    tc_thermodynamic: pd.DataFrame,
    rg_curves: pd.DataFrame,
    rg_flow: pd.DataFrame,
    learned_curves: pd.DataFrame,
    learned_flow: pd.DataFrame,
    strip: list[tuple[float, list[tuple[str, np.ndarray]]]],
    verdict: str,
    headline_model: str,
    headline_seed,
    network_L: int | None,
    learned_model: str | None,
) -> Figure:
    """The summary figure (:data:`SUMMARY_PANELS`), unsaved.

    ``phase``, ``curves``, ``tc_latent``: ``latent_phase.csv`` (points with errors at the simulated
    temperatures), ``latent_curves.csv`` (the reweighted curves through them) and ``tc_latent.csv``
    (the headline model's mean code on the test split, ``headline_seed``'s curves); ``tc_thermodynamic``;
    ``rg_curves``, ``rg_flow``: the block-spin flow tables; ``learned_curves``,
    ``learned_flow``: the learned maps' (``learned_model``'s code sign, trained and untrained,
    at ``network_L``); ``strip``: :func:`deeprenorm.probes.study.reconstruction_rows`;
    ``verdict``: the answer in words (:func:`deeprenorm.rg.verdict.answer`).
    """
    headline, reweighted = (
        _headline(phase, headline_model, headline_seed),
        _headline(curves, headline_model, headline_seed),
    )
    latent_tc = tc_latent[
        (tc_latent["model"] == headline_model) & (tc_latent["reduction"] == "mean") & (tc_latent["part"] == "test")
    ]
    with use_style():
        n_columns = max((len(panels) for _, panels in strip), default=1)
        fig = Figure(figsize=(19, 13.5), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.1])
        axes = top.subplots(1, 3)
        colors = size_colors(headline["L"].unique()) if len(headline) else {}
        if len(headline):
            _magnetisation_panel(axes[0], headline, reweighted, colors)
            _susceptibility_panel(axes[1], headline, reweighted, latent_tc, colors)
        else:
            empty_panel(axes[0], f"no latent curves of {headline_model}")
            empty_panel(axes[1], f"no latent curves of {headline_model}")
        _finite_size_panel(axes[2], latent_tc, tc_thermodynamic)
        for ax, title in zip(axes, SUMMARY_PANELS[:3]):
            ax.set_title(title + f" ({headline_model})" * (ax is not axes[2]), loc="left", fontsize=11)
        axes[2].set_title(SUMMARY_PANELS[2], loc="left", fontsize=11)
        left, right = bottom.subfigures(1, 2, width_ratios=[1, 2.1])
        flow_ax = left.subplots(1, 1)
        if network_L and learned_model:
            _flow_panel(flow_ax, rg_curves, rg_flow, learned_curves, learned_flow, network_L, learned_model)
        else:
            empty_panel(flow_ax, "no learned block spins in this study")
        flow_ax.set_title(SUMMARY_PANELS[3], loc="left", fontsize=11)
        cells = right.subplots(max(len(strip), 1), n_columns, squeeze=False)
        draw_configurations(cells, strip)
        if not strip:
            empty_panel(cells[0, 0], "no configurations")
        right.suptitle(SUMMARY_PANELS[4] + " (test split; black −1, white +1)", x=0.02, ha="left", fontsize=11)
        answer = verdict or "no verdict in this study"
        fig.suptitle("Verdict: " + textwrap.fill(answer, 190), fontsize=12, fontweight="bold")
        return fig
