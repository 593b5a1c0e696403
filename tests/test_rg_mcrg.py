"""Tests for deeprenorm.rg.mcrg: Swendsen's Monte Carlo renormalisation group.

The operators are checked on hand-made lattices; the linear algebra on a map that changes
nothing (T = I exactly); the physics on one Wolff ensemble at T_c, where the
majority rule must give y_h = 15/8 within its jackknife error band (4 sigma plus the few-tenths of
a percent that the small lattice's corrections to scaling leave) and a map that is no RG step
must not.
"""

import math

import numpy as np
import pytest

from deeprenorm.exact import T_C
from deeprenorm.ising import sample
from deeprenorm.rg.blocking import decimation, majority
from deeprenorm.rg.mcrg import (
    EVEN_OPERATORS,
    EXPONENT_COLUMNS,
    ODD_OPERATORS,
    block_operators,
    mcrg_exponents,
    reversal_asymmetry,
)

N_SIGMA = 4.0


def test_operators_of_ordered_and_checkerboard_lattices():
    L = 6
    up = np.ones((1, L, L), dtype=np.int8)
    even = block_operators(up, "y_t")[0]
    odd = block_operators(up, "y_h")[0]
    # N sites: 2N nearest and diagonal pairs, 2N third neighbours, N plaquettes
    np.testing.assert_array_equal(even, [2 * L * L, 2 * L * L, 2 * L * L, L * L])
    # N spins, 4N corner triples, 2N rows of three
    np.testing.assert_array_equal(odd, [L * L, 4 * L * L, 2 * L * L])
    checkerboard = np.where(np.add.outer(np.arange(L), np.arange(L)) % 2 == 0, 1, -1).astype(np.int8)[None]
    np.testing.assert_array_equal(block_operators(checkerboard, "y_t")[0], [-2 * L * L, 2 * L * L, 2 * L * L, L * L])
    np.testing.assert_array_equal(block_operators(-up, "y_h")[0], -odd)
    assert list(EVEN_OPERATORS) == ["nearest", "diagonal", "third", "plaquette"]
    assert list(ODD_OPERATORS) == ["magnetisation", "corners", "row_of_three"]


def test_a_map_that_changes_nothing_has_eigenvalue_one_in_both_sectors():
    # S^(n) = S^(n-1): A = B, T = I and lambda = 1, y = 0, for every operator count and replica
    rng = np.random.default_rng(1)
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), (200, 8, 8))
    table = mcrg_exponents(spins, lambda s: s, 2, levels=1, n_blocks=10)
    assert list(table.columns) == EXPONENT_COLUMNS
    assert len(table) == len(EVEN_OPERATORS) + len(ODD_OPERATORS)
    np.testing.assert_allclose(table["value"], 0.0, atol=1e-9)
    np.testing.assert_allclose(table["value_err"], 0.0, atol=1e-9)


@pytest.fixture(scope="module")
def critical_ensemble():
    """L = 32 at T_c, 3000 Wolff configurations stored 2 tau_int apart (about 3 s)."""
    return sample(32, T_C, 3000, "wolff", seed=11).spins


def _row(table, level, operators):
    return table.query("exponent == 'y_h' and level == @level and operators == @operators").iloc[0]


def _within_band(table, level, operators):
    """Whether y_h at ``level`` with ``operators`` odd operators is measured to better than 1 %
    and is 15/8 within 4 of its errors plus 1 %: the band the majority rule must meet."""
    row, tolerance = _row(table, level, operators), 0.01 * 15 / 8
    return bool(row["value_err"] < tolerance and abs(row["value"] - 15 / 8) < N_SIGMA * row["value_err"] + tolerance)


def _measurably_off(table, level, operators):
    """Whether y_h is measured and lies outside that band by more than 4 of its errors: a map
    that fails the criterion, not one that is merely noisy."""
    row, tolerance = _row(table, level, operators), 0.01 * 15 / 8
    return bool(math.isfinite(row["value"]) and abs(row["value"] - 15 / 8) > N_SIGMA * row["value_err"] + tolerance)


