"""Snakemake adapter: a trained model and its untrained initial weights -> the flow, curve and
agreement tables of its learned coarse-graining (deeprenorm.rg.learned)."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.ml import file_sha256, load_checkpoint, read_split, untrained_control
from deeprenorm.rg.learned import learned_rg_study

logger = pipeline.start(snakemake)
params, inputs, outputs, wildcards = snakemake.params, snakemake.input, snakemake.output, snakemake.wildcards
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
trained, _ = load_checkpoint(
    inputs.checkpoint, {"L": int(wildcards.L), "model_name": wildcards.model, "dataset_sha256": dataset_sha256}
)
untrained = untrained_control(trained, params.seed, params.training_seed)
tables = learned_rg_study(
    {"trained": trained, "untrained": untrained},
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
    tables["flow"][["weights", "map", "observable", "T_star", "T_star_err", "nu", "nu_err", "note"]].to_string(),
)
