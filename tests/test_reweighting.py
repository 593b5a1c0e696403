"""deeprenorm.reweighting: multi-histogram reweighting against exact results (the T_c estimates
built on it: tests/test_thermo.py).

The datasets are the fixture reweighting_datasets of tests/conftest.py (L = 8 and 12 at 15
temperatures, 1500 Wolff samples each). Tolerances are 4 jackknife standard errors (see
tests/test_ising_sampler.py for the reasoning); the seeds are fixed, so the tests are
deterministic.
"""

import numpy as np
from helpers import REWEIGHTING_GRID
from scipy.special import logsumexp

from deeprenorm.exact import finite_energy, finite_specific_heat
from deeprenorm.reweighting import MultiHistogram, solved_histogram


def test_weights_solve_the_ferrenberg_swendsen_equations(reweighting_datasets):
    data = reweighting_datasets[8]
    histogram = MultiHistogram(data["temperature"].values, data["energy"].values, data["magnetization"].values, 8)
    total_energy = data["energy"].values.ravel() * 64
    log_w = histogram._log_w
    implied = logsumexp(-np.outer(1 / data["temperature"].values, total_energy) + log_w[None, :], axis=1)
    np.testing.assert_allclose(implied - implied[0], histogram.log_z, atol=1e-7)


def test_reweighted_energy_and_specific_heat_match_kaufman_between_the_grid_points(reweighting_datasets):
    """The reweighted curves reproduce the exact finite-L values where no simulation was run."""
    data = reweighting_datasets[8]
    temperatures, energy, magnetization = (
        data["temperature"].values,
        data["energy"].values,
        data["magnetization"].values,
    )
    between = REWEIGHTING_GRID[:-1] + 0.025
    full = MultiHistogram(temperatures, energy, magnetization, 8).observables(between)
    edges = np.linspace(0, energy.shape[1], 21).astype(int)
    replicas = []
    for block in range(20):
        keep = np.r_[0 : edges[block], edges[block + 1] : energy.shape[1]]
        replicas.append(MultiHistogram(temperatures, energy[:, keep], magnetization[:, keep], 8).observables(between))
    for name, exact in (("e", finite_energy(8, between)), ("specific_heat", finite_specific_heat(8, between))):
        stacked = np.array([r[name] for r in replicas])
        error = np.sqrt(19 / 20 * np.sum((stacked - stacked.mean(0)) ** 2, axis=0))
        pulls = (full[name] - exact) / error
        assert np.all(np.abs(pulls) < 4), f"{name}: pulls {np.round(pulls, 2)}"


def test_solved_histogram_is_shared_and_equals_a_fresh_solution():
    rng = np.random.default_rng(3)
    temperatures = np.array([2.2, 2.3, 2.4])
    energy = -1.5 + 0.05 * rng.standard_normal((3, 40)) + np.array([[-0.1], [0.0], [0.1]])
    magnetization = rng.uniform(-1, 1, (3, 40))
    first = solved_histogram(temperatures, energy, magnetization, 8)
    assert solved_histogram(temperatures, energy.copy(), magnetization.copy(), 8) is first  # equal arrays, one solution
    fresh = MultiHistogram(temperatures, energy, magnetization, 8)
    np.testing.assert_array_equal(first.log_z, fresh.log_z)
    assert solved_histogram(temperatures, energy[:, :30], magnetization[:, :30], 8) is not first
    assert solved_histogram(temperatures, energy, magnetization, 16) is not first  # another L, another N
