"""Snakemake adapter: datasets -> thermodynamics table, T_c estimates and reweighted curves (CSV).

Datasets are opened lazily: this stage reads energies and magnetisations, never spins.
"""

import contextlib

import pandas as pd

from deeprenorm import pipeline
from deeprenorm.data import open_dataset
from deeprenorm.io import write_table
from deeprenorm.thermo import critical_temperature_estimates, thermodynamic_table

logger = pipeline.start(snakemake)
with contextlib.ExitStack() as stack:
    datasets = [stack.enter_context(open_dataset(path)) for path in snakemake.input]
    table = pd.concat([thermodynamic_table(dataset) for dataset in datasets], ignore_index=True)
    window = snakemake.params.tc_window
    estimates, curves = critical_temperature_estimates(datasets, window=tuple(window) if window else None)
logger.info("T_c estimates:\n%s", estimates[["method", "L", "L2", "T_c", "T_c_err", "note"]].to_string())
write_table(table, snakemake.output.table)
write_table(estimates, snakemake.output.critical)
write_table(curves, snakemake.output.curves)
