"""Receptive fields and preferred inputs of an autoencoder's units: what each neuron looks at.

A coarse-graining that is a block-spin transformation has local receptive fields: a block
variable depends on the spins of one b x b block (and, for a smooth kernel, a little of its
neighbourhood), and the same pattern repeats, translated, from block to block.  These probes
make the fields of a trained network visible as L x L images, in the lattice's own ``[row,
column]`` layout (the row-major order in which ``nn.Flatten`` feeds a dense encoder).

Weights (the model's parameters alone):

* :func:`first_layer_fields` -- the rows of a dense encoder's first weight matrix.
* :func:`product_fields` -- the construction of Mehta & Schwab (2014), "An exact mapping
  between the variational renormalization group and deep learning", arXiv:1410.3831, for a
  deep belief network: the receptive field of a layer-l unit is the product of the weight
  matrices from the input up to layer l, ``r^(1) = W^(1)``, ``r^(l) = r^(l-1) W^(l)``
  (here with torch's ``(out, in)`` weights, ``W_l ... W_2 W_1``).  Activations and biases are
  ignored: it is exact for a linear network and the linear response of a tanh network around
  zero input and bias (tanh'(0) = 1), not for ReLU units, which switch off.
* :func:`conv_kernels` -- the two encoder kernels of a ``"conv"`` model.

Gradients (the network's response around given configurations, activations included):

* :func:`saliency` -- ``dz_unit / dx``, signed and in modulus, averaged over configurations:
  the gradient map of Simonyan, Vedaldi & Zisserman (2014), "Deep inside convolutional
  networks", arXiv:1312.6034, here over an ensemble rather than one image.
* :func:`effective_receptive_field` -- the same modulus for one site of a conv model's code
  field: the effective receptive field of Luo, Li, Urtasun & Zemel (2016), arXiv:1701.04128,
  which for a block-spin learner should cover the site's own block.

Activation maximisation (the input a unit responds to most):

* :func:`activation_maximisation` and :func:`activation_maps` -- the neuron visualisation of
  Broomberg & Rabinovich (2019), "Deep Renormalization" (after Erhan, Bengio, Courville &
  Vincent (2009), "Visualizing higher-layer features of a deep network", Université de
  Montréal report 1341): with the weights frozen, gradient descent on the input to bring one
  unit's activation to a target, the input kept in [-1, 1] by the parametrisation
  ``x = tanh(a)`` and small by an L2 penalty, from several random starts.  Their figure is
  :func:`activation_maps` of the code of a latent-16 model: one map per code unit.

A *layer* of the encoder (:func:`layer_units`) is the output of one of its activation modules
(:data:`ACTIVATIONS`), counted from the input; negative indices count from the end, and layer
-1, the last activation, is the code of every model of :mod:`deeprenorm.ml.models`.  Its
*units* are its outputs flattened per configuration: for a conv model, channel-major
``(channel, row, column)``, and for its code the ``(row, column)`` sites of the code field.

Every function leaves the model as it found it (training mode, ``requires_grad``, weights) and
draws random numbers only from its own seeded generator, never from the global torch state.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ..arguments import check_integer, check_real, is_integer
from ..ml import Autoencoder, module_device
from ..seeding import seed_sequence

__all__ = [
    "ACTIVATIONS",
    "ConvKernels",
    "Maximisation",
    "Saliency",
    "layer_units",
    "first_layer_fields",
    "product_fields",
    "conv_kernels",
    "saliency",
    "effective_receptive_field",
    "activation_maximisation",
    "activation_maps",
]

#: Module types whose outputs are the encoder's layers (those :mod:`deeprenorm.ml.models` uses).
ACTIVATIONS = (nn.Tanh, nn.ReLU)

# Configurations per forward-backward pass of the gradient probes: bounds memory, not results.
_BATCH = 512


class ConvKernels(NamedTuple):
    """The encoder kernels of a conv model, as cross-correlation weights (``nn.Conv2d``):
    ``local[c, di, dj]`` multiplies the spin at offset ``(di - 1, dj - 1)`` in channel c's
    periodic 3 x 3 convolution; ``block[c, i, j]`` multiplies channel c at site ``(i, j)`` of
    a b x b block in the stride-b convolution to the code."""

    local: np.ndarray
    block: np.ndarray


class Saliency(NamedTuple):
    """Mean over configurations of ``dz_unit / dx`` (``signed``) and of its modulus
    (``absolute``), each an L x L map."""

    signed: np.ndarray
    absolute: np.ndarray


class Maximisation(NamedTuple):
    """Inputs found by activation maximisation and the activations they reach."""

    inputs: np.ndarray
    activations: np.ndarray


def layer_units(model: Autoencoder) -> list[int]:
    """Number of units of each layer of ``model.encoder``, from the input to the code (see the
    module docstring for what a layer and its units are)."""
    with _frozen(model):
        return [_units(model, _layer(model, index)) for index in range(len(_activation_positions(model)))]


def first_layer_fields(model: Autoencoder) -> np.ndarray:
    """The first ``nn.Linear`` of a dense encoder: its weight rows as images, float64
    ``(units, L, L)``; ``fields[u, i, j]`` is the weight of spin ``(i, j)`` into unit u."""
    _require_dense(model, "first_layer_fields")
    return product_fields(model)[0]


def product_fields(model: Autoencoder) -> list[np.ndarray]:
    """Mehta & Schwab's receptive fields of a dense encoder: per ``nn.Linear`` layer l of
    ``model.encoder``, float64 ``(units_l, L, L)``, the product ``W_l ... W_2 W_1`` of the
    weight matrices from the input to that layer, each row as an L x L image.  Layer 1 is
    :func:`first_layer_fields`; activations and biases are ignored (module docstring)."""
    _require_dense(model, "product_fields")
    L = model.L
    linears = [module for module in model.encoder if isinstance(module, nn.Linear)]
    if not linears:
        raise ValueError("product_fields needs an encoder with nn.Linear layers, found none")
    fields, product = [], None
    for linear in linears:
        weight = linear.weight.detach().cpu().double().numpy()
        product = weight if product is None else weight @ product
        fields.append(product.reshape(len(product), L, L))
    return fields


def conv_kernels(model: Autoencoder) -> ConvKernels:
    """The encoder kernels of a ``"conv"`` model: float64 ``local`` ``(channels, 3, 3)``, the
    first (periodic) convolution's, and ``block`` ``(channels, b, b)``, the stride-b
    convolution's to the one-channel code (see :class:`ConvKernels`)."""
    _require_conv(model, "conv_kernels")
    convolutions = [module for module in model.encoder if isinstance(module, nn.Conv2d)]
    first, last = convolutions[0].weight.detach().cpu().double(), convolutions[-1].weight.detach().cpu().double()
    return ConvKernels(local=first[:, 0].numpy(), block=last[0].numpy())


