"""Tests for deeprenorm.thermo: thermodynamic tables, T_c estimates, dynamic exponents.

Statistical tolerances follow tests/test_stats.py: every random test has a fixed seed, and the
bounds are ~4 standard deviations of the compared quantity (two-sided false-alarm rate ~6e-5
per comparison), so a correct implementation passes for (nearly) any seed.  Error calibration
checks compare the spread of estimates over independent noise realisations with the mean
reported error; their tolerance is 4 sigma of the sample standard deviation,
sigma(s)/s ~ 1/sqrt(2 (n - 1)).
"""

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from deeprenorm.data import simulation_to_xarray
from deeprenorm.exact import T_C, finite_energy, finite_specific_heat
from deeprenorm.ising.sampler import sample
from deeprenorm.thermo import (
    AUTOCORRELATION_COLUMNS,
    ESTIMATE_COLUMNS,
    THERMODYNAMIC_COLUMNS,
    autocorrelation_table,
    critical_temperature_estimates,
    fit_dynamic_exponent,
    thermodynamic_table,
)

TEMPERATURES = (1.8, 2.1, 2.269, 2.4, 2.7, 3.2)


@pytest.fixture(scope="module")
def dataset_l8():
    """A real per-L dataset: L = 8, 6 temperatures, 3000 Wolff samples each (~1 s)."""
    parts = [simulation_to_xarray(sample(8, T, 3000, "wolff", seed=20240611)) for T in TEMPERATURES]
    dataset = xr.concat(parts, dim="temperature", combine_attrs="drop_conflicts")
    dataset.attrs.update(L=8, seed=20240611)
    return dataset


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


# ----------------------------------------------------------------- synthetic curves


def synthetic_table(rng, sizes, temperatures, peak, chi_sigma, binder_sigma, crossing=2.2713):
    """A thermodynamic table with known chi' peaks and U4 crossing.

    chi'(T) = h_L (1 - ((T - peak[L]) / 0.3)^2), a parabola (so the fit has no model error),
    h_L = L; U4(T) = (1/3)(1 - tanh(L (T - crossing) / 4)), all L equal at ``crossing``.
    Gaussian noise of known standard deviation (relative ``chi_sigma``, absolute
    ``binder_sigma``) is added and reported as the error.
    """
    rows = []
    T = np.asarray(temperatures, dtype=float)
    for L in sizes:
        chi = L * (1.0 - ((T - peak[L]) / 0.3) ** 2)
        chi_err = np.full_like(T, chi_sigma * L)
        binder = (1.0 - np.tanh(L * (T - crossing) / 4.0)) / 3.0
        binder_err = np.full_like(T, binder_sigma)
        for i, t in enumerate(T):
            rows.append(
                {
                    "L": L,
                    "temperature": t,
                    "chi_prime": chi[i] + chi_err[i] * rng.standard_normal(),
                    "chi_prime_err": chi_err[i],
                    "binder": binder[i] + binder_err[i] * rng.standard_normal(),
                    "binder_err": binder_err[i],
                }
            )
    return pd.DataFrame(rows)


SIZES = (8, 16, 32)
GRID = np.round(np.arange(2.0, 2.801, 0.02), 10)
SLOPE = 2.0
PEAKS = {L: T_C + SLOPE / L for L in SIZES}


def by_method(estimates, method):
    return estimates[estimates["method"] == method].reset_index(drop=True)


def test_estimates_recover_known_peaks_crossings_and_extrapolation():
    table = synthetic_table(np.random.default_rng(5), SIZES, GRID, PEAKS, chi_sigma=0.01, binder_sigma=0.004)
    estimates = critical_temperature_estimates(table, seed=17, n_bootstrap=400)
    assert list(estimates.columns) == ESTIMATE_COLUMNS
    assert list(estimates["method"]) == ["chi_prime_peak"] * 3 + ["binder_crossing"] * 2 + [
        "chi_prime_peak_extrapolation",
        "binder_crossing_mean",
    ]
    peaks = by_method(estimates, "chi_prime_peak")
    assert list(peaks["L"]) == list(SIZES)
    for row in peaks.itertuples():
        assert abs(row.T_c - PEAKS[row.L]) < 4 * row.T_c_err
        assert abs(row.peak_height - row.L) < 4 * row.peak_height_err
        assert row.n_bootstrap_failed <= 0.02 * row.n_bootstrap
    crossings = by_method(estimates, "binder_crossing")
    assert [(r.L, r.L2) for r in crossings.itertuples()] == [(8, 16), (16, 32)]
    for row in crossings.itertuples():
        assert abs(row.T_c - 2.2713) < 4 * row.T_c_err
    fit = by_method(estimates, "chi_prime_peak_extrapolation").iloc[0]
    assert abs(fit["T_c"] - T_C) < 4 * fit["T_c_err"]
    assert abs(fit["slope"] - SLOPE) < 4 * fit["slope_err"]
    assert np.isfinite(fit["chi2_dof"])
    mean = by_method(estimates, "binder_crossing_mean").iloc[0]
    assert abs(mean["T_c"] - 2.2713) < 4 * mean["T_c_err"]
    assert mean["T_c"] == pytest.approx(crossings["T_c"].mean())
    for row in estimates.itertuples():
        assert row.deviation_from_onsager == pytest.approx(row.T_c - T_C)
        assert row.deviation_sigma == pytest.approx((row.T_c - T_C) / row.T_c_err)


