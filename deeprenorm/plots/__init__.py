"""Figures of the study: one function per figure, one style module.

Every function takes tables (pandas DataFrames, as written by the workflow) and an output
path, draws on a :class:`matplotlib.figure.Figure` that pyplot never sees (no global state, no
interactive backend needed: safe on headless nodes and in threads) and writes a PNG atomically.
"""

from .autocorrelation import plot_autocorrelation
from .thermodynamics import plot_thermodynamics

__all__ = ["plot_thermodynamics", "plot_autocorrelation"]
