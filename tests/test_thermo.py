"""Tests for deeprenorm.thermo: thermodynamic tables, and the T_c estimates from the reweighted
chi' peaks and U4 crossings: their physics, search window, warnings and rows of what is not
located.

Statistical tolerances follow tests/test_stats.py: every random test has a fixed seed, and the
bounds are ~4 standard deviations of the compared quantity (two-sided false-alarm rate ~6e-5
per comparison), so a correct implementation passes for (nearly) any seed.  Error calibration
checks compare the spread of estimates over independent noise realisations with the mean
reported error; their tolerance is 4 sigma of the sample standard deviation,
sigma(s)/s ~ 1/sqrt(2 (n - 1)).
"""

import math
import re
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import REWEIGHTING_GRID, stacked_dataset

from deeprenorm import thermo
from deeprenorm.data import simulation_to_xarray
from deeprenorm.ensemble import JackknifedCurves
from deeprenorm.exact import T_C, exact_small_lattice_observables, finite_energy, finite_specific_heat
from deeprenorm.ising.sampler import sample
from deeprenorm.thermo import (
    ESTIMATE_COLUMNS,
    THERMODYNAMIC_COLUMNS,
    critical_temperature_estimates,
    thermodynamic_table,
)

TEMPERATURES = (1.8, 2.1, 2.269, 2.4, 2.7, 3.2)


@pytest.fixture(scope="module")
def dataset_l8():
    """A real per-L dataset: L = 8, 6 temperatures, 3000 Wolff samples each (~1 s)."""
    return stacked_dataset(8, TEMPERATURES, 3000, seed=20240611)


@pytest.fixture(scope="module")
def table_l8(dataset_l8):
    return thermodynamic_table(dataset_l8)


# ----------------------------------------------------------------- thermodynamic_table


def test_table_has_documented_columns_one_row_per_temperature(table_l8, dataset_l8):
    assert list(table_l8.columns) == THERMODYNAMIC_COLUMNS
    assert len(table_l8) == len(TEMPERATURES)
    np.testing.assert_array_equal(table_l8["temperature"], sorted(TEMPERATURES))
    assert (table_l8["L"] == 8).all()
    assert (table_l8["n_samples"] == 3000).all()
    assert (table_l8["algorithm"] == "wolff").all()
    np.testing.assert_array_equal(table_l8["tau_int_abs_m"], dataset_l8["tau_int_abs_m"].values)
    np.testing.assert_array_equal(table_l8["tau_int_energy"], dataset_l8["tau_int_energy"].values)
    np.testing.assert_array_equal(table_l8["sweeps_between_samples"], dataset_l8["sweeps_between_samples"].values)
    errors = table_l8[[c for c in THERMODYNAMIC_COLUMNS if c.endswith("_err")]].to_numpy()
    assert np.all(np.isfinite(errors)) and np.all(errors > 0)


def test_exact_columns_are_kaufman_values(table_l8):
    T = table_l8["temperature"].to_numpy()
    np.testing.assert_allclose(table_l8["e_exact"], finite_energy(8, T), rtol=1e-14)
    np.testing.assert_allclose(table_l8["specific_heat_exact"], finite_specific_heat(8, T), rtol=1e-14)


def test_measured_energy_and_specific_heat_agree_with_kaufman(table_l8):
    # 4 sigma of the jackknife errors (each ~0.3 % for e, ~3 % for c with 3000 samples)
    pull_e = (table_l8["e"] - table_l8["e_exact"]) / table_l8["e_err"]
    pull_c = (table_l8["specific_heat"] - table_l8["specific_heat_exact"]) / table_l8["specific_heat_err"]
    assert np.all(np.abs(pull_e) < 4), pull_e.to_list()
    assert np.all(np.abs(pull_c) < 4), pull_c.to_list()


