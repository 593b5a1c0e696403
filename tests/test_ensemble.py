"""Tests for deeprenorm.ensemble: the reweighted, jackknifed core of the T_c and flow analyses.

Exact checks first (a one-temperature ensemble reweighted to its own temperature is the plain
mean, and its jackknife error that of the block means); then the not-located policy on curves
built by hand, where what each replica finds is known.
"""

import math

import numpy as np
import pytest

from deeprenorm.ensemble import (
    Ensemble,
    JackknifedCurves,
    derived_window,
    jackknifed_crossing,
    jackknifed_peak,
    reweighted_curves,
    temperature_grid_between,
)
from deeprenorm.stats import binning_error


def _means(means, grid):
    return {"abs_m": means[:, 0]}


def test_one_temperature_reweighted_to_itself_is_the_plain_mean_with_the_blocked_error():
    rng = np.random.default_rng(3)
    energy = -1.5 + 0.1 * rng.standard_normal((1, 200))
    magnetization = rng.uniform(-1, 1, (1, 200))
    ensemble = Ensemble(8, [2.3], energy, magnetization)
    curves = reweighted_curves(ensemble, np.abs(magnetization)[..., None], _means, np.array([2.3]), 20)
    assert curves.n_blocks == 20
    assert curves.full["abs_m"][0] == pytest.approx(np.abs(magnetization).mean(), rel=1e-12)
    # every sample has the same weight at the simulated temperature: the replicas are the
    # leave-one-block-out means, whose jackknife error is the binning error of the same blocks
    assert curves.error("abs_m")[0] == pytest.approx(binning_error(np.abs(magnetization[0]), block_size=10), rel=1e-9)


def test_ensemble_refuses_mismatched_shapes_and_cuts_windows():
    with pytest.raises(ValueError, match="temperature, sample"):
        Ensemble(8, [2.0, 2.5], np.zeros((2, 10)), np.zeros((2, 9)))
    with pytest.raises(ValueError, match="temperature, sample"):
        Ensemble(8, [2.0, 2.5, 3.0], np.zeros((2, 10)), np.zeros((2, 10)))
    ensemble = Ensemble(8, [2.0, 2.25, 2.5], np.zeros((3, 4)), np.arange(12.0).reshape(3, 4))
    inside = ensemble.within((2.1, 2.5))
    np.testing.assert_array_equal(inside.temperatures, [2.25, 2.5])
    np.testing.assert_array_equal(inside.magnetization[0], [4, 5, 6, 7])
    assert ensemble.within(None) is ensemble
    np.testing.assert_array_equal(ensemble.samples(np.array([1, 3])).magnetization[:, 1], [3, 7, 11])


GRID = temperature_grid_between(2.0, 2.6, 0.01)


def _peaked(position, height=1.0):
    return height - (GRID - position) ** 2


def test_a_peak_found_by_every_replica_has_the_jackknife_error_of_their_positions():
    positions = 2.3 + 0.01 * np.array([-1.0, 0.0, 1.0, 2.0])
    curves = JackknifedCurves(GRID, {"chi": _peaked(2.3)}, tuple({"chi": _peaked(p)} for p in positions))
    peak = jackknifed_peak(curves, "chi", where="window (2, 2.6)")
    assert peak.located and peak.n_replicas == 4
    assert peak.value == pytest.approx(2.3, abs=1e-9) and peak.height == pytest.approx(1.0, abs=1e-9)
    expected = math.sqrt(3 / 4 * np.sum((positions - positions.mean()) ** 2))
    assert peak.error == pytest.approx(expected, rel=1e-6)


def test_a_peak_that_one_replica_cannot_locate_is_not_located_with_the_count():
    # replica 2's maximum lies beyond the grid: its peak is not bracketed
    replicas = ({"chi": _peaked(2.3)}, {"chi": _peaked(2.31)}, {"chi": _peaked(2.9)})
    peak = jackknifed_peak(JackknifedCurves(GRID, {"chi": _peaked(2.3)}, replicas), "chi", where="window (2, 2.6)")
    assert not peak.located and math.isnan(peak.value) and math.isnan(peak.error)
    assert peak.reason == ": 1 of 3 jackknife replicas found no peak"
    edge = jackknifed_peak(JackknifedCurves(GRID, {"chi": _peaked(2.9)}, replicas), "chi", where="window (2, 2.6)")
    assert edge.reason.startswith(" for T in [2, 2.6] (window (2, 2.6)): maximum at the edge")


def _line(crossing, slope):
    return slope * (GRID - crossing)


def test_a_crossing_is_located_by_every_replica_or_reported_with_the_count():
    small = JackknifedCurves(GRID, {"u": _line(2.3, 1.0)}, tuple({"u": _line(2.3, 1.0)} for _ in range(3)))
    roots = [2.29, 2.30, 2.32]
    large = JackknifedCurves(GRID, {"u": _line(2.3, 2.0)}, tuple({"u": _line(2.3, 2.0) + (r - 2.3)} for r in roots))
    crossing, replica_roots = jackknifed_crossing(small, large, "u", grid_spacing=0.01, where="w")
    assert crossing.located and crossing.value == pytest.approx(2.3) and crossing.n_roots == 1
    # large - small = (x - 2.3) + (r - 2.3): replica j crosses at 2.3 - (r_j - 2.3)
    np.testing.assert_allclose(replica_roots, [2.31, 2.30, 2.28], atol=1e-9)
    assert crossing.error == pytest.approx(math.sqrt(2 / 3 * np.sum((replica_roots - replica_roots.mean()) ** 2)))
    apart = JackknifedCurves(GRID, {"u": _line(2.3, 2.0)}, large.replicas[:2] + ({"u": _line(2.3, 1.0) + 1.0},))
    crossing, replica_roots = jackknifed_crossing(small, apart, "u", grid_spacing=0.01, where="w")
    assert not crossing.located and replica_roots is None
    assert crossing.reason == ": 1 of 3 jackknife replicas found no crossing"
    disjoint = JackknifedCurves(GRID + 1.0, small.full, small.replicas)
    crossing, _ = jackknifed_crossing(small, disjoint, "u", grid_spacing=0.01, where="w")
    assert crossing.reason == ": the two sizes share no simulated temperature range in the w"


def test_derived_window_keeps_the_temperatures_where_chi_prime_is_large():
    T = np.array([1.5, 2.0, 2.3, 2.6, 3.5])
    # |m| fluctuations (chi' up to N) largest at 2.3, a quarter of it or more at 2.0 and 2.6 only
    spread = np.array([0.01, 0.3, 0.5, 0.3, 0.05])
    rng = np.random.default_rng(0)
    m = spread[:, None] * rng.choice([-1.0, 1.0], (5, 4000)) * rng.uniform(0, 2, (5, 4000))
    assert derived_window([(T, m)]) == (2.0, 2.6)
