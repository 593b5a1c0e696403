"""Training an autoencoder on the spins of one dataset, reproducibly and in bounded memory.

The recipe follows Alexandrou et al. (2019), "Unsupervised identification of the phase
transition on the 2D-Ising model", and Broomberg & Rabinovich (2019), "Deep Renormalization":
reconstruct the configurations (mean squared error, plus ``l1_strength * mean |z|`` with the
``"l1"`` regulariser) with Adam, lower the learning rate when the validation loss stalls
(``ReduceLROnPlateau``), and stop early when it has not improved for
``early_stopping_patience`` epochs, keeping the best weights. The network sees spins only, never
their temperature.

**Data.** Spins stream from a :class:`deeprenorm.data.SpinReader` as int8. Each epoch visits the
temperatures in a seeded random order, ``buffer_temperatures`` at a time: their training
samples are read, shuffled together (with the samples left over from the previous buffer) and
cut into batches, each converted to float32 on the device only when it is used. Temperatures
are read whole and the training samples picked in memory: reading scattered samples through
the reader would decompress their chunk once per sample. Memory is therefore a buffer of int8
training samples, one temperature read, one float batch, and the validation samples (int8,
read once, since they are scored every epoch).

**Losses.** ``train_loss`` in the history is the objective as optimised during the epoch
(dropout active, L1 term included), averaged over its samples; ``validation_loss`` and the
final ``train_loss``, ``validation_loss``, ``test_loss`` of :class:`TrainingResult` are the
reconstruction MSE per spin of the best weights in eval mode, so they compare across
regularisers. Early stopping and the scheduler follow the validation loss.

**Reproducibility.** The model is re-initialised from the stream
``seeding.stream(seed, "training", L, kind, latent, replica)`` (``kind`` its index in
:data:`MODEL_KINDS`), which also seeds dropout and the shuffles; torch runs with deterministic
algorithms (restored afterwards). On the CPU, with the same number of torch threads, the same
seed gives bitwise-identical weights; on CUDA the same settings are used but only warn where an
operation has no deterministic implementation. Models that differ only in dropout start from
the same weights, so regularisers are compared from one initialisation.

A loss that is NaN or infinite, or more than :data:`DIVERGENCE_FACTOR` times the first epoch's,
raises :class:`TrainingError`; :func:`fit` saves a checkpoint only after training succeeded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
import torch.utils.deterministic

from ..arguments import check_integer, check_real
from ..config import ConfigError
from ..data import SpinReader
from ..provenance import source_version
from ..seeding import stream
from .checkpoint import load_checkpoint, save_checkpoint
from .models import MODEL_KINDS, Autoencoder, build_model
from .spec import REGULARISATIONS
from .split import TEST, TRAIN, VALIDATION, check_labels, file_sha256

__all__ = [
    "REGULARISATIONS",
    "DEVICES",
    "DIVERGENCE_FACTOR",
    "HISTORY_COLUMNS",
    "TrainingError",
    "TrainingSettings",
    "TrainingResult",
    "train_autoencoder",
    "initial_weights",
    "untrained_control",
    "measured_networks",
    "fit",
    "resolve_device",
    "deterministic_algorithms",
    "to_device",
    "check_model_data",
]

logger = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")

#: An epoch's training loss above this multiple of the first epoch's means training diverged.
DIVERGENCE_FACTOR = 100.0

HISTORY_COLUMNS = ["epoch", "train_loss", "validation_loss", "learning_rate", "samples_per_second", "seconds"]


class TrainingError(RuntimeError):
    """Training broke down (a non-finite or diverging loss); nothing should be saved."""


@dataclasses.dataclass(frozen=True)
class TrainingSettings:
    """How to train. ``regularisation`` names the one regulariser in use and must be the
    model's own (:attr:`.spec.ModelSpec.regularisation`; a ``"dropout"`` model carries its rate
    in the network), ``"l1"`` needs an ``l1_strength > 0`` (the weight of ``mean |z|`` in the
    loss), and the others none. :meth:`.spec.ModelSpec.training_settings` derives the settings
    of a model from a config. ``buffer_temperatures`` temperatures are read and shuffled together; more mixes
    batches across temperatures better and costs ``L^2`` bytes per buffered sample."""

    max_epochs: int = 200
    batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    early_stopping_patience: int = 20
    scheduler_patience: int = 5
    scheduler_factor: float = 0.5
    min_learning_rate: float = 1e-6
    regularisation: str = "none"
    l1_strength: float = 0.0
    device: str = "auto"
    buffer_temperatures: int = 8

    def __post_init__(self):
        for name, minimum in (
            ("max_epochs", 1),
            ("batch_size", 1),
            ("early_stopping_patience", 1),
            ("scheduler_patience", 0),
            ("buffer_temperatures", 1),
        ):
            check_integer(name, getattr(self, name), minimum)
        for name in ("learning_rate", "weight_decay", "scheduler_factor", "min_learning_rate", "l1_strength"):
            check_real(name, getattr(self, name))
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        if not 0 <= self.min_learning_rate <= self.learning_rate:
            raise ValueError(
                f"min_learning_rate must be in [0, learning_rate = {self.learning_rate}], got {self.min_learning_rate!r}"
            )
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if not 0 < self.scheduler_factor < 1:
            raise ValueError(f"scheduler_factor must be in (0, 1), got {self.scheduler_factor!r}")
        if self.regularisation not in REGULARISATIONS:
            raise ValueError(f"regularisation must be one of {REGULARISATIONS}, got {self.regularisation!r}")
        if self.regularisation == "l1" and not self.l1_strength > 0:
            raise ValueError(f"l1_strength must be > 0 with regularisation 'l1', got {self.l1_strength!r}")
        if self.regularisation != "l1" and self.l1_strength != 0:
            raise ValueError(f"l1_strength must be 0 unless regularisation is 'l1', got {self.l1_strength!r}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")


@dataclasses.dataclass
class TrainingResult:
    """What :func:`train_autoencoder` returns: the best weights (CPU copies), the per-epoch
    ``history`` (:data:`HISTORY_COLUMNS`; ``samples_per_second`` and ``seconds`` are the
    training pass and the whole epoch), and the losses of the best weights on each part."""

    state_dict: dict
    history: pd.DataFrame
    best_epoch: int
    epochs_run: int
    train_loss: float
    validation_loss: float
    test_loss: float
    samples_per_second: float
    wall_seconds: float
    device: str
    torch_version: str
    name: str
    seed: int
    replica: int
    settings: TrainingSettings

    def metadata(self) -> dict:
        """Everything but the weights as plain Python values, for a checkpoint's metadata."""
        summary = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        del summary["state_dict"]
        summary["history"] = {column: self.history[column].tolist() for column in HISTORY_COLUMNS}
        summary["settings"] = dataclasses.asdict(self.settings)
        summary["deeprenorm_version"] = source_version()
        return summary


