"""Snakemake adapter: the training split of the networks' dataset near T_c -> the RSMI
coarse-grainer, the verdict's learned positive control (deeprenorm.rg.rsmi), and its history."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.ml import file_sha256, read_split
from deeprenorm.rg.rsmi import save_rsmi, train_rsmi, training_configurations
from deeprenorm.seeding import stream

logger = pipeline.start(snakemake)
device = pipeline.torch_device(snakemake)
params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
spins = training_configurations(inputs.dataset, split.labels, params.window, params.configurations)
L = spins.shape[-1]
model, history = train_rsmi(
    spins, params.b, stream(params.seed, "rsmi_training", L, params.b), epochs=params.epochs, device=device
)
save_rsmi(
    outputs.checkpoint,
    model,
    {
        "L": L,
        "model_name": params.model,
        "dataset_sha256": dataset_sha256,
        "configurations": len(spins),
        "window": list(params.window),
        "epochs": params.epochs,
        "device": str(device),
    },
)
write_table(history, outputs.history)
logger.info(
    "RSMI filter %s after %d epochs on %d configurations:\n%s",
    model.filter.tolist(),
    params.epochs,
    len(spins),
    history.to_string(),
)
