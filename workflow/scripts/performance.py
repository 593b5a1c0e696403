"""Snakemake adapter: every benchmark file of the study -> the cost of each job and each stage,
the span of the run (results/tables/performance.csv, performance_stages.csv,
performance_run.csv) and its figure."""

import os

import pandas as pd

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.plots.performance import plot_performance
from deeprenorm.reporting import benchmark_table, run_span, stage_totals, with_start_times

logger = pipeline.start(snakemake)
jobs = with_start_times(benchmark_table(snakemake.params.root), snakemake.params.root)
stages = stage_totals(jobs)
# a script never learns the run's --cores (only its own threads); the machine's CPUs bound it
run = run_span(jobs) | {"machine_cpus": os.cpu_count()}
write_table(jobs, snakemake.output.jobs)
write_table(stages, snakemake.output.stages)
write_table(pd.DataFrame([run]), snakemake.output.run)
plot_performance(jobs, stages, snakemake.output.figure)
logger.info("per stage:\n%s\nrun: %s", stages.to_string(), run)
