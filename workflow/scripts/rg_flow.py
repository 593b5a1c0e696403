"""Snakemake adapter: datasets -> the RG flow tables and the block-spin table (CSV)."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.rg.study import rg_study

logger = pipeline.start(snakemake)
params = snakemake.params
tables = rg_study(
    dict(zip(params.sizes, snakemake.input)),
    [tuple(pair) for pair in params.pairs],
    params.maps,
    params.observables,
    params.seed,
    window=tuple(params.window) if params.window else None,
)
for name, frame in tables.items():
    write_table(frame, snakemake.output[name])
logger.info(
    "RG flow:\n%s",
    tables["flow"][["L", "L_coarse", "map", "observable", "T_star", "T_star_err", "nu", "nu_err"]].to_string(),
)
