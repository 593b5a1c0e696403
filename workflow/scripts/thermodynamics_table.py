"""Snakemake adapter: datasets -> thermodynamics table and T_c estimates (CSV)."""

import pandas as pd

from deeprenorm import pipeline, seeding
from deeprenorm.data import open_dataset, write_table
from deeprenorm.thermo import critical_temperature_estimates, thermodynamic_table

logger = pipeline.start(snakemake)
table = pd.concat([thermodynamic_table(open_dataset(path)) for path in snakemake.input], ignore_index=True)
rng_seed = seeding.stream(snakemake.params.seed, "analysis", 0)
estimates = critical_temperature_estimates(table, rng_seed)
logger.info("T_c estimates:\n%s", estimates[["method", "L", "L2", "T_c", "T_c_err", "note"]].to_string())
write_table(table, snakemake.output.table)
write_table(estimates, snakemake.output.critical)
