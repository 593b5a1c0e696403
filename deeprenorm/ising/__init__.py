"""Numba Monte Carlo kernels and the equilibrium sampler for the 2D Ising model."""

from .sampler import ALGORITHMS, SampleSet, ThermalizationError, measure_autocorrelation, sample

__all__ = ["ALGORITHMS", "SampleSet", "ThermalizationError", "measure_autocorrelation", "sample"]
