# deeprenorm: does a deep autoencoder learn block-spin renormalisation?
# `snakemake --cores N` regenerates every result from config.yaml; see README.md.
from pathlib import Path

from snakemake.utils import min_version

min_version("9.20")


# config.yaml (and any --configfile, --config) is read and validated in workflow/rules/common.smk.
# The report's front page: the summary's, with the study's numbers, once rule summary has written
# it; before that the question and the method alone.
report: str(Path("results/report/workflow.rst").resolve()) if Path("results/report/workflow.rst").is_file() else "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/thermodynamics.smk"
include: "workflow/rules/autocorrelation.smk"
include: "workflow/rules/autoencoder.smk"
include: "workflow/rules/rg.smk"
include: "workflow/rules/probes.smk"


# Every product of the study; the report stage (workflow/rules/report.smk) reads them all.
STUDY_PRODUCTS = [
    *expand("results/datasets/L{L}.nc", L=LATTICE_SIZES),
    "results/tables/thermodynamics.csv",
    "results/tables/tc_thermodynamic.csv",
    "results/figures/thermodynamics.png",
    "results/tables/autocorrelation.csv",
    "results/tables/dynamic_exponents.csv",
    "results/figures/autocorrelation.png",
    *LATENT_TABLES.values(),
    "results/figures/phase_identification.png",
    "results/figures/tc_finite_size.png",
    *SWEEP_TABLES.values(),
    "results/figures/latent_width_sweep.png",
    *RG_TABLES.values(),
    "results/figures/rg_flow.png",
    "results/figures/block_spins.png",
    # the networks' part of the RG comparison, where some L has a b = 2 or conv flow pair
    *((list(RG_NETWORK_TABLES.values()) + RG_NETWORK_FIGURES) if NETWORK_L else []),
    # what the networks learned, measured
    *((["results/tables/locality.csv", *PROBE_FIGURES.values()]) if NETWORK_L else []),
]


include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        STUDY_PRODUCTS,
        SUMMARY_OUTPUTS,
