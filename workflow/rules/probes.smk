# What the networks learned, measured (deeprenorm.probes): per model at the RG stage's lattice
# size, its probe maps and their locality beside its untrained weights; Mehta & Schwab's deep
# belief network; the locality table and the probe figures.
from deeprenorm.config import dbn_lattice_size

PROBES = config["probes"]
DBN_L = dbn_lattice_size(config)
if DBN_L is None:
    print(f"deeprenorm: no L of lattice_sizes up to 40 is divisible by 2^{PROBES['dbn']['layers']}: no deep belief network", file=sys.stderr)
PROBE_MODELS = list(NETWORK_RG.learned) if PROBES["models"] == "all" else list(NETWORK_RG.flow_models)
PROBE_FIGURES = {
    name: f"results/figures/{name}.png"
    for name in ("receptive_fields", "activation_maximization", "saliency", "locality", "reconstructions", "dbn_receptive_fields")
}
# the maps drawn in the figures: the widest dense model and the conv models
FEATURED_MODEL = NETWORK_RG.flow_models[1] if len(NETWORK_RG.flow_models) > 1 and MODEL_SPECS[NETWORK_RG.flow_models[1]]["kind"] != "conv" else (NETWORK_RG.flow_models[0] if NETWORK_RG.flow_models else None)
# reconstructions of every width at the probes' L (loading a model is all they cost): the first
# model of each latent width, and the conv models
RECONSTRUCTION_MODELS = list({MODEL_SPECS[name].get("latent", name): name for name in reversed(NETWORK_RG.learned)}.values())[::-1]
# Control data (Broomberg & Rabinovich): the models the figures draw, trained by the same rule on
# noise and on sine waves, probed on the same Ising test configurations as the rest.
CONTROLS = PROBES["controls"]
CONTROL_MODELS = list(dict.fromkeys(([FEATURED_MODEL] if FEATURED_MODEL else []) + [name for name in PROBE_MODELS if MODEL_SPECS[name]["kind"] == "conv"]))
CONTROL_SAMPLES = CONTROLS["samples_per_temperature"] or config["samples_per_temperature"]
CONTROL_PROBES = [f"results/probes/controls/{kind}/L{NETWORK_L}/{model}" for kind in CONTROLS["kinds"] for model in CONTROL_MODELS]


def control_checkpoint(wildcards):
    return f"results/controls/{wildcards.kind}/models/L{wildcards.L}/{wildcards.model}/seed{NETWORK_RG.learned[wildcards.model][0]}.pt"


wildcard_constraints:
    kind="|".join(CONTROLS["kinds"]) or "(?!)",


rule control_dataset:
    wildcard_constraints:
        L=str(NETWORK_L),
    output:
        "results/controls/{kind}/L{L}.nc",
    log:
        "logs/control_dataset/{kind}/L{L}.log",
    benchmark:
        "results/benchmarks/control_dataset/{kind}/L{L}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wildcards: BASE_MEM_MB + int(3 * len(TEMPERATURES) * CONTROL_SAMPLES * int(wildcards.L) ** 2 / 1e6),
        runtime=10,
    params:
        samples_per_temperature=CONTROL_SAMPLES,
        temperatures=TEMPERATURES,
        sine_noise=CONTROLS["sine_noise"],
        seed=config["seed"],
        provenance=lambda wildcards: {"seed": config["seed"], "control": wildcards.kind, "samples_per_temperature": CONTROL_SAMPLES,
                                      "sine_noise": CONTROLS["sine_noise"], "temperatures": TEMPERATURES},
        stage_versions=stage_versions("controls", "dataset"),
    message:
        "Control dataset ({wildcards.kind}): L={wildcards.L}"
    script:
        "../scripts/control_dataset.py"


use rule split as control_split with:
    input:
        "results/controls/{kind}/L{L}.nc",
    output:
        "results/controls/{kind}/L{L}_split.nc",
    log:
        "logs/control_split/{kind}/L{L}.log",
    benchmark:
        "results/benchmarks/control_split/{kind}/L{L}.tsv"
    priority: 0
    message:
        "Split of the {wildcards.kind} control: L={wildcards.L}"


use rule train as train_control with:
    wildcard_constraints:
        L=str(NETWORK_L),
        model="|".join(re.escape(name) for name in CONTROL_MODELS) or "(?!)",
    input:
        dataset="results/controls/{kind}/L{L}.nc",
        split="results/controls/{kind}/L{L}_split.nc",
    output:
        checkpoint="results/controls/{kind}/models/L{L}/{model}/seed{seed}.pt",
        sidecar="results/controls/{kind}/models/L{L}/{model}/seed{seed}.json",
        history="results/controls/{kind}/models/L{L}/{model}/seed{seed}.csv",
        figure=report("results/figures/training/L{L}/{model}/seed{seed}-{kind}.png", caption="../report/training.rst", category="Training", subcategory="controls"),
    log:
        "logs/train_control/{kind}/L{L}/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train_control/{kind}/L{L}/{model}/seed{seed}.tsv"
    priority: 0
    resources:
        mem_mb=lambda wildcards: BASE_MEM_MB + 600 + int(3 * len(TEMPERATURES) * CONTROL_SAMPLES * int(wildcards.L) ** 2 / 1e6),
        runtime=lambda wildcards: 30 + int(len(TEMPERATURES) * CONTROL_SAMPLES * int(wildcards.L) ** 2 / 1e6 * AUTOENCODER["training"]["max_epochs"] / 20),
    params:
        spec=lambda wildcards: MODEL_SPECS[wildcards.model],
        staggered=False,
        settings=training_settings,
        seed=config["seed"],
        temperatures=None,
        trained_on=lambda wildcards: f"{wildcards.kind} control data",
        stage_versions=stage_versions("train"),
    message:
        "Train {wildcards.model} on the {wildcards.kind} control: L={wildcards.L}, seed {wildcards.seed}"


