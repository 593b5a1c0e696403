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
output. Each model carries an :attr:`Autoencoder.architecture` dict of plain Python values from
which :func:`model_from_architecture` rebuilds it (the checkpoints of :mod:`.checkpoint` store it).
"""

from __future__ import annotations

import copy

from torch import nn

from ..config import coarse_size_ok

__all__ = [
    "MODEL_KINDS",
    "CONV_BLOCKS",
    "CONV_CHANNELS",
    "ALEXANDROU_HIDDEN",
    "Autoencoder",
    "build_model",
    "model_from_architecture",
    "conv_size_ok",
]

MODEL_KINDS = ("alexandrou", "wide", "conv")

#: Block sizes b of the convolutional model.
CONV_BLOCKS = (2, 3)

#: Feature channels of the convolutional model's hidden layers.
CONV_CHANNELS = 8

#: Hidden widths of the Alexandrou et al. encoder, in order from the input.
ALEXANDROU_HIDDEN = (625, 256, 64)


class Autoencoder(nn.Module):
    """An encoder and a decoder; ``forward(x)`` returns ``(x_hat, z)``.

    ``encode(x)`` maps ``(batch, L, L)`` to ``(batch, latent)`` (dense kinds) or to the code
    field ``(batch, L/b, L/b)`` (``"conv"``); ``decode(z)`` maps a code back to ``(batch, L, L)``.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, architecture: dict):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self._architecture = architecture

    @property
    def architecture(self) -> dict:
        """``kind``, ``L``, ``latent``, ``dropout``, ``block`` (None for dense kinds) and
        ``widths``: the encoder's layer widths from L^2 to the code (dense kinds) or its channels
        (``[1, CONV_CHANNELS, 1]``). A copy: editing it does not change the model."""
        return copy.deepcopy(self._architecture)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        z = self.encode(x)
        return self.decode(z), z


def conv_size_ok(L: int, block: int) -> bool:
    """Whether the convolutional model exists for lattice side ``L`` and block size ``block``:
    the code lattice L/b must be one the study simulates (:func:`deeprenorm.ising.lattice.
    coarse_size_ok`), so that the code field can be analysed (and blocked again) as a lattice."""
    return coarse_size_ok(L, block)


def _check_integer(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def build_model(kind: str, L: int, latent: int | None = None, *, dropout: float = 0.0, block: int | None = 2) -> Autoencoder:
    """The autoencoder ``kind`` (one of :data:`MODEL_KINDS`) for L x L lattices.

    ``latent`` is the code width k, 1 <= k < L^2, for the dense kinds. For ``"conv"`` it is
    implied by the block size, (L/b)^2: pass None or that value. ``block`` (b in
    :data:`CONV_BLOCKS`) matters only for ``"conv"`` and is recorded as None for the dense kinds;
    the convolutional model needs :func:`conv_size_ok`. ``dropout`` is the rate, 0 <= p < 1.
    Raises ``ValueError`` naming the bad argument and its allowed range.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"kind must be one of {MODEL_KINDS}, got {kind!r}")
    _check_integer("L", L, 4)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
    dropout = float(dropout)
    if block is not None and (isinstance(block, bool) or block not in CONV_BLOCKS):
        raise ValueError(f"block must be one of {CONV_BLOCKS} (or None for a dense kind), got {block!r}")
    if kind == "conv":
        return _conv_model(L, latent, dropout, block)
    _check_integer("latent", latent, 1)
    if latent >= L * L:
        raise ValueError(f"latent must be in 1..{L * L - 1} (below L^2 = {L * L}), got {latent}")
    if kind == "alexandrou":
        widths = [L * L, *ALEXANDROU_HIDDEN, latent]
        hidden = nn.ReLU
    else:
        widths = []
        width = L * L
        while width > latent:
            widths.append(width)
            width //= 2
        widths.append(latent)
        hidden = nn.Tanh
    encoder = nn.Sequential(nn.Flatten(), *_dense_layers(widths, hidden, dropout))
    decoder = nn.Sequential(*_dense_layers(widths[::-1], hidden, dropout), nn.Unflatten(1, (L, L)))
    architecture = {"kind": kind, "L": L, "latent": latent, "dropout": dropout, "block": None, "widths": widths}
    return Autoencoder(encoder, decoder, architecture)


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


def _conv_model(L: int, latent, dropout: float, block) -> Autoencoder:
    if block is None:
        raise ValueError(f"block must be one of {CONV_BLOCKS} for kind 'conv', got None")
    if not conv_size_ok(L, block):
        raise ValueError(
            f"kind 'conv' needs L divisible by block with L/block even and >= 4; L = {L}, block = {block} gives L/block = {L / block:g}"
        )
    side = L // block
    if latent is not None and latent != side * side:
        raise ValueError(f"latent of kind 'conv' is implied, (L/block)^2 = {side * side}; got {latent!r} (pass None)")
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
    architecture = {"kind": "conv", "L": L, "latent": side * side, "dropout": dropout, "block": block, "widths": [1, channels, 1]}
    return Autoencoder(encoder, decoder, architecture)


def model_from_architecture(architecture: dict) -> Autoencoder:
    """Rebuild the (untrained) model an :attr:`Autoencoder.architecture` describes.

    ``ValueError`` if a key is missing, a value is out of range, or this code now builds other
    layer widths than the ones recorded (the model definition changed since it was saved).
    """
    missing = [key for key in ("kind", "L", "latent", "dropout", "block", "widths") if key not in architecture]
    if missing:
        raise ValueError(f"architecture lacks {', '.join(missing)}")
    model = build_model(
        architecture["kind"],
        architecture["L"],
        architecture["latent"],
        dropout=architecture["dropout"],
        block=architecture["block"],
    )
    if model.architecture != dict(architecture):
        raise ValueError(f"this code builds {model.architecture} from the recorded architecture {dict(architecture)}")
    return model


