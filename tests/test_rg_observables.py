"""deeprenorm.rg.observables: per-sample observables of (blocked) lattices and their ensemble
summary, on lattices whose values are known exactly and against the Monte Carlo kernels."""

import numpy as np
import pytest
from helpers import checkerboard, random_spins

from deeprenorm.ising.lattice import energy_magnetization
from deeprenorm.rg import (
    energy,
    ensemble_summary,
    magnetization,
    nearest_neighbour_correlation,
    sample_observables,
    two_point_function,
)


def test_observables_of_uniform_and_checkerboard_lattices():
    up = np.ones((2, 8, 8), dtype=np.int8)
    np.testing.assert_array_equal(nearest_neighbour_correlation(up), [1.0, 1.0])
    np.testing.assert_array_equal(magnetization(-up), [-1.0, -1.0])
    np.testing.assert_array_equal(energy(up), [-2.0, -2.0])
    board = checkerboard(8)
    assert nearest_neighbour_correlation(board) == -1.0
    assert magnetization(board) == 0.0
    np.testing.assert_array_equal(two_point_function(board), [(-1) ** r for r in range(5)])
    np.testing.assert_array_equal(two_point_function(up), np.ones((2, 5)))


def test_per_sample_observables_agree_with_the_lattice_kernels():
    spins = random_spins((6, 10, 10), seed=6)
    values = sample_observables(spins)
    for n in range(6):
        E, M = energy_magnetization(spins[n])
        assert values["e"][n] == pytest.approx(E / 100, abs=1e-14)
        assert values["m"][n] == pytest.approx(M / 100, abs=1e-14)
    np.testing.assert_array_equal(values["G"][:, 0], 1.0)
    np.testing.assert_allclose(values["G"][:, 1], values["nn"])
    assert values["G"].shape == (6, 6)
    # r and L - r are the same separation on the torus: G(r) is built from shifts by r only
    shifted = np.roll(spins, 3, axis=-1)
    np.testing.assert_allclose(two_point_function(shifted), values["G"])


def test_continuous_configurations_are_accepted():
    half = np.full((3, 6, 6), 0.5, dtype=np.float32)
    np.testing.assert_allclose(nearest_neighbour_correlation(half), 0.25)
    np.testing.assert_allclose(two_point_function(half)[:, 0], 0.25)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        magnetization(half * 3)
    with pytest.raises(ValueError, match="shape"):
        magnetization(np.ones(6))


def test_ensemble_summary_of_ordered_configurations():
    spins = np.ones((40, 8, 8), dtype=np.int8)
    spins[::2] = -1  # both ordered states: <m> = 0 but <|m|> = 1
    summary = ensemble_summary(sample_observables(spins))
    assert summary["binder"].value == pytest.approx(2 / 3, abs=1e-14)
    assert summary["binder"].error == pytest.approx(0.0, abs=1e-14)
    assert summary["abs_m"].value == pytest.approx(1.0)
    assert summary["nn"].value == pytest.approx(1.0)
    np.testing.assert_allclose(summary["G"].value, 1.0)
    only_m = ensemble_summary({"m": magnetization(spins)})
    assert set(only_m) == {"abs_m", "binder"}
    with pytest.raises(ValueError, match="samples"):
        ensemble_summary({"m": magnetization(spins), "nn": np.ones(3)})
