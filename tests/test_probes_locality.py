"""Locality metrics of weight maps on the torus: blocks, wider blocks, noise, and the seam."""

import math

import numpy as np
import pandas as pd
import pytest

from deeprenorm.probes.locality import (
    SUMMARY_COLUMNS,
    best_window_fraction,
    circular_centroid,
    circular_spread,
    locality_summary,
    locality_table,
    prototype_score,
)

L = 24


def block(y0, x0, size, L=L, value=1.0) -> np.ndarray:
    """``value`` on the size x size block with corner (y0, x0), periodic; zero elsewhere."""
    weights = np.zeros((L, L))
    rows = np.arange(y0, y0 + size) % L
    columns = np.arange(x0, x0 + size) % L
    weights[np.ix_(rows, columns)] = value
    return weights


def torus_gap(a, b, L=L) -> float:
    return abs((a - b + L / 2) % L - L / 2)


def uniform_noise(seed=0) -> np.ndarray:
    return np.random.default_rng(seed).random((L, L))


# ----------------------------------------------------------------------------- centroid, spread


def test_centroid_of_a_block_is_its_centre():
    assert circular_centroid(block(5, 9, 2)) == pytest.approx((5.5, 9.5), abs=1e-9)
    assert circular_centroid(block(3, 3, 1)) == pytest.approx((3.0, 3.0), abs=1e-9)


def test_centroid_of_a_block_across_the_seam():
    # rows L-1, 0 and columns L-1, 0: the centre is at L - 1/2, not in the middle of the lattice
    y, x = circular_centroid(block(L - 1, L - 1, 2))
    assert torus_gap(y, L - 0.5) < 1e-9 and torus_gap(x, L - 0.5) < 1e-9
    assert 0 <= y < L and 0 <= x < L
    # a wider block across the seam of one axis only
    y, x = circular_centroid(block(L - 2, 10, 4))
    assert torus_gap(y, L - 0.5) < 1e-9 and x == pytest.approx(11.5, abs=1e-9)


def test_spread_exact_values():
    assert circular_spread(block(7, 7, 1)).rms == pytest.approx(0.0, abs=1e-9)
    for b in (2, 3, 4):
        spread = circular_spread(block(4, 6, b))
        assert spread.rms == pytest.approx(math.sqrt((b**2 - 1) / 6), abs=1e-9)
        assert spread.rms**2 == pytest.approx(spread.rms_y**2 + spread.rms_x**2)
    for size in (24, 7):
        uniform = circular_spread(np.ones((size, size)))
        assert uniform.rms == pytest.approx(math.sqrt((size**2 - 1) / 6), rel=1e-12)
        assert uniform.circular_variance_y == pytest.approx(1.0) and uniform.circular_variance_x == pytest.approx(1.0)
    delta = circular_spread(block(0, 0, 1))
    assert delta.circular_variance_y == pytest.approx(0.0, abs=1e-12)


def test_spread_is_translation_invariant_across_the_seam():
    inside = circular_spread(block(8, 8, 3))
    for corner in ((L - 1, L - 1), (L - 2, 0), (0, L - 1)):
        assert circular_spread(block(*corner, 3)).rms == pytest.approx(inside.rms, abs=1e-9)


def test_spread_does_not_depend_on_the_scale():
    assert circular_spread(block(2, 2, 4, value=1e-6)).rms == pytest.approx(circular_spread(block(2, 2, 4)).rms)


# ----------------------------------------------------------------------------- window fraction


def test_window_fraction_of_a_block_and_its_corner():
    assert best_window_fraction(block(5, 9, 2), 2) == (1.0, (5, 9))
    assert best_window_fraction(block(L - 1, L - 1, 2), 2) == (1.0, (L - 1, L - 1))
    assert best_window_fraction(block(5, 9, 4), 2)[0] == pytest.approx(0.25)
    # a non-integer value still gives 1 (clipped against rounding)
    assert best_window_fraction(block(3, 3, 3, value=0.1), 3)[0] == pytest.approx(1.0, abs=1e-15)


def test_window_fraction_of_uniform_is_exact():
    for b in (1, 2, 3, 4, 24):
        fraction, corner = best_window_fraction(np.ones((L, L)), b)
        assert fraction == b**2 / L**2
        assert corner == (0, 0)


# ----------------------------------------------------------------------------- ranking


@pytest.mark.parametrize("corner", [(6, 10), (L - 1, L - 1), (L - 1, 5)])
def test_metrics_rank_block_above_wider_block_above_noise(corner):
    b = 2
    narrow = locality_summary(block(*corner, b), b)
    # the 2b x 2b block straddles the seam whenever the narrow one does
    wide = locality_summary(block(corner[0] - 1, corner[1] - 1, 2 * b), b)
    noise = locality_summary(uniform_noise(), b)
    assert narrow["spread"] < wide["spread"] < noise["spread"]
    assert narrow["window_fraction"] == 1.0
    assert narrow["window_fraction"] > wide["window_fraction"] > noise["window_fraction"]
    assert narrow["prototype_score"] > wide["prototype_score"] > noise["prototype_score"]
    assert (narrow["window_y0"], narrow["window_x0"]) == corner
    assert narrow["n_clusters"] == wide["n_clusters"] == 1


