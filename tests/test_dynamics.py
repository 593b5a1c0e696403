"""Tests for deeprenorm.dynamics: the fit of the dynamic exponent z and the algorithm comparison.

The fit is checked against exact power laws and for calibration over noise realisations (bounds
at ~4 standard deviations, as in tests/test_stats.py); the study against its documented columns
and the known ordering of the algorithms' autocorrelation times at T_c.
"""

import math

import numpy as np
import pandas as pd
import pytest

from deeprenorm.dynamics import AUTOCORRELATION_COLUMNS, autocorrelation_study, dynamic_exponents, fit_dynamic_exponent
from deeprenorm.exact import DYNAMIC_EXPONENTS, T_C


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


def test_dynamic_exponents_recover_the_exponent_of_each_algorithm_from_the_size_rows():
    sizes = np.array([8, 16, 32])
    rows = [
        {
            "algorithm": algorithm,
            "kind": "size",
            "L": L,
            "temperature": T_C,
            "tau_int_abs_m": 0.4 * L**z,
            "tau_int_abs_m_err": 0.02 * L**z,
            "tau_int_energy": 0.7 * L ** (z - 0.1),
            "tau_int_energy_err": 0.03 * L ** (z - 0.1),
        }
        for algorithm, z in (("metropolis", 2.17), ("wolff", 0.25))
        for L in sizes
    ]
    # a scan row must not enter the fit
    rows.append(dict(rows[0], kind="scan", L=4, tau_int_abs_m=1e6))
    table = dynamic_exponents(pd.DataFrame(rows)).set_index(["algorithm", "observable"])
    assert table.loc[("metropolis", "abs_m"), "z"] == pytest.approx(2.17, abs=1e-12)
    assert table.loc[("metropolis", "energy"), "z"] == pytest.approx(2.07, abs=1e-12)
    assert table.loc[("wolff", "abs_m"), "z"] == pytest.approx(0.25, abs=1e-12)
    assert table.loc[("wolff", "abs_m"), "sizes"] == "8 16 32"
    assert table.loc[("wolff", "abs_m"), "z_literature"] == DYNAMIC_EXPONENTS["wolff"]


@pytest.mark.slow
def test_autocorrelation_study_has_its_columns_and_wolff_decorrelates_faster_than_metropolis():
    tables = {
        algorithm: autocorrelation_study(algorithm, 4, [2.0, 2.6], [4, 8], seed=3, pilot_factor=2000)
        for algorithm in ("metropolis", "wolff")
    }
    for table in tables.values():
        assert list(table.columns) == AUTOCORRELATION_COLUMNS
        assert list(table["kind"]) == ["scan", "scan", "size", "size"]
        assert (table["tau_int_abs_m"] > 0).all() and (table["tau_int_abs_m_err"] > 0).all()
        assert table.loc[table["kind"] == "size", "temperature"].eq(T_C).all()
    assert tables["metropolis"]["flipped_fraction_per_sweep"].isna().all()
    assert tables["wolff"]["flipped_fraction_per_sweep"].between(0, 1).all()
    # at T_c and L = 8 (checkerboard Metropolis about 2 sweeps, Wolff under 1) the clusters decorrelate
    # faster, by more than 4 standard errors of the pilots
    at_tc = {algorithm: table.query("kind == 'size' and L == 8").iloc[0] for algorithm, table in tables.items()}
    difference = at_tc["metropolis"]["tau_int_abs_m"] - at_tc["wolff"]["tau_int_abs_m"]
    assert difference > 4 * math.hypot(at_tc["metropolis"]["tau_int_abs_m_err"], at_tc["wolff"]["tau_int_abs_m_err"])
