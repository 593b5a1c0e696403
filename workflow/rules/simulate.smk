# Monte Carlo per (L, T), then one NetCDF dataset per L: for every L the study simulates
# (PLAN.simulated_sizes), the config's lattice sizes and the block lattices of the RG flow.


rule simulate:
    output:
        simulation(),
    log:
        logs("simulate/L{L}/T{T}"),
    benchmark:
        benchmarks("simulate/L{L}/T{T}")
    wildcard_constraints:
        L=SIMULATED_SIZE_PATTERN,
    threads: 1
    resources:
        mem_mb=simulation_mem_mb,
        runtime=simulation_runtime,
    params:
        L=lambda wildcards: int(wildcards.L),
        T=lambda wildcards: float(wildcards.T),
        n_samples=config["samples_per_temperature"],
        algorithm=config["algorithm"],
        seed=config["seed"],
        sampling=config["sampling"],
        stage_versions=stage_versions("simulate"),
    message:
        "Monte Carlo: L={wildcards.L}, T={wildcards.T}"
    script:
        "../scripts/simulate.py"


rule dataset:
    input:
        simulation_paths,
    output:
        dataset(),
    log:
        logs("dataset/L{L}"),
    benchmark:
        benchmarks("dataset/L{L}")
    wildcard_constraints:
        L=SIMULATED_SIZE_PATTERN,
    threads: 1
    resources:
        mem_mb=dataset_mem_mb,
        runtime=30,
    params:
        provenance=simulation_provenance,
    message:
        "Dataset: L={wildcards.L}"
    script:
        "../scripts/dataset.py"
