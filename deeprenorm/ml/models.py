"""The autoencoders of the study: two dense families and a convolutional block-spin learner.

Every model maps float32 spins ``(batch, L, L)`` with values +-1 to a reconstruction of the same
shape in (-1, 1) through a code ``z``:

* ``"alexandrou"`` -- the dense autoencoder of Alexandrou et al. (2019), "Unsupervised
  identification of the phase transition on the 2D-Ising model": encoder L^2 -> 625 -> 256 -> 64
  -> k with ReLU hidden units and a tanh code, mirrored decoder with a tanh output.
* ``"wide"`` -- the wider family of Broomberg & Rabinovich (2019), "Deep Renormalization": layer
  widths halving from L^2 (L^2, L^2/2, L^2/4, ... while larger than k) down to the code width k,
  tanh everywhere (hidden, code and output), mirrored decoder.
* ``"conv"`` -- a convolutional autoencoder whose code is one (L/b) x (L/b) field, the learned
  counterpart of a b x b block spin: a periodic 3 x 3 convolution to ``CONV_CHANNELS`` channels,
  then a stride-b b x b convolution to one channel (the code); the decoder is a stride-b
  transposed convolution back to L x L and a periodic 3 x 3 convolution to one channel. All
  activations are tanh. Its code width is implied, ``latent = (L/b)^2``.

Dropout (rate ``dropout``, none at 0) follows every hidden activation: not the code, not the
output. A :class:`~.spec.ModelSpec` (defined in :mod:`.spec`, torch-free, and re-exported here)
describes a model for every L; :func:`build_model` builds it for one L. Each model carries its
spec, its L and their :attr:`Autoencoder.architecture`, the dict of plain Python values from
which :func:`model_from_architecture` rebuilds it (the checkpoints of :mod:`.checkpoint` store it).
"""

from __future__ import annotations

import torch
from torch import nn

from ..arguments import check_integer
from .spec import ALEXANDROU_HIDDEN, CONV_BLOCKS, CONV_CHANNELS, MODEL_KINDS, ModelSpec

__all__ = [
    "MODEL_KINDS",
    "CONV_BLOCKS",
    "CONV_CHANNELS",
    "ALEXANDROU_HIDDEN",
    "ModelSpec",
    "Autoencoder",
    "build_model",
    "at_lattice_size",
    "model_from_architecture",
    "module_device",
]


