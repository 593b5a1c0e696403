"""Snakemake adapter: encodings of the dense models + latent tables -> the width-sweep tables."""

import pandas as pd
import xarray as xr

from deeprenorm import pipeline
from deeprenorm.io import read_table, write_table
from deeprenorm.sweep import reconstruction_curve, unit_correlations, width_sweep_table

logger = pipeline.start(snakemake)
inputs, outputs = snakemake.input, snakemake.output
curves, units = [], []
for path in inputs.encodings:
    with xr.open_dataset(path) as encoded:
        encoded = encoded.load()
    model = path.split("/")[-2]
    encoded = encoded.assign_attrs(model=model)
    curves.append(reconstruction_curve(encoded))
    units.append(unit_correlations(encoded))
reconstruction, units = pd.concat(curves, ignore_index=True), pd.concat(units, ignore_index=True)
tc = read_table(inputs.tc, ["model", "reduction", "part", "method", "L", "T_c", "T_c_err"])
summary = read_table(inputs.summary, ["model", "reduction", "part", "L", "training_seed", "r_curves_chi_z_chi_m"])
sweep = width_sweep_table(snakemake.params.specs, tc, summary, reconstruction, units)
write_table(sweep, outputs.sweep)
write_table(units, outputs.units)
write_table(reconstruction, outputs.reconstruction)
logger.info(
    "width sweep:\n%s",
    sweep[
        ["model", "L", "test_loss", "T_c_mean", "T_c_mean_err", "T_c_magnetic", "reference_T_peak", "r_chi"]
    ].to_string(),
)
