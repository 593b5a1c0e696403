"""The column dictionary: every table the study writes, with each column's meaning and unit.

One entry per kind of CSV file (:data:`TABLES`): its name, the file(s) it is written to, what a
row is, and its columns in the order the file has them. ``docs/tables.md`` is rendered from it
(``python -m deeprenorm.columns docs/tables.md``), and the workflow tests check it against every
CSV the tiny study writes, in both directions, so that the documentation cannot drift from the
files. In Python::

    from deeprenorm.columns import describe

    describe("tc_latent")                        # a DataFrame: name, meaning, unit
    load_study(".").describe("tc_latent")        # the same, beside the study's tables

Conventions: J = k_B = 1, so temperatures are in units of J/k_B and energies per spin in units of
J. An error column is the column it belongs to with ``_err`` appended: the one-standard-deviation
error of that column, in its unit; its meaning says how it was estimated.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Column", "Table", "TABLES", "describe", "render"]

# units, spelled once
TEMPERATURE = "J/k_B"
ENERGY = "J"
SUSCEPTIBILITY = "1/J"
SPECIFIC_HEAT = "k_B"
NUMBER = "dimensionless"
COUNT = "count"
LABEL = "label"
TEXT = "text"
FLAG = "true/false"
SITES = "lattice spacings"
SWEEPS = "sweeps"
SECONDS = "s"
MEGABYTES = "MB"
TIMESTAMP = "local time"
BITS = "bits"
PERCENT = "%"
SIGMAS = "standard errors"


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, what it holds, and the unit of its values."""

    name: str
    meaning: str
    unit: str


@dataclass(frozen=True)
class Table:
    """One kind of CSV file: ``paths`` are the patterns of the files that have these columns
    (``{L}``: a lattice size, other ``{...}``: a name), ``about`` what one row is."""

    name: str
    group: str
    paths: tuple[str, ...]
    about: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class _Error:
    how: str


def err(how: str) -> _Error:
    """The error column of the column before it, estimated ``how``."""
    return _Error(how)


JACKKNIFE = "blocked-jackknife"
BOOTSTRAP = "block-bootstrap"

# Columns several tables share, defined once: name -> (meaning, unit).
SHARED = {
    "L": ("linear size of the periodic L x L lattice", SITES),
    "L2": ("the larger size of a pair L < L2 (crossings); empty on a row of one size", SITES),
    "L_coarse": ("linear size of the blocked lattice, L / b", SITES),
    "b": ("block size: each block spin stands for b x b sites", SITES),
    "temperature": ("temperature T of the Monte Carlo ensemble", TEMPERATURE),
    "algorithm": ("Monte Carlo algorithm: metropolis, swendsen_wang or wolff", LABEL),
    "model": (
        "network name from the config (<kind>-k<latent>-<regularisation>, conv-b<block>-<regularisation>; "
        "@L<size>: a model trained at another size encoding this one)",
        LABEL,
    ),
    "reduction": (
        "how the code becomes one number z: mean of its units, pc1 (first principal component, fitted on the "
        "training split) or norm; a one-unit code is reported as mean",
        LABEL,
    ),
    "part": ("split of the samples the row is measured on: test (held out) or train", LABEL),
    "training_seed": ("training seed of the network", LABEL),
    "seed": ("training seed of the network; -1 for an exact map, which is not trained", LABEL),
    "weights": (
        "the map's weights: exact (a fixed rule), trained, untrained (the weights training started from), "
        "noise-, sine- or smooth-trained (trained on control data), far-trained (trained far from T_c only), "
        "rsmi (the RSMI coarse-grainer)",
        LABEL,
    ),
    "map": (
        "coarse-graining map: majority, decimation (block-spin rules); code_sign, code, reconstruction, "
        "rsmi (learned maps)",
        LABEL,
    ),
    "note": ("why a value is missing, or how it was obtained, in words", TEXT),
    "n": ("samples of the part at this temperature", COUNT),
    "n_samples": ("configurations the row is measured on", COUNT),
}


def _columns(*entries) -> tuple[Column, ...]:
    columns = []
    for entry in entries:
        if isinstance(entry, str):
            columns.append(Column(entry, *SHARED[entry]))
        elif isinstance(entry, _Error):
            value = columns[-1]
            meaning = f"{entry.how} standard error of {value.name}"
            columns.append(Column(f"{value.name}_err", meaning, value.unit))
        else:
            columns.append(Column(*entry))
    return tuple(columns)


