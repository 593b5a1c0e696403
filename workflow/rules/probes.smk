# What the networks learned, measured (deeprenorm.probes): per model at the RG stage's lattice
# size, its probe maps and their locality beside its untrained weights; Mehta & Schwab's deep
# belief network; the locality table, which the verdict reads, and the probe figures.
# PLAN.probes (deeprenorm.plan.ProbePlan) names the models.
PROBE_FIGURES = {
    name: figure(name)
    for name in (
        "receptive_fields",
        "activation_maximization",
        "saliency",
        "locality",
        "reconstructions",
        "dbn_receptive_fields",
    )
}
DBN_L = PLAN.probes.dbn_lattice_size
CONTROLS = PROBES["controls"]


wildcard_constraints:
    kind=one_of(PLAN.probes.control_kinds),


rule control_dataset:
    output:
        control_dataset_file(),
    log:
        logs("control_dataset/{kind}/L{L}"),
    benchmark:
        benchmarks("control_dataset/{kind}/L{L}")
    wildcard_constraints:
        L=str(NETWORK_L),
    threads: 1
    resources:
        mem_mb=control_dataset_mem_mb,
        runtime=10,
    params:
        samples_per_temperature=PLAN.probes.control_samples,
        temperatures=list(PLAN.temperatures),
        sine_noise=CONTROLS["sine_noise"],
        seed=config["seed"],
        provenance=lambda wildcards: {
            "seed": config["seed"],
            "control": wildcards.kind,
            "samples_per_temperature": PLAN.probes.control_samples,
            "sine_noise": CONTROLS["sine_noise"],
            "temperatures": list(PLAN.temperatures),
        },
        stage_versions=stage_versions("controls", "dataset"),
    message:
        "Control dataset ({wildcards.kind}): L={wildcards.L}"
    script:
        "../scripts/control_dataset.py"


use rule split as control_split with:
    input:
        control_dataset_file(),
    output:
        control_dataset_file(suffix="_split"),
    log:
        logs("control_split/{kind}/L{L}"),
    benchmark:
        benchmarks("control_split/{kind}/L{L}")
    priority: 0
    message:
        "Split of the {wildcards.kind} control: L={wildcards.L}"


use rule train as train_control with:
    input:
        dataset=control_dataset_file(),
        split=control_dataset_file(suffix="_split"),
    output:
        **trained_model(CONTROL_MODELS_ROOT),
        figure=report(
            figure("training/L{L}/{model}/seed{seed}-{kind}"),
            caption="../report/training.rst",
            category="Training",
            subcategory="controls",
        ),
    log:
        logs("train_control/{kind}/L{L}/{model}/seed{seed}"),
    benchmark:
        benchmarks("train_control/{kind}/L{L}/{model}/seed{seed}")
    wildcard_constraints:
        L=str(NETWORK_L),
        model=one_of(PLAN.probes.control_models),
    priority: 0
    resources:
        mem_mb=control_training_mem_mb,
        runtime=lambda wildcards: training_runtime(wildcards, PLAN.probes.control_samples),
        gpu=TORCH_GPUS,
    params:
        spec=model_spec,
        staggered=False,
        settings=training_settings,
        seed=config["seed"],
        temperatures=None,
        trained_on=lambda wildcards: f"{wildcards.kind} control data",
        stage_versions=stage_versions("train"),
    message:
        f"Train {{wildcards.model}} on the {{wildcards.kind}} control: L={{wildcards.L}}, seed {{wildcards.seed}}{ON_DEVICE}"


rule probes:
    input:
        checkpoint=network_checkpoint,
        dataset=dataset(),
        split=dataset_split(),
    output:
        maps=probe_file("maps.npz"),
        locality=probe_file("locality.csv"),
    log:
        logs("probes/L{L}/{model}"),
    benchmark:
        benchmarks("probes/L{L}/{model}")
    wildcard_constraints:
        L=str(NETWORK_L),
        model=one_of(PLAN.probes.models),
    threads: 1
    resources:
        mem_mb=probe_mem_mb,
        runtime=20,
        gpu=TORCH_GPUS,
    params:
        training_seed=lambda wildcards: network_model(wildcards).seed,
        b=PROBE_BLOCK_FACTOR,
        steps=PROBES["activation_steps"],
        seed=config["seed"],
        weights="trained",
        untrained=True,
        stage_versions=stage_versions("probes"),
    message:
        f"Probes of {{wildcards.model}}: L={{wildcards.L}}{ON_DEVICE}"
    script:
        "../scripts/probes.py"