def saliency(model: Autoencoder, spins, unit: int) -> Saliency:
    """The gradient of code unit ``unit`` with respect to the input, averaged over ``spins``.

    Parameters
    ----------
    model
        Any model of :mod:`deeprenorm.ml.models` (evaluated in eval mode).
    spins
        Configurations ``(n, L, L)``, n >= 1, int8 +-1 or float (any finite values: the
        gradient is taken where the configurations lie).
    unit
        Index into the code flattened per configuration, ``0 <= unit < latent``: a code unit
        of a dense model, the site ``(row, column)`` as ``row * (L/b) + column`` of a conv
        model's code field.

    Returns
    -------
    Saliency
        float64 L x L maps, the means over configurations of ``dz_unit / dx`` and of
        ``|dz_unit / dx|``.  For a code linear in x both are the unit's weight row (signed and
        in modulus); the modulus shows where the unit looks even where the signed gradient
        averages out (a unit odd in the spins, at a temperature where both signs occur).
    """
    array = _spins(model, spins)
    L = model.L
    with _frozen(model):
        device = module_device(model)
        latent = _units(model, model.encoder)
        unit = _index("unit", unit, latent, "code units")
        signed = torch.zeros((L, L), dtype=torch.float64)
        absolute = torch.zeros((L, L), dtype=torch.float64)
        with torch.enable_grad():
            for begin in range(0, len(array), _BATCH):
                x = (
                    torch.from_numpy(np.asarray(array[begin : begin + _BATCH], dtype=np.float32))
                    .to(device)
                    .requires_grad_(True)
                )
                code = model.encoder(x).reshape(len(x), -1)
                # In eval mode each configuration's code depends on its own input only, so the
                # gradient of the batch sum is the stack of per-configuration gradients.
                (gradient,) = torch.autograd.grad(code[:, unit].sum(), x)
                gradient = gradient.detach().cpu().double()
                signed += gradient.sum(dim=0)
                absolute += gradient.abs().sum(dim=0)
    return Saliency(signed=(signed / len(array)).numpy(), absolute=(absolute / len(array)).numpy())


