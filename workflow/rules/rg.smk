# The block-spin RG flow: every (L -> L/b) pair blocked by each map, T -> T' by phenomenological
# renormalisation against the direct L/b ensemble, and the blocked-against-direct tables.
from deeprenorm.config import rg_unblocked_message

RG = config["rg"]
# The datasets the stage reads: both ends of every pair, and the largest L (repeated blocking).
RG_SIZES = sorted({size for L, b in RG_PAIRS for size in (L, L // b)} | {max(LATTICE_SIZES)})
RG_TABLES = {
    "flow": "results/tables/rg_flow.csv",
    "curves": "results/tables/rg_flow_curves.csv",
    "block_spins": "results/tables/block_spins.csv",
}

if rg_unblocked_message(config):
    print(rg_unblocked_message(config), file=sys.stderr)


rule rg_flow:
    input:
        expand("results/datasets/L{L}.nc", L=RG_SIZES),
    output:
        **RG_TABLES,
    log:
        "logs/rg_flow.log",
    benchmark:
        "results/benchmarks/rg_flow.tsv"
    threads: 1
    resources:
        # one temperature's spins of the largest L and its blocks, and the reweighting
        mem_mb=scalar_mem_mb(len(RG_SIZES), len(TEMPERATURES)) + int(3 * spin_mb(max(RG_SIZES))),
        runtime=30,
    params:
        sizes=RG_SIZES,
        pairs=[list(pair) for pair in RG_PAIRS],
        maps=RG["maps"],
        observables=RG["observables"],
        window=RG["window"],
        seed=config["seed"],
        # the flow reweights with deeprenorm.reweighting, the thermodynamics stage's code
        stage_versions=stage_versions("thermodynamics", "rg_flow"),
    message:
        f"Block-spin RG flow: {len(RG_PAIRS)} (L -> L/b) pair(s), maps {', '.join(RG['maps'])}"
    script:
        "../scripts/rg_flow.py"


rule rg_figures:
    input:
        **RG_TABLES,
    output:
        flow=report(
            "results/figures/rg_flow.png",
            caption="../report/rg_flow.rst",
            category="RG flow",
        ),
        block_spins=report(
            "results/figures/block_spins.png",
            caption="../report/block_spins.rst",
            category="RG flow",
        ),
    log:
        "logs/rg_figures.log",
    benchmark:
        "results/benchmarks/rg_figures.tsv"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        stage_versions=stage_versions("rg_figures"),
    message:
        "Figures: RG flow and block spins"
    script:
        "../scripts/rg_figures.py"


# The trained networks through the same measurements (deeprenorm.rg.learned, .network_flow,
# .information), at one L: NETWORK_RG (deeprenorm.config.network_rg_plan) names the models.
from deeprenorm.config import network_rg_plan
from deeprenorm.exact import T_C

NETWORK_RG = network_rg_plan(config)
NETWORK_L = NETWORK_RG.lattice_size
RG_NETWORKS = RG["networks"]
if NETWORK_RG.skipped_message():
    print(NETWORK_RG.skipped_message(), file=sys.stderr)

RG_NETWORK_TABLES = {
    "verdict": "results/tables/rg_verdict.csv",
    "learned_flow": "results/tables/rg_learned_flow.csv",
    "learned_curves": "results/tables/rg_learned_curves.csv",
    "agreement": "results/tables/rg_agreement.csv",
    "network_flow": "results/tables/network_flow.csv",
    "fixed_points": "results/tables/network_flow_fixed_points.csv",
    "directions": "results/tables/network_flow_directions.csv",
}
RG_NETWORK_FIGURES = ["results/figures/information.png", "results/figures/network_flow.png", "results/figures/rg_verdict.png"]


def network_checkpoint(wildcards):
    seed = NETWORK_RG.learned[wildcards.model][0]
    return f"results/models/L{wildcards.L}/{wildcards.model}/seed{seed}.pt"


def network_direct_dataset(wildcards):
    return f"results/datasets/L{int(wildcards.L) // NETWORK_RG.learned[wildcards.model][1]}.nc"


def far_temperatures(far_from_tc):
    """Mask of the temperatures far from T_c (the flow's control network trains on these)."""
    return [abs(T - T_C) > far_from_tc for T in TEMPERATURES]


rule rg_learned:
    wildcard_constraints:
        L=str(NETWORK_L),
        model="|".join(re.escape(name) for name in NETWORK_RG.learned) or "(?!)",
    input:
        checkpoint=network_checkpoint,
        dataset="results/datasets/L{L}.nc",
        split="results/splits/L{L}.nc",
        direct=network_direct_dataset,
    output:
        flow="results/rg/learned/L{L}/{model}/flow.csv",
        curves="results/rg/learned/L{L}/{model}/curves.csv",
        agreement="results/rg/learned/L{L}/{model}/agreement.csv",
    log:
        "logs/rg_learned/L{L}/{model}.log",
    benchmark:
        "results/benchmarks/rg_learned/L{L}/{model}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wildcards: BASE_MEM_MB + 600 + scalar_mem_mb(2, len(TEMPERATURES)) + int(3 * spin_mb(wildcards.L)),
        runtime=20,
    params:
        b=lambda wildcards: NETWORK_RG.learned[wildcards.model][1],
        training_seed=lambda wildcards: NETWORK_RG.learned[wildcards.model][0],
        observables=[name for name in RG["observables"] if name != "nn"] or ["binder"],
        window=RG["window"],
        seed=config["seed"],
        stage_versions=stage_versions("thermodynamics", "rg_flow", "rg_learned"),
    message:
        "RG of the learned map of {wildcards.model}: L={wildcards.L}"
    script:
        "../scripts/rg_learned.py"


rule train_far:
    wildcard_constraints:
        L=str(NETWORK_L),
        model="|".join(re.escape(name) for name in NETWORK_RG.flow_models) or "(?!)",
    input:
        dataset="results/datasets/L{L}.nc",
        split="results/splits/L{L}.nc",
    output:
        checkpoint="results/rg/controls/L{L}/{model}/seed{seed}.pt",
        sidecar="results/rg/controls/L{L}/{model}/seed{seed}.json",
        history="results/rg/controls/L{L}/{model}/seed{seed}.csv",
        figure=report("results/figures/training/L{L}/{model}/seed{seed}-far.png", caption="../report/training.rst", category="Training", subcategory="controls"),
    log:
        "logs/train_far/L{L}/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train_far/L{L}/{model}/seed{seed}.tsv"
    threads: AUTOENCODER["threads"]
    resources:
        mem_mb=training_mem_mb,
        runtime=lambda wildcards: 30 + int(spin_mb(wildcards.L, len(TEMPERATURES)) * AUTOENCODER["training"]["max_epochs"] / 20),
    params:
        spec=lambda wildcards: MODEL_SPECS[wildcards.model],
        staggered=False,
        settings=training_settings,
        seed=config["seed"],
        temperatures=far_temperatures(RG_NETWORKS["far_from_tc"]),
        trained_on=f"|T - T_c| > {RG_NETWORKS['far_from_tc']}",
        stage_versions=stage_versions("train"),
    message:
        "Train {wildcards.model} far from T_c (|T - T_c| > " + str(RG_NETWORKS["far_from_tc"]) + "): L={wildcards.L}, seed {wildcards.seed}"
    script:
        "../scripts/train.py"


rule network_flow:
    wildcard_constraints:
        L=str(NETWORK_L),
        model="|".join(re.escape(name) for name in NETWORK_RG.flow_models) or "(?!)",
    input:
        checkpoint=network_checkpoint,
        far=lambda wildcards: (
            [f"results/rg/controls/L{wildcards.L}/{wildcards.model}/seed{NETWORK_RG.learned[wildcards.model][0]}.pt"]
            if NETWORK_RG.far_control else []
        ),
        dataset="results/datasets/L{L}.nc",
        split="results/splits/L{L}.nc",
    output:
        flow="results/rg/network_flow/L{L}/{model}/flow.csv",
        fixed_points="results/rg/network_flow/L{L}/{model}/fixed_points.csv",
        directions="results/rg/network_flow/L{L}/{model}/directions.csv",
    log:
        "logs/network_flow/L{L}/{model}.log",
    benchmark:
        "results/benchmarks/network_flow/L{L}/{model}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wildcards: BASE_MEM_MB + 600 + int(3 * spin_mb(wildcards.L)) + int(24 * RG_NETWORKS["flow_samples"] * len(TEMPERATURES) * int(wildcards.L) ** 2 / 1e6),
        runtime=20,
    params:
        training_seed=lambda wildcards: NETWORK_RG.learned[wildcards.model][0],
        steps=RG_NETWORKS["flow_steps"],
        samples=RG_NETWORKS["flow_samples"],
        seed=config["seed"],
        stage_versions=stage_versions("network_flow"),
    message:
        "Network flow of {wildcards.model} and its controls: L={wildcards.L}"
    script:
        "../scripts/network_flow.py"


CONV_AT_NETWORK_L = [name for name in NETWORK_RG.learned if MODEL_SPECS[name]["kind"] == "conv"]


rule rg_information:
    input:
        dataset=f"results/datasets/L{NETWORK_L}.nc",
        split=f"results/splits/L{NETWORK_L}.nc",
        checkpoints=[f"results/models/L{NETWORK_L}/{name}/seed{NETWORK_RG.learned[name][0]}.pt" for name in CONV_AT_NETWORK_L],
    output:
        "results/tables/rg_information.csv",
    log:
        "logs/rg_information.log",
    benchmark:
        "results/benchmarks/rg_information.tsv"
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 600 + int(6 * spin_mb(NETWORK_L or 4)),
        runtime=20,
    params:
        models=CONV_AT_NETWORK_L,
        training_seeds=[NETWORK_RG.learned[name][0] for name in CONV_AT_NETWORK_L],
        block_factors=[b for L, b in RG_PAIRS if L == NETWORK_L],
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
        information="results/tables/rg_information.csv",
        learned=expand("results/rg/learned/L{L}/{model}/{table}.csv", L=NETWORK_L, model=list(NETWORK_RG.learned), table=["flow", "curves", "agreement"]),
        network_flow=expand("results/rg/network_flow/L{L}/{model}/{table}.csv", L=NETWORK_L, model=NETWORK_RG.flow_models, table=["flow", "fixed_points", "directions"]),
        locality="results/tables/locality.csv",
    output:
        **RG_NETWORK_TABLES,
    log:
        "logs/rg_verdict.log",
    benchmark:
        "results/benchmarks/rg_verdict.tsv"
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 300,
        runtime=10,
    params:
        network_lattice_size=NETWORK_L,
        stage_versions=stage_versions("rg_verdict", "probe_figures"),
    message:
        "RG verdict: every map against the block-spin criteria"
    script:
        "../scripts/rg_verdict.py"


rule rg_network_figures:
    input:
        **RG_NETWORK_TABLES,
        information="results/tables/rg_information.csv",
    output:
        information=report("results/figures/information.png", caption="../report/information.rst", category="RG flow"),
        network_flow=report("results/figures/network_flow.png", caption="../report/network_flow.rst", category="RG flow"),
        verdict=report("results/figures/rg_verdict.png", caption="../report/rg_verdict.rst", category="RG flow"),
    log:
        "logs/rg_network_figures.log",
    benchmark:
        "results/benchmarks/rg_network_figures.tsv"
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
