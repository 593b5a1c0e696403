"""Snakemake adapter: thermodynamics table and T_c estimates -> results/figures/thermodynamics.png."""

import pandas as pd

from deeprenorm import pipeline
from deeprenorm.plots.thermodynamics import plot_thermodynamics

pipeline.start(snakemake)
plot_thermodynamics(pd.read_csv(snakemake.input.table), snakemake.output[0], pd.read_csv(snakemake.input.critical))
