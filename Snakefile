# deeprenorm: does a deep autoencoder learn block-spin renormalisation?
# `snakemake --cores N` regenerates every result from config.yaml; see README.md.
from snakemake.utils import min_version

min_version("9.20")


# config.yaml (and any --configfile, --config) is read and validated in workflow/rules/common.smk.
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/thermodynamics.smk"
include: "workflow/rules/autocorrelation.smk"
include: "workflow/rules/autoencoder.smk"
include: "workflow/rules/rg.smk"
include: "workflow/rules/probes.smk"


rule all:
    default_target: True
    input:
        expand("results/datasets/L{L}.nc", L=LATTICE_SIZES),
        "results/tables/thermodynamics.csv",
        "results/tables/tc_thermodynamic.csv",
        "results/figures/thermodynamics.png",
        "results/tables/autocorrelation.csv",
        "results/tables/dynamic_exponents.csv",
        "results/figures/autocorrelation.png",
        LATENT_TABLES.values(),
        "results/figures/phase_identification.png",
        "results/figures/tc_finite_size.png",
        SWEEP_TABLES.values(),
        "results/figures/latent_width_sweep.png",
        RG_TABLES.values(),
        "results/figures/rg_flow.png",
        "results/figures/block_spins.png",
        # the networks' part of the RG comparison, where some L has a b = 2 or conv flow pair
        (list(RG_NETWORK_TABLES.values()) + RG_NETWORK_FIGURES) if NETWORK_L else [],
        # what the networks learned, measured
        (["results/tables/locality.csv", *PROBE_FIGURES.values()]) if NETWORK_L else [],