def test_bootstrap_errors_match_the_scatter_over_noise_realisations():
    # 40 independent noisy tables; the reported bootstrap error should equal the standard
    # deviation of the estimates.  sigma(s)/s = 1/sqrt(78) = 0.11, so the bound 0.45 is 4 sigma.
    sizes = (8, 16)
    positions, errors, crossings, crossing_errors = [], [], [], []
    for realisation in range(40):
        rng = np.random.default_rng(1000 + realisation)
        table = synthetic_table(rng, sizes, GRID, PEAKS, chi_sigma=0.02, binder_sigma=0.01)
        estimates = critical_temperature_estimates(table, seed=realisation, n_bootstrap=200)
        peak = by_method(estimates, "chi_prime_peak").iloc[1]
        positions.append(peak["T_c"])
        errors.append(peak["T_c_err"])
        crossing = by_method(estimates, "binder_crossing").iloc[0]
        crossings.append(crossing["T_c"])
        crossing_errors.append(crossing["T_c_err"])
    assert np.std(positions, ddof=1) / np.mean(errors) == pytest.approx(1.0, abs=0.45)
    assert np.std(crossings, ddof=1) / np.mean(crossing_errors) == pytest.approx(1.0, abs=0.45)
    # and the estimates are unbiased: mean within 4 standard errors of the truth
    assert abs(np.mean(positions) - PEAKS[16]) < 4 * np.std(positions, ddof=1) / math.sqrt(40)
    assert abs(np.mean(crossings) - 2.2713) < 4 * np.std(crossings, ddof=1) / math.sqrt(40)


def test_estimates_are_reproducible_from_the_seed():
    table = synthetic_table(np.random.default_rng(8), SIZES, GRID, PEAKS, chi_sigma=0.02, binder_sigma=0.01)
    first = critical_temperature_estimates(table, seed=99, n_bootstrap=100)
    again = critical_temperature_estimates(table, seed=99, n_bootstrap=100)
    other = critical_temperature_estimates(table, seed=100, n_bootstrap=100)
    pd.testing.assert_frame_equal(first, again)
    # central peaks, crossings and their mean do not depend on the seed (the extrapolation
    # does, through its bootstrap weights); the errors do
    central = ~first["method"].eq("chi_prime_peak_extrapolation")
    np.testing.assert_array_equal(first.loc[central, "T_c"], other.loc[central, "T_c"])
    assert not np.allclose(first["T_c_err"], other["T_c_err"])


def coarse_peak_table(chi):
    T = np.round(np.arange(1.8, 3.01, 0.1), 10)
    values = chi(T)
    return pd.DataFrame(
        {"L": 24, "temperature": T, "chi_prime": values, "chi_prime_err": 0.01 * values, "binder": 0.5, "binder_err": 0.01}
    )


def test_sharp_peak_on_a_coarse_grid_uses_the_top_three_points():
    # a Gaussian of width 0.08 on a 0.1 grid: only the maximum and its neighbours lie on the top
    # of the peak, so the vertex comes from the three-point parabola
    table = coarse_peak_table(lambda T: 10.0 * np.exp(-(((T - 2.36) / 0.08) ** 2)) + 0.5)
    peak = by_method(critical_temperature_estimates(table, seed=0, n_bootstrap=50), "chi_prime_peak").iloc[0]
    assert "3-point parabola" in peak["note"]
    assert abs(peak["T_c"] - 2.36) < 0.05  # half a grid spacing


