# The report stage: the pipeline's cost from the benchmark files, the summary of every result
# table (JSON, Markdown, the report's front page), the summary figure, and the README's generated
# results section (rule readme, run on request only). These rules read the study's results and
# are not benchmarked themselves.

# the summary's strip of configurations (PLAN.report): at the RG stage's L through its flow
# models, or, without one, at the headline model's largest L through the headline model
STRIP = PLAN.report
SUMMARY_TABLES = {
    "tc_thermodynamic": THERMODYNAMICS_TABLES["critical"],
    "tc_latent": LATENT_TABLES["tc"],
    "rg_flow": RG_TABLES["flow"],
    "dynamic_exponents": table("dynamic_exponents"),
    "width_sweep": SWEEP_TABLES["sweep"],
} | (
    {
        "verdict": RG_NETWORK_TABLES["verdict"],
        "calibration": RG_NETWORK_TABLES["calibration"],
        "locality": table("locality"),
        "dbn": dbn_file("_layers.csv", DBN_L),
    }
    if PLAN.network.measured
    else {}
)
# every training job's sidecar: the study's models, their far-trained and control-trained twins
TRAINED_SIDECARS = [
    path
    for name, model in PLAN.models.items()
    for path in expand(checkpoint(suffix="json"), L=model.lattice_sizes, model=name, seed=model.seeds)
] + sorted(
    {str(Path(path).with_suffix(".json")) for name in PLAN.network.models for path in network_controls(name).values()}
)
SUMMARY_OUTPUTS = ["results/summary.json", "results/summary.md", figure("summary"), figure("performance")]
# where `make tiny` runs the tiny study (config/tiny.yaml), whose run time the README quotes
TINY_STUDY = "studies/tiny"
# the images the README embeds, refreshed by rule readme
README_FIGURES = ["summary", "performance", "tc_finite_size"] + (
    ["rg_verdict", "locality"] if PLAN.network.measured else []
)


rule performance:
    input:
        # every product of the study: the benchmark files are complete once they exist
        STUDY_PRODUCTS,
    output:
        jobs=table("performance"),
        stages=table("performance_stages"),
        run=table("performance_run"),
        figure=report(figure("performance"), caption="../report/performance.rst", category="Performance"),
    log:
        logs("performance"),
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
        datasets=expand(dataset(), L=PLAN.lattice_sizes),
        stages=table("performance_stages"),
        # where the torch jobs ran (summary.json's devices)
        sidecars=TRAINED_SIDECARS,
        encodings=ALL_ENCODINGS,
        run=table("performance_run"),
    output:
        json="results/summary.json",
        markdown="results/summary.md",
        description="results/report/workflow.rst",
    log:
        logs("summary"),
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 300,
        runtime=5,
    params:
        tables=SUMMARY_TABLES,
        method=str(Path(workflow.basedir) / "workflow/report/workflow.rst"),
        config=config,
        headline_model=PLAN.default_model,
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
        tc_thermodynamic=THERMODYNAMICS_TABLES["critical"],
        rg_flow=RG_TABLES["flow"],
        rg_curves=RG_TABLES["curves"],
        learned=(
            [RG_NETWORK_TABLES[name] for name in ("learned_flow", "learned_curves", "verdict")]
            if PLAN.network.measured
            else []
        ),
        dataset=dataset(STRIP.strip_L),
        split=dataset_split(STRIP.strip_L),
        checkpoints=[checkpoint(STRIP.strip_L, name, seed) for name, seed in STRIP.strip_models.items()],
    output:
        report(figure("summary"), caption="../report/summary.rst", category="Summary"),
    log:
        logs("summary_figure"),
    threads: 1
    resources:
        mem_mb=BASE_MEM_MB + 900,
        runtime=5,
    params:
        headline_model=PLAN.default_model,
        headline_seed=PLAN.default_seed,
        network_L=NETWORK_L,
        learned_model=STRIP.strip_conv_model,
        strip_models=list(STRIP.strip_models),
        seed=config["seed"],
        stage_versions=stage_versions("report"),
    message:
        "Summary figure"
    script:
        "../scripts/summary_figure.py"


rule readme:
    input:
        summary="results/summary.json",
        # the README's first commands quote the tiny study's run time too: `make readme` runs it first
        tiny_summary=f"{TINY_STUDY}/results/summary.json",
        figures=[figure(name) for name in README_FIGURES],
    output:
        figures=[f"docs/figures/{name}.png" for name in README_FIGURES],
        page="docs/results.md",
    log:
        logs("readme"),
    localrule: True
    params:
        readme="README.md",
        names=README_FIGURES,
    message:
        "README start and results sections from results/summary.json and {input.tiny_summary}, and docs/results.md"
    script:
        "../scripts/readme.py"
