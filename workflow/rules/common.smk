# Config loading and validation, the study plan, wildcard constraints, path helpers and memory
# requests shared by every stage.
import dataclasses
import re
import sys
from pathlib import Path

from snakemake.utils import update_config

from deeprenorm.config import ConfigError, command_line_values, load_config_file, temperature_label, validate_config
from deeprenorm.plan import DENSE_BLOCK_FACTOR, PROBE_BLOCK_FACTOR, StudyPlan, check_study_fits
from deeprenorm.versions import stage_versions


# Path helpers, as PyPSA-Eur's resources(), logs() and benchmarks(): every file name of the study
# is spelled here once; called without arguments, a helper gives the wildcard pattern.
def simulation(L="{L}", T="{T}"):
    return f"results/simulations/L{L}/T{T}.nc"


def dataset(L="{L}"):
    return f"results/datasets/L{L}.nc"


def dataset_split(L="{L}"):
    return f"results/splits/L{L}.nc"


def checkpoint(L="{L}", model="{model}", seed="{seed}", *, root="results/models", suffix="pt"):
    """A trained model's file: the checkpoint (.pt), its sidecar (.json) or history (.csv)."""
    return f"{root}/L{L}/{model}/seed{seed}.{suffix}"


def trained_model(root="results/models"):
    """The outputs of a training rule (train, train_far, train_control) below ``root``."""
    return {
        "checkpoint": checkpoint(root=root),
        "sidecar": checkpoint(root=root, suffix="json"),
        "history": checkpoint(root=root, suffix="csv"),
    }


def encoding(L="{L}", model="{model}", seed="{seed}"):
    return f"results/latent/L{L}/{model}/seed{seed}.nc"


def table(name):
    return f"results/tables/{name}.csv"


def figure(name):
    return f"results/figures/{name}.png"


def logs(name):
    return f"logs/{name}.log"


def benchmarks(name):
    return f"results/benchmarks/{name}.tsv"


# where the RG stage's far-from-T_c networks and the networks trained on control data are kept
FAR_MODELS_ROOT = "results/rg/controls"
CONTROL_MODELS_ROOT = "results/controls/{kind}/models"


def mcrg_ensemble():
    """The critical ensemble of the MCRG exponents (rule mcrg_ensemble)."""
    return f"results/mcrg/L{RG['mcrg']['lattice_size']}.nc"


def learned_exponent_tables():
    """The MCRG exponents of every conv model of the network RG stage (rule rg_exponents_learned)."""
    if not PLAN.network.measured:
        return []
    return [network_table("exponents", "exponents", NETWORK_L, model) for model in PLAN.mcrg_models]


def rsmi_checkpoints():
    """The RSMI coarse-grainer of the verdict (rule train_rsmi), or none (PLAN.rsmi_model)."""
    if PLAN.rsmi_model is None:
        return []
    return [f"results/rg/rsmi/L{NETWORK_L}/{PLAN.rsmi_model}.pt"]


def rsmi_exponent_checkpoints():
    """The RSMI coarse-grainer where its b blocks the MCRG ensemble rg.mcrg.levels times."""
    mcrg, b = RG["mcrg"], RG["rsmi"]["block"]
    return rsmi_checkpoints() if mcrg["lattice_size"] % b ** mcrg["levels"] == 0 else []


def network_table(stage, name, L="{L}", model="{model}"):
    """A per-model table of the network RG stage (``stage``: learned or network_flow)."""
    return f"results/rg/{stage}/L{L}/{model}/{name}.csv"


def probe_file(name, L="{L}", model="{model}", kind=None):
    """A probed model's maps (maps.npz) or their locality (locality.csv); ``kind``: the control
    data it was trained on, None for the Ising data."""
    root = f"results/probes/controls/{kind}" if kind else "results/probes"
    return f"{root}/L{L}/{model}/{name}"


def dbn_file(name, L="{L}"):
    return f"results/probes/dbn/L{L}{name}"