def test_peak_window_shrinks_when_the_parabola_does_not_fit():
    # a tent (|T - T0| cusp) stays above 70 % of its maximum over 7 points, but with 1 % errors a
    # parabola through all 7 fails its chi2 test: the window shrinks and the note says why
    table = coarse_peak_table(lambda T: 10.0 - 8.0 * np.abs(T - 2.36))
    peak = by_method(critical_temperature_estimates(table, seed=0, n_bootstrap=50), "chi_prime_peak").iloc[0]
    assert "7-point parabola rejected" in peak["note"]
    assert "5-point parabola;" in peak["note"] or "3-point parabola;" in peak["note"]
    assert abs(peak["T_c"] - 2.36) < 0.1


def test_one_size_gives_nan_rows_with_notes():
    table = synthetic_table(np.random.default_rng(2), (16,), GRID, PEAKS, chi_sigma=0.01, binder_sigma=0.004)
    estimates = critical_temperature_estimates(table, seed=1, n_bootstrap=50)
    peak = by_method(estimates, "chi_prime_peak").iloc[0]
    assert np.isfinite(peak["T_c"]) and np.isfinite(peak["T_c_err"])
    for method in ("binder_crossing", "chi_prime_peak_extrapolation", "binder_crossing_mean"):
        row = by_method(estimates, method).iloc[0]
        assert math.isnan(row["T_c"]) and math.isnan(row["T_c_err"]) and row["note"]
    assert "2 lattice sizes" in by_method(estimates, "binder_crossing").iloc[0]["note"]


def test_curves_that_do_not_cross_give_nan_with_reason():
    table = synthetic_table(np.random.default_rng(3), (8, 16), GRID, PEAKS, chi_sigma=0.01, binder_sigma=0.004)
    # lift U4 of L = 16 everywhere: the curves never meet
    table.loc[table["L"] == 16, "binder"] += 0.2
    estimates = critical_temperature_estimates(table, seed=1, n_bootstrap=50)
    crossing = by_method(estimates, "binder_crossing").iloc[0]
    assert math.isnan(crossing["T_c"]) and "do not cross" in crossing["note"]
    mean = by_method(estimates, "binder_crossing_mean").iloc[0]
    assert math.isnan(mean["T_c"]) and "no Binder crossing" in mean["note"]
    # the chi' part is unaffected
    assert np.isfinite(by_method(estimates, "chi_prime_peak_extrapolation").iloc[0]["T_c"])


def test_degenerate_grids_do_not_raise():
    # monotone chi' (maximum on the grid edge), three temperatures, NaN errors, no common T
    edge = pd.DataFrame(
        {
            "L": [8] * 5 + [16] * 3,
            "temperature": [2.0, 2.1, 2.2, 2.3, 2.4, 2.05, 2.15, 2.25],
            "chi_prime": [1, 2, 3, 4, 5, 1, 3, 2],
            "chi_prime_err": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, np.nan, 0.1],
            "binder": [0.6, 0.55, 0.5, 0.4, 0.3, 0.6, 0.5, 0.4],
            "binder_err": 0.01,
        }
    )
    estimates = critical_temperature_estimates(edge, seed=0, n_bootstrap=20)
    assert estimates["T_c"].isna().all()
    assert all(estimates["note"].str.len() > 0)
    peaks = by_method(estimates, "chi_prime_peak")
    assert "edge of the grid" in peaks.iloc[0]["note"]
    assert "common temperatures" in by_method(estimates, "binder_crossing").iloc[0]["note"]
    # an empty table: NaN rows, not an exception
    empty = critical_temperature_estimates(edge.iloc[:0], seed=0, n_bootstrap=20)
    assert empty["T_c"].isna().all()


def test_estimates_on_real_data_run_and_cross_near_onsager(table_l8):
    # One size of real data: a located chi' peak above T_c (T*(8) ~ T_c + 2.1/8 = 2.53 on a
    # coarse grid, so only loosely), and the other rows NaN with notes.
    estimates = critical_temperature_estimates(table_l8, seed=4, n_bootstrap=100)
    peak = by_method(estimates, "chi_prime_peak").iloc[0]
    assert np.isfinite(peak["T_c"]) and T_C < peak["T_c"] < 2.8


def test_bad_arguments_raise():
    table = synthetic_table(np.random.default_rng(2), (16,), GRID, PEAKS, chi_sigma=0.01, binder_sigma=0.004)
    with pytest.raises(ValueError, match="columns"):
        critical_temperature_estimates(table.drop(columns="binder_err"), seed=0)
    with pytest.raises(ValueError, match="n_bootstrap"):
        critical_temperature_estimates(table, seed=0, n_bootstrap=1)
    with pytest.raises(ValueError, match="bracket"):
        critical_temperature_estimates(table, seed=0, binder_bracket=(2.6, 2.0))


