"""Figures of the probes stage (:mod:`deeprenorm.probes.study`): every map of what a network
learned, with its locality numbers printed on it, beside the untrained weights and the exact
block spins.

* :func:`plot_map_grid` -- a grid of L x L maps (receptive fields, activation maximisation,
  saliency), trained above untrained, each titled with its window fraction and spread;
* :func:`probe_panels` and :func:`plot_probe_maps` -- the three map figures of the probes stage:
  which maps of which networks each draws;
* :func:`plot_locality` -- the locality of every probe of every model against the majority
  rule, decimation and the untrained controls, and of the deep belief network's layers;
* :func:`plot_dbn_fields` -- Mehta & Schwab's receptive fields per layer, trained and untrained;
* :func:`plot_reconstructions` -- configurations beside their block spins, conv code and
  reconstructions at three temperatures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .style import WEIGHTS_COLORS, empty_panel, new_figure, save, use_style

__all__ = [
    "plot_map_grid",
    "probe_panels",
    "plot_probe_maps",
    "plot_locality",
    "plot_dbn_fields",
    "plot_reconstructions",
    "draw_configurations",
]

_CMAP = "RdBu_r"


def _show(ax, image, title=None, *, symmetric=True):
    image = np.asarray(image, dtype=float)
    limit = float(np.max(np.abs(image))) or 1.0
    ax.imshow(
        image,
        cmap=_CMAP if symmetric else "viridis",
        vmin=-limit if symmetric else 0.0,
        vmax=limit,
        interpolation="nearest",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=7, pad=2)


def _numbers(locality: pd.DataFrame, model: str, weights: str, probe: str, unit: int) -> str:
    row = locality[
        (locality["model"] == model)
        & (locality["weights"] == weights)
        & (locality["probe"] == probe)
        & (locality["unit"] == unit)
    ]
    if row.empty:
        return f"unit {unit}"
    row = row.iloc[0]
    return f"u{unit}: f={row['window_fraction']:.2f} s={row['spread']:.1f}"


def plot_map_grid(
    panels: list[tuple[str, np.ndarray, str, str, str]], locality: pd.DataFrame, path, title: str, *, columns: int = 8
):
    """``panels``: (heading, maps (units, L, L), model, weights, probe) blocks, drawn one after
    the other, ``columns`` maps per row; each map titled with its window fraction f (b x b)
    and its spread s (lattice spacings) from ``locality``."""
    with use_style():
        blocks = [
            (heading, maps, model, weights, probe)
            for heading, maps, model, weights, probe in panels
            if maps is not None and len(maps)
        ]
        if not blocks:
            fig, axes = new_figure(1, 1, figsize=(6, 4))
            empty_panel(axes[0, 0], "nothing to show")
            return save(fig, path)
        rows_per_block = [int(np.ceil(len(maps) / columns)) for _, maps, *_ in blocks]
        fig = Figure(
            figsize=(1.45 * columns + 0.5, 1.6 * sum(rows_per_block) + 0.6 * len(blocks) + 0.6), layout="constrained"
        )
        subfigures = fig.subfigures(len(blocks), 1, height_ratios=[r + 0.35 for r in rows_per_block], squeeze=False)[
            :, 0
        ]
        for subfigure, (heading, maps, model, weights, probe), n_rows in zip(subfigures, blocks, rows_per_block):
            axes = subfigure.subplots(n_rows, columns, squeeze=False)
            for k, ax in enumerate(axes.flat):
                if k < len(maps):
                    _show(ax, maps[k], _numbers(locality, model, weights, probe, k))
                else:
                    ax.set_axis_off()
            subfigure.suptitle(heading, fontsize=9, color=WEIGHTS_COLORS.get(weights, "black"))
        fig.suptitle(title, fontsize=10)
        return save(fig, path)


def probe_panels(
    maps: dict[str, dict[str, np.ndarray]], featured: str, conv: Sequence[str], control_kinds: Sequence[str]
) -> dict[str, list]:
    """The blocks of :func:`plot_map_grid` of the three map figures, by figure name.

    ``maps``: model -> ``{"<weights>/<probe>": maps}`` as the probes stage saves them, control
    networks under the weights ``"<kind>-trained"`` of ``control_kinds``; ``featured``: the model
    drawn in full; ``conv``: the conv models. Every drawn model appears trained, untrained and
    control-trained:

    * ``receptive_fields`` -- the featured model's products of the weight matrices and its
      first-layer weights, each conv model's effective receptive field of its middle code site;
    * ``activation_maximization`` -- the inputs maximising each code unit of every drawn model;
    * ``saliency`` -- the featured model's |dz/dx| at each probe temperature, trained, then the
      other weights at the one nearest T_c (the middle one).

    A block whose maps were not measured holds None, which :func:`plot_map_grid` leaves out.
    """
    weights = ("trained", "untrained", *(f"{kind}-trained" for kind in control_kinds))

    def block(model, weight, probe, heading):
        return (heading, maps.get(model, {}).get(f"{weight}/{probe}"), model, weight, probe)

    first_layer = maps.get(featured, {}).get("trained/first_layer")
    receptive = [
        block(featured, w, "receptive_field", f"{featured}, {w}: product of the weight matrices to each code unit")
        for w in weights
    ]
    units = len(first_layer) if first_layer is not None else 0
    receptive += [
        block(featured, "trained", "first_layer", f"{featured}, trained: first-layer weights ({units} units)")
    ]
    receptive += [
        block(model, w, "receptive_field", f"{model}, {w}: effective receptive field of the middle code site")
        for model in conv
        for w in weights
    ]
    activation = [
        block(model, w, "activation_max", f"{model}, {w}: inputs maximising each code unit")
        for model in [featured, *conv]
        for w in weights
    ]
    saliency_probes = sorted({name.split("/", 1)[1] for name in maps.get(featured, {}) if "saliency" in name})
    saliency = [
        block(featured, "trained", probe, f"{featured}, trained: |dz/dx| at {probe.split('_T')[1]}")
        for probe in saliency_probes
    ]
    if saliency_probes:
        near_tc = saliency_probes[1] if len(saliency_probes) > 1 else ""
        saliency += [block(featured, w, near_tc, f"{featured}, {w}, near T_c") for w in weights[1:]]
    return {"receptive_fields": receptive, "activation_maximization": activation, "saliency": saliency}


def plot_probe_maps(
    maps: dict[str, dict[str, np.ndarray]],
    locality: pd.DataFrame,
    paths,
    *,
    L: int,
    b: int,
    featured: str,
    conv: Sequence[str],
    control_kinds: Sequence[str],
) -> None:
    """The three map figures of :func:`probe_panels` at L, each map titled with its locality in
    ``locality`` (window fraction in the best ``b`` x ``b`` window, spread), to
    ``paths["receptive_fields"]``, ``paths["activation_maximization"]`` and ``paths["saliency"]``."""
    panels = probe_panels(maps, featured, conv, control_kinds)
    plot_map_grid(
        panels["receptive_fields"],
        locality,
        paths["receptive_fields"],
        f"Receptive fields at L = {L} (f: fraction of |field| in the best {b} × {b} window; s: spread)",
    )
    plot_map_grid(
        panels["activation_maximization"],
        locality,
        paths["activation_maximization"],
        "Activation maximisation (Broomberg & Rabinovich): one input per code unit",
    )
    plot_map_grid(
        panels["saliency"],
        locality,
        paths["saliency"],
        "Saliency |dz/dx| per code unit, averaged over 50 test configurations",
    )


def plot_locality(locality: pd.DataFrame, path):
    """Per (model, weights, probe): the window fraction and the spread of every unit's map,
    against the exact majority rule and decimation (lines) and per DBN layer."""
    with use_style():
        if locality.empty:
            fig, axes = new_figure(1, 1, figsize=(6, 4))
            empty_panel(axes[0, 0], "no locality measured")
            return save(fig, path)
        # each probe's weights side by side: trained, untrained, then the control-trained ones
        groups = [
            key for key in locality.groupby(["model", "weights", "probe"], sort=False).groups if key[1] != "exact"
        ]
        first = {}
        for position, (model, _weights, probe) in enumerate(groups):
            first.setdefault(("model", model), position)
            first.setdefault(("probe", model, probe), position)
        weight_order = list(WEIGHTS_COLORS)
        groups.sort(
            key=lambda key: (
                first[("model", key[0])],
                first[("probe", key[0], key[2])],
                weight_order.index(key[1]) if key[1] in weight_order else len(weight_order),
            )
        )
        fig, axes = new_figure(1, 2, figsize=(15, 0.28 * len(groups) + 2.5), sharey=True)
        references = locality[locality["weights"] == "exact"]
        for ax, column, label in (
            (axes[0, 0], "window_fraction", "fraction of |map| in the best b × b window"),
            (axes[0, 1], "spread", "spread of |map| about its centroid (lattice spacings)"),
        ):
            for y, (model, weights, probe) in enumerate(groups):
                rows = locality[
                    (locality["model"] == model) & (locality["weights"] == weights) & (locality["probe"] == probe)
                ]
                values = rows[column].to_numpy(dtype=float)
                ax.plot(
                    values,
                    np.full(values.size, y) + np.linspace(-0.2, 0.2, values.size),
                    "o",
                    markersize=2.5,
                    color=WEIGHTS_COLORS.get(weights, "0.4"),
                    alpha=0.7,
                )
                ax.plot([np.median(values)] * 2, [y - 0.35, y + 0.35], color="black", linewidth=1.5)
            for row in references.itertuples():
                ax.axvline(
                    getattr(row, column),
                    color=WEIGHTS_COLORS["exact"],
                    linestyle="--" if row.model == "majority" else ":",
                    linewidth=1.2,
                    label=f"{row.model} (exact, b = {row.b})",
                )
            ax.set_xlabel(label)
            ax.grid(axis="x", alpha=0.3)
        axes[0, 0].set_yticks(range(len(groups)), [f"{m} · {p} ({w})" for m, w, p in groups], fontsize=7)
        axes[0, 0].set_ylim(len(groups) - 0.5, -0.5)
        axes[0, 0].legend(fontsize=7, loc="lower right")
        fig.suptitle(
            "Locality of every probe map (dots: units, bars: medians; orange trained on Ising, grey untrained, "
            "green trained on noise, light blue on sine waves, amber on smooth fields; blue lines: the exact block spins)",
            fontsize=10,
        )
        return save(fig, path)


def plot_dbn_fields(fields: dict[str, list[np.ndarray]], locality: pd.DataFrame, path, *, per_layer: int = 8):
    """The first ``per_layer`` receptive fields of every layer of the deep belief network, each
    layer's trained fields above those of its untrained initial weights (``fields``: weights ->
    one ``(units, L, L)`` array per layer), with each row's median window fraction and spread:
    do the fields grow with depth, like block spins of 2, 4, 8 sites, and more than random
    weights' do?"""
    with use_style():
        rows = [(weights, layer, stack) for weights, stacks in fields.items() for layer, stack in enumerate(stacks, 1)]
        if not rows:
            fig, axes = new_figure(1, 1, figsize=(6, 4))
            empty_panel(axes[0, 0], "no deep belief network in this study")
            return save(fig, path)
        rows.sort(key=lambda row: (row[1], row[0] != "trained"))
        fig, axes = new_figure(len(rows), per_layer, figsize=(1.5 * per_layer, 1.75 * len(rows) + 0.8))
        for i, (weights, layer, stack) in enumerate(rows):
            probe = f"layer{layer}"
            measured = locality[
                (locality["model"] == "dbn") & (locality["weights"] == weights) & (locality["probe"] == probe)
            ]
            for k in range(per_layer):
                ax = axes[i, k]
                if k < len(stack):
                    _show(ax, stack[k], _numbers(locality, "dbn", weights, probe, k))
                else:
                    ax.set_axis_off()
            axes[i, 0].set_ylabel(
                f"layer {layer}, {weights}\n{len(stack)} units, median\n"
                f"f {measured['window_fraction'].median():.3f}, s {measured['spread'].median():.1f}",
                fontsize=8,
                color=WEIGHTS_COLORS.get(weights, "black"),
            )
        fig.suptitle(
            "Deep belief network (Mehta & Schwab 2014): receptive fields r⁽ˡ⁾ = W⁽¹⁾…W⁽ˡ⁾ per layer, trained and "
            "its untrained initial weights; f: fraction in the best 2ˡ × 2ˡ window, s: spread",
            fontsize=9,
        )
        return save(fig, path)


