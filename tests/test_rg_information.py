"""The block environment and the Barber-Agakov bound on I(H : E) (deeprenorm.rg.information).

Statistical checks use fixed seeds, so they are deterministic; tolerances are 3 bootstrap
errors where the bound is unbiased, and one-sided where it is biased low by construction.
"""

import math

import numpy as np
import pytest
from helpers import random_spins

from deeprenorm.ising import sample
from deeprenorm.rg import decimation, information, majority, tie_breaking_rng
from deeprenorm.rg.information import (
    InformationBound,
    block_environment,
    environment_offsets,
    information_bound,
    paired_difference,
    rank_maps,
)

N_SIGMA = 3.0


def binary_entropy(p) -> float:
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def ring(L, b, block, buffer, shell) -> set[tuple[int, int]]:
    """Sites of the torus at Chebyshev distance in (buffer, buffer + shell] from a block, by brute force."""
    sites = set()
    for x in range(L):
        for y in range(L):
            distance = 0
            for coordinate, origin in ((x, block[0] * b), (y, block[1] * b)):
                r = (coordinate - origin) % L
                distance = max(distance, 0 if r < b else min(r - (b - 1), L - r))
            if buffer < distance <= buffer + shell:
                sites.add((x, y))
    return sites


@pytest.fixture(scope="module")
def pairs():
    """Random spins of 200 12 x 12 lattices, b = 2, buffer 2, shell 1, and the copy of the spin
    3 rows above each block's top-left site (an environment site): h, environment, groups, copy."""
    spins = random_spins((200, 12, 12), seed=1)
    copy = np.roll(spins, 3, axis=1)[:, ::2, ::2]
    independent = random_spins((200, 6, 6), seed=2)
    h, environment, groups = block_environment(spins, independent, 2, buffer=2, shell=1)
    h_copy, environment_copy, groups_copy = block_environment(spins, copy, 2, buffer=2, shell=1)
    assert np.array_equal(environment, environment_copy) and np.array_equal(groups, groups_copy)
    return h, environment, groups, h_copy


# ---------------------------------------------------------------------------------------------
# the environment


@pytest.mark.parametrize("b, buffer, shell", [(1, 0, 1), (2, 2, 1), (2, 2, 2), (3, 1, 2), (4, 4, 3)])
def test_environment_offsets_count_the_ring(b, buffer, shell):
    rows, cols = environment_offsets(b, buffer, shell)
    assert rows.size == cols.size == (b + 2 * (buffer + shell)) ** 2 - (b + 2 * buffer) ** 2
    assert len(set(zip(rows.tolist(), cols.tolist()))) == rows.size


def test_block_environment_shapes_and_order():
    spins = random_spins((5, 12, 12))
    variables = random_spins((5, 6, 6), seed=3)
    h, environment, groups = block_environment(spins, variables, 2, buffer=2, shell=1)
    assert h.dtype == environment.dtype == np.int8
    assert h.shape == (5 * 36,) and environment.shape == (5 * 36, 28) and groups.shape == (5 * 36,)
    assert np.array_equal(h, variables.reshape(-1))
    assert np.array_equal(groups, np.repeat(np.arange(5), 36))
    # the default buffer is b
    assert block_environment(spins, variables, 2, shell=1)[1].shape == (5 * 36, 28)


