"""Wolff single-cluster algorithm (Wolff, PRL 62, 361 (1989)) on an L x L torus.

The cluster grows from a random seed with an explicit stack (no recursion, so no stack overflow
at low temperature where the cluster spans the lattice). Spins are flipped when they join the
cluster, which marks them as visited for free.

A *sweep* is a fixed number of clusters, ``clusters_per_sweep ~ L^2 / <|C|>``, chosen once per
chain after thermalisation, so that it flips L^2 spins on average and tau_int in sweeps is
comparable across algorithms. The number must be fixed: stopping "when L^2 spins have flipped"
makes the measurement time depend on the last cluster's size, and since a large cluster is flipped
out of (and into) an ordered state, that stopping rule over-samples ordered states (measured here:
e = -1.50 instead of the exact -1.453 at L = 16, T_c).
"""

import numba as nb
import numpy as np

from .rng import next_double, next_uint64

__all__ = ["wolff_clusters", "clusters_per_sweep", "new_wolff_stack"]


def new_wolff_stack(length: int) -> np.ndarray:
    """Scratch stack for cluster growth (a cluster holds at most L^2 sites)."""
    return np.empty(length * length, dtype=np.int64)


@nb.njit(cache=True)
def _grow_and_flip(flat, length, threshold, state, stack):
    n_sites = length * length
    seed = np.int64(next_double(state) * n_sites)
    cluster_spin = flat[seed]
    flat[seed] = -cluster_spin
    stack[0] = seed
    top = 1
    size = 1
    while top > 0:
        top -= 1
        site = stack[top]
        y = site // length
        x = site - y * length
        # Conditional wraps instead of %: integer division would dominate the cost per spin.
        row = site - x
        right = site + 1 if x + 1 < length else row
        left = site - 1 if x > 0 else row + length - 1
        down = site + length if y + 1 < length else x
        up = site - length if y > 0 else n_sites - length + x
        for neighbour in (right, left, down, up):
            if flat[neighbour] == cluster_spin and next_uint64(state) <= threshold:
                flat[neighbour] = -cluster_spin
                stack[top] = neighbour
                top += 1
                size += 1
    return size


@nb.njit(cache=True)
def wolff_clusters(spins, threshold, state, n_clusters, stack):
    """Grow and flip ``n_clusters`` Wolff clusters in place; returns the number of flipped spins.

    ``n_flipped / n_clusters`` estimates the mean cluster size ``<|C|>``, whose improved-estimator
    identity is ``<|C|> / N = <m^2>``.
    """
    length = spins.shape[0]
    flat = spins.reshape(length * length)
    n_flipped = 0
    for _ in range(n_clusters):
        n_flipped += _grow_and_flip(flat, length, threshold, state, stack)
    return n_flipped


@nb.njit(cache=True)
def clusters_per_sweep(spins, threshold, state, stack, n_sweeps):
    """Flip clusters until ``n_sweeps * L^2`` spins have flipped and return ``round(L^2 / <|C|>)``
    (at least 1). Meant for the thermalisation phase only: see the module docstring."""
    n_sites = spins.shape[0] * spins.shape[0]
    flat = spins.reshape(n_sites)
    n_flipped = 0
    n_clusters = 0
    while n_flipped < n_sweeps * n_sites:
        n_flipped += _grow_and_flip(flat, spins.shape[0], threshold, state, stack)
        n_clusters += 1
    return max(1, round(n_sites * n_clusters / n_flipped))
