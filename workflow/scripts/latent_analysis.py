"""Snakemake adapter: every encoding -> the latent tables (phase, correlations, T_c, FSS)."""

import contextlib
import re

import xarray as xr

from deeprenorm import pipeline
from deeprenorm.io import write_table
from deeprenorm.latent import study_tables

logger = pipeline.start(snakemake)
params = snakemake.params
with contextlib.ExitStack() as stack:
    encodings = {}
    for path in snakemake.input:
        model, seed = re.search(r"/L\d+/([^/]+)/seed(\d+)\.nc$", path).groups()
        encoded = stack.enter_context(xr.open_dataset(path)).load()
        encodings.setdefault((model, int(seed)), []).append(encoded.assign_attrs(model=model))
    window = tuple(params.tc_window) if params.tc_window else None
    tables = study_tables(encodings, params.reductions, window=window)
for name, frame in tables.items():
    write_table(frame, snakemake.output[name])
logger.info(
    "T_c (latent, combined over seeds):\n%s",
    tables["tc"][["model", "reduction", "method", "L", "L2", "T_c", "T_c_err"]].to_string(),
)
