"""Snakemake adapter: the MCRG exponents of the block-spin maps and of the RSMI coarse-grainer,
and of the conv models' maps measured by rule rg_exponents_learned ->
results/tables/rg_exponents.csv."""

import pandas as pd

from deeprenorm import pipeline
from deeprenorm.data import open_simulation
from deeprenorm.io import read_table, write_table
from deeprenorm.rg.mcrg import TABLE_COLUMNS, map_exponents, mcrg_exponents, reversal_asymmetry
from deeprenorm.rg.rsmi import load_rsmi, rsmi_step

logger = pipeline.start(snakemake)
params = snakemake.params
# before the exact maps' MCRG, which takes the most time: a missing CUDA device fails at once
device = pipeline.torch_device(snakemake) if snakemake.input.rsmi else None
with open_simulation(snakemake.input.ensemble) as ensemble:
    configurations = ensemble["spins"].values
frames = [map_exponents(configurations, params.maps, params.levels, params.seed)]
for path in snakemake.input.rsmi:
    model = load_rsmi(path)[0].to(device)
    step = rsmi_step(model)
    frames.append(
        mcrg_exponents(configurations, step, model.block, levels=params.levels).assign(
            map="rsmi",
            model=params.rsmi_model,
            weights="rsmi",
            seed=0,
            b=model.block,
            L=configurations.shape[-1],
            reversal_asymmetry=reversal_asymmetry(step, configurations),
        )
    )
frames += [read_table(path, TABLE_COLUMNS) for path in snakemake.input.learned]
table = pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]
write_table(table, snakemake.output[0])
most_operators = table["operators"] == table.groupby("exponent")["operators"].transform("max")
logger.info("MCRG exponents, every operator:\n%s", table[most_operators].to_string())
