"""deeprenorm.ising.sampler: the equilibrium sampler against exact results, for every algorithm.

Tolerances are 4 standard errors, where the errors are blocked-jackknife errors whose blocks span
several tau_int of the stored series (so they are tau-corrected). With about 100 comparisons at 4
sigma, a correct sampler fails one by chance with probability below 1 %, and the seeds are fixed,
so a pass is reproducible; a biased kernel (wrong acceptance, wrong neighbour, broken RNG) misses
by many sigma at these sample sizes.
"""

import logging
import math
import re

import numpy as np
import pytest
from scipy import stats as scipy_stats

from deeprenorm.exact import (
    T_C,
    density_of_states,
    exact_small_lattice_observables,
    finite_energy,
    finite_specific_heat,
)
from deeprenorm.ising.sampler import ALGORITHMS, ThermalizationError, measure_autocorrelation, sample
from deeprenorm.stats import jackknife, thermodynamic_summary

N_SIGMA = 4.0


def assert_within(estimate, exact, label):
    deviation = abs(estimate.value - exact)
    assert deviation <= N_SIGMA * estimate.error, (
        f"{label}: {estimate.value:.6f} ± {estimate.error:.6f} vs exact {exact:.6f} "
        f"({deviation / estimate.error:.1f} sigma)"
    )


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("L", [8, 16])
@pytest.mark.parametrize("T", [2.0, T_C, 2.6])
def test_energy_and_specific_heat_match_kaufman(algorithm, L, T):
    result = sample(L, T, 50000, algorithm, seed=2024)
    summary = thermodynamic_summary(result.energy, result.magnetization, L, T)
    assert_within(summary["e_mean"], finite_energy(L, T), f"{algorithm} L={L} T={T:.4f} <e>")
    assert_within(summary["specific_heat"], finite_specific_heat(L, T), f"{algorithm} L={L} T={T:.4f} C")
    # Stored samples at least 2 tau_int apart are close to independent (tau = 0.5).
    assert result.sweeps_between_samples >= 2 * max(result.tau_int_abs_m, result.tau_int_energy)
    assert result.tau_int_samples_abs_m < 1.5 and result.tau_int_samples_energy < 1.5
    assert result.thermalization_sweeps >= 20 * max(result.tau_int_abs_m, result.tau_int_energy)


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("T", [2.0, T_C, 3.0])
def test_small_lattice_observables_match_enumeration(algorithm, T):
    L = 4
    result = sample(L, T, 40000, algorithm, seed=7)
    summary = thermodynamic_summary(result.energy, result.magnetization, L, T)
    exact = exact_small_lattice_observables(L, T)
    for key, exact_key in (
        ("e_mean", "e"),
        ("specific_heat", "c"),
        ("abs_m_mean", "abs_m"),
        ("m2_mean", "m2"),
        ("binder_cumulant", "binder"),
    ):
        assert_within(summary[key], exact[exact_key], f"{algorithm} L=4 T={T:.4f} {key}")


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["wolff", "swendsen_wang"])
def test_odd_lattice_matches_reference_table(algorithm):
    # REFERENCES 4.5, L = 5 at T_c (full enumeration); odd L is fine for cluster algorithms.
    result = sample(5, T_C, 40000, algorithm, seed=5)
    summary = thermodynamic_summary(result.energy, result.magnetization, 5, T_C)
    for key, exact in (
        ("e_mean", -1.536719517),
        ("abs_m_mean", 0.822707863),
        ("m2_mean", 0.723697273),
        ("binder_cumulant", 0.61547553),
    ):
        assert_within(summary[key], exact, f"{algorithm} L=5 {key}")


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("T", [T_C, 3.0])
def test_energy_histogram_is_the_boltzmann_distribution(algorithm, T):
    """Chi-square test of the L = 4 energy histogram against g(E) exp(-E/T) / Z."""
    L = 4
    n_samples = 50000
    result = sample(L, T, n_samples, algorithm, seed=11)
    energies, counts = density_of_states(L)
    weights = counts * np.exp(-(energies - energies.min()) / T)
    expected = n_samples * weights / weights.sum()
    total_energy = np.rint(result.energy * L * L).astype(int)
    observed = np.array([(total_energy == e).sum() for e in energies])
    assert observed.sum() == n_samples, "sampled an energy that the 4x4 torus cannot have"
    # Pool the sparse tails so every bin expects at least 5 counts (chi-square validity).
    keep = expected >= 5
    observed_binned = np.append(observed[keep], observed[~keep].sum())
    expected_binned = np.append(expected[keep], expected[~keep].sum())
    if expected_binned[-1] < 5:
        observed_binned[-2] += observed_binned[-1]
        expected_binned[-2] += expected_binned[-1]
        observed_binned, expected_binned = observed_binned[:-1], expected_binned[:-1]
    # Samples are ~independent (tau_int of the stored series ~ 0.5); inflate chi2 by 2 tau to stay honest.
    inflation = max(1.0, 2 * result.tau_int_samples_energy)
    chi2 = float(((observed_binned - expected_binned) ** 2 / expected_binned).sum()) / inflation
    dof = observed_binned.size - 1
    p_value = scipy_stats.chi2.sf(chi2, dof)
    assert p_value > 1e-3, f"{algorithm} T={T:.4f}: chi2 = {chi2:.1f} for {dof} dof (p = {p_value:.2e})"


