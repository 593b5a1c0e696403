"""Locality of a weight map on the L x L torus: is it concentrated on one small block, like a block spin?

A block-spin rule (Kadanoff, Physics 2, 263 (1966)) reads one b x b block of the lattice: the
map of its dependence on the sites (a receptive field, an activation-maximisation map, a
saliency map; the caller passes ``|map|``) is uniform on that block and zero elsewhere.  The
numbers here say how close an arbitrary non-negative map ``w`` of shape (L, L) comes to that,
all on the periodic lattice, so a block that straddles the seam (rows L - 1 and 0) counts as
compact:

* :func:`circular_centroid` -- where the weight sits: per axis the circular mean of the
  coordinate (Mardia & Jupp, *Directional Statistics*, Wiley 2000, ch. 2), the angle
  ``2 pi k / L`` of row (column) k weighted by the map summed over the other axis, mapped back
  to ``[0, L)``.  An arithmetic mean would put a block on rows L - 1 and 0 in the middle of the
  lattice.
* :func:`circular_spread` -- how far the weight lies from that centroid: the root-mean-square
  torus distance (minimum image per axis) in lattice spacings, 0 for a single site, ``sqrt((b^2
  - 1) / 6)`` for a uniform b x b block and ``sqrt((L^2 - 1) / 6)`` for a uniform map (~L /
  sqrt 6); with the per-axis parts and circular variances ``1 - R`` (R the mean resultant
  length: 0 for a delta, 1 for a uniform axis).
* :func:`best_window_fraction` -- the largest share of the total weight inside any b x b
  window of the torus, and the window's corner: 1 for the exact majority-rule block, ``b^2 /
  L^2`` for a uniform map.
* :func:`prototype_score` -- the prototype locality metric of the original study (Broomberg &
  Rabinovich, "Deep Renormalization", 2019): keep the sites above ``mean + k std`` of the map,
  cluster their positions by k-means, choose the number of clusters by an elbow rule and score
  few, compact clusters highly (1 for one surviving site).
* :func:`locality_summary` / :func:`locality_table` -- all of the above for one map, or one row
  per map of a stack ``(units, L, L)``.

**Centres on the circle.** Where an axis has no mean direction (mean resultant length below
``1e-9``: an exactly uniform marginal, or two equal blocks half a lattice apart) the circular
mean is undefined; the centroid is then the Frechet mean of that axis, the point minimising the
weighted mean squared minimum-image distance (Frechet, Ann. Inst. H. Poincare 10, 215 (1948)).
It is exact and cheap on a lattice: the minimum-image distance to a centre c is the ordinary
distance after cutting the circle at the antipode of c, so the minimum over c is the smallest
ordinary variance over the cuts between consecutive occupied coordinates.  The k-means of
:func:`prototype_score` uses the Frechet mean for every cluster centre, because it is the exact
minimiser of the within-cluster sum of squares that Lloyd's iteration lowers at every step.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..arguments import check_integer, check_real, is_integer

__all__ = [
    "SUMMARY_COLUMNS",
    "Spread",
    "PrototypeScore",
    "circular_centroid",
    "circular_spread",
    "best_window_fraction",
    "prototype_score",
    "locality_summary",
    "locality_table",
]

#: Keys of :func:`locality_summary`, in order; :func:`locality_table` adds ``unit`` in front.
SUMMARY_COLUMNS = [
    "centroid_y",
    "centroid_x",
    "spread",
    "spread_y",
    "spread_x",
    "circular_variance_y",
    "circular_variance_x",
    "window_fraction",
    "window_y0",
    "window_x0",
    "n_surviving",
    "n_clusters",
    "mean_radius",
    "prototype_score",
]

# Mean resultant length below which an axis has no mean direction. An exactly uniform marginal
# gives ~1e-16 (rounding); a map whose weight prefers a direction by one part in 10^9 of its
# total is, for locality, uniform along that axis.
_MIN_RESULTANT = 1e-9

# Elbow rule of prototype_score: a step k - 1 -> k clusters counts only if it lowers the
# within-cluster sum of squares (WCSS) by more than this fraction. Splitting one compact blob
# halves its extent along one axis and so removes at most ~3/4 of its WCSS (exactly 3/4 for a
# continuous segment, 50 % for a 2 x 2 block, 40 % for 4 x 4); separating two blobs whose
# distance is a few times their size removes more than 90 %.
_ELBOW_DROP = 0.8
# ... and by more than this many squared lattice spacings per surviving site: below the lattice
# resolution every split of a few adjacent sites gains a large fraction (a 1 x 2 pair split into
# two single sites gains 100 %) without separating anything.
_ELBOW_RESOLUTION = 1.0

# k-means restarts per number of clusters (k-means++ seeding each) and Lloyd iterations per
# restart; the iteration stops earlier once the assignment no longer changes.
_N_INIT = 8
_MAX_ITER = 100


class Spread(NamedTuple):
    """Result of :func:`circular_spread`: RMS torus distances from the centroid, in lattice
    spacings (``rms**2 = rms_y**2 + rms_x**2``), and the circular variance of each axis."""

    rms: float
    rms_y: float
    rms_x: float
    circular_variance_y: float
    circular_variance_x: float


class PrototypeScore(NamedTuple):
    """Result of :func:`prototype_score`.

    ``n_surviving`` sites exceed the threshold; they form ``n_clusters`` clusters whose RMS
    radii (torus distance to the cluster centre) average ``mean_radius`` lattice spacings;
    ``score = 1 / (n_clusters * (1 + mean_radius))``, 0 (and ``mean_radius`` NaN) when no site
    survives.
    """

    n_surviving: int
    n_clusters: int
    mean_radius: float
    score: float


# ----------------------------------------------------------------------------- checks


def _check_map(weights, name: str = "weights") -> np.ndarray:
    """``weights`` as a float64 (L, L) array: finite, non-negative, with a positive total."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] != weights.shape[1]:
        raise ValueError(f"{name} must be a square (L, L) array, got shape {weights.shape}")
    _check_values(weights, name)
    return weights


