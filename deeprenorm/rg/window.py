"""The temperature window of the RG flow: where the blocked and the direct ensembles are matched.

Light on purpose (numpy and the exact T_c only): the study plan (:mod:`deeprenorm.plan`) needs the
window when Snakemake reads the workflow, to know which temperatures a block lattice is
simulated at.
"""

from __future__ import annotations

import numpy as np

from ..exact import T_C

__all__ = ["WINDOW_HALF_WIDTH", "default_window"]

#: Half-width in J/k_B of the default window of the flow around T_c.  At the fixed point
#: T' - T* ~ b (T - T*), so the coarse temperatures that match inside a direct window of
#: +-0.15 reach +-0.075 (b = 2) and +-0.05 (b = 3) from T*, where the flow is still linear and
#: the reweighted table holds 15 or more rows 1/300 apart; the finite-size shift of T* (0.1-0.3 %
#: of T_c for L = 16-32 at 500 samples) stays far inside.  A wider window would add temperatures
#: that cost reweighting time and never enter the fixed point.
WINDOW_HALF_WIDTH = 0.15


def default_window(temperatures, half_width: float = WINDOW_HALF_WIDTH) -> tuple[float, float]:
    """The window of the flow when the config gives none (``rg.window: null``).

    From the highest simulated temperature at or below ``T_c - half_width`` (the lowest one if
    none is) to the lowest at or above ``T_c + half_width`` (the highest if none is): the
    smallest span of the grid that covers ``T_c +- half_width``.  A grid that lies wholly on one
    side of that interval gives the whole grid.  ValueError for fewer than 2 temperatures.
    """
    T = np.unique(np.asarray(temperatures, dtype=float))
    if T.size < 2 or not np.all(np.isfinite(T)):
        raise ValueError(f"temperatures must hold at least 2 finite values, got {T.tolist()}")
    if not half_width > 0:
        raise ValueError(f"half_width must be positive, got {half_width}")
    below, above = T[T <= T_C - half_width], T[T >= T_C + half_width]
    low = below.max() if below.size else T.min()
    high = above.min() if above.size else T.max()
    if low >= high:
        low, high = T.min(), T.max()
    return float(low), float(high)
