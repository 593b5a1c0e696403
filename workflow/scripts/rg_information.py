"""Snakemake adapter: the test split of one dataset and the networks with a block variable (the
conv models' trained networks, their initial weights and controls, the RSMI coarse-grainer) ->
the information bounds of
every block variable and their bootstrap replicas (results/tables/rg_information.csv,
rg_information_replicas.csv)."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.ml import file_sha256, load_checkpoint, read_split, untrained_control
from deeprenorm.rg.learned import information_study
from deeprenorm.rg.rsmi import load_rsmi

logger = pipeline.start(snakemake)
device = pipeline.torch_device(snakemake)
params, inputs = snakemake.params, snakemake.input
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
networks = {}
for (model, weights, training_seed), path in zip(params.networks, inputs.checkpoints):
    # a control was trained on other data: only its architecture must match
    expected = {"model_name": model} | ({"dataset_sha256": dataset_sha256} if weights == "trained" else {})
    network, _ = load_checkpoint(path, expected)
    networks[(model, weights, training_seed)] = network
    if weights == "trained":
        networks[(model, "untrained", training_seed)] = untrained_control(network, params.seed, training_seed)
for path in inputs.rsmi:
    networks[(params.rsmi_model, "rsmi", 0)] = load_rsmi(path)[0]
table, replicas = information_study(
    inputs.dataset,
    split.labels,
    {key: network.to(device) for key, network in networks.items()},
    params.block_factors,
    params.temperatures,
    params.seed,
    shell=params.shell,
    n_bootstrap=params.n_bootstrap,
    n_splits=params.n_splits,
)
write_table(table, snakemake.output[0])
write_table(replicas, snakemake.output.replicas)
logger.info(
    "information bounds:\n%s",
    table[["b", "buffer", "map", "model", "weights", "seed", "temperature", "bits", "bits_err"]].to_string(),
)