# column groups that tables repeat
_ESTIMATE = (
    (
        "method",
        "estimator: chi_prime_peak / chi_z_peak / chi_m_peak (pseudo-critical T*(L) of one size), "
        "binder_crossing / binder_z_crossing (U_4 crossing of L and L2), ..._extrapolation (fit T*(L) = T_c + a/L, "
        "nu = 1) with its variants _drop_smallest, _correction (+ c L^(-2/nu)) and _free_nu, binder_crossing_mean",
        LABEL,
    ),
    "L",
    "L2",
    ("T_c", "the estimate of T_c (a peak or crossing position, or the extrapolated T_c)", TEMPERATURE),
    err("blocked-jackknife (whole analysis repeated per block; a fit's error from the fit)"),
    (
        "T_c_err_sys",
        "systematic error of an extrapolation's form: the largest shift of T_c beyond its noise among its variants",
        TEMPERATURE,
    ),
    ("deviation_from_onsager", "T_c - 2/ln(1 + sqrt 2), Onsager's T_c", TEMPERATURE),
    ("deviation_sigma", "deviation_from_onsager / T_c_err", SIGMAS),
    ("peak_height", "the reweighted susceptibility at its peak (peak rows; chi_z in code units^2 / J)", SUSCEPTIBILITY),
    err("blocked-jackknife"),
    ("slope", "a of the extrapolation T*(L) = T_c + a / L^(1/nu)", TEMPERATURE),
    err("least-squares"),
    ("chi2_dof", "chi^2 per degree of freedom of the extrapolation", NUMBER),
    ("dof", "degrees of freedom of the extrapolation", COUNT),
    ("n_bootstrap", "jackknife blocks the error comes from (despite the name, a jackknife)", COUNT),
    ("n_bootstrap_failed", "always empty: an estimate some replica cannot locate is reported as not located", COUNT),
    "note",
)
_PER_SEED_LATENT_ESTIMATE = (
    "model",
    "reduction",
    "part",
    ("observable", "curve the estimate comes from: chi_z, chi_m (peaks) or binder_z (crossings)", LABEL),
    *_ESTIMATE,
    ("nu", "correlation-length exponent of a free-nu extrapolation", NUMBER),
    err("least-squares"),
    ("offset_from_chi_m", "T*_z(L) - T*_m(L): the code's chi_z peak minus chi_m's of the same samples", TEMPERATURE),
    err("paired blocked-jackknife"),
)
SEED_COMBINED = "seed-combined (sqrt(mean sigma^2 + (t s)^2 / n) over the seeds that located it)"
# the same columns combined over training seeds: every error but a fit's own is combined
_SEED_COMBINED_LATENT_ESTIMATE = tuple(
    err(SEED_COMBINED) if isinstance(entry, _Error) and entry.how != "least-squares" else entry
    for entry in _PER_SEED_LATENT_ESTIMATE
)
_LATENT_CURVE = (
    ("abs_z", "<|z|>, mean absolute reduced code", "code units"),
    err(JACKKNIFE),
    ("abs_m", "<|m|>, mean absolute magnetisation per spin", NUMBER),
    err(JACKKNIFE),
    ("chi_z", "code susceptibility N (<z^2> - <|z|>^2) / T, N = L^2", "code units^2 / J"),
    err(JACKKNIFE),
    ("chi_m", "magnetic susceptibility N (<m^2> - <|m|>^2) / T of the same samples", SUSCEPTIBILITY),
    err(JACKKNIFE),
    ("binder_z", "U_z = 1 - <z^4> / (3 <z^2>^2), the code's Binder cumulant", NUMBER),
    err(JACKKNIFE),
)
_PAIR = (
    "L",
    "L_coarse",
    "b",
    "map",
    (
        "observable",
        "quantity matched between blocked and direct ensembles: binder (U_4), abs_m (<|m|>) or nn (<s s_nn>)",
        LABEL,
    ),
)
_FLOW = (
    *_PAIR,
    ("window_low", "lowest temperature that entered the flow", TEMPERATURE),
    ("window_high", "highest temperature that entered the flow", TEMPERATURE),
    ("T_star", "fixed point T* = T'(T*) of the flow", TEMPERATURE),
    err(JACKKNIFE),
    ("T_star_deviation_percent", "(T* - T_c) / T_c", PERCENT),
    ("T_star_deviation_sigma", "(T* - T_c) / T_star_err", SIGMAS),
    ("slope", "dT'/dT at T* (b^y_t for an RG map)", NUMBER),
    err(JACKKNIFE),
    ("y_t", "thermal eigenvalue ln(slope) / ln(b) (exactly 1 in 2D Ising)", NUMBER),
    err(JACKKNIFE),
    ("nu", "correlation-length exponent 1 / y_t (exactly 1)", NUMBER),
    err(JACKKNIFE),
    "note",
)
_FLOW_CURVE = (
    *_PAIR,
    ("temperature", "temperature T of the fine L x L ensemble", TEMPERATURE),
    ("q_coarse", "the matched observable of the blocked ensemble at T", NUMBER),
    err(JACKKNIFE),
    (
        "T_prime",
        "renormalised T': where the direct L_coarse ensemble has q_coarse (empty unless one solution)",
        TEMPERATURE,
    ),
    err(JACKKNIFE),
    ("n_solutions", "solutions of q_direct(T') = q_coarse on the reweighted direct curve", COUNT),
)
_NETWORK = (
    "model",
    "weights",
    "seed",
    ("variant", "one flow step: sign (x -> sign(decode(encode(x)))) or continuous (x -> decode(encode(x)))", LABEL),
)
_THERMOMETER = ("thermometer", "what reads the temperature: energy (Kaufman's exact e_L(T)) or abs_m (<|m|>(T))", LABEL)
_LOCALITY = (
    "L",
    "b",
    "model",
    "weights",
    (
        "probe",
        "what was mapped: receptive_field, activation_max, saliency_T<T>, first_layer, block (exact rules), "
        "layer<k> (DBN)",
        LABEL,
    ),
    ("unit", "code unit (or layer unit) the map belongs to, from 0", LABEL),
    ("centroid_y", "circular mean position of |map| along y", SITES),
    ("centroid_x", "circular mean position of |map| along x", SITES),
    ("spread", "RMS torus distance of |map| from its centroid", SITES),
    ("spread_y", "RMS distance along y", SITES),
    ("spread_x", "RMS distance along x", SITES),
    ("circular_variance_y", "1 - mean resultant length of |map| along y (0: one row, 1: uniform)", NUMBER),
    ("circular_variance_x", "the same along x", NUMBER),
    ("window_fraction", "largest share of |map| inside one b x b window (1: a block spin, b^2/L^2: uniform)", NUMBER),
    ("window_y0", "row of that window's corner", SITES),
    ("window_x0", "column of that window's corner", SITES),
    ("n_surviving", "sites above mean + 2 std of the map (prototype metric)", COUNT),
    ("n_clusters", "k-means clusters of the surviving sites (elbow rule)", COUNT),
    ("mean_radius", "mean distance of surviving sites from their cluster centre", SITES),
    ("prototype_score", "the original study's locality score: high for few compact clusters (1: one site)", NUMBER),
)
_AGREEMENT = (
    "L",
    "b",
    ("model", "network name, or the exact map's name (decimation, majority_retied, global_sign)", LABEL),
    "map",
    "weights",
    "seed",
    "temperature",
    ("agreement", "fraction of block sites where the map's block spin equals the majority rule's, test split", NUMBER),
    err(JACKKNIFE),
    ("sign", "global sign (+1 or -1) applied to the map's block spins, fixed once over all temperatures", NUMBER),
    "n_samples",
    ("uniform_fraction", "fraction of configurations the map blocks to a uniform lattice", NUMBER),
)
_EXPONENTS = (
    "map",
    ("model", "network name; empty for an exact map", LABEL),
    "weights",
    "seed",
    "b",
    ("L", "linear size of the critical MCRG ensemble at Onsager's T_c", SITES),
    ("level", "blocking steps applied (level n: L / b^n sites a side)", COUNT),
    "L_coarse",
    ("operators", "operators of the truncated linearised RG transformation", COUNT),
    ("exponent", "y_t (even operators) or y_h (odd operators)", LABEL),
    ("value", "the MCRG eigenvalue exponent ln(lambda) / ln(b)", NUMBER),
    err(JACKKNIFE),
    ("replicas_failed", "jackknife replicas with no real leading eigenvalue (value empty if any)", COUNT),
    ("exact", "the exact 2D Ising value (y_t = 1, y_h = 15/8)", NUMBER),
    ("reversal_asymmetry", "fraction of block spins with f(-s) != -f(s) (0: odd under spin reversal)", NUMBER),
)
_HISTORY_TIME = (
    ("samples_per_second", "training throughput of the epoch", "samples/s"),
    ("seconds", "wall time of the epoch", SECONDS),
)

