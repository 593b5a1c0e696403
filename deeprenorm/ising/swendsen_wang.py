"""Swendsen-Wang multi-cluster algorithm (Swendsen & Wang, PRL 58, 86 (1987)) on an L x L torus.

One sweep places every Fortuin-Kasteleyn bond (probability ``1 - exp(-2 beta)`` between equal
neighbours) in a raster scan, joins the clusters with union-find (path halving), and flips each
cluster with probability 1/2.
"""

import numba as nb
import numpy as np

from .rng import next_uint64

__all__ = ["swendsen_wang_sweeps", "new_swendsen_wang_workspace"]

_HALF = np.uint64(1) << np.uint64(63)


def new_swendsen_wang_workspace(length: int) -> tuple[np.ndarray, np.ndarray]:
    """Scratch arrays: the union-find parents and the per-root flip decision."""
    n_sites = length * length
    return np.empty(n_sites, dtype=np.int64), np.empty(n_sites, dtype=np.int8)


@nb.njit(inline="always", cache=True)
def _find(parent, site):
    while parent[site] != site:
        parent[site] = parent[parent[site]]
        site = parent[site]
    return site


@nb.njit(inline="always", cache=True)
def _union(parent, first, second):
    root_first = _find(parent, first)
    root_second = _find(parent, second)
    # Linking the larger index under the smaller keeps roots where the raster scan meets them first.
    if root_first < root_second:
        parent[root_second] = root_first
    elif root_second < root_first:
        parent[root_first] = root_second


@nb.njit(cache=True)
def swendsen_wang_sweeps(spins, threshold, state, n_sweeps, parent, flip):
    """Run ``n_sweeps`` Swendsen-Wang updates in place. Returns the number of clusters of the
    last sweep."""
    length = spins.shape[0]
    n_sites = length * length
    flat = spins.reshape(n_sites)
    n_clusters = 0
    for _ in range(n_sweeps):
        for site in range(n_sites):
            parent[site] = site
        for y in range(length):
            row = y * length
            below = ((y + 1) % length) * length
            for x in range(length):
                site = row + x
                spin = flat[site]
                right = site + 1 if x + 1 < length else row
                if flat[right] == spin and next_uint64(state) <= threshold:
                    _union(parent, site, right)
                down = below + x
                if flat[down] == spin and next_uint64(state) <= threshold:
                    _union(parent, site, down)
        n_clusters = 0
        for site in range(n_sites):
            root = _find(parent, site)
            if root == site:
                flip[site] = np.int8(next_uint64(state) < _HALF)
                n_clusters += 1
            if flip[root]:
                flat[site] = -flat[site]
    return n_clusters
