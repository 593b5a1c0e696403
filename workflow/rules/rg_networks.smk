# The trained networks through the block-spin measurements (deeprenorm.rg.learned, .network_flow,
# .information), at one L, and the verdict: PLAN.network (deeprenorm.plan.NetworkPlan) names the
# models, each with its training seed and its b.
RG_NETWORK_TABLES = {
    "verdict": table("rg_verdict"),
    "learned_flow": table("rg_learned_flow"),
    "learned_curves": table("rg_learned_curves"),
    "agreement": table("rg_agreement"),
    "network_flow": table("network_flow"),
    "fixed_points": table("network_flow_fixed_points"),
    "directions": table("network_flow_directions"),
}
RG_NETWORK_FIGURES = [figure("information"), figure("network_flow"), figure("rg_verdict")]
LEARNED_TABLES = ["flow", "curves", "agreement"]
NETWORK_FLOW_TABLES = ["flow", "fixed_points", "directions"]


rule rg_learned:
    input:
        checkpoint=network_checkpoint,
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
    params:
        b=lambda wildcards: network_model(wildcards).b,
        training_seed=lambda wildcards: network_model(wildcards).seed,
        observables=list(PLAN.network.observables),
        window=RG["window"],
        seed=config["seed"],
        stage_versions=stage_versions("thermodynamics", "rg_flow", "rg_learned"),
    message:
        "RG of the learned map of {wildcards.model}: L={wildcards.L}"
    script:
        "../scripts/rg_learned.py"


rule rg_exponents_learned:
    input:
        ensemble=mcrg_ensemble(),
        checkpoint=network_checkpoint,
        far=far_checkpoint,
        controls=lambda wildcards: [
            checkpoint(
                wildcards.L, wildcards.model, network_model(wildcards).seed, root=CONTROL_MODELS_ROOT.format(kind=kind)
            )
            for kind in exponent_control_kinds(wildcards)
        ],
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
    params:
        training_seed=lambda wildcards: network_model(wildcards).seed,
        control_kinds=exponent_control_kinds,
        levels=RG["mcrg"]["levels"],
        seed=config["seed"],
        stage_versions=stage_versions("rg_exponents"),
    message:
        "MCRG exponents of the map of {wildcards.model} (trained, untrained and controls): L={wildcards.L}"
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
        f"Train {{wildcards.model}} far from T_c ({PLAN.network.far_description}): L={{wildcards.L}}, seed {{wildcards.seed}}"


rule network_flow:
    input:
        checkpoint=network_checkpoint,
        far=far_checkpoint,
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
    params:
        training_seed=lambda wildcards: network_model(wildcards).seed,
        steps=RG_NETWORKS["flow_steps"],
        samples=RG_NETWORKS["flow_samples"],
        seed=config["seed"],
        stage_versions=stage_versions("network_flow"),
    message:
        "Network flow of {wildcards.model} and its controls: L={wildcards.L}"
    script:
        "../scripts/network_flow.py"


rule rg_information:
    input:
        dataset=dataset(NETWORK_L),
        split=dataset_split(NETWORK_L),
        checkpoints=[checkpoint(NETWORK_L, name, PLAN.network.models[name].seed) for name in PLAN.network.conv_models],
    output:
        table("rg_information"),
    log:
        logs("rg_information"),
    benchmark:
        benchmarks("rg_information")
    threads: 1
    resources:
        mem_mb=information_mem_mb(NETWORK_L or 4),
        runtime=20,
    params:
        models=list(PLAN.network.conv_models),
        training_seeds=[PLAN.network.models[name].seed for name in PLAN.network.conv_models],
        block_factors=list(PLAN.network.block_factors),
        temperatures=RG["information"]["temperatures"],
        shell=RG["information"]["shell"],
        n_bootstrap=RG["information"]["n_bootstrap"],
        seed=config["seed"],
        stage_versions=stage_versions("rg_information"),
    message:
        f"Information kept by block variables: L={NETWORK_L}"
    script:
        "../scripts/rg_information.py"


rule rg_verdict:
    input:
        flow=RG_TABLES["flow"],
        information=table("rg_information"),
        learned=expand(
            network_table("learned", "{table}"), L=NETWORK_L, model=list(PLAN.network.models), table=LEARNED_TABLES
        ),
        network_flow=expand(
            network_table("network_flow", "{table}"),
            L=NETWORK_L,
            model=list(PLAN.network.flow_models),
            table=NETWORK_FLOW_TABLES,
        ),
        locality=table("locality"),
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
