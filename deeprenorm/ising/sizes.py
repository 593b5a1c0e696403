"""Which lattice sizes the project can simulate and block: plain arithmetic, no numba."""

__all__ = ["coarse_size_ok"]


def coarse_size_ok(L: int, block: int) -> bool:
    """Whether blocking an L x L torus by ``block`` gives a lattice this project can simulate
    and compare with: L divisible by ``block`` and L / block an even integer >= 4 (the
    checkerboard needs even sizes, and the samplers need L >= 4)."""
    return L % block == 0 and (L // block) % 2 == 0 and L // block >= 4
