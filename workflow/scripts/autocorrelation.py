"""Snakemake adapter: tau_int of one algorithm -> results/autocorrelation/{algorithm}.csv."""

from deeprenorm import pipeline
from deeprenorm.dynamics import autocorrelation_study
from deeprenorm.io import write_table

pipeline.start(snakemake)
params = snakemake.params
table = autocorrelation_study(
    snakemake.wildcards.algorithm,
    params.scan_lattice_size,
    params.temperatures,
    params.lattice_sizes,
    params.seed,
    params.pilot_factor,
)
write_table(table, snakemake.output[0])
