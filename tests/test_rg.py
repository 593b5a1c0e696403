"""Block-spin maps, observables of blocked lattices and the phenomenological renormalisation.

Statistical tolerances are 4 jackknife standard errors (see tests/test_sampler.py for the
reasoning); the seeds are fixed, so the tests are deterministic.
"""

import math

import numpy as np
import pytest

from deeprenorm.ensemble import Ensemble
from deeprenorm.exact import T_C, finite_energy
from deeprenorm.ising import sample
from deeprenorm.ising.lattice import energy_magnetization
from deeprenorm.rg import (
    MAPS,
    decimation,
    energy,
    ensemble_summary,
    fixed_point,
    iterate,
    magnetization,
    majority,
    nearest_neighbour_correlation,
    phenomenological_renormalization,
    sample_observables,
    tie_breaking_rng,
    two_point_function,
)
from deeprenorm.rg.flow import CURVE_COLUMNS, OBSERVABLES, TABLE_COLUMNS

N_SIGMA = 4.0


def lattice(rows) -> np.ndarray:
    """An int8 lattice from rows of '+' and '-'."""
    return np.array([[1 if c == "+" else -1 for c in row] for row in rows], dtype=np.int8)


def checkerboard(L) -> np.ndarray:
    y, x = np.indices((L, L))
    return (1 - 2 * ((x + y) % 2)).astype(np.int8)