def _check_values(weights: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(weights)):
        raise ValueError(f"{name} must be finite")
    if np.any(weights < 0):
        raise ValueError(f"{name} must be non-negative (pass |map| for a signed map), found {weights.min():g}")
    # per map: a stack (units, L, L) needs every unit to carry weight
    totals = weights.reshape(-1, weights.shape[-2] * weights.shape[-1]).sum(axis=1)
    if np.any(totals <= 0):
        raise ValueError(f"{name} must have a positive total weight (an all-zero map has no location)")


def _check_block(b, L: int) -> int:
    if not (is_integer(b) and 1 <= b <= L):
        raise ValueError(f"b must be an integer in [1, L = {L}], got {b!r}")
    return int(b)


# ----------------------------------------------------------------------------- the circle


def _minimum_image(delta, L: int):
    """Signed torus displacement in ``[-L/2, L/2)``."""
    return (np.asarray(delta, dtype=np.float64) + L / 2) % L - L / 2


def _frechet_centre(coordinates: np.ndarray, weights: np.ndarray, L: int) -> tuple[float, float]:
    """Frechet mean on the circle of length L and the weighted mean squared minimum-image
    distance to it. ``coordinates`` in ``[0, L)`` with positive ``weights``.

    Cut the circle at each occupied coordinate s (positions unwrapped to ``[s, s + L)``); the
    ordinary weighted variance of the cut with the smallest one is the minimum over all centres
    (module docstring), attained at that cut's mean. Ties go to the first cut in coordinate order.
    """
    starts = np.unique(coordinates)
    unwrapped = (coordinates[None, :] - starts[:, None]) % L + starts[:, None]
    total = weights.sum()
    means = unwrapped @ weights / total
    variances = ((unwrapped - means[:, None]) ** 2) @ weights / total
    best = int(np.argmin(variances))
    return float(means[best] % L), float(variances[best])


