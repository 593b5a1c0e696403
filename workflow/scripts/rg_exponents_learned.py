"""Snakemake adapter: the MCRG exponents of a conv model's code-sign map, for its trained weights
(one per training seed), their initial weights, and the same model trained far from T_c and on
each control data set -> results/rg/exponents/L{L}/{model}/exponents.csv
(deeprenorm.rg.learned.network_exponents)."""

from deeprenorm import pipeline
from deeprenorm.data import open_simulation
from deeprenorm.io import write_table
from deeprenorm.ml import measured_networks
from deeprenorm.rg.learned import network_exponents

logger = pipeline.start(snakemake)
device = pipeline.torch_device(snakemake)
params, inputs, wildcards = snakemake.params, snakemake.input, snakemake.wildcards
measured = measured_networks(
    inputs.checkpoints,
    params.training_seeds,
    inputs.controls,
    params.control_weights,
    params.control_seed,
    params.seed,
    {"L": int(wildcards.L), "model_name": wildcards.model},
)
networks = {key: network.to(device) for key, network in measured.items()}
with open_simulation(inputs.ensemble) as ensemble:
    configurations = ensemble["spins"].values
table = network_exponents(configurations, networks, params.levels, model_name=wildcards.model)
write_table(table, snakemake.output[0])
logger.info("exponents of %s:\n%s", wildcards.model, table.to_string())
