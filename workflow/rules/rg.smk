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
            category="RG comparison",
        ),
        block_spins=report(
            "results/figures/block_spins.png",
            caption="../report/block_spins.rst",
            category="RG comparison",
        ),
    log:
        "logs/rg_figures.log",
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
