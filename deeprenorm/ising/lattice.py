"""Lattice helpers shared by the kernels: energy, magnetisation and bond probabilities, the
staggered map, and which block lattices of an L x L torus exist."""

import math

import numba as nb
import numpy as np

from .rng import probability_threshold

__all__ = ["energy_magnetization", "bond_threshold", "random_lattice", "staggered_sign", "staggered"]


@nb.njit(cache=True)
def energy_magnetization(spins):
    """Total energy ``E = -sum_<ij> s_i s_j`` (each bond once) and ``M = sum_i s_i`` of an
    ``(L, L)`` torus."""
    length = spins.shape[0]
    energy = 0
    magnetization = 0
    for y in range(length):
        down = spins[(y + 1) % length]
        row = spins[y]
        for x in range(length):
            spin = np.int64(row[x])
            energy -= spin * (row[(x + 1) % length] + down[x])
            magnetization += spin
    return energy, magnetization


def bond_threshold(beta: float) -> np.uint64:
    """uint64 threshold for the Fortuin-Kasteleyn bond probability ``p = 1 - exp(-2 beta)``.

    A bond between equal neighbours is placed when a 64-bit draw ``u <= threshold``.
    """
    return probability_threshold(-math.expm1(-2.0 * beta))


def random_lattice(length: int, rng: np.random.Generator) -> np.ndarray:
    """An infinite-temperature (hot-start) configuration."""
    return (2 * rng.integers(0, 2, size=(length, length), dtype=np.int8) - 1).astype(np.int8)


def staggered_sign(L: int) -> np.ndarray:
    """The checkerboard ``(-1)^(x+y)`` of an L x L torus as int8 (L even: odd L has no
    consistent checkerboard on the torus, one seam of bonds keeps its sign)."""
    if L % 2:
        raise ValueError(f"the staggered map needs an even L on the torus, got L = {L}")
    y, x = np.indices((L, L))
    return (1 - 2 * ((x + y) % 2)).astype(np.int8)


def staggered(spins: np.ndarray) -> np.ndarray:
    """The exact ferromagnet -> antiferromagnet map ``s -> (-1)^(x+y) s`` of int8 configurations
    ``(..., L, L)`` on the even-L torus. Every bond joins the two sublattices, so
    ``s_i s_j -> -s_i s_j``: a ferromagnetic (J = 1) configuration of energy E becomes an
    antiferromagnetic (J = -1) one of the same energy, and its magnetisation becomes the
    antiferromagnet's order parameter, the staggered magnetisation. The map is an involution."""
    return spins * staggered_sign(spins.shape[-1])
