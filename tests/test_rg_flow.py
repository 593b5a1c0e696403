"""deeprenorm.rg.flow: the fixed point of a flow table and the phenomenological renormalisation
(matching a blocked ensemble to a directly simulated one), with its T_c and nu (slow).

Statistical tolerances are 4 jackknife standard errors (see tests/test_ising_sampler.py for the
reasoning); the seeds are fixed, so the tests are deterministic.
"""

import math

import numpy as np
import pytest

from deeprenorm.ensemble import Ensemble
from deeprenorm.exact import T_C
from deeprenorm.ising import sample
from deeprenorm.rg import (
    decimation,
    fixed_point,
    magnetization,
    majority,
    phenomenological_renormalization,
    tie_breaking_rng,
)
from deeprenorm.rg.flow import CURVE_COLUMNS, OBSERVABLES, TABLE_COLUMNS, matching_mismatch

N_SIGMA = 4.0

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
        [
            magnetization(majority(spins, b, tie_breaking_rng(seed, L, b, T)))
            for spins, T in zip(fine["spins"], temperatures)
        ]
    )


def direct_ensemble(L, temperatures, direct) -> Ensemble:
    return Ensemble(L, temperatures, direct["energy"], direct["magnetization"])


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
            temperatures, coarse, direct_ensemble(4, temperatures, direct), 2, grid_spacing=FAST_SPACING, **kwargs
        )
        assert list(flow.table.columns) == TABLE_COLUMNS and list(flow.curve.columns) == CURVE_COLUMNS
        assert np.max(np.diff(flow.curve["temperature"])) <= FAST_SPACING + 1e-12
        assert flow.curve["temperature"].iloc[[0, -1]].tolist() == [temperatures[0], temperatures[-1]]
        located = flow.table["n_solutions"] == 1
        assert located.sum() >= 5
        assert flow.table.loc[~located, "T_prime"].isna().all()
        assert flow.table.loc[located, "T_prime"].between(temperatures[0], temperatures[-1]).all()
        assert math.isfinite(flow.T_star) and math.isfinite(flow.nu)
        assert flow.nu == pytest.approx(1.0 / flow.y_t)
        assert flow.y_t == pytest.approx(math.log(flow.slope) / math.log(2))
    assert len(flow.table) == len(flow.curve)  # reweighted: the coarse table is on the same grid


def test_matching_an_ensemble_with_itself_gives_the_identity(small_flow_data):
    """The direct L = 4 samples as their own coarse ensemble: T'(T_i) = T_i within the errors
    (the jackknife leaves the same samples out of both, so the errors are of the difference)."""
    temperatures, _, direct = small_flow_data
    per_sample = {"binder": direct["magnetization"], "abs_m": direct["magnetization"], "nn": -direct["energy"] / 2}
    for observable, values in per_sample.items():
        flow = phenomenological_renormalization(
            temperatures,
            values,
            direct_ensemble(4, temperatures, direct),
            2,
            observable=observable,
            grid_spacing=FAST_SPACING,
        )
        table = flow.table[flow.table["n_solutions"] == 1]
        assert len(table) >= 5, observable
        pulls = (table["T_prime"] - table["temperature"]) / table["T_prime_err"]
        assert np.all(np.abs(pulls) < N_SIGMA), f"{observable}: pulls {np.round(pulls.values, 2)}"


def test_the_mismatch_of_two_observables_is_paired(small_flow_data):
    """A flow against itself differs by exactly zero with zero error; the direct ensemble as its
    own coarse ensemble (an Ising lattice at the T it is labelled with) matched on U_4 and on
    <s s_nn> gives one T' within the paired error."""
    temperatures, fine, direct = small_flow_data
    reference = direct_ensemble(4, temperatures, direct)

    def flow(values, observable, **kwargs):
        return phenomenological_renormalization(
            temperatures, values, reference, 2, observable=observable, grid_spacing=FAST_SPACING, **kwargs
        )

    binder = flow(direct["magnetization"], "binder")
    assert matching_mismatch(binder, binder, T_C)[1:] == (0.0, 0.0)
    T, difference, error = matching_mismatch(binder, flow(-direct["energy"] / 2, "nn"), T_C)
    assert abs(T - T_C) < 0.05 and 0.0 < error and abs(difference) < N_SIGMA * error
    # a flow of other samples (the blocked L = 8) is not paired with these
    m = np.array([decimation(spins, 2) for spins in fine["spins"]]).astype(float).mean(axis=(-2, -1))
    options = {"coarse_energy": fine["energy"]}
    with pytest.raises(ValueError, match="paired"):
        matching_mismatch(binder, flow(m, "binder", **options), T_C)


def test_a_flow_without_fixed_point_gives_nan_and_warns(small_flow_data):
    """A map to the ordered state (|m| = 1, U_4 = 2/3 at every T) matches no direct temperature."""
    temperatures, _, direct = small_flow_data
    ordered = np.where(np.arange(200) % 2, 1.0, -1.0) * np.ones((temperatures.size, 1))
    with pytest.warns(RuntimeWarning, match="fixed point not located"):
        flow = phenomenological_renormalization(
            temperatures, ordered, direct_ensemble(4, temperatures, direct), 2, grid_spacing=FAST_SPACING
        )
    assert math.isnan(flow.T_star) and math.isnan(flow.nu) and math.isnan(flow.T_star_err)
    assert (flow.table["n_solutions"] == 0).all() and flow.table["T_prime"].isna().all()
    assert flow.note.startswith("fixed point not located")


def test_flow_refuses_bad_arguments(small_flow_data):
    temperatures, fine, direct = small_flow_data
    coarse = blocked_magnetization(fine, 8, 2, temperatures, 5)
    arguments = (temperatures, coarse, direct_ensemble(4, temperatures, direct), 2)
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
    arguments = (temperatures, coarse, direct_ensemble(8, temperatures, direct), 2)

    flow = phenomenological_renormalization(*arguments, coarse_energy=fine["energy"])
    assert np.max(np.diff(flow.curve["temperature"])) <= 1 / 300 + 1e-12
    print(
        f"reweighted: T* = {flow.T_star:.4f}({flow.T_star_err:.4f}), slope {flow.slope:.3f}({flow.slope_err:.3f}), "
        f"nu = {flow.nu:.3f}({flow.nu_err:.3f})"
    )
    assert flow.T_star_err < 0.03 * T_C / N_SIGMA and flow.nu_err < 0.3 / N_SIGMA
    assert abs(flow.T_star / T_C - 1) < 0.03
    assert abs(flow.nu - 1) < 0.3

    per_temperature = phenomenological_renormalization(*arguments)
    print(
        f"per temperature: T* = {per_temperature.T_star:.4f}({per_temperature.T_star_err:.4f}), "
        f"nu = {per_temperature.nu:.3f}({per_temperature.nu_err:.3f})"
    )
    assert abs(per_temperature.T_star - T_C) < N_SIGMA * per_temperature.T_star_err
    assert abs(per_temperature.nu - 1) < N_SIGMA * per_temperature.nu_err
