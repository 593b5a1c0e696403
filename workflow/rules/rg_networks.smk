# The trained networks through the block-spin measurements (deeprenorm.rg.learned, .network_flow,
# .information), at one L, and the verdict: PLAN.network (deeprenorm.plan.NetworkPlan) names the
# models, each with its training seed and its b.
RG_NETWORK_TABLES = {
    "verdict": table("rg_verdict"),
    "calibration": table("rg_verdict_calibration"),
    "learned_flow": table("rg_learned_flow"),
    "learned_curves": table("rg_learned_curves"),
    "agreement": table("rg_agreement"),
    "network_flow": table("network_flow"),
    "fixed_points": table("network_flow_fixed_points"),
    "directions": table("network_flow_directions"),
}
RG_NETWORK_FIGURES = [figure("information"), figure("network_flow"), figure("rg_verdict")]
LEARNED_TABLES = ["flow", "curves", "agreement"]
# the exact block-spin map in an autoencoder's shape, through the network flow beside the networks
BLOCK_SPIN_AUTOENCODER = f"block-spin-b{DENSE_BLOCK_FACTOR}"
NETWORK_FLOW_TABLES = ["flow", "fixed_points", "directions"]


rule rg_learned:
    input:
        checkpoints=network_checkpoints,
        controls=lambda wildcards: list(network_controls(wildcards.model).values()),
        dataset=dataset(),
        split=dataset_split(),
        direct=lambda wildcards: dataset(network_model(wildcards).coarse_size),
    output:
        **{name: network_table("learned", name) for name in LEARNED_TABLES},
    log:
        logs("rg_learned/L{L}/{model}"),
    benchmark:
        benchmarks("rg_learned/L{L}/{model}")
    wildcard_constraints:
        L=str(NETWORK_L),
        model=one_of(PLAN.network.models),
    threads: 1
    resources:
        mem_mb=learned_rg_mem_mb,
        runtime=20,
        gpu=TORCH_GPUS,
    params:
        b=lambda wildcards: network_model(wildcards).b,
        training_seeds=lambda wildcards: list(network_model(wildcards).seeds),
        control_seed=lambda wildcards: network_model(wildcards).seed,
        control_weights=lambda wildcards: list(network_controls(wildcards.model)),
        observables=list(PLAN.network.observables),
        window=RG["window"],
        seed=config["seed"],
        stage_versions=stage_versions("thermodynamics", "rg_flow", "rg_learned"),
    message:
        f"RG of the learned map of {{wildcards.model}}: L={{wildcards.L}}{ON_DEVICE}"
    script:
        "../scripts/rg_learned.py"


rule rg_exponents_learned:
    input:
        ensemble=mcrg_ensemble(),
        checkpoints=network_checkpoints,
        controls=lambda wildcards: list(network_controls(wildcards.model).values()),
    output:
        network_table("exponents", "exponents"),
    log:
        logs("rg_exponents_learned/L{L}/{model}"),
    benchmark:
        benchmarks("rg_exponents_learned/L{L}/{model}")
    wildcard_constraints:
        L=str(NETWORK_L),
        model=one_of(PLAN.mcrg_models),
    threads: 1
    resources:
        mem_mb=mcrg_mem_mb() + TORCH_MEM_MB,
        runtime=30,
        gpu=TORCH_GPUS,
    params:
        training_seeds=lambda wildcards: list(network_model(wildcards).seeds),
        control_seed=lambda wildcards: network_model(wildcards).seed,
        control_weights=lambda wildcards: list(network_controls(wildcards.model)),
        levels=RG["mcrg"]["levels"],
        seed=config["seed"],
        stage_versions=stage_versions("rg_exponents"),
    message:
        f"MCRG exponents of the map of {{wildcards.model}} (trained, untrained and controls): L={{wildcards.L}}{ON_DEVICE}"
    script:
        "../scripts/rg_exponents_learned.py"


