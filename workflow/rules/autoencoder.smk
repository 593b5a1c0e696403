# Autoencoders per (L, model, training seed): the split of each dataset, training, the codes of
# every sample, and what the latent variables say about the phase transition.
from deeprenorm.config import model_plans

AUTOENCODER = config["autoencoder"]
MODEL_PLANS = model_plans(config)
MODEL_SPECS = {name: plan.spec for name, plan in MODEL_PLANS.items()}
DEFAULT_MODEL = next(iter(MODEL_PLANS))
DEFAULT_SEED = MODEL_PLANS[DEFAULT_MODEL].seeds[0]
ALL_SEEDS = sorted({seed for plan in MODEL_PLANS.values() for seed in plan.seeds})

for _name, _plan in MODEL_PLANS.items():
    if _plan.skipped_message(_name):
        print(_plan.skipped_message(_name), file=sys.stderr)


def model_sizes(name):
    return MODEL_PLANS[name].lattice_sizes


def encoding_paths(name):
    plan = MODEL_PLANS[name]
    return expand("results/latent/L{L}/{model}/seed{seed}.nc", L=plan.lattice_sizes, model=name, seed=plan.seeds)


def staggered(wildcards):
    return MODEL_SPECS[wildcards.model]["system"] == "antiferromagnet"


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
    seed="|".join(str(seed) for seed in ALL_SEEDS),


rule split:
    input:
        "results/datasets/L{L}.nc",
    output:
        "results/splits/L{L}.nc",
    log:
        "logs/split/L{L}.log",
    benchmark:
        "results/benchmarks/split/L{L}.tsv"
    # the first step of the training chain (see rule train)
    priority: 10
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
        figure=report("results/figures/training/L{L}/{model}/seed{seed}.png", caption="../report/training.rst", category="Training", subcategory="L = {L}"),
    log:
        "logs/train/L{L}/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/L{L}/{model}/seed{seed}.tsv"
    # on the path to the latent analysis, the study's longest chain: ahead of jobs that can wait
    priority: 10
    threads: AUTOENCODER["threads"]
    resources:
        mem_mb=training_mem_mb,
        runtime=lambda wildcards: 30 + int(spin_mb(wildcards.L, len(TEMPERATURES)) * AUTOENCODER["training"]["max_epochs"] / 20),
    params:
        spec=lambda wildcards: MODEL_SPECS[wildcards.model],
        staggered=staggered,
        settings=training_settings,
        seed=config["seed"],
        temperatures=None,
        trained_on="all temperatures",
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
    # on the path to the latent analysis, the study's longest chain: ahead of jobs that can wait
    priority: 10
    threads: AUTOENCODER["threads"]
    resources:
        mem_mb=lambda wildcards: BASE_MEM_MB + 600 + int(3 * spin_mb(wildcards.L)) + int(8 * spin_mb(wildcards.L, len(TEMPERATURES))),
        runtime=30,
    params:
        device=AUTOENCODER["device"],
        staggered=staggered,
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


ALL_ENCODINGS = [path for name in MODEL_PLANS for path in encoding_paths(name)]


rule latent_analysis:
    input:
        ALL_ENCODINGS,
    output:
        **LATENT_TABLES,
    log:
        "logs/latent_analysis.log",
    benchmark:
        "results/benchmarks/latent_analysis.tsv"
    priority: 10
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 600 + int(3 * 16 * len(ALL_ENCODINGS) * len(TEMPERATURES) * N_SAMPLES / 1e6),
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
        encoding=f"results/latent/L{max(model_sizes(DEFAULT_MODEL))}/{DEFAULT_MODEL}/seed{DEFAULT_SEED}.nc",
    output:
        phase=report(
            "results/figures/phase_identification.png",
            caption="../report/phase_identification.rst",
            category="Phase identification and finite-size scaling",
        ),
        finite_size=report(
            "results/figures/tc_finite_size.png",
            caption="../report/tc_finite_size.rst",
            category="Phase identification and finite-size scaling",
        ),
    log:
        "logs/latent_figures.log",
    benchmark:
        "results/benchmarks/latent_figures.tsv"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        model=DEFAULT_MODEL,
        seed=DEFAULT_SEED,
        stage_versions=stage_versions("latent_figures"),
    message:
        "Figures: phase identification and T_c finite-size scaling"
    script:
        "../scripts/latent_figures.py"


# The width and regularisation sweep: every dense model of the ferromagnet.
SWEEP_MODELS = [name for name, spec in MODEL_SPECS.items() if spec["kind"] != "conv" and spec["system"] == "ferromagnet"]
SWEEP_TABLES = {
    "sweep": "results/tables/latent_width_sweep.csv",
    "units": "results/tables/latent_unit_correlations.csv",
    "reconstruction": "results/tables/latent_reconstruction.csv",
}


rule width_sweep:
    input:
        encodings=[path for name in SWEEP_MODELS for path in encoding_paths(name)],
        tc=LATENT_TABLES["tc"],
        summary=LATENT_TABLES["summary"],
    output:
        **SWEEP_TABLES,
    log:
        "logs/width_sweep.log",
    benchmark:
        "results/benchmarks/width_sweep.tsv"
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 600 + int(3 * 16 * max(int(spec.get("latent", 1)) for spec in MODEL_SPECS.values()) * len(TEMPERATURES) * N_SAMPLES / 1e6),
        runtime=30,
    params:
        specs={name: MODEL_SPECS[name] for name in SWEEP_MODELS},
        stage_versions=stage_versions("width_sweep"),
    message:
        "Width and regularisation sweep: test loss, unit correlations, T_c(L) beside Broomberg & Rabinovich's table"
    script:
        "../scripts/width_sweep.py"


rule width_sweep_figure:
    input:
        **SWEEP_TABLES,
    output:
        report(
            "results/figures/latent_width_sweep.png",
            caption="../report/latent_width_sweep.rst",
            category="Phase identification and finite-size scaling",
        ),
    log:
        "logs/width_sweep_figure.log",
    benchmark:
        "results/benchmarks/width_sweep_figure.tsv"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        stage_versions=stage_versions("width_sweep_figure"),
    message:
        "Figure: latent width and regularisation sweep"
    script:
        "../scripts/width_sweep_figure.py"
