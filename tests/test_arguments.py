"""Tests for deeprenorm.arguments: what counts as an integer or a number, and the error wording
every public function's argument checks share."""

import math

import numpy as np
import pytest

from deeprenorm.arguments import check_integer, check_real, check_window, is_integer, is_real


def test_integers_exclude_bools_and_integral_floats():
    assert is_integer(3) and is_integer(np.int64(3)) and is_integer(np.uint8(0))
    assert not is_integer(True) and not is_integer(3.0) and not is_integer("3") and not is_integer(None)
    assert check_integer("n_blocks", np.int32(20), 2) == 20 and type(check_integer("n", np.int32(2), 2)) is int
    for bad in (1, 2.0, True, "20", None):
        with pytest.raises(ValueError, match=r"^n_blocks must be an integer >= 2, got "):
            check_integer("n_blocks", bad, 2)


def test_numbers_are_finite_reals_with_optional_bounds():
    assert is_real(0.5) and is_real(np.float32(0.5)) and is_real(2)
    assert not is_real(math.nan) and not is_real(math.inf) and not is_real(True) and not is_real("1")
    assert check_real("x", -1.5) == -1.5
    assert check_real("rate", 0.0, nonnegative=True) == 0.0
    with pytest.raises(ValueError, match=r"^rate must be a finite number > 0, got 0.0$"):
        check_real("rate", 0.0, positive=True)
    with pytest.raises(ValueError, match=r"^l1 must be a finite number >= 0, got -1$"):
        check_real("l1", -1, nonnegative=True)
    with pytest.raises(ValueError, match="finite number"):
        check_real("x", math.nan)


def test_windows_are_ordered_pairs_or_none():
    assert check_window(None) is None
    assert check_window((2, 2.5)) == (2.0, 2.5)
    for bad in ((2.5, 2.0), (2.0, 2.0), (math.nan, 2.0), (1.0, 2.0, 3.0)):
        with pytest.raises(ValueError, match="window must be"):
            check_window(bad)
