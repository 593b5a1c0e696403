"""Snakemake adapter: latent tables -> phase identification and T_c finite-size figures."""

import xarray as xr

from deeprenorm import pipeline
from deeprenorm.io import read_table
from deeprenorm.latent import latent_sample_table
from deeprenorm.plots.latent import plot_phase_identification, plot_tc_finite_size

pipeline.start(snakemake)
inputs, params = snakemake.input, snakemake.params
tc = read_table(inputs.tc, ["model", "reduction", "method", "T_c", "T_c_err"])
phase = read_table(inputs.phase, ["model", "reduction", "part", "training_seed"])
summary = read_table(inputs.summary, ["model", "reduction", "part", "L", "training_seed"])
curves = read_table(inputs.curves, ["model", "reduction", "training_seed"])
tc[["L", "L2"]] = tc[["L", "L2"]].astype("Int64")  # read as float where the column has blanks


def default(frame):
    return frame[(frame["model"] == params.model) & (frame["reduction"] == "mean")]


phase, curves, summary = (default(f)[default(f)["training_seed"] == params.seed] for f in (phase, curves, summary))
with xr.open_dataset(inputs.encoding) as encoded:
    samples = latent_sample_table(encoded.load().assign_attrs(model=params.model), "mean", "test")
largest = summary[summary["part"] == "test"].sort_values("L").iloc[-1].to_dict()
plot_phase_identification(
    phase[phase["part"] == "test"],
    phase[phase["part"] == "train"],
    default(tc),
    snakemake.output.phase,
    samples=samples,
    curves=curves,
    summary=largest,
)
# T_c(L) against 1/L only for models trained at two sizes or more (the sweep's one-size models
# are in the width-sweep figure)
peaks = tc[tc["method"] == "chi_z_peak"]
scaled = peaks.groupby("model")["L"].nunique()
test = tc[(tc["part"] == "test") & tc["model"].isin(scaled[scaled >= 2].index)]
plot_tc_finite_size(test, snakemake.output.finite_size)
