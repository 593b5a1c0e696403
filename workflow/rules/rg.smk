# The block-spin RG flow: every (L -> L/b) pair of PLAN.rg_pairs blocked by each map, T -> T' by
# phenomenological renormalisation against the direct L/b ensemble, and the blocked-against-direct
# tables. The datasets it reads (PLAN.rg_sizes): both ends of every pair, and the largest L
# (repeated blocking).
RG_TABLES = {
    "flow": table("rg_flow"),
    "curves": table("rg_flow_curves"),
    "block_spins": table("block_spins"),
}


rule rg_flow:
    input:
        expand(dataset(), L=PLAN.rg_sizes),
    output:
        **RG_TABLES,
    log:
        logs("rg_flow"),
    benchmark:
        benchmarks("rg_flow")
    threads: 1
    resources:
        mem_mb=blocking_mem_mb(PLAN.rg_sizes),
        runtime=30,
    params:
        sizes=list(PLAN.rg_sizes),
        pairs=[list(pair) for pair in PLAN.rg_pairs],
        maps=RG["maps"],
        observables=RG["observables"],
        window=RG["window"],
        seed=config["seed"],
        # the flow reweights with deeprenorm.reweighting, the thermodynamics stage's code
        stage_versions=stage_versions("thermodynamics", "rg_flow"),
    message:
        f"Block-spin RG flow: {len(PLAN.rg_pairs)} (L -> L/b) pair(s), maps {', '.join(RG['maps'])}"
    script:
        "../scripts/rg_flow.py"


# The exponents of each block-spin map itself, by Monte Carlo renormalisation group on an ensemble
# of its own at T_c (deeprenorm.rg.mcrg): what the flow's T* and nu cannot tell, since any map
# that keeps the distribution of m passes those. The conv models' maps are measured on the same
# ensemble (rule rg_exponents_learned) and gathered here.
rule mcrg_ensemble:
    output:
        mcrg_ensemble(),
    log:
        logs("mcrg_ensemble"),
    benchmark:
        benchmarks("mcrg_ensemble")
    threads: 1
    resources:
        mem_mb=mcrg_mem_mb(),
        runtime=60,
    params:
        L=RG["mcrg"]["lattice_size"],
        samples=RG["mcrg"]["samples"],
        seed=config["seed"],
        stage_versions=stage_versions("simulate", "rg_exponents"),
    message:
        f"MCRG ensemble: L = {RG['mcrg']['lattice_size']} at T_c, {RG['mcrg']['samples']} Wolff configurations"
    script:
        "../scripts/mcrg_ensemble.py"


rule rg_exponents:
    input:
        ensemble=mcrg_ensemble(),
        learned=learned_exponent_tables(),
        rsmi=rsmi_exponent_checkpoints(),
    output:
        table("rg_exponents"),
    log:
        logs("rg_exponents"),
    benchmark:
        benchmarks("rg_exponents")
    threads: 1
    resources:
        mem_mb=mcrg_mem_mb(),
        runtime=30,
        # torch runs here only for the RSMI coarse-grainer's map
        gpu=TORCH_GPUS if rsmi_exponent_checkpoints() else 0,
    params:
        levels=RG["mcrg"]["levels"],
        maps=RG["maps"],
        rsmi_model=PLAN.rsmi_model,
        seed=config["seed"],
        stage_versions=stage_versions("rg_exponents", "rsmi"),
    message:
        f"MCRG exponents of {', '.join(RG['maps'])} and the conv models' maps, {RG['mcrg']['levels']} levels{ON_DEVICE}"
    script:
        "../scripts/rg_exponents.py"


rule rg_exponents_figure:
    input:
        table("rg_exponents"),
    output:
        report(
            figure("rg_exponents"),
            caption="../report/rg_exponents.rst",
            category="RG flow",
        ),
    log:
        logs("rg_exponents_figure"),
    benchmark:
        benchmarks("rg_exponents_figure")
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        stage_versions=stage_versions("rg_figures"),
    message:
        "Figure: MCRG exponents of the maps"
    script:
        "../scripts/rg_exponents_figure.py"


rule rg_figures:
    input:
        **RG_TABLES,
    output:
        flow=report(
            figure("rg_flow"),
            caption="../report/rg_flow.rst",
            category="RG flow",
        ),
        block_spins=report(
            figure("block_spins"),
            caption="../report/block_spins.rst",
            category="RG flow",
        ),
    log:
        logs("rg_figures"),
    benchmark:
        benchmarks("rg_figures")
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