use rule train as train_far with:
    output:
        **trained_model(FAR_MODELS_ROOT),
        figure=report(
            figure("training/L{L}/{model}/seed{seed}-far"),
            caption="../report/training.rst",
            category="Training",
            subcategory="controls",
        ),
    log:
        logs("train_far/L{L}/{model}/seed{seed}"),
    benchmark:
        benchmarks("train_far/L{L}/{model}/seed{seed}")
    wildcard_constraints:
        L=str(NETWORK_L),
        model=one_of(PLAN.network.flow_models),
    priority: 0
    params:
        spec=model_spec,
        staggered=False,
        settings=training_settings,
        seed=config["seed"],
        temperatures=list(PLAN.network.far_mask),
        trained_on=PLAN.network.far_description,
        stage_versions=stage_versions("train"),
    message:
        f"Train {{wildcards.model}} far from T_c ({PLAN.network.far_description}): L={{wildcards.L}}, seed {{wildcards.seed}}{ON_DEVICE}"


rule network_flow:
    input:
        checkpoints=network_checkpoints,
        controls=lambda wildcards: list(network_controls(wildcards.model).values()),
        dataset=dataset(),
        split=dataset_split(),
    output:
        **{name: network_table("network_flow", name) for name in NETWORK_FLOW_TABLES},
    log:
        logs("network_flow/L{L}/{model}"),
    benchmark:
        benchmarks("network_flow/L{L}/{model}")
    wildcard_constraints:
        L=str(NETWORK_L),
        model=one_of(PLAN.network.flow_models),
    threads: 1
    resources:
        mem_mb=network_flow_mem_mb,
        runtime=20,
        gpu=TORCH_GPUS,
    params:
        training_seeds=lambda wildcards: list(network_model(wildcards).seeds),
        control_seed=lambda wildcards: network_model(wildcards).seed,
        control_weights=lambda wildcards: list(network_controls(wildcards.model)),
        steps=RG_NETWORKS["flow_steps"],
        samples=RG_NETWORKS["flow_samples"],
        seed=config["seed"],
        stage_versions=stage_versions("network_flow"),
    message:
        f"Network flow of {{wildcards.model}} and its controls: L={{wildcards.L}}{ON_DEVICE}"
    script:
        "../scripts/network_flow.py"


