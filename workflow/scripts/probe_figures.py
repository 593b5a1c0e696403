"""Snakemake adapter: every model's probe maps and locality, the deep belief network, and the
models themselves -> results/tables/locality.csv and the six probe figures."""

import numpy as np
import pandas as pd

from deeprenorm import pipeline
from deeprenorm.data import SpinReader, read_table, write_table
from deeprenorm.ml import file_sha256, load_checkpoint, read_split
from deeprenorm.plots.probes import plot_dbn_fields, plot_locality, plot_map_grid, plot_reconstructions
from deeprenorm.probes.study import locality_rows, reconstruction_rows, reference_maps

logger = pipeline.start(snakemake)
params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
L, b = params.L, 2
references = pd.concat([locality_rows({"block": m}, L=L, b=b, model=name, weights="exact") for name, m in reference_maps(L, b).items()])
tables = [references] + [read_table(path) for path in [*inputs.locality, *inputs.control_locality]]
dbn_locality = read_table(inputs.dbn_locality[0]) if inputs.dbn_locality else pd.DataFrame()  # none without a DBN
locality = pd.concat(tables + ([dbn_locality.drop(columns=["temperature", "reconstruction_error"])] if len(dbn_locality) else []), ignore_index=True)
write_table(locality, outputs.table)
maps = {model: dict(np.load(path)) for model, path in zip(params.models, inputs.maps)}
for (kind, model), path in zip(params.controls, inputs.control_maps):
    maps.setdefault(model, {}).update(np.load(path))  # keys "<kind>-trained/<probe>"

featured, conv = params.featured, params.conv
controls = [f"{kind}-trained" for kind in dict.fromkeys(kind for kind, _ in params.controls)]


def blocks(model, weights, probe, heading):
    stack = maps.get(model, {}).get(f"{weights}/{probe}")
    return (heading, stack, model, weights, probe)


panels = [blocks(featured, w, "receptive_field", f"{featured}, {w}: product of the weight matrices to each code unit") for w in ("trained", "untrained", *controls)]
panels += [blocks(featured, "trained", "first_layer", f"{featured}, trained: first-layer weights (16 units)")]
panels += [blocks(model, w, "receptive_field", f"{model}, {w}: effective receptive field of the middle code site") for model in conv for w in ("trained", "untrained", *controls)]
plot_map_grid(panels, locality, outputs.receptive_fields, f"Receptive fields at L = {L} (f: fraction of |field| in the best {b} × {b} window; s: spread)")
panels = [blocks(model, w, "activation_max", f"{model}, {w}: inputs maximising each code unit") for model in [featured, *conv] for w in ("trained", "untrained", *controls)]
plot_map_grid(panels, locality, outputs.activation_maximization, "Activation maximisation (Broomberg & Rabinovich): one input per code unit")
saliency_probes = sorted({name.split("/", 1)[1] for name in maps.get(featured, {}) if "saliency" in name})
panels = [blocks(featured, "trained", probe, f"{featured}, trained: |dz/dx| at {probe.split('_T')[1]}") for probe in saliency_probes]
near_tc = saliency_probes[1] if len(saliency_probes) > 1 else ""
panels += [blocks(featured, w, near_tc, f"{featured}, {w}, near T_c") for w in ("untrained", *controls)] if saliency_probes else []
plot_map_grid(panels, locality, outputs.saliency, "Saliency |dz/dx| per code unit, averaged over 50 test configurations")
plot_locality(locality, outputs.locality)
fields = [values for _, values in sorted(np.load(inputs.dbn_fields[0]).items(), key=lambda item: int(item[0][5:]))] if inputs.dbn_fields else []
plot_dbn_fields(fields, dbn_locality, outputs.dbn_receptive_fields)

# reconstructions: one test configuration per temperature through every reconstruction model
split = read_split(inputs.split, file_sha256(inputs.dataset))
models = {name: load_checkpoint(path, {"model_name": name})[0] for name, path in zip(params.reconstruction_models, inputs.checkpoints)}
with SpinReader(inputs.dataset) as reader:
    rows = reconstruction_rows(reader, split.labels, models, params.seed, b=b)
plot_reconstructions(rows, outputs.reconstructions)
logger.info("locality medians:\n%s", locality.groupby(["model", "weights", "probe"])[["window_fraction", "spread"]].median().to_string())
