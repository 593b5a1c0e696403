# Autoencoders per (L, model, training seed): the split of each dataset, training, the codes of
# every sample, and what the latent variables say about the phase transition.
from deeprenorm.config import model_name
from deeprenorm.ising.lattice import coarse_size_ok

AUTOENCODER = config["autoencoder"]
MODEL_SPECS = {model_name(spec): spec for spec in AUTOENCODER["models"]}
DEFAULT_MODEL = model_name(AUTOENCODER["models"][0])
TRAINING_SEEDS = AUTOENCODER["seeds"]


def model_sizes(name):
    """The lattice sizes a model is trained for: all, except where a conv model's block lattice
    L/b is not an even integer >= 4 (skipped and reported, not an error)."""
    spec = MODEL_SPECS[name]
    if spec["kind"] != "conv":
        return LATTICE_SIZES
    return [L for L in LATTICE_SIZES if coarse_size_ok(L, spec["block"])]


for _name in MODEL_SPECS:
    _skipped = sorted(set(LATTICE_SIZES) - set(model_sizes(_name)))
    if _skipped:
        print(f"deeprenorm: {_name} is not trained for L = {_skipped} (L/b must be an even integer >= 4)", file=sys.stderr)


def encoding_paths(name, sizes=None):
    return expand(
        "results/latent/L{L}/{model}/seed{seed}.nc", L=sizes or model_sizes(name), model=name, seed=TRAINING_SEEDS
    )


def training_settings(wildcards):
    """TrainingSettings of deeprenorm.ml.train, from the config and the model's regulariser."""
    training = dict(AUTOENCODER["training"])
    regularisation = MODEL_SPECS[wildcards.model]["regularisation"]
    dropout = training.pop("dropout")
    l1_strength = training.pop("l1_strength")
    return training | {
        "regularisation": regularisation,
        "l1_strength": l1_strength if regularisation == "l1" else 0.0,
        "device": AUTOENCODER["device"],
    } | {"_dropout": dropout if regularisation == "dropout" else 0.0}


def training_mem_mb(wildcards):
    # torch (~500 MB) plus the int8 training buffer and validation samples, and a float batch.
    buffered = AUTOENCODER["training"]["buffer_temperatures"] + 1 + 0.3 * len(TEMPERATURES)
    return BASE_MEM_MB + 600 + int(3 * buffered * spin_mb(wildcards.L))


wildcard_constraints:
    model="|".join(re.escape(name) for name in MODEL_SPECS),
    seed="|".join(str(seed) for seed in TRAINING_SEEDS),


rule split:
    input:
        "results/datasets/L{L}.nc",
    output:
        "results/splits/L{L}.nc",
    log:
        "logs/split/L{L}.log",
    benchmark:
        "results/benchmarks/split/L{L}.tsv"
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB,
        runtime=10,
    params:
        fractions=AUTOENCODER["split"],
        seed=config["seed"],
        stage_versions=stage_versions("split"),
    message:
        "Split: L={wildcards.L}"
    script:
        "../scripts/split.py"


rule train:
    input:
        dataset="results/datasets/L{L}.nc",
        split="results/splits/L{L}.nc",
    output:
        checkpoint="results/models/L{L}/{model}/seed{seed}.pt",
        sidecar="results/models/L{L}/{model}/seed{seed}.json",
        history="results/models/L{L}/{model}/seed{seed}.csv",
        figure="results/figures/training/L{L}/{model}/seed{seed}.png",
    log:
        "logs/train/L{L}/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/L{L}/{model}/seed{seed}.tsv"
    threads: AUTOENCODER["threads"]
    resources:
        mem_mb=training_mem_mb,
        runtime=lambda wildcards: 30 + int(spin_mb(wildcards.L, len(TEMPERATURES)) * AUTOENCODER["training"]["max_epochs"] / 20),
    params:
        spec=lambda wildcards: MODEL_SPECS[wildcards.model],
        settings=training_settings,
        seed=config["seed"],
        stage_versions=stage_versions("train"),
    message:
        "Train {wildcards.model}: L={wildcards.L}, seed {wildcards.seed}"
    script:
        "../scripts/train.py"


rule encode:
    input:
        checkpoint="results/models/L{L}/{model}/seed{seed}.pt",
        dataset="results/datasets/L{L}.nc",
        split="results/splits/L{L}.nc",
    output:
        "results/latent/L{L}/{model}/seed{seed}.nc",
    log:
        "logs/encode/L{L}/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/encode/L{L}/{model}/seed{seed}.tsv"
    threads: AUTOENCODER["threads"]
    resources:
        mem_mb=lambda wildcards: BASE_MEM_MB + 600 + int(3 * spin_mb(wildcards.L)) + int(8 * spin_mb(wildcards.L, len(TEMPERATURES))),
        runtime=30,
    params:
        device=AUTOENCODER["device"],
        stage_versions=stage_versions("encode"),
    message:
        "Encode {wildcards.model}: L={wildcards.L}, seed {wildcards.seed}"
    script:
        "../scripts/encode.py"


LATENT_TABLES = {
    "tc": "results/tables/tc_latent.csv",
    "tc_per_seed": "results/tables/tc_latent_per_seed.csv",
    "phase": "results/tables/latent_phase.csv",
    "summary": "results/tables/latent_summary.csv",
    "curves": "results/tables/latent_curves.csv",
}


rule latent_analysis:
    input:
        [encoding_paths(name) for name in MODEL_SPECS],
    output:
        **LATENT_TABLES,
    log:
        "logs/latent_analysis.log",
    benchmark:
        "results/benchmarks/latent_analysis.tsv"
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 600 + int(3 * 16 * len(MODEL_SPECS) * len(TRAINING_SEEDS) * len(LATTICE_SIZES) * len(TEMPERATURES) * N_SAMPLES / 1e6),
        runtime=60,
    params:
        reductions=AUTOENCODER["analysis"]["reductions"],
        tc_window=AUTOENCODER["analysis"]["tc_window"],
        stage_versions=stage_versions("latent"),
    message:
        "Latent analysis: phase tables, T_c(L), finite-size scaling"
    script:
        "../scripts/latent_analysis.py"


rule latent_figures:
    input:
        **LATENT_TABLES,
        encoding=f"results/latent/L{max(model_sizes(DEFAULT_MODEL))}/{DEFAULT_MODEL}/seed{TRAINING_SEEDS[0]}.nc",
    output:
        phase=report(
            "results/figures/phase_identification.png",
            caption="../report/phase_identification.rst",
            category="Autoencoders",
        ),
        finite_size=report(
            "results/figures/tc_finite_size.png",
            caption="../report/tc_finite_size.rst",
            category="Autoencoders",
        ),
    log:
        "logs/latent_figures.log",
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        model=DEFAULT_MODEL,
        seed=TRAINING_SEEDS[0],
        stage_versions=stage_versions("latent_figures"),
    message:
        "Figures: phase identification and T_c finite-size scaling"
    script:
        "../scripts/latent_figures.py"
