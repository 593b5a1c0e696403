"""Snakemake adapter: a model's trained networks (one per training seed), their untrained
initial weights and the same architecture trained on control data -> the flow, curve and
agreement tables of its learned coarse-graining (deeprenorm.rg.learned)."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.ml import file_sha256, measured_networks, read_split
from deeprenorm.rg.learned import learned_rg_study

logger = pipeline.start(snakemake)
device = pipeline.torch_device(snakemake)
params, inputs, outputs, wildcards = snakemake.params, snakemake.input, snakemake.output, snakemake.wildcards
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
tables = learned_rg_study(
    networks,
    inputs.dataset,
    split.labels,
    inputs.direct,
    params.b,
    params.seed,
    model_name=wildcards.model,
    observables=params.observables,
    window=tuple(params.window) if params.window else None,
)
for name, frame in tables.items():
    write_table(frame, outputs[name])
logger.info(
    "learned flows:\n%s",
    tables["flow"][
        ["weights", "seed", "map", "observable", "T_star", "T_star_err", "nu", "nu_err", "note"]
    ].to_string(),
)