def resolve_device(device: str) -> torch.device:
    """The one place a job's torch device is chosen: ``"auto"``, CUDA where available, else the
    CPU. ``"cuda"`` without a CUDA device raises :class:`deeprenorm.config.ConfigError` (a
    ``ValueError``), which a job reports in one line as bad input."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        raise ConfigError(
            f"device 'cuda' requested but torch finds no CUDA device (torch {torch.__version__}, {build}): "
            "set autoencoder.device to auto or cpu, or run on a machine with a GPU"
        )
    return torch.device("cuda" if device == "cuda" or (device == "auto" and torch.cuda.is_available()) else "cpu")


@contextlib.contextmanager
def deterministic_algorithms(warn_only: bool):
    """Deterministic torch algorithms inside the block; the caller's settings afterwards.

    Deterministic mode also fills every new uninitialised tensor with NaN, so that a kernel that
    read uninitialised memory would at least do so reproducibly. The layers used here never do,
    and the fill cost the convolutional model a fifth of its training speed: it is off here.
    """
    enabled = torch.are_deterministic_algorithms_enabled()
    warned = torch.is_deterministic_algorithms_warn_only_enabled()
    filled = torch.utils.deterministic.fill_uninitialized_memory
    torch.use_deterministic_algorithms(True, warn_only=warn_only)
    torch.utils.deterministic.fill_uninitialized_memory = False
    try:
        yield
    finally:
        torch.utils.deterministic.fill_uninitialized_memory = filled
        torch.use_deterministic_algorithms(enabled, warn_only=warned)


def to_device(spins: np.ndarray, device: torch.device) -> torch.Tensor:
    """int8 spins as a float32 tensor on ``device``."""
    # moved as int8 (a quarter of the bytes of float32), converted on the device
    return torch.from_numpy(spins).to(device, non_blocking=True).to(torch.float32)


def _training_batches(
    reader: SpinReader, train_index, batch_size: int, buffer_temperatures: int, rng
) -> Iterator[np.ndarray]:
    """One epoch of shuffled int8 training batches (see the module docstring). All batches are
    full but the last: the remainder of a buffer is shuffled into the next one."""
    order = rng.permutation(len(train_index))
    leftover = np.empty((0, reader.L, reader.L), dtype=np.int8)
    for start in range(0, order.size, buffer_temperatures):
        chosen = order[start : start + buffer_temperatures]
        buffer = np.concatenate(
            [leftover, *(reader.read(int(t))[train_index[t]] for t in chosen if len(train_index[t]))]
        )
        buffer = buffer[rng.permutation(len(buffer))]
        stop = len(buffer) if start + buffer_temperatures >= order.size else len(buffer) - len(buffer) % batch_size
        for begin in range(0, stop, batch_size):
            yield buffer[begin : begin + batch_size]
        leftover = buffer[stop:]


def _train_epoch(model: Autoencoder, batches, optimizer, l1_strength: float, device: torch.device) -> tuple[float, int]:
    """One pass of optimisation over ``batches``: (mean objective per sample, samples seen)."""
    model.train()
    total = torch.zeros((), dtype=torch.float64, device=device)
    count = 0
    for spins in batches:
        x = to_device(spins, device)
        x_hat, z = model(x)
        loss = F.mse_loss(x_hat, x)
        if l1_strength:
            loss = loss + l1_strength * z.abs().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        # summed on the device: reading the value every batch would wait for the GPU
        total += loss.detach() * len(x)
        count += len(x)
    return total.item() / count, count


@torch.no_grad()
def _reconstruction_loss(model: Autoencoder, blocks, batch_size: int, device: torch.device) -> float:
    """Mean squared error per spin, in eval mode, over the int8 arrays ``blocks``."""
    model.eval()
    total = torch.zeros((), dtype=torch.float64, device=device)
    count = 0
    for spins in blocks:
        for begin in range(0, len(spins), batch_size):
            x = to_device(spins[begin : begin + batch_size], device)
            total += F.mse_loss(model(x)[0], x, reduction="sum")
            count += x.numel()
    return total.item() / count


def _part(reader: SpinReader, index) -> Iterator[np.ndarray]:
    """The samples ``index[t]`` of every temperature t, one temperature at a time."""
    for t, samples in enumerate(index):
        if len(samples):
            yield reader.read(t)[samples]


def _check_finite(name: str, epoch: int, losses: dict, first: float | None, learning_rate: float) -> None:
    advice = f"(learning rate {learning_rate:.3g}); lower learning_rate and train again"
    for kind, value in losses.items():
        if not math.isfinite(value):
            raise TrainingError(f"model {name}: the {kind} loss became {value} in epoch {epoch} {advice}")
    if first is not None and losses["train"] > DIVERGENCE_FACTOR * first:
        raise TrainingError(
            f"model {name}: training diverged in epoch {epoch}: train loss {losses['train']:.4g} exceeds "
            f"{DIVERGENCE_FACTOR:g} x the first epoch's {first:.4g} {advice}"
        )


def _reinitialise(model: Autoencoder) -> None:
    for module in model.modules():
        if module is not model and hasattr(module, "reset_parameters"):
            module.reset_parameters()


def _training_streams(seed: int, model: Autoencoder, replica: int):
    """The (torch initialisation, shuffle) streams of one training run."""
    spec = model.spec
    return stream(seed, "training", model.L, MODEL_KINDS.index(spec.kind), spec.code_width(model.L), replica).spawn(2)


def initial_weights(model: Autoencoder, seed: int, replica: int = 0) -> Autoencoder:
    """``model`` re-initialised exactly as :func:`train_autoencoder` initialises it before the
    first epoch, in eval mode: the untrained control of a trained network, the same weights it
    started from. The global torch random state is left as it was."""
    torch_sequence, _ = _training_streams(seed, model, replica)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch_sequence.generate_state(1, np.uint64)[0]))
        _reinitialise(model)
    return model.eval()


def untrained_control(trained: Autoencoder, seed: int, replica: int = 0) -> Autoencoder:
    """A new network of ``trained``'s spec and size with the weights its training started from
    (:func:`initial_weights`): the control that differs from ``trained`` only in training."""
    return initial_weights(build_model(trained.spec, trained.L), seed, replica)


def measured_networks(
    checkpoints, training_seeds, controls, control_weights, control_seed: int, seed: int, expected: dict
) -> dict[tuple[str, int], Autoencoder]:
    """``(weights label, training seed)`` -> network, for the measurements that hold a trained
    model beside its controls: ``("trained", s)`` from each checkpoint of ``checkpoints`` (one
    per training seed of ``training_seeds``), ``("untrained", s)`` its initial weights
    (:func:`untrained_control`), and ``(label, control_seed)`` from each checkpoint of
    ``controls`` with its label of ``control_weights`` (``"far-trained"``, ``"noise-trained"``,
    ...). Every checkpoint must match ``expected`` (:func:`.checkpoint.load_checkpoint`), but
    for its ``dataset_sha256`` where a control was trained on other data."""
    if len(checkpoints) != len(training_seeds) or len(controls) != len(control_weights):
        raise ValueError("one checkpoint per training seed and one per control label are needed")
    networks = {}
    for path, training_seed in zip(checkpoints, training_seeds):
        trained, _ = load_checkpoint(path, expected)
        networks[("trained", int(training_seed))] = trained
        networks[("untrained", int(training_seed))] = untrained_control(trained, seed, int(training_seed))
    same_architecture = {key: value for key, value in expected.items() if key != "dataset_sha256"}
    for path, label in zip(controls, control_weights):
        networks[(label, int(control_seed))] = load_checkpoint(path, same_architecture)[0]
    return networks


def _fit_epochs(
    model: Autoencoder,
    reader: SpinReader,
    train_index,
    validation,
    settings: TrainingSettings,
    rng,
    device,
    name: str,
    log,
):
    """The epochs of :func:`train_autoencoder`: Adam, its learning rate lowered by
    ``ReduceLROnPlateau`` on the validation loss, stopped after ``early_stopping_patience``
    epochs without improvement. Returns the history rows (:data:`HISTORY_COLUMNS`), the best
    weights (CPU copies), their epoch and the seconds spent in training passes."""
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer,
        mode="min",
        factor=settings.scheduler_factor,
        patience=settings.scheduler_patience,
        min_lr=settings.min_learning_rate,
    )
    rows, best_state, best_loss, best_epoch, first_loss, training_seconds = [], None, math.inf, 0, None, 0.0
    for epoch in range(1, settings.max_epochs + 1):
        epoch_start = time.perf_counter()
        learning_rate = optimizer.param_groups[0]["lr"]
        batches = _training_batches(reader, train_index, settings.batch_size, settings.buffer_temperatures, rng)
        train_loss, seen = _train_epoch(model, batches, optimizer, settings.l1_strength, device)
        train_seconds = time.perf_counter() - epoch_start
        training_seconds += train_seconds
        validation_loss = _reconstruction_loss(model, validation, settings.batch_size, device)
        _check_finite(name, epoch, {"train": train_loss, "validation": validation_loss}, first_loss, learning_rate)
        if first_loss is None:
            first_loss = train_loss
        scheduler.step(validation_loss)
        if validation_loss < best_loss:
            best_loss, best_epoch = validation_loss, epoch
            best_state = {key: value.detach().to("cpu", copy=True) for key, value in model.state_dict().items()}
        rows.append(
            (epoch, train_loss, validation_loss, learning_rate, seen / train_seconds, time.perf_counter() - epoch_start)
        )
        log.info(
            "model %s epoch %d: train loss %.6f, validation loss %.6f, lr %.3g, %.0f samples/s",
            name,
            epoch,
            train_loss,
            validation_loss,
            learning_rate,
            seen / train_seconds,
        )
        if epoch - best_epoch >= settings.early_stopping_patience:
            log.info(
                "model %s: no improvement for %d epochs, stopping at epoch %d",
                name,
                settings.early_stopping_patience,
                epoch,
            )
            break
    return rows, best_state, best_epoch, training_seconds


def _sample_indices(labels: np.ndarray, reader: SpinReader, temperatures) -> tuple[list, list, list]:
    """Per temperature, the sample indices of the training, validation and test parts; with a
    ``temperatures`` mask, the training and validation parts of the masked-out temperatures are
    empty (see :func:`train_autoencoder`)."""
    train_index, validation_index, test_index = (
        [np.flatnonzero(row == code) for row in labels] for code in (TRAIN, VALIDATION, TEST)
    )
    if temperatures is not None:
        temperatures = np.asarray(temperatures, dtype=bool)
        if temperatures.shape != (reader.n_temperatures,) or not temperatures.any():
            raise ValueError(
                f"temperatures must be a boolean mask of the {reader.n_temperatures} temperatures with at least one True, "
                f"got shape {temperatures.shape}"
            )
        train_index = [index if used else index[:0] for index, used in zip(train_index, temperatures)]
        validation_index = [index if used else index[:0] for index, used in zip(validation_index, temperatures)]
    return train_index, validation_index, test_index


def check_model_data(model: Autoencoder, reader: SpinReader, labels, name: str | None = None) -> np.ndarray:
    """``labels`` as an array; ``ValueError`` unless ``model`` is for the L of ``reader``'s
    dataset and ``labels`` is a split of its (temperature, sample) grid
    (:func:`.split.check_labels`). ``name`` labels the model in the message."""
    labels = np.asarray(labels)
    who = f"model {name}" if name else "the model"
    if model.L != reader.L:
        raise ValueError(f"{who} is for L = {model.L}, the dataset {reader.path} has L = {reader.L}")
    if labels.shape != (reader.n_temperatures, reader.n_samples):
        raise ValueError(
            f"labels have shape {labels.shape}, the dataset {reader.path} has {(reader.n_temperatures, reader.n_samples)}"
        )
    check_labels(labels, "labels")
    return labels


def train_autoencoder(
    model: Autoencoder,
    reader: SpinReader,
    labels: np.ndarray,
    settings: TrainingSettings,
    seed: int,
    *,
    name: str = "model",
    replica: int = 0,
    temperatures=None,
    log: logging.Logger = logger,
) -> TrainingResult:
    """Train ``model`` on the :data:`~.split.TRAIN` samples of ``reader`` (``labels`` from
    :func:`~.split.make_split`), monitored on the :data:`~.split.VALIDATION` ones.

    ``temperatures``: None (all), or a boolean mask over the dataset's temperatures: only the
    training and validation samples of those enter (the RG stage's control network trained
    far from T_c); the final losses of the result are then those of the used temperatures,
    the test loss of all.

    The model is re-initialised from ``seed`` and ``replica`` (independent networks of one
    architecture differ in ``replica``), trained, and left on the training device in eval mode
    holding the best weights, which the result also holds as CPU copies. ``name`` labels the
    log lines and errors. Raises :class:`TrainingError` if the loss becomes non-finite or
    diverges, ``ValueError`` for inconsistent arguments.
    """
    labels = check_model_data(model, reader, labels, name)
    if settings.regularisation != model.spec.regularisation:
        raise ValueError(
            f"regularisation {settings.regularisation!r} is not model {name}'s, {model.spec.regularisation!r}"
        )
    device = resolve_device(settings.device)
    train_index, validation_index, test_index = _sample_indices(labels, reader, temperatures)
    n_train = sum(len(samples) for samples in train_index)
    torch_sequence, shuffle_sequence = _training_streams(seed, model, replica)
    rng = np.random.default_rng(shuffle_sequence)
    forked = [torch.cuda.current_device() if device.index is None else device.index] if device.type == "cuda" else []
    started = time.perf_counter()
    with deterministic_algorithms(warn_only=device.type != "cpu"), torch.random.fork_rng(devices=forked):
        torch.manual_seed(int(torch_sequence.generate_state(1, np.uint64)[0]))
        _reinitialise(model)
        model.to(device)
        validation = list(_part(reader, validation_index))
        log.info(
            "model %s: %s, %d parameters, %d training samples in batches of %d, device %s",
            name,
            model.architecture,
            sum(p.numel() for p in model.parameters()),
            n_train,
            settings.batch_size,
            device,
        )
        rows, best_state, best_epoch, training_seconds = _fit_epochs(
            model, reader, train_index, validation, settings, rng, device, name, log
        )
        model.load_state_dict(best_state)
        losses = {
            "train": _reconstruction_loss(model, _part(reader, train_index), settings.batch_size, device),
            "validation": _reconstruction_loss(model, validation, settings.batch_size, device),
            "test": _reconstruction_loss(model, _part(reader, test_index), settings.batch_size, device),
        }
    result = TrainingResult(
        state_dict=best_state,
        history=pd.DataFrame(rows, columns=HISTORY_COLUMNS),
        best_epoch=best_epoch,
        epochs_run=len(rows),
        train_loss=losses["train"],
        validation_loss=losses["validation"],
        test_loss=losses["test"],
        samples_per_second=n_train * len(rows) / training_seconds,
        wall_seconds=time.perf_counter() - started,
        device=str(device),
        torch_version=str(torch.__version__),
        name=name,
        seed=int(seed),
        replica=int(replica),
        settings=settings,
    )
    log.info(
        "model %s: best epoch %d of %d, losses train %.6f, validation %.6f, test %.6f, %.0f s",
        name,
        best_epoch,
        result.epochs_run,
        result.train_loss,
        result.validation_loss,
        result.test_loss,
        result.wall_seconds,
    )
    return result


def fit(
    model: Autoencoder,
    reader: SpinReader,
    labels: np.ndarray,
    settings: TrainingSettings,
    seed: int,
    checkpoint_path: str | os.PathLike,
    *,
    metadata: dict | None = None,
    name: str = "model",
    replica: int = 0,
    temperatures=None,
    log: logging.Logger = logger,
) -> TrainingResult:
    """:func:`train_autoencoder`, then :func:`~.checkpoint.save_checkpoint` to
    ``checkpoint_path`` with the result's metadata, the dataset's ``dataset_sha256``, the model's
    ``system`` (which, like the regularisation in the settings, its architecture cannot show) and
    ``metadata`` (e.g. the split's hash). Nothing is written if training fails."""
    dataset_sha256 = file_sha256(reader.path)  # of the file trained on, hashed before reading it
    result = train_autoencoder(
        model, reader, labels, settings, seed, name=name, replica=replica, temperatures=temperatures, log=log
    )
    recorded = {**result.metadata(), "dataset_sha256": dataset_sha256, "system": model.spec.system}
    save_checkpoint(checkpoint_path, model, recorded | (metadata or {}))
    return result
