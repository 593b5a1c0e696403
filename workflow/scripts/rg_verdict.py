"""Snakemake adapter: the RG tables of every map and network -> the collected tables, the
verdict and its calibration (results/tables/rg_verdict.csv, rg_verdict_calibration.csv)."""

import pandas as pd

from deeprenorm import pipeline
from deeprenorm.io import read_table, write_table
from deeprenorm.rg.verdict import VerdictInputs, conclusion, verdict_table

logger = pipeline.start(snakemake)
inputs, outputs = snakemake.input, snakemake.output


def collected(paths, name):
    # every model's learned tables repeat the exact maps measured beside it on the same split
    tables = [read_table(path) for path in paths if path.endswith(f"/{name}.csv")]
    return pd.concat(tables, ignore_index=True).drop_duplicates(ignore_index=True)


learned = {name: collected(inputs.learned, name) for name in ("flow", "curves", "agreement")}
network = {name: collected(inputs.network_flow, name) for name in ("flow", "fixed_points", "directions")}
verdict, calibration = verdict_table(
    VerdictInputs(
        block_flow=read_table(inputs.flow),
        learned_flow=learned["flow"].fillna({"model": ""}),
        agreement=learned["agreement"].fillna({"model": ""}),
        information=read_table(inputs.information),
        information_replicas=read_table(inputs.information_replicas),
        fixed_points=network["fixed_points"],
        directions=network["directions"],
        locality=read_table(inputs.locality),
        exponents=read_table(inputs.exponents),
        L=snakemake.params.network_lattice_size,
    )
)
write_table(verdict, outputs.verdict)
write_table(calibration, outputs.calibration)
write_table(learned["flow"], outputs.learned_flow)
write_table(learned["curves"], outputs.learned_curves)
write_table(learned["agreement"], outputs.agreement)
write_table(network["flow"], outputs.network_flow)
write_table(network["fixed_points"], outputs.fixed_points)
write_table(network["directions"], outputs.directions)
logger.info("calibration:\n%s", calibration.to_string())
logger.info("RG verdict:\n%s\n%s", verdict.drop(columns=["threshold", "reference"]).to_string(), conclusion(verdict))