rule probes:
    wildcard_constraints:
        L=str(NETWORK_L),
        model="|".join(re.escape(name) for name in PROBE_MODELS) or "(?!)",
    input:
        checkpoint=network_checkpoint,
        dataset="results/datasets/L{L}.nc",
        split="results/splits/L{L}.nc",
    output:
        maps="results/probes/L{L}/{model}/maps.npz",
        locality="results/probes/L{L}/{model}/locality.csv",
    log:
        "logs/probes/L{L}/{model}.log",
    benchmark:
        "results/benchmarks/probes/L{L}/{model}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wildcards: BASE_MEM_MB + 700 + int(3 * spin_mb(wildcards.L)),
        runtime=20,
    params:
        training_seed=lambda wildcards: NETWORK_RG.learned[wildcards.model][0],
        b=2,
        steps=PROBES["activation_steps"],
        seed=config["seed"],
        weights="trained",
        untrained=True,
        stage_versions=stage_versions("probes"),
    message:
        "Probes of {wildcards.model}: L={wildcards.L}"
    script:
        "../scripts/probes.py"


use rule probes as probes_control with:
    wildcard_constraints:
        L=str(NETWORK_L),
        model="|".join(re.escape(name) for name in CONTROL_MODELS) or "(?!)",
    input:
        checkpoint=control_checkpoint,
        training_dataset="results/controls/{kind}/L{L}.nc",
        dataset="results/datasets/L{L}.nc",
        split="results/splits/L{L}.nc",
    output:
        maps="results/probes/controls/{kind}/L{L}/{model}/maps.npz",
        locality="results/probes/controls/{kind}/L{L}/{model}/locality.csv",
    log:
        "logs/probes_control/{kind}/L{L}/{model}.log",
    benchmark:
        "results/benchmarks/probes_control/{kind}/L{L}/{model}.tsv"
    params:
        training_seed=lambda wildcards: NETWORK_RG.learned[wildcards.model][0],
        b=2,
        steps=PROBES["activation_steps"],
        seed=config["seed"],
        # the untrained weights are the Ising model's own control (the same initial_weights)
        weights=lambda wildcards: f"{wildcards.kind}-trained",
        untrained=False,
        stage_versions=stage_versions("probes"),
    message:
        "Probes of {wildcards.model} trained on the {wildcards.kind} control: L={wildcards.L}"


rule dbn:
    wildcard_constraints:
        L=str(DBN_L),
    input:
        dataset="results/datasets/L{L}.nc",
        split="results/splits/L{L}.nc",
    output:
        network="results/probes/dbn/L{L}.pt",
        history="results/probes/dbn/L{L}_history.csv",
        locality="results/probes/dbn/L{L}_locality.csv",
        fields="results/probes/dbn/L{L}_fields.npz",
    log:
        "logs/dbn/L{L}.log",
    benchmark:
        "results/benchmarks/dbn/L{L}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wildcards: BASE_MEM_MB + 700 + int(3 * spin_mb(wildcards.L)),
        runtime=60,
    params:
        dbn=PROBES["dbn"],
        seed=config["seed"],
        stage_versions=stage_versions("dbn"),
    message:
        "Deep belief network (Mehta & Schwab): L={wildcards.L}"
    script:
        "../scripts/dbn.py"


rule probe_figures:
    input:
        locality=expand("results/probes/L{L}/{model}/locality.csv", L=NETWORK_L, model=PROBE_MODELS),
        maps=expand("results/probes/L{L}/{model}/maps.npz", L=NETWORK_L, model=PROBE_MODELS),
        control_locality=[f"{folder}/locality.csv" for folder in CONTROL_PROBES],
        control_maps=[f"{folder}/maps.npz" for folder in CONTROL_PROBES],
        dbn_locality=[f"results/probes/dbn/L{DBN_L}_locality.csv"] if DBN_L else [],
        dbn_fields=[f"results/probes/dbn/L{DBN_L}_fields.npz"] if DBN_L else [],
        checkpoints=[f"results/models/L{NETWORK_L}/{name}/seed{NETWORK_RG.learned[name][0]}.pt" for name in RECONSTRUCTION_MODELS],
        dataset=f"results/datasets/L{NETWORK_L}.nc",
        split=f"results/splits/L{NETWORK_L}.nc",
    output:
        table="results/tables/locality.csv",
        **{name: report(path, caption=f"../report/{name}.rst", category="Probes") for name, path in PROBE_FIGURES.items()},
    log:
        "logs/probe_figures.log",
    benchmark:
        "results/benchmarks/probe_figures.tsv"
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 1200,
        runtime=10,
    params:
        L=NETWORK_L,
        models=PROBE_MODELS,
        featured=FEATURED_MODEL,
        conv=[name for name in PROBE_MODELS if MODEL_SPECS[name]["kind"] == "conv"],
        reconstruction_models=RECONSTRUCTION_MODELS,
        controls=[(kind, model) for kind in CONTROLS["kinds"] for model in CONTROL_MODELS],
        seed=config["seed"],
        stage_versions=stage_versions("probe_figures"),
    message:
        "Probe figures and the locality table"
    script:
        "../scripts/probe_figures.py"
