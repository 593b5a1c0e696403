"""The study's report: the pipeline's own performance from Snakemake's ``benchmark:`` files
(:mod:`.benchmarks`), the summary of every result table in JSON and Markdown and the report's
front page (:mod:`.summary`), and the README's generated results section (:mod:`.readme`)."""

from .benchmarks import (
    STAGES,
    BenchmarkError,
    benchmark_table,
    read_benchmark,
    run_span,
    stage_of,
    stage_totals,
    with_start_times,
)
from .readme import BEGIN_MARKER, END_MARKER, readme_block, replace_between_markers
from .summary import (
    config_sha256,
    dataset_record,
    key_numbers,
    report_description,
    software_versions,
    summarise,
    summary_markdown,
    torch_devices,
)

__all__ = [
    "STAGES",
    "BenchmarkError",
    "read_benchmark",
    "benchmark_table",
    "stage_of",
    "stage_totals",
    "with_start_times",
    "run_span",
    "BEGIN_MARKER",
    "END_MARKER",
    "replace_between_markers",
    "readme_block",
    "config_sha256",
    "dataset_record",
    "key_numbers",
    "report_description",
    "software_versions",
    "summarise",
    "summary_markdown",
    "torch_devices",
]