def test_block_environment_holds_exactly_the_ring_across_the_wrap():
    L, b, buffer, shell = 12, 2, 2, 1
    # configuration k has its only down spin at site k: the environment of a block in
    # configuration k shows a -1 exactly when site k belongs to the block's ring
    spins = np.ones((L * L, L, L), dtype=np.int8)
    spins.reshape(L * L, L * L)[np.arange(L * L), np.arange(L * L)] = -1
    variables = np.ones((L * L, L // b, L // b), dtype=np.int8)
    environment = block_environment(spins, variables, b, buffer=buffer, shell=shell)[1]
    environment = environment.reshape(L * L, L // b, L // b, -1)
    for row in range(L // b):
        for column in range(L // b):
            down = environment[:, row, column, :] == -1  # (site, environment column)
            assert np.all(down.sum(axis=0) == 1)  # each column is one site
            found = {divmod(int(k), L) for k in np.flatnonzero(down.any(axis=1))}
            assert found == ring(L, b, (row, column), buffer, shell)
    block_00 = ring(L, b, (0, 0), buffer, shell)
    assert len(block_00) == 28
    assert {(9, 9), (9, 4), (4, 9), (4, 4), (9, 0), (0, 9)} <= block_00
    assert not {(10, 10), (10, 0), (3, 3), (0, 0)} & block_00


def test_block_environment_rejects_bad_input():
    spins = random_spins((3, 12, 12))
    with pytest.raises(ValueError, match="L = 12 is not divisible by the block size b = 5"):
        block_environment(spins, random_spins((3, 2, 2)), 5)
    with pytest.raises(ValueError, match="= 14 exceeds L = 12"):
        block_environment(spins, random_spins((3, 6, 6)), 2, buffer=2, shell=4)
    # a window of exactly L still meets no site twice
    assert block_environment(spins, random_spins((3, 6, 6)), 2, buffer=3, shell=2)[1].shape == (108, 144 - 64)
    with pytest.raises(ValueError, match=r"variables must have shape \(n, L/b, L/b\) = \(3, 6, 6\)"):
        block_environment(spins, random_spins((3, 4, 4)), 2)
    with pytest.raises(ValueError, match="variables must be"):
        block_environment(spins, np.zeros((3, 6, 6)), 2)
    with pytest.raises(ValueError, match="int8"):
        block_environment(spins.astype(float), random_spins((3, 6, 6)), 2)
    with pytest.raises(ValueError, match="shell must be an integer >= 1"):
        block_environment(spins, random_spins((3, 6, 6)), 2, shell=0)


# ---------------------------------------------------------------------------------------------
# the bound


def test_bound_of_an_independent_variable_is_about_zero(pairs):
    h, environment, groups, _ = pairs
    bound = information_bound(h, environment, groups, seed=0)
    assert isinstance(bound, InformationBound)
    assert bound.n_train == bound.n_eval == 100
    assert bound.bits == pytest.approx(bound.entropy_bits - bound.cross_entropy_bits)
    # the fitted probe's noise costs ~ n_env / (2 N_train ln 2) = 0.006 bits, so the bound sits
    # a few errors below 0; it must not lie above
    assert abs(bound.bits) < 0.02
    assert bound.bits < N_SIGMA * bound.bits_err
    assert 0 < bound.bits_err < 0.01


@pytest.mark.parametrize("sign", [1, -1])
def test_bound_of_a_copied_environment_spin_is_its_entropy(pairs, sign):
    _, environment, groups, h = pairs
    bound = information_bound(sign * h, environment, groups, seed=0)
    assert bound.entropy_bits > 0.99
    assert bound.bits > 0.95 * bound.entropy_bits
    # the L2 penalty caps the probe's confidence: 1 - q ~ e^{-w}, l2 w = e^{-w}, ~0.008 bits
    assert 0 < bound.entropy_bits - bound.bits < 0.01
    tight = information_bound(sign * h, environment, groups, seed=0, l2=1e-6)
    assert 0 < tight.entropy_bits - tight.bits < 1e-3


@pytest.mark.parametrize("p", [0.05, 0.2])
def test_bound_of_a_noisy_copy_is_one_minus_the_noise_entropy(pairs, p):
    _, environment, groups, h = pairs
    flips = np.where(np.random.default_rng(4).random(h.size) < p, -1, 1).astype(np.int8)
    bound = information_bound(h * flips, environment, groups, seed=0)
    assert abs(bound.bits - (1 - binary_entropy(p))) < N_SIGMA * bound.bits_err
    assert bound.bits_err < 0.03


def test_bound_is_reproducible(pairs):
    h, environment, groups, h_copy = pairs
    noisy = np.where(np.random.default_rng(5).random(h.size) < 0.1, -h_copy, h_copy)
    first = information_bound(noisy, environment, groups, seed=7)
    assert information_bound(noisy, environment, groups, seed=7) == first
    assert information_bound(noisy, environment, groups, seed=np.random.SeedSequence(7)) == first
    assert information_bound(noisy, environment, groups, seed=8) != first
    # more bootstrap replicas leave the split, hence the bound, unchanged
    assert information_bound(noisy, environment, groups, seed=7, n_bootstrap=50).bits == first.bits


def test_pairs_are_split_and_resampled_by_configuration(pairs):
    h, environment, groups, h_copy = pairs
    noisy = np.where(np.random.default_rng(6).random(h.size) < 0.1, -h_copy, h_copy)
    bound = information_bound(noisy, environment, groups, seed=3)
    # other labels in the same order give the same split
    assert information_bound(noisy, environment, 10 * groups + 3, seed=3) == bound
    # each pair repeated three times within its configuration adds no information: the same
    # bound and, because the bootstrap resamples configurations, the same error
    order = np.argsort(np.tile(groups, 3), kind="stable")
    repeated = information_bound(
        np.tile(noisy, 3)[order], np.tile(environment, (3, 1))[order], np.tile(groups, 3)[order], seed=3
    )
    assert repeated.bits == pytest.approx(bound.bits, abs=1e-9)
    assert repeated.bits_err == pytest.approx(bound.bits_err, rel=1e-6)


def test_bound_of_a_constant_variable_is_zero(pairs):
    _, environment, groups, _ = pairs
    for value in (1, -1):
        bound = information_bound(np.full(groups.size, value, dtype=np.int8), environment, groups, seed=0)
        assert bound[:6] == (0.0, 0.0, 0.0, 0.0, 100, 100) and not any(bound.replicas)


def test_train_fraction_sets_the_split(pairs):
    h, environment, groups, h_copy = pairs
    bound = information_bound(h_copy, environment, groups, seed=0, train_fraction=0.25)
    assert (bound.n_train, bound.n_eval) == (50, 150)


def test_information_bound_rejects_bad_input(pairs):
    h, environment, groups, _ = pairs
    calls = {
        "h must be": dict(h=np.zeros(h.size)),
        "environment must have shape": dict(environment=environment[:-1]),
        "environment must be finite": dict(environment=np.full(environment.shape, np.nan)),
        "groups must have shape": dict(groups=groups[:-1]),
        "groups must be integer": dict(groups=groups.astype(float)),
        "at least 2 configurations": dict(groups=np.zeros_like(groups)),
        "train_fraction must be a number in": dict(train_fraction=1.0),
        "n_bootstrap must be an integer >= 2": dict(n_bootstrap=1),
        "l2 must be a finite number > 0": dict(l2=0.0),
        "seed must be a non-negative integer": dict(seed=-1),
    }
    for message, change in calls.items():
        arguments = dict(h=h, environment=environment, groups=groups, seed=0) | change
        with pytest.raises(ValueError, match=message):
            information_bound(**arguments)


def test_rank_maps_orders_by_bits():
    bounds = {
        "decimation": InformationBound(0.4, 0.02, 1.0, 0.6, 10, 10),
        "majority": InformationBound(0.5, 0.02, 1.0, 0.5, 10, 10),
        "random": InformationBound(-0.01, 0.002, 1.0, 1.01, 10, 10),
    }
    assert rank_maps(bounds) == ["majority", "decimation", "random"]


def test_majority_rule_keeps_more_information_than_decimation_at_tc():
    # L = 16 at T_c: majority 0.54 +- 0.02 bits, decimation 0.45 +- 0.02 (3-5 errors apart over
    # six seeds; the errors are correlated, as both maps see the same configurations)
    L, T, b, seed = 16, 2.269, 2, 1
    spins = sample(L, T, 300, "wolff", seed).spins
    maps = {"majority": majority(spins, b, tie_breaking_rng(seed, L, b, T)), "decimation": decimation(spins, b)}
    bounds = {
        name: information_bound(*block_environment(spins, variables, b), seed=seed) for name, variables in maps.items()
    }
    assert rank_maps(bounds) == ["majority", "decimation"]
    gap = bounds["majority"].bits - bounds["decimation"].bits
    assert gap > 2 * math.hypot(bounds["majority"].bits_err, bounds["decimation"].bits_err)
    assert 0.3 < bounds["decimation"].bits < bounds["majority"].bits < bounds["majority"].entropy_bits


def test_a_paired_difference_of_identical_maps_is_exactly_zero_and_of_correlated_maps_is_small(pairs):
    h, environment, groups, h_copy = pairs
    first = information_bound(h_copy, environment, groups, seed=5)
    again = information_bound(h_copy.copy(), environment, groups, seed=5)
    assert paired_difference(first, again) == (0.0, 0.0)
    # two variables that differ on 1 % of the pairs share the configurations' fluctuations: the
    # paired error is well below the two errors combined as if independent
    uniform = np.random.default_rng(9).random(h.size)
    noisy = np.where(uniform < 0.10, -h_copy, h_copy)
    first = information_bound(noisy, environment, groups, seed=5)
    other = information_bound(np.where(uniform < 0.11, -h_copy, h_copy), environment, groups, seed=5)
    difference, error = paired_difference(first, other)
    assert difference == pytest.approx(first.bits - other.bits)
    assert 0.0 < error < 0.5 * math.hypot(first.bits_err, other.bits_err)
    with pytest.raises(ValueError, match="same split"):
        paired_difference(first, information_bound(noisy, environment, groups, seed=5, n_bootstrap=50))
    with pytest.raises(ValueError, match="replicas"):
        paired_difference(first, InformationBound(0.4, 0.02, 1.0, 0.6, 10, 10))


def test_the_bound_conditioned_on_the_global_sign(pairs):
    """A block variable that is the configuration's global sign tells the environment nothing
    beyond that sign: conditioned on it, its bound is zero within the probe's noise, while
    unconditioned it is large (the environment knows the sign). A variable the environment
    determines (a copy of one of its sites) keeps its information when the sign is given."""
    h, environment, groups, h_copy = pairs
    sign_of_configuration = np.where(environment.reshape(200, -1, environment.shape[1]).sum(axis=(1, 2)) >= 0, 1, -1)
    global_sign = np.repeat(sign_of_configuration, groups.size // 200).astype(np.int8)
    # random spins have a weak global sign: make the environment carry it, as near T_c
    biased = np.where(np.random.default_rng(3).random(environment.shape) < 0.3, global_sign[:, None], environment)
    plain = information_bound(global_sign, biased, groups, seed=1)
    given = information_bound(global_sign, biased, groups, seed=1, condition=global_sign)
    assert plain.bits > 0.5 and abs(given.bits) < 0.01
    copied = information_bound(h_copy, environment, groups, seed=1, condition=global_sign)
    assert copied.bits > 0.9 and len(copied.replicas) == 200 and copied.bits_err > 0
    with pytest.raises(ValueError, match="one value per configuration"):
        information_bound(h, environment, groups, seed=1, condition=h)


def test_every_map_resamples_the_same_contiguous_blocks(pairs, monkeypatch):
    # the pairing of paired_difference: whatever the variable, one seed, one block length and
    # the same configurations give the same multiplicities of the evaluation configurations,
    # constant over runs of block_length consecutive ones (100 = 20 blocks of 5)
    h, environment, groups, h_copy = pairs
    drawn, draw = [], information.block_bootstrap_weights

    def recording(*args):
        drawn.append(draw(*args))
        return drawn[-1]

    monkeypatch.setattr(information, "block_bootstrap_weights", recording)
    sign = np.repeat(np.where(np.arange(200) % 3 == 0, 1, -1), groups.size // 200).astype(np.int8)
    bounds = [
        information_bound(h, environment, groups, seed=2, block_length=5),
        information_bound(h_copy, environment, groups, seed=2, block_length=5),
        information_bound(h_copy, environment, groups, seed=2, block_length=5, condition=sign),
    ]
    assert len(drawn) == 3 and all(np.array_equal(weights, drawn[0]) for weights in drawn)
    assert drawn[0].shape == (200, 100)
    np.testing.assert_array_equal(drawn[0], np.repeat(drawn[0][:, ::5], 5, axis=1))
    assert all(bound.block_length == 5 for bound in bounds)
    # a bound drawn in other blocks does not pair
    with pytest.raises(ValueError, match="same split"):
        paired_difference(bounds[1], information_bound(h_copy, environment, groups, seed=2, block_length=4))


def _markov_signs(n, stay_plus, stay_minus, seed):
    """A two-state Markov chain of +-1 (stationary P(+1) = (1 - stay_minus) / (2 - stay_plus -
    stay_minus), lag-1 correlation stay_plus + stay_minus - 1), started in equilibrium."""
    rng = np.random.default_rng(seed)
    p_plus = (1 - stay_minus) / (2 - stay_plus - stay_minus)
    signs = np.empty(n, dtype=np.int8)
    signs[0] = 1 if rng.random() < p_plus else -1
    for t, u in enumerate(rng.random(n - 1), start=1):
        stay = stay_plus if signs[t - 1] == 1 else stay_minus
        signs[t] = signs[t - 1] if u < stay else -signs[t - 1]
    return signs


def test_blocks_carry_the_correlation_of_successive_configurations():
    # one pair per configuration, h = the configuration's sign, a Markov chain with P(+1) = 0.8
    # and lag-1 correlation 0.8, which the environment knows: the bound is ~H(h), whose error is
    # that of the fraction of h = +1.  The evaluation half is every other configuration on
    # average, so its lag-1 correlation is 0.8 / (2 - 0.8) = 2/3 and that error is
    # sqrt((1 + 2/3) / (1 - 2/3)) = 2.24 times the i.i.d. one.  Blocks of 25 understate the
    # variance by 2 rho / (B (1 - rho^2)) = 9.6 %: the ratio is 2.13, which 160 blocks and 400
    # replicas estimate to 7 % (0.144 over 20 chains): 4 sigma is [1.55, 2.71].
    signs = _markov_signs(8000, stay_plus=0.96, stay_minus=0.84, seed=3)
    groups = np.arange(signs.size)
    environment = signs[:, None]
    blocked = information_bound(signs, environment, groups, seed=1, block_length=25, n_bootstrap=400)
    iid = information_bound(signs, environment, groups, seed=1, block_length=1, n_bootstrap=400)
    assert blocked.bits == iid.bits
    assert 1.55 < blocked.bits_err / iid.bits_err < 2.71


@pytest.mark.parametrize("n_configurations", [2, 3, 6])
def test_a_few_configurations_give_a_bound(pairs, n_configurations):
    h, environment, groups, h_copy = pairs
    few = groups < n_configurations
    bound = information_bound(h_copy[few], environment[few], groups[few], seed=0, n_bootstrap=10)
    assert bound.n_train + bound.n_eval == n_configurations and len(bound.replicas) == 10
    assert np.isfinite(bound.bits) and bound.bits_err >= 0