@pytest.mark.slow
@pytest.mark.parametrize("T", [2.0, T_C, 2.6])
def test_wolff_improved_estimator(T):
    """<|C|> / N = <m^2>: the mean Wolff cluster size is an estimator of the susceptibility."""
    L = 16
    result = sample(L, T, 20000, "wolff", seed=3)
    cluster = jackknife(
        lambda flipped, clusters: flipped.sum() / clusters.sum() / (L * L),
        result.wolff_flipped.astype(float),
        result.wolff_clusters.astype(float),
    )
    m2 = thermodynamic_summary(result.energy, result.magnetization, L, T)["m2_mean"]
    difference = cluster.value - m2.value
    error = math.hypot(cluster.error, m2.error)
    assert abs(difference) <= N_SIGMA * error, f"<|C|>/N = {cluster} vs <m^2> = {m2}"
    assert cluster.value == pytest.approx(result.mean_cluster_size / (L * L))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_same_seed_same_arrays_different_seed_different_arrays(algorithm):
    first = sample(8, 2.4, 50, algorithm, seed=99)
    again = sample(8, 2.4, 50, algorithm, seed=99)
    other_seed = sample(8, 2.4, 50, algorithm, seed=100)
    other_temperature = sample(8, 2.41, 50, algorithm, seed=99)
    np.testing.assert_array_equal(first.spins, again.spins)
    np.testing.assert_array_equal(first.energy, again.energy)
    assert first.sweeps_between_samples == again.sweeps_between_samples
    assert not np.array_equal(first.spins, other_seed.spins)
    assert not np.array_equal(first.spins, other_temperature.spins)
    assert first.spins.dtype == np.int8 and first.spins.shape == (50, 8, 8)
    assert set(np.unique(first.spins)) <= {-1, 1}


def test_stored_energy_and_magnetization_describe_the_stored_spins():
    result = sample(6, 2.3, 30, "metropolis", seed=1)
    spins = result.spins.astype(int)
    energy = -(spins * (np.roll(spins, 1, 1) + np.roll(spins, 1, 2))).sum(axis=(1, 2)) / 36
    np.testing.assert_allclose(result.energy, energy)
    np.testing.assert_allclose(result.magnetization, spins.mean(axis=(1, 2)))


def test_low_temperature_ensemble_is_symmetric_under_global_flip():
    # Metropolis never tunnels between +m and -m at T = 1.8 on 16 x 16; the stored ensemble must.
    result = sample(16, 1.8, 400, "metropolis", seed=4)
    positive = (result.magnetization > 0).mean()
    assert 0.4 < positive < 0.6  # binomial(400, 1/2): 4 sigma is 0.1


def test_auto_continues_exactly_the_chain_it_chose():
    for T in (2.0, 2.3, 3.2):
        chosen = sample(8, T, 40, "auto", seed=8)
        direct = sample(8, T, 40, chosen.algorithm, seed=8)
        np.testing.assert_array_equal(chosen.spins, direct.spins)
    assert sample(9, 2.3, 5, "auto", seed=8).algorithm == "wolff"  # odd L rules out checkerboard


def test_measure_autocorrelation_matches_the_sampler_pilot():
    pilot = measure_autocorrelation(8, 2.4, "swendsen_wang", seed=3, pilot_factor=500)
    result = sample(8, 2.4, 10, "swendsen_wang", seed=3)
    assert pilot.tau_abs_m.tau == result.tau_int_abs_m and pilot.total_sweeps == result.pilot_sweeps


