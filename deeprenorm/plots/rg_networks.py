"""Figures of the networks' part of the RG comparison (:mod:`deeprenorm.rg.learned`,
:mod:`deeprenorm.rg.verdict`).

* :func:`plot_information` -- the information a block variable keeps about its environment
  (RSMI lower bound) per map and temperature, and the per-site agreement of the learned block
  spins with the majority rule against T, trained beside untrained, decimation as the baseline;
* :func:`plot_network_flow` -- the one-step map T_n -> T_{n+1} of the network flow per model and
  weights, beside the diagonal, with its fixed points;
* :func:`plot_verdict` -- every map through every criterion of the verdict, with errors,
  exact values and tolerances, whether each passed and whether each criterion votes.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd

from ..exact import T_C
from ..rg.verdict import (
    CRITERIA,
    LOCALITY_THRESHOLD,
    NU_TOLERANCE,
    T_STAR_TOLERANCE,
    Y_H_EXACT,
    Y_H_TOLERANCE,
    Y_T_EXACT,
    Y_T_TOLERANCE,
    answer,
)
from .style import WEIGHTS_COLORS, empty_panel, mark_critical_temperature, new_figure, save, use_style

__all__ = ["plot_information", "plot_network_flow", "plot_verdict"]

#: Okabe & Ito's colour-blind-safe colours, one per kind of weights.
_TEMPERATURE_MARKERS = ["v", "o", "^", "s", "D", "P", "X", "*"]
_VARIANT_STYLES = {"sign": "-", "continuous": "--"}


def _map_label(row) -> str:
    model = row["model"] if isinstance(row["model"], str) and row["model"] else ""
    buffer = f", buffer {int(row['buffer'])}" if "buffer" in row and int(row["buffer"]) != int(row["b"]) else ""
    if not model:
        return f"{row['map']} b={int(row['b'])}{buffer}"
    return f"{model} {row['map']} ({row['weights']}){buffer}"


def _information_panel(ax, information: pd.DataFrame) -> None:
    if information.empty:
        empty_panel(ax, "no information bound measured")
        return
    information = information.fillna({"model": ""})
    labels = list(dict.fromkeys(_map_label(row) for _, row in information.iterrows()))
    temperatures = sorted(information["temperature"].unique())
    offsets = np.linspace(-0.25, 0.25, len(temperatures)) if len(temperatures) > 1 else [0.0]
    for k, temperature in enumerate(temperatures):
        rows = information[information["temperature"] == temperature]
        for _, row in rows.iterrows():
            y = labels.index(_map_label(row)) + offsets[k]
            ax.errorbar(
                row["bits"],
                y,
                xerr=row["bits_err"],
                fmt=_TEMPERATURE_MARKERS[k % len(_TEMPERATURE_MARKERS)],
                color=WEIGHTS_COLORS.get(row["weights"], "0.4"),
                markersize=5,
                capsize=2,
            )
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0.0, color="0.6", linewidth=0.8)
    ax.set_xlabel("lower bound on I(block variable : environment) (bits)")
    ax.set_title(
        "Information kept about the environment beyond a buffer (RSMI; one point per training seed)", fontsize=10
    )
    handles = [
        ax.plot([], [], _TEMPERATURE_MARKERS[k % len(_TEMPERATURE_MARKERS)], color="0.3", linestyle="none")[0]
        for k in range(len(temperatures))
    ]
    ax.legend(handles, [f"T = {T:.3f} J/k_B" for T in temperatures], loc="lower right", fontsize=8)


#: The exact maps of the agreement panel: colour, line style, label.
_AGREEMENT_REFERENCES = {
    "decimation": (WEIGHTS_COLORS["exact"], "-", "decimation (an exact RG map)"),
    "majority_retied": ("#000000", ":", "majority rule, other tie draws (the ceiling)"),
    "global_sign": ("#000000", "--", "every block = sign(m) (the global-sign baseline)"),
}


def _agreement_panel(ax, agreement: pd.DataFrame) -> None:
    if agreement.empty:
        empty_panel(ax, "no learned block spins measured")
        return
    mark_critical_temperature(ax, label=f"Onsager T_c = {T_C:.4f}")
    ax.axhline(0.5, color="0.6", linewidth=0.8, linestyle=":")
    labelled = set()
    for (_model, map_name, weights), rows in agreement.groupby(["model", "map", "weights"], sort=False):
        if map_name == "code":
            continue
        if weights == "exact":
            color, style, label = _AGREEMENT_REFERENCES[map_name]
            rows = rows.drop_duplicates("temperature").sort_values("temperature")
            ax.plot(rows["temperature"], rows["agreement"], color=color, linestyle=style, linewidth=2.0, label=label)
            continue
        # one line per training seed; one legend entry per kind of map and weights
        kind = "conv code sign" if map_name == "code_sign" else "RSMI" if map_name == "rsmi" else "dense, blocked"
        key = (kind, weights)
        for _, seed_rows in rows.groupby("seed"):
            seed_rows = seed_rows.sort_values("temperature")
            ax.plot(
                seed_rows["temperature"],
                seed_rows["agreement"],
                color=WEIGHTS_COLORS.get(weights, "0.4"),
                linestyle="--" if map_name == "reconstruction" else "-",
                linewidth=0.9 if weights == "untrained" else 1.4,
                alpha=0.6 if weights == "untrained" else 0.9,
                label=None if key in labelled else f"{kind}, {weights}",
            )
            labelled.add(key)
    ax.set_xlabel("temperature T (J/k_B)")
    ax.set_ylabel("fraction of block sites equal to the majority rule")
    ax.set_ylim(0.4, 1.02)
    ax.set_title("Learned block spins against the majority rule (one global sign per network)", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def plot_information(information: pd.DataFrame, agreement: pd.DataFrame, path):
    """Information bounds (left) and per-site agreement with the majority rule (right)."""
    with use_style():
        fig, axes = new_figure(1, 2, figsize=(19, 8.5))
        _information_panel(axes[0, 0], information)
        _agreement_panel(axes[0, 1], agreement)
        fig.suptitle(
            "What a block variable keeps: information about its environment, agreement with Kadanoff's majority rule",
            fontsize=11,
        )
        return save(fig, path)


#: The columns of the network-flow figure: the ideal block-spin autoencoder (``exact``), then a
#: network's weights and its controls.
_FLOW_COLUMNS = ("exact", "trained", "untrained", "far-trained", "noise-trained", "sine-trained", "smooth-trained")


def plot_network_flow(flow: pd.DataFrame, fixed_points: pd.DataFrame, path):
    """T_1 against T_0 (exact-energy thermometer) per model (rows) and weights (columns: the
    ideal block-spin autoencoder, trained, untrained and each control), the sign and the
    continuous flow, the diagonal, T_c and the fixed points; a network's first training seed
    (the one its controls share). A model without such weights leaves its panel out."""
    with use_style():
        if flow.empty:
            fig, axes = new_figure(1, 1, figsize=(6, 4))
            empty_panel(axes[0, 0], "no network flow in this study")
            return save(fig, path)
        first_seed = flow.groupby(["model", "weights"])["seed"].transform("min")
        flow = flow[flow["seed"] == first_seed]
        fixed_points = fixed_points.merge(flow[["model", "weights", "seed"]].drop_duplicates())
        exact = set(flow.loc[flow["weights"] == "exact", "model"])
        # the ideal block-spin autoencoder first: the flow of exact RG the networks are read against
        models = sorted(dict.fromkeys(flow["model"]), key=lambda model: model not in exact)
        weights = [name for name in _FLOW_COLUMNS if name in set(flow["weights"])]
        fig, axes = new_figure(len(models), len(weights), figsize=(3.3 * len(weights), 3.3 * len(models) + 0.9))
        limits = (0.0, 5.0)
        for i, model in enumerate(models):
            for j, name in enumerate(weights):
                ax = axes[i, j]
                if not ((flow["model"] == model) & (flow["weights"] == name)).any():
                    ax.set_visible(False)
                    continue
                ax.plot(limits, limits, color="0.6", linestyle="--", linewidth=1.0, label="T₁ = T₀")
                mark_critical_temperature(ax)
                mark_critical_temperature(ax, orientation="horizontal")
                for variant, style in _VARIANT_STYLES.items():
                    rows = flow[(flow["model"] == model) & (flow["weights"] == name) & (flow["variant"] == variant)]
                    before = rows[rows["step"] == 0].set_index("temperature")["T_energy"]
                    after = rows[rows["step"] == 1].set_index("temperature")
                    T1 = np.clip(after["T_energy"].to_numpy(dtype=float), None, limits[1])
                    ax.errorbar(
                        before.to_numpy(dtype=float),
                        T1,
                        yerr=after["T_energy_err"].to_numpy(dtype=float),
                        color=WEIGHTS_COLORS[name],
                        linestyle=style,
                        marker="o" if variant == "sign" else None,
                        markersize=3,
                        label=f"{variant} step",
                        capsize=0,
                    )
                    points = fixed_points[
                        (fixed_points["model"] == model)
                        & (fixed_points["weights"] == name)
                        & (fixed_points["variant"] == variant)
                        & (fixed_points["thermometer"] == "energy")
                    ]
                    for point in points.itertuples():
                        filled = point.stability == "stable"
                        ax.plot(
                            point.T_fixed,
                            point.T_fixed,
                            "o",
                            markersize=9,
                            markerfacecolor=WEIGHTS_COLORS[name] if filled else "white",
                            markeredgecolor="black",
                            zorder=5,
                        )
                        ax.annotate(
                            f"{point.T_fixed:.2f} {point.stability}",
                            (point.T_fixed, point.T_fixed),
                            textcoords="offset points",
                            xytext=(6, -12 if variant == "sign" else 8),
                            fontsize=7,
                        )
                ax.set_xlim(*limits)
                ax.set_ylim(*limits)
                ax.set_aspect("equal", adjustable="box")
                title = "ideal block-spin autoencoder" if name == "exact" else f"{model}, {name}"
                ax.set_title(title, fontsize=9)
                ax.set_xlabel("T₀ of the input (J/k_B)", fontsize=8)
                ax.set_ylabel("T₁ after one step (J/k_B)", fontsize=8)
                if i == 0:
                    ax.legend(fontsize=7, loc="upper left")
        fig.suptitle(
            "Network flow: one encode → decode step, T read from the exact energy of the L × L torus (Kaufman);"
            " the first training seed of each network\nfilled circles: stable (attracting) fixed points; open:"
            " unstable (repelling, as T_c is for RG); T₁ = 0: a ground state; off-scale T₁ drawn at 5",
            fontsize=10,
        )
        return save(fig, path)


def _verdict_label(row) -> str:
    if row["weights"] == "exact":
        return f"{row['map']} b={int(row['b'])}"
    if row["weights"] == "rsmi":
        return f"RSMI coarse-grainer b={int(row['b'])}"
    seeds = row["seeds"] if isinstance(row["seeds"], str) else ""
    count = f", {len(seeds.split(','))} seeds" if "," in seeds else ""
    return f"{row['model']} {row['map']} ({row['weights']}{count})"


#: Per criterion: the axis label, the exact value (a dotted line), the band of the tolerance
#: around it (without the errors, which each point carries), and the axis range (None: the
#: data's): a value outside the range is drawn at its edge as an arrow, without its error bar.
_CRITERION_AXES = {
    "y_h": ("y_h (MCRG)", Y_H_EXACT, Y_H_TOLERANCE * Y_H_EXACT, (1.80, 2.00)),
    "y_t": ("y_t (MCRG)", Y_T_EXACT, Y_T_TOLERANCE * Y_T_EXACT, (0.7, 1.4)),
    "fixed_point": ("fixed point T* (J/k_B)", T_C, T_STAR_TOLERANCE * T_C, None),
    "nu": ("ν from the slope at T*", 1.0, NU_TOLERANCE, None),
    "short_range": ("T′ from ⟨s s_nn⟩ − T′ from U₄ at T_c (J/k_B, paired)", 0.0, T_STAR_TOLERANCE * T_C, None),
    "information": ("I(map) − I(decimation) at T_c (bits, paired)", 0.0, None, None),
    "locality": ("receptive field in one b × b window (median fraction)", None, None, (0.0, 1.05)),
    "flow_direction": ("network flow: fraction carried away from T_c", None, None, (0.0, 1.0)),
    "agreement": ("agreement with majority at T_c", None, None, None),
}


def _draw_criterion(ax, rows: pd.DataFrame, position: dict, bounds) -> None:
    for row in rows.itertuples():
        value = float(row.value)
        y = position[(row.map, row.model, row.weights, row.b)]
        color = WEIGHTS_COLORS.get(row.weights, "0.4")
        passed = str(row.passed).lower()
        if not math.isfinite(value):
            if passed == "false":  # measured, and nothing located: a failure with no number
                ax.annotate(
                    "✕ none", (0.02, y), xycoords=("axes fraction", "data"), va="center", fontsize=6, color=color
                )
            continue
        error = float(row.value_err) if math.isfinite(float(row.value_err)) else None
        marker = {"true": "o", "false": "X"}.get(passed, "o")
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            value, error = min(max(value, bounds[0]), bounds[1]), None
            marker = ">" if value == bounds[1] else "<"
        ax.errorbar(
            value,
            y,
            xerr=error,
            fmt=marker,
            color=color,
            markerfacecolor="none" if passed not in ("true", "false") else color,
            markersize=6,
            capsize=2,
        )


def plot_verdict(verdict: pd.DataFrame, path):
    """One panel per criterion, one row per map: the value with its error, the exact value and
    the tolerance band; filled circles pass, crosses fail, open circles are not judged (a
    reference value or a tautology), arrows lie off the axis; each panel's title says whether
    the criterion votes (passed its calibration). The answer in words below."""
    with use_style():
        if verdict.empty:
            fig, axes = new_figure(1, 1, figsize=(6, 4))
            empty_panel(axes[0, 0], "no map in the verdict")
            return save(fig, path)
        verdict = verdict.fillna({"model": "", "seeds": "", "note": ""})
        keys = list(dict.fromkeys(zip(verdict["map"], verdict["model"], verdict["weights"], verdict["b"])))
        position = {key: k for k, key in enumerate(keys)}
        labels = [
            _verdict_label(dict(zip(("map", "model", "weights", "b"), key)) | {"seeds": _seeds_of(verdict, key)})
            for key in keys
        ]
        criteria = [name for name in CRITERIA if (verdict["criterion"] == name).any()]
        fig, axes = new_figure(
            1, len(criteria), figsize=(2.6 * len(criteria) + 3.5, 0.3 * len(keys) + 3.0), sharey=True
        )
        for ax, name in zip(axes[0], criteria):
            label, exact, tolerance, bounds = _CRITERION_AXES[name]
            rows = verdict[verdict["criterion"] == name]
            if exact is not None:
                ax.axvline(exact, color="0.3", linestyle=":", linewidth=1.0)
                if tolerance:
                    ax.axvspan(exact - tolerance, exact + tolerance, color="#009E73", alpha=0.15, linewidth=0)
            if name == "locality":
                ax.axvspan(LOCALITY_THRESHOLD, 1.0, color="#009E73", alpha=0.15, linewidth=0)
            _draw_criterion(ax, rows, position, bounds)
            if bounds is not None:
                ax.set_xlim(*bounds)
            votes = str(rows["votes"].iloc[0]).lower() == "true"
            ax.set_title(("votes" if votes else "does not vote") + f"\n{name}", fontsize=9)
            ax.set_xlabel(textwrap.fill(label, 28), fontsize=9)
            ax.grid(axis="x", alpha=0.3)
        axes[0, 0].set_yticks(range(len(keys)), labels, fontsize=8)
        axes[0, 0].set_ylim(len(keys) - 0.5, -0.5)
        fig.suptitle(
            "RG verdict: every map through every criterion (● pass, ✕ fail, ✕ none: nothing located, ○ reference or not"
            " judged, ▸ off the axis;"
            " green band: the tolerance)\nblue: exact maps, orange: trained, grey: untrained, pink: far from T_c,"
            " green / light blue / amber: trained on noise / sine waves / smooth fields, black: RSMI",
            fontsize=10,
        )
        fig.supxlabel(textwrap.fill(answer(verdict), 200), fontsize=8, ha="center")
        return save(fig, path)


def _seeds_of(verdict: pd.DataFrame, key) -> str:
    rows = verdict[(verdict["map"] == key[0]) & (verdict["model"] == key[1]) & (verdict["weights"] == key[2])]
    seeds = [value for value in rows["seeds"] if isinstance(value, str) and value]
    return max(seeds, key=len) if seeds else ""