def effective_receptive_field(model: Autoencoder, spins, site: tuple[int, int] = (0, 0)) -> np.ndarray:
    """The effective receptive field of code site ``site = (row, column)`` of a ``"conv"``
    model: ``|dz_site / dx|`` averaged over the configurations ``spins`` ``(n, L, L)``, a
    float64 L x L map (:func:`saliency` of that site; for a dense model use :func:`saliency`
    per code unit).  A block-spin learner's field lies on the site's b x b block, spread by
    the 3 x 3 first kernel to at most the (b + 2) x (b + 2) square around it (periodically)."""
    _require_conv(model, "effective_receptive_field")
    side = model.L // model.spec.block
    if (
        not isinstance(site, Sequence)
        or len(site) != 2
        or not all(is_integer(value) and 0 <= value < side for value in site)
    ):
        raise ValueError(
            f"site must be a (row, column) pair of integers in 0..{side - 1} (the code field is {side} x {side}), got {site!r}"
        )
    return saliency(model, spins, int(site[0]) * side + int(site[1])).absolute


def activation_maximisation(
    model: Autoencoder,
    layer: int,
    unit: int,
    *,
    target: float = 1.0,
    starts: int = 4,
    steps: int = 300,
    lr: float = 0.05,
    l2: float = 1e-3,
    seed: int | np.random.SeedSequence = 0,
) -> Maximisation:
    """Inputs that bring one unit to ``target``, by gradient descent on the input.

    Parameters
    ----------
    model
        Any model of :mod:`deeprenorm.ml.models`; its weights are frozen (eval mode, no
        parameter gradients) for the call and its state restored afterwards.
    layer, unit
        The unit: layer ``layer`` of the encoder (an integer index into :func:`layer_units`,
        -1 the code) and ``unit`` among its flattened outputs, ``0 <= unit < layer_units[layer]``.
    target
        Activation sought (finite).  A tanh unit cannot reach +-1, so the default 1.0 drives it
        towards saturation; a target inside the unit's range is met to optimiser precision.
    starts
        Random starts (integer >= 1): ``a`` drawn from a standard normal per site.
    steps, lr
        Adam steps (integer >= 1) on ``a`` and their learning rate (> 0).
    l2
        Weight (>= 0) of ``mean(x^2)`` in the objective
        ``(activation - target)^2 + l2 * mean(x^2)``: among the many inputs that reach the
        target it favours the smallest, so sites the unit ignores fade to 0 (Adam's
        scale-free steps move them even though their gradient is only the penalty's).
    seed
        Non-negative integer or :class:`numpy.random.SeedSequence` of the starts; the same
        seed gives the same result.

    Returns
    -------
    Maximisation
        ``inputs`` float64 ``(starts, L, L)`` in [-1, 1], the final ``x = tanh(a)`` of each
        start, and ``activations`` float64 ``(starts,)``, the unit's activation there.
    """
    found = _maximise(model, layer, [unit], target, starts, steps, lr, l2, seed)
    return Maximisation(inputs=found.inputs[0], activations=found.activations[0])


def activation_maps(
    model: Autoencoder,
    layer: int,
    units: Sequence[int] | None = None,
    *,
    target: float = 1.0,
    starts: int = 4,
    steps: int = 300,
    lr: float = 0.05,
    l2: float = 1e-3,
    seed: int | np.random.SeedSequence = 0,
) -> Maximisation:
    """:func:`activation_maximisation` of every unit of a layer (Broomberg & Rabinovich's
    figure with ``layer=-1``: one map per code unit).

    ``units``: the units of layer ``layer`` to map (default all, in order); the other
    arguments as for :func:`activation_maximisation`, whose starts (the same for every unit)
    each unit is optimised from, all units at once.  Returns ``inputs`` float64
    ``(units, L, L)``, per unit the start with the smallest final objective, and
    ``activations`` float64 ``(units,)``, the unit's activation there.
    """
    if units is None:
        units = range(layer_units(model)[_layer_index(model, layer)])
    elif isinstance(units, (str, bytes)) or not isinstance(units, Sequence):
        raise ValueError(f"units must be a sequence of unit indices or None (all units), got {units!r}")
    if len(units) == 0:
        raise ValueError("units must name at least one unit, got an empty sequence")
    found = _maximise(model, layer, list(units), target, starts, steps, lr, l2, seed)
    best = np.argmin(found.objectives, axis=1)
    rows = np.arange(len(best))
    return Maximisation(inputs=found.inputs[rows, best], activations=found.activations[rows, best])


class _Found(NamedTuple):
    inputs: np.ndarray  # (units, starts, L, L)
    activations: np.ndarray  # (units, starts)
    objectives: np.ndarray  # (units, starts)