def test_derived_observables_are_consistent(table_l8):
    N = 64
    T = table_l8["temperature"]
    # chi = N <m^2> / T is linear in <m^2>: the jackknife returns exactly the scaled mean and error
    np.testing.assert_allclose(table_l8["susceptibility"], N * table_l8["m2"] / T, rtol=1e-12)
    np.testing.assert_allclose(table_l8["susceptibility_err"], N * table_l8["m2_err"] / T, rtol=1e-12)
    assert np.all(table_l8["chi_prime"] < table_l8["susceptibility"])
    assert np.all(table_l8["binder"] <= 2 / 3 + 1e-12)
    # ordered at T = 1.8 (U4 -> 2/3), disordered at 3.2 (U4 well below U* = 0.61)
    assert table_l8["binder"].iloc[0] > 0.65 and table_l8["binder"].iloc[-1] < 0.5
    assert table_l8["abs_m"].is_monotonic_decreasing


def test_single_simulation_without_temperature_dimension():
    simulation = simulation_to_xarray(sample(4, 2.5, 400, "swendsen_wang", seed=3))
    table = thermodynamic_table(simulation)
    assert list(table.columns) == THERMODYNAMIC_COLUMNS
    assert len(table) == 1 and table["L"].iloc[0] == 4 and table["temperature"].iloc[0] == 2.5
    assert table["algorithm"].iloc[0] == "swendsen_wang"


def test_short_chain_warns_instead_of_raising():
    # 20 samples cannot support a trusted tau_int (needs n >= 50 tau = 25): warn, keep going
    simulation = simulation_to_xarray(sample(4, 2.5, 20, "wolff", seed=3))
    with pytest.warns(RuntimeWarning, match="untrusted"):
        table = thermodynamic_table(simulation)
    assert np.isfinite(table["e_err"].iloc[0]) and table["e_err"].iloc[0] > 0


def test_fewer_than_four_samples_gives_nan_errors_not_an_exception():
    simulation = simulation_to_xarray(sample(4, 2.5, 3, "wolff", seed=3))
    table = thermodynamic_table(simulation)
    assert np.isfinite(table["e"].iloc[0]) and math.isnan(table["e_err"].iloc[0])


# ----------------------------------------------------------------- T_c estimates (physics)