def draw_configurations(axes, rows: list[tuple[float, list[tuple[str, np.ndarray]]]]) -> None:
    """Draw ``rows`` (as :func:`plot_reconstructions` takes them) into the 2-D array ``axes``,
    one row per temperature: each image in grey from -1 (black) to +1 (white), titled with its
    label and magnetisation per spin; axes without an image are hidden."""
    for i, (temperature, panels) in enumerate(rows):
        for j, ax in enumerate(axes[i]):
            if j >= len(panels):
                ax.set_axis_off()
                continue
            label, image = panels[j]
            ax.imshow(np.asarray(image, dtype=float), cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            ax.set_title(f"{label}\nm = {float(np.mean(image)):+.2f}", fontsize=7, pad=2)
        axes[i, 0].set_ylabel(f"T = {temperature:.3f}", fontsize=9)


def plot_reconstructions(rows: list[tuple[float, list[tuple[str, np.ndarray]]]], path):
    """``rows``: per temperature, (T, [(label, L x L or (L/b) x (L/b) image), ...]) panels: the
    input, its majority-rule block spins, the conv code, the reconstructions; the
    magnetisation per spin printed above each."""
    with use_style():
        if not rows:
            fig, axes = new_figure(1, 1, figsize=(6, 4))
            empty_panel(axes[0, 0], "nothing to reconstruct")
            return save(fig, path)
        n_columns = max(len(panels) for _, panels in rows)
        fig, axes = new_figure(len(rows), n_columns, figsize=(1.9 * n_columns, 2.1 * len(rows) + 0.6))
        draw_configurations(axes, rows)
        fig.suptitle(
            "Test configurations, their majority-rule block spins, the conv code and reconstructions "
            "(white +1, black −1; continuous values in grey)",
            fontsize=9,
        )
        return save(fig, path)
