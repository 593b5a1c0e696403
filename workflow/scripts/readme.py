"""Snakemake adapter: results/summary.json of the default study, the tiny study's summary.json and
the figures the README embeds -> docs/figures/*.png, docs/results.md, and the README's two
generated sections (between their markers): its first commands with their measured times, and
the short results."""

import json
from pathlib import Path

from deeprenorm import pipeline
from deeprenorm.io import copy_file, write_text
from deeprenorm.reporting.readme import (
    START_BEGIN,
    START_END,
    readme_block,
    replace_between_markers,
    results_page,
    start_block,
)

logger = pipeline.start(snakemake)
params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
for source, target in zip(inputs.figures, outputs.figures):
    copy_file(source, target)
summary = json.loads(Path(inputs.summary).read_text())
tiny = json.loads(Path(inputs.tiny_summary).read_text())
readme, page = Path(params.readme), Path(outputs.page)
figures = {name: Path(path) for name, path in zip(params.names, outputs.figures)}
text = replace_between_markers(readme.read_text(), start_block(summary, tiny), START_BEGIN, START_END)
text = replace_between_markers(text, readme_block(summary, {name: str(path) for name, path in figures.items()}))
# both markers are checked before anything is written: a README whose markers are gone stays untouched
write_text(text, readme)
write_text(
    results_page(summary, {name: path.relative_to(page.parent).as_posix() for name, path in figures.items()}) + "\n",
    page,
)
logger.info("README start and results sections and %s written", page)
