"""Snakemake adapter: every model's probe maps, the locality table, the deep belief network's
fields, and the models themselves -> the six probe figures."""

import numpy as np

from deeprenorm import pipeline
from deeprenorm.data import SpinReader
from deeprenorm.io import read_table
from deeprenorm.ml import file_sha256, load_checkpoint, read_split
from deeprenorm.plots.probes import plot_dbn_fields, plot_locality, plot_probe_maps, plot_reconstructions
from deeprenorm.probes.study import reconstruction_rows

pipeline.start(snakemake)
params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
locality = read_table(inputs.locality)
maps = {model: dict(np.load(path)) for model, path in zip(params.models, inputs.maps)}
for (_, model), path in zip(params.controls, inputs.control_maps):
    maps.setdefault(model, {}).update(np.load(path))  # keys "<kind>-trained/<probe>"
control_kinds = list(dict.fromkeys(kind for kind, _ in params.controls))
plot_probe_maps(
    maps,
    locality,
    outputs,
    L=params.L,
    b=params.b,
    featured=params.featured,
    conv=params.conv,
    control_kinds=control_kinds,
)
plot_locality(locality, outputs.locality)
dbn_fields = {}
with np.load(inputs.dbn_fields) as archive:  # keys "<weights>/layer<l>"
    for name in sorted(archive.files, key=lambda name: int(name.rpartition("/layer")[2])):
        dbn_fields.setdefault(name.partition("/")[0], []).append(archive[name])
plot_dbn_fields(dbn_fields, locality, outputs.dbn_receptive_fields)

# reconstructions: one test configuration per temperature through every reconstruction model
split = read_split(inputs.split, file_sha256(inputs.dataset))
models = {
    name: load_checkpoint(path, {"model_name": name})[0]
    for name, path in zip(params.reconstruction_models, inputs.checkpoints)
}
with SpinReader(inputs.dataset) as reader:
    rows = reconstruction_rows(reader, split.labels, models, params.seed, b=params.b)
plot_reconstructions(rows, outputs.reconstructions)
