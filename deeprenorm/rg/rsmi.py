"""A learned block-spin map that maximises real-space mutual information: the positive control.

Koch-Janusz & Ringel ("Mutual information, neural networks and the renormalization group",
Nature Physics 14, 578 (2018)) learn a coarse-graining by asking the coarse variable H of a
block V to keep as much information as possible about the block's environment E, the spins
beyond a buffer around it: maximise the real-space mutual information I(H : E).  Trained on
critical Ising configurations, their filter comes out majority-rule-like (all weights of one
sign and about one size).  This module is that procedure at its smallest, so that the study's
verdict on autoencoders can be held against a network that *is* trained for the RG criterion:
if this control did not come out a block spin, the criterion, not the autoencoders, would be at
fault.

**The map.**  One b x b filter Lambda, shared by every block (:class:`RSMICoarseGrainer`): the
field of block V is ``Lambda . x_V`` and the block variable is binary and stochastic,
``p(h = +1 | x_V) = sigmoid(Lambda . x_V)``.  Downstream (:func:`rsmi_block_spins`,
:func:`rsmi_step`) the deterministic map ``h = sign(Lambda . x_V)`` (0 -> +1) is used, which
needs no random numbers and, the filter being a function of a b x b block only, blocks any L
that b divides, its own output included: an RG map.

**The objective** is the Barber-Agakov lower bound of :mod:`.information`, made differentiable
in Lambda: for each block, with ``p = sigmoid(Lambda . x_V)``,

    I(H : E) >= H(H) - CE,
    H(H) = H_2(mean of p over the batch),
    CE = -mean[ p log2 q(+1 | e) + (1 - p) log2 q(-1 | e) ],

with the probe ``q(h | e) = sigmoid(h (w_0 + w . e))``, a logistic regression on the ring of
environment spins at Chebyshev distance ``buffer < d <= buffer + shell`` from the block
(:func:`.information.block_environment`; buffer b and shell 2, as the project measures).  CE is
the cross-entropy of the probe against the stochastic variable, so ``H(H) - CE`` is a lower
bound on I(H : E) for every probe; on a batch, CE is an unbiased estimate and the entropy of the
batch mean of p is biased low (H_2 is concave), so the batch objective stays below the bound in
expectation.  Lambda and the probe are trained jointly by Adam to raise it; nothing else enters
the objective.  A batch is ``batch_size`` whole configurations, all their blocks: the mean of p
then averages over the magnetisations of several configurations.  It is symmetric under ``Lambda -> -Lambda, w -> -w``: which sign a training picks
is a matter of its seed.

**Why the norm of Lambda is fixed.**  A deterministic variable carries more information than a
noisy copy of it, so the bound grows with ``|Lambda|`` without limit.  Left free, the norm grows
for as long as training runs; the sigmoid saturates and the gradient reaching the filter comes
from tied blocks only (even b: as many + as - spins), where it breaks ties by shrinking one
weight.  Measured on critical 16 x 16 configurations, b = 2: after 20 epochs the weights' ratio
max/min was 1.2, after 100 epochs 2, with a learnable norm 4 (majority of three of the four
sites) -- the filter then depends on how long one trains.  So the filter is stored as a
direction v (the weight of a ``Conv2d(1, 1, b, stride=b, bias=False)``) and used as

    Lambda = beta * b * v / |v|,

so that the uniform filter has every weight equal to ``beta`` (the inverse temperature of the
stochastic block variable, fixed, not learned).  With the default ``beta = 2`` a block whose
majority leads by one spin pair is given its majority sign with probability sigmoid(2 beta) =
0.98, while the sigmoid is not saturated and every weight keeps a gradient; the learned
direction is then stationary (ratio 1.2-1.3 after 20, 40 or 80 epochs).  The bound stays exactly
a lower bound of I(H : E) for the stochastic variable at that beta; the deterministic map
``sign(Lambda . x_V)`` does not depend on beta.

**Reproducibility.**  A seed gives two streams (:func:`deeprenorm.seeding.child`): the first
seeds a ``torch.Generator`` that draws v, the second the numpy generator that shuffles the
configurations each epoch.  Training runs with deterministic torch algorithms (restored
afterwards), and does not touch the global torch random state: on the CPU, with the same
number of torch threads, the same seed gives bitwise-identical weights.

**Checkpoints** (:func:`save_rsmi`, :func:`load_rsmi`) follow :mod:`deeprenorm.ml.checkpoint`:
a dict ``{"state_dict", "architecture", "metadata"}`` of tensors and plain values, written
atomically, read with ``torch.load(..., weights_only=True)``; architecture
``{"kind": "rsmi", "block", "beta"}``.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ..arguments import check_integer, check_real
from ..ml.checkpoint import CheckpointError, read_checkpoint, save_checkpoint
from ..ml.models import module_device
from ..ml.train import TrainingError, deterministic_algorithms
from ..seeding import child, seed_sequence
from .blocking import checked_configurations
from .information import block_environment

__all__ = [
    "KIND",
    "training_configurations",
    "HISTORY_COLUMNS",
    "RSMICoarseGrainer",
    "train_rsmi",
    "save_rsmi",
    "load_rsmi",
    "rsmi_block_spins",
    "rsmi_step",
]

#: The ``architecture["kind"]`` of an RSMI checkpoint.
KIND = "rsmi"

#: Columns of the training history of :func:`train_rsmi`: per epoch, the means over its batches
#: of the objective as optimised (the bound, its entropy and cross-entropy terms, in bits).
HISTORY_COLUMNS = ["epoch", "bound_bits", "entropy_bits", "cross_entropy_bits"]

_LN2 = math.log(2.0)
# configurations per forward pass of rsmi_block_spins
_BATCH = 4096
_KEYS = ("state_dict", "architecture", "metadata")


class RSMICoarseGrainer(torch.nn.Module):
    """One b x b filter Lambda applied to every b x b block: a stochastic binary block variable
    with ``p(h = +1 | x_V) = sigmoid(Lambda . x_V)`` (see the module docstring).

    ``conv.weight`` (shape ``(1, 1, b, b)``) holds the direction v of the filter;
    :attr:`filter` is ``Lambda = beta * b * v / |v|``.  The weights are a function of one block,
    so one module blocks any L divisible by b.  v is initialised from torch's global generator
    (:func:`train_rsmi` re-draws it from its seed).
    """

    def __init__(self, block: int, beta: float = 2.0):
        super().__init__()
        self.block = check_integer("block", block, 2)
        self.beta = check_real("beta", beta, positive=True)
        self.conv = torch.nn.Conv2d(1, 1, kernel_size=self.block, stride=self.block, bias=False)

    @property
    def architecture(self) -> dict:
        """What rebuilds the module (with its state_dict): ``{"kind", "block", "beta"}``."""
        return {"kind": KIND, "block": self.block, "beta": self.beta}

    @property
    def filter(self) -> torch.Tensor:
        """Lambda, float ``(b, b)``: ``beta * b * v / |v|`` (so the uniform filter has weights beta)."""
        v = self.conv.weight[0, 0]
        return (self.beta * self.block) * v / v.norm().clamp_min(torch.finfo(v.dtype).tiny)

    def field(self, spins: torch.Tensor) -> torch.Tensor:
        """``Lambda . x_V`` of every block, float ``(n, L/b, L/b)``, of spins ``(n, L, L)`` (any
        real dtype, converted to float32); block (I, J) covers rows ``[I b, (I + 1) b)`` and
        columns ``[J b, (J + 1) b)``, as in :mod:`.blocking`."""
        if spins.ndim != 3 or spins.shape[1] != spins.shape[2]:
            raise ValueError(f"spins must have shape (n, L, L), got {tuple(spins.shape)}")
        if spins.shape[-1] % self.block:
            raise ValueError(f"the lattice size L = {spins.shape[-1]} is not divisible by the block size {self.block}")
        x = spins.to(torch.float32).unsqueeze(1)
        return F.conv2d(x, self.filter[None, None], stride=self.block)[:, 0]

    def probability(self, spins: torch.Tensor) -> torch.Tensor:
        """``p(h = +1 | x_V) = sigmoid(Lambda . x_V)`` of every block, float ``(n, L/b, L/b)``."""
        return torch.sigmoid(self.field(spins))

    def forward(self, spins: torch.Tensor) -> torch.Tensor:
        """:meth:`probability`."""
        return self.probability(spins)


def _binary_entropy_bits(p: torch.Tensor) -> torch.Tensor:
    return (torch.special.entr(p) + torch.special.entr(1.0 - p)) / _LN2


def _bound_terms(model: RSMICoarseGrainer, spins, environment, probe_weight, probe_bias):
    """``(H(H) - CE, H(H), CE)`` in bits of one batch: ``spins`` float ``(n, L, L)``,
    ``environment`` float ``(n, (L/b)^2, n_env)`` (the blocks in row-major order)."""
    field = model.field(spins).reshape(spins.shape[0], -1)
    p = torch.sigmoid(field)
    logit = probe_bias + environment @ probe_weight  # (n, (L/b)^2): q(+1 | e) = sigmoid(logit)
    cross_entropy = -(p * F.logsigmoid(logit) + (1.0 - p) * F.logsigmoid(-logit)).mean() / _LN2
    entropy = _binary_entropy_bits(p.mean())
    return entropy - cross_entropy, entropy, cross_entropy


def training_configurations(dataset, labels, window: tuple[float, float], n: int) -> np.ndarray:
    """Up to ``n`` configurations of the training split of ``dataset`` (its split ``labels``,
    temperature x sample) at the grid temperatures inside ``window`` (inclusive), as many from
    each temperature (the first of each's training samples; the remainder from the lowest
    temperatures): the critical region Koch-Janusz & Ringel train on, never the test split the
    map is measured on. int8 ``(m, L, L)``, ``m <= n``; ValueError where the window holds no
    temperature of the grid."""
    from ..data import SpinReader
    from ..ml import TRAIN

    n = check_integer("n", n, 1)
    with SpinReader(dataset) as reader:
        grid = np.asarray(reader.temperatures, dtype=float)
        inside = np.flatnonzero((grid >= window[0] - 1e-9) & (grid <= window[1] + 1e-9))
        if not inside.size:
            raise ValueError(f"no temperature of {dataset} lies in the window {tuple(window)}")
        share = np.full(inside.size, n // inside.size)
        share[: n % inside.size] += 1
        chosen = []
        for t, count in zip(inside, share):
            training = np.flatnonzero(np.asarray(labels)[t] == TRAIN)[:count]
            chosen.append(reader.read(int(t))[training])
    return np.concatenate(chosen).astype(np.int8)


def train_rsmi(
    spins,
    b: int,
    seed,
    *,
    epochs: int = 30,
    batch_size: int = 32,
    learning_rate: float = 0.05,
    buffer: int | None = None,
    shell: int = 2,
    beta: float = 2.0,
    device: str | torch.device = "cpu",
) -> tuple[RSMICoarseGrainer, pd.DataFrame]:
    """Learn the RSMI filter of b x b blocks from the int8 configurations ``spins`` ``(n, L, L)``.

    Each epoch visits the configurations in a seeded random order, ``batch_size`` configurations
    (all their blocks) per Adam step on the filter and the probe together, maximising the
    Barber-Agakov bound of the module docstring.  ``buffer`` (default b) and ``shell`` place the
    environment as :func:`.information.block_environment` does; ``b + 2 (buffer + shell)`` must
    not exceed L.  ``beta``: the fixed inverse temperature of the block variable (module
    docstring).  ``seed``: a non-negative integer or a ``numpy.random.SeedSequence``.

    The environments are gathered once, as int8 (a quarter of the memory of float32: ``n
    (L/b)^2 n_env`` bytes, 9 MB for 1000 configurations of L = 24 at b = 2), and converted to
    float per batch on ``device``, where the module is trained and left.  Deterministic on the
    CPU for a seed and a number of torch threads (the caller's to fix); the initial filter and
    the order of the configurations are drawn on the CPU, so a GPU starts from the same ones.
    Returns the module (eval mode) and the history (:data:`HISTORY_COLUMNS`;
    the bound as optimised, of the stochastic variable, averaged over the epoch's batches).
    Raises :class:`deeprenorm.ml.train.TrainingError` if the bound becomes non-finite.
    """
    b = check_integer("b", b, 2)
    epochs = check_integer("epochs", epochs, 1)
    batch_size = check_integer("batch_size", batch_size, 1)
    learning_rate = check_real("learning_rate", learning_rate, positive=True)
    buffer = b if buffer is None else check_integer("buffer", buffer, 0)
    sequence = seed_sequence(seed)
    spins = np.asarray(spins)
    n = spins.shape[0] if spins.ndim == 3 else 0
    if n < 1:
        raise ValueError(f"spins must be int8 configurations (n, L, L) with n >= 1, got shape {spins.shape}")
    L = spins.shape[-1]
    ones = np.ones((n, L // b, L // b), dtype=np.int8) if L % b == 0 else np.ones((n, 0, 0), dtype=np.int8)
    # block_environment checks the spins (int8 +-1, square), L % b and the window against L
    _, environment, _ = block_environment(spins, ones, b, buffer=buffer, shell=shell)
    environment = torch.from_numpy(environment.reshape(n, (L // b) ** 2, -1))
    configurations = torch.from_numpy(np.ascontiguousarray(spins))

    torch_sequence, shuffle_sequence = child(sequence, 0), child(sequence, 1)
    generator = torch.Generator().manual_seed(int(torch_sequence.generate_state(1, np.uint64)[0]))
    rng = np.random.default_rng(shuffle_sequence)
    rows = []
    device = torch.device(device)
    # as in deeprenorm.ml.train: CUDA has ops without a deterministic kernel, which only warn
    with deterministic_algorithms(warn_only=device.type != "cpu"):
        with torch.random.fork_rng(devices=[]):  # Conv2d's own initialisation draws from it
            model = RSMICoarseGrainer(b, beta)
        with torch.no_grad():
            model.conv.weight.normal_(generator=generator)
        model.to(device)
        probe_weight = torch.nn.Parameter(torch.zeros(environment.shape[-1], device=device))
        probe_bias = torch.nn.Parameter(torch.zeros((), device=device))
        optimizer = torch.optim.Adam([*model.parameters(), probe_weight, probe_bias], lr=learning_rate)
        model.train()
        for epoch in range(1, epochs + 1):
            totals = np.zeros(3)
            order = torch.from_numpy(rng.permutation(n))
            for begin in range(0, n, batch_size):
                chosen = order[begin : begin + batch_size]
                terms = _bound_terms(
                    model,
                    configurations[chosen].to(device, torch.float32),
                    environment[chosen].to(device, torch.float32),
                    probe_weight,
                    probe_bias,
                )
                optimizer.zero_grad(set_to_none=True)
                (-terms[0]).backward()
                optimizer.step()
                totals += len(chosen) * np.array([term.item() for term in terms])
            bound, entropy, cross_entropy = totals / n
            if not np.all(np.isfinite(totals)):
                raise TrainingError(
                    f"RSMI training: the bound became {bound} in epoch {epoch} "
                    f"(learning rate {learning_rate:.3g}); lower learning_rate and train again"
                )
            rows.append((epoch, bound, entropy, cross_entropy))
    return model.eval(), pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def _checked_spins(spins, b: int) -> np.ndarray:
    spins = checked_configurations(spins, b)
    if spins.ndim != 3:
        raise ValueError(f"spins must have shape (n, L, L), got {spins.shape}")
    return spins


@torch.no_grad()
def rsmi_block_spins(model: RSMICoarseGrainer, spins) -> np.ndarray:
    """The deterministic block spins ``sign(Lambda . x_V)`` (0 -> +1) of int8 ``spins``
    ``(n, L, L)``: int8 ``(n, L/b, L/b)`` of +-1, in batches, without gradients."""
    b = model.block
    spins = _checked_spins(spins, b)
    coarse = spins.shape[-1] // b
    blocked = np.empty((spins.shape[0], coarse, coarse), dtype=np.int8)
    device = module_device(model)
    for begin in range(0, spins.shape[0], _BATCH):
        batch = torch.from_numpy(np.ascontiguousarray(spins[begin : begin + _BATCH])).to(device)
        field = model.field(batch).cpu().numpy()
        blocked[begin : begin + _BATCH] = np.where(field >= 0, 1, -1)
    return blocked


def rsmi_step(model: RSMICoarseGrainer):
    """One step of the map as a function ``spins -> block spins`` (:func:`rsmi_block_spins`) of a
    copy of ``model`` taken now: it blocks any L divisible by b, its own output included, and
    later changes to ``model`` do not change it."""
    frozen = copy.deepcopy(model).eval()

    def step(spins: np.ndarray) -> np.ndarray:
        return rsmi_block_spins(frozen, spins)

    return step


def save_rsmi(path: str | os.PathLike, model: RSMICoarseGrainer, metadata: dict) -> None:
    """Save ``model``'s weights, architecture and ``metadata`` (a dict of plain values: the
    training settings, seed, ``dataset_sha256``, ...) to ``path`` atomically."""
    save_checkpoint(path, model, metadata)


def _retrain(path) -> str:
    return f" -- delete {path} and run the workflow again: Snakemake retrains the coarse-grainer"


def load_rsmi(path: str | os.PathLike) -> tuple[RSMICoarseGrainer, dict]:
    """The module (CPU, eval mode) and metadata saved by :func:`save_rsmi` at ``path``.

    A file that is missing, unreadable (truncated, corrupt), not an RSMI checkpoint (an
    autoencoder's, say) or whose weights do not fit its architecture raises
    :class:`deeprenorm.ml.checkpoint.CheckpointError`, a ``ValueError``, naming ``path``."""
    path = Path(path)
    checkpoint = read_checkpoint(path, "RSMI coarse-grainer checkpoint", _retrain(path))
    if checkpoint["architecture"].get("kind") != KIND:
        raise CheckpointError(
            f"{path}: not an RSMI coarse-grainer checkpoint (architecture kind "
            f"{checkpoint['architecture'].get('kind')!r}, expected {KIND!r}){_retrain(path)}"
        )
    architecture = checkpoint["architecture"]
    try:
        model = RSMICoarseGrainer(architecture.get("block"), architecture.get("beta"))
        model.load_state_dict(checkpoint["state_dict"])
    except (ValueError, RuntimeError) as error:  # RuntimeError: weights of other names or shapes
        raise CheckpointError(f"{path}: weights and architecture do not fit: {error}{_retrain(path)}") from error
    return model.eval(), checkpoint["metadata"]
