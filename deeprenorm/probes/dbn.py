"""A deep belief network of stacked binary RBMs on Ising configurations (Mehta & Schwab's probe).

Mehta & Schwab, "An exact mapping between the Variational Renormalization Group and Deep
Learning", arXiv:1410.3831 (2014), trained a deep belief network 1600 -> 400 -> 100 -> 25 on
40 x 40 Ising configurations at K = J/T = 0.408 (T = 2.451, just above T_c) and read the
receptive fields of its layers as a real-space RG: fields that are local and grow with depth,
as block spins of ever larger blocks would be (their appendix: 200 epochs per layer, L1
strength 2e-4).  This module is that network, in torch, on the
CPU, in float32, deterministic for a seed.

**Units.**  A restricted Boltzmann machine (:class:`RBM`) couples binary visible units
``v in {0,1}^n_v`` to binary hidden units ``h in {0,1}^n_h`` with the energy
``E(v, h) = -b.v - c.h - v^T W h`` (``W``: ``(n_v, n_h)``).  Ising spins ``s = +-1`` enter as
``v = (s + 1) / 2`` (:func:`spins_to_visible`, the L x L lattice flattened row-major, site
``(y, x)`` -> unit ``y L + x``).  In spin variables ``s = 2v - 1``, ``sigma = 2h - 1`` the same
energy is a +-1 model with couplings ``W / 4`` and fields ``b / 2 + (row sums of W) / 4`` on s,
``c / 2 + (column sums of W) / 4`` on sigma: the {0,1} convention moves the fields, never the
pattern of the couplings the receptive fields show.

**Training** (:func:`train_rbm`): contrastive divergence CD-k (Hinton, Neural Comput. 14, 1771
(2002)).  Per mini-batch, the positive statistics use the hidden probabilities given the data;
the negative ones the visible *sample* after k Gibbs steps started from a hidden sample of the
data, with that sample's hidden probabilities (probabilities rather than samples wherever they
are expectations of the statistic, to lower the variance, as in Hinton's "practical guide",
UTML TR 2010-003).  Each update is ``velocity = momentum * velocity + learning_rate * (gradient
- l1 * sign(W))``, ``parameter += velocity``: the L1 penalty on the weights (not the biases) that
Mehta & Schwab used to make the receptive fields sparse, as a subgradient.

**When to stop** (:func:`flattened`).  Given held-out configurations, every epoch also measures
the reconstruction error of those (the same mean-field error as of the training data), and with
a ``patience`` a layer stops once that error has flattened: the best held-out error of its last
``patience`` epochs improves on the best before them by less than ``tolerance`` (relative), or
``epochs`` (a maximum) are done.  The best *before* the window, not the epoch just before it, so
that one noisy epoch neither stops nor prolongs training; a held-out error that rises
(overfitting) stops it too.  The rule only chooses when to stop: the weights kept are the last
epoch's, not those of the best held-out epoch, so the held-out error reported is not a minimum
picked over epochs.

**Stacking** (:func:`train_dbn`): greedy and layer-wise (Hinton, Osindero & Teh, Neural
Comput. 18, 1527 (2006)).  RBM 1 is trained on the data; RBM l + 1 on the hidden
*probabilities* of RBM l given its own training data (the mean-field representation, as in
Hinton & Salakhutdinov, Science 313, 504 (2006): sampling them would add noise and no
information), with the same hyper-parameters; the held-out configurations go up the same way,
so that each layer's stopping rule reads its own held-out inputs.  Fractional values enter CD
exactly as binary ones do, since its statistics are linear in v.

**Receptive fields** (:func:`dbn_receptive_fields`, Mehta & Schwab's Appendix B): the weights
seen from the input, ``r^(1) = W^(1)`` and ``r^(l) = r^(l-1) W^(l)``, ``(n_v, n_l)``; column j
reshaped to L x L is the field of unit j of layer l.

**Reproducibility.**  Every random number (initial weights, shuffles, Gibbs samples) is drawn
from an explicit ``torch.Generator`` seeded from a numpy ``SeedSequence`` (``seed``: an int or a
``SeedSequence``, e.g. from :func:`deeprenorm.seeding.stream`); the global torch random state
is never used, so it is left as it was.  On the CPU, with the same number of torch threads, the
same seed gives bitwise-identical weights.  On a GPU (``device`` of :func:`train_dbn`) the
initial weights are the same, drawn on the CPU, but the shuffles and Gibbs samples come from a
generator on the device, whose stream differs from the CPU's.

**Cost of the paper's network.**  Measured on one CPU thread (torch 2.13, float32, batch 100,
CD-1) with 16 000 training and 4 000 held-out 40 x 40 Ising configurations at T = 2.451: an
epoch of layer 1 (1600 -> 400) took 1.9 s, about 10 000 samples/s in the CD updates and 8 400
with the two evaluation passes of the history (training and held-out data); an epoch of layer 2
(400 -> 100) 0.2 s and of layer 3 (100 -> 25) 0.05 s.  The stack on those 16 000
configurations (each layer until its held-out error flattened: 23, 29 and 24 epochs) trained
in 51 s; 200 epochs of every
layer on N training configurations would take about N / 37 s, some 15 minutes for N = 32 000.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from ..arguments import check_integer, check_real, is_integer
from ..io import atomic_path
from ..seeding import child, seed_sequence

__all__ = [
    "HISTORY_COLUMNS",
    "flattened",
    "DBNFileError",
    "RBM",
    "DeepBeliefNetwork",
    "train_rbm",
    "train_dbn",
    "dbn_receptive_fields",
    "reconstruct_from_layer",
    "spins_to_visible",
    "visible_to_spins",
    "save_dbn",
    "load_dbn",
]

#: Columns of the history :func:`train_rbm` returns, in order: per epoch, the mean squared error
#: per unit of the mean-field reconstruction of the training data and of the held-out data (NaN
#: without held-out data), the mean free energy of the training data (all after the epoch's
#: updates), the mean CD gap ``F(data) - F(negative sample)`` over the epoch's batches (before
#: each update; the quantity whose gradient CD follows), whether the held-out error has
#: :func:`flattened` after this epoch (False without a stopping rule), the CD throughput and the
#: epoch's wall time.
HISTORY_COLUMNS = [
    "epoch",
    "reconstruction_error",
    "held_out_error",
    "free_energy",
    "free_energy_gap",
    "flattened",
    "samples_per_second",
    "seconds",
]

# Tag of a file written by save_dbn, so that load_dbn refuses other torch files.
_FORMAT = "deeprenorm.dbn"

# Standard deviation of the initial weights: small enough that the hidden units start unbiased
# (Hinton's practical guide, section 8), large enough to break the symmetry between them.
_INIT_STD = 0.01


class DBNFileError(ValueError):
    """A file given to :func:`load_dbn` is missing, unreadable, or not a saved DBN."""


def _generator(seed, device: torch.device | str = "cpu") -> torch.Generator:
    state = seed_sequence(seed).generate_state(1, np.uint64)[0]
    return torch.Generator(device=device).manual_seed(int(state))


def _units(name: str, values, n_units: int, *, binary: bool) -> torch.Tensor:
    """``values`` as a float32 CPU tensor ``(n, n_units)``, checked to lie in {0, 1} (``binary``)
    or in [0, 1]."""
    values = torch.as_tensor(values).detach().to("cpu", torch.float32)
    if values.ndim != 2 or values.shape[0] < 1 or values.shape[1] != n_units:
        raise ValueError(f"{name} must have shape (n >= 1, {n_units}), got {tuple(values.shape)}")
    if binary and not ((values == 0) | (values == 1)).all():
        raise ValueError(
            f"{name} must hold binary units in {{0, 1}} (spins s = +-1 enter as (s + 1) / 2: spins_to_visible)"
        )
    # NaN fails both comparisons
    if not binary and not ((values >= 0) & (values <= 1)).all():
        raise ValueError(f"{name} must hold probabilities in [0, 1]")
    return values.contiguous()


class RBM(nn.Module):
    """A binary restricted Boltzmann machine, ``E(v, h) = -b.v - c.h - v^T W h``.

    Parameters
    ----------
    n_visible, n_hidden : int
        Numbers of visible and hidden units (>= 1).
    seed : int or numpy.random.SeedSequence
        Seeds the initial weights, ``W ~ N(0, 0.01^2)``; the biases start at zero.

    Attributes
    ----------
    weight : torch.nn.Parameter
        ``W``, shape ``(n_visible, n_hidden)``.
    visible_bias, hidden_bias : torch.nn.Parameter
        ``b`` (``n_visible``) and ``c`` (``n_hidden``).

    The parameters do not require gradients: :func:`train_rbm` updates them in place with the CD
    estimate, which is not the gradient of any loss autograd could follow.
    """

    def __init__(self, n_visible: int, n_hidden: int, *, seed=0):
        super().__init__()
        n_visible = check_integer("n_visible", n_visible, 1)
        n_hidden = check_integer("n_hidden", n_hidden, 1)
        weight = torch.randn(n_visible, n_hidden, generator=_generator(seed)) * _INIT_STD
        self.weight = nn.Parameter(weight, requires_grad=False)
        self.visible_bias = nn.Parameter(torch.zeros(n_visible), requires_grad=False)
        self.hidden_bias = nn.Parameter(torch.zeros(n_hidden), requires_grad=False)

    @property
    def n_visible(self) -> int:
        return self.weight.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.weight.shape[1]

    def extra_repr(self) -> str:
        return f"n_visible={self.n_visible}, n_hidden={self.n_hidden}"

    def _hidden_input(self, v: torch.Tensor) -> torch.Tensor:
        return v @ self.weight + self.hidden_bias

    def _free_energy(self, v: torch.Tensor, hidden_input: torch.Tensor) -> torch.Tensor:
        return -(v @ self.visible_bias) - F.softplus(hidden_input).sum(dim=1)

    def hidden_probabilities(self, v: torch.Tensor) -> torch.Tensor:
        """``p(h_j = 1 | v) = sigmoid(c_j + (v W)_j)``, shape ``(n, n_hidden)`` for ``v`` ``(n, n_visible)``."""
        return torch.sigmoid(self._hidden_input(v))

    def visible_probabilities(self, h: torch.Tensor) -> torch.Tensor:
        """``p(v_i = 1 | h) = sigmoid(b_i + (W h)_i)``, shape ``(n, n_visible)`` for ``h`` ``(n, n_hidden)``."""
        return torch.sigmoid(h @ self.weight.T + self.visible_bias)

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """``F(v) = -log sum_h exp(-E(v, h)) = -b.v - sum_j softplus(c_j + (v W)_j)``, per row of ``v``."""
        return self._free_energy(v, self._hidden_input(v))

    def sample_hidden(self, v: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``(p(h = 1 | v), h)``: the probabilities and one binary sample of them from ``generator``."""
        probabilities = self.hidden_probabilities(v)
        return probabilities, torch.bernoulli(probabilities, generator=generator)

    def sample_visible(self, h: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``(p(v = 1 | h), v)``: the probabilities and one binary sample of them from ``generator``."""
        probabilities = self.visible_probabilities(h)
        return probabilities, torch.bernoulli(probabilities, generator=generator)

    def _chain(self, h: torch.Tensor, steps: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``steps`` Gibbs steps h -> v -> h from the hidden sample ``h``: the last visible sample
        and its hidden input ``c + v W`` (no hidden sample is drawn after the last step)."""
        for step in range(steps):
            _, v = self.sample_visible(h, generator)
            hidden_input = self._hidden_input(v)
            if step + 1 < steps:
                h = torch.bernoulli(torch.sigmoid(hidden_input), generator=generator)
        return v, hidden_input

    def gibbs(self, v: torch.Tensor, steps: int, generator: torch.Generator) -> torch.Tensor:
        """The visible sample after ``steps`` (>= 1) block-Gibbs steps v -> h -> v from ``v``, one
        independent chain per row, all random numbers from ``generator``."""
        steps = check_integer("steps", steps, 1)
        with torch.no_grad():
            _, h = self.sample_hidden(v, generator)
            return self._chain(h, steps, generator)[0]


def flattened(errors: Sequence[float], patience: int, tolerance: float) -> bool:
    """Whether a held-out error series (one value per epoch, oldest first) has flattened: the
    best of its last ``patience`` values improves on the best of those before them by less than
    ``tolerance`` times the latter (module docstring).  False while there are no more than
    ``patience`` values.  ``patience`` >= 1, ``tolerance`` in [0, 1)."""
    patience = check_integer("patience", patience, 1)
    tolerance = check_real("tolerance", tolerance, nonnegative=True)
    if tolerance >= 1:
        raise ValueError(f"tolerance must be in [0, 1), got {tolerance!r}")
    errors = [float(error) for error in errors]
    if len(errors) <= patience:
        return False
    before, recent = min(errors[:-patience]), min(errors[-patience:])
    return before - recent < tolerance * before


def _check_hyperparameters(epochs, batch_size, learning_rate, momentum, l1, k) -> tuple:
    epochs = check_integer("epochs", epochs, 0)
    batch_size = check_integer("batch_size", batch_size, 1)
    k = check_integer("k", k, 1)
    learning_rate = check_real("learning_rate", learning_rate, positive=True)
    momentum = check_real("momentum", momentum)
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    l1 = check_real("l1", l1, nonnegative=True)
    return epochs, batch_size, learning_rate, momentum, l1, k


def train_rbm(
    rbm: RBM,
    data,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    momentum: float,
    l1: float,
    k: int = 1,
    seed,
    probabilities: bool = False,
    held_out=None,
    patience: int | None = None,
    tolerance: float = 0.01,
) -> pd.DataFrame:
    """Train ``rbm`` in place by CD-k with momentum and an L1 penalty on its weights.

    Parameters
    ----------
    rbm : RBM
        Trained from its current parameters (the momentum starts at zero).
    data : tensor or array, shape (n, rbm.n_visible)
        Binary units in {0, 1}; with ``probabilities=True``, values in [0, 1] (the hidden
        probabilities of a lower layer, :func:`train_dbn`).
    epochs, batch_size, k : int
        At most this many passes over the data (>= 0; 0 leaves ``rbm`` as it is and returns an
        empty history), samples per update (>= 1; the last batch of an epoch takes the
        remainder), Gibbs steps of the negative phase (>= 1).
    learning_rate, momentum, l1 : float
        Step size (> 0), momentum in [0, 1), L1 strength (>= 0): see the module docstring.
    seed : int or numpy.random.SeedSequence
        Seeds the shuffles (a new order each epoch) and the Gibbs samples.
    held_out : tensor or array, shape (m, rbm.n_visible), optional
        Configurations never trained on (units as ``data``), whose reconstruction error is
        measured after every epoch; they change no weight, only (with ``patience``) when
        training stops.
    patience, tolerance : int and float
        With ``patience`` (>= 1; needs ``held_out``), stop after the first epoch at which the
        held-out error has :func:`flattened` (relative ``tolerance`` in [0, 1)); None (the
        default): train all ``epochs``.

    Returns
    -------
    pandas.DataFrame
        One row per epoch trained, :data:`HISTORY_COLUMNS`.

    Raises ValueError for data or hyper-parameters out of range, FloatingPointError if the
    parameters or the monitored quantities become non-finite (training diverged: lower
    ``learning_rate``).
    """
    if not isinstance(rbm, RBM):
        raise ValueError(f"rbm must be an RBM, got {type(rbm).__name__}")
    epochs, batch_size, learning_rate, momentum, l1, k = _check_hyperparameters(
        epochs, batch_size, learning_rate, momentum, l1, k
    )
    device = rbm.weight.device
    data = _units("data", data, rbm.n_visible, binary=not probabilities).to(device)
    if held_out is not None:
        held_out = _units("held_out", held_out, rbm.n_visible, binary=not probabilities).to(device)
    _check_stopping(held_out, patience, tolerance)
    # the Gibbs samples are drawn where the units are: a generator serves its own device only
    generator = _generator(seed, device)
    parameters = (rbm.weight, rbm.visible_bias, rbm.hidden_bias)
    velocities = [torch.zeros_like(parameter) for parameter in parameters]
    n = data.shape[0]
    rows = []
    with torch.no_grad():
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            order = torch.randperm(n, generator=generator, device=device)
            gap = 0.0
            for begin in range(0, n, batch_size):
                v0 = data[order[begin : begin + batch_size]]
                input0 = rbm._hidden_input(v0)
                p0 = torch.sigmoid(input0)
                vk, input_k = rbm._chain(torch.bernoulli(p0, generator=generator), k, generator)
                pk = torch.sigmoid(input_k)
                gap += float((rbm._free_energy(v0, input0) - rbm._free_energy(vk, input_k)).sum())
                size = v0.shape[0]
                gradients = (
                    (v0.T @ p0 - vk.T @ pk) / size - l1 * torch.sign(rbm.weight),
                    (v0 - vk).mean(dim=0),
                    (p0 - pk).mean(dim=0),
                )
                for parameter, velocity, gradient in zip(parameters, velocities, gradients):
                    velocity.mul_(momentum).add_(gradient, alpha=learning_rate)
                    parameter.add_(velocity)
            cd_seconds = time.perf_counter() - started
            error, free_energy = _evaluate(rbm, data, batch_size)
            held_out_error = math.nan if held_out is None else _evaluate(rbm, held_out, batch_size)[0]
            # CD steps are bounded, so weights overflow only for absurd step sizes; the free energy,
            # a sum of n_v n_h terms, overflows first
            monitors = {"reconstruction error": error, "free energy": free_energy, "free-energy gap": gap / n}
            if held_out is not None:
                monitors["held-out reconstruction error"] = held_out_error
            broken = [f"{name} {value}" for name, value in monitors.items() if not math.isfinite(value)]
            broken += [name for name, parameter in rbm.named_parameters() if not torch.isfinite(parameter).all()]
            if broken:
                raise FloatingPointError(
                    f"RBM {rbm.n_visible} -> {rbm.n_hidden}: non-finite {', '.join(broken)} in epoch {epoch} "
                    f"(learning rate {learning_rate:g}); lower learning_rate and train again"
                )
            done = patience is not None and flattened([row[2] for row in rows] + [held_out_error], patience, tolerance)
            rows.append(
                (
                    epoch,
                    error,
                    held_out_error,
                    free_energy,
                    gap / n,
                    done,
                    n / cd_seconds,
                    time.perf_counter() - started,
                )
            )
            if done:
                break
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def _check_stopping(held_out, patience, tolerance) -> None:
    if patience is None:
        return
    if held_out is None:
        raise ValueError("patience needs held_out: the stopping rule reads the held-out reconstruction error")
    flattened([], patience, tolerance)  # checks the arguments


def _evaluate(rbm: RBM, data: torch.Tensor, batch_size: int) -> tuple[float, float]:
    """(mean squared error per unit of the mean-field reconstruction, mean free energy) of ``data``."""
    squared, free_energy = 0.0, 0.0
    for begin in range(0, data.shape[0], batch_size):
        v = data[begin : begin + batch_size]
        hidden_input = rbm._hidden_input(v)
        reconstruction = rbm.visible_probabilities(torch.sigmoid(hidden_input))
        squared += float(((reconstruction - v) ** 2).sum())
        free_energy += float(rbm._free_energy(v, hidden_input).sum())
    return squared / data.numel(), free_energy / data.shape[0]


def _check_chain(rbms: Sequence[RBM]) -> list[RBM]:
    """``rbms`` (a sequence of RBM, one RBM, or a DeepBeliefNetwork) as a list, checked to be
    RBMs whose consecutive widths agree."""
    if isinstance(rbms, RBM):
        rbms = [rbms]
    elif isinstance(rbms, DeepBeliefNetwork):
        rbms = rbms.rbms
    rbms = list(rbms) if isinstance(rbms, (Sequence, nn.ModuleList)) else rbms
    if not isinstance(rbms, list) or len(rbms) < 1 or not all(isinstance(rbm, RBM) for rbm in rbms):
        raise ValueError(f"rbms must be a non-empty sequence of RBM, got {rbms!r}")
    for layer, (lower, upper) in enumerate(zip(rbms[:-1], rbms[1:]), start=1):
        if lower.n_hidden != upper.n_visible:
            raise ValueError(
                f"RBM {layer} has {lower.n_hidden} hidden units but RBM {layer + 1} has {upper.n_visible} visible units"
            )
    return rbms


def _check_widths(widths) -> list[int]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or len(widths) < 2:
        raise ValueError(f"widths must be a sequence of at least 2 layer widths (visible first), got {widths!r}")
    return [check_integer(f"widths[{index}]", width, 1) for index, width in enumerate(widths)]


class DeepBeliefNetwork(nn.Module):
    """A stack of RBMs, the hidden layer of each the visible layer of the next.

    Parameters
    ----------
    rbms : sequence of RBM
        Bottom (data side) first; ValueError unless consecutive widths agree.
    """

    def __init__(self, rbms: Sequence[RBM]):
        super().__init__()
        self.rbms = nn.ModuleList(_check_chain(rbms))

    @classmethod
    def from_widths(cls, widths: Sequence[int], *, seed=0) -> DeepBeliefNetwork:
        """Untrained RBMs of ``widths`` (``[n_v, n_1, ..., n_layers]``), initialised from ``seed``
        exactly as :func:`train_dbn` with that seed initialises them before training."""
        widths = _check_widths(widths)
        root = seed_sequence(seed)
        pairs = zip(widths[:-1], widths[1:])
        return cls(
            [RBM(n_visible, n_hidden, seed=child(root, layer, 0)) for layer, (n_visible, n_hidden) in enumerate(pairs)]
        )

    @property
    def widths(self) -> list[int]:
        """``[n_v, n_1, ..., n_layers]``."""
        return [self.rbms[0].n_visible] + [rbm.n_hidden for rbm in self.rbms]

    def receptive_fields(self, L: int) -> list[np.ndarray]:
        """:func:`dbn_receptive_fields` of this network."""
        return dbn_receptive_fields(self.rbms, L)

    def reconstruct(self, v, layer: int) -> torch.Tensor:
        """:func:`reconstruct_from_layer` of this network."""
        return reconstruct_from_layer(self.rbms, v, layer)


def train_dbn(
    data,
    widths: Sequence[int],
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    momentum: float,
    l1: float,
    k: int = 1,
    seed,
    held_out=None,
    patience: int | None = None,
    tolerance: float = 0.01,
    device: torch.device | str = "cpu",
) -> tuple[DeepBeliefNetwork, list[pd.DataFrame]]:
    """Greedy layer-wise training of a deep belief network of ``widths`` on ``data``.

    ``data``: binary units ``(n, widths[0])`` in {0, 1} (:func:`spins_to_visible` of Ising
    configurations); ``held_out``: optional configurations of the same kind never trained on.
    The network starts from :meth:`DeepBeliefNetwork.from_widths` with ``seed``; RBM l is
    trained by :func:`train_rbm` with the given hyper-parameters and stopping rule on the hidden
    probabilities of RBM l - 1 (the data for l = 1), with the held-out configurations carried up
    the same way, from its own stream of ``seed``.  With ``epochs = 0`` the network is returned
    as :meth:`DeepBeliefNetwork.from_widths` made it (the untrained control).  It trains, and is
    returned, on ``device``.  Returns the network and one history (:data:`HISTORY_COLUMNS`) per layer, bottom first.  ValueError for
    widths that do not fit the data and for arguments out of range, before any training.
    """
    widths = _check_widths(widths)
    _check_hyperparameters(epochs, batch_size, learning_rate, momentum, l1, k)
    data = _units("data", data, widths[0], binary=True).to(device)
    if held_out is not None:
        held_out = _units("held_out", held_out, widths[0], binary=True).to(device)
    _check_stopping(held_out, patience, tolerance)
    root = seed_sequence(seed)
    network = DeepBeliefNetwork.from_widths(widths, seed=root).to(device)
    histories = []
    with torch.no_grad():
        for layer, rbm in enumerate(network.rbms):
            histories.append(
                train_rbm(
                    rbm,
                    data,
                    epochs=epochs,
                    batch_size=batch_size,
                    learning_rate=learning_rate,
                    momentum=momentum,
                    l1=l1,
                    k=k,
                    seed=child(root, layer, 1),
                    probabilities=layer > 0,
                    held_out=held_out,
                    patience=patience,
                    tolerance=tolerance,
                )
            )
            data = rbm.hidden_probabilities(data)
            if held_out is not None:
                held_out = rbm.hidden_probabilities(held_out)
    return network, histories


def dbn_receptive_fields(rbms: Sequence[RBM] | RBM | DeepBeliefNetwork, L: int) -> list[np.ndarray]:
    """Receptive fields of every layer of a stack of RBMs on an L x L lattice.

    ``rbms``: RBMs bottom first (a sequence, one RBM, or a :class:`DeepBeliefNetwork`).

    ``r^(1) = W^(1)``, ``r^(l) = r^(l-1) W^(l)`` (Mehta & Schwab, Appendix B), in float64.
    Returns one array per layer, bottom first, of shape ``(n_l, L, L)``: entry ``j`` is column
    ``j`` of ``r^(l)`` on the lattice (row-major, as :func:`spins_to_visible` flattens it).
    ValueError unless the first RBM has ``L * L`` visible units.
    """
    rbms = _check_chain(rbms)
    L = check_integer("L", L, 1)
    if rbms[0].n_visible != L * L:
        raise ValueError(f"L = {L} needs {L * L} visible units, the first RBM has {rbms[0].n_visible}")
    fields, product = [], None
    for rbm in rbms:
        weight = rbm.weight.detach().to("cpu", torch.float64).numpy()
        product = weight if product is None else product @ weight
        fields.append(np.ascontiguousarray(product.T).reshape(rbm.n_hidden, L, L))
    return fields


def reconstruct_from_layer(rbms: Sequence[RBM] | RBM | DeepBeliefNetwork, v, layer: int) -> torch.Tensor:
    """Mean-field reconstruction of ``v`` through the first ``layer`` RBMs of ``rbms`` (bottom
    first: a sequence, one RBM, or a :class:`DeepBeliefNetwork`).

    ``v`` ``(n, n_v)`` in [0, 1] is propagated up to layer ``layer`` (1 to ``len(rbms)``) by
    hidden probabilities and back down by visible probabilities; returns the ``(n, n_v)``
    visible probabilities (:func:`visible_to_spins` reads them as spins).
    """
    rbms = _check_chain(rbms)
    if not (is_integer(layer) and 1 <= layer <= len(rbms)):
        raise ValueError(f"layer must be an integer in [1, {len(rbms)}], got {layer!r}")
    x = _units("v", v, rbms[0].n_visible, binary=False)
    with torch.no_grad():
        for rbm in rbms[:layer]:
            x = rbm.hidden_probabilities(x)
        for rbm in reversed(rbms[:layer]):
            x = rbm.visible_probabilities(x)
    return x


def spins_to_visible(spins) -> torch.Tensor:
    """Ising spins ``+-1`` ``(n, L, L)`` or ``(n, L * L)`` as visible units ``v = (s + 1) / 2``,
    a float32 tensor ``(n, L * L)`` (lattices flattened row-major)."""
    spins = torch.as_tensor(spins).detach().to("cpu")
    if spins.ndim not in (2, 3) or spins.shape[0] < 1:
        raise ValueError(f"spins must have shape (n, L, L) or (n, L * L), got {tuple(spins.shape)}")
    spins = spins.reshape(spins.shape[0], -1).to(torch.float32)
    if not ((spins == 1) | (spins == -1)).all():
        raise ValueError("spins must all be +1 or -1")
    return (spins + 1) / 2


def visible_to_spins(probabilities) -> torch.Tensor:
    """Spins ``+1`` where ``probabilities > 1/2``, ``-1`` elsewhere, as int8 (shape kept)."""
    probabilities = torch.as_tensor(probabilities)
    return torch.where(probabilities > 0.5, 1, -1).to(torch.int8)


def save_dbn(path: str | os.PathLike, rbms: Sequence[RBM] | RBM | DeepBeliefNetwork) -> None:
    """Write the widths and weights of a stack of RBMs (a sequence bottom first, one RBM, or a
    :class:`DeepBeliefNetwork`) to ``path``.

    The file is a ``torch.save`` of tensors and plain values only, so :func:`load_dbn` reads it
    with ``weights_only=True``; it is written through :func:`deeprenorm.io.atomic_path`, so an
    interrupted save leaves no partial file.
    """
    rbms = _check_chain(rbms)
    contents = {
        "format": _FORMAT,
        "widths": [rbms[0].n_visible] + [rbm.n_hidden for rbm in rbms],
        "state_dicts": [
            {key: value.detach().to("cpu", copy=True) for key, value in rbm.state_dict().items()} for rbm in rbms
        ],
    }
    with atomic_path(path) as temporary:
        torch.save(contents, temporary)


def load_dbn(path: str | os.PathLike) -> DeepBeliefNetwork:
    """The :class:`DeepBeliefNetwork` saved at ``path`` by :func:`save_dbn` (CPU).

    Raises :class:`DBNFileError` (a ValueError) naming the file if it is missing, cannot be
    read (truncated, corrupt), or is not a saved DBN whose weights fit its widths.
    """
    path = Path(path)
    if not path.is_file():
        raise DBNFileError(f"{path}: no such file")
    try:
        contents = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as error:  # truncated zip, garbage bytes, a pickle of forbidden objects
        raise DBNFileError(f"{path}: not a readable torch file (truncated or corrupt?): {error}") from error
    if not isinstance(contents, dict) or contents.get("format") != _FORMAT:
        raise DBNFileError(f"{path}: not a deep belief network written by deeprenorm.probes.dbn.save_dbn")
    widths, state_dicts = contents.get("widths"), contents.get("state_dicts")
    try:
        network = DeepBeliefNetwork.from_widths(widths)
        if not isinstance(state_dicts, list) or len(state_dicts) != len(network.rbms):
            raise ValueError(f"{len(widths) - 1} layers need as many state_dicts, found {state_dicts!r:.80}")
        for rbm, state_dict in zip(network.rbms, state_dicts):
            rbm.load_state_dict(state_dict)
    except (ValueError, TypeError, RuntimeError) as error:  # RuntimeError: weights of other names or shapes
        raise DBNFileError(f"{path}: the saved weights do not fit the saved widths {widths!r}: {error}") from error
    return network
