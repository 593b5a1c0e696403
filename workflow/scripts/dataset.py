"""Snakemake adapter: the simulations of one L -> results/datasets/L{L}.nc."""

import yaml

from deeprenorm import pipeline
from deeprenorm.data import write_dataset

pipeline.start(snakemake)
provenance = snakemake.params.provenance
write_dataset(
    snakemake.input,
    snakemake.output[0],
    config=yaml.safe_dump(provenance, sort_keys=True),
    algorithm=provenance["algorithm"],
)
