"""Snakemake adapter: the network flow of the ideal block-spin autoencoder (majority-rule encode,
copy decode), the positive control of the network-flow criterion
(results/rg/network_flow/L{L}/block-spin-b{b}/)."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.ml import file_sha256, read_split
from deeprenorm.rg.learned import block_spin_autoencoder_steps, network_flow_study

logger = pipeline.start(snakemake)
params, inputs = snakemake.params, snakemake.input
split = read_split(inputs.split, file_sha256(inputs.dataset))
tables = network_flow_study(
    {("exact", -1): block_spin_autoencoder_steps(params.b, params.seed)},
    inputs.dataset,
    split.labels,
    params.seed,
    model_name=params.model,
    steps=params.steps,
    samples=params.samples,
)
for name, frame in tables.items():
    write_table(frame, snakemake.output[name])
logger.info("network flow directions:\n%s", tables["directions"].to_string())
