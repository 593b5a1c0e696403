"""Snakemake adapter: one autoencoder per (L, model, training seed) -> checkpoint, sidecar,
per-epoch history and loss curves (rules train, and train_far for the RG stage's control trained
on the temperatures far from T_c only). Nothing is written if training fails."""

from deeprenorm import pipeline
from deeprenorm.data import SpinReader
from deeprenorm.io import write_json, write_table
from deeprenorm.ml import ModelSpec, TrainingSettings, build_model, file_sha256, fit, read_split
from deeprenorm.plots.training import plot_loss_curves

logger = pipeline.start(snakemake)
pipeline.torch_device(snakemake)  # fails before any work where the device is missing
params, inputs, outputs, wildcards = snakemake.params, snakemake.input, snakemake.output, snakemake.wildcards
spec = ModelSpec(**params.spec)
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
name = f"L{wildcards.L}/{wildcards.model}/seed{wildcards.seed}"
with SpinReader(inputs.dataset, staggered=params.staggered) as reader:
    model = build_model(spec, reader.L)
    result = fit(
        model,
        reader,
        split.labels,
        TrainingSettings(**params.settings),
        params.seed,
        outputs.checkpoint,
        metadata={
            "split_sha256": file_sha256(inputs.split),
            "model_name": wildcards.model,
            "trained_on": params.trained_on,
        },
        name=name,
        replica=int(wildcards.seed),
        temperatures=params.temperatures,
    )
write_table(result.history, outputs.history)
sidecar = result.metadata() | {
    "architecture": model.architecture,
    "dataset": inputs.dataset,
    "dataset_sha256": dataset_sha256,
    "split_sha256": file_sha256(inputs.split),
}
del sidecar["history"]  # in the history CSV beside it
write_json(sidecar, outputs.sidecar)
plot_loss_curves(
    result.history, outputs.figure, f"{wildcards.model}, L = {wildcards.L}, seed {wildcards.seed}", result.best_epoch
)
