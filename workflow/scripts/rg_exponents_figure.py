"""Snakemake adapter: results/tables/rg_exponents.csv -> the MCRG exponents figure."""

from deeprenorm import pipeline
from deeprenorm.io import read_table
from deeprenorm.plots.rg import plot_rg_exponents
from deeprenorm.rg.mcrg import TABLE_COLUMNS

pipeline.start(snakemake)
plot_rg_exponents(read_table(snakemake.input[0], TABLE_COLUMNS), snakemake.output[0])
