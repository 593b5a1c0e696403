# Thermodynamics of every L against the exact solution, and T_c from U4 crossings and chi' peaks
# of multi-histogram reweighted curves.


rule thermodynamics_table:
    input:
        expand("results/datasets/L{L}.nc", L=LATTICE_SIZES),
    output:
        table="results/tables/thermodynamics.csv",
        critical="results/tables/tc_thermodynamic.csv",
        curves="results/tables/thermodynamics_reweighted.csv",
    log:
        "logs/thermodynamics_table.log",
    benchmark:
        "results/benchmarks/thermodynamics_table.tsv"
    threads: 1
    resources:
        mem_mb=scalar_mem_mb(len(LATTICE_SIZES), len(TEMPERATURES)),
        runtime=30,
    params:
        tc_window=config["thermodynamics"]["tc_window"],
        stage_versions=stage_versions("thermodynamics"),
    message:
        "Thermodynamic observables and T_c estimates"
    script:
        "../scripts/thermodynamics_table.py"


rule thermodynamics_figure:
    input:
        table="results/tables/thermodynamics.csv",
        critical="results/tables/tc_thermodynamic.csv",
        curves="results/tables/thermodynamics_reweighted.csv",
    output:
        report(
            "results/figures/thermodynamics.png",
            caption="../report/thermodynamics.rst",
            category="Monte Carlo and thermodynamics",
        ),
    log:
        "logs/thermodynamics_figure.log",
    benchmark:
        "results/benchmarks/thermodynamics_figure.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        stage_versions=stage_versions("thermodynamics_figure"),
    message:
        "Figure: thermodynamics"
    script:
        "../scripts/thermodynamics_figure.py"
