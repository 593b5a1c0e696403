# Autoencoders per (L, model, training seed): the split of each dataset, training, the codes of
# every sample, and what the latent variables say about the phase transition. PLAN.models
# (deeprenorm.plan.PlannedModel) says which model trains at which L with which seeds.
import dataclasses


wildcard_constraints:
    model=one_of(PLAN.models),
    seed=one_of(PLAN.seeds),


rule split:
    input:
        dataset(),
    output:
        dataset_split(),
    log:
        logs("split/L{L}"),
    benchmark:
        benchmarks("split/L{L}")
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
        dataset=dataset(),
        split=dataset_split(),
    output:
        **trained_model(),
        figure=report(
            figure("training/L{L}/{model}/seed{seed}"),
            caption="../report/training.rst",
            category="Training",
            subcategory="L = {L}",
        ),
    log:
        logs("train/L{L}/{model}/seed{seed}"),
    benchmark:
        benchmarks("train/L{L}/{model}/seed{seed}")
    # on the path to the latent analysis, the study's longest chain: ahead of jobs that can wait
    priority: 10
    threads: AUTOENCODER["threads"]
    resources:
        mem_mb=training_mem_mb,
        runtime=training_runtime,
        gpu=TORCH_GPUS,
    params:
        spec=model_spec,
        staggered=staggered,
        settings=training_settings,
        seed=config["seed"],
        temperatures=None,
        trained_on="all temperatures",
        stage_versions=stage_versions("train"),
    message:
        f"Train {{wildcards.model}}: L={{wildcards.L}}, seed {{wildcards.seed}}{ON_DEVICE}"
    script:
        "../scripts/train.py"


rule encode:
    input:
        checkpoint=checkpoint(),
        dataset=dataset(),
        split=dataset_split(),
    output:
        encoding(),
    log:
        logs("encode/L{L}/{model}/seed{seed}"),
    benchmark:
        benchmarks("encode/L{L}/{model}/seed{seed}")
    # on the path to the latent analysis, the study's longest chain: ahead of jobs that can wait
    priority: 10
    threads: AUTOENCODER["threads"]
    resources:
        mem_mb=encoding_mem_mb,
        runtime=30,
        gpu=TORCH_GPUS,
    params:
        device=AUTOENCODER["device"],
        staggered=staggered,
        trained_at=None,
        stage_versions=stage_versions("encode"),
    message:
        f"Encode {{wildcards.model}}: L={{wildcards.L}}, seed {{wildcards.seed}}{ON_DEVICE}"
    script:
        "../scripts/encode.py"


# One network at every size (PLAN.transfer): the conv model trained at one L encodes every L
# with the same weights, so its chi_z(T, L) is one function's and its T*(L) can scale.
TRANSFER = PLAN.transfer
TRANSFER_ENCODINGS = (
    expand(encoding(model=TRANSFER.name), L=TRANSFER.lattice_sizes, seed=TRANSFER.seeds) if TRANSFER else []
)


if TRANSFER:

    rule encode_transferred:
        input:
            checkpoint=checkpoint(TRANSFER.trained_at, TRANSFER.model),
            # the data the checkpoint was trained on, to check that it is
            trained_on=dataset(TRANSFER.trained_at),
            dataset=dataset(),
            split=dataset_split(),
        output:
            encoding(model=TRANSFER.name),
        log:
            logs(f"encode/L{{L}}/{TRANSFER.name}/seed{{seed}}"),
        benchmark:
            benchmarks(f"encode/L{{L}}/{TRANSFER.name}/seed{{seed}}")
        priority: 10
        threads: AUTOENCODER["threads"]
        resources:
            mem_mb=encoding_mem_mb,
            runtime=30,
            gpu=TORCH_GPUS,
        params:
            device=AUTOENCODER["device"],
            staggered=False,
            trained_at=TRANSFER.trained_at,
            source=TRANSFER.model,
            name=TRANSFER.name,
            stage_versions=stage_versions("encode"),
        message:
            f"Encode {TRANSFER.name} (trained at L = {TRANSFER.trained_at}): L={{wildcards.L}}, seed {{wildcards.seed}}{ON_DEVICE}"
        script:
            "../scripts/encode.py"


LATENT_TABLES = {
    "tc": table("tc_latent"),
    "tc_per_seed": table("tc_latent_per_seed"),
    "phase": table("latent_phase"),
    "summary": table("latent_summary"),
    "curves": table("latent_curves"),
}


ALL_ENCODINGS = [path for name in PLAN.models for path in encodings(name)] + TRANSFER_ENCODINGS


rule latent_analysis:
    input:
        ALL_ENCODINGS,
    output:
        **LATENT_TABLES,
    log:
        logs("latent_analysis"),
    benchmark:
        benchmarks("latent_analysis")
    priority: 10
    threads: 1
    resources:
        mem_mb=codes_mem_mb(len(ALL_ENCODINGS)),
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
        encoding=encoding(max(PLAN.models[PLAN.default_model].lattice_sizes), PLAN.default_model, PLAN.default_seed),
    output:
        phase=report(
            figure("phase_identification"),
            caption="../report/phase_identification.rst",
            category="Phase identification and finite-size scaling",
        ),
        finite_size=report(
            figure("tc_finite_size"),
            caption="../report/tc_finite_size.rst",
            category="Phase identification and finite-size scaling",
        ),
    log:
        logs("latent_figures"),
    benchmark:
        benchmarks("latent_figures")
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        model=PLAN.default_model,
        seed=PLAN.default_seed,
        stage_versions=stage_versions("latent_figures"),
    message:
        "Figures: phase identification and T_c finite-size scaling"
    script:
        "../scripts/latent_figures.py"


# The width and regularisation sweep: every dense model of the ferromagnet (PLAN.sweep_models).
SWEEP_TABLES = {
    "sweep": table("latent_width_sweep"),
    "units": table("latent_unit_correlations"),
    "reconstruction": table("latent_reconstruction"),
}


rule width_sweep:
    input:
        encodings=[path for name in PLAN.sweep_models for path in encodings(name)],
        tc=LATENT_TABLES["tc"],
        summary=LATENT_TABLES["summary"],
    output:
        **SWEEP_TABLES,
    log:
        logs("width_sweep"),
    benchmark:
        benchmarks("width_sweep")
    threads: 1
    resources:
        mem_mb=codes_mem_mb(max(model.spec.latent or 1 for model in PLAN.models.values())),
        runtime=30,
    params:
        specs={name: dataclasses.asdict(PLAN.models[name].spec) for name in PLAN.sweep_models},
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
            figure("latent_width_sweep"),
            caption="../report/latent_width_sweep.rst",
            category="Phase identification and finite-size scaling",
        ),
    log:
        logs("width_sweep_figure"),
    benchmark:
        benchmarks("width_sweep_figure")
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
