"""Real-space renormalisation of Ising configurations: the reference an autoencoder is held to.

* :mod:`.blocking` -- block-spin maps (majority rule, decimation) and their iteration;
* :mod:`.observables` -- per-configuration and ensemble observables of fine or blocked lattices;
* :mod:`.flow` -- phenomenological renormalisation of a coarse-graining map: the flow T -> T',
  its fixed point T* and the exponent nu;
* :mod:`.study` -- the workflow's RG stage: every (L -> L/b) pair of a study blocked, its flows
  and the blocked-against-direct tables (imported as ``deeprenorm.rg.study``: it reads datasets).
"""

from .blocking import MAPS, decimation, iterate, majority, tie_breaking_rng
from .flow import Flow, FixedPoint, fixed_point, phenomenological_renormalization
from .observables import (
    energy,
    ensemble_summary,
    magnetization,
    nearest_neighbour_correlation,
    sample_observables,
    two_point_function,
)

__all__ = [
    "MAPS",
    "majority",
    "decimation",
    "iterate",
    "tie_breaking_rng",
    "magnetization",
    "nearest_neighbour_correlation",
    "energy",
    "two_point_function",
    "sample_observables",
    "ensemble_summary",
    "FixedPoint",
    "Flow",
    "fixed_point",
    "phenomenological_renormalization",
]
