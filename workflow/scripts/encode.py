"""Snakemake adapter: a trained model -> the codes of every sample (results/latent/...nc)."""

from deeprenorm import pipeline
from deeprenorm.data import SpinReader
from deeprenorm.ml import encode_dataset, file_sha256, load_checkpoint, read_split, write_encoding

pipeline.start(snakemake)
inputs, wildcards = snakemake.input, snakemake.wildcards
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
model, metadata = load_checkpoint(
    inputs.checkpoint, {"L": int(wildcards.L), "model_name": wildcards.model, "dataset_sha256": dataset_sha256}
)
with SpinReader(inputs.dataset, staggered=snakemake.params.staggered) as reader:
    encoded = encode_dataset(
        model,
        reader,
        split.labels,
        device=snakemake.params.device,
        attrs={
            "model": wildcards.model,
            "training_seed": int(wildcards.seed),
            "best_epoch": int(metadata["best_epoch"]),
        },
    )
write_encoding(encoded, snakemake.output[0])
