"""Snakemake adapter: every benchmark file of the study -> the cost of each job and each stage
(results/tables/performance.csv, performance_stages.csv) and its figure."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.plots.performance import plot_performance
from deeprenorm.reporting import benchmark_table, stage_totals

logger = pipeline.start(snakemake)
jobs = benchmark_table(snakemake.params.root)
stages = stage_totals(jobs)
write_table(jobs, snakemake.output.jobs)
write_table(stages, snakemake.output.stages)
plot_performance(jobs, stages, snakemake.output.figure)
logger.info("per stage:\n%s", stages.to_string())