use rule probes as probes_control with:
    input:
        checkpoint=control_checkpoint,
        training_dataset=control_dataset_file(),
        dataset=dataset(),
        split=dataset_split(),
    output:
        maps=probe_file("maps.npz", kind="{kind}"),
        locality=probe_file("locality.csv", kind="{kind}"),
    log:
        logs("probes_control/{kind}/L{L}/{model}"),
    benchmark:
        benchmarks("probes_control/{kind}/L{L}/{model}")
    wildcard_constraints:
        L=str(NETWORK_L),
        model=one_of(PLAN.probes.control_models),
    params:
        training_seed=lambda wildcards: network_model(wildcards).seed,
        b=PROBE_BLOCK_FACTOR,
        steps=PROBES["activation_steps"],
        seed=config["seed"],
        # the untrained weights are the Ising model's own control (the same initial_weights)
        weights=lambda wildcards: f"{wildcards.kind}-trained",
        untrained=False,
        stage_versions=stage_versions("probes"),
    message:
        f"Probes of {{wildcards.model}} trained on the {{wildcards.kind}} control: L={{wildcards.L}}{ON_DEVICE}"


# The deep belief network's own data: one Wolff chain at its L and T (the study's sampler and its
# thermalisation and spacing), chain 0 of the "dbn" seed stream.
rule dbn_configurations:
    output:
        dbn_file("_configurations.nc"),
    log:
        logs("dbn_configurations/L{L}"),
    benchmark:
        benchmarks("dbn_configurations/L{L}")
    wildcard_constraints:
        L=str(DBN_L),
    threads: 1
    resources:
        mem_mb=dbn_configurations_mem_mb,
        runtime=10,
    params:
        L=DBN_L,
        T=PROBES["dbn"]["temperature"],
        n=PROBES["dbn"]["configurations"],
        seed=config["seed"],
        sampling=config["sampling"],
        stage_versions=stage_versions("simulate", "dbn_configurations"),
    message:
        "Deep belief network configurations: L={wildcards.L}"
    script:
        "../scripts/dbn_configurations.py"


rule dbn:
    input:
        configurations=dbn_file("_configurations.nc"),
    output:
        network=dbn_file(".pt"),
        history=dbn_file("_history.csv"),
        locality=dbn_file("_locality.csv"),
        layers=dbn_file("_layers.csv"),
        fields=dbn_file("_fields.npz"),
    log:
        logs("dbn/L{L}"),
    benchmark:
        benchmarks("dbn/L{L}")
    wildcard_constraints:
        L=str(DBN_L),
    threads: 1
    resources:
        mem_mb=dbn_mem_mb,
        runtime=60,
        gpu=TORCH_GPUS,
    params:
        dbn=PROBES["dbn"],
        seed=config["seed"],
        stage_versions=stage_versions("dbn"),
    message:
        f"Deep belief network (Mehta & Schwab), trained and untrained: L={{wildcards.L}}{ON_DEVICE}"
    script:
        "../scripts/dbn.py"


# The table the verdict reads, apart from the figures: a figure tweak never reruns the verdict.
rule locality_table:
    input:
        locality=expand(probe_file("locality.csv"), L=NETWORK_L, model=list(PLAN.probes.models)),
        control_locality=control_probe_files("locality.csv"),
        dbn_locality=dbn_file("_locality.csv", DBN_L),
    output:
        table("locality"),
    log:
        logs("locality_table"),
    benchmark:
        benchmarks("locality_table")
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB,
        runtime=10,
    params:
        L=NETWORK_L,
        b=PROBE_BLOCK_FACTOR,
        stage_versions=stage_versions("probes"),
    message:
        "The locality table: every probe map, the controls, the deep belief network and the exact block spins"
    script:
        "../scripts/locality_table.py"


rule probe_figures:
    input:
        locality=table("locality"),
        maps=expand(probe_file("maps.npz"), L=NETWORK_L, model=list(PLAN.probes.models)),
        control_maps=control_probe_files("maps.npz"),
        dbn_fields=dbn_file("_fields.npz", DBN_L),
        checkpoints=[
            checkpoint(NETWORK_L, name, PLAN.network.models[name].seed) for name in PLAN.probes.reconstruction_models
        ],
        dataset=dataset(NETWORK_L),
        split=dataset_split(NETWORK_L),
    output:
        **{
            name: report(path, caption=f"../report/{name}.rst", category="Probes")
            for name, path in PROBE_FIGURES.items()
        },
    log:
        logs("probe_figures"),
    benchmark:
        benchmarks("probe_figures")
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 1200,
        runtime=10,
    params:
        L=NETWORK_L,
        b=PROBE_BLOCK_FACTOR,
        models=list(PLAN.probes.models),
        featured=PLAN.probes.featured,
        conv=list(PLAN.probes.conv_models),
        reconstruction_models=list(PLAN.probes.reconstruction_models),
        controls=list(PLAN.probes.controls),
        seed=config["seed"],
        stage_versions=stage_versions("probe_figures"),
    message:
        "Probe figures"
    script:
        "../scripts/probe_figures.py"
