# Validation, derived lists, wildcard constraints and path helpers shared by every stage.
import sys
from pathlib import Path

from deeprenorm.config import ConfigError, temperature_grid, temperature_label, validate_config
from deeprenorm.ising.sampler import IMPLEMENTATION_VERSION

try:
    _validated = validate_config(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
except ConfigError as error:
    # Before any job: print the key paths and allowed ranges, not a Snakemake traceback.
    sys.exit(f"deeprenorm: {error}")
config.clear()
config.update(_validated)

LATTICE_SIZES = config["lattice_sizes"]
TEMPERATURES = temperature_grid(config["temperatures"])
TEMPERATURE_LABELS = [temperature_label(t) for t in TEMPERATURES]
AUTOCORRELATION = config["autocorrelation"]


wildcard_constraints:
    L=r"\d+",
    T=r"\d+\.\d{4}",
    algorithm="metropolis|wolff|swendsen_wang",


def simulation_paths(wildcards):
    return expand("results/simulations/L{L}/T{T}.nc", L=wildcards.L, T=TEMPERATURE_LABELS)


def simulation_provenance(wildcards):
    """The config slice a dataset depends on: stored in its attributes and in params, so that
    changing e.g. training settings never invalidates a dataset."""
    keys = ("seed", "temperatures", "samples_per_temperature", "algorithm", "sampling")
    return {key: config[key] for key in keys} | {"L": int(wildcards.L), "engine_version": IMPLEMENTATION_VERSION}


def simulation_mem_mb(wildcards):
    # Python + numba + xarray (~400 MB) plus the spins and a few float64 copies per sample.
    return 600 + int(config["samples_per_temperature"] * int(wildcards.L) ** 2 * 10 / 1e6)


def simulation_runtime(wildcards):
    # Minutes; generous: Wolff needs ~0.5 ms per independent 64x64 configuration near T_c.
    return 10 + int(config["samples_per_temperature"] * int(wildcards.L) ** 2 * 2e-6)