def test_estimates_locate_peaks_and_crossing(reweighting_datasets):
    estimates, curves = critical_temperature_estimates(list(reweighting_datasets.values()), n_blocks=10)
    assert list(estimates.columns) == ESTIMATE_COLUMNS
    assert list(estimates["method"]) == [
        "chi_prime_peak",
        "chi_prime_peak",
        "binder_crossing",
        "chi_prime_peak_extrapolation",
        "binder_crossing_mean",
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
    assert curves["temperature"].between(REWEIGHTING_GRID[0], REWEIGHTING_GRID[-1]).all()
    assert (curves[["chi_prime_err", "binder_err", "specific_heat_err"]] > 0).all().all()


def test_degenerate_inputs_give_nan_rows_with_notes(reweighting_datasets):
    one_size, _ = critical_temperature_estimates([reweighting_datasets[8]], n_blocks=4)
    assert one_size.set_index("method").loc["chi_prime_peak_extrapolation", "note"].startswith("needs >= 2 sizes")
    assert math.isnan(one_size.set_index("method").loc["binder_crossing_mean", "T_c"])
    far = stacked_dataset(8, [1.5, 3.5], 50, seed=31)
    with pytest.warns(RuntimeWarning, match="L=8: chi' peak not located: fewer than 2 simulated temperatures"):
        estimates, curves = critical_temperature_estimates([far], n_blocks=4)
    assert "fewer than 2 simulated temperatures" in estimates.iloc[0]["note"] and curves.empty
    # A window where chi' only rises: the maximum sits on its edge and is not claimed.
    with pytest.warns(
        RuntimeWarning, match=r"L=8: chi' peak not located .* \(window \(2, 2.3\)\): maximum at the edge"
    ):
        edge, _ = critical_temperature_estimates([reweighting_datasets[8]], window=(2.0, 2.3), n_blocks=4)
    assert "edge" in edge.iloc[0]["note"] and math.isnan(edge.iloc[0]["T_c"])
    with pytest.raises(ValueError, match="window"):
        critical_temperature_estimates([reweighting_datasets[8]], window=(2.5, 2.0))


# ----------------------------------------------------------------- T_c search window


def _dataset(L, temperatures, n_samples, seed):
    # energy and magnetization: all that the T_c estimates may read
    return stacked_dataset(L, temperatures, n_samples, seed)[["energy", "magnetization"]]


@pytest.fixture(scope="module")
def above_the_old_window():
    """L = 4 and 6 at T = 2.9 .. 3.4 only: all above the chi' peaks (T*(4) = 2.794) and T_c."""
    return [_dataset(L, np.round(np.arange(2.9, 3.41, 0.1), 4), 400, 5) for L in (4, 6)]


def test_temperatures_outside_the_old_window_warn_instead_of_silent_nan(above_the_old_window):
    # The former fixed window (2.0, 2.8) held none of these temperatures: NaN rows, now with warnings.
    with pytest.warns(RuntimeWarning) as caught:
        fixed, curves = critical_temperature_estimates(above_the_old_window, window=(2.0, 2.8), n_blocks=4)
    for L in (4, 6):
        pattern = rf"L={L}: chi' peak not located: fewer than 2 .* window \(2, 2\.8\)"
        assert any(re.match(pattern, str(w.message)) for w in caught)
    assert fixed["T_c"].isna().all() and curves.empty
    # The derived window spans the data; chi' only falls there, so its maximum is on the grid edge.
    with pytest.warns(RuntimeWarning) as caught:
        estimates, curves = critical_temperature_estimates(above_the_old_window, n_blocks=4)
    messages = [str(w.message) for w in caught]
    for L in (4, 6):
        pattern = rf"L={L}: chi' peak not located for T in \[2\.9, 3\.4\] \(window \(2\.9, 3\.4\), derived .*\): maximum at the edge"
        assert any(re.match(pattern, m) for m in messages), messages
    # above T_c the smaller lattice has the larger U4 (exactly 0.48 for L = 4 at T = 3, 0.35 measured
    # for L = 6): no crossing
    assert any(
        re.match(r"L=4, L2=6: U4 crossing not located .*window \(2\.9, 3\.4\).*do not cross", m) for m in messages
    )
    rows = estimates.set_index("method")
    assert rows.loc["chi_prime_peak", "T_c"].isna().all()
    assert rows.loc["chi_prime_peak", "note"].str.contains("edge").all()
    assert math.isnan(rows.loc["binder_crossing", "T_c"]) and "do not cross" in rows.loc["binder_crossing", "note"]
    # the reweighted curves are still returned, on a grid at most 1/300 apart across the window
    assert set(curves["L"]) == {4, 6}
    grid = curves.loc[curves["L"] == 4, "temperature"].to_numpy()
    assert grid[0] == 2.9 and grid[-1] == 3.4 and grid.size == 151
    assert np.max(np.diff(grid)) <= 1 / 300 + 1e-12


def test_derived_window_finds_a_peak_the_old_window_cut_off():
    # T*(4) = 2.794 (exact enumeration) lies between the simulated 2.75 and 2.85: the old window
    # (2.0, 2.8) ended the grid at 2.75 with chi' still rising.
    data = [_dataset(4, np.round(np.arange(2.55, 3.16, 0.1), 4), 1000, 6)]
    with pytest.warns(RuntimeWarning, match=r"L=4: .*window \(2, 2\.8\)\): maximum at the edge"):
        fixed, _ = critical_temperature_estimates(data, window=(2.0, 2.8), n_blocks=10)
    assert math.isnan(fixed.iloc[0]["T_c"])
    estimates, curves = critical_temperature_estimates(data, n_blocks=10)
    peak = estimates.iloc[0]
    T = np.linspace(2.6, 3.0, 4001)
    exact = exact_small_lattice_observables(4, T)
    exact_peak = T[np.argmax(16 * (exact["m2"] - exact["abs_m"] ** 2) / T)]
    assert 0 < peak["T_c_err"] < 0.05  # 0.014 with 1000 samples per temperature
    assert abs(peak["T_c"] - exact_peak) < 4 * peak["T_c_err"]
    assert curves["temperature"].min() == 2.55 and curves["temperature"].max() == 3.15


def test_derived_window_leaves_out_the_ordered_phase(dataset_l8):
    # chi' of L = 8 relative to its maximum: 0.07 at T = 1.8, 0.38 at 2.1, 0.48 at 3.2
    _, curves = critical_temperature_estimates([dataset_l8[["energy", "magnetization"]]], n_blocks=4)
    assert curves["temperature"].min() == 2.1 and curves["temperature"].max() == 3.2


def test_grid_spacing_sets_the_resolution(above_the_old_window):
    with pytest.warns(RuntimeWarning):
        _, curves = critical_temperature_estimates(above_the_old_window[:1], n_blocks=4, grid_spacing=0.01)
    assert curves["temperature"].size == 51
    with pytest.raises(ValueError, match="grid_spacing"):
        critical_temperature_estimates(above_the_old_window, grid_spacing=0.0)


def _linear_sizes(failing_replica=None):
    """L -> jackknifed curves with U4 lines crossing at 2.27 (L = 8 with 12) and 2.30 (12 with 16),
    each replica shifted a little; ``failing_replica``: that replica of L = 16 lies far above
    L = 12, so that the (12, 16) crossing is not found in it."""
    grid = np.linspace(2.0, 2.6, 61)
    slopes, origins = {8: 1.0, 12: 2.0, 16: 3.0}, {8: 2.27, 12: 2.27, 16: 2.28}
    shifts = np.random.default_rng(7).normal(0.0, 0.002, (3, 10))

    def curves(L, shift=0.0):
        return {
            "binder": 0.6 - slopes[L] * (grid - origins[L] - shift),
            "chi_prime": 10.0 - 100.0 * (grid - 2.35 - 0.1 / L - shift) ** 2,
            "specific_heat": np.ones_like(grid),
        }

    sizes = {}
    for i, L in enumerate(slopes):
        replicas = [curves(L, shift) for shift in shifts[i]]
        if L == 16 and failing_replica is not None:
            replicas[failing_replica]["binder"] = replicas[failing_replica]["binder"] + 5.0
        sizes[L] = JackknifedCurves(grid, curves(L), tuple(replicas))
    return sizes


@pytest.mark.parametrize("failing_replica", [None, 3])
def test_the_crossing_mean_takes_a_crossing_in_every_replica_or_not_at_all(monkeypatch, failing_replica):
    # a replica in which one crossing fails must not enter the mean with the other crossing
    # alone: the pair is not located, in every replica, and the mean is the other crossing's
    sizes = _linear_sizes(failing_replica)
    monkeypatch.setattr(thermo, "_reweighted_sizes", lambda *args: sizes)
    datasets = [SimpleNamespace(attrs={"L": L}) for L in sizes]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimates, _ = critical_temperature_estimates(datasets, window=(2.0, 2.6), n_blocks=10)
    rows = estimates.set_index(["method", "L2"], drop=False)
    first, second = rows.loc[("binder_crossing", 12)], rows.loc[("binder_crossing", 16)]
    mean = estimates[estimates["method"] == "binder_crossing_mean"].iloc[0]
    assert first["T_c"] == pytest.approx(2.27, abs=0.01)
    if failing_replica is None:
        assert second["T_c"] == pytest.approx(2.30, abs=0.01)
        assert mean["T_c"] == pytest.approx((first["T_c"] + second["T_c"]) / 2)
        assert mean["note"] == "mean of 2 crossing(s)"
    else:
        assert math.isnan(second["T_c"]) and "1 of 10 jackknife replicas found no crossing" in second["note"]
        assert any("L=12, L2=16" in str(warning.message) for warning in caught)
        # the value and every replica are the (8, 12) crossing's, so the error is exactly its own
        assert mean["T_c"] == first["T_c"] and mean["T_c_err"] == first["T_c_err"]
        assert mean["note"] == "mean of 1 crossing(s) of the 2 pairs; the others not located"
