"""Block-spin maps of Ising configurations: the coarse-graining an autoencoder is compared with.

Kadanoff's block-spin construction (Kadanoff, Physics 2, 263 (1966)) replaces each b x b block of
an L x L torus by one spin, giving an (L/b) x (L/b) torus; at T_c the blocked ensemble of L is
close to the direct ensemble of L/b, and away from T_c it flows towards the ordered (T < T_c) or
the disordered (T > T_c) fixed point.  Two maps:

* :func:`majority` -- the sign of the block sum (Monte Carlo renormalisation group, Swendsen,
  PRL 42, 859 (1979)); for even b ties are broken at random.
* :func:`decimation` -- one spin per block, a baseline that keeps the short-distance fluctuations
  of the fine lattice instead of averaging them.

:func:`iterate` applies a map k times.  Blocks are aligned at the origin: block (I, J) covers rows
``b*I .. b*I + b - 1`` and columns ``b*J .. b*J + b - 1``.  Every map takes int8 configurations of
+-1 with shape ``(..., L, L)`` -- one lattice ``(L, L)``, a batch ``(n, L, L)`` or a dataset's
``(temperature, sample, L, L)`` -- and returns int8 of shape ``(..., L/b, L/b)``.
"""

from __future__ import annotations

import numpy as np

from ..arguments import check_integer
from ..seeding import stream, temperature_key

__all__ = ["MAPS", "checked_configurations", "majority", "decimation", "iterate", "tie_breaking_rng"]


def checked_configurations(spins, b: int) -> np.ndarray:
    """``spins`` as an int8 array ``(..., L, L)`` of +-1 with L divisible by ``b``."""
    spins = np.asarray(spins)
    if spins.dtype != np.int8:
        raise ValueError(f"spins must be int8 configurations of +-1, got dtype {spins.dtype}")
    if spins.ndim < 2 or spins.shape[-1] != spins.shape[-2]:
        raise ValueError(f"spins must have shape (..., L, L), got {spins.shape}")
    if not np.all(np.abs(spins) == 1):
        raise ValueError("spins must be +-1 (found other values)")
    L = spins.shape[-1]
    if L % b:
        raise ValueError(f"the lattice size L = {L} is not divisible by the block size b = {b}")
    return spins


def _block_sums(spins: np.ndarray, b: int) -> np.ndarray:
    """Sum of each b x b block, int32 (an int8 sum overflows from b = 12 on)."""
    coarse = spins.shape[-1] // b
    blocks = spins.reshape(*spins.shape[:-2], coarse, b, coarse, b)
    return blocks.sum(axis=(-3, -1), dtype=np.int32)


def majority(spins, b: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Majority-rule block spins: the sign of each b x b block sum.

    For odd b the sum of b^2 spins is odd and never 0.  For even b a block with as many up as
    down spins (a tie) gets +1 or -1 with probability 1/2 each, drawn from ``rng`` (required for
    even b, ValueError without it): the p -> infinity limit of the probabilistic block-spin rule
    ``P(s') ~ exp(p s' sum_block s)`` of Kadanoff, Houghton & Yalabik, J. Stat. Phys. 14, 171
    (1976); a fixed sign for ties would break the up-down symmetry.  At b = 2 ties are common (8 % of
    the blocks of L = 32 at T_c, 2.5 % at T = 2.0, 15 % at T = 2.5), so short-distance
    observables of the blocked lattice (its nearest-neighbour correlation, its energy) depend on
    the tie rule; long-distance ones (|m|, U_4) barely do.

    ``spins``: int8 +-1 of shape ``(..., L, L)`` with L divisible by ``b``.  Returns int8
    ``(..., L/b, L/b)``.
    """
    b = check_integer("b", b, 2)
    if b % 2 == 0 and rng is None:
        raise ValueError(f"majority with even b = {b} breaks ties at random: pass rng (a numpy Generator)")
    sums = _block_sums(checked_configurations(spins, b), b)
    blocked = np.sign(sums).astype(np.int8)
    ties = blocked == 0
    if np.any(ties):
        blocked[ties] = 2 * rng.integers(0, 2, size=int(ties.sum()), dtype=np.int8) - 1
    return blocked


def decimation(spins, b: int) -> np.ndarray:
    """Decimation: the top-left spin of each b x b block, ``spins[..., ::b, ::b]``.

    No averaging, so the blocked ensemble at T is the fine one seen at b times the spacing:
    short-distance fluctuations survive, and its Hamiltonian flow is the classic pathological
    case of position-space renormalisation (Griffiths & Pearce, J. Stat. Phys. 20, 499 (1979)).
    A baseline for the majority rule.  Returns a new int8 array ``(..., L/b, L/b)``.
    """
    b = check_integer("b", b, 2)
    return np.ascontiguousarray(checked_configurations(spins, b)[..., ::b, ::b])


#: Name -> block-spin map, for configuration files and workflow rules.
MAPS = {"majority": majority, "decimation": decimation}


def iterate(block_map, spins, b: int, times: int, **options) -> np.ndarray:
    """``block_map`` (a function of :data:`MAPS`) applied ``times`` times with factor ``b``.

    L must be divisible by ``b**times``; the result has size ``L / b**times``.  ``options`` go
    to every application (``rng=`` for :func:`majority`: one generator serves all of them, so
    the tie breaks of successive steps are independent).  ``times = 0`` returns the input.
    """
    b = check_integer("b", b, 2)
    times = check_integer("times", times, 0)
    spins = np.asarray(spins)
    if spins.ndim < 2:
        raise ValueError(f"spins must have shape (..., L, L), got {spins.shape}")
    L = spins.shape[-1]
    if L % b**times:
        raise ValueError(f"the lattice size L = {L} is not divisible by b**times = {b}**{times} = {b**times}")
    for _ in range(times):
        spins = block_map(spins, b, **options)
    return spins


def tie_breaking_rng(seed: int, L: int, b: int, temperature: float) -> np.random.Generator:
    """The generator for the tie breaks of the majority rule applied to the L x L samples at
    ``temperature``: ``seeding.stream(seed, "blocking", L, b, temperature_key(T))``, so the
    blocked dataset of one (L, b, T) is reproducible and independent of every other."""
    return np.random.default_rng(stream(seed, "blocking", L, b, temperature_key(temperature)))
