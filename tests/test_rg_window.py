"""deeprenorm.rg.window: the default temperature window of the flow analyses, T_c -+ its half
width on the simulated grid, with the fallbacks when the grid does not reach that far."""

import pytest

from deeprenorm.config import temperature_grid
from deeprenorm.rg.window import default_window


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
