"""Snakemake adapter: tau_int tables of all algorithms -> table, z fits and figure."""

import pandas as pd

from deeprenorm import pipeline
from deeprenorm.dynamics import AUTOCORRELATION_COLUMNS, dynamic_exponents
from deeprenorm.io import read_table, write_table
from deeprenorm.plots.autocorrelation import plot_autocorrelation

logger = pipeline.start(snakemake)
table = pd.concat([read_table(path, AUTOCORRELATION_COLUMNS) for path in snakemake.input], ignore_index=True)
exponents = dynamic_exponents(table)
logger.info("dynamic exponents:\n%s", exponents.to_string())
write_table(table, snakemake.output.table)
write_table(exponents, snakemake.output.exponents)
scan_lattice_size = int(table.loc[table["kind"] == "scan", "L"].iloc[0])
plot_autocorrelation(table, snakemake.output.figure, exponents, scan_L=scan_lattice_size)
