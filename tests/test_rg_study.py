"""The workflow's RG stage (deeprenorm.rg.study) and its figures, on small real datasets."""

import math
import warnings

import numpy as np
import pytest
from matplotlib import image as mpimg

from deeprenorm.config import temperature_grid
from deeprenorm.data import SpinReader, open_dataset, write_dataset, write_simulation
from deeprenorm.exact import T_C
from deeprenorm.ising import sample
from deeprenorm.plots.rg import independent_spins, plot_block_spins, plot_rg_flow
from deeprenorm.rg import decimation, ensemble_summary, magnetization, majority, nearest_neighbour_correlation, tie_breaking_rng
from deeprenorm.rg.study import (
    BLOCK_SPIN_COLUMNS,
    FLOW_COLUMNS,
    FLOW_CURVE_COLUMNS,
    REPEATED_TEMPERATURES,
    block_dataset,
    blocked_samples,
    default_window,
    nearest_temperature_indices,
    repeated_blocking,
    rg_study,
)

SEED = 11
# T_c's neighbours 2.25 and 2.3; no target of REPEATED_TEMPERATURES halfway between two of them
TEMPERATURES = (2.0, 2.1, 2.25, 2.3, 2.36, 2.45, 2.6)


def random_spins(shape, seed=0) -> np.ndarray:
    return (2 * np.random.default_rng(seed).integers(0, 2, size=shape) - 1).astype(np.int8)


