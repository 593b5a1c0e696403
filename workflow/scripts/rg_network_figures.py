"""Snakemake adapter: the RG verdict tables -> information.png, network_flow.png, rg_verdict.png."""

from deeprenorm import pipeline
from deeprenorm.io import read_table
from deeprenorm.plots.rg_networks import plot_information, plot_network_flow, plot_verdict

pipeline.start(snakemake)
inputs, outputs = snakemake.input, snakemake.output
plot_information(read_table(inputs.information), read_table(inputs.agreement), outputs.information)
plot_network_flow(read_table(inputs.network_flow), read_table(inputs.fixed_points), outputs.network_flow)
plot_verdict(read_table(inputs.verdict), outputs.verdict)