def _random_weights(spins, weights):
    """The sign of a fixed random-weight sum over each 2 x 2 block: a local rule, no RG step."""
    n, L = spins.shape[0], spins.shape[-1]
    blocks = spins.reshape(n, L // 2, 2, L // 2, 2).astype(np.float64)
    return np.where(np.einsum("naybc,yc->nab", blocks, weights) >= 0, 1, -1).astype(np.int8)


def _parity(spins):
    """The product of each block's four spins: even under spin reversal, so no magnetisation."""
    n, L = spins.shape[0], spins.shape[-1]
    return np.prod(spins.reshape(n, L // 2, 2, L // 2, 2), axis=(2, 4), dtype=np.int8)


def test_majority_rule_passes_the_magnetic_exponent_and_maps_that_are_no_rg_step_fail(critical_ensemble):
    rng = np.random.default_rng(5)
    table = mcrg_exponents(critical_ensemble, lambda s: majority(s, 2, rng), 2, levels=2)
    y_h = table.query("exponent == 'y_h' and level == 2 and operators == 3").iloc[0]
    assert 0 < y_h["value_err"] < 0.01
    assert _within_band(table, 2, 3) and _within_band(table, 1, 3)
    y_t = table.query("exponent == 'y_t' and level == 2 and operators == 4").iloc[0]
    assert abs(y_t["value"] - 1.0) < N_SIGMA * y_t["value_err"] + 0.03
    # measured the same way, on the same configurations
    # random weights of both signs (all of one sign would make a weighted majority rule, perhaps
    # composed with a spin flip: an RG step, which the magnitude of the eigenvalue does not see)
    weights = np.random.default_rng(3).standard_normal((2, 2))
    assert (weights > 0).any() and (weights < 0).any()
    random_map = mcrg_exponents(critical_ensemble, lambda s: _random_weights(s, weights), 2, levels=2)
    assert _measurably_off(random_map, 2, 3)
    # the parity of a block is even under spin reversal: no odd eigenvalue is resolved at all
    parity = mcrg_exponents(critical_ensemble, _parity, 2, levels=1)
    assert math.isnan(_row(parity, 1, 3)["value"]) and _row(parity, 1, 3)["replicas_failed"] > 0


def test_decimation_misses_the_magnetic_exponent_at_every_level(critical_ensemble):
    # Griffiths & Pearce's pathological map: at L = 32 its y_h sits near 1.93-1.95
    table = mcrg_exponents(critical_ensemble, lambda s: decimation(s, 2), 2, levels=2)
    assert _measurably_off(table, 1, 3) and _measurably_off(table, 2, 3)


def test_bad_arguments_are_named():
    spins = np.ones((30, 8, 8), dtype=np.int8)
    with pytest.raises(ValueError, match="configurations must be"):
        mcrg_exponents(spins[0], lambda s: s, 2, levels=1)
    with pytest.raises(ValueError, match="cannot be blocked 3 times"):
        mcrg_exponents(spins, lambda s: s, 2, levels=3)
    with pytest.raises(ValueError, match="n_blocks = 40 exceeds"):
        mcrg_exponents(spins, lambda s: s, 2, levels=1, n_blocks=40)
    with pytest.raises(ValueError, match="b must be an integer >= 2"):
        mcrg_exponents(spins, lambda s: s, 1, levels=1)


def test_reversal_asymmetry_is_zero_for_odd_maps_and_counts_the_sites_that_break_it():
    spins = np.random.default_rng(2).choice(np.array([-1, 1], dtype=np.int8), (50, 8, 8))
    assert reversal_asymmetry(lambda s: decimation(s, 2), spins) == 0.0

    # a rule that sends every tie (and only ties) to +1 breaks the symmetry exactly on the ties
    def ties_up(s):
        total = s.reshape(50, 4, 2, 4, 2).sum(axis=(2, 4))
        return np.where(total >= 0, 1, -1).astype(np.int8)

    ties = np.mean(spins.reshape(50, 4, 2, 4, 2).sum(axis=(2, 4)) == 0)
    assert reversal_asymmetry(ties_up, spins) == pytest.approx(ties) and ties > 0
