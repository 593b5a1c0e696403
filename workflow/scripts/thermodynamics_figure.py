"""Snakemake adapter: thermodynamics tables -> results/figures/thermodynamics.png."""

import pandas as pd

from deeprenorm import pipeline
from deeprenorm.plots.thermodynamics import plot_thermodynamics

pipeline.start(snakemake)
inputs = snakemake.input
plot_thermodynamics(
    pd.read_csv(inputs.table), snakemake.output[0], pd.read_csv(inputs.critical), pd.read_csv(inputs.curves)
)
