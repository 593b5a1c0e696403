"""Snakemake adapter: a dataset -> its train / validation / test split (results/splits/L{L}.nc)."""

from deeprenorm import pipeline
from deeprenorm.data import SpinReader
from deeprenorm.ml import file_sha256, make_split, write_split

pipeline.start(snakemake)
params = snakemake.params
fractions = [params.fractions[part] for part in ("train", "validation", "test")]
with SpinReader(snakemake.input[0]) as reader:
    labels = make_split(reader.n_temperatures, reader.n_samples, fractions, params.seed, reader.L)
    write_split(snakemake.output[0], labels, reader.temperatures, file_sha256(snakemake.input[0]), fractions)
