"""Numba Monte Carlo kernels and the equilibrium sampler for the 2D Ising model.

The sampler is imported on first use (:mod:`deeprenorm.lazy`): reading a study's plan needs only
:mod:`.sizes`, and importing numba and loading the kernels costs a few tenths of a second that
the workflow would otherwise pay every time Snakemake reads the Snakefile.
"""

from ..lazy import lazy_attributes

__all__ = ["ALGORITHMS", "SampleSet", "ThermalizationError", "measure_autocorrelation", "sample"]

__getattr__, __dir__ = lazy_attributes(__name__, dict.fromkeys(__all__, "sampler"))
