"""What defines one autoencoder of the study: :class:`ModelSpec`, without torch.

nanoGPT keeps its ``GPTConfig`` dataclass beside the ``GPT`` module it configures; this is that
config for the autoencoders of :mod:`.models`. It lives in a module of its own, free of torch, so
that the study plan (:mod:`deeprenorm.plan`, read by Snakemake before any job runs) names, selects
and describes models without importing torch; :mod:`.models` re-exports it.

One spec travels the whole way: a config entry of ``autoencoder.models`` becomes a spec
(:meth:`ModelSpec.from_config`), the spec names the model's files (:attr:`ModelSpec.name`),
derives its training settings (:meth:`ModelSpec.training_settings`), builds the network
(:func:`.models.build_model`) and describes it in a checkpoint (:meth:`ModelSpec.architecture`,
turned back by :meth:`ModelSpec.from_architecture`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from ..arguments import check_integer, is_real
from ..ising.sizes import coarse_size_ok

__all__ = [
    "MODEL_KINDS",
    "CONV_BLOCKS",
    "CONV_CHANNELS",
    "ALEXANDROU_HIDDEN",
    "REGULARISATIONS",
    "SYSTEMS",
    "ARCHITECTURE_KEYS",
    "ModelSpec",
]

MODEL_KINDS = ("alexandrou", "wide", "conv")

#: Block sizes b of the convolutional model.
CONV_BLOCKS = (2, 3)

#: Feature channels of the convolutional model's hidden layers.
CONV_CHANNELS = 8

#: Hidden widths of the Alexandrou et al. encoder, in order from the input.
ALEXANDROU_HIDDEN = (625, 256, 64)

#: The regularisers: ``"dropout"`` is part of the network (a dropout rate), ``"l1"`` a term of
#: the loss (``l1_strength * mean |z|``).
REGULARISATIONS = ("none", "dropout", "l1")

#: The data a model is trained on: the simulated ferromagnet, or the antiferromagnet obtained
#: from it by the exact staggered map (:func:`deeprenorm.ising.lattice.staggered`).
SYSTEMS = ("ferromagnet", "antiferromagnet")

#: The keys of a checkpoint's architecture, in order (:meth:`ModelSpec.architecture`).
ARCHITECTURE_KEYS = ("kind", "L", "latent", "dropout", "block", "widths")


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """One model of the study, for every lattice size and training seed.

    ``kind``
        One of :data:`MODEL_KINDS` (see :mod:`.models`).
    ``latent``
        The code width k >= 1 of a dense kind; None for ``"conv"``, whose code is the
        (L/b) x (L/b) block lattice.
    ``block``
        The block size b of ``"conv"``, one of :data:`CONV_BLOCKS`; None for the dense kinds.
    ``regularisation``
        One of :data:`REGULARISATIONS`.
    ``dropout``
        The dropout rate, in (0, 1) with regularisation ``"dropout"`` and 0 otherwise.
    ``system``
        One of :data:`SYSTEMS`.

    ``ValueError`` names the first field out of range.
    """

    kind: str
    latent: int | None = None
    block: int | None = None
    regularisation: str = "none"
    dropout: float = 0.0
    system: str = "ferromagnet"

    def __post_init__(self):
        if self.kind not in MODEL_KINDS:
            raise ValueError(f"kind must be one of {MODEL_KINDS}, got {self.kind!r}")
        if self.is_convolutional:
            if self.block is None or isinstance(self.block, bool) or self.block not in CONV_BLOCKS:
                raise ValueError(f"block must be one of {CONV_BLOCKS} for kind 'conv', got {self.block!r}")
            if self.latent is not None:
                raise ValueError(
                    f"latent of kind 'conv' is implied by the block, (L/b)^2: pass None, got {self.latent!r}"
                )
        else:
            object.__setattr__(self, "latent", check_integer("latent", self.latent, 1))
            if self.block is not None:
                raise ValueError(f"block is for kind 'conv' only; kind {self.kind!r} takes None, got {self.block!r}")
        if self.regularisation not in REGULARISATIONS:
            raise ValueError(f"regularisation must be one of {REGULARISATIONS}, got {self.regularisation!r}")
        if not (is_real(self.dropout) and 0.0 <= self.dropout < 1.0):
            raise ValueError(f"dropout must be a number in [0, 1), got {self.dropout!r}")
        object.__setattr__(self, "dropout", float(self.dropout))
        if (self.regularisation == "dropout") != (self.dropout > 0):
            raise ValueError(
                f"dropout must be > 0 exactly with regularisation 'dropout'; got dropout {self.dropout} "
                f"with regularisation {self.regularisation!r}"
            )
        if self.system not in SYSTEMS:
            raise ValueError(f"system must be one of {SYSTEMS}, got {self.system!r}")

    @classmethod
    def from_config(cls, model: Mapping, dropout: float) -> ModelSpec:
        """The spec of one entry of a validated config's ``autoencoder.models``; ``dropout`` is
        the study's rate (``autoencoder.training.dropout``), used where the entry's
        regularisation is ``"dropout"``."""
        regularisation = model.get("regularisation", "none")
        return cls(
            kind=model["kind"],
            latent=model.get("latent"),
            block=model.get("block"),
            regularisation=regularisation,
            dropout=dropout if regularisation == "dropout" else 0.0,
            system=model.get("system", "ferromagnet"),
        )

    @classmethod
    def from_architecture(
        cls, architecture: Mapping, *, regularisation: str | None = None, system: str = "ferromagnet"
    ) -> ModelSpec:
        """The spec of a checkpoint's :meth:`architecture`.

        The architecture records the network only; an L1 penalty and the staggered data of the
        antiferromagnet leave no trace in it, so the checkpoint's metadata supplies
        ``regularisation`` and ``system`` (None: ``"dropout"`` where the recorded rate is
        positive, else ``"none"``). ``ValueError`` for a missing key or a value out of range.
        """
        missing = [key for key in ARCHITECTURE_KEYS if key not in architecture]
        if missing:
            raise ValueError(f"architecture lacks {', '.join(missing)}")
        convolutional = architecture["kind"] == "conv"
        dropout = architecture["dropout"]
        return cls(
            kind=architecture["kind"],
            latent=None if convolutional else architecture["latent"],
            block=architecture["block"],
            regularisation=regularisation or ("dropout" if is_real(dropout) and dropout > 0 else "none"),
            dropout=dropout,
            system=system,
        )

    @property
    def name(self) -> str:
        """The model's name in file names: ``alexandrou-k1-none``, ``conv-b2-dropout``, and
        ``alexandrou-k1-none-afm`` for a model of the antiferromagnet."""
        size = f"b{self.block}" if self.is_convolutional else f"k{self.latent}"
        return f"{self.kind}-{size}-{self.regularisation}" + ("-afm" if self.staggered else "")

    @property
    def is_convolutional(self) -> bool:
        """Whether the code is a field on the block lattice (kind ``"conv"``), not a vector."""
        return self.kind == "conv"

    @property
    def staggered(self) -> bool:
        """Whether the model reads its datasets through the staggered map (the antiferromagnet)."""
        return self.system == "antiferromagnet"

    def fits(self, L: int) -> bool:
        """Whether the model exists for L x L lattices: a conv model's code lattice L/b must be
        one the project simulates (:func:`deeprenorm.ising.sizes.coarse_size_ok`), so that the
        code field can be analysed, and blocked again, as a lattice; the dense kinds fit every
        size."""
        return not self.is_convolutional or coarse_size_ok(L, self.block)

    def code_shape(self, L: int) -> tuple[int, ...]:
        """The shape of one configuration's code: ``(L/b, L/b)`` for ``"conv"``, ``(k,)`` for
        the dense kinds."""
        return (L // self.block,) * 2 if self.is_convolutional else (self.latent,)

    def code_width(self, L: int) -> int:
        """The number of code units: (L/b)^2 for ``"conv"``, k for the dense kinds."""
        return math.prod(self.code_shape(L))

    def widths(self, L: int) -> list[int]:
        """The encoder's layer widths from L^2 to the code (dense kinds: ``alexandrou`` through
        :data:`ALEXANDROU_HIDDEN`, ``wide`` halving from L^2 while larger than k) or its channels,
        ``[1, CONV_CHANNELS, 1]`` (``"conv"``). ``ValueError`` where the model does not exist at L:
        L < 4, a code width k >= L^2, or a conv model that does not :meth:`fit` L."""
        L = check_integer("L", L, 4)
        if self.is_convolutional:
            if not self.fits(L):
                raise ValueError(
                    f"kind 'conv' needs L divisible by block with L/block even and >= 4; "
                    f"L = {L}, block = {self.block} gives L/block = {L / self.block:g}"
                )
            return [1, CONV_CHANNELS, 1]
        if self.latent >= L * L:
            raise ValueError(f"latent must be in 1..{L * L - 1} (below L^2 = {L * L}), got {self.latent}")
        if self.kind == "alexandrou":
            return [L * L, *ALEXANDROU_HIDDEN, self.latent]
        widths, width = [], L * L
        while width > self.latent:
            widths.append(width)
            width //= 2
        return widths + [self.latent]

    def architecture(self, L: int) -> dict:
        """The network at size L as plain values, the ``architecture`` of a checkpoint
        (:data:`ARCHITECTURE_KEYS`): ``kind``, ``L``, ``latent`` (the code width, (L/b)^2 for
        ``"conv"``), ``dropout``, ``block`` (None for the dense kinds) and :meth:`widths`."""
        widths = self.widths(L)
        L = int(L)
        return {
            "kind": self.kind,
            "L": L,
            "latent": self.code_width(L),
            "dropout": self.dropout,
            "block": self.block,
            "widths": widths,
        }

    def training_settings(self, training: Mapping, device: str) -> dict:
        """The keyword arguments of :class:`deeprenorm.ml.train.TrainingSettings` for this model.

        ``training`` is a validated config's ``autoencoder.training``. Its rates of one
        regulariser are not settings of every model: ``dropout`` is this spec's own field (part
        of the network), and ``l1_strength`` applies with regularisation ``"l1"`` only (0
        otherwise, so that changing it retrains the l1 models alone). ``regularisation`` and
        ``device`` are added.
        """
        settings = {key: value for key, value in training.items() if key not in ("dropout", "l1_strength")}
        return settings | {
            "regularisation": self.regularisation,
            "l1_strength": training["l1_strength"] if self.regularisation == "l1" else 0.0,
            "device": device,
        }