def test_noise_with_a_tail_scores_below_a_block():
    # exponential noise: a few sites above mean + 2 std, scattered
    noise = prototype_score(np.random.default_rng(3).exponential(size=(L, L)))
    assert noise.n_surviving > 5
    assert noise.score < prototype_score(block(4, 4, 4)).score


# ----------------------------------------------------------------------------- prototypes


def test_prototype_single_site_scores_one():
    assert prototype_score(block(11, 3, 1)) == (1, 1, 0.0, 1.0)


def test_prototype_counts_blocks():
    one = prototype_score(block(L - 1, L - 1, 2))
    assert (one.n_surviving, one.n_clusters) == (4, 1)
    assert one.mean_radius == pytest.approx(math.sqrt(0.5))
    assert one.score == pytest.approx(1 / (1 + math.sqrt(0.5)))
    two = prototype_score(block(2, 2, 2) + block(14, 12, 2))
    assert (two.n_surviving, two.n_clusters) == (8, 2)
    assert two.mean_radius == pytest.approx(math.sqrt(0.5))
    assert two.score == pytest.approx(one.score / 2)
    # two blocks of which one straddles the seam, and three equidistant blocks
    assert prototype_score(block(L - 1, 0, 2) + block(11, 12, 2)).n_clusters == 2
    assert prototype_score(block(0, 0, 2) + block(8, 8, 2) + block(16, 16, 2)).n_clusters == 3


def test_prototype_of_uniform_noise_keeps_nothing_or_scores_low():
    uniform = prototype_score(uniform_noise())
    # uniform [0, 1): mean + 2 std = 1.08 > every value
    assert (uniform.n_surviving, uniform.n_clusters, uniform.score) == (0, 0, 0.0)
    assert math.isnan(uniform.mean_radius)
    assert prototype_score(np.ones((L, L))).n_surviving == 0


def test_prototype_is_reproducible_with_the_seed():
    weights = np.random.default_rng(5).exponential(size=(L, L))
    first = prototype_score(weights, seed=11)
    assert prototype_score(weights, seed=11) == first
    assert prototype_score(weights, k=1.0, max_clusters=3, seed=2) == prototype_score(
        weights, k=1.0, max_clusters=3, seed=2
    )


def test_prototype_respects_max_clusters():
    three = block(0, 0, 2) + block(8, 8, 2) + block(16, 16, 2)
    assert prototype_score(three, max_clusters=1).n_clusters == 1
    assert prototype_score(three, max_clusters=2).n_clusters <= 2


# ----------------------------------------------------------------------------- summaries


def test_summary_and_table():
    summary = locality_summary(block(3, 4, 2), 2)
    assert list(summary) == SUMMARY_COLUMNS
    maps = np.stack([block(3, 4, 2), block(10, 10, 4), uniform_noise()])
    table = locality_table(maps, 2)
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["unit", *SUMMARY_COLUMNS]
    assert table["unit"].tolist() == [0, 1, 2]
    assert table.iloc[0].drop("unit").to_dict() == pytest.approx(summary)
    assert table["spread"].is_monotonic_increasing


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: circular_centroid(-block(0, 0, 2)), "weights must be non-negative"),
        (lambda: circular_spread(np.ones((4, 5))), "weights must be a square"),
        (lambda: circular_spread(np.ones(16)), "weights must be a square"),
        (lambda: circular_centroid(np.zeros((4, 4))), "positive total"),
        (lambda: circular_centroid(np.full((4, 4), np.nan)), "weights must be finite"),
        (lambda: best_window_fraction(np.ones((4, 4)), 0), "b must be an integer in \\[1, L = 4\\]"),
        (lambda: best_window_fraction(np.ones((4, 4)), 5), "b must be"),
        (lambda: best_window_fraction(np.ones((4, 4)), 2.0), "b must be"),
        (lambda: best_window_fraction(np.ones((4, 4)), True), "b must be"),
        (lambda: prototype_score(np.ones((4, 4)), k=math.inf), "k must be"),
        (lambda: prototype_score(np.ones((4, 4)), max_clusters=0), "max_clusters must be"),
        (lambda: prototype_score(np.ones((4, 4)), seed=-1), "seed must be"),
        (lambda: prototype_score(np.ones((4, 5))), "weights must be a square"),
        (lambda: locality_summary(np.ones((4, 4)), 9), "b must be"),
        (lambda: locality_table(np.ones((4, 4)), 2), "maps must be a \\(units, L, L\\)"),
        (lambda: locality_table(np.ones((2, 4, 5)), 2), "maps must be"),
        (lambda: locality_table(-np.ones((2, 4, 4)), 2), "maps must be non-negative"),
        (lambda: locality_table(np.stack([np.ones((4, 4)), np.zeros((4, 4))]), 2), "maps must have a positive total"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
