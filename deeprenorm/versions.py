"""The version of every workflow stage: what makes Snakemake rerun a stage when its code changes.

Each rule passes the versions of the stages whose code it runs through ``params:``; Snakemake
reruns a job whose params changed, and with it everything downstream. Nothing upstream reruns.

**The rule for bumping.** Increase a stage's number in the same commit as any change to its code
that changes what it writes: values, columns, units, figure content, or a bug fix. Do not bump it
for refactoring, comments, documentation or speed-ups that leave the output identical, so that a
cosmetic edit never reruns simulations or retrains models. When unsure, compare the outputs of the
tiny test study (``config/tiny.yaml``) before and after the change.

========================  ===================================================================
stage                     code it covers
========================  ===================================================================
simulate                  the Monte Carlo engine (``deeprenorm.ising``) and the simulation file
dataset                   assembly of the per-L dataset (``deeprenorm.data``)
thermodynamics            observables, reweighting and T_c (``thermo``, ``ensemble``, ``reweighting``,
                          ``stats``)
thermodynamics_figure     ``deeprenorm.plots.thermodynamics``
autocorrelation           the algorithm comparison (``deeprenorm.dynamics``; also uses the engine)
autocorrelation_figure    ``deeprenorm.plots.autocorrelation`` and the z fits
split                     the train / validation / test split (``deeprenorm.ml.split``)
train                     models and training (``deeprenorm.ml.models``, ``train``, ``checkpoint``)
encode                    the codes of every sample (``deeprenorm.ml.encode``)
latent                    the latent analysis: phase tables, T_c, finite-size scaling
                          (``deeprenorm.latent``)
latent_figures            ``deeprenorm.plots.latent``
width_sweep               the latent-width and regularisation sweep (``deeprenorm.sweep``)
width_sweep_figure        ``deeprenorm.plots.sweep``
rg_flow                   block-spin maps, their flows and the block-spin tables
                          (``deeprenorm.rg``: ``blocking``, ``observables``, ``flow``, ``study``)
rg_exponents              the block-spin maps' exponents by MCRG (``deeprenorm.rg.mcrg``)
rg_figures                ``deeprenorm.plots.rg``
rg_learned                the learned maps through the flow, the agreement (``deeprenorm.rg.learned``)
network_flow              encode -> decode iterated, its thermometers (``deeprenorm.rg.network_flow``)
rg_information            the information bound of block variables (``deeprenorm.rg.information``)
rg_verdict                the verdict table and the collected tables (``deeprenorm.rg.verdict``)
rsmi                      the RSMI coarse-grainer, the verdict's positive control (``deeprenorm.rg.rsmi``)
rg_network_figures        ``deeprenorm.plots.rg_networks``
probes                    receptive fields, activation maximisation, saliency, locality, and the
                          locality table (``deeprenorm.probes``: ``fields``, ``locality``, ``study``)
dbn_configurations        the deep belief network's own configurations (``deeprenorm.probes.study``:
                          ``dbn_configurations``; also uses the engine)
dbn                       the deep belief network, trained and untrained (``deeprenorm.probes.dbn``,
                          ``study``)
probe_figures             ``deeprenorm.plots.probes``
controls                  the control datasets (``deeprenorm.probes.controls``)
report                    the summary, its figure and the performance tables
                          (``deeprenorm.reporting``, ``deeprenorm.plots.summary``, ``.performance``)
========================  ===================================================================
"""

__all__ = ["STAGE_VERSIONS", "stage_versions"]

STAGE_VERSIONS = {
    "simulate": 2,
    "dataset": 2,
    "thermodynamics": 5,
    "thermodynamics_figure": 3,
    "autocorrelation": 2,
    "autocorrelation_figure": 2,
    "split": 1,
    "train": 2,
    "encode": 3,
    "latent": 5,
    "latent_figures": 5,
    "width_sweep": 3,
    "width_sweep_figure": 1,
    "rg_flow": 2,
    "rg_exponents": 3,
    "rg_figures": 3,
    "rg_learned": 3,
    "network_flow": 3,
    "rg_information": 3,
    "rg_verdict": 5,
    "rsmi": 2,
    "rg_network_figures": 3,
    "probes": 1,
    "dbn_configurations": 1,
    "dbn": 3,
    "probe_figures": 4,
    "controls": 1,
    "report": 10,
}


def stage_versions(*stages: str) -> dict[str, int]:
    """The versions of ``stages``, as a rule passes them in ``params:``."""
    unknown = [stage for stage in stages if stage not in STAGE_VERSIONS]
    if unknown:
        raise KeyError(f"no version for stage(s) {unknown}; known: {sorted(STAGE_VERSIONS)}")
    return {stage: STAGE_VERSIONS[stage] for stage in stages}