def _maximise(model, layer, units, target, starts, steps, lr, l2, seed) -> _Found:
    """Activation maximisation of ``units`` of ``layer``, each from the same ``starts``."""
    target = check_real("target", target)
    starts = check_integer("starts", starts, 1)
    steps = check_integer("steps", steps, 1)
    lr = check_real("lr", lr, positive=True)
    l2 = check_real("l2", l2, nonnegative=True)
    generator = torch.Generator().manual_seed(_torch_seed(seed))
    L = model.L
    with _frozen(model):
        device = module_device(model)
        truncated = _layer(model, _layer_index(model, layer))
        width = _units(model, truncated)
        units = [_index("unit", unit, width, f"units of layer {layer}") for unit in units]
        # Drawn on the CPU from the call's own generator, so the starts do not depend on the
        # device and the global torch random state is not touched.
        initial = torch.randn((starts, L, L), generator=generator, dtype=torch.float32)
        a = initial.repeat(len(units), 1, 1).to(device).requires_grad_(True)
        column = torch.tensor(units, device=device).repeat_interleave(starts)[:, None]

        def evaluate():
            x = torch.tanh(a)
            activation = truncated(x).reshape(len(x), -1).gather(1, column)[:, 0]
            return x, activation, (activation - target) ** 2 + l2 * x.pow(2).mean(dim=(1, 2))

        # Adam acts element by element, and in eval mode each row's activation depends on its
        # own input only: optimising the sum over rows optimises every (unit, start) on its own.
        optimiser = torch.optim.Adam([a], lr=lr)
        with torch.enable_grad():
            for _ in range(steps):
                optimiser.zero_grad()
                evaluate()[2].sum().backward()
                optimiser.step()
        with torch.no_grad():
            x, activation, objective = evaluate()
    shape = (len(units), starts)
    return _Found(
        inputs=x.cpu().double().numpy().reshape(*shape, L, L),
        activations=activation.cpu().double().numpy().reshape(shape),
        objectives=objective.cpu().double().numpy().reshape(shape),
    )


@contextmanager
def _frozen(model: Autoencoder):
    """``model`` in eval mode with parameter gradients off, each module's training flag and
    each parameter's ``requires_grad`` restored on exit."""
    modes = [(module, module.training) for module in model.modules()]
    flags = [(parameter, parameter.requires_grad) for parameter in model.parameters()]
    model.eval()
    for parameter, _ in flags:
        parameter.requires_grad_(False)
    try:
        yield
    finally:
        for parameter, flag in flags:
            parameter.requires_grad_(flag)
        for module, training in modes:
            module.training = training


def _activation_positions(model: Autoencoder) -> list[int]:
    return [position for position, module in enumerate(model.encoder) if isinstance(module, ACTIVATIONS)]


def _layer_index(model: Autoencoder, layer) -> int:
    count = len(_activation_positions(model))
    if count == 0:
        raise ValueError(
            f"model.encoder has no activation module ({', '.join(kind.__name__ for kind in ACTIVATIONS)}), so no layer to probe"
        )
    if not (is_integer(layer) and -count <= layer < count):
        raise ValueError(
            f"layer must be an integer in {-count}..{count - 1} (the encoder's {count} layers; -1 is the code), got {layer!r}"
        )
    return int(layer) % count


def _layer(model: Autoencoder, index: int) -> nn.Module:
    """The encoder up to and including the output of layer ``index`` (>= 0)."""
    return model.encoder[: _activation_positions(model)[index] + 1]


def _units(model: Autoencoder, module: nn.Module) -> int:
    """Outputs per configuration of ``module`` (run in the caller's eval mode)."""
    L = model.L
    with torch.no_grad():
        return module(torch.zeros((1, L, L), device=module_device(model))).numel()


def _require_dense(model: Autoencoder, function: str) -> None:
    if model.spec.is_convolutional:
        raise ValueError(f"{function} needs a dense model, got kind {model.spec.kind!r}")


def _require_conv(model: Autoencoder, function: str) -> None:
    if not model.spec.is_convolutional:
        raise ValueError(f"{function} needs a model of kind 'conv', got kind {model.spec.kind!r}")


def _spins(model: Autoencoder, spins) -> np.ndarray:
    L = model.L
    array = np.asarray(spins)
    if array.ndim != 3 or array.shape[1:] != (L, L) or len(array) == 0:
        raise ValueError(f"spins must have shape (n, {L}, {L}) with n >= 1, got {array.shape}")
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"spins must be integer (+-1) or float, got dtype {array.dtype}")
    if not np.all(np.isfinite(array)):
        raise ValueError("spins must be finite (found NaN or inf)")
    return array


def _index(name: str, value, count: int, what: str) -> int:
    if not (is_integer(value) and 0 <= value < count):
        raise ValueError(f"{name} must be an integer in 0..{count - 1} (the {count} {what}), got {value!r}")
    return int(value)


def _torch_seed(seed) -> int:
    return int(seed_sequence(seed).generate_state(1, np.uint64)[0])