def assert_png(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = mpimg.imread(path)
    assert min(pixels.shape[:2]) > 500 and np.ptp(pixels[..., :3]) > 0.5


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """Datasets of L = 4 and 8 at seven temperatures, 40 Wolff samples each: the tiny study's pair."""
    folder = tmp_path_factory.mktemp("rg_datasets")
    paths = {}
    for L in (4, 8):
        simulations = []
        for T in TEMPERATURES:
            path = folder / f"L{L}" / f"T{T:.4f}.nc"
            write_simulation(sample(L, T, 40, "wolff", seed=SEED), path)
            simulations.append(path)
        paths[L] = folder / f"L{L}.nc"
        write_dataset(simulations, paths[L], algorithm="wolff")
    return paths


@pytest.fixture(scope="module")
def tables(datasets):
    with warnings.catch_warnings():
        # a flow of 40 samples may not locate its fixed point: NaN estimates, a RuntimeWarning
        warnings.simplefilter("ignore", RuntimeWarning)
        return rg_study(datasets, [(8, 2)], ["majority", "decimation"], ["binder", "abs_m"], SEED, grid_spacing=0.01)


# --------------------------------------------------------------------------
# the pieces


def test_default_window_covers_T_c_plus_minus_the_half_width_on_the_grid():
    default = temperature_grid({"min": 1.5, "max": 3.5, "n": 36, "dense": {"min": 2.15, "max": 2.45, "n": 13}})
    low, high = default_window(default)
    assert (low, high) == (2.0714, 2.425)  # the grid points just outside T_c -+ 0.15
    assert default_window([2.0, 2.3, 2.6]) == (2.0, 2.6)
    assert default_window([2.0, 2.2, 2.3]) == (2.0, 2.3)  # no point above T_c + 0.15: the highest
    assert default_window([2.5, 3.0, 3.5]) == (2.5, 3.5)  # all on one side: the whole grid
    assert default_window(default, half_width=0.05) == (2.2, 2.325)
    with pytest.raises(ValueError, match="at least 2"):
        default_window([2.3])
    with pytest.raises(ValueError, match="half_width must be positive"):
        default_window(default, half_width=0)


def test_nearest_temperature_indices_are_sorted_and_unique():
    assert nearest_temperature_indices([2.0, 2.3, 2.6], REPEATED_TEMPERATURES) == [0, 1, 2]
    assert nearest_temperature_indices(np.round(np.arange(1.9, 2.61, 0.05), 4), REPEATED_TEMPERATURES) == [2, 6, 7, 9, 12]
    with pytest.raises(ValueError, match="temperatures"):
        nearest_temperature_indices([], [T_C])


def test_blocked_samples_are_those_of_the_maps():
    spins = random_spins((20, 12, 12), seed=3)
    for b in (2, 3):
        values = blocked_samples(spins, 12, b, 2.3, "majority", SEED)
        expected = majority(spins, b, tie_breaking_rng(SEED, 12, b, 2.3))
        np.testing.assert_array_equal(values["m"], magnetization(expected))
        np.testing.assert_array_equal(values["nn"], nearest_neighbour_correlation(expected))
        values = blocked_samples(spins, 12, b, 2.3, "decimation", SEED)
        np.testing.assert_array_equal(values["m"], magnetization(decimation(spins, b)))
    with pytest.raises(ValueError, match=r"block_map must be one of \('majority', 'decimation'\)"):
        blocked_samples(spins, 12, 2, 2.3, "average", SEED)


def test_block_dataset_streams_every_temperature(datasets):
    blocked = block_dataset(datasets[8], [2], ["majority", "decimation"], SEED)
    assert set(blocked) == {(2, "majority"), (2, "decimation")}
    with SpinReader(datasets[8]) as reader:
        index = 3
        spins = reader.read(index)
        expected = blocked_samples(spins, 8, 2, reader.temperatures[index], "majority", SEED)
    for key in ("m", "nn"):
        assert blocked[(2, "majority")][key].shape == (len(TEMPERATURES), 40)
        np.testing.assert_array_equal(blocked[(2, "majority")][key][index], expected[key])
    with pytest.raises(ValueError, match="maps must be names of"):
        block_dataset(datasets[8], [2], ["average"], SEED)


@pytest.mark.parametrize("L, sizes", [(32, [32, 16, 8, 4]), (24, [24, 12, 6]), (8, [8, 4]), (6, [6])])
def test_repeated_blocking_stops_at_4(L, sizes):
    spins = random_spins((20, L, L), seed=L)
    levels = repeated_blocking(spins, L, 2.3, SEED)
    assert len(levels) == len(sizes)
    np.testing.assert_array_equal(levels[0]["m"], magnetization(spins))
    if len(sizes) > 1:
        # the first step is the b = 2 majority blocking of the flow, same tie breaks
        np.testing.assert_array_equal(levels[1]["nn"], blocked_samples(spins, L, 2, 2.3, "majority", SEED)["nn"])
    ordered = repeated_blocking(np.ones((20, L, L), dtype=np.int8), L, 2.3, SEED)
    assert all(np.all(level["nn"] == 1.0) and np.all(level["m"] == 1.0) for level in ordered)


# --------------------------------------------------------------------------
# the study's tables


def test_flow_table_has_a_row_per_map_and_observable(tables):
    flow = tables["flow"]
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


def test_flow_curves_are_the_T_prime_tables(tables):
    curves = tables["curves"]
    assert list(curves.columns) == FLOW_CURVE_COLUMNS
    for (name, observable), table in curves.groupby(["map", "observable"]):
        assert table["temperature"].iloc[0] == 2.1 and table["temperature"].iloc[-1] == pytest.approx(2.45)
        assert np.max(np.diff(table["temperature"])) <= 0.01 + 1e-12
        assert table.loc[table["n_solutions"] != 1, "T_prime"].isna().all(), (name, observable)
    assert len(curves.groupby(["map", "observable"])) == 4


def test_block_spin_comparison_at_T_c_uses_the_direct_dataset(tables, datasets):
    table = tables["block_spins"]
    assert list(table.columns) == BLOCK_SPIN_COLUMNS
    comparison = table[table["part"] == "comparison"]
    assert len(comparison) == 2 * 3 and set(comparison["temperature"]) == {2.25}  # nearest T_c = 2.2692
    with open_dataset(datasets[4]) as direct:
        index = list(direct["temperature"].values).index(2.25)
        expected = ensemble_summary({"m": direct["magnetization"].values[index], "nn": -direct["energy"].values[index] / 2})
    for row in comparison.itertuples():
        assert (row.direct, row.direct_err) == pytest.approx(tuple(expected[row.observable]))
        assert row.pull == pytest.approx((row.blocked - row.direct) / math.hypot(row.blocked_err, row.direct_err))
    majority_rows = comparison[comparison["map"] == "majority"].set_index("observable")
    # blocked nn: the mean of the per-sample values of the flow's blocking
    blocked = block_dataset(datasets[8], [2], ["majority"], SEED)[(2, "majority")]
    assert majority_rows.loc["nn", "blocked"] == pytest.approx(blocked["nn"][2].mean())


def test_repeated_blocking_rows(tables):
    repeated = tables["block_spins"][lambda t: t["part"] == "repeated"]
    # nearest 2.0, 2.2, T_c, 2.35, 2.5 on the grid: 2.0, 2.25 twice, 2.36, 2.45
    assert sorted(set(repeated["temperature"])) == [2.0, 2.25, 2.36, 2.45]
    assert len(repeated) == 4 * 2 * 3  # temperatures x levels (8, 4) x observables
    assert set(zip(repeated["level"], repeated["L_coarse"], repeated["b"])) == {(0, 8, 1), (1, 4, 2)}
    assert (repeated["map"] == "majority").all() and (repeated["L"] == 8).all()
    assert repeated.loc[repeated["level"] == 0, "direct"].isna().all()
    assert repeated.loc[repeated["level"] == 1, "direct"].notna().all()  # L = 4 is simulated
    comparison = tables["block_spins"][lambda t: (t["part"] == "comparison") & (t["map"] == "majority")]
    step = repeated[(repeated["level"] == 1) & (repeated["temperature"] == 2.25)]
    np.testing.assert_array_equal(step.sort_values("observable")["blocked"], comparison.sort_values("observable")["blocked"])


def test_rg_study_refuses_bad_arguments(datasets):
    with pytest.raises(ValueError, match=r"datasets lacks L = \[12, 24\]"):
        rg_study({8: datasets[8]}, [(24, 2)], ["majority"], ["binder"], SEED)
    with pytest.raises(ValueError, match="observables must be names of"):
        rg_study(datasets, [(8, 2)], ["majority"], ["energy"], SEED)


# --------------------------------------------------------------------------
# figures


def test_rg_figures_write_pngs(tables, tmp_path):
    assert plot_rg_flow(tables["flow"], tables["curves"], tmp_path / "rg_flow.png") == tmp_path / "rg_flow.png"
    assert_png(tmp_path / "rg_flow.png")
    assert plot_block_spins(tables["block_spins"], tmp_path / "block_spins.png") == tmp_path / "block_spins.png"
    assert_png(tmp_path / "block_spins.png")


def test_the_disordered_reference_is_that_of_independent_spins():
    # 2 x 2: |S| = 4, 2, 0 with probabilities 2/16, 8/16, 6/16
    assert independent_spins("abs_m", 2) == pytest.approx(1.5 / 4)
    assert independent_spins("abs_m", 32) == pytest.approx(math.sqrt(2 / (math.pi * 1024)), rel=1e-3)
    assert independent_spins("binder", 4) == pytest.approx(2 / 48) and independent_spins("nn", 8) == 0.0
    with pytest.raises(ValueError, match="observable must be one of"):
        independent_spins("energy", 4)


def test_rg_figures_on_degenerate_tables(tables, tmp_path):
    # no fixed point anywhere, one map only, and a study without pairs
    flow = tables["flow"].assign(T_star=math.nan, T_star_err=math.nan, slope=math.nan, nu=math.nan)
    plot_rg_flow(flow[flow["map"] == "majority"], tables["curves"].assign(T_prime=math.nan), tmp_path / "nan.png")
    assert_png(tmp_path / "nan.png")
    plot_rg_flow(flow.iloc[:0], tables["curves"].iloc[:0], tmp_path / "empty.png")
    assert (tmp_path / "empty.png").read_bytes()[:4] == b"\x89PNG"
    table = tables["block_spins"]
    plot_block_spins(table[table["part"] == "repeated"], tmp_path / "repeated_only.png")
    assert_png(tmp_path / "repeated_only.png")
    plot_block_spins(table.iloc[:0], tmp_path / "none.png")
    assert (tmp_path / "none.png").read_bytes()[:4] == b"\x89PNG"
