"""Snakemake adapter: a trained model, its untrained initial weights and the same model trained
far from T_c -> the network flow of each, its fixed points and directions
(results/rg/network_flow/L{L}/{model}/)."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.ml import file_sha256, load_checkpoint, read_split, untrained_control
from deeprenorm.rg.learned import network_flow_study

logger = pipeline.start(snakemake)
params, inputs, wildcards = snakemake.params, snakemake.input, snakemake.wildcards
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
expected = {"L": int(wildcards.L), "model_name": wildcards.model, "dataset_sha256": dataset_sha256}
trained, _ = load_checkpoint(inputs.checkpoint, expected)
untrained = untrained_control(trained, params.seed, params.training_seed)
networks = {"trained": trained, "untrained": untrained}
if inputs.far:  # none where the grid has no temperatures far from T_c on both sides
    networks["far"] = load_checkpoint(inputs.far[0], expected)[0]
tables = network_flow_study(
    networks,
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
