"""Numba Monte Carlo kernels and the equilibrium sampler for the 2D Ising model."""

from .sampler import ALGORITHMS, SampleSet, ThermalizationError, sample

__all__ = ["ALGORITHMS", "SampleSet", "ThermalizationError", "sample"]
