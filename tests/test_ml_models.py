"""Autoencoders (deeprenorm.ml.models) on tiny L = 8 lattices: shapes and ranges, layer widths,
gradients, dropout, the models that cannot exist at an L, and a model rebuilt from its architecture."""

import pytest
import torch
from helpers import ML_KINDS, ML_L, model_of, torch_spins
from torch import nn

from deeprenorm.ml import ModelSpec, at_lattice_size, build_model, model_from_architecture

pytestmark = pytest.mark.usefixtures("one_torch_thread")

WIDE = ModelSpec("wide", latent=2)


@pytest.mark.parametrize(("kind", "latent", "block"), ML_KINDS)
def test_shapes_and_tanh_ranges(kind, latent, block):
    model = model_of(kind, latent, block)
    x = torch_spins(5)
    x_hat, z = model(x)
    assert x_hat.shape == (5, ML_L, ML_L) and x_hat.dtype == torch.float32
    assert z.shape == ((5, ML_L // block, ML_L // block) if kind == "conv" else (5, latent))
    assert torch.equal(model.encode(x), z) and torch.equal(model.decode(z), x_hat)
    assert x_hat.abs().max() <= 1 and z.abs().max() <= 1


def test_layer_widths():
    assert model_of("alexandrou", 2, None).architecture["widths"] == [64, 625, 256, 64, 2]
    assert model_of("wide", 3, None).architecture["widths"] == [64, 32, 16, 8, 4, 3]
    assert model_of("wide", 1, None).architecture["widths"] == [64, 32, 16, 8, 4, 2, 1]
    conv = model_of("conv", None, 3, length=12)
    assert conv.architecture["latent"] == 16 and conv.architecture["block"] == 3 and conv.spec.code_shape(12) == (4, 4)
    hidden = [type(m) for m in model_of("wide", 3, None).modules() if isinstance(m, (nn.ReLU, nn.Tanh))]
    assert set(hidden) == {nn.Tanh}


@pytest.mark.parametrize(("kind", "latent", "block"), ML_KINDS)
def test_every_parameter_gets_a_gradient(kind, latent, block):
    model = model_of(kind, latent, block, dropout=0.1)
    x = torch_spins(16)
    x_hat, _ = model(x)
    nn.functional.mse_loss(x_hat, x).backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_dropout_follows_hidden_activations_only():
    assert not any(isinstance(m, nn.Dropout) for m in model_of("alexandrou", 2, None).modules())
    model = model_of("alexandrou", 2, None, dropout=0.25)
    for part in (model.encoder, model.decoder):
        layers = list(part)
        dropouts = [i for i, m in enumerate(layers) if isinstance(m, nn.Dropout)]
        assert len(dropouts) == 3 and all(isinstance(layers[i - 1], nn.ReLU) for i in dropouts)


@pytest.mark.parametrize(
    ("spec", "length", "message"),
    [
        (WIDE, 3, "L must be an integer >= 4"),
        (WIDE, 8.0, "L must be an integer"),
        (ModelSpec("wide", latent=64), 8, r"latent must be in 1\.\.63"),
        ({"kind": "wide", "latent": 2}, 8, "spec must be a ModelSpec"),
    ],
)
def test_models_that_do_not_exist_at_L_are_named(spec, length, message):
    with pytest.raises(ValueError, match=message):
        build_model(spec, length)


@pytest.mark.parametrize(("kind", "latent", "block"), ML_KINDS)
def test_architecture_rebuilds_the_model(kind, latent, block):
    model = model_of(kind, latent, block, dropout=0.1)
    again = model_from_architecture(model.architecture)
    assert again.architecture == model.architecture
    assert [p.shape for p in again.parameters()] == [p.shape for p in model.parameters()]
    changed = model.architecture
    changed["widths"] = [*changed["widths"][:-1], 99]
    with pytest.raises(ValueError, match="this code builds"):
        model_from_architecture(changed)


def test_a_conv_model_transfers_to_another_size_with_the_same_weights():
    """The conv model's weights do not depend on L: built at L = 16 from weights trained at
    L = 8, it encodes a 16 x 16 lattice tiled from an 8 x 8 one as the tiled code of the 8 x 8
    one (circular padding makes the tiling exact), and decodes it back in the same way."""
    torch.manual_seed(3)
    small = build_model(ModelSpec("conv", block=2), 8).eval()
    large = at_lattice_size(small, 16)
    assert large.L == 16 and large.architecture["L"] == 16 and not large.training
    spins = torch.where(torch.rand(5, 8, 8) < 0.5, -1.0, 1.0)
    tiled = spins.repeat(1, 2, 2)
    with torch.no_grad():
        small_x, small_z = small(spins)
        large_x, large_z = large(tiled)
    torch.testing.assert_close(large_z, small_z.repeat(1, 2, 2))
    torch.testing.assert_close(large_x, small_x.repeat(1, 2, 2))
    with pytest.raises(ValueError, match="only conv models transfer"):
        at_lattice_size(build_model(ModelSpec("alexandrou", latent=1), 8), 16)
