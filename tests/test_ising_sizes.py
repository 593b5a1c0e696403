"""deeprenorm.ising.sizes: which L and block give a block lattice the project can simulate, and the
conv model specs and models that follow that rule."""

import pytest
from helpers import model_of, torch_spins

from deeprenorm.ising.sizes import coarse_size_ok
from deeprenorm.ml import ModelSpec


def test_conv_size_rule():
    assert coarse_size_ok(12, 3) and coarse_size_ok(8, 2) and coarse_size_ok(32, 2)
    assert ModelSpec("conv", block=3).fits(12) and ModelSpec("wide", latent=2).fits(6)
    assert model_of("conv", None, 3, length=12).encode(torch_spins(2, 12)).shape == (2, 4, 4)
    for length, block, side in ((6, 3, "2"), (10, 2, "5"), (9, 2, "4.5")):
        assert not coarse_size_ok(length, block) and not ModelSpec("conv", block=block).fits(length)
        with pytest.raises(ValueError, match=f"L = {length}, block = {block} gives L/block = {side}"):
            model_of("conv", None, block, length=length)
