# Thermodynamics of every L against the exact solution, and T_c from U4 crossings and chi' peaks
# of multi-histogram reweighted curves.
THERMODYNAMICS_TABLES = {
    "table": table("thermodynamics"),
    "critical": table("tc_thermodynamic"),
    "curves": table("thermodynamics_reweighted"),
}


rule thermodynamics_table:
    input:
        expand(dataset(), L=PLAN.lattice_sizes),
    output:
        **THERMODYNAMICS_TABLES,
    log:
        logs("thermodynamics_table"),
    benchmark:
        benchmarks("thermodynamics_table")
    threads: 1
    resources:
        mem_mb=scalar_mem_mb(len(PLAN.lattice_sizes), N_TEMPERATURES),
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
        **THERMODYNAMICS_TABLES,
    output:
        report(
            figure("thermodynamics"),
            caption="../report/thermodynamics.rst",
            category="Monte Carlo and thermodynamics",
        ),
    log:
        logs("thermodynamics_figure"),
    benchmark:
        benchmarks("thermodynamics_figure")
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
