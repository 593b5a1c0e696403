# Config loading and validation, derived lists, wildcard constraints, resources and path helpers
# shared by every stage.
import re
import sys
from pathlib import Path

from snakemake.utils import update_config

from deeprenorm.config import (
    ConfigError,
    check_study_fits,
    load_config_file,
    rg_pairs,
    simulated_sizes,
    simulated_temperatures,
    temperature_grid,
    temperature_label,
    validate_config,
)
from deeprenorm.versions import stage_versions


def _load_study_config():
    """config.yaml of the working directory (strictly: an empty file means all defaults, a syntax
    error or a repeated key names its line), overridden by --configfile files and --config.

    Snakemake has already read the --configfile files (and refuses an empty or unparsable one
    itself, before this workflow is read); they are read again here to refuse repeated keys,
    which plain YAML silently drops.
    """
    study = load_config_file("config.yaml") if Path("config.yaml").is_file() else {}
    for path in workflow.config_settings.configfiles:
        load_config_file(path)
    update_config(study, dict(config))
    validated = validate_config(study, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
    check_study_fits(validated, ".", existing_bytes=_existing_study_bytes(validated))
    return validated


def _existing_study_bytes(validated):
    sizes = simulated_sizes(validated)
    paths = [Path(f"results/datasets/L{L}.nc") for L in sizes]
    paths += [
        Path(f"results/simulations/L{L}/T{temperature_label(T)}.nc") for L in sizes for T in simulated_temperatures(validated, L)
    ]
    return sum(path.stat().st_size for path in paths if path.is_file())


try:
    _validated = _load_study_config()
except ConfigError as error:
    # Before any job: print the key paths and allowed ranges, not a Snakemake traceback.
    sys.exit(f"deeprenorm: {error}")
config.clear()
config.update(_validated)

# LATTICE_SIZES: the config's sizes, those of the thermodynamics and the autoencoders.
# SIMULATED_SIZES adds the block lattices L/b of the RG flow's pairs (RG_PAIRS), which are
# simulated and assembled for the flow only.
LATTICE_SIZES = config["lattice_sizes"]
RG_PAIRS = rg_pairs(config)
SIMULATED_SIZES = simulated_sizes(config)
TEMPERATURES = temperature_grid(config["temperatures"])
TEMPERATURE_LABELS = [temperature_label(t) for t in TEMPERATURES]
AUTOCORRELATION = config["autocorrelation"]
N_SAMPLES = config["samples_per_temperature"]


# Only the study's own sizes and temperatures match, so a file name cannot ask for a size or a
# temperature that validation never saw (an odd L, L = 2, T = nan). The simulate and dataset
# rules match SIMULATED_SIZE_PATTERN instead (a rule's own constraint wins over this one).
SIMULATED_SIZE_PATTERN = "|".join(str(size) for size in SIMULATED_SIZES)


wildcard_constraints:
    L="|".join(str(size) for size in LATTICE_SIZES),
    T="|".join(re.escape(label) for label in TEMPERATURE_LABELS),
    algorithm="|".join(AUTOCORRELATION["algorithms"]),


def simulation_paths(wildcards):
    labels = [temperature_label(T) for T in simulated_temperatures(config, int(wildcards.L))]
    return expand("results/simulations/L{L}/T{T}.nc", L=wildcards.L, T=labels)


def simulation_provenance(wildcards):
    """The config slice a dataset depends on: stored in its attributes and in params, so that
    changing e.g. training settings never invalidates a dataset."""
    keys = ("seed", "temperatures", "samples_per_temperature", "algorithm", "sampling")
    return (
        {key: config[key] for key in keys}
        | {"L": int(wildcards.L)}
        | {"stage_versions": stage_versions("simulate", "dataset")}
    )


# Memory requests, in MB, from the sizes of what each job holds (measured with
# benchmarks/memory.py; see the README's table). A job's Python with numpy, numba, xarray and
# netCDF4 imported peaks near 300 MB.
BASE_MEM_MB = 400


def spin_mb(L, n_temperatures=1):
    """Megabytes of int8 spins of ``n_temperatures`` temperatures of size L."""
    return n_temperatures * N_SAMPLES * int(L) ** 2 / 1e6


def simulation_mem_mb(wildcards):
    # The chain's samples are held in chunks and then joined (2x), plus the NetCDF write buffer.
    return BASE_MEM_MB + int(3 * spin_mb(wildcards.L))


def simulation_runtime(wildcards):
    # Minutes; generous: Wolff needs ~0.5 ms per independent 64x64 configuration near T_c.
    return 10 + int(N_SAMPLES * int(wildcards.L) ** 2 * 2e-6)


def dataset_mem_mb(wildcards):
    # Streamed one temperature at a time: a simulation read, validated and written.
    return BASE_MEM_MB + int(3 * spin_mb(wildcards.L))


def scalar_mem_mb(n_sizes, n_temperatures):
    """Jobs that read only energies and magnetisations (float64), never spins: those arrays and
    a few copies, plus the reweighting's blocks of (temperatures x samples) matrices (32 MB each,
    deeprenorm.reweighting)."""
    return BASE_MEM_MB + 200 + int(3 * 16 * n_sizes * n_temperatures * N_SAMPLES / 1e6)
