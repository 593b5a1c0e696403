"""The latent-width and regularisation sweep in one figure (tables of :mod:`deeprenorm.sweep`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exact import T_C
from .style import EXACT_COLOR, empty_panel, mark_critical_temperature, new_figure, save, use_style

__all__ = ["plot_width_sweep"]

#: One colour per regulariser (Okabe-Ito), one marker per target of a unit correlation.
REGULARISATION_COLORS = {"none": "#0072B2", "dropout": "#D55E00", "l1": "#009E73"}
_KIND_MARKERS = {"alexandrou": "D", "wide": "o"}
_REFERENCE_COLOR = "#7f3b08"


def _sweep_size(reconstruction: pd.DataFrame) -> int | None:
    """The L with the most models: the one whose reconstruction curves are compared."""
    if not len(reconstruction):
        return None
    counts = reconstruction.groupby("L")["model"].nunique()
    return int(counts[counts == counts.max()].index.max())


def _model_label(row) -> str:
    return f"{row['kind']} k={int(row['latent'])}, {row['regularisation']}"


def _reconstruction_panel(ax, reconstruction, sweep, L):
    if L is None:
        empty_panel(ax, "no dense model")
        return
    models = sweep.dropna(subset=["model"]).drop_duplicates("model")
    models = models[models["model"].isin(reconstruction.loc[reconstruction["L"] == L, "model"])].sort_values(
        ["latent", "regularisation"]
    )
    widths = sorted(models["latent"].astype(int).unique())
    for _, row in models.iterrows():
        curve = reconstruction[(reconstruction["model"] == row["model"]) & (reconstruction["L"] == L)]
        mean = curve.groupby("temperature").agg(mse=("mse", "mean"), mse_err=("mse_err", "mean")).reset_index()
        # darker for wider codes, one hue per regulariser
        shade = 0.45 + 0.55 * (widths.index(int(row["latent"])) + 1) / len(widths)
        ax.errorbar(
            mean["temperature"],
            mean["mse"],
            yerr=mean["mse_err"],
            color=REGULARISATION_COLORS[row["regularisation"]],
            alpha=shade,
            marker=_KIND_MARKERS.get(row["kind"], "o"),
            markersize=3.5,
            linewidth=1.0,
            label=_model_label(row),
        )
    mark_critical_temperature(ax)
    ax.set_xlabel("temperature T [J/k_B]")
    ax.set_ylabel("test reconstruction MSE per spin")
    ax.set_title(f"(a) Reconstruction error vs T, L = {L} (test split)")
    ax.legend(fontsize=7.5, ncol=2)


def _loss_panel(ax, sweep):
    rows = sweep.dropna(subset=["model"]).drop_duplicates(["model", "L"])
    if not len(rows):
        empty_panel(ax, "no dense model")
        return
    sizes = sorted(rows["L"].astype(int).unique())
    fills = {L: ("full" if i == len(sizes) - 1 else "none") for i, L in enumerate(sizes)}
    for (kind, regularisation, L), group in rows.groupby(["kind", "regularisation", "L"]):
        group = group.sort_values("latent")
        ax.errorbar(
            group["latent"].astype(int),
            group["test_loss"],
            yerr=group["test_loss_err"],
            color=REGULARISATION_COLORS[regularisation],
            marker=_KIND_MARKERS.get(kind, "o"),
            fillstyle=fills[int(L)],
            linestyle="-" if kind == "wide" else "none",
            markersize=6,
            label=f"{kind}, {regularisation}, L = {int(L)}",
        )
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(rows["latent"].astype(int).unique()))
    ax.get_xaxis().set_major_formatter("{x:.0f}")
    ax.set_xlabel("latent width k (units)")
    ax.set_ylabel("final test loss (MSE per spin)")
    ax.set_title("(b) Test loss vs latent width")
    ax.legend(fontsize=7.5)


def _unit_panel(ax, units, sweep, column, target, letter):
    rows = sweep.dropna(subset=["model"]).drop_duplicates(["model", "L"])
    if not len(rows):
        empty_panel(ax, "no dense model")
        return
    regularisations = list(REGULARISATION_COLORS)
    for _, row in rows.iterrows():
        values = units[(units["model"] == row["model"]) & (units["L"] == row["L"])]
        offset = 1.0 + 0.06 * (regularisations.index(row["regularisation"]) - 1)
        x = np.full(len(values), row["latent"] * offset)
        ax.errorbar(
            x,
            values[column].abs(),
            yerr=values[f"{column}_err"],
            color=REGULARISATION_COLORS[row["regularisation"]],
            marker=_KIND_MARKERS.get(row["kind"], "o"),
            linestyle="none",
            markersize=4,
            alpha=0.75,
            elinewidth=0.8,
        )
    for regularisation, color in REGULARISATION_COLORS.items():
        ax.plot([], [], "o", color=color, label=regularisation)
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(rows["latent"].astype(int).unique()))
    ax.get_xaxis().set_major_formatter("{x:.0f}")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("latent width k (units)")
    ax.set_ylabel(f"|Pearson r| of each unit with {target}")
    ax.set_title(f"({letter}) Every code unit vs {target} (test split, all T)")
    ax.legend(fontsize=8, title="regulariser", title_fontsize=8)


def _tc_panel(ax, sweep):
    matched = sweep[sweep["reference"].notna()].reset_index(drop=True)
    if not len(matched):
        empty_panel(ax, "no reference rows")
        return
    y = np.arange(len(matched))[::-1]
    ours = matched["T_c_mean"].notna()
    ax.errorbar(
        matched.loc[ours, "T_c_mean"],
        y[ours],
        xerr=matched.loc[ours, "T_c_mean_err"],
        color="#0072B2",
        marker="o",
        linestyle="none",
        markersize=6,
        capsize=3,
        label="this study: χ_z peak T*(L), mean reduction (reweighted, test split)",
    )
    pc1 = matched["T_c_pc1"].notna()
    ax.errorbar(
        matched.loc[pc1, "T_c_pc1"],
        y[pc1] - 0.12,
        xerr=matched.loc[pc1, "T_c_pc1_err"],
        color="#CC79A7",
        marker="^",
        linestyle="none",
        markersize=6,
        capsize=3,
        label="this study: χ_z peak T*(L), first principal component",
    )
    for index in np.flatnonzero(matched["model"].notna() & matched["T_c_mean"].isna()):
        ax.annotate(
            "mean of units: no χ_z peak",
            (0.01, y[index]),
            xycoords=("axes fraction", "data"),
            fontsize=7,
            color="#0072B2",
            va="center",
        )
    magnetic = matched["T_c_magnetic"].notna()
    ax.errorbar(
        matched.loc[magnetic, "T_c_magnetic"],
        y[magnetic] - 0.26,
        xerr=matched.loc[magnetic, "T_c_magnetic_err"],
        color=EXACT_COLOR,
        marker="s",
        linestyle="none",
        markersize=5,
        capsize=3,
        label="this study: χ_m peak T*(L), same samples",
    )
    ax.plot(
        matched["reference_T_peak"],
        y + 0.14,
        linestyle="none",
        marker="*",
        markersize=11,
        color=_REFERENCE_COLOR,
        label="Broomberg & Rabinovich 2019 (grid maximum, no error)",
    )
    ax.axvline(T_C, color="0.35", linestyle=":", linewidth=1.3, label=f"Onsager T_c = {T_C:.4f}")
    labels = []
    for _, row in matched.iterrows():
        theirs = f"L={int(row['reference_L'])} {row['reference'].split(', ', 1)[1]}"
        mine = f"  ours: L={int(row['L'])} {row['regularisation']}" if pd.notna(row["model"]) else "  ours: not trained"
        labels.append(theirs.replace("regulariser not stated", "reg. ?") + "\n" + mine)
    ax.set_yticks(y, labels, fontsize=7.5)
    ax.set_xlabel("pseudo-critical temperature T*(L) [J/k_B]")
    ax.set_title("(f) Their width table, row for row")
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=2)
    ax.grid(axis="y", visible=False)


def plot_width_sweep(sweep: pd.DataFrame, reconstruction: pd.DataFrame, units: pd.DataFrame, path):
    """Six panels: (a) test reconstruction error vs T of every model at the L with the most
    models; (b) final test loss vs latent width; (c)-(e) |r| of every code unit with |m|, m
    and e vs width; (f) the original study's width table row for row: their chi_z grid
    maximum beside ours (reweighted, with error) and the chi_m peak of the same samples, with
    Onsager's T_c. Inputs are the tables of :func:`deeprenorm.sweep.width_sweep_table`,
    :func:`~deeprenorm.sweep.reconstruction_curve` and :func:`~deeprenorm.sweep.unit_correlations`.
    Returns the path."""
    with use_style():
        fig, axes = new_figure(2, 3, figsize=(19, 10.5))
        _reconstruction_panel(axes[0, 0], reconstruction, sweep, _sweep_size(reconstruction))
        _loss_panel(axes[0, 1], sweep)
        _unit_panel(axes[0, 2], units, sweep, "corr_abs_m", "|m|", "c")
        _unit_panel(axes[1, 0], units, sweep, "corr_m", "m", "d")
        _unit_panel(axes[1, 1], units, sweep, "corr_e", "energy e", "e")
        _tc_panel(axes[1, 2], sweep)
        fig.suptitle("Latent width and regularisation sweep (dense autoencoders, 2D Ising L × L torus)", fontsize=13)
        return save(fig, path)
