"""Snakemake adapter: the test split of one dataset and its conv models -> the information
bounds of every block variable (results/tables/rg_information.csv)."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.ml import file_sha256, load_checkpoint, read_split, untrained_control
from deeprenorm.rg.learned import information_study

logger = pipeline.start(snakemake)
params, inputs = snakemake.params, snakemake.input
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
conv_networks = {}
for model, training_seed, checkpoint in zip(params.models, params.training_seeds, inputs.checkpoints):
    trained, _ = load_checkpoint(checkpoint, {"model_name": model, "dataset_sha256": dataset_sha256})
    untrained = untrained_control(trained, params.seed, training_seed)
    conv_networks[model] = {"trained": trained, "untrained": untrained}
table = information_study(
    inputs.dataset,
    split.labels,
    conv_networks,
    params.block_factors,
    params.temperatures,
    params.seed,
    shell=params.shell,
    n_bootstrap=params.n_bootstrap,
)
write_table(table, snakemake.output[0])
logger.info(
    "information bounds:\n%s", table[["b", "map", "model", "weights", "temperature", "bits", "bits_err"]].to_string()
)
