"""Snakemake adapter: thermodynamics tables -> results/figures/thermodynamics.png."""

from deeprenorm import pipeline
from deeprenorm.io import read_table
from deeprenorm.plots.thermodynamics import plot_thermodynamics
from deeprenorm.thermo import CURVE_COLUMNS, ESTIMATE_COLUMNS, THERMODYNAMIC_COLUMNS

pipeline.start(snakemake)
inputs = snakemake.input
plot_thermodynamics(
    read_table(inputs.table, THERMODYNAMIC_COLUMNS),
    snakemake.output[0],
    read_table(inputs.critical, ESTIMATE_COLUMNS),
    read_table(inputs.curves, CURVE_COLUMNS),
)
