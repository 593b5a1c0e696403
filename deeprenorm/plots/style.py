"""The one plotting style of deeprenorm: rcParams, colours, figure creation and saving.

Figures are built as bare :class:`matplotlib.figure.Figure` objects, never through pyplot, so
no GUI backend is touched (PNG output goes through Agg whatever the session's backend is) and a
notebook's inline backend is left alone.  Use::

    with use_style():
        fig, axes = new_figure(2, 3, figsize=(15, 9))
        ...
        save(fig, "results/figures/thermodynamics.png")
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..exact import T_C
from ..io import atomic_path
from ..stats import format_value_error, format_with_systematic

__all__ = [
    "DPI",
    "STYLE",
    "ALGORITHM_COLORS",
    "ALGORITHM_LABELS",
    "EXACT_COLOR",
    "OKABE_ITO",
    "WEIGHTS_COLORS",
    "use_style",
    "new_figure",
    "size_colors",
    "stage_colors",
    "model_colors",
    "algorithm_color",
    "algorithm_label",
    "mark_critical_temperature",
    "plain_log_labels",
    "format_value_error",
    "format_with_systematic",
    "empty_panel",
    "save",
]

#: Resolution of the written PNGs.
DPI = 150

#: rcParams of every figure: large enough text to read a 15-inch-wide figure at half size,
#: light grid, no top/right spines, frameless-but-opaque legends.
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": True,
    "legend.framealpha": 0.85,
    "legend.edgecolor": "0.8",
    "axes.grid": True,
    "grid.color": "0.9",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "lines.linewidth": 1.4,
    "lines.markersize": 4.5,
    "errorbar.capsize": 2.0,
}

#: Okabe & Ito's qualitative palette, distinguishable with every common colour-vision deficiency
#: (black last: it is the colour of exact curves).
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: One colour per Monte Carlo algorithm, the same in every figure.
ALGORITHM_COLORS = {"metropolis": "#D55E00", "wolff": "#009E73", "swendsen_wang": "#0072B2"}
ALGORITHM_LABELS = {"metropolis": "Metropolis", "wolff": "Wolff", "swendsen_wang": "Swendsen-Wang"}
#: Colour of exact infinite-lattice curves (Onsager, Yang).
EXACT_COLOR = "0.15"

#: One colour per kind of weights a map comes from, the same in every figure (Okabe-Ito, safe for
#: colour-blind readers): the exact block-spin maps, networks trained on the Ising data, their
#: untrained initial weights, trained far from T_c only, trained on the noise, sine and smooth
#: controls.
WEIGHTS_COLORS = {
    "exact": "#0072B2",
    "trained": "#D55E00",
    "untrained": "#7F7F7F",
    "far": "#CC79A7",
    "far-trained": "#CC79A7",
    "noise-trained": "#009E73",
    "sine-trained": "#56B4E9",
    "smooth-trained": "#E69F00",
    "rsmi": "#000000",
}

_SIZE_COLORMAP = "viridis"
# viridis stops short of its pale yellow end, which vanishes on white
_SIZE_COLOR_RANGE = (0.0, 0.82)


def use_style():
    """Context manager applying :data:`STYLE` (``matplotlib.rc_context``)."""
    return matplotlib.rc_context(STYLE)


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize=(6.4, 4.8), **subplot_kw):
    """A pyplot-free ``Figure`` with constrained layout and its ``axes`` array (always 2-D)."""
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, axes


def size_colors(sizes) -> dict[int, tuple]:
    """One colour per lattice size, ordered from dark (smallest L) to light (largest L)."""
    sizes = sorted({int(L) for L in sizes})
    cmap = matplotlib.colormaps[_SIZE_COLORMAP]
    if len(sizes) == 1:
        return {sizes[0]: cmap(_SIZE_COLOR_RANGE[0])}
    levels = np.linspace(*_SIZE_COLOR_RANGE, len(sizes))
    return {L: cmap(level) for L, level in zip(sizes, levels)}


def stage_colors(stages) -> dict[str, str]:
    """One Okabe-Ito colour per pipeline stage, in the order given (cycling past eight)."""
    return {stage: OKABE_ITO[index % len(OKABE_ITO)] for index, stage in enumerate(stages)}


def model_colors(names) -> dict:
    """One Okabe-Ito colour per model (any hashable key), in the order given, cycling past
    seven: black is left to the exact curves and the magnetisation. One model keeps its colour
    across the panels of a figure."""
    palette = OKABE_ITO[:-1]
    return {name: palette[index % len(palette)] for index, name in enumerate(dict.fromkeys(names))}


def algorithm_color(algorithm: str):
    """Colour of an algorithm (grey for an unknown name)."""
    return ALGORITHM_COLORS.get(algorithm, "0.5")


def algorithm_label(algorithm: str) -> str:
    return ALGORITHM_LABELS.get(algorithm, algorithm)


def mark_critical_temperature(ax, *, orientation: str = "vertical", label: str | None = None):
    """Dotted line at Onsager's ``T_c = 2 / ln(1 + sqrt 2)``."""
    line = ax.axvline if orientation == "vertical" else ax.axhline
    return line(T_C, color="0.35", linestyle=":", linewidth=1.2, zorder=1, label=label)


def plain_log_labels(axis) -> None:
    """Tick labels of a log axis as plain numbers (``0.5, 1, 2, 5, 10``), not ``5 x 10^-1``.

    Call after the data are drawn: the view limits decide the minor labels.  An axis spanning
    less than two decades also labels its minor ticks at 2 and 5 times a power of ten, so it
    never shows a single label.
    """
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    axis.set_major_formatter(plain)
    lo, hi = sorted(axis.get_view_interval())
    if lo > 0 and hi / lo < 100:

        def two_and_five(value, _):
            mantissa = value / 10 ** np.floor(np.log10(value) + 1e-9)
            return f"{value:g}" if np.isclose(mantissa, 2) or np.isclose(mantissa, 5) else ""

        axis.set_minor_formatter(FuncFormatter(two_and_five))
    else:
        axis.set_minor_formatter(NullFormatter())


def empty_panel(ax, message: str) -> None:
    """Blank an axes that has nothing to show, leaving ``message`` in its middle."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")


def save(fig: Figure, path) -> Path:
    """Write ``fig`` as a PNG at :data:`DPI`, atomically (:func:`deeprenorm.io.atomic_path`: no
    truncated PNG at ``path`` after an interrupted run, the mode the umask gives), and close it.

    Folders are created.  A figure made through pyplot is also closed there, to free its memory.
    """
    path = Path(path)
    try:
        with atomic_path(path) as temporary:
            fig.savefig(temporary, format="png", dpi=DPI)
    finally:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close(fig)
    return path
