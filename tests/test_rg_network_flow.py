"""Network flow of a reconstruction map: thermometers, iteration, the one-step map T_n -> T_next.

Statistical tolerances are 4 bootstrap standard errors of the mean energy (see
tests/test_sampler.py for the reasoning); the seeds are fixed, so the tests are deterministic.
"""

import math

import numpy as np
import pytest
from helpers import ar1

from deeprenorm.exact import T_C, finite_energy, finite_specific_heat
from deeprenorm.ising import sample
from deeprenorm.rg.network_flow import (
    ENSEMBLE_COLUMNS,
    FIXED_POINT_COLUMNS,
    curve_thermometer,
    energy_thermometer,
    ensemble_temperatures,
    flow_direction,
    flow_map_fixed_points,
    iterate_flow,
)
from deeprenorm.rg.observables import energy, magnetization
from deeprenorm.stats import binning_error, resampling_block_length

N_SIGMA = 4.0
TEMPERATURES = [1.0, 1.5, 2.0, T_C, 2.5, 3.5, 10.0]
GRID = np.linspace(1.5, 3.0, 61)


# --------------------------------------------------------------------------
# energy thermometer


@pytest.mark.parametrize("L", [8, 16])
def test_energy_thermometer_inverts_the_exact_energy(L):
    T = np.array(TEMPERATURES)
    np.testing.assert_allclose(energy_thermometer(L, finite_energy(L, T)), T, rtol=1e-6)
    for t in TEMPERATURES:
        reading = energy_thermometer(L, finite_energy(L, t))
        assert isinstance(reading, float)
        assert reading == pytest.approx(t, rel=1e-6)


def test_energy_thermometer_is_accurate_for_many_values():
    T = np.geomspace(0.6, 40.0, 1000)
    np.testing.assert_allclose(energy_thermometer(32, finite_energy(32, T)), T, rtol=1e-10)


