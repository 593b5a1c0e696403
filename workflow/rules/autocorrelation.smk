# The algorithm comparison (after Kyimba 2006): tau_int vs T and vs L, dynamic exponent z.
from deeprenorm.config import temperature_grid


rule autocorrelation:
    output:
        "results/autocorrelation/{algorithm}.csv",
    log:
        logs("autocorrelation/{algorithm}"),
    benchmark:
        benchmarks("autocorrelation/{algorithm}")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    params:
        scan_lattice_size=AUTOCORRELATION["scan_lattice_size"],
        temperatures=temperature_grid(AUTOCORRELATION["temperatures"]),
        lattice_sizes=AUTOCORRELATION["lattice_sizes"],
        pilot_factor=AUTOCORRELATION["pilot_factor"],
        seed=config["seed"],
        stage_versions=stage_versions("simulate", "autocorrelation"),
    message:
        "Autocorrelation times: {wildcards.algorithm}"
    script:
        "../scripts/autocorrelation.py"


rule autocorrelation_figure:
    input:
        expand("results/autocorrelation/{algorithm}.csv", algorithm=AUTOCORRELATION["algorithms"]),
    output:
        table=table("autocorrelation"),
        exponents=table("dynamic_exponents"),
        figure=report(
            figure("autocorrelation"),
            caption="../report/autocorrelation.rst",
            category="Algorithm comparison",
        ),
    log:
        logs("autocorrelation_figure"),
    benchmark:
        benchmarks("autocorrelation_figure")
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        stage_versions=stage_versions("autocorrelation_figure"),
    message:
        "Figure: autocorrelation times and dynamic exponents"
    script:
        "../scripts/autocorrelation_figure.py"
