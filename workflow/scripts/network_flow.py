"""Snakemake adapter: a model's trained networks (one per training seed), their untrained
initial weights and the same architecture trained far from T_c and on control data -> the
network flow of each, its fixed points and directions (results/rg/network_flow/L{L}/{model}/)."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.ml import file_sha256, measured_networks, read_split
from deeprenorm.rg.learned import network_flow_study, network_steps

logger = pipeline.start(snakemake)
device = pipeline.torch_device(snakemake)
params, inputs, wildcards = snakemake.params, snakemake.input, snakemake.wildcards
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
measured = measured_networks(
    inputs.checkpoints,
    params.training_seeds,
    inputs.controls,
    params.control_weights,
    params.control_seed,
    params.seed,
    {"L": int(wildcards.L), "model_name": wildcards.model, "dataset_sha256": dataset_sha256},
)
networks = {key: network.to(device) for key, network in measured.items()}
tables = network_flow_study(
    {key: network_steps(network) for key, network in networks.items()},
    inputs.dataset,
    split.labels,
    params.seed,
    model_name=wildcards.model,
    steps=params.steps,
    samples=params.samples,
)
for name, frame in tables.items():
    write_table(frame, snakemake.output[name])
logger.info("network flow directions:\n%s", tables["directions"].to_string())
