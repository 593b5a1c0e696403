"""Snakemake adapter: the RG tables of every map and network -> the collected tables and the
verdict (results/tables/rg_verdict.csv)."""

import pandas as pd

from deeprenorm import pipeline
from deeprenorm.io import read_table, write_table
from deeprenorm.rg.verdict import conclusion, verdict_table

logger = pipeline.start(snakemake)
inputs, outputs = snakemake.input, snakemake.output


def collected(paths, name):
    return pd.concat([read_table(path) for path in paths if path.endswith(f"/{name}.csv")], ignore_index=True)


learned = {name: collected(inputs.learned, name) for name in ("flow", "curves", "agreement")}
network = {name: collected(inputs.network_flow, name) for name in ("flow", "fixed_points", "directions")}
verdict = verdict_table(
    read_table(inputs.flow),
    learned["flow"],
    learned["agreement"],
    read_table(inputs.information),
    network["fixed_points"],
    network["directions"],
    snakemake.params.network_lattice_size,
    locality=read_table(inputs.locality),
)
write_table(verdict, outputs.verdict)
write_table(learned["flow"], outputs.learned_flow)
write_table(learned["curves"], outputs.learned_curves)
write_table(learned["agreement"], outputs.agreement)
write_table(network["flow"], outputs.network_flow)
write_table(network["fixed_points"], outputs.fixed_points)
write_table(network["directions"], outputs.directions)
logger.info(
    "RG verdict:\n%s\n%s",
    verdict[["map", "model", "weights", "criteria_passed", "criteria_measured"]].to_string(),
    conclusion(verdict),
)
