"""Snakemake adapter: the training split of one temperature of one dataset -> Mehta & Schwab's
deep belief network (results/probes/dbn/L{L}.pt), its per-layer training history, receptive
fields and their locality."""

import numpy as np
import pandas as pd

from deeprenorm import pipeline
from deeprenorm.data import SpinReader
from deeprenorm.io import write_arrays, write_table
from deeprenorm.ml import TRAIN, file_sha256, read_split
from deeprenorm.probes.dbn import save_dbn
from deeprenorm.probes.study import dbn_study
from deeprenorm.seeding import stream, temperature_key

logger = pipeline.start(snakemake)
params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
split = read_split(inputs.split, file_sha256(inputs.dataset))
settings = dict(params.dbn)
with SpinReader(inputs.dataset) as reader:
    t = int(np.argmin(np.abs(np.asarray(reader.temperatures) - settings.pop("temperature"))))
    temperature = float(reader.temperatures[t])
    spins = reader.read(t)[np.flatnonzero(split.labels[t] == TRAIN)]
layers = settings.pop("layers")
settings.pop("lattice_size")
network, histories, locality, fields = dbn_study(
    spins, layers, stream(params.seed, "dbn", reader.L, temperature_key(temperature)), **settings
)
save_dbn(outputs.network, network)
write_table(pd.concat([h.assign(layer=k + 1) for k, h in enumerate(histories)], ignore_index=True), outputs.history)
write_table(locality.assign(temperature=temperature), outputs.locality)
write_arrays({f"layer{k + 1}": f for k, f in enumerate(fields)}, outputs.fields)
logger.info(
    "DBN at L = %d, T = %.4f, %d samples: widths %s; median spread per layer %s",
    reader.L,
    temperature,
    len(spins),
    network.widths,
    locality.groupby("probe")["spread"].median().round(2).to_dict(),
)
