"""Snakemake adapter: a control ensemble without Ising physics (pure noise, thresholded noisy
sine waves, or thresholded Gaussian fields at the Ising correlation length and magnetisation)
-> results/controls/{kind}/L{L}.nc, in the schema of an Ising dataset."""

import yaml

from deeprenorm import pipeline
from deeprenorm.probes.controls import control_dataset

pipeline.start(snakemake)
params, wildcards = snakemake.params, snakemake.wildcards
control_dataset(
    wildcards.kind,
    int(wildcards.L),
    params.samples_per_temperature,
    params.temperatures,
    params.seed,
    snakemake.output[0],
    noise=params.sine_noise,
    config=yaml.safe_dump(dict(params.provenance), sort_keys=True),
)