_TABLES = (
    Table(
        "thermodynamics",
        "Monte Carlo and thermodynamics",
        ("results/tables/thermodynamics.csv",),
        "one row per (L, T) of the datasets: equilibrium observables (bias-corrected, with blocked-jackknife "
        "errors) beside Kaufman's exact finite-L values; N = L^2 spins",
        _columns(
            "L",
            "temperature",
            ("n_samples", "configurations stored at this (L, T)", COUNT),
            ("algorithm", "Monte Carlo algorithm of this (L, T)'s chain", LABEL),
            ("e", "<e>, mean energy per spin", ENERGY),
            err(JACKKNIFE),
            ("abs_m", "<|m|>, mean absolute magnetisation per spin", NUMBER),
            err(JACKKNIFE),
            ("m2", "<m^2>", NUMBER),
            err(JACKKNIFE),
            ("specific_heat", "c = N (<e^2> - <e>^2) / T^2, per spin", SPECIFIC_HEAT),
            err(JACKKNIFE),
            ("susceptibility", "chi = N <m^2> / T", SUSCEPTIBILITY),
            err(JACKKNIFE),
            ("chi_prime", "connected susceptibility chi' = N (<m^2> - <|m|>^2) / T", SUSCEPTIBILITY),
            err(JACKKNIFE),
            ("binder", "Binder cumulant U_4 = 1 - <m^4> / (3 <m^2>^2)", NUMBER),
            err(JACKKNIFE),
            (
                "tau_int_abs_m",
                "integrated autocorrelation time of |m| in the pilot run (1/2: independent), in sweeps of the row's "
                "algorithm (for wolff, its own sweep of clusters, not L^2 single-spin updates)",
                SWEEPS,
            ),
            ("tau_int_energy", "integrated autocorrelation time of e in the pilot run, in the same sweeps", SWEEPS),
            ("sweeps_between_samples", "sweeps of the chain between stored configurations (>= 2 tau_int)", SWEEPS),
            ("e_exact", "Kaufman's exact <e> of the finite L x L torus", ENERGY),
            ("specific_heat_exact", "Kaufman's exact c of the finite torus", SPECIFIC_HEAT),
        ),
    ),
    Table(
        "tc_thermodynamic",
        "Monte Carlo and thermodynamics",
        ("results/tables/tc_thermodynamic.csv",),
        "one row per T_c estimate from the multi-histogram reweighted chi'(T) and U_4(T) of the datasets",
        _columns(*_ESTIMATE),
    ),
    Table(
        "thermodynamics_reweighted",
        "Monte Carlo and thermodynamics",
        ("results/tables/thermodynamics_reweighted.csv",),
        "one row per (L, T) of a fine grid: the multi-histogram reweighted curves behind tc_thermodynamic",
        _columns(
            "L",
            ("temperature", "grid temperature the curves are reweighted to", TEMPERATURE),
            ("chi_prime", "connected susceptibility chi' = N (<m^2> - <|m|>^2) / T", SUSCEPTIBILITY),
            err(JACKKNIFE),
            ("binder", "Binder cumulant U_4", NUMBER),
            err(JACKKNIFE),
            ("specific_heat", "specific heat per spin", SPECIFIC_HEAT),
            err(JACKKNIFE),
        ),
    ),
    Table(
        "autocorrelation",
        "Algorithm comparison",
        ("results/tables/autocorrelation.csv", "results/autocorrelation/{algorithm}.csv"),
        "one row per (algorithm, L, T) pilot run: tau_int in sweeps of L^2 spin updates (for Wolff: the chain's "
        "sweeps times flipped_fraction_per_sweep)",
        _columns(
            "algorithm",
            ("kind", "scan (one L, every temperature) or size (every L at Onsager's T_c)", LABEL),
            "L",
            "temperature",
            ("tau_int_abs_m", "integrated autocorrelation time of |m| (Sokal windowing)", SWEEPS),
            err("Madras-Sokal"),
            ("tau_int_energy", "integrated autocorrelation time of e", SWEEPS),
            err("Madras-Sokal"),
            ("flipped_fraction_per_sweep", "Wolff: spins flipped per sweep / L^2 (empty for the others)", NUMBER),
            ("pilot_sweeps", "length of the pilot run, in the chain's own sweeps", SWEEPS),
            ("seconds_per_sweep", "CPU time per sweep of the chain", SECONDS),
        ),
    ),
    Table(
        "dynamic_exponents",
        "Algorithm comparison",
        ("results/tables/dynamic_exponents.csv",),
        "one row per (algorithm, observable): z of tau_int(T_c) ~ L^z",
        _columns(
            "algorithm",
            ("observable", "abs_m or energy: whose tau_int is fitted", LABEL),
            ("z", "dynamic exponent, weighted least squares of ln tau against ln L", NUMBER),
            err("least-squares (times sqrt(chi^2/dof) where above 1)"),
            ("z_literature", "the literature value for the algorithm", NUMBER),
            ("sizes", "the L fitted, space-separated", TEXT),
        ),
    ),
    Table(
        "training_history",
        "Training",
        (
            "results/models/L{L}/{model}/seed{seed}.csv",
            "results/rg/controls/L{L}/{model}/seed{seed}.csv",
            "results/controls/{kind}/models/L{L}/{model}/seed{seed}.csv",
        ),
        "one row per epoch of one network's training (the far-trained and control-data networks too)",
        _columns(
            ("epoch", "epoch, from 1", COUNT),
            ("train_loss", "objective as optimised in the epoch: reconstruction MSE per spin (+ L1 term)", NUMBER),
            ("validation_loss", "reconstruction MSE per spin of the validation split after the epoch", NUMBER),
            ("learning_rate", "Adam learning rate of the epoch", NUMBER),
            *_HISTORY_TIME,
        ),
    ),
    Table(
        "tc_latent",
        "Latent analysis",
        ("results/tables/tc_latent.csv",),
        "one row per (model, reduction, estimator) on the test split, combined over training seeds: T_c from the "
        "reweighted chi_z, chi_m and U_z of the code; errors: sqrt(mean jackknife^2 + (t seed_spread)^2 / n_seeds)",
        _columns(
            *_SEED_COMBINED_LATENT_ESTIMATE,
            ("T_c_err_jackknife", "the statistical part of T_c_err: RMS of the seeds' jackknife errors", TEMPERATURE),
            ("seed_spread", "standard deviation of T_c over the seeds that located it", TEMPERATURE),
            ("n_seeds", "training seeds that located the estimate", COUNT),
            ("seeds_trained", "training seeds of the model", COUNT),
        ),
    ),
    Table(
        "tc_latent_per_seed",
        "Latent analysis",
        ("results/tables/tc_latent_per_seed.csv",),
        "the rows of tc_latent before the seeds are combined, one set per training seed",
        _columns(*_PER_SEED_LATENT_ESTIMATE, "training_seed"),
    ),
    Table(
        "latent_phase",
        "Latent analysis",
        ("results/tables/latent_phase.csv",),
        "one row per (model, reduction, part, L, T, seed): plain estimators on the part's samples, "
        "blocked-jackknife errors in chain order",
        _columns(
            "model",
            "reduction",
            "part",
            "L",
            "temperature",
            "n",
            *_LATENT_CURVE,
            ("corr_abs_z_abs_m", "Pearson r of |z| with |m| over the samples at T", NUMBER),
            "training_seed",
        ),
    ),
    Table(
        "latent_curves",
        "Latent analysis",
        ("results/tables/latent_curves.csv",),
        "the multi-histogram reweighted test-split curves behind tc_latent, one row per grid temperature",
        _columns(
            "model",
            "reduction",
            "part",
            "L",
            ("temperature", "grid temperature the curves are reweighted to", TEMPERATURE),
            *_LATENT_CURVE,
            "training_seed",
        ),
    ),
    Table(
        "latent_summary",
        "Latent analysis",
        ("results/tables/latent_summary.csv",),
        "one row per (model, reduction, part, L, seed): how well the code tracks the magnetisation",
        _columns(
            "model",
            "reduction",
            "part",
            "L",
            ("n_temperatures", "temperatures of the dataset", COUNT),
            ("n_samples", "samples of the part, all temperatures", COUNT),
            ("r_samples_abs_z_abs_m", "Pearson r of |z| with |m| over every sample, temperatures pooled", NUMBER),
            (
                "r_curves_chi_z_chi_m",
                "Pearson r of the curves chi_z(T) and chi_m(T) (the original figure of merit)",
                NUMBER,
            ),
            ("r_curves_abs_z_abs_m", "Pearson r of the curves <|z|>(T) and <|m|>(T)", NUMBER),
            "training_seed",
        ),
    ),
    Table(
        "latent_reconstruction",
        "Latent analysis",
        ("results/tables/latent_reconstruction.csv",),
        "one row per (model, L, seed, T): reconstruction error of the test split",
        _columns(
            "model",
            "L",
            "training_seed",
            "part",
            "temperature",
            "n",
            ("mse", "mean squared reconstruction error per spin (spins +-1)", NUMBER),
            err("binned (contiguous blocks of at least tau_int)"),
        ),
    ),
    Table(
        "latent_unit_correlations",
        "Latent analysis",
        ("results/tables/latent_unit_correlations.csv",),
        "one row per code unit: its Pearson r with m, |m| and e over the test split, temperatures pooled",
        _columns(
            "model",
            "L",
            "training_seed",
            "part",
            ("unit", "code unit, from 0", LABEL),
            ("n", "samples of the part, all temperatures", COUNT),
            ("corr_m", "Pearson r of the unit with the magnetisation m", NUMBER),
            err(JACKKNIFE),
            ("corr_abs_m", "Pearson r with |m|", NUMBER),
            err(JACKKNIFE),
            ("corr_e", "Pearson r with the energy per spin e", NUMBER),
            err(JACKKNIFE),
        ),
    ),
    Table(
        "latent_width_sweep",
        "Latent analysis",
        ("results/tables/latent_width_sweep.csv",),
        "Broomberg & Rabinovich (2019)'s chi_z peaks, each beside the matching model of this study, then every "
        "other dense model and L; test split, seeds averaged",
        _columns(
            ("reference", "the original study's row (empty for an unmatched model)", TEXT),
            ("reference_L", "their lattice size", SITES),
            ("reference_T_peak", "their chi_z peak (grid maximum, no error)", TEMPERATURE),
            ("reference_deviation_percent", "(reference_T_peak - T_c) / T_c", PERCENT),
            ("reference_r_chi", "their r(chi_z, chi_m)", NUMBER),
            ("match", "how the model was matched to their row", TEXT),
            "model",
            ("kind", "architecture: alexandrou or wide", LABEL),
            ("latent", "code units", COUNT),
            ("regularisation", "none, dropout or l1", LABEL),
            "L",
            ("n_seeds", "training seeds averaged", COUNT),
            ("test_loss", "reconstruction MSE per spin of the test split, mean over seeds", NUMBER),
            err("statistical and seed-spread combined"),
            ("T_c_mean", "chi_z peak T*(L) of the mean reduction (tc_latent.csv)", TEMPERATURE),
            err(SEED_COMBINED),
            ("T_c_pc1", "chi_z peak T*(L) of the pc1 reduction (tc_latent.csv)", TEMPERATURE),
            err(SEED_COMBINED),
            ("T_c_norm", "chi_z peak T*(L) of the norm reduction (tc_latent.csv)", TEMPERATURE),
            err(SEED_COMBINED),
            ("deviation_percent", "(T_c_mean - T_c) / T_c", PERCENT),
            ("deviation_sigma", "(T_c_mean - T_c) / T_c_mean_err", SIGMAS),
            ("T_c_magnetic", "chi_m peak of the same test samples (tc_latent.csv)", TEMPERATURE),
            err(SEED_COMBINED),
            ("r_chi", "Pearson r of chi_z(T) with chi_m(T), mean over seeds", NUMBER),
            ("r_chi_spread", "seed-to-seed standard deviation of r_chi", NUMBER),
            ("r_samples", "Pearson r of |z| with |m| over samples, mean over seeds", NUMBER),
            ("max_corr_m", "largest |r| of a unit with m, mean over seeds", NUMBER),
            ("max_corr_abs_m", "largest |r| of a unit with |m|, mean over seeds", NUMBER),
            ("max_corr_e", "largest |r| of a unit with e, mean over seeds", NUMBER),
        ),
    ),
    Table(
        "rg_flow",
        "Block-spin RG",
        ("results/tables/rg_flow.csv",),
        "one row per (L -> L/b, map, matched observable): phenomenological renormalisation of a block-spin map "
        "against the direct L/b ensemble",
        _columns(*_FLOW),
    ),
    Table(
        "rg_flow_curves",
        "Block-spin RG",
        ("results/tables/rg_flow_curves.csv",),
        "the T'(T) tables of the rg_flow rows, one row per fine-lattice temperature",
        _columns(*_FLOW_CURVE),
    ),
    Table(
        "block_spins",
        "Block-spin RG",
        ("results/tables/block_spins.csv",),
        "blocked against direct observables: each map at the temperature nearest T_c (comparison), and the "
        "b = 2 majority rule applied repeatedly to the largest L (repeated)",
        _columns(
            ("part", "comparison (one blocking, against the direct L_coarse ensemble) or repeated", LABEL),
            "L",
            ("b", "total scale factor L / L_coarse", SITES),
            ("level", "times the map was applied (0: the unblocked lattice)", COUNT),
            "L_coarse",
            "map",
            "temperature",
            ("observable", "abs_m (<|m|>), binder (U_4) or nn (<s s_nn>)", LABEL),
            ("blocked", "the observable of the blocked lattices", NUMBER),
            err(JACKKNIFE),
            ("direct", "the observable of the direct L_coarse simulation at T (empty where none)", NUMBER),
            err(JACKKNIFE),
            ("pull", "(blocked - direct) / sqrt(blocked_err^2 + direct_err^2)", SIGMAS),
        ),
    ),
    Table(
        "rg_exponents",
        "Block-spin RG",
        ("results/tables/rg_exponents.csv", "results/rg/exponents/L{L}/{model}/exponents.csv"),
        "one row per (map, weights, seed, level, operators, exponent): Monte Carlo RG (Swendsen 1979) of the map "
        "on a critical ensemble",
        _columns(*_EXPONENTS),
    ),
    Table(
        "rg_agreement",
        "Learned RG maps",
        ("results/tables/rg_agreement.csv", "results/rg/learned/L{L}/{model}/agreement.csv"),
        "one row per (map, weights, seed, T): per-site agreement of block spins with the majority rule",
        _columns(*_AGREEMENT),
    ),
    Table(
        "rg_learned_flow",
        "Learned RG maps",
        ("results/tables/rg_learned_flow.csv", "results/rg/learned/L{L}/{model}/flow.csv"),
        "rg_flow for the learned maps (and the exact maps on the same test split)",
        _columns(
            "model",
            "weights",
            "seed",
            *_FLOW,
            ("mismatch_tc", "on an nn row: T'_nn - T'_U4 at the table temperature nearest T_c", TEMPERATURE),
            err("paired blocked-jackknife"),
        ),
    ),
    Table(
        "rg_learned_curves",
        "Learned RG maps",
        ("results/tables/rg_learned_curves.csv", "results/rg/learned/L{L}/{model}/curves.csv"),
        "the T'(T) tables of the rg_learned_flow rows",
        _columns("model", "weights", "seed", *_FLOW_CURVE),
    ),
    Table(
        "rg_information",
        "Learned RG maps",
        ("results/tables/rg_information.csv",),
        "one row per (map, weights, seed, buffer, T): a lower bound on the information a block variable keeps "
        "about its environment (RSMI), test split",
        _columns(
            "L",
            "b",
            ("buffer", "sites between the block and its environment", SITES),
            "map",
            ("model", "network name; empty for an exact map", LABEL),
            "weights",
            "seed",
            "temperature",
            ("bits", "Barber-Agakov lower bound on I(block variable : environment)", BITS),
            err("block-bootstrap"),
            ("bits_given_sign", "the bound conditioned on the sign of the configuration's magnetisation", BITS),
            err("block-bootstrap"),
            ("entropy_bits", "plug-in entropy of the block variable", BITS),
            ("cross_entropy_bits", "cross-entropy of the probe predicting it from the environment", BITS),
            ("n_train", "configurations the probe is fitted on", COUNT),
            ("n_eval", "configurations it is evaluated on", COUNT),
            ("shell", "width of the environment", SITES),
            ("rank", "1: the most bits at this temperature and buffer", COUNT),
        ),
    ),
    Table(
        "rg_information_replicas",
        "Learned RG maps",
        ("results/tables/rg_information_replicas.csv",),
        "the bootstrap replicas and other splits of rg_information, shared by every map at one (L, b, buffer, T) "
        "so that differences are paired",
        _columns(
            "L",
            "b",
            ("buffer", "sites between the block and its environment", SITES),
            "map",
            ("model", "network name; empty for an exact map", LABEL),
            "weights",
            "seed",
            "temperature",
            (
                "split",
                "0: bootstrap replicas of the table's split; k >= 1: the k-th other split of the probe's data",
                LABEL,
            ),
            ("replica", "bootstrap replica, from 0; -1 on another split", LABEL),
            ("bits", "the bound of this replica or split", BITS),
        ),
    ),
    Table(
        "network_flow",
        "Learned RG maps",
        ("results/tables/network_flow.csv", "results/rg/network_flow/L{L}/{model}/flow.csv"),
        "encode -> decode iterated: one row per (weights, seed, variant, starting temperature, step), "
        "block-bootstrap errors over configurations",
        _columns(
            *_NETWORK,
            ("temperature", "temperature T_0 of the equilibrium input", TEMPERATURE),
            ("step", "flow steps applied (0: the input)", COUNT),
            ("energy", "mean energy per spin of the flowed configurations", ENERGY),
            err(BOOTSTRAP),
            ("T_energy", "temperature whose exact e_L(T) equals energy", TEMPERATURE),
            err(BOOTSTRAP),
            ("abs_m", "<|m|> of the flowed configurations", NUMBER),
            err(BOOTSTRAP),
            ("T_abs_m", "temperature whose simulated <|m|>(T) equals abs_m", TEMPERATURE),
            err(BOOTSTRAP),
        ),
    ),
    Table(
        "network_flow_fixed_points",
        "Learned RG maps",
        ("results/tables/network_flow_fixed_points.csv", "results/rg/network_flow/L{L}/{model}/fixed_points.csv"),
        "one row per fixed point T* = T_1(T*) of the one-step map T_0 -> T_1",
        _columns(
            *_NETWORK,
            _THERMOMETER,
            ("T_fixed", "the fixed point, by linear interpolation of T_1 - T_0", TEMPERATURE),
            err("propagated"),
            ("slope", "dT_1/dT_0 at the fixed point, weighted line through neighbouring rows", NUMBER),
            err("least-squares"),
            ("stability", "stable (|slope| < 1, attracting) or unstable (|slope| > 1, as an RG flow's T_c)", LABEL),
        ),
    ),
    Table(
        "network_flow_directions",
        "Learned RG maps",
        ("results/tables/network_flow_directions.csv", "results/rg/network_flow/L{L}/{model}/directions.csv"),
        "whether starting temperatures near T_c (0.02 < |T_0 - T_c| <= 0.3) flow towards it or away",
        _columns(
            *_NETWORK,
            _THERMOMETER,
            ("fraction_towards", "of the rows used, those with |T_1 - T_c| < |T_0 - T_c|", NUMBER),
            ("fraction_away", "of the rows used, those moving away from T_c on their own side", NUMBER),
            ("direction", "towards T_c, away from T_c, hotter/colder everywhere, mixed or undetermined", LABEL),
            ("n_used", "starting temperatures used", COUNT),
        ),
    ),
    Table(
        "rsmi_history",
        "Learned RG maps",
        ("results/rg/rsmi/L{L}/{model}-history.csv",),
        "one row per epoch of the RSMI coarse-grainer's training: means over its batches",
        _columns(
            ("epoch", "epoch, from 1", COUNT),
            ("bound_bits", "the information bound as optimised", BITS),
            ("entropy_bits", "its entropy term", BITS),
            ("cross_entropy_bits", "its cross-entropy term", BITS),
        ),
    ),
    Table(
        "rg_verdict",
        "Learned RG maps",
        ("results/tables/rg_verdict.csv",),
        "one row per (map, model, weights, b, criterion): every map through every criterion",
        _columns(
            "map",
            ("model", "network name; empty for an exact map", LABEL),
            "weights",
            "b",
            (
                "criterion",
                "y_h, y_t, fixed_point, nu, short_range, information, locality, flow_direction, agreement",
                LABEL,
            ),
            (
                "value",
                "the criterion's measurement (seeds combined); unit per criterion: J/k_B for fixed_point and "
                "short_range, bits for information, dimensionless otherwise",
                "per criterion",
            ),
            err("its measurement's (jackknife or bootstrap, with the seed spread)"),
            ("reference", "what the value is compared with", TEXT),
            ("threshold", "the written pass rule", TEXT),
            ("passed", "true, false, or empty (not measurable, or a reference value)", FLAG),
            ("votes", "whether the criterion passed its calibration and so votes", FLAG),
            ("seeds", "training seeds combined, comma-separated", TEXT),
            "note",
        ),
    ),
    Table(
        "rg_verdict_calibration",
        "Learned RG maps",
        ("results/tables/rg_verdict_calibration.csv",),
        "one row per criterion: it votes only if its positive control passes and every untrained architecture fails",
        _columns(
            ("criterion", "the criterion", LABEL),
            ("threshold", "the written pass rule", TEXT),
            ("positive_control", "the exact map that must pass", TEXT),
            ("positive_passed", "whether it passed", FLAG),
            ("negative_controls", "the untrained maps that must fail, comma-separated", TEXT),
            ("negatives_failed", "how many of them failed", COUNT),
            ("negatives", "how many there are", COUNT),
            ("votes", "whether the criterion votes", FLAG),
            ("reason", "why it votes or not", TEXT),
            ("other_exact_maps", "how the other exact maps fare", TEXT),
        ),
    ),
    Table(
        "locality",
        "Probes",
        (
            "results/tables/locality.csv",
            "results/probes/L{L}/{model}/locality.csv",
            "results/probes/controls/{kind}/L{L}/{model}/locality.csv",
        ),
        "one row per probe map of a unit: how local its |map| is on the L x L torus",
        _columns(*_LOCALITY),
    ),
    Table(
        "dbn_locality",
        "Probes",
        ("results/probes/dbn/L{L}_locality.csv",),
        "locality of each unit of the deep belief network, trained and untrained",
        _columns(
            *_LOCALITY,
            (
                "reconstruction_error",
                "mean squared error per visible unit v = (s + 1) / 2 of the held-out configurations reconstructed "
                "from the layer (a quarter of the squared error in spins s = +-1)",
                NUMBER,
            ),
            err("binned (contiguous blocks of at least tau_int)"),
            ("temperature", "temperature of the network's configurations", TEMPERATURE),
        ),
    ),
    Table(
        "dbn_layers",
        "Probes",
        ("results/probes/dbn/L{L}_layers.csv",),
        "one row per (layer, weights) of the deep belief network: medians over the layer's units",
        _columns(
            "L",
            "b",
            ("probe", "layer<k>", LABEL),
            ("weights", "trained or untrained", LABEL),
            ("units", "units of the layer", COUNT),
            ("window_fraction", "median window_fraction of the units", NUMBER),
            err("bootstrap (over the layer's units)"),
            ("spread", "median spread of the units", SITES),
            err("bootstrap (over the layer's units)"),
            (
                "reconstruction_error",
                "mean squared error per visible unit v = (s + 1) / 2 of the held-out configurations reconstructed "
                "from the layer (a quarter of the squared error in spins s = +-1)",
                NUMBER,
            ),
            err("binned (contiguous blocks of at least tau_int)"),
            ("epochs", "epochs the layer trained", COUNT),
            ("flattened", "whether the held-out error had flattened (the stopping rule)", FLAG),
            ("window_fraction_difference", "trained - untrained window_fraction (trained rows)", NUMBER),
            err("paired bootstrap (over units)"),
            ("window_fraction_sigma", "window_fraction_difference / its error (> 0: more local)", SIGMAS),
            ("spread_difference", "trained - untrained spread (trained rows)", SITES),
            err("paired bootstrap (over units)"),
            ("spread_sigma", "spread_difference / its error (< 0: more local)", SIGMAS),
            ("temperature", "temperature of the network's configurations", TEMPERATURE),
        ),
    ),
    Table(
        "dbn_history",
        "Probes",
        ("results/probes/dbn/L{L}_history.csv",),
        "one row per (layer, epoch) of the deep belief network's contrastive-divergence training",
        _columns(
            ("epoch", "epoch, from 1", COUNT),
            (
                "reconstruction_error",
                "mean squared error per unit of the mean-field reconstruction, training data",
                NUMBER,
            ),
            ("held_out_error", "the same on the held-out data", NUMBER),
            (
                "free_energy",
                "mean free energy of the training data under the RBM (its own units, no temperature)",
                NUMBER,
            ),
            ("free_energy_gap", "mean CD gap F(data) - F(negative sample) over the epoch's batches", NUMBER),
            ("flattened", "whether the held-out error had flattened after this epoch", FLAG),
            *_HISTORY_TIME,
            ("layer", "layer, from 1", LABEL),
        ),
    ),
    Table(
        "performance",
        "Report",
        ("results/tables/performance.csv",),
        "one row per benchmarked job, from Snakemake's benchmark files",
        _columns(
            ("stage", "the study stage the rule belongs to", LABEL),
            ("rule", "the Snakemake rule", LABEL),
            ("job", "the job's wildcards as a path; empty for a one-job rule", LABEL),
            ("wall_s", "wall time of the job", SECONDS),
            ("cpu_s", "CPU time of the job", SECONDS),
            ("max_rss_mb", "peak resident memory of the job", MEGABYTES),
            (
                "started",
                "when the job began: its benchmark file's modification time less wall_s, YYYY-MM-DD "
                "HH:MM:SS.mmm in the machine's local time",
                TIMESTAMP,
            ),
        ),
    ),
    Table(
        "performance_run",
        "Report",
        ("results/tables/performance_run.csv",),
        "one row: the study's last run, its jobs split into runs wherever none ran for two minutes "
        "(deeprenorm.reporting.benchmarks.run_span)",
        _columns(
            ("first_started", "the earliest start of a job of the last run", TIMESTAMP),
            ("last_finished", "the latest start plus wall time of a job of the last run", TIMESTAMP),
            ("elapsed_s", "time from first_started to last_finished", SECONDS),
            ("jobs", "jobs of the last run", COUNT),
            ("of_jobs", "benchmarked jobs of the study (more than jobs when earlier commands made some)", COUNT),
            ("max_parallel_jobs", "the most jobs of the last run that ran at once", COUNT),
            ("machine_cpus", "CPUs of the machine that ran the report", COUNT),
        ),
    ),
    Table(
        "performance_stages",
        "Report",
        ("results/tables/performance_stages.csv",),
        "one row per stage, then a total row",
        _columns(
            ("stage", "the study stage, or total", LABEL),
            ("jobs", "benchmarked jobs", COUNT),
            ("wall_s", "summed wall time of its jobs (one core's time: jobs run in parallel)", SECONDS),
            ("cpu_s", "summed CPU time", SECONDS),
            ("max_rss_mb", "largest peak memory of one job", MEGABYTES),
            ("wall_share", "fraction of the summed wall time of every job", NUMBER),
        ),
    ),
)

