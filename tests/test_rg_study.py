"""The workflow's RG stage (deeprenorm.rg.study) on small real datasets: blocked samples, the
flow table and curves, and the block-spin comparison with the direct ensembles (its figures:
tests/test_plots_rg.py).

The datasets and the stage's tables are the fixtures rg_datasets and rg_tables of
tests/conftest.py (L = 4 and 8 at seven temperatures, 40 Wolff samples each).
"""

import math

import numpy as np
import pytest
from helpers import RG_SEED, RG_TEMPERATURES, random_spins

from deeprenorm.data import SpinReader, open_dataset
from deeprenorm.exact import T_C
from deeprenorm.rg import (
    decimation,
    ensemble_summary,
    magnetization,
    majority,
    nearest_neighbour_correlation,
    tie_breaking_rng,
)
from deeprenorm.rg.study import (
    BLOCK_SPIN_COLUMNS,
    FLOW_COLUMNS,
    FLOW_CURVE_COLUMNS,
    REPEATED_TEMPERATURES,
    block_dataset,
    blocked_samples,
    nearest_temperature_indices,
    repeated_blocking,
    rg_study,
)

# --------------------------------------------------------------------------
# the pieces


def test_nearest_temperature_indices_are_sorted_and_unique():
    assert nearest_temperature_indices([2.0, 2.3, 2.6], REPEATED_TEMPERATURES) == [0, 1, 2]
    grid = np.round(np.arange(1.9, 2.61, 0.05), 4)
    assert nearest_temperature_indices(grid, REPEATED_TEMPERATURES) == [2, 6, 7, 9, 12]
    with pytest.raises(ValueError, match="temperatures"):
        nearest_temperature_indices([], [T_C])


def test_blocked_samples_are_those_of_the_maps():
    spins = random_spins((20, 12, 12), seed=3)
    for b in (2, 3):
        values = blocked_samples(spins, 12, b, 2.3, "majority", RG_SEED)
        expected = majority(spins, b, tie_breaking_rng(RG_SEED, 12, b, 2.3))
        np.testing.assert_array_equal(values["m"], magnetization(expected))
        np.testing.assert_array_equal(values["nn"], nearest_neighbour_correlation(expected))
        values = blocked_samples(spins, 12, b, 2.3, "decimation", RG_SEED)
        np.testing.assert_array_equal(values["m"], magnetization(decimation(spins, b)))
    with pytest.raises(ValueError, match=r"block_map must be one of \('majority', 'decimation'\)"):
        blocked_samples(spins, 12, 2, 2.3, "average", RG_SEED)


def test_block_dataset_streams_every_temperature(rg_datasets):
    blocked = block_dataset(rg_datasets[8], [2], ["majority", "decimation"], RG_SEED)
    assert set(blocked) == {(2, "majority"), (2, "decimation")}
    with SpinReader(rg_datasets[8]) as reader:
        index = 3
        spins = reader.read(index)
        expected = blocked_samples(spins, 8, 2, reader.temperatures[index], "majority", RG_SEED)
    for key in ("m", "nn"):
        assert blocked[(2, "majority")][key].shape == (len(RG_TEMPERATURES), 40)
        np.testing.assert_array_equal(blocked[(2, "majority")][key][index], expected[key])
    with pytest.raises(ValueError, match="maps must be names of"):
        block_dataset(rg_datasets[8], [2], ["average"], RG_SEED)


@pytest.mark.parametrize("L, sizes", [(32, [32, 16, 8, 4]), (24, [24, 12, 6]), (8, [8, 4]), (6, [6])])
def test_repeated_blocking_stops_at_4(L, sizes):
    spins = random_spins((20, L, L), seed=L)
    levels = repeated_blocking(spins, L, 2.3, RG_SEED)
    assert len(levels) == len(sizes)
    np.testing.assert_array_equal(levels[0]["m"], magnetization(spins))
    if len(sizes) > 1:
        # the first step is the b = 2 majority blocking of the flow, same tie breaks
        np.testing.assert_array_equal(levels[1]["nn"], blocked_samples(spins, L, 2, 2.3, "majority", RG_SEED)["nn"])
    ordered = repeated_blocking(np.ones((20, L, L), dtype=np.int8), L, 2.3, RG_SEED)
    assert all(np.all(level["nn"] == 1.0) and np.all(level["m"] == 1.0) for level in ordered)


# --------------------------------------------------------------------------
# the study's tables


