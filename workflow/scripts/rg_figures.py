"""Snakemake adapter: RG tables -> the flow figure and the block-spin figure."""

from deeprenorm import pipeline
from deeprenorm.io import read_table
from deeprenorm.plots.rg import plot_block_spins, plot_rg_flow
from deeprenorm.rg.study import BLOCK_SPIN_COLUMNS, FLOW_COLUMNS, FLOW_CURVE_COLUMNS

pipeline.start(snakemake)
inputs, outputs = snakemake.input, snakemake.output
plot_rg_flow(read_table(inputs.flow, FLOW_COLUMNS), read_table(inputs.curves, FLOW_CURVE_COLUMNS), outputs.flow)
plot_block_spins(read_table(inputs.block_spins, BLOCK_SPIN_COLUMNS), outputs.block_spins)
