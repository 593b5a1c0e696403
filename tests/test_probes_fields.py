"""Receptive fields and activation maximisation (deeprenorm.probes.fields), on hand-set weights."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from deeprenorm.ml import Autoencoder, ModelSpec, build_model
from deeprenorm.probes import (
    activation_maps,
    activation_maximisation,
    conv_kernels,
    effective_receptive_field,
    first_layer_fields,
    layer_units,
    product_fields,
    saliency,
)

CHECKER = np.array([[(-1.0) ** (i + j) for j in range(4)] for i in range(4)])


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def handmade(*layers, L=4):
    """A dense autoencoder whose encoder is Flatten then ``layers`` (the decoder is unused)."""
    widths = [L * L] + [layer.out_features for layer in layers if isinstance(layer, nn.Linear)]
    return Autoencoder(nn.Sequential(nn.Flatten(), *layers), nn.Identity(), ModelSpec("wide", latent=widths[-1]), L)


def linear(weight, bias=None):
    weight = torch.as_tensor(np.asarray(weight), dtype=torch.float32)
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(torch.zeros(weight.shape[0]) if bias is None else torch.as_tensor(bias, dtype=torch.float32))
    return layer


def tiny_tanh():
    """z = tanh(W x): unit 0 sees the checkerboard (range +-tanh(3.2)), unit 1 the sum (+-tanh(1.6))."""
    return handmade(linear(np.stack([0.2 * CHECKER.ravel(), 0.1 * np.ones(16)])), nn.Tanh())


def spins(n, L, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(n, L, L))


# ----------------------------------------------------------------------------- activation maximisation


@pytest.mark.parametrize(("unit", "target"), [(0, 0.8), (1, -0.5)])
def test_activation_maximisation_reaches_a_reachable_target_from_every_start(unit, target):
    model = tiny_tanh().train()
    weights = [parameter.detach().clone() for parameter in model.parameters()]
    rng_state = torch.get_rng_state()
    found = activation_maximisation(model, -1, unit, target=target, starts=5, seed=3)
    assert torch.equal(torch.get_rng_state(), rng_state)
    assert found.inputs.shape == (5, 4, 4) and found.activations.shape == (5,)
    assert found.inputs.dtype == np.float64
    np.testing.assert_array_less(np.abs(found.activations - target), 0.02)
    assert np.all(np.abs(found.inputs) <= 1.0)
    # the activations reported are the unit's at the inputs returned
    with torch.no_grad():
        recomputed = model.encode(torch.from_numpy(found.inputs).float())[:, unit].numpy()
    np.testing.assert_allclose(recomputed, found.activations, atol=1e-6)
    # each input leans along the unit's weights, with the sign of the target
    pattern = CHECKER if unit == 0 else np.ones((4, 4))
    assert np.all(np.sign(target) * (found.inputs * pattern).sum(axis=(1, 2)) > 0)
    # the model is left as it was
    assert model.training and all(parameter.requires_grad for parameter in model.parameters())
    assert all(torch.equal(before, after) for before, after in zip(weights, model.parameters()))
    assert all(parameter.grad is None for parameter in model.parameters())


def test_sites_a_unit_ignores_fade_under_the_l2_penalty():
    weight = np.zeros((1, 16))
    weight[0, :8] = 0.2  # the top two rows only
    found = activation_maximisation(handmade(linear(weight), nn.Tanh()), -1, 0, target=0.5, starts=3)
    np.testing.assert_array_less(np.abs(found.activations - 0.5), 0.02)
    assert np.abs(found.inputs[:, 2:]).max() < 1e-3
    assert np.all((found.inputs[:, :2] > 0).mean(axis=(1, 2)) > 0.5)


def test_activation_maximisation_is_seeded_and_keeps_the_global_rng():
    model = build_model(
        ModelSpec("wide", latent=2, regularisation="dropout", dropout=0.5), 4
    ).train()  # dropout would draw if it ran
    rng_state = torch.get_rng_state()
    first = activation_maximisation(model, 0, 3, steps=30, seed=7)
    again = activation_maximisation(model, 0, 3, steps=30, seed=np.random.SeedSequence(7))
    other = activation_maximisation(model, 0, 3, steps=30, seed=8)
    assert torch.equal(torch.get_rng_state(), rng_state)
    assert np.array_equal(first.inputs, again.inputs) and np.array_equal(first.activations, again.activations)
    assert not np.array_equal(first.inputs, other.inputs)
    assert model.training and all(module.training for module in model.modules())


def test_activation_maps_take_the_best_start_of_each_unit():
    model = tiny_tanh()
    maps = activation_maps(model, -1, target=0.8, seed=2)
    assert maps.inputs.shape == (2, 4, 4) and maps.activations.shape == (2,)
    np.testing.assert_array_less(np.abs(maps.activations - 0.8), 0.02)
    for unit in range(2):
        single = activation_maximisation(model, -1, unit, target=0.8, seed=2)
        objective = (single.activations - 0.8) ** 2 + 1e-3 * (single.inputs**2).mean(axis=(1, 2))
        best = int(np.argmin(objective))
        np.testing.assert_allclose(maps.inputs[unit], single.inputs[best], atol=1e-5)
        np.testing.assert_allclose(maps.activations[unit], single.activations[best], atol=1e-5)
    only = activation_maps(model, -1, [1], target=0.8, seed=2)
    np.testing.assert_allclose(only.inputs[0], maps.inputs[1], atol=1e-5)


def test_layers_are_the_activation_outputs():
    assert layer_units(tiny_tanh()) == [2]
    assert layer_units(build_model(ModelSpec("wide", latent=2), 4)) == [8, 4, 2]
    assert layer_units(build_model(ModelSpec("alexandrou", latent=3), 4)) == [625, 256, 64, 3]
    assert layer_units(build_model(ModelSpec("conv", block=2, regularisation="dropout", dropout=0.2), 8)) == [
        8 * 8 * 8,
        4 * 4,
    ]
    maps = activation_maps(build_model(ModelSpec("conv", block=2), 8), -1, [0, 15], steps=5)
    assert maps.inputs.shape == (2, 8, 8) and maps.activations.shape == (2,)


# ----------------------------------------------------------------------------- weights


def test_product_fields_multiply_the_weight_matrices():
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(size=(3, 16)), rng.normal(size=(2, 3))
    model = handmade(linear(w1, rng.normal(size=3)), nn.Tanh(), linear(w2, rng.normal(size=2)), nn.Tanh())
    fields = product_fields(model)
    w1, w2 = (layer.weight.detach().double().numpy() for layer in model.encoder if isinstance(layer, nn.Linear))
    assert [field.shape for field in fields] == [(3, 4, 4), (2, 4, 4)]
    np.testing.assert_array_equal(fields[0], w1.reshape(3, 4, 4))
    np.testing.assert_allclose(fields[1], (w2 @ w1).reshape(2, 4, 4), rtol=1e-12)
    # the layout is the lattice's: weight index i * L + j is site (i, j)
    assert fields[0][1, 2, 3] == w1[1, 2 * 4 + 3]


def test_first_layer_fields_of_a_wide_model():
    model = build_model(ModelSpec("wide", latent=2), 4)
    fields = first_layer_fields(model)
    assert fields.shape == (8, 4, 4)
    np.testing.assert_array_equal(fields, model.encoder[1].weight.detach().numpy().reshape(8, 4, 4))
    products = product_fields(model)
    assert [field.shape for field in products] == [(8, 4, 4), (4, 4, 4), (2, 4, 4)]
    np.testing.assert_array_equal(products[0], fields)


# ----------------------------------------------------------------------------- gradients


def block_learner(local):
    """conv model, L = 8, b = 2: channel 0 has the 3 x 3 kernel ``local``, the code averages it
    over each block (other channels and all biases zero)."""
    model = build_model(ModelSpec("conv", block=2), 8)
    first, last = (module for module in model.encoder if isinstance(module, nn.Conv2d))
    with torch.no_grad():
        first.weight.zero_()
        first.weight[0, 0] = torch.as_tensor(local, dtype=torch.float32)
        first.bias.zero_()
        last.weight.zero_()
        last.weight[0, 0] = 0.25
        last.bias.zero_()
    return model


def test_receptive_field_of_a_delta_kernel_is_the_block():
    delta = np.zeros((3, 3))
    delta[1, 1] = 1.0
    model = block_learner(delta)
    kernels = conv_kernels(model)
    assert kernels.local.shape == (8, 3, 3) and kernels.block.shape == (8, 2, 2)
    np.testing.assert_array_equal(kernels.local[0], delta)
    np.testing.assert_array_equal(kernels.block[0], np.full((2, 2), 0.25))
    field = effective_receptive_field(model, spins(30, 8), site=(1, 2))
    assert field.shape == (8, 8)
    block = np.zeros((8, 8), dtype=bool)
    block[2:4, 4:6] = True
    assert np.array_equal(field != 0, block)
    # +-1 spins: |tanh'| is the same on every site, so the block is uniform
    np.testing.assert_allclose(field[block], field[2, 4], rtol=1e-6)
    # all spins up: z = tanh(tanh(1)) and dz/dx = (1 - z^2) (1 - tanh(1)^2) / 4 on the block
    field = effective_receptive_field(model, np.ones((1, 8, 8), dtype=np.int8), site=(1, 2))
    z = math.tanh(math.tanh(1.0))
    np.testing.assert_allclose(field[block], (1 - z * z) * (1 - math.tanh(1.0) ** 2) / 4, rtol=1e-6)


def test_receptive_field_of_a_smooth_kernel_spreads_one_site_and_keeps_its_symmetry():
    model = block_learner([[0.1, 0.2, 0.1], [0.2, 0.4, 0.2], [0.1, 0.2, 0.1]])
    configurations = spins(20, 8, seed=1)
    # site (0, 0): block rows and columns 0-1, spread by one site across the periodic boundary
    field = effective_receptive_field(model, configurations, site=(0, 0))
    around = np.zeros(8, dtype=bool)
    around[[7, 0, 1, 2]] = True
    assert np.array_equal(field != 0, np.outer(around, around))
    # site (1, 1) lies on the diagonal: a transpose-closed ensemble gives a symmetric field
    symmetric = np.concatenate([configurations, configurations.transpose(0, 2, 1)])
    field = effective_receptive_field(model, symmetric, site=(1, 1))
    np.testing.assert_allclose(field, field.T, rtol=1e-6, atol=1e-12)
    # all spins up: the full symmetry of the square around the block
    field = effective_receptive_field(model, np.ones((1, 8, 8)), site=(1, 1))[1:5, 1:5]
    for image in (field.T, field[::-1], field[:, ::-1]):
        np.testing.assert_allclose(image, field, rtol=1e-6)
    assert field[1, 1] > field[0, 1] > field[0, 0] > 0  # inner block > edge > corner
    np.testing.assert_array_equal(
        effective_receptive_field(model, np.ones((1, 8, 8)), (1, 1)),
        saliency(model, np.ones((1, 8, 8)), 4 + 1).absolute,
    )


def test_saliency_of_a_linear_code_is_its_weight_row():
    rng = np.random.default_rng(4)
    model = handmade(linear(rng.normal(size=(3, 16)), rng.normal(size=3)))
    weight = model.encoder[1].weight.detach().double().numpy()
    found = saliency(model, spins(7, 4), 2)
    np.testing.assert_allclose(found.signed, weight[2].reshape(4, 4), rtol=1e-12)
    np.testing.assert_allclose(found.absolute, np.abs(weight[2]).reshape(4, 4), rtol=1e-12)


def test_saliency_of_small_weights_is_the_product_field():
    model = build_model(ModelSpec("wide", latent=2), 4)
    with torch.no_grad():
        for module in model.encoder:
            if isinstance(module, nn.Linear):
                module.weight.mul_(0.01)
                module.bias.zero_()
    found = saliency(model, spins(10, 4), 1)
    expected = product_fields(model)[-1][1]
    np.testing.assert_allclose(found.signed, expected, atol=1e-3 * np.abs(expected).max())
    np.testing.assert_allclose(found.absolute, np.abs(expected), atol=1e-3 * np.abs(expected).max())


# ----------------------------------------------------------------------------- errors


def test_bad_arguments_raise_value_error():
    tiny, dense, conv = (
        tiny_tanh(),
        build_model(ModelSpec("wide", latent=2), 4),
        build_model(ModelSpec("conv", block=2), 8),
    )
    for layer in (1, -2, True, 0.5):
        with pytest.raises(ValueError, match="layer must be an integer in -1..0"):
            activation_maximisation(tiny, layer, 0)
    for unit in (2, -1):
        with pytest.raises(ValueError, match=r"unit must be an integer in 0..1"):
            activation_maximisation(tiny, -1, unit)
    with pytest.raises(ValueError, match=r"unit must be an integer in 0..7"):
        activation_maps(dense, 0, [0, 8])
    with pytest.raises(ValueError, match="units must name at least one unit"):
        activation_maps(dense, 0, [])
    with pytest.raises(ValueError, match="layer must be an integer in -3..2"):
        activation_maps(dense, 3)
    with pytest.raises(ValueError, match="unit must be an integer in 0..15"):
        saliency(conv, spins(2, 8), 16)
    with pytest.raises(ValueError, match=r"spins must have shape \(n, 4, 4\)"):
        saliency(dense, spins(2, 8), 0)
    for bad in (dict(starts=0), dict(steps=0), dict(lr=0.0), dict(l2=-1.0), dict(target=math.nan), dict(seed=-1)):
        with pytest.raises(ValueError, match=f"{next(iter(bad))} must be"):
            activation_maximisation(tiny, -1, 0, **bad)
    for function in (first_layer_fields, product_fields):
        with pytest.raises(ValueError, match="needs a dense model"):
            function(conv)
    with pytest.raises(ValueError, match="needs a model of kind 'conv'"):
        conv_kernels(dense)
    with pytest.raises(ValueError, match="needs a model of kind 'conv'"):
        effective_receptive_field(dense, spins(2, 4))
    for site in ((4, 0), (0, -1), (1,), "ab"):
        with pytest.raises(ValueError, match=r"site must be a \(row, column\) pair of integers in 0..3"):
            effective_receptive_field(conv, spins(2, 8), site)
