"""Real-space renormalisation of Ising configurations: the reference an autoencoder is held to.

* :mod:`.blocking` -- block-spin maps (majority rule, decimation) and their iteration;
* :mod:`.observables` -- per-configuration and ensemble observables of fine or blocked lattices;
* :mod:`.flow` -- phenomenological renormalisation of a coarse-graining map: the flow T -> T',
  its fixed point T* and the exponent nu;
* :mod:`.information` -- a lower bound on the information a block variable keeps about its
  environment (Koch-Janusz & Ringel's RSMI criterion, Barber-Agakov bound);
* :mod:`.network_flow` -- encode -> decode iterated, and the temperatures its ensembles read;
* :mod:`.study` -- the workflow's RG stage: every (L -> L/b) pair of a study blocked, its flows
  and the blocked-against-direct tables (imported as ``deeprenorm.rg.study``: it reads datasets);
* :mod:`.learned` -- the trained networks' maps through the same measurements, with their
  untrained controls (imported as ``deeprenorm.rg.learned``: it imports torch);
* :mod:`.verdict` -- every map against the block-spin criteria, with written thresholds.
"""

from .blocking import MAPS, decimation, iterate, majority, tie_breaking_rng
from .flow import Flow, FixedPoint, fixed_point, phenomenological_renormalization
from .information import InformationBound, block_environment, information_bound, rank_maps
from .network_flow import (
    FlowDirection,
    curve_thermometer,
    energy_thermometer,
    ensemble_temperatures,
    flow_direction,
    flow_map_fixed_points,
    iterate_flow,
)
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
    "InformationBound",
    "block_environment",
    "information_bound",
    "rank_maps",
    "FlowDirection",
    "energy_thermometer",
    "curve_thermometer",
    "iterate_flow",
    "ensemble_temperatures",
    "flow_map_fixed_points",
    "flow_direction",
]