def control_dataset_file(L="{L}", suffix=""):
    return f"results/controls/{{kind}}/L{L}{suffix}.nc"


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
    # --config lists and mappings arrive with their scalars as text: read them as the file would
    update_config(study, command_line_values(dict(workflow.config_settings.config)))
    return validate_config(study, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")


def _existing_study_bytes(plan):
    sizes = plan.simulated_sizes
    paths = [Path(dataset(L)) for L in sizes]
    paths += [Path(simulation(L, temperature_label(T))) for L in sizes for T in plan.simulated_temperatures(L)]
    return sum(path.stat().st_size for path in paths if path.is_file())


try:
    _validated = _load_study_config()
    # PLAN: every selection the rules make (deeprenorm.plan), built once here
    PLAN = StudyPlan.from_config(_validated)
    check_study_fits(PLAN, ".", existing_bytes=_existing_study_bytes(PLAN))
except ConfigError as error:
    # Before any job: print the key paths and allowed ranges, not a Snakemake traceback.
    sys.exit(f"deeprenorm: {error}")
config.clear()
config.update(_validated)
for _notice in PLAN.notices:
    print(_notice, file=sys.stderr)

TEMPERATURE_LABELS = [temperature_label(T) for T in PLAN.temperatures]
AUTOCORRELATION = config["autocorrelation"]
AUTOENCODER = config["autoencoder"]
RG = config["rg"]
RG_NETWORKS = RG["networks"]
PROBES = config["probes"]
NETWORK_L = PLAN.network.lattice_size

# The torch rules (deeprenorm.plan.DEVICE_RULES: those that train a network or run one over data)
# run on autoencoder.device. Training and encoding record it with their settings, so switching
# the device retrains and re-encodes; the measurements read it from the config, not from params,
# so that a measurement of the same network is not redone for the device alone. With cuda each job asks for one GPU: `--resources gpu=N` caps the jobs that share a
# workstation's GPUs, and the SLURM plugin turns it into `--gpus=1`. auto asks for none, since it
# may fall back to the CPU and a CPU-only cluster refuses GPU requests (the SLURM profile's
# set-resources gives an auto job a GPU). ON_DEVICE ends their messages, so a dry run shows both.
TORCH_DEVICE = AUTOENCODER["device"]
TORCH_GPUS = int(TORCH_DEVICE == "cuda")
ON_DEVICE = f" [device {TORCH_DEVICE}, gpu={{resources.gpu}}]"


# Only the study's own sizes and temperatures match, so a file name cannot ask for a size or a
# temperature that validation never saw (an odd L, L = 2, T = nan). The simulate and dataset
# rules match SIMULATED_SIZE_PATTERN instead (a rule's own constraint wins over this one): the
# study's sizes and the block lattices L/b of the RG flow, simulated for the flow only.
SIMULATED_SIZE_PATTERN = "|".join(str(size) for size in PLAN.simulated_sizes)


wildcard_constraints:
    L="|".join(str(size) for size in PLAN.lattice_sizes),
    T="|".join(re.escape(label) for label in TEMPERATURE_LABELS),
    algorithm="|".join(AUTOCORRELATION["algorithms"]),


def one_of(names):
    """A wildcard pattern matching exactly ``names``, or nothing where there are none."""
    return "|".join(re.escape(str(name)) for name in names) or "(?!)"


# Input and params functions: what a job of a given model reads and is told, from PLAN.
def model_spec(wildcards):
    # the spec's fields as plain values: Snakemake reruns a job whose params change, and
    # compares only such values
    return dataclasses.asdict(PLAN.models[wildcards.model].spec)


def training_settings(wildcards):
    return PLAN.models[wildcards.model].spec.training_settings(AUTOENCODER["training"], AUTOENCODER["device"])


def staggered(wildcards):
    return PLAN.models[wildcards.model].spec.staggered


def encodings(name):
    """The encodings of model ``name``: every L and training seed it trains with."""
    model = PLAN.models[name]
    return expand(encoding(), L=model.lattice_sizes, model=name, seed=model.seeds)


def network_model(wildcards):
    return PLAN.network.models[wildcards.model]


def network_checkpoint(wildcards):
    """The checkpoint of a model that the probes read: its first training seed's."""
    return checkpoint(wildcards.L, wildcards.model, network_model(wildcards).seed)


def network_checkpoints(wildcards):
    """The checkpoints the RG stage measures of a model: one per training seed at its L."""
    return [checkpoint(wildcards.L, wildcards.model, seed) for seed in network_model(wildcards).seeds]


def network_controls(name):
    """Weights label -> checkpoint of each control of network model ``name``: the same
    architecture trained far from T_c (the network-flow models, where the grid has temperatures
    there on both sides) and on each control data set (the probes stage's control models)."""
    model = PLAN.network.models[name]
    controls = {}
    if PLAN.network.far_control and name in PLAN.network.flow_models:
        controls["far-trained"] = checkpoint(NETWORK_L, name, model.seed, root=FAR_MODELS_ROOT)
    for kind, control_model in PLAN.probes.controls:
        if control_model == name:
            root = CONTROL_MODELS_ROOT.format(kind=kind)
            controls[f"{kind}-trained"] = checkpoint(NETWORK_L, name, model.seed, root=root)
    return controls


def conv_network_entries():
    """Every network whose block variable the information bound measures, as ``(model, weights,
    training seed, checkpoint)``: each conv model's trained networks (their untrained initial
    weights are rebuilt from these) and its controls."""
    entries = []
    for name in PLAN.network.conv_models:
        model = PLAN.network.models[name]
        entries += [(name, "trained", seed, checkpoint(NETWORK_L, name, seed)) for seed in model.seeds]
        entries += [(name, label, model.seed, path) for label, path in network_controls(name).items()]
    return entries


def control_checkpoint(wildcards):
    root = CONTROL_MODELS_ROOT.format(kind=wildcards.kind)
    return checkpoint(wildcards.L, wildcards.model, network_model(wildcards).seed, root=root)


def control_probe_files(name):
    return [probe_file(name, NETWORK_L, model, kind) for kind, model in PLAN.probes.controls]


def simulation_paths(wildcards):
    labels = [temperature_label(T) for T in PLAN.simulated_temperatures(int(wildcards.L))]
    return expand(simulation(), L=wildcards.L, T=labels)


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
# benchmarks/memory.py; see docs/running.md, "Memory"). A job's Python with numpy, numba, xarray and
# netCDF4 imported peaks near 300 MB; importing torch adds about 500 MB.
BASE_MEM_MB = 400
TORCH_MEM_MB = 600
# the probes' gradients and activation maximisation hold a batch of maps besides torch
PROBE_MEM_MB = TORCH_MEM_MB + 100
N_SAMPLES = config["samples_per_temperature"]
N_TEMPERATURES = len(PLAN.temperatures)


def spin_mb(L, n_temperatures=1, n_samples=N_SAMPLES):
    """Megabytes of int8 spins of ``n_temperatures`` temperatures of size L."""
    return n_temperatures * n_samples * int(L) ** 2 / 1e6


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


def blocking_mem_mb(sizes):
    # one temperature's spins of the largest L and its blocks, and the reweighting
    return scalar_mem_mb(len(sizes), N_TEMPERATURES) + int(3 * spin_mb(max(sizes)))


def mcrg_mem_mb():
    # the ensemble's int8 spins, joined from the sampler's chunks (2x) and blocked once more
    # (1/4 of them per level), and the operators' int8 products of one chunk of configurations
    mcrg = RG["mcrg"]
    return BASE_MEM_MB + int(3 * mcrg["samples"] * mcrg["lattice_size"] ** 2 / 1e6) + 100


def training_mem_mb(wildcards):
    # torch plus the int8 training buffer and validation samples, and a float batch.
    buffered = AUTOENCODER["training"]["buffer_temperatures"] + 1 + 0.3 * N_TEMPERATURES
    return BASE_MEM_MB + TORCH_MEM_MB + int(3 * buffered * spin_mb(wildcards.L))


def training_runtime(wildcards, n_samples=N_SAMPLES):
    # Minutes: the epochs over every sample of the dataset
    return 30 + int(spin_mb(wildcards.L, N_TEMPERATURES, n_samples) * AUTOENCODER["training"]["max_epochs"] / 20)


def control_training_mem_mb(wildcards):
    # the control data are read whole, like a control dataset's generation
    return BASE_MEM_MB + TORCH_MEM_MB + int(3 * spin_mb(wildcards.L, N_TEMPERATURES, PLAN.probes.control_samples))


def control_dataset_mem_mb(wildcards):
    return BASE_MEM_MB + int(3 * spin_mb(wildcards.L, N_TEMPERATURES, PLAN.probes.control_samples))


def encoding_mem_mb(wildcards):
    # torch, one temperature read, and the float32 codes and errors of every sample
    return BASE_MEM_MB + TORCH_MEM_MB + int(3 * spin_mb(wildcards.L)) + int(8 * spin_mb(wildcards.L, N_TEMPERATURES))


def codes_mem_mb(columns):
    """Jobs that hold ``columns`` float64 values (codes, or their energies and magnetisations)
    of every sample of the grid, and a few copies, besides torch."""
    return BASE_MEM_MB + TORCH_MEM_MB + int(3 * 16 * columns * N_TEMPERATURES * N_SAMPLES / 1e6)


def learned_rg_mem_mb(wildcards):
    # torch, one temperature's spins, and the flow's reweighting of the fine and coarse ensembles
    return BASE_MEM_MB + TORCH_MEM_MB + scalar_mem_mb(2, N_TEMPERATURES) + int(3 * spin_mb(wildcards.L))


def network_flow_mem_mb(wildcards):
    # torch, one temperature's spins, and the float64 configurations of every flow step
    flowed = 24 * RG_NETWORKS["flow_samples"] * N_TEMPERATURES * int(wildcards.L) ** 2 / 1e6
    return BASE_MEM_MB + TORCH_MEM_MB + int(3 * spin_mb(wildcards.L)) + int(flowed)


def information_mem_mb(L):
    # torch, and the test configurations with their block variables and environments
    return BASE_MEM_MB + TORCH_MEM_MB + int(6 * spin_mb(L))


def probe_mem_mb(wildcards):
    return BASE_MEM_MB + PROBE_MEM_MB + int(3 * spin_mb(wildcards.L))


def dbn_configurations_mem_mb(wildcards):
    # torch (deeprenorm.probes imports it), the chain's samples held in chunks and then joined
    # (2x), plus the NetCDF write buffer
    return BASE_MEM_MB + TORCH_MEM_MB + int(3 * spin_mb(wildcards.L, n_samples=PROBES["dbn"]["configurations"]))


def dbn_mem_mb(wildcards):
    # torch, the int8 configurations, and as float32 units (4x) the data, their hidden
    # probabilities up the stack (1/4 as many per layer) and a reconstruction of the held-out part
    return BASE_MEM_MB + PROBE_MEM_MB + int(12 * spin_mb(wildcards.L, n_samples=PROBES["dbn"]["configurations"]))