def random_spins(shape, seed=0) -> np.ndarray:
    return (2 * np.random.default_rng(seed).integers(0, 2, size=shape) - 1).astype(np.int8)


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
            for I in range(12 // b):
                for J in range(12 // b):
                    total = int(spins[n, b * I : b * I + b, b * J : b * J + b].sum())
                    if total:
                        assert blocked[n, I, J] == np.sign(total), (b, n, I, J)
                    else:
                        assert abs(blocked[n, I, J]) == 1


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
# observables


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


# --------------------------------------------------------------------------
# fixed point of a flow table

GRID = np.round(np.arange(2.10, 2.4501, 0.025), 4)


@pytest.mark.parametrize("T_star, slope", [(2.269185, 2.0), (2.31, 1.6), (2.2, 0.5)])
def test_fixed_point_of_a_linear_flow_is_exact(T_star, slope):
    point = fixed_point(GRID, T_star + slope * (GRID - T_star))
    assert point.T_star == pytest.approx(T_star, abs=1e-12)
    assert point.slope == pytest.approx(slope, abs=1e-10)


def test_fixed_point_with_curvature():
    T_star, slope, curvature = 2.269185, 2.0, 1.0
    T_prime = T_star + slope * (GRID - T_star) + curvature * (GRID - T_star) ** 2
    exact = fixed_point(GRID, T_prime, degree=2)
    assert exact.T_star == pytest.approx(T_star, abs=1e-10)
    assert exact.slope == pytest.approx(slope, abs=1e-8)
    # The line through 3 + 3 points shifts T* by -c <x^2> / (s - 1) (<x^2> ~ 0.0018 here) and
    # the slope by 2 c times the offset of the window's centre from T* (< half a spacing).
    linear = fixed_point(GRID, T_prime)
    assert abs(linear.T_star - T_star) < 1.5 * curvature * np.mean((GRID[5:11] - T_star) ** 2) / (slope - 1)
    assert abs(linear.slope - slope) < 2 * curvature * 0.0125


def test_fixed_point_ignores_missing_points_and_refuses_a_flow_without_one():
    T_prime = 2.27 + 2.0 * (GRID - 2.27)
    T_prime[[0, 1, -1]] = np.nan  # no solution of the matching deep in either phase
    assert fixed_point(GRID, T_prime).T_star == pytest.approx(2.27, abs=1e-12)
    with pytest.raises(ValueError, match="do not cross"):
        fixed_point(GRID, GRID + 0.1)
    with pytest.raises(ValueError, match="half_width"):
        fixed_point(GRID, T_prime, half_width=0)
    with pytest.raises(ValueError, match="differ in length"):
        fixed_point(GRID, T_prime[:-1])


# --------------------------------------------------------------------------
# phenomenological renormalisation


def ensembles(L, temperatures, n, seed):
    """Wolff samples of L x L at each temperature, as (temperature, sample) arrays."""
    sets = [sample(L, T, n, "wolff", seed=seed) for T in temperatures]
    return {
        "spins": np.array([s.spins for s in sets]),
        "energy": np.array([s.energy for s in sets]),
        "magnetization": np.array([s.magnetization for s in sets]),
    }


def blocked_magnetization(fine, L, b, temperatures, seed):
    return np.array(
        [magnetization(majority(spins, b, tie_breaking_rng(seed, L, b, T))) for spins, T in zip(fine["spins"], temperatures)]
    )


# The reweighting costs (grid points x samples) per replica; the fast tests use a coarser grid
# than the default 1/300, which the slow test checks.
FAST_SPACING = 0.01


@pytest.fixture(scope="module")
def small_flow_data():
    """L = 8 blocked to 4 against direct L = 4: cheap enough for the fast tests."""
    temperatures = np.round(np.linspace(2.0, 2.6, 13), 4)
    fine, direct = ensembles(8, temperatures, 200, 5), ensembles(4, temperatures, 200, 5)
    return temperatures, fine, direct


def test_flow_table_and_curve(small_flow_data):
    temperatures, fine, direct = small_flow_data
    coarse = blocked_magnetization(fine, 8, 2, temperatures, 5)
    for kwargs in ({}, {"coarse_energy": fine["energy"]}):
        flow = phenomenological_renormalization(
            temperatures, coarse, Ensemble(4, temperatures, direct["energy"], direct["magnetization"]), 2,
            grid_spacing=FAST_SPACING, **kwargs,
        )
        assert list(flow.table.columns) == TABLE_COLUMNS and list(flow.curve.columns) == CURVE_COLUMNS
        assert np.max(np.diff(flow.curve["temperature"])) <= FAST_SPACING + 1e-12
        assert flow.curve["temperature"].iloc[[0, -1]].tolist() == [temperatures[0], temperatures[-1]]
        located = flow.table["n_solutions"] == 1
        assert located.sum() >= 5
        assert flow.table.loc[~located, "T_prime"].isna().all()
        assert flow.table.loc[located, "T_prime"].between(temperatures[0], temperatures[-1]).all()
        assert math.isfinite(flow.T_star) and math.isfinite(flow.nu)
        assert flow.nu == pytest.approx(1.0 / flow.y_t) and flow.y_t == pytest.approx(math.log(flow.slope) / math.log(2))
    assert len(flow.table) == len(flow.curve)  # reweighted: the coarse table is on the same grid


def test_matching_an_ensemble_with_itself_gives_the_identity(small_flow_data):
    """The direct L = 4 samples as their own coarse ensemble: T'(T_i) = T_i within the errors
    (the jackknife leaves the same samples out of both, so the errors are of the difference)."""
    temperatures, _, direct = small_flow_data
    per_sample = {"binder": direct["magnetization"], "abs_m": direct["magnetization"], "nn": -direct["energy"] / 2}
    for observable, values in per_sample.items():
        flow = phenomenological_renormalization(
            temperatures, values, Ensemble(4, temperatures, direct["energy"], direct["magnetization"]), 2,
            observable=observable, grid_spacing=FAST_SPACING,
        )
        table = flow.table[flow.table["n_solutions"] == 1]
        assert len(table) >= 5, observable
        pulls = (table["T_prime"] - table["temperature"]) / table["T_prime_err"]
        assert np.all(np.abs(pulls) < N_SIGMA), f"{observable}: pulls {np.round(pulls.values, 2)}"


def test_a_flow_without_fixed_point_gives_nan_and_warns(small_flow_data):
    """A map to the ordered state (|m| = 1, U_4 = 2/3 at every T) matches no direct temperature."""
    temperatures, _, direct = small_flow_data
    ordered = np.where(np.arange(200) % 2, 1.0, -1.0) * np.ones((temperatures.size, 1))
    with pytest.warns(RuntimeWarning, match="fixed point not located"):
        flow = phenomenological_renormalization(
            temperatures, ordered, Ensemble(4, temperatures, direct["energy"], direct["magnetization"]), 2, grid_spacing=FAST_SPACING
        )
    assert math.isnan(flow.T_star) and math.isnan(flow.nu) and math.isnan(flow.T_star_err)
    assert (flow.table["n_solutions"] == 0).all() and flow.table["T_prime"].isna().all()
    assert flow.note.startswith("fixed point not located")


def test_flow_refuses_bad_arguments(small_flow_data):
    temperatures, fine, direct = small_flow_data
    coarse = blocked_magnetization(fine, 8, 2, temperatures, 5)
    arguments = (temperatures, coarse, Ensemble(4, temperatures, direct["energy"], direct["magnetization"]), 2)
    with pytest.raises(ValueError, match="observable must be one of"):
        phenomenological_renormalization(*arguments, observable="energy")
    with pytest.raises(ValueError, match="coarse must be"):
        phenomenological_renormalization(temperatures[:-1], *arguments[1:])
    with pytest.raises(ValueError, match="coarse_energy"):
        phenomenological_renormalization(*arguments, coarse_energy=fine["energy"][:, :10])
    with pytest.raises(ValueError, match="n_blocks"):
        phenomenological_renormalization(*arguments, n_blocks=500)
    with pytest.raises(ValueError, match="window"):
        phenomenological_renormalization(*arguments, window=(2.3, 2.31))
    assert set(OBSERVABLES) == {"binder", "abs_m", "nn"}


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
    print(f"U4 blocked {binder.value:.4f}({binder.error:.4f}) direct {binder_direct.value:.4f}({binder_direct.error:.4f})")
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


@pytest.mark.slow
def test_phenomenological_renormalization_16_to_8_finds_T_c_and_nu():
    """U_4 matching of majority-blocked L = 16 with direct L = 8, 400 samples at 15 temperatures.

    With the coarse ensemble reweighted, twelve independent seeds gave T* = 2.265 +- 0.0066
    (spread; jackknife errors 0.006-0.013) and nu = 1.018 +- 0.046 (errors 0.024-0.047): T*
    lies ~0.2 % below T_c (the finite-size shift of the U_4(8), U_4(16) crossing) and nu within
    2 % of 1.  The tolerances, 3 % on T* (0.068) and 30 % on nu, are therefore more than 4
    errors plus the finite-size offset; the test asserts that the errors are small enough for
    that to hold.  Without reweighting the coarse ensemble the errors of nu are 0.1-1.2, so
    that mode is held only to agreement with T_c and 1 within its own 4 errors.
    """
    temperatures = np.round(np.linspace(2.10, 2.45, 15), 4)
    seed = 2024
    fine, direct = ensembles(16, temperatures, 400, seed), ensembles(8, temperatures, 400, seed)
    coarse = blocked_magnetization(fine, 16, 2, temperatures, seed)
    arguments = (temperatures, coarse, Ensemble(8, temperatures, direct["energy"], direct["magnetization"]), 2)

    flow = phenomenological_renormalization(*arguments, coarse_energy=fine["energy"])
    assert np.max(np.diff(flow.curve["temperature"])) <= 1 / 300 + 1e-12
    print(f"reweighted: T* = {flow.T_star:.4f}({flow.T_star_err:.4f}), slope {flow.slope:.3f}({flow.slope_err:.3f}), "
          f"nu = {flow.nu:.3f}({flow.nu_err:.3f})")
    assert flow.T_star_err < 0.03 * T_C / N_SIGMA and flow.nu_err < 0.3 / N_SIGMA
    assert abs(flow.T_star / T_C - 1) < 0.03
    assert abs(flow.nu - 1) < 0.3

    per_temperature = phenomenological_renormalization(*arguments)
    print(f"per temperature: T* = {per_temperature.T_star:.4f}({per_temperature.T_star_err:.4f}), "
          f"nu = {per_temperature.nu:.3f}({per_temperature.nu_err:.3f})")
    assert abs(per_temperature.T_star - T_C) < N_SIGMA * per_temperature.T_star_err
    assert abs(per_temperature.nu - 1) < N_SIGMA * per_temperature.nu_err
