"""Snakemake adapter: a trained model and its untrained initial weights -> their probe maps
(results/probes/L{L}/{model}/maps.npz) and the locality of every map (locality.csv); for a model
trained on a control dataset (rule probes_control) its maps alone, on the same Ising test
configurations, under the weights label "<kind>-trained"."""

import pandas as pd

from deeprenorm import pipeline
from deeprenorm.data import SpinReader
from deeprenorm.io import write_arrays, write_table
from deeprenorm.ml import file_sha256, load_checkpoint, read_split, untrained_control
from deeprenorm.probes.study import locality_rows, probe_maps

logger = pipeline.start(snakemake)
device = pipeline.torch_device(snakemake)
params, inputs, outputs, wildcards = snakemake.params, snakemake.input, snakemake.output, snakemake.wildcards
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
training_sha256 = file_sha256(inputs.training_dataset) if "training_dataset" in inputs.keys() else dataset_sha256
trained, _ = load_checkpoint(
    inputs.checkpoint, {"L": int(wildcards.L), "model_name": wildcards.model, "dataset_sha256": training_sha256}
)
networks = {params.weights: trained}
if params.untrained:
    networks["untrained"] = untrained_control(trained, params.seed, params.training_seed)
arrays, tables = {}, []
with SpinReader(inputs.dataset) as reader:
    for weights, network in networks.items():
        maps = probe_maps(network.to(device), reader, split.labels, params.seed, steps=params.steps)
        arrays.update({f"{weights}/{name}": values for name, values in maps.items()})
        tables.append(locality_rows(maps, L=int(wildcards.L), b=params.b, model=wildcards.model, weights=weights))
write_arrays(arrays, outputs.maps)
table = pd.concat(tables, ignore_index=True)
write_table(table, outputs.locality)
logger.info(
    "locality (median per probe):\n%s",
    table.groupby(["weights", "probe"])[["spread", "window_fraction", "prototype_score"]].median().to_string(),
)
