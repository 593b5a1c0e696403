"""Snakemake adapter: the MCRG exponents of a conv model's code-sign map, for its trained weights,
its initial weights, and the same model trained far from T_c and on each control data set ->
results/rg/exponents/L{L}/{model}/exponents.csv (deeprenorm.rg.learned.network_exponents)."""

from deeprenorm import pipeline
from deeprenorm.data import open_simulation
from deeprenorm.io import write_table
from deeprenorm.ml import load_checkpoint, untrained_control
from deeprenorm.rg.learned import network_exponents

logger = pipeline.start(snakemake)
params, inputs, wildcards = snakemake.params, snakemake.input, snakemake.wildcards
expected = {"L": int(wildcards.L), "model_name": wildcards.model}
trained, _ = load_checkpoint(inputs.checkpoint, expected)
networks = {
    "trained": trained,
    "untrained": untrained_control(trained, params.seed, params.training_seed),
}
if inputs.far:  # trained far from T_c where the grid reaches there on both sides
    networks["far-trained"] = load_checkpoint(inputs.far[0], expected)[0]
networks |= {
    f"{kind}-trained": load_checkpoint(path, expected)[0] for kind, path in zip(params.control_kinds, inputs.controls)
}
with open_simulation(inputs.ensemble) as ensemble:
    configurations = ensemble["spins"].values
table = network_exponents(configurations, networks, params.levels, model_name=wildcards.model)
write_table(table, snakemake.output[0])
logger.info("exponents of %s:\n%s", wildcards.model, table.to_string())