NAN, INF = float("nan"), float("inf")
SEED_RANGE = "must be an integer in [0, 2**64 - 1], got "


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(L=2), "L must be an integer >= 4, got 2"),
        (dict(L=3), "L must be an integer >= 4, got 3"),
        (dict(L=2, algorithm="metropolis"), "L must be an integer >= 4, got 2"),
        (dict(L=5, algorithm="metropolis"), "L must be even for checkerboard Metropolis"),
        (dict(L=7, algorithm="metropolis"), "L must be even for checkerboard Metropolis"),
        (dict(L=True), "L must be an integer >= 4, got True"),
        (dict(L=8.0), "L must be an integer >= 4, got 8.0"),
        (dict(L="8"), "L must be an integer >= 4, got '8'"),
        (dict(T=0.0), "T must be a finite number > 0, got 0.0"),
        (dict(T=-1.0), "T must be a finite number > 0, got -1.0"),
        (dict(T=NAN), "T must be a finite number > 0, got nan"),
        (dict(T=INF), "T must be a finite number > 0, got inf"),
        (dict(T=True), "T must be a finite number > 0, got True"),
        (dict(T="2.3"), "T must be a finite number > 0, got '2.3'"),
        (dict(n_samples=0), "n_samples must be an integer >= 1, got 0"),
        (dict(n_samples=True), "n_samples must be an integer >= 1, got True"),
        (dict(n_samples=10.0), "n_samples must be an integer >= 1, got 10.0"),
        (dict(algorithm="heatbath"), "algorithm must be one of"),
        (dict(seed=2**64), "seed " + SEED_RANGE + str(2**64)),
        (dict(seed=-1), "seed " + SEED_RANGE + "-1"),
        (dict(seed=True), "seed " + SEED_RANGE + "True"),
        (dict(seed=1.5), "seed " + SEED_RANGE + "1.5"),
        (dict(chain=1.5), "chain " + SEED_RANGE + "1.5"),
        (dict(chain=-1), "chain " + SEED_RANGE + "-1"),
        (dict(chain=True), "chain " + SEED_RANGE + "True"),
        (dict(chain=2**64), "chain " + SEED_RANGE + str(2**64)),
        (dict(thermalization_factor=True), "thermalization_factor must be a finite number > 0, got True"),
        (dict(thermalization_factor=np.True_), "thermalization_factor must be a finite number > 0, got "),
        (dict(thermalization_factor=NAN), "thermalization_factor must be a finite number > 0, got nan"),
        (dict(pilot_factor=INF), "pilot_factor must be a finite number > 0, got inf"),
        (dict(pilot_factor="500"), "pilot_factor must be a finite number > 0, got '500'"),
        (dict(spacing_factor=0), "spacing_factor must be a finite number > 0, got 0"),
        (dict(spacing_factor=np.float32(-2.0)), "spacing_factor must be a finite number > 0, got "),
        (dict(min_pilot_sweeps=10.5), "min_pilot_sweeps must be an integer >= 10, got 10.5"),
        (dict(min_pilot_sweeps=9), "min_pilot_sweeps must be an integer >= 10, got 9"),
        (dict(min_pilot_sweeps=True), "min_pilot_sweeps must be an integer >= 10, got True"),
        (dict(max_pilot_sweeps=1e6), "max_pilot_sweeps must be an integer >= 10, got 1000000.0"),
        (dict(max_pilot_sweeps=500), "min_pilot_sweeps must be >= 10 and <= max_pilot_sweeps, got 1000 and 500"),
        (dict(progress_chunks=0), "progress_chunks must be an integer >= 1, got 0"),
        (dict(progress_chunks=True), "progress_chunks must be an integer >= 1, got True"),
    ],
)
def test_bad_arguments_are_rejected_naming_the_argument(kwargs, message):
    arguments = dict(L=8, T=2.5, n_samples=10, algorithm="wolff", seed=0) | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        sample(**arguments)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(L=2), "L must be an integer >= 4, got 2"),
        (dict(algorithm="auto"), "algorithm must be one of ('metropolis', 'wolff', 'swendsen_wang'), got 'auto'"),
        (dict(seed=2**64), "seed " + SEED_RANGE + str(2**64)),
        (dict(chain=1.5), "chain " + SEED_RANGE + "1.5"),
        (dict(thermalization_factor=True), "thermalization_factor must be a finite number > 0, got True"),
        (dict(min_pilot_sweeps=10.5), "min_pilot_sweeps must be an integer >= 10, got 10.5"),
    ],
)
def test_measure_autocorrelation_rejects_bad_arguments_naming_them(kwargs, message):
    arguments = dict(L=8, T=2.5, algorithm="wolff", seed=0) | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        measure_autocorrelation(**arguments)


def test_seed_and_chain_may_be_as_large_as_uint64_allows():
    result = sample(4, 2.5, 2, "wolff", seed=2**64 - 1, chain=2**64 - 1)
    assert result.seed == 2**64 - 1 and result.chain == 2**64 - 1


def without_timing(metadata):
    return {name: value for name, value in metadata.items() if name != "seconds_per_sweep"}


