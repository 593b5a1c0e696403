"""deeprenorm.rg.blocking: the majority and decimation block-spin maps, their tie breaks, and the
physics of blocked ensembles against directly simulated ones (slow).

Statistical tolerances are 4 jackknife standard errors (see tests/test_ising_sampler.py for the
reasoning); the seeds are fixed, so the tests are deterministic.
"""

import math

import numpy as np
import pytest
from helpers import checkerboard, random_spins

from deeprenorm.exact import T_C, finite_energy
from deeprenorm.ising import sample
from deeprenorm.rg import (
    MAPS,
    decimation,
    ensemble_summary,
    iterate,
    magnetization,
    majority,
    nearest_neighbour_correlation,
    sample_observables,
    tie_breaking_rng,
)

N_SIGMA = 4.0


def lattice(rows) -> np.ndarray:
    """An int8 lattice from rows of '+' and '-'."""
    return np.array([[1 if c == "+" else -1 for c in row] for row in rows], dtype=np.int8)


def combined(a, b) -> float:
    return math.hypot(a.error, b.error)


# --------------------------------------------------------------------------
# majority rule


def test_majority_takes_the_sign_of_each_block_sum():
    spins = lattice(
        [
            "++++",  # blocks (0, 0): sum 4, (0, 1): sum 2
            "++-+",
            "--+-",  # blocks (1, 0): sum -2, (1, 1): sum -2
            "-+--",
        ]
    )
    expected = np.array([[1, 1], [-1, -1]], dtype=np.int8)
    blocked = majority(spins, 2, np.random.default_rng(0))
    assert blocked.dtype == np.int8
    np.testing.assert_array_equal(blocked, expected)


def test_majority_with_b_3_on_a_hand_made_lattice():
    spins = lattice(
        [
            "+-+---",  # block (0, 0): 5 up of 9 -> +1;  block (0, 1): 1 up -> -1
            "-++-+-",
            "+-----",
            "------",  # block (1, 0): 4 up -> -1;  block (1, 1): 9 up -> +1
            "++++++",
            "+--+++",
        ]
    )
    np.testing.assert_array_equal(majority(spins, 3), [[1, -1], [-1, 1]])


