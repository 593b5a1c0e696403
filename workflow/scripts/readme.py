"""Snakemake adapter: results/summary.json and the figures the README embeds -> docs/figures/*.png,
docs/results.md, and the README's results section (between its markers) replaced by the same
text."""

import json
from pathlib import Path

from deeprenorm import pipeline
from deeprenorm.io import copy_file, write_text
from deeprenorm.reporting import readme_block, replace_between_markers

logger = pipeline.start(snakemake)
params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
for source, target in zip(inputs.figures, outputs.figures):
    copy_file(source, target)
block = readme_block(
    json.loads(Path(inputs.summary).read_text()), {name: path for name, path in zip(params.names, outputs.figures)}
)
readme = Path(params.readme)
write_text(replace_between_markers(readme.read_text(), block), readme)  # refused, untouched, if the markers are gone
write_text(block + "\n", outputs.block)
logger.info("README results section: %d lines", block.count("\n") + 1)
