"""Snakemake adapter: the width-sweep tables -> results/figures/latent_width_sweep.png."""

from deeprenorm import pipeline
from deeprenorm.io import read_table
from deeprenorm.plots.sweep import plot_width_sweep

pipeline.start(snakemake)
inputs = snakemake.input
sweep = read_table(
    inputs.sweep, ["reference", "model", "kind", "latent", "regularisation", "L", "test_loss", "T_c_mean"]
)
reconstruction = read_table(inputs.reconstruction, ["model", "L", "temperature", "mse", "mse_err"])
units = read_table(inputs.units, ["model", "L", "unit", "corr_m", "corr_abs_m", "corr_e"])
plot_width_sweep(sweep, reconstruction, units, snakemake.output[0])
