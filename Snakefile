# deeprenorm: does a deep autoencoder learn block-spin renormalisation?
# `snakemake --cores N` regenerates every result from config.yaml; see README.md.
from pathlib import Path

from snakemake.utils import min_version

min_version("9.20")


# config.yaml (and any --configfile, --config) is read and validated in workflow/rules/common.smk.
# The report's front page: the summary's, with the study's numbers, once rule summary has written
# it; before that the question and the method alone.
report:
    str(Path("results/report/workflow.rst").resolve())
    if Path("results/report/workflow.rst").is_file()
    else "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/thermodynamics.smk"
include: "workflow/rules/autocorrelation.smk"
include: "workflow/rules/autoencoder.smk"
include: "workflow/rules/rg.smk"
include: "workflow/rules/rg_networks.smk"
include: "workflow/rules/probes.smk"


# Every product of the study; the report stage (workflow/rules/report.smk) reads them all.
STUDY_PRODUCTS = [
    *expand(dataset(), L=PLAN.lattice_sizes),
    THERMODYNAMICS_TABLES["table"],
    THERMODYNAMICS_TABLES["critical"],
    figure("thermodynamics"),
    table("autocorrelation"),
    table("dynamic_exponents"),
    figure("autocorrelation"),
    *LATENT_TABLES.values(),
    figure("phase_identification"),
    figure("tc_finite_size"),
    *SWEEP_TABLES.values(),
    figure("latent_width_sweep"),
    *RG_TABLES.values(),
    table("rg_exponents"),
    figure("rg_exponents"),
    figure("rg_flow"),
    figure("block_spins"),
    # the networks' part of the RG comparison, where some L has a b = 2 or conv flow pair
    *((list(RG_NETWORK_TABLES.values()) + RG_NETWORK_FIGURES) if PLAN.network.measured else []),
    # what the networks learned, measured
    *(([table("locality"), *PROBE_FIGURES.values()]) if PLAN.network.measured else []),
]


include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        STUDY_PRODUCTS,
        SUMMARY_OUTPUTS,


# Jobs of a few seconds that draw figures or collect tables: under a cluster executor they run
# where Snakemake runs instead of waiting in the queue longer than they take.
localrules:
    all,
    thermodynamics_figure,
    autocorrelation_figure,
    latent_figures,
    width_sweep,
    width_sweep_figure,
    rg_figures,
    rg_exponents_figure,
    rg_verdict,
    rg_network_figures,
    locality_table,
    probe_figures,
    performance,
    summary,
    summary_figure,
    readme,