# the RSMI coarse-grainer, where the plan has one (its environment must fit the lattice)
if PLAN.rsmi_model:

    rule train_rsmi:
        input:
            dataset=dataset(NETWORK_L),
            split=dataset_split(NETWORK_L),
        output:
            checkpoint=f"results/rg/rsmi/L{NETWORK_L}/{{model}}.pt",
            history=f"results/rg/rsmi/L{NETWORK_L}/{{model}}-history.csv",
        log:
            logs(f"train_rsmi/L{NETWORK_L}/{{model}}"),
        benchmark:
            benchmarks(f"train_rsmi/L{NETWORK_L}/{{model}}")
        wildcard_constraints:
            model=one_of([PLAN.rsmi_model] if PLAN.rsmi_model else []),
        threads: 1
        resources:
            mem_mb=BASE_MEM_MB + TORCH_MEM_MB,
            runtime=20,
            gpu=TORCH_GPUS,
        params:
            b=RG["rsmi"]["block"],
            model=lambda wildcards: wildcards.model,
            window=list(PLAN.rg_window) if PLAN.rg_window else None,
            configurations=RG["rsmi"]["configurations"],
            epochs=RG["rsmi"]["epochs"],
            seed=config["seed"],
            stage_versions=stage_versions("rsmi"),
        message:
            f"Train the RSMI coarse-grainer {{wildcards.model}} (the verdict's learned positive control){ON_DEVICE}"
        script:
            "../scripts/train_rsmi.py"

    rule rg_learned_rsmi:
        input:
            checkpoint=rsmi_checkpoints()[0],
            dataset=dataset(NETWORK_L),
            split=dataset_split(NETWORK_L),
            direct=dataset(NETWORK_L // RG["rsmi"]["block"]),
        output:
            **{name: network_table("learned", name, NETWORK_L, PLAN.rsmi_model) for name in LEARNED_TABLES},
        log:
            logs(f"rg_learned/L{NETWORK_L}/{PLAN.rsmi_model}"),
        benchmark:
            benchmarks(f"rg_learned/L{NETWORK_L}/{PLAN.rsmi_model}")
        threads: 1
        resources:
            mem_mb=BASE_MEM_MB + TORCH_MEM_MB,
            runtime=20,
            gpu=TORCH_GPUS,
        params:
            b=RG["rsmi"]["block"],
            model=PLAN.rsmi_model,
            observables=list(PLAN.network.observables),
            window=RG["window"],
            seed=config["seed"],
            stage_versions=stage_versions("thermodynamics", "rg_flow", "rg_learned", "rsmi"),
        message:
            f"RG of the RSMI coarse-grainer's map: L={NETWORK_L}{ON_DEVICE}"
        script:
            "../scripts/rg_learned_rsmi.py"


rule network_flow_block_spin:
    input:
        dataset=dataset(NETWORK_L),
        split=dataset_split(NETWORK_L),
    output:
        **{name: network_table("network_flow", name, NETWORK_L, BLOCK_SPIN_AUTOENCODER) for name in NETWORK_FLOW_TABLES},
    log:
        logs(f"network_flow/L{NETWORK_L}/{BLOCK_SPIN_AUTOENCODER}"),
    benchmark:
        benchmarks(f"network_flow/L{NETWORK_L}/{BLOCK_SPIN_AUTOENCODER}")
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + TORCH_MEM_MB,
        runtime=20,
    params:
        b=DENSE_BLOCK_FACTOR,
        model=BLOCK_SPIN_AUTOENCODER,
        steps=RG_NETWORKS["flow_steps"],
        samples=RG_NETWORKS["flow_samples"],
        seed=config["seed"],
        stage_versions=stage_versions("network_flow"),
    message:
        f"Network flow of the ideal block-spin autoencoder (majority encode, copy decode): L={NETWORK_L}"
    script:
        "../scripts/network_flow_block_spin.py"


rule rg_information:
    input:
        dataset=dataset(NETWORK_L),
        split=dataset_split(NETWORK_L),
        checkpoints=[entry[3] for entry in conv_network_entries()],
        rsmi=rsmi_checkpoints(),
    output:
        table("rg_information"),
        replicas=table("rg_information_replicas"),
    log:
        logs("rg_information"),
    benchmark:
        benchmarks("rg_information")
    threads: 1
    resources:
        mem_mb=information_mem_mb(NETWORK_L or 4),
        runtime=20,
        gpu=TORCH_GPUS,
    params:
        networks=[list(entry[:3]) for entry in conv_network_entries()],
        rsmi_model=PLAN.rsmi_model,
        block_factors=list(PLAN.network.block_factors),
        temperatures=RG["information"]["temperatures"],
        shell=RG["information"]["shell"],
        n_bootstrap=RG["information"]["n_bootstrap"],
        n_splits=RG["information"]["n_splits"],
        seed=config["seed"],
        stage_versions=stage_versions("rg_information"),
    message:
        f"Information kept by block variables: L={NETWORK_L}{ON_DEVICE}"
    script:
        "../scripts/rg_information.py"


rule rg_verdict:
    input:
        flow=RG_TABLES["flow"],
        information=table("rg_information"),
        learned=expand(
            network_table("learned", "{table}"),
            L=NETWORK_L,
            model=[*PLAN.network.models, *([PLAN.rsmi_model] if PLAN.rsmi_model else [])],
            table=LEARNED_TABLES,
        ),
        network_flow=expand(
            network_table("network_flow", "{table}"),
            L=NETWORK_L,
            model=[*PLAN.network.flow_models, BLOCK_SPIN_AUTOENCODER],
            table=NETWORK_FLOW_TABLES,
        ),
        information_replicas=table("rg_information_replicas"),
        locality=table("locality"),
        exponents=table("rg_exponents"),
    output:
        **RG_NETWORK_TABLES,
    log:
        logs("rg_verdict"),
    benchmark:
        benchmarks("rg_verdict")
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 300,
        runtime=10,
    params:
        network_lattice_size=NETWORK_L,
        stage_versions=stage_versions("rg_verdict"),
    message:
        "RG verdict: every map against the block-spin criteria"
    script:
        "../scripts/rg_verdict.py"


rule rg_network_figures:
    input:
        **RG_NETWORK_TABLES,
        information=table("rg_information"),
    output:
        information=report(figure("information"), caption="../report/information.rst", category="RG flow"),
        network_flow=report(figure("network_flow"), caption="../report/network_flow.rst", category="RG flow"),
        verdict=report(figure("rg_verdict"), caption="../report/rg_verdict.rst", category="RG flow"),
    log:
        logs("rg_network_figures"),
    benchmark:
        benchmarks("rg_network_figures")
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        stage_versions=stage_versions("rg_network_figures"),
    message:
        "Figures: information, network flow, RG verdict"
    script:
        "../scripts/rg_network_figures.py"