class Autoencoder(nn.Module):
    """An encoder and a decoder; ``forward(x)`` returns ``(x_hat, z)``.

    ``encode(x)`` maps ``(batch, L, L)`` to ``(batch, latent)`` (dense kinds) or to the code
    field ``(batch, L/b, L/b)`` (``"conv"``); ``decode(z)`` maps a code back to ``(batch, L, L)``.
    ``spec`` and ``L`` say which model it is.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, spec: ModelSpec, L: int):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.spec = spec
        self.L = L

    @property
    def architecture(self) -> dict:
        """``kind``, ``L``, ``latent``, ``dropout``, ``block`` (None for dense kinds) and
        ``widths``: :meth:`.spec.ModelSpec.architecture` at this model's L, a new dict each time
        (editing it does not change the model)."""
        return self.spec.architecture(self.L)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        z = self.encode(x)
        return self.decode(z), z


def build_model(spec: ModelSpec, L: int) -> Autoencoder:
    """The autoencoder ``spec`` describes, for L x L lattices.

    Raises ``ValueError`` naming the bad argument and its allowed range where the model does not
    exist at L (:meth:`.spec.ModelSpec.widths`).
    """
    if not isinstance(spec, ModelSpec):
        raise ValueError(f"spec must be a ModelSpec, got {type(spec).__name__}")
    L = check_integer("L", L, 4)
    widths = spec.widths(L)
    if spec.is_convolutional:
        encoder, decoder = _conv_layers(L, spec.block, spec.dropout)
    else:
        hidden = nn.ReLU if spec.kind == "alexandrou" else nn.Tanh
        encoder = nn.Sequential(nn.Flatten(), *_dense_layers(widths, hidden, spec.dropout))
        decoder = nn.Sequential(*_dense_layers(widths[::-1], hidden, spec.dropout), nn.Unflatten(1, (L, L)))
    return Autoencoder(encoder, decoder, spec, L)


def at_lattice_size(model: Autoencoder, L: int) -> Autoencoder:
    """The same trained weights, built for L x L lattices (eval mode).

    A convolutional model's filters and biases do not depend on L (the lattice enters only
    through the shape of its input and code), so its weights encode any L whose block lattice
    L/b is an even integer >= 4 unchanged: one network at every size, whose latent variables
    are one function of L. A dense model's first layer has L^2 inputs: ValueError.
    """
    if not model.spec.is_convolutional:
        raise ValueError(
            f"{model.spec.name}: a dense model's weights are tied to its L = {model.L}; only conv models transfer"
        )
    resized = build_model(model.spec, L)
    resized.load_state_dict(model.state_dict())
    return resized.eval()


def _dense_layers(widths, hidden, dropout: float) -> list[nn.Module]:
    """Linear layers through ``widths``: ``hidden`` activations (each followed by dropout, if
    any) between them, tanh after the last (the code, or the reconstruction)."""
    layers = []
    for index, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if index == len(widths) - 2:
            layers.append(nn.Tanh())
        else:
            layers.append(hidden())
            layers += _dropout(dropout)
    return layers


def _dropout(rate: float) -> list[nn.Module]:
    """A dropout layer, or none at rate 0 (so a model without dropout has no such module)."""
    return [nn.Dropout(rate)] if rate else []


def _conv_layers(L: int, block: int, dropout: float) -> tuple[nn.Module, nn.Module]:
    """The encoder and decoder of the convolutional model (see the module docstring)."""
    side = L // block
    channels = CONV_CHANNELS
    encoder = nn.Sequential(
        nn.Unflatten(1, (1, L)),  # (batch, L, L) -> one input channel
        nn.Conv2d(1, channels, 3, padding=1, padding_mode="circular"),
        nn.Tanh(),
        *_dropout(dropout),
        nn.Conv2d(channels, 1, kernel_size=block, stride=block),
        nn.Tanh(),
        nn.Flatten(1, 2),  # (batch, 1, L/b, L/b) -> the code field
    )
    decoder = nn.Sequential(
        nn.Unflatten(1, (1, side)),
        nn.ConvTranspose2d(1, channels, kernel_size=block, stride=block),
        nn.Tanh(),
        *_dropout(dropout),
        nn.Conv2d(channels, 1, 3, padding=1, padding_mode="circular"),
        nn.Tanh(),
        nn.Flatten(1, 2),
    )
    return encoder, decoder


def model_from_architecture(
    architecture: dict, *, regularisation: str | None = None, system: str = "ferromagnet"
) -> Autoencoder:
    """Rebuild the (untrained) model an :attr:`Autoencoder.architecture` describes, its spec
    completed by ``regularisation`` and ``system`` (:meth:`.spec.ModelSpec.from_architecture`).

    ``ValueError`` if a key is missing, a value is out of range, or this code now builds other
    layer widths than the ones recorded (the model definition changed since it was saved).
    """
    spec = ModelSpec.from_architecture(architecture, regularisation=regularisation, system=system)
    model = build_model(spec, architecture["L"])
    if model.architecture != dict(architecture):
        raise ValueError(f"this code builds {model.architecture} from the recorded architecture {dict(architecture)}")
    return model


def module_device(module: nn.Module) -> torch.device:
    """The device of ``module``'s parameters (the CPU for a module without any): where the
    functions that run a network over data put their inputs, so that a caller moves the network
    once (``module.to(device)``) and every measurement follows it."""
    parameter = next(module.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")
