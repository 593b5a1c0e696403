"""Snakemake adapter: the simulations of one L -> results/datasets/L{L}.nc."""

import yaml

from deeprenorm import pipeline
from deeprenorm.data import assemble_dataset, write_netcdf

pipeline.start(snakemake)
provenance = snakemake.params.provenance
dataset = assemble_dataset(
    snakemake.input, config=yaml.safe_dump(provenance, sort_keys=True), algorithm=provenance["algorithm"]
)
write_netcdf(dataset, snakemake.output[0])