# ----------------------------------------------------------------- dynamic exponent


def test_fit_recovers_exact_power_law_with_the_propagated_error():
    L = np.array([8, 16, 32, 64])
    tau = 0.3 * L**2.1665
    z, z_err = fit_dynamic_exponent(L, tau, 0.05 * tau)
    assert z == pytest.approx(2.1665, abs=1e-12)
    x = np.log(L)
    assert z_err == pytest.approx(0.05 / math.sqrt(np.sum((x - x.mean()) ** 2)), rel=1e-10)


def test_two_points_give_the_exact_line():
    z, z_err = fit_dynamic_exponent([16, 64], [3.0, 3.0 * 4**0.25], [0.3, 0.2])
    assert z == pytest.approx(0.25, abs=1e-12)
    sigma = math.hypot(0.3 / 3.0, 0.2 / (3.0 * 4**0.25))
    assert z_err == pytest.approx(sigma / math.log(4.0), rel=1e-12)


def test_noisy_fit_is_calibrated():
    # two sizes: no chi2 scaling, so the pulls must be standard normal; std of 400 pulls is
    # 1 +- 0.035, bounds at 4 sigma.  The four-size fit is checked within 4 z_err.
    rng = np.random.default_rng(12)
    pulls = []
    for _ in range(400):
        L = np.array([8, 32])
        sigma = np.array([0.05, 0.1])
        tau = 2.0 * L**0.25 * np.exp(sigma * rng.standard_normal(2))
        z, z_err = fit_dynamic_exponent(L, tau, sigma * tau)
        pulls.append((z - 0.25) / z_err)
    assert np.std(pulls) == pytest.approx(1.0, abs=0.14)
    assert abs(np.mean(pulls)) < 4 / math.sqrt(400)
    L = np.array([8, 16, 32, 64, 128])
    tau = 0.5 * L**2.17 * np.exp(0.08 * rng.standard_normal(5))
    z, z_err = fit_dynamic_exponent(L, tau, 0.08 * tau)
    assert abs(z - 2.17) < 4 * z_err


def test_unusable_errors_and_points_are_handled():
    L = np.array([8, 16, 32, 64])
    tau = 1.5 * L**0.3
    # an infinite error carries no weight: same as leaving the point out
    with_inf = fit_dynamic_exponent(L, tau * [1, 1, 1, 1.5], [0.1, 0.1, 0.1, np.inf])
    without = fit_dynamic_exponent(L[:3], tau[:3], [0.1, 0.1, 0.1])
    assert with_inf == pytest.approx(without)
    # no usable errors: unweighted fit, error from the residual scatter (zero for exact data)
    z, z_err = fit_dynamic_exponent(L, tau, [np.nan] * 4)
    assert z == pytest.approx(0.3) and z_err == pytest.approx(0.0, abs=1e-12)
    z, z_err = fit_dynamic_exponent(L[:2], tau[:2], None)
    assert z == pytest.approx(0.3) and math.isnan(z_err)
    # non-positive tau is dropped; a single size cannot give a slope
    assert fit_dynamic_exponent([8, 16, 32], [0.0, 2.0, 2.0 * 2**0.3], [0.1, 0.1, 0.1])[0] == pytest.approx(0.3)
    assert all(math.isnan(v) for v in fit_dynamic_exponent([16, 16], [2.0, 2.1], [0.1, 0.1]))
    assert all(math.isnan(v) for v in fit_dynamic_exponent([], [], []))


# ----------------------------------------------------------------- autocorrelation table


def test_autocorrelation_table_from_sample_sets_and_mappings():
    records = [sample(8, T_C, 5, algorithm, seed=1) for algorithm in ("metropolis", "wolff")]
    records.append(
        {
            "algorithm": "swendsen_wang",
            "L": 16,
            "T": 2.5,
            "tau_int_abs_m": 1.2,
            "tau_int_abs_m_error": 0.1,
            "tau_int_energy": 1.4,
            "tau_int_energy_error": 0.1,
            "seconds_per_sweep": 1e-5,
        }
    )
    table = autocorrelation_table(records)
    assert list(table.columns) == AUTOCORRELATION_COLUMNS
    assert list(table["algorithm"]) == ["metropolis", "swendsen_wang", "wolff"]
    assert table["temperature"].iloc[0] == T_C and table["L"].iloc[1] == 16
    assert table["tau_int_abs_m"].iloc[0] == records[0].tau_int_abs_m
