"""The equilibrium sampler against exact results, for every algorithm.

Tolerances are 4 standard errors, where the errors are blocked-jackknife errors whose blocks span
several tau_int of the stored series (so they are tau-corrected). With about 100 comparisons at 4
sigma, a correct sampler fails one by chance with probability below 1 %, and the seeds are fixed,
so a pass is reproducible; a biased kernel (wrong acceptance, wrong neighbour, broken RNG) misses
by many sigma at these sample sizes.
"""

import math

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
from deeprenorm.ising.sampler import ALGORITHMS, measure_autocorrelation, sample
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
    for key, exact in (("e_mean", -1.536719517), ("abs_m_mean", 0.822707863), ("m2_mean", 0.723697273), ("binder_cumulant", 0.61547553)):
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


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(L=7, algorithm="metropolis"), "L must be even"),
        (dict(L=1), "L must be an integer >= 2"),
        (dict(L=8.0), "L must be an integer >= 2"),
        (dict(T=0.0), "T must be a finite number > 0"),
        (dict(T=-1.0), "T must be a finite number > 0"),
        (dict(T=float("nan")), "T must be a finite number > 0"),
        (dict(T=float("inf")), "T must be a finite number > 0"),
        (dict(n_samples=0), "n_samples must be an integer >= 1"),
        (dict(algorithm="heatbath"), "algorithm must be one of"),
    ],
)
def test_bad_input_is_rejected_with_the_argument_named(kwargs, message):
    arguments = dict(L=8, T=2.5, n_samples=10, algorithm="wolff", seed=0) | kwargs
    with pytest.raises(ValueError, match=message):
        sample(**arguments)
