"""Snakemake adapter: the result tables -> results/summary.json, summary.md and the report's front
page (results/report/workflow.rst)."""

from pathlib import Path

from deeprenorm import pipeline
from deeprenorm.io import read_table, write_json, write_text
from deeprenorm.reporting import dataset_record, report_description, summarise, summary_markdown, torch_devices

pipeline.start(snakemake)
params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
tables = {name: read_table(path) for name, path in params.tables.items() if name != "locality"}
locality = read_table(params.tables["locality"]) if "locality" in params.tables else None
summary = summarise(
    tables,
    dict(params.tables),
    [dataset_record(path) for path in inputs.datasets],
    read_table(inputs.stages),
    dict(params.config),
    headline_model=params.headline_model,
    locality=locality,
    run=read_table(inputs.run).iloc[0].to_dict(),
) | {"devices": torch_devices(inputs.sidecars, inputs.encodings)}
write_json(summary, outputs.json)
write_text(summary_markdown(summary), outputs.markdown)
write_text(report_description(summary, Path(params.method).read_text()), outputs.description)
