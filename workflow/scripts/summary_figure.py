"""Snakemake adapter: the latent, thermodynamic and RG tables, and test configurations through the
flow models -> results/figures/summary.png."""

from deeprenorm import pipeline
from deeprenorm.data import SpinReader
from deeprenorm.io import read_table
from deeprenorm.ml import file_sha256, load_checkpoint, read_split
from deeprenorm.plots.summary import plot_summary
from deeprenorm.probes.study import reconstruction_rows
from deeprenorm.rg.verdict import answer

pipeline.start(snakemake)
params, inputs = snakemake.params, snakemake.input
learned_flow, learned_curves, verdict = (
    (read_table(path) for path in inputs.learned) if inputs.learned else (None, None, None)
)
models = {
    name: load_checkpoint(path, {"model_name": name})[0] for name, path in zip(params.strip_models, inputs.checkpoints)
}
split = read_split(inputs.split, file_sha256(inputs.dataset))
with SpinReader(inputs.dataset) as reader:
    strip = reconstruction_rows(reader, split.labels, models, params.seed)
plot_summary(
    phase=read_table(inputs.phase),
    curves=read_table(inputs.curves),
    tc_latent=read_table(inputs.tc_latent),
    tc_thermodynamic=read_table(inputs.tc_thermodynamic),
    rg_curves=read_table(inputs.rg_curves),
    rg_flow=read_table(inputs.rg_flow),
    learned_curves=learned_curves,
    learned_flow=learned_flow,
    strip=strip,
    verdict=answer(verdict) if verdict is not None else "",
    headline_model=params.headline_model,
    headline_seed=params.headline_seed,
    network_L=params.network_L,
    learned_model=params.learned_model,
    path=snakemake.output[0],
)
