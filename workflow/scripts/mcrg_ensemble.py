"""Snakemake adapter: the critical ensemble of the MCRG exponents -> results/mcrg/L{L}.nc."""

import yaml

from deeprenorm import pipeline
from deeprenorm.data import write_simulation
from deeprenorm.rg.mcrg import critical_ensemble

pipeline.start(snakemake)
params = snakemake.params
provenance = {key: getattr(params, key) for key in ("L", "samples", "seed", "stage_versions")}
result = critical_ensemble(params.L, params.samples, params.seed)
write_simulation(result, snakemake.output[0], config=yaml.safe_dump(provenance, sort_keys=True))
