"""Snakemake adapter: one Monte Carlo chain per (L, T) -> results/simulations/L{L}/T{T}.nc."""

import yaml

from deeprenorm import pipeline
from deeprenorm.data import write_simulation
from deeprenorm.ising import sample

pipeline.start(snakemake)
params = snakemake.params
result = sample(params.L, params.T, params.n_samples, params.algorithm, params.seed, **params.sampling)
provenance = {key: getattr(params, key) for key in ("n_samples", "algorithm", "seed", "sampling", "stage_versions")}
write_simulation(result, snakemake.output[0], config=yaml.safe_dump(provenance, sort_keys=True))
