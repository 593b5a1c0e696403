"""Snakemake adapter: every probed network's locality, the controls' and the deep belief
network's -> results/tables/locality.csv, beside the exact block spins (the verdict reads it)."""

from deeprenorm import pipeline
from deeprenorm.io import read_table, write_table
from deeprenorm.probes.study import study_locality

logger = pipeline.start(snakemake)
params, inputs = snakemake.params, snakemake.input
tables = [read_table(path) for path in [*inputs.locality, *inputs.control_locality]]
locality = study_locality(tables, L=params.L, b=params.b, dbn=read_table(inputs.dbn_locality))
write_table(locality, snakemake.output[0])
logger.info(
    "locality medians:\n%s",
    locality.groupby(["model", "weights", "probe"])[["window_fraction", "spread"]].median().to_string(),
)