@pytest.mark.parametrize("real", [np.float32, np.float64])
def test_numpy_scalars_are_accepted_and_give_the_python_typed_result(real):
    controls = dict(thermalization_factor=20.0, pilot_factor=500.0, spacing_factor=2.0)
    counts = dict(min_pilot_sweeps=1000, max_pilot_sweeps=100_000, progress_chunks=3)
    # 2.5 and the factors are exact in float32, so the numpy-typed call asks for the same chain.
    python_typed = sample(8, 2.5, 20, "metropolis", 5, chain=1, **controls, **counts)
    numpy_typed = sample(
        np.int64(8),
        real(2.5),
        np.int64(20),
        "metropolis",
        np.uint64(5),
        chain=np.int32(1),
        **{name: real(value) for name, value in controls.items()},
        **{name: np.int64(value) for name, value in counts.items()},
    )
    np.testing.assert_array_equal(numpy_typed.spins, python_typed.spins)
    np.testing.assert_array_equal(numpy_typed.energy, python_typed.energy)
    assert without_timing(numpy_typed.metadata()) == without_timing(python_typed.metadata())
    # Plain Python scalars in the result: they become NetCDF attributes and file names.
    assert [type(getattr(numpy_typed, name)) for name in ("L", "T", "seed", "chain")] == [int, float, int, int]
    pilot = measure_autocorrelation(
        np.int64(8), real(2.5), "wolff", np.int64(3), chain=np.int64(1), pilot_factor=real(500.0)
    )
    python_pilot = measure_autocorrelation(8, 2.5, "wolff", 3, chain=1, pilot_factor=500.0)
    assert (pilot.tau_abs_m, pilot.tau_energy, pilot.total_sweeps) == (
        python_pilot.tau_abs_m,
        python_pilot.tau_energy,
        python_pilot.total_sweeps,
    )


# At L = 16, T = 2.3 Metropolis' tau_int (~ 10 sweeps) needs a pilot of more than 2000 sweeps,
# Wolff's (~ 1 sweep) is measured within the first 1000 (checked for seeds 0, 1, 2).
NEAR_CRITICAL = dict(L=16, T=2.3, n_samples=20, seed=0, min_pilot_sweeps=1000, max_pilot_sweeps=2000)


def test_auto_falls_back_to_wolff_when_the_metropolis_pilot_hits_the_limit(caplog):
    with pytest.raises(ThermalizationError, match="metropolis"):
        sample(**NEAR_CRITICAL, algorithm="metropolis")
    with caplog.at_level(logging.WARNING, logger="deeprenorm.ising.sampler"):
        chosen = sample(**NEAR_CRITICAL, algorithm="auto")
    assert chosen.algorithm == "wolff"
    assert "dropping metropolis" in caplog.text
    direct = sample(**NEAR_CRITICAL, algorithm="wolff")
    np.testing.assert_array_equal(chosen.spins, direct.spins)
    np.testing.assert_array_equal(chosen.energy, direct.energy)
    assert chosen.pilot_sweeps == direct.pilot_sweeps


@pytest.mark.parametrize("L", [32, 33])
def test_auto_raises_when_every_candidate_hits_the_limit(L):
    # Even Wolff needs 2000 pilot sweeps at L = 32 and 33 at T = 2.27; 33 has Wolff as only candidate.
    with pytest.raises(ThermalizationError, match="wolff"):
        sample(L, 2.27, 5, "auto", seed=0, min_pilot_sweeps=1000, max_pilot_sweeps=1000)


@pytest.mark.parametrize("n_samples", [1, 2, 3])
def test_a_few_samples_are_stored_with_nan_sample_autocorrelation(n_samples):
    result = sample(16, 2.3, n_samples, "wolff", seed=1)
    longer = sample(16, 2.3, 4, "wolff", seed=1)
    assert result.spins.shape == (n_samples, 16, 16)
    np.testing.assert_array_equal(result.spins, longer.spins[:n_samples])
    assert math.isnan(result.tau_int_samples_abs_m) and math.isnan(result.tau_int_samples_energy)
    assert math.isfinite(longer.tau_int_samples_abs_m) and math.isfinite(longer.tau_int_samples_energy)


def test_a_chain_of_another_purpose_has_its_own_stream():
    study = sample(8, 2.4, 30, "wolff", seed=5)
    own = sample(8, 2.4, 30, "wolff", seed=5, purpose="dbn")
    assert not np.array_equal(study.spins, own.spins)
    np.testing.assert_array_equal(own.spins, sample(8, 2.4, 30, "wolff", seed=5, purpose="dbn").spins)
    np.testing.assert_array_equal(study.spins, sample(8, 2.4, 30, "wolff", seed=5, purpose="simulation").spins)
    with pytest.raises(ValueError, match="purpose must be one of"):
        sample(8, 2.4, 30, "wolff", seed=5, purpose="nonsense")