#: Table name -> :class:`Table`, in the order of ``docs/tables.md``.
TABLES = {table.name: table for table in _TABLES}


def describe(table: str):
    """The columns of ``table`` as a pandas DataFrame (``name``, ``meaning``, ``unit``), in the
    order of the file; KeyError naming the known tables otherwise."""
    import pandas as pd

    if table not in TABLES:
        raise KeyError(f"no table {table!r} in the column dictionary; known: {', '.join(TABLES)}")
    return pd.DataFrame(
        [(column.name, column.meaning, column.unit) for column in TABLES[table].columns],
        columns=["name", "meaning", "unit"],
    )


def render() -> str:
    """``docs/tables.md``: every table, grouped by stage, with its files and columns."""
    lines = [
        "# The study's tables",
        "",
        "*Generated from `deeprenorm/columns.py` by `python -m deeprenorm.columns docs/tables.md`: edit the"
        " dictionary there, not this file.*",
        "",
        "Every CSV file the workflow writes, with what a row is and each column's meaning and unit. J = k_B = 1:"
        " temperatures are in units of J/k_B, energies per spin in J. A column `X_err` is the one-standard-deviation"
        " error of `X`, in its unit; its meaning says how it was estimated. An empty cell is a value that could not"
        " be computed (the row's `note`, where it has one, says why). In Python:"
        ' `load_study(".").describe("tc_latent")` gives a table\'s columns as a DataFrame.',
    ]
    group = None
    for table in TABLES.values():
        if table.group != group:
            group = table.group
            lines += ["", f"## {group}"]
        files = ", ".join(f"`{path}`" for path in table.paths)
        lines += ["", f"### {table.name}", "", f"Files: {files}.", "", _cell(table.about) + ".", ""]
        lines += ["| column | meaning | unit |", "|---|---|---|"]
        lines += [f"| `{column.name}` | {_cell(column.meaning)} | {_cell(column.unit)} |" for column in table.columns]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """``text`` as Markdown shows it literally: ``|`` would end a table cell, ``<e>`` would be read
    as an HTML tag and the ``*`` of T* as emphasis."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace("*", "\\*")


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(render(), encoding="utf-8")
