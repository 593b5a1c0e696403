"""Multi-histogram reweighting and the T_c estimates built on it, against exact results.

Tolerances are 4 jackknife standard errors (see tests/test_sampler.py for the reasoning); the
seeds are fixed, so the tests are deterministic.
"""

import math

import numpy as np
import pytest
import xarray as xr
from scipy.special import logsumexp

from deeprenorm.data import simulation_to_xarray
from deeprenorm.exact import T_C, finite_energy, finite_specific_heat
from deeprenorm.ising import sample
from deeprenorm.reweighting import MultiHistogram, solved_histogram
from deeprenorm.thermo import ESTIMATE_COLUMNS, critical_temperature_estimates


def dataset(L, temperatures, n_samples, seed=31):
    parts = [simulation_to_xarray(sample(L, T, n_samples, "wolff", seed=seed)) for T in temperatures]
    combined = xr.concat(parts, dim="temperature", combine_attrs="drop_conflicts")
    combined.attrs.update(L=L, seed=seed)
    return combined


GRID = np.round(np.arange(2.05, 2.751, 0.05), 4)


@pytest.fixture(scope="module")
def datasets():
    return {L: dataset(L, GRID, 1500) for L in (8, 12)}


def test_weights_solve_the_ferrenberg_swendsen_equations(datasets):
    data = datasets[8]
    histogram = MultiHistogram(data["temperature"].values, data["energy"].values, data["magnetization"].values, 8)
    total_energy = data["energy"].values.ravel() * 64
    log_w = histogram._log_w
    implied = logsumexp(-np.outer(1 / data["temperature"].values, total_energy) + log_w[None, :], axis=1)
    np.testing.assert_allclose(implied - implied[0], histogram.log_z, atol=1e-7)


def test_reweighted_energy_and_specific_heat_match_kaufman_between_the_grid_points(datasets):
    """The reweighted curves reproduce the exact finite-L values where no simulation was run."""
    data = datasets[8]
    temperatures, energy, magnetization = data["temperature"].values, data["energy"].values, data["magnetization"].values
    between = GRID[:-1] + 0.025
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


def test_estimates_locate_peaks_and_crossing(datasets):
    estimates, curves = critical_temperature_estimates(list(datasets.values()), n_blocks=10)
    assert list(estimates.columns) == ESTIMATE_COLUMNS
    assert list(estimates["method"]) == [
        "chi_prime_peak", "chi_prime_peak", "binder_crossing", "chi_prime_peak_extrapolation", "binder_crossing_mean",
    ]
    peaks = estimates[estimates["method"] == "chi_prime_peak"]
    # chi' peaks sit above T_c and move towards it as L grows (T* - T_c ~ 2/L, REFERENCES 4.8).
    assert (peaks["T_c"] > T_C).all() and peaks["T_c"].iloc[0] > peaks["T_c"].iloc[1]
    assert (peaks["T_c_err"] > 0).all() and (peaks["T_c_err"] < 0.05).all()
    crossing = estimates[estimates["method"] == "binder_crossing"].iloc[0]
    assert crossing["L"] == 8 and crossing["L2"] == 12
    # Small-L crossings carry corrections to scaling of order 0.01 (REFERENCES 4.8 U4 table).
    assert abs(crossing["T_c"] - T_C) < 4 * crossing["T_c_err"] + 0.01
    assert set(curves["L"]) == {8, 12}
    assert curves["temperature"].between(GRID[0], GRID[-1]).all()
    assert (curves[["chi_prime_err", "binder_err", "specific_heat_err"]] > 0).all().all()


def test_degenerate_inputs_give_nan_rows_with_notes(datasets):
    one_size, _ = critical_temperature_estimates([datasets[8]], n_blocks=4)
    assert one_size.set_index("method").loc["chi_prime_peak_extrapolation", "note"].startswith("needs >= 2 sizes")
    assert math.isnan(one_size.set_index("method").loc["binder_crossing_mean", "T_c"])
    far = dataset(8, [1.5, 3.5], 50)
    with pytest.warns(RuntimeWarning, match="L=8: chi' peak not located: fewer than 2 simulated temperatures"):
        estimates, curves = critical_temperature_estimates([far], n_blocks=4)
    assert "fewer than 2 simulated temperatures" in estimates.iloc[0]["note"] and curves.empty
    # A window where chi' only rises: the maximum sits on its edge and is not claimed.
    with pytest.warns(RuntimeWarning, match=r"L=8: chi' peak not located .* \(window \(2, 2.3\)\): maximum at the edge"):
        edge, _ = critical_temperature_estimates([datasets[8]], window=(2.0, 2.3), n_blocks=4)
    assert "edge" in edge.iloc[0]["note"] and math.isnan(edge.iloc[0]["T_c"])
    with pytest.raises(ValueError, match="window"):
        critical_temperature_estimates([datasets[8]], window=(2.5, 2.0))


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