def test_energy_thermometer_off_scale():
    L = 8
    # colder than t_min (and the ground state itself) reads T = 0, the ordered fixed point
    assert energy_thermometer(L, finite_energy(L, 0.5) - 1e-6) == 0.0
    assert energy_thermometer(L, -2.0) == 0.0
    assert math.isnan(energy_thermometer(L, math.nan))
    assert energy_thermometer(L, 0.0) == math.inf
    assert energy_thermometer(L, 0.3) == math.inf
    assert energy_thermometer(L, finite_energy(L, 50.0) + 1e-9) == math.inf
    assert energy_thermometer(L, finite_energy(L, 0.5)) == 0.5
    assert energy_thermometer(L, finite_energy(L, 50.0)) == 50.0
    # the range is the caller's: at t_max = 100 the same energy is on scale
    assert energy_thermometer(L, finite_energy(L, 70.0), t_max=100.0) == pytest.approx(70.0, rel=1e-6)
    readings = energy_thermometer(L, np.array([[-2.0, 0.0], [finite_energy(L, 2.0), math.nan]]))
    assert readings.shape == (2, 2)
    assert readings[0, 0] == 0.0 and readings[0, 1] == math.inf and math.isnan(readings[1, 1])
    assert readings[1, 0] == pytest.approx(2.0, rel=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"L": 1}, "L must be"),
        ({"L": 8.0}, "L must be"),
        ({"t_min": 0.0}, "t_min and t_max"),
        ({"t_min": 3.0, "t_max": 2.0}, "t_min and t_max"),
        ({"t_max": 2000.0}, "t_min and t_max"),
    ],
)
def test_energy_thermometer_rejects(kwargs, match):
    arguments = {"L": 8, "energy_per_spin": -1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        energy_thermometer(**arguments)


# --------------------------------------------------------------------------
# curve thermometer


def test_curve_thermometer_on_a_decreasing_curve():
    T = np.linspace(1.0, 4.0, 31)
    curve = 1.0 / (1.0 + np.exp(3.0 * (T - 2.5)))
    # at the nodes the interpolation is exact
    np.testing.assert_allclose(curve_thermometer(T, curve, curve), T, rtol=1e-12)
    # between two nodes: linear interpolation of the inverse
    middle = 0.5 * (curve[10] + curve[11])
    assert curve_thermometer(T, curve, middle) == pytest.approx(0.5 * (T[10] + T[11]), rel=1e-12)
    outside = curve_thermometer(T, curve, np.array([curve[0] + 0.01, curve[-1] - 1e-4, math.nan]))
    assert np.all(np.isnan(outside))
    # an increasing curve works the same way
    assert curve_thermometer(T, -curve, -middle) == pytest.approx(0.5 * (T[10] + T[11]), rel=1e-12)


def test_curve_thermometer_rejects_a_curve_that_turns():
    T = np.linspace(1.0, 4.0, 7)
    curve = np.array([0.9, 0.8, 0.6, 0.65, 0.3, 0.2, 0.1])
    with pytest.raises(ValueError, match=r"between T = 2 and T = 2.5"):
        curve_thermometer(T, curve, 0.5)
    with pytest.raises(ValueError, match="strictly monotone"):
        curve_thermometer(T, np.r_[0.9, 0.9, curve[2:]], 0.5)
    with pytest.raises(ValueError, match="strictly increasing"):
        curve_thermometer(T[::-1], curve, 0.5)
    with pytest.raises(ValueError, match="equal length"):
        curve_thermometer(T, curve[:-1], 0.5)


# --------------------------------------------------------------------------
# iteration


def random_spins(n=50, L=8, seed=0):
    return np.where(np.random.default_rng(seed).random((n, L, L)) < 0.5, -1, 1).astype(np.int8)


def test_iterate_flow_identity_keeps_the_ensemble():
    spins = random_spins()
    flow = iterate_flow(lambda x: x, spins, 3)
    assert len(flow) == 4
    for x in flow:
        assert x.dtype == np.float64 and x.shape == spins.shape
        np.testing.assert_array_equal(x, spins)
    assert iterate_flow(lambda x: x, spins, 0)[0].dtype == np.float64


def test_iterate_flow_spin_flip_keeps_the_energy():
    spins = random_spins()
    flow = iterate_flow(np.negative, spins, 2)
    np.testing.assert_array_equal(flow[1], -spins)
    np.testing.assert_array_equal(flow[2], spins)
    for x in flow:
        np.testing.assert_allclose(energy(x), energy(spins), atol=1e-15)


def test_iterate_flow_is_safe_from_a_step_working_in_place():
    def in_place(x):
        x *= 0.5
        return x

    flow = iterate_flow(in_place, random_spins(), 2)
    assert np.all(np.abs(flow[0]) == 1) and np.all(np.abs(flow[1]) == 0.5) and np.all(np.abs(flow[2]) == 0.25)


def test_iterate_flow_rejects():
    spins = random_spins()
    with pytest.raises(ValueError, match="steps must be"):
        iterate_flow(np.negative, spins, -1)
    with pytest.raises(ValueError, match="step must be a callable"):
        iterate_flow(None, spins, 1)
    with pytest.raises(ValueError, match="spins must have shape"):
        iterate_flow(np.negative, spins[0], 1)
    with pytest.raises(ValueError, match="at step 1"):
        iterate_flow(lambda x: x[:, :4, :4], spins, 1)


# --------------------------------------------------------------------------
# temperatures of equilibrium ensembles


@pytest.fixture(scope="module")
def equilibrium():
    return {T: sample(8, T, 400, "wolff", seed=11) for T in (2.0, 3.0)}


@pytest.mark.parametrize("T", [2.0, 3.0])
def test_energy_thermometer_reads_back_the_simulated_temperature(equilibrium, T):
    table = ensemble_temperatures([equilibrium[T].spins], n_bootstrap=400, seed=1)
    assert list(table.columns) == ENSEMBLE_COLUMNS
    row = table.iloc[0]
    # the bootstrap resamples blocks of the chain: its error of the mean energy is the blocked
    # error in the same blocks, up to the bootstrap's own noise, 1/sqrt(2 * 400) = 3.5 %
    e = equilibrium[T].energy
    block = resampling_block_length(e, np.abs(magnetization(equilibrium[T].spins)))
    assert block >= 5
    assert row.energy == pytest.approx(e.mean(), abs=1e-12)
    blocked = binning_error(e, block) * math.sqrt(1 - block / e.size)  # the bootstrap's (k - 1)/k
    assert row.energy_err == pytest.approx(blocked, rel=N_SIGMA * 0.035)
    assert abs(row.energy - finite_energy(8, T)) < N_SIGMA * row.energy_err
    assert abs(row.T_energy - T) < N_SIGMA * row.T_energy_err
    # the spread of the converted replicas is the first-order propagation e_err / c(T)
    assert row.T_energy_err == pytest.approx(row.energy_err / finite_specific_heat(8, row.T_energy), rel=0.05)
    assert math.isnan(row.T_abs_m) and math.isnan(row.T_abs_m_err)


def test_ensemble_temperatures_along_a_flow(equilibrium):
    spins = equilibrium[2.0].spins
    T = np.linspace(1.0, 4.0, 31)
    curve = 1.0 / (1.0 + np.exp(3.0 * (T - 2.5)))
    flow = iterate_flow(lambda x: 0.9 * x, spins, 2)
    table = ensemble_temperatures(flow, abs_m_curve=(T, curve), n_bootstrap=100, seed=2)
    assert list(table["step"]) == [0, 1, 2]
    # shrinking the spins by 0.9 scales e by 0.81 and |m| by 0.9: the flow reads hotter
    np.testing.assert_allclose(table["energy"], table["energy"][0] * 0.81 ** np.arange(3), rtol=1e-12)
    np.testing.assert_allclose(table["abs_m"], table["abs_m"][0] * 0.9 ** np.arange(3), rtol=1e-12)
    assert np.all(np.diff(table["T_energy"]) > 0)
    np.testing.assert_allclose(table["T_abs_m"], curve_thermometer(T, curve, table["abs_m"]), rtol=1e-12)
    assert np.all(table["T_abs_m_err"] > 0)
    # the same seed gives the same errors
    again = ensemble_temperatures(flow, abs_m_curve=(T, curve), n_bootstrap=100, seed=2)
    np.testing.assert_array_equal(again.to_numpy(dtype=float), table.to_numpy(dtype=float))


def test_bootstrap_of_correlated_configurations_gives_the_known_error_of_the_mean():
    # uniform configurations x_t = c_t with c_t = 0.5 + 0.05 AR(1), rho = 0.5: |m| = c_t, whose
    # mean has the error sqrt(var/n * 3), the i.i.d. one sqrt(3) times smaller.  Blocks of ~27
    # understate the variance by 2 rho / (B (1 - rho^2)) = 4.9 %; each of 20 chains (~148 blocks,
    # 400 replicas) estimates it to sqrt(2/148 + 2/400) = 13.6 %, their mean to 3.0 %.
    rho, n = 0.5, 4000
    known = 0.05 * math.sqrt(1.0 / (1.0 - rho**2) / n * (1.0 + rho) / (1.0 - rho))
    variances = []
    for seed in range(20):
        c = 0.5 + 0.05 * ar1(rho, n, seed)
        row = ensemble_temperatures([np.broadcast_to(c[:, None, None], (n, 4, 4))], n_bootstrap=400, seed=seed)
        variances.append(row["abs_m_err"].iloc[0] ** 2)
    assert 1 - 0.049 - N_SIGMA * 0.030 < np.mean(variances) / known**2 < 1 + N_SIGMA * 0.030
    # with blocks of one configuration the bootstrap treats them as independent: a third of it
    # (to the 400 replicas' sqrt(2/400) = 7 % and the sample variance's 3 %: 4 sigma = 30 %)
    c = 0.5 + 0.05 * ar1(rho, n, 0)
    iid = ensemble_temperatures([np.broadcast_to(c[:, None, None], (n, 4, 4))], n_bootstrap=400, block_length=1)
    assert iid["abs_m_err"].iloc[0] ** 2 / known**2 == pytest.approx((1 - rho) / (1 + rho), rel=0.3)


@pytest.mark.parametrize("n", [2, 3, 7])
def test_ensemble_temperatures_of_a_few_configurations(equilibrium, n):
    table = ensemble_temperatures([equilibrium[3.0].spins[:n]], n_bootstrap=20, seed=0)
    assert np.isfinite(table["energy_err"]).all() and (table["energy_err"] >= 0).all()


def test_ensemble_temperatures_off_scale_has_no_error():
    # an ensemble of zeros has e = 0: hotter than any T on the scale, and no error bar
    row = ensemble_temperatures([np.zeros((10, 8, 8))], n_bootstrap=10).iloc[0]
    assert row.T_energy == math.inf and math.isnan(row.T_energy_err)


def test_ensemble_temperatures_rejects():
    spins = random_spins()
    with pytest.raises(ValueError, match="one shape"):
        ensemble_temperatures([spins, spins[:10]])
    with pytest.raises(ValueError, match="n_bootstrap"):
        ensemble_temperatures([spins], n_bootstrap=1)
    with pytest.raises(ValueError, match="at least 2 configurations"):
        ensemble_temperatures([spins[:1]])
    with pytest.raises(ValueError, match="strictly monotone"):
        ensemble_temperatures([spins], abs_m_curve=([1.0, 2.0, 3.0], [0.9, 0.5, 0.7]))


# --------------------------------------------------------------------------
# the one-step map


def test_fixed_point_of_a_repelling_map():
    table = flow_map_fixed_points(GRID, T_C + 2.0 * (GRID - T_C))
    assert list(table.columns) == FIXED_POINT_COLUMNS
    assert len(table) == 1
    row = table.iloc[0]
    assert row.T_fixed == pytest.approx(T_C, abs=1e-6)
    assert row.slope == pytest.approx(2.0, abs=1e-6)
    assert row.stability == "unstable"
    assert math.isnan(row.T_fixed_err) and math.isnan(row.slope_err)


def test_fixed_point_of_an_attracting_map():
    row = flow_map_fixed_points(GRID, T_C + 0.5 * (GRID - T_C)).iloc[0]
    assert row.T_fixed == pytest.approx(T_C, abs=1e-6)
    assert row.slope == pytest.approx(0.5, abs=1e-6)
    assert row.stability == "stable"


def test_no_fixed_point_of_a_one_way_map():
    table = flow_map_fixed_points(GRID, GRID + 0.1)
    assert table.empty and list(table.columns) == FIXED_POINT_COLUMNS


def test_fixed_points_on_the_grid_and_off_scale_rows():
    T = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    # exact zero at T = 2, a sign change between 3 and 4 (at 3.5), an off-scale row
    T_next = np.array([1.5, 2.0, 2.5, 4.5, math.inf])
    table = flow_map_fixed_points(T, T_next)
    np.testing.assert_allclose(table["T_fixed"], [2.0, 3.5])
    table = flow_map_fixed_points(np.r_[T, 6.0], np.r_[T_next, math.nan])
    np.testing.assert_allclose(table["T_fixed"], [2.0, 3.5])


def test_fixed_point_errors():
    # a straight line with equal errors: the slope's error is sigma / sqrt(sum (T - mean)^2)
    # over the 2 * half_width rows of the fit, T_fixed's the error of d over the secant
    sigma = 0.01
    T_next = T_C + 2.0 * (GRID - T_C)
    row = flow_map_fixed_points(GRID, T_next, np.full(GRID.size, sigma)).iloc[0]
    i = np.searchsorted(GRID, T_C) - 1
    window = GRID[i - 1 : i + 3]
    assert row.slope_err == pytest.approx(sigma / np.sqrt(np.sum((window - window.mean()) ** 2)), rel=1e-9)
    d = T_next - GRID
    spacing = GRID[1] - GRID[0]
    expected = spacing * sigma * math.hypot(d[i], d[i + 1]) / (d[i] - d[i + 1]) ** 2
    assert row.T_fixed_err == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="T_next_err must be > 0"):
        flow_map_fixed_points(GRID, T_next, np.zeros(GRID.size))
    with pytest.raises(ValueError, match="strictly increasing"):
        flow_map_fixed_points(GRID[::-1], T_next)


