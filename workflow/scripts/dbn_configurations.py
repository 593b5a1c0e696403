"""Snakemake adapter: the deep belief network's own configurations, one Wolff chain at its L and T
-> results/probes/dbn/L{L}_configurations.nc, in the schema of a simulation file."""

import yaml

from deeprenorm import pipeline
from deeprenorm.data import write_simulation
from deeprenorm.probes.study import dbn_configurations

logger = pipeline.start(snakemake)
params = snakemake.params
result = dbn_configurations(params.L, params.T, params.n, params.seed, **params.sampling)
provenance = {key: getattr(params, key) for key in ("n", "seed", "sampling", "stage_versions")} | {"purpose": "dbn"}
write_simulation(result, snakemake.output[0], config=yaml.safe_dump(provenance, sort_keys=True))
logger.info(
    "L = %d, T = %g: %d configurations %d sweeps apart (tau_int |m| %.2f, e %.2f sweeps; of the stored "
    "series %.2f, %.2f samples)",
    result.L,
    result.T,
    result.n_samples,
    result.sweeps_between_samples,
    result.tau_int_abs_m,
    result.tau_int_energy,
    result.tau_int_samples_abs_m,
    result.tau_int_samples_energy,
)
