"""deeprenorm.plots.rg: the RG flow and block-spin figures write PNGs, on the RG stage's tables of
the small L = 8 -> 4 pair (the fixture rg_tables of tests/conftest.py) and on degenerate tables;
the disordered reference they draw is that of independent spins."""

import math

import numpy as np
import pytest
from matplotlib import image as mpimg

from deeprenorm.plots.rg import independent_spins, plot_block_spins, plot_rg_exponents, plot_rg_flow


def assert_png(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = mpimg.imread(path)
    assert min(pixels.shape[:2]) > 500 and np.ptp(pixels[..., :3]) > 0.5


def test_rg_figures_write_pngs(rg_tables, tmp_path):
    assert plot_rg_flow(rg_tables["flow"], rg_tables["curves"], tmp_path / "rg_flow.png") == tmp_path / "rg_flow.png"
    assert_png(tmp_path / "rg_flow.png")
    assert plot_block_spins(rg_tables["block_spins"], tmp_path / "block_spins.png") == tmp_path / "block_spins.png"
    assert_png(tmp_path / "block_spins.png")


def test_the_disordered_reference_is_that_of_independent_spins():
    # 2 x 2: |S| = 4, 2, 0 with probabilities 2/16, 8/16, 6/16
    assert independent_spins("abs_m", 2) == pytest.approx(1.5 / 4)
    assert independent_spins("abs_m", 32) == pytest.approx(math.sqrt(2 / (math.pi * 1024)), rel=1e-3)
    assert independent_spins("binder", 4) == pytest.approx(2 / 48) and independent_spins("nn", 8) == 0.0
    with pytest.raises(ValueError, match="observable must be one of"):
        independent_spins("energy", 4)


def test_rg_figures_on_degenerate_tables(rg_tables, tmp_path):
    # no fixed point anywhere, one map only, and a study without pairs
    flow = rg_tables["flow"].assign(T_star=math.nan, T_star_err=math.nan, slope=math.nan, nu=math.nan)
    plot_rg_flow(flow[flow["map"] == "majority"], rg_tables["curves"].assign(T_prime=math.nan), tmp_path / "nan.png")
    assert_png(tmp_path / "nan.png")
    plot_rg_flow(flow.iloc[:0], rg_tables["curves"].iloc[:0], tmp_path / "empty.png")
    assert (tmp_path / "empty.png").read_bytes()[:4] == b"\x89PNG"
    table = rg_tables["block_spins"]
    plot_block_spins(table[table["part"] == "repeated"], tmp_path / "repeated_only.png")
    assert_png(tmp_path / "repeated_only.png")
    plot_block_spins(table.iloc[:0], tmp_path / "none.png")
    assert (tmp_path / "none.png").read_bytes()[:4] == b"\x89PNG"


def test_the_exponents_figure_draws_every_map_and_clips_what_lies_off_its_axes(tmp_path):
    import pandas as pd

    from deeprenorm.rg.mcrg import TABLE_COLUMNS

    rows = []
    for name, model, weights, y_h in (
        ("majority", "", "exact", 1.876),
        ("code_sign", "conv-b2-none", "untrained", 3.4),
    ):
        for level in (1, 2):
            for exponent, value, operators, exact in (("y_t", 1.0, 4, 1.0), ("y_h", y_h, 3, 15 / 8)):
                rows.append(
                    [
                        name,
                        model,
                        weights,
                        -1 if weights == "exact" else 0,
                        2,
                        32,
                        level,
                        32 // 2**level,
                        operators,
                        exponent,
                        value,
                        0.01,
                        0,
                        exact,
                        0.0,
                    ]
                )
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    path = plot_rg_exponents(table, tmp_path / "exponents.png")
    assert_png(path)
