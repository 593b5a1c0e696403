# The report stage: the pipeline's cost from the benchmark files, the summary of every result
# table (JSON, Markdown, the report's front page), the summary figure, and the README's generated
# results section (rule readme, run on request only). These rules read the study's results and
# are not benchmarked themselves.

# the summary's strip of configurations: at the RG stage's L through its flow models, or, without
# one, at the headline model's largest L through the headline model
STRIP_L = NETWORK_L or MODEL_PLANS[DEFAULT_MODEL].lattice_sizes[-1]
# (the conv models first, their code beside the block spins)
STRIP_MODELS = sorted(NETWORK_RG.flow_models, key=lambda name: MODEL_SPECS[name]["kind"] != "conv") if NETWORK_L else [DEFAULT_MODEL]
CONV_FLOW_MODEL = next((name for name in STRIP_MODELS if MODEL_SPECS[name]["kind"] == "conv"), None)
SUMMARY_TABLES = {
    "tc_thermodynamic": "results/tables/tc_thermodynamic.csv",
    "tc_latent": LATENT_TABLES["tc"],
    "rg_flow": RG_TABLES["flow"],
    "dynamic_exponents": "results/tables/dynamic_exponents.csv",
    "width_sweep": SWEEP_TABLES["sweep"],
} | ({"verdict": RG_NETWORK_TABLES["verdict"], "locality": "results/tables/locality.csv"} if NETWORK_L else {})
SUMMARY_OUTPUTS = ["results/summary.json", "results/summary.md", "results/figures/summary.png", "results/figures/performance.png"]
# the images the README embeds, refreshed by rule readme
README_FIGURES = ["summary", "performance"] + (["rg_verdict", "locality"] if NETWORK_L else [])


rule performance:
    input:
        # every product of the study: the benchmark files are complete once they exist
        STUDY_PRODUCTS,
    output:
        jobs="results/tables/performance.csv",
        stages="results/tables/performance_stages.csv",
        figure=report("results/figures/performance.png", caption="../report/performance.rst", category="Performance"),
    log:
        "logs/performance.log",
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 200,
        runtime=5,
    params:
        root="results/benchmarks",
        stage_versions=stage_versions("report"),
    message:
        "Pipeline performance from the benchmark files"
    script:
        "../scripts/performance.py"


rule summary:
    input:
        **SUMMARY_TABLES,
        datasets=expand("results/datasets/L{L}.nc", L=LATTICE_SIZES),
        stages="results/tables/performance_stages.csv",
    output:
        json="results/summary.json",
        markdown="results/summary.md",
        description="results/report/workflow.rst",
    log:
        "logs/summary.log",
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 300,
        runtime=5,
    params:
        tables=SUMMARY_TABLES,
        method=str(Path(workflow.basedir) / "workflow/report/workflow.rst"),
        config=config,
        headline_model=DEFAULT_MODEL,
        stage_versions=stage_versions("report"),
    message:
        "Summary of the study: results/summary.json, summary.md"
    script:
        "../scripts/summary.py"


rule summary_figure:
    input:
        phase=LATENT_TABLES["phase"],
        curves=LATENT_TABLES["curves"],
        tc_latent=LATENT_TABLES["tc"],
        tc_thermodynamic="results/tables/tc_thermodynamic.csv",
        rg_flow=RG_TABLES["flow"],
        rg_curves=RG_TABLES["curves"],
        learned=[RG_NETWORK_TABLES[name] for name in ("learned_flow", "learned_curves", "verdict")] if NETWORK_L else [],
        dataset=f"results/datasets/L{STRIP_L}.nc",
        split=f"results/splits/L{STRIP_L}.nc",
        checkpoints=[f"results/models/L{STRIP_L}/{name}/seed{(NETWORK_RG.learned[name][0] if NETWORK_L else DEFAULT_SEED)}.pt" for name in STRIP_MODELS],
    output:
        report("results/figures/summary.png", caption="../report/summary.rst", category="Summary"),
    log:
        "logs/summary_figure.log",
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 900,
        runtime=5,
    params:
        headline_model=DEFAULT_MODEL,
        headline_seed=DEFAULT_SEED,
        network_L=NETWORK_L,
        learned_model=CONV_FLOW_MODEL,
        strip_models=STRIP_MODELS,
        seed=config["seed"],
        stage_versions=stage_versions("report"),
    message:
        "Summary figure"
    script:
        "../scripts/summary_figure.py"


rule readme:
    input:
        summary="results/summary.json",
        figures=[f"results/figures/{name}.png" for name in README_FIGURES],
    output:
        figures=[f"docs/figures/{name}.png" for name in README_FIGURES],
        block="docs/results.md",
    log:
        "logs/readme.log",
    localrule: True
    params:
        readme="README.md",
        names=README_FIGURES,
    message:
        "README results section from results/summary.json (between the markers in README.md)"
    script:
        "../scripts/readme.py"
