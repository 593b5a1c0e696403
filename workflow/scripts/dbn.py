"""Snakemake adapter: the deep belief network's configurations -> Mehta & Schwab's network trained
on the first of them (results/probes/dbn/L{L}.pt), its per-layer training history, the locality
of its receptive fields and of its untrained initial weights per unit, their per-layer comparison
and the fields of both."""

import math

import pandas as pd

from deeprenorm import pipeline
from deeprenorm.data import open_simulation
from deeprenorm.io import SchemaError, recovery_hint, write_arrays, write_table
from deeprenorm.probes.dbn import save_dbn
from deeprenorm.probes.study import dbn_study
from deeprenorm.seeding import stream, temperature_key

logger = pipeline.start(snakemake)
device = pipeline.torch_device(snakemake)
params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
settings = dict(params.dbn)
L, temperature, n = settings.pop("lattice_size"), settings.pop("temperature"), settings.pop("configurations")
# open_simulation checks every configuration against its stored energy and magnetisation
with open_simulation(inputs.configurations) as configurations:
    spins = configurations["spins"].values
    stored_temperature = float(configurations["temperature"])
if spins.shape != (n, L, L) or not math.isclose(stored_temperature, temperature):
    raise SchemaError(
        f"{inputs.configurations}: {spins.shape[0]} configurations of {spins.shape[1]} x {spins.shape[2]} at "
        f"T = {stored_temperature:g}, the config asks for {n} of {L} x {L} at T = {temperature:g}"
        + recovery_hint(inputs.configurations)
    )
study = dbn_study(
    spins,
    settings.pop("layers"),
    stream(params.seed, "dbn", L, temperature_key(temperature)),
    device=device,
    **settings,
)
save_dbn(outputs.network, study.network)
histories = [history.assign(layer=k + 1) for k, history in enumerate(study.histories)]
write_table(pd.concat(histories, ignore_index=True), outputs.history)
write_table(study.locality.assign(temperature=temperature), outputs.locality)
write_table(study.layers.assign(temperature=temperature), outputs.layers)
write_arrays(
    {f"{weights}/layer{k + 1}": field for weights, fields in study.fields.items() for k, field in enumerate(fields)},
    outputs.fields,
)
logger.info(
    "DBN at L = %d, T = %g, widths %s, epochs per layer %s:\n%s",
    L,
    temperature,
    study.network.widths,
    [len(history) for history in study.histories],
    study.layers.to_string(),
)
