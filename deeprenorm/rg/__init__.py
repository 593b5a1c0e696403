"""Real-space renormalisation of Ising configurations: the reference an autoencoder is held to.

* :mod:`.blocking` -- block-spin maps (majority rule, decimation) and their iteration;
* :mod:`.observables` -- per-configuration and ensemble observables of fine or blocked lattices;
* :mod:`.flow` -- phenomenological renormalisation of a coarse-graining map: the flow T -> T',
  its fixed point T* and the exponent nu;
* :mod:`.information` -- a lower bound on the information a block variable keeps about its
  environment (Koch-Janusz & Ringel's RSMI criterion, Barber-Agakov bound);
* :mod:`.network_flow` -- encode -> decode iterated, and the temperatures its ensembles read;
* :mod:`.window` -- the temperature window of the flow (:func:`.window.default_window`);
* :mod:`.study` -- the workflow's RG stage: every (L -> L/b) pair of a study blocked, its flows
  and the blocked-against-direct tables (imported as ``deeprenorm.rg.study``: it reads datasets);
* :mod:`.learned` -- the trained networks' maps through the same measurements, with their
  untrained controls (imported as ``deeprenorm.rg.learned``: it imports torch);
* :mod:`.verdict` -- every map against the block-spin criteria, with written thresholds.

The names below are imported from their modules on first use (PEP 562), so that
``import deeprenorm.rg.window`` -- the study plan does, when Snakemake reads the workflow --
imports neither pandas nor scipy.
"""

from ..lazy import lazy_attributes

#: Public name -> the module of this package that defines it.
_HOMES = {
    "MAPS": "blocking",
    "majority": "blocking",
    "decimation": "blocking",
    "iterate": "blocking",
    "tie_breaking_rng": "blocking",
    "magnetization": "observables",
    "nearest_neighbour_correlation": "observables",
    "energy": "observables",
    "two_point_function": "observables",
    "sample_observables": "observables",
    "ensemble_summary": "observables",
    "FixedPoint": "flow",
    "Flow": "flow",
    "fixed_point": "flow",
    "phenomenological_renormalization": "flow",
    "InformationBound": "information",
    "block_environment": "information",
    "information_bound": "information",
    "rank_maps": "information",
    "FlowDirection": "network_flow",
    "energy_thermometer": "network_flow",
    "curve_thermometer": "network_flow",
    "iterate_flow": "network_flow",
    "ensemble_temperatures": "network_flow",
    "flow_map_fixed_points": "network_flow",
    "flow_direction": "network_flow",
}

__all__ = list(_HOMES)


__getattr__, __dir__ = lazy_attributes(__name__, _HOMES)