def test_flow_direction():
    away = flow_direction(GRID, T_C + 2.0 * (GRID - T_C))
    towards = flow_direction(GRID, T_C + 0.5 * (GRID - T_C))
    assert away.word == "away from T_c" and away.fraction_towards == 0.0 and away.fraction_away == 1.0
    assert towards.word == "towards T_c" and towards.fraction_towards == 1.0 and towards.fraction_away == 0.0
    # rows with 0.02 < |T - T_c| <= 0.3
    distance = np.abs(GRID - T_C)
    assert away.n_used == towards.n_used == np.sum((distance > 0.02) & (distance <= 0.3)) > 0
    # a map that heats everything (to +inf, off the thermometer) repels from T_c only above it
    hotter = flow_direction(GRID, np.full(GRID.size, math.inf))
    assert hotter.word == "hotter everywhere" and 0.3 < hotter.fraction_away < 0.7 and hotter.fraction_towards == 0.0
    assert flow_direction(GRID, np.zeros(GRID.size)).word == "colder everywhere"
    # half towards, half heated across: mixed; NaN readings are left out
    mixed = np.where(GRID < T_C, T_C + 0.5 * (GRID - T_C), GRID - 0.5)
    result = flow_direction(GRID, mixed)
    assert result.word == "mixed" and 0.4 < result.fraction_towards < 0.6
    fraction_towards, fraction_away, word, n_used = flow_direction(GRID, np.full(GRID.size, math.nan))
    assert math.isnan(fraction_towards) and math.isnan(fraction_away) and word == "undetermined" and n_used == 0
    with pytest.raises(ValueError, match="window and exclude"):
        flow_direction(GRID, GRID, window=0.01)