def test_majority_matches_a_loop_over_the_blocks():
    """The reshape aligns block (I, J) with rows b*I.. and columns b*J.. of every sample."""
    spins = random_spins((5, 12, 12), seed=1)
    for b in (2, 3, 4):
        blocked = majority(spins, b, np.random.default_rng(2))
        for n in range(spins.shape[0]):
            for row in range(12 // b):
                for column in range(12 // b):
                    total = int(spins[n, b * row : b * row + b, b * column : b * column + b].sum())
                    if total:
                        assert blocked[n, row, column] == np.sign(total), (b, n, row, column)
                    else:
                        assert abs(blocked[n, row, column]) == 1


def test_ties_are_reproducible_and_broken_both_ways():
    # every 2 x 2 block of the checkerboard sums to 0: 32 x 32 = 1024 ties
    spins = checkerboard(64)
    first = majority(spins, 2, np.random.default_rng(7))
    np.testing.assert_array_equal(first, majority(spins, 2, np.random.default_rng(7)))
    assert not np.array_equal(first, majority(spins, 2, np.random.default_rng(8)))
    up = np.mean(first == 1)
    # binomial(1024, 1/2): standard deviation 1/64 of the fraction
    assert abs(up - 0.5) < N_SIGMA * math.sqrt(0.25 / first.size), up
    assert set(np.unique(first)) == {-1, 1}


def test_tie_breaking_rng_is_a_named_stream():
    one = tie_breaking_rng(3, 32, 2, T_C).integers(0, 2**32, size=4)
    np.testing.assert_array_equal(one, tie_breaking_rng(3, 32, 2, T_C).integers(0, 2**32, size=4))
    assert not np.array_equal(one, tie_breaking_rng(3, 32, 2, 2.3).integers(0, 2**32, size=4))
    assert not np.array_equal(one, tie_breaking_rng(3, 16, 2, T_C).integers(0, 2**32, size=4))


@pytest.mark.parametrize("b", [2, 3])
@pytest.mark.parametrize("sign", [1, -1])
def test_ordered_lattices_stay_ordered(b, sign):
    spins = np.full((3, 12, 12), sign, dtype=np.int8)
    for block_map in MAPS.values():
        options = {"rng": np.random.default_rng(0)} if block_map is majority else {}
        blocked = block_map(spins, b, **options)
        np.testing.assert_array_equal(blocked, np.full((3, 12 // b, 12 // b), sign))


def test_shapes_of_a_batch_a_single_lattice_and_a_dataset():
    rng = np.random.default_rng(0)
    assert majority(random_spins((7, 12, 12)), 2, rng).shape == (7, 6, 6)
    assert majority(random_spins((12, 12)), 3).shape == (4, 4)
    assert majority(random_spins((2, 5, 12, 12)), 2, rng).shape == (2, 5, 6, 6)
    assert decimation(random_spins((12, 12)), 4).shape == (3, 3)
    single = random_spins((12, 12), seed=3)
    np.testing.assert_array_equal(majority(single, 3), majority(single[np.newaxis], 3)[0])


@pytest.mark.parametrize("L, b", [(6, 4), (7, 2)])
def test_indivisible_sizes_are_refused_naming_L_and_b(L, b):
    spins = np.ones((L, L), dtype=np.int8)
    for call in (lambda: majority(spins, b, np.random.default_rng(0)), lambda: decimation(spins, b)):
        with pytest.raises(ValueError, match=rf"L = {L}.*b = {b}"):
            call()


def test_invalid_arguments_are_refused():
    spins = np.ones((4, 4), dtype=np.int8)
    with pytest.raises(ValueError, match="rng"):
        majority(spins, 2)
    with pytest.raises(ValueError, match="int8"):
        majority(spins.astype(np.int64), 3)
    with pytest.raises(ValueError, match=r"\+-1"):
        majority(np.zeros((6, 6), dtype=np.int8), 3)
    with pytest.raises(ValueError, match="shape"):
        decimation(np.ones((4, 6), dtype=np.int8), 2)
    for b in (1, 2.0, True):
        with pytest.raises(ValueError, match="b must be"):
            decimation(spins, b)


def test_iterate_applies_the_map_k_times():
    spins = random_spins((3, 24, 24), seed=4)
    rng = np.random.default_rng(5)
    assert iterate(majority, spins, 2, 3, rng=rng).shape == (3, 3, 3)
    np.testing.assert_array_equal(iterate(decimation, spins, 2, 2), spins[..., ::4, ::4])
    np.testing.assert_array_equal(iterate(majority, spins, 3, 1), majority(spins, 3))
    assert iterate(majority, spins, 2, 0) is spins
    with pytest.raises(ValueError, match=r"L = 24.*2\*\*4 = 16"):
        iterate(majority, spins, 2, 4, rng=rng)
    with pytest.raises(ValueError, match="times"):
        iterate(majority, spins, 2, -1, rng=rng)


def test_decimation_picks_the_top_left_site_of_each_block():
    spins = np.ones((2, 6, 6), dtype=np.int8)
    spins[:, ::3, ::3] = -1  # only the top-left sites of the 3 x 3 blocks are down
    np.testing.assert_array_equal(decimation(spins, 3), np.full((2, 2, 2), -1))
    np.testing.assert_array_equal(decimation(spins, 2), spins[:, ::2, ::2])


# --------------------------------------------------------------------------
# physics (slow)


@pytest.mark.slow
def test_majority_blocked_32_matches_direct_16_at_T_c():
    """At T_c the majority-blocked L = 32 ensemble is close to the direct L = 16 one.

    8000 samples each give errors of about 0.0023 on <|m|>, 0.0013 on U_4 and 0.0013 on
    <s s_nn> per ensemble.  Known offsets (long runs): blocked <|m|> ~0.5 % below direct, U_4
    0.6102(8) vs 0.6125(10), within the errors here; blocked <s s_nn> 0.715 vs direct 0.727, a
    difference of ~7 combined errors here, so the test can and does assert it.
    """
    n = 8000
    fine = sample(32, T_C, n, "wolff", seed=41)
    direct = sample(16, T_C, n, "wolff", seed=41)
    blocked = ensemble_summary(sample_observables(majority(fine.spins, 2, tie_breaking_rng(41, 32, 2, T_C))))
    reference = ensemble_summary({"m": direct.magnetization, "nn": -direct.energy / 2})
    report = {name: (blocked[name], reference[name]) for name in ("abs_m", "binder", "nn")}
    for name, (b, d) in report.items():
        print(f"{name}: blocked {b.value:.4f}({b.error:.4f}) direct {d.value:.4f}({d.error:.4f})")

    abs_m, abs_m_direct = report["abs_m"]
    assert abs(abs_m.value - abs_m_direct.value) < N_SIGMA * combined(abs_m, abs_m_direct) + 0.01 * abs_m_direct.value
    binder, binder_direct = report["binder"]
    assert abs(binder.value - binder_direct.value) < N_SIGMA * combined(binder, binder_direct)
    nn, nn_direct = report["nn"]
    # the direct sampler against Kaufman's exact energy, e = -2 <s s_nn>
    assert abs(nn_direct.value + finite_energy(16, T_C) / 2) < N_SIGMA * nn_direct.error
    assert abs(nn.value - 0.7151) < N_SIGMA * nn.error
    assert nn_direct.value - nn.value > N_SIGMA * combined(nn, nn_direct)


@pytest.mark.slow
def test_majority_b_3_blocked_48_matches_direct_16_in_U4():
    """b = 3 never ties; 48 -> 16 at T_c gives U_4 0.6108(13) in long runs, direct 0.6125(10)."""
    n = 4000
    fine = sample(48, T_C, n, "wolff", seed=43)
    direct = sample(16, T_C, n, "wolff", seed=43)
    binder = ensemble_summary({"m": magnetization(majority(fine.spins, 3))})["binder"]
    binder_direct = ensemble_summary({"m": direct.magnetization})["binder"]
    print(
        f"U4 blocked {binder.value:.4f}({binder.error:.4f}) direct {binder_direct.value:.4f}({binder_direct.error:.4f})"
    )
    assert abs(binder.value - binder_direct.value) < N_SIGMA * combined(binder, binder_direct)


@pytest.mark.slow
def test_repeated_blocking_flows_to_the_ordered_and_disordered_fixed_points():
    """L = 64 blocked four times by b = 2: <s s_nn> rises towards 1 below T_c (0.872, 0.925, 0.973,
    0.997, 1.000 in long runs at T = 2.0) and falls towards 0 above (0.554, 0.450, 0.332, 0.204,
    0.088 at T = 2.5).  The steps are tens of errors wide except the last below T_c."""
    for T, direction in ((2.0, 1.0), (2.5, -1.0)):
        spins = sample(64, T, 400, "wolff", seed=47).spins
        rng = tie_breaking_rng(47, 64, 2, T)
        flow = [ensemble_summary({"m": magnetization(spins), "nn": nearest_neighbour_correlation(spins)})["nn"]]
        for _ in range(4):
            spins = majority(spins, 2, rng)
            flow.append(ensemble_summary({"m": magnetization(spins), "nn": nearest_neighbour_correlation(spins)})["nn"])
        print(T, [f"{e.value:.4f}({e.error:.4f})" for e in flow])
        for before, after in zip(flow[:3], flow[1:4]):
            assert direction * (after.value - before.value) > N_SIGMA * combined(before, after), (T, flow)
        if direction > 0:
            assert flow[-1].value > 0.99
        else:
            assert flow[-1].value < 0.15