def test_flow_table_has_a_row_per_map_and_observable(rg_tables):
    flow = rg_tables["flow"]
    assert list(flow.columns) == FLOW_COLUMNS and len(flow) == 4
    assert set(zip(flow["map"], flow["observable"])) == {
        (name, observable) for name in ("majority", "decimation") for observable in ("binder", "abs_m")
    }
    assert (flow["L"] == 8).all() and (flow["L_coarse"] == 4).all() and (flow["b"] == 2).all()
    assert (flow["window_low"] == 2.1).all() and (flow["window_high"] == 2.45).all()  # T_c -+ 0.15 on the grid
    located = flow[np.isfinite(flow["T_star"])]
    np.testing.assert_allclose(located["T_star_deviation_percent"], 100 * (located["T_star"] / T_C - 1))
    np.testing.assert_allclose(located["T_star_deviation_sigma"], (located["T_star"] - T_C) / located["T_star_err"])
    assert flow["note"].str.len().gt(0).all()


def test_flow_curves_are_the_T_prime_tables(rg_tables):
    curves = rg_tables["curves"]
    assert list(curves.columns) == FLOW_CURVE_COLUMNS
    for (name, observable), table in curves.groupby(["map", "observable"]):
        assert table["temperature"].iloc[0] == 2.1 and table["temperature"].iloc[-1] == pytest.approx(2.45)
        assert np.max(np.diff(table["temperature"])) <= 0.01 + 1e-12
        assert table.loc[table["n_solutions"] != 1, "T_prime"].isna().all(), (name, observable)
    assert len(curves.groupby(["map", "observable"])) == 4


def test_block_spin_comparison_at_T_c_uses_the_direct_dataset(rg_tables, rg_datasets):
    table = rg_tables["block_spins"]
    assert list(table.columns) == BLOCK_SPIN_COLUMNS
    comparison = table[table["part"] == "comparison"]
    assert len(comparison) == 2 * 3 and set(comparison["temperature"]) == {2.25}  # nearest T_c = 2.2692
    with open_dataset(rg_datasets[4]) as direct:
        index = list(direct["temperature"].values).index(2.25)
        expected = ensemble_summary(
            {"m": direct["magnetization"].values[index], "nn": -direct["energy"].values[index] / 2}
        )
    for row in comparison.itertuples():
        assert (row.direct, row.direct_err) == pytest.approx(tuple(expected[row.observable]))
        assert row.pull == pytest.approx((row.blocked - row.direct) / math.hypot(row.blocked_err, row.direct_err))
    majority_rows = comparison[comparison["map"] == "majority"].set_index("observable")
    # blocked nn: the mean of the per-sample values of the flow's blocking
    blocked = block_dataset(rg_datasets[8], [2], ["majority"], RG_SEED)[(2, "majority")]
    assert majority_rows.loc["nn", "blocked"] == pytest.approx(blocked["nn"][2].mean())


def test_repeated_blocking_rows(rg_tables):
    repeated = rg_tables["block_spins"][lambda t: t["part"] == "repeated"]
    # nearest 2.0, 2.2, T_c, 2.35, 2.5 on the grid: 2.0, 2.25 twice, 2.36, 2.45
    assert sorted(set(repeated["temperature"])) == [2.0, 2.25, 2.36, 2.45]
    assert len(repeated) == 4 * 2 * 3  # temperatures x levels (8, 4) x observables
    assert set(zip(repeated["level"], repeated["L_coarse"], repeated["b"])) == {(0, 8, 1), (1, 4, 2)}
    assert (repeated["map"] == "majority").all() and (repeated["L"] == 8).all()
    assert repeated.loc[repeated["level"] == 0, "direct"].isna().all()
    assert repeated.loc[repeated["level"] == 1, "direct"].notna().all()  # L = 4 is simulated
    comparison = rg_tables["block_spins"][lambda t: (t["part"] == "comparison") & (t["map"] == "majority")]
    step = repeated[(repeated["level"] == 1) & (repeated["temperature"] == 2.25)]
    np.testing.assert_array_equal(
        step.sort_values("observable")["blocked"], comparison.sort_values("observable")["blocked"]
    )


def test_rg_study_refuses_bad_arguments(rg_datasets):
    with pytest.raises(ValueError, match=r"datasets lacks L = \[12, 24\]"):
        rg_study({8: rg_datasets[8]}, [(24, 2)], ["majority"], ["binder"], RG_SEED)
    with pytest.raises(ValueError, match="observables must be names of"):
        rg_study(rg_datasets, [(8, 2)], ["majority"], ["energy"], RG_SEED)
