"""Snakemake adapter: the RSMI coarse-grainer -> the flow, curve and agreement tables of its map,
measured as the networks' learned maps are (deeprenorm.rg.learned)."""

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.ml import file_sha256, read_split
from deeprenorm.rg.learned import learned_rg_study
from deeprenorm.rg.rsmi import load_rsmi

logger = pipeline.start(snakemake)
device = pipeline.torch_device(snakemake)
params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output
dataset_sha256 = file_sha256(inputs.dataset)
split = read_split(inputs.split, dataset_sha256)
model, metadata = load_rsmi(inputs.checkpoint)
if metadata.get("dataset_sha256") != dataset_sha256:
    raise ValueError(f"{inputs.checkpoint} was trained on another dataset: delete it and run the workflow again")
tables = learned_rg_study(
    {("rsmi", 0): model.to(device)},
    inputs.dataset,
    split.labels,
    inputs.direct,
    params.b,
    params.seed,
    model_name=params.model,
    observables=params.observables,
    window=tuple(params.window) if params.window else None,
)
for name, frame in tables.items():
    write_table(frame, outputs[name])
logger.info(
    "RSMI flows:\n%s", tables["flow"][["map", "observable", "T_star", "T_star_err", "nu", "nu_err"]].to_string()
)