def _axis_centroid(marginal: np.ndarray) -> tuple[float, float]:
    """Circular mean (Frechet mean where undefined) and circular variance of one axis, from the
    weight of each coordinate 0 .. L - 1."""
    L = marginal.size
    angle = 2 * np.pi * np.arange(L) / L
    total = marginal.sum()
    cosine, sine = marginal @ np.cos(angle) / total, marginal @ np.sin(angle) / total
    resultant = math.hypot(cosine, sine)
    if resultant < _MIN_RESULTANT:
        occupied = np.flatnonzero(marginal)
        centre, _ = _frechet_centre(occupied.astype(np.float64), marginal[occupied], L)
    else:
        centre = (math.atan2(sine, cosine) * L / (2 * np.pi)) % L
    # 1 - R can come out a few ulps outside [0, 1] for a delta or a uniform axis
    return float(centre), float(min(1.0, max(0.0, 1.0 - resultant)))


def _marginals(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weight of each row and of each column."""
    return weights.sum(axis=1), weights.sum(axis=0)


# ----------------------------------------------------------------------------- public metrics


def circular_centroid(weights) -> tuple[float, float]:
    """Centre ``(y, x)`` of a non-negative (L, L) map on the torus, each in ``[0, L)``.

    Per axis the circular mean of the coordinate: the direction of ``sum_k W_k exp(2 pi i k /
    L)``, ``W_k`` the map summed over the other axis, times ``L / 2 pi``.  A block on rows L - 1
    and 0 has its centre at L - 1/2, not in the middle of the lattice.  Where an axis has no
    mean direction (module docstring) its Frechet mean is returned instead.

    Raises ValueError unless ``weights`` is a square, finite, non-negative array with a
    positive total.
    """
    rows, columns = _marginals(_check_map(weights))
    return _axis_centroid(rows)[0], _axis_centroid(columns)[0]


def circular_spread(weights) -> Spread:
    """RMS torus distance of the weight from its :func:`circular_centroid`, in lattice spacings.

    Per axis ``rms_y**2 = sum_k W_k d(k, y_c)**2 / sum_k W_k`` with the minimum-image distance
    ``d`` (the same for x), and ``rms = sqrt(rms_y**2 + rms_x**2)``: the squared torus distance
    is the sum of the per-axis ones.  A single site gives 0, a uniform b x b block
    ``sqrt((b**2 - 1) / 6)`` (0.707 for b = 2, 1.581 for b = 4) and a uniform map exactly
    ``sqrt((L**2 - 1) / 6)`` (its centroid is the Frechet mean, at half-integers for even L;
    9.789 for L = 24).  The circular variances ``1 - R`` of the two axes come with it.

    Raises ValueError as :func:`circular_centroid`.
    """
    rows, columns = _marginals(_check_map(weights))
    parts = []
    for marginal in (rows, columns):
        centre, variance = _axis_centroid(marginal)
        distance = _minimum_image(np.arange(marginal.size) - centre, marginal.size)
        parts.append((math.sqrt(float(marginal @ distance**2 / marginal.sum())), variance))
    (rms_y, variance_y), (rms_x, variance_x) = parts
    return Spread(math.hypot(rms_y, rms_x), rms_y, rms_x, variance_y, variance_x)


def best_window_fraction(weights, b: int) -> tuple[float, tuple[int, int]]:
    """Largest fraction of the total weight inside one b x b window of the torus, and its corner.

    The window with corner ``(y0, x0)`` covers rows ``y0 .. y0 + b - 1`` and columns ``x0 .. x0
    + b - 1`` modulo L, so windows across the seam count.  Returns ``(fraction, (y0, x0))``;
    of equal windows the first in row-major order of the corner.  A map that vanishes outside
    one b x b block gives 1 (clipped there against rounding of a sum in a different order), a
    uniform map ``b**2 / L**2`` (exactly, for integer-valued weights) with corner (0, 0).

    Raises ValueError as :func:`circular_centroid`, or unless ``b`` is an integer in [1, L].
    """
    weights = _check_map(weights)
    b = _check_block(b, weights.shape[0])
    # a window sum is a sum over b rows of sums over b columns: 2 b shifted copies, not b^2
    rows = sum(np.roll(weights, -shift, axis=0) for shift in range(b))
    windows = sum(np.roll(rows, -shift, axis=1) for shift in range(b))
    y0, x0 = np.unravel_index(int(np.argmax(windows)), windows.shape)
    return min(1.0, float(windows[y0, x0] / weights.sum())), (int(y0), int(x0))


# ----------------------------------------------------------------------------- prototypes


def _squared_distances(points: np.ndarray, centres: np.ndarray, L: int) -> np.ndarray:
    """Squared torus distances, shape (n_points, n_centres)."""
    return (_minimum_image(points[:, None, :] - centres[None, :, :], L) ** 2).sum(axis=-1)


def _cluster_centre(members: np.ndarray, L: int) -> np.ndarray:
    """Frechet mean of lattice positions (m, 2), per axis (the squared torus distance is a sum
    of per-axis terms, so the per-axis minimisers minimise it)."""
    ones = np.ones(members.shape[0])
    return np.array([_frechet_centre(members[:, axis], ones, L)[0] for axis in (0, 1)])


def _kmeans_plus_plus(points: np.ndarray, n_clusters: int, L: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding (Arthur & Vassilvitskii, Proc. SODA 2007, 1027) with torus distances."""
    centres = [points[rng.integers(points.shape[0])]]
    for _ in range(1, n_clusters):
        nearest = _squared_distances(points, np.array(centres), L).min(axis=1)
        # the points are distinct sites, so while fewer centres than points exist some is > 0
        centres.append(points[rng.choice(points.shape[0], p=nearest / nearest.sum())])
    return np.array(centres)


def _kmeans(
    points: np.ndarray, n_clusters: int, L: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, float]:
    """Best of ``_N_INIT`` Lloyd runs (Lloyd, IEEE Trans. Inf. Theory 28, 129 (1982)) on the
    torus: labels, centres and the within-cluster sum of squared torus distances (WCSS)."""
    best = None
    for _ in range(_N_INIT):
        centres = _kmeans_plus_plus(points, n_clusters, L, rng)
        labels = np.full(points.shape[0], -1)
        for _ in range(_MAX_ITER):
            distances = _squared_distances(points, centres, L)
            new_labels = np.argmin(distances, axis=1)
            counts = np.bincount(new_labels, minlength=n_clusters)
            for empty in np.flatnonzero(counts == 0):
                # an emptied cluster takes the point farthest from its centre among those that
                # do not leave their own cluster empty (n_clusters <= n_points: one exists), so
                # that every restart ends with n_clusters clusters
                own = distances[np.arange(points.shape[0]), new_labels]
                farthest = int(np.argmax(np.where(counts[new_labels] > 1, own, -1.0)))
                counts[new_labels[farthest]] -= 1
                counts[empty] = 1
                new_labels[farthest] = empty
            if np.array_equal(new_labels, labels):
                break
            labels = new_labels
            centres = np.array([_cluster_centre(points[labels == c], L) for c in range(n_clusters)])
        wcss = float(_squared_distances(points, centres, L)[np.arange(points.shape[0]), labels].sum())
        if best is None or wcss < best[2]:
            best = (labels, centres, wcss)
    return best


def prototype_score(weights, *, k: float = 2.0, max_clusters: int = 6, seed: int = 0) -> PrototypeScore:
    """Prototype locality of a non-negative (L, L) map (Broomberg & Rabinovich 2019).

    1. **Threshold.** Keep the sites whose weight exceeds ``mean + k * std`` of the map (over
       all L^2 sites, population std): the prototype of what the map responds to.  A constant
       map keeps none.
    2. **Cluster.** k-means of the surviving positions for every number of clusters from 1 to
       ``min(max_clusters, n_surviving)``, with minimum-image torus distances (so a block across
       the seam is one cluster), Frechet-mean centres (module docstring), k-means++ seeding and
       8 restarts from ``numpy.random.default_rng(seed)``.
    3. **Elbow.** ``n_clusters`` is the largest number reached by a step ``j - 1 -> j`` that
       lowers the within-cluster sum of squares by more than 80 % of its value and by more than
       one squared lattice spacing per surviving site; 1 if no step does.  Splitting one compact
       blob never gains 80 % (module constants); separating blobs a few sizes apart does.  The
       largest such j, not the first, so that three equidistant blobs (whose first split gains
       only half) still count as three.
    4. **Score.** ``1 / (n_clusters * (1 + mean_radius))``, ``mean_radius`` the mean over the
       clusters of their RMS torus distance to their centre: 1 for one surviving site, 1 /
       (1 + 0.707) = 0.586 for one uniform 2 x 2 block, 1/2 for two separated single sites,
       towards 0 for scattered sites; 0 when no site survives.

    Raises ValueError as :func:`circular_centroid`, for ``k`` not a finite number,
    ``max_clusters`` not an integer >= 1 or ``seed`` not a non-negative integer.
    """
    weights = _check_map(weights)
    check_real("k", k)
    check_integer("max_clusters", max_clusters, 1)
    if not (is_integer(seed) and seed >= 0):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    L = weights.shape[0]
    points = np.argwhere(weights > weights.mean() + k * weights.std()).astype(np.float64)
    if points.shape[0] == 0:
        return PrototypeScore(0, 0, math.nan, 0.0)
    rng = np.random.default_rng(seed)
    runs = [_kmeans(points, n, L, rng) for n in range(1, min(max_clusters, points.shape[0]) + 1)]
    n_clusters = 1
    for j in range(1, len(runs)):
        gain = runs[j - 1][2] - runs[j][2]
        if gain > _ELBOW_DROP * runs[j - 1][2] and gain > _ELBOW_RESOLUTION * points.shape[0]:
            n_clusters = j + 1
    labels, centres, _ = runs[n_clusters - 1]
    distances = _squared_distances(points, centres, L)[np.arange(points.shape[0]), labels]
    mean_radius = float(np.mean([math.sqrt(distances[labels == c].mean()) for c in range(n_clusters)]))
    return PrototypeScore(int(points.shape[0]), n_clusters, mean_radius, 1.0 / (n_clusters * (1.0 + mean_radius)))


# ----------------------------------------------------------------------------- summaries


def locality_summary(weights, b: int, *, k: float = 2.0, max_clusters: int = 6, seed: int = 0) -> dict:
    """All locality numbers of one non-negative (L, L) map, keyed by :data:`SUMMARY_COLUMNS`.

    ``b`` is the block size of :func:`best_window_fraction`; ``k``, ``max_clusters`` and ``seed``
    go to :func:`prototype_score`.  Raises ValueError as those functions.
    """
    weights = _check_map(weights)
    centroid_y, centroid_x = circular_centroid(weights)
    spread = circular_spread(weights)
    fraction, (y0, x0) = best_window_fraction(weights, b)
    prototypes = prototype_score(weights, k=k, max_clusters=max_clusters, seed=seed)
    return {
        "centroid_y": centroid_y,
        "centroid_x": centroid_x,
        "spread": spread.rms,
        "spread_y": spread.rms_y,
        "spread_x": spread.rms_x,
        "circular_variance_y": spread.circular_variance_y,
        "circular_variance_x": spread.circular_variance_x,
        "window_fraction": fraction,
        "window_y0": y0,
        "window_x0": x0,
        "n_surviving": prototypes.n_surviving,
        "n_clusters": prototypes.n_clusters,
        "mean_radius": prototypes.mean_radius,
        "prototype_score": prototypes.score,
    }


def locality_table(maps, b: int, *, k: float = 2.0, max_clusters: int = 6, seed: int = 0) -> pd.DataFrame:
    """:func:`locality_summary` of every map of a stack ``(units, L, L)``: one row per unit,
    columns ``unit`` (0 .. units - 1) and :data:`SUMMARY_COLUMNS`.  Every unit's prototypes
    use the same ``seed``, so a row does not depend on the other maps.

    Raises ValueError unless ``maps`` is a (units, L, L) stack of square maps that each pass
    the checks of :func:`locality_summary`.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3 or maps.shape[1] != maps.shape[2]:
        raise ValueError(f"maps must be a (units, L, L) stack, got shape {maps.shape}")
    _check_values(maps, "maps")
    rows = [
        {"unit": unit, **locality_summary(m, b, k=k, max_clusters=max_clusters, seed=seed)}
        for unit, m in enumerate(maps)
    ]
    return pd.DataFrame(rows, columns=["unit", *SUMMARY_COLUMNS])
