"""Snakemake adapter: a trained model -> the codes of every sample (results/latent/...nc).

With ``params.trained_at`` (rule encode_transferred) the model was trained at another L: its
checkpoint is checked against that L and the weights are applied unchanged at this one
(:func:`deeprenorm.ml.at_lattice_size`)."""

from deeprenorm import pipeline
from deeprenorm.data import SpinReader
from deeprenorm.ml import at_lattice_size, encode_dataset, file_sha256, load_checkpoint, read_split, write_encoding

logger = pipeline.start(snakemake)
pipeline.torch_device(snakemake)  # fails before any work where the device is missing
inputs, wildcards, params = snakemake.input, snakemake.wildcards, snakemake.params
L = int(wildcards.L)
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
if params.trained_at is None:
    model, metadata = load_checkpoint(
        inputs.checkpoint, {"L": L, "model_name": wildcards.model, "dataset_sha256": dataset_sha256}
    )
    attrs = {"model": wildcards.model}
else:
    trained, metadata = load_checkpoint(
        inputs.checkpoint,
        {"L": params.trained_at, "model_name": params.source, "dataset_sha256": file_sha256(inputs.trained_on)},
    )
    model = at_lattice_size(trained, L)
    attrs = {"model": params.name, "trained_at_L": params.trained_at}
    logger.info("%s trained at L = %d, encoding L = %d with the same weights", params.source, params.trained_at, L)
attrs.update(training_seed=int(wildcards.seed), best_epoch=int(metadata["best_epoch"]))
with SpinReader(inputs.dataset, staggered=params.staggered) as reader:
    encoded = encode_dataset(model, reader, split.labels, device=params.device, attrs=attrs)
write_encoding(encoded, snakemake.output[0])
