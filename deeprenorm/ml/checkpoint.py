"""Trained models on disk: one ``torch.save`` file per model, read only with ``weights_only=True``.

A checkpoint is the dict ``{"state_dict", "architecture", "metadata"}`` of tensors and plain
Python values (dict, list, str, int, float, bool, None), so ``torch.load(..., weights_only=True)``
reads it without unpickling arbitrary objects: loading a checkpoint cannot run code. It is
written atomically (a temporary file, then a rename), so an interrupted save leaves no file.

:func:`load_checkpoint` rebuilds the model from the recorded architecture and, given
``expected``, checks that the checkpoint is the one the caller wants (same kind, L, code width,
training data by hash, ...). A file that cannot be read, or that is not the expected model,
raises :class:`CheckpointError` naming the file and the fix: delete it and let the workflow
retrain. ``CheckpointError`` is a :class:`deeprenorm.data.SchemaError`, so a workflow job
reports it in one line like any other damaged file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ..io import SchemaError, atomic_path
from .models import Autoencoder, model_from_architecture

__all__ = ["CheckpointError", "plain_value", "read_checkpoint", "save_checkpoint", "load_checkpoint"]

_KEYS = ("state_dict", "architecture", "metadata")


class CheckpointError(SchemaError):
    """A checkpoint file is unreadable, malformed, or not the model the caller expects."""


def _retrain(path) -> str:
    return f" -- delete {path} and run the workflow again: Snakemake retrains the model"


def plain_value(value, where: str):
    """``value`` as tensors and plain Python types (numpy scalars and arrays become Python
    numbers and lists, tuples lists); ``ValueError`` naming ``where`` for anything else."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, (list, tuple)):
        return [plain_value(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise ValueError(f"{where}: checkpoint dict keys must be str, got {key!r}")
        return {key: plain_value(item, f"{where}[{key!r}]") for key, item in value.items()}
    raise ValueError(f"{where} is a {type(value).__name__}; a checkpoint holds only tensors and plain Python values")


def save_checkpoint(path: str | os.PathLike, model: torch.nn.Module, metadata: dict) -> None:
    """Save ``model``'s weights, architecture (its ``architecture`` property: an autoencoder's,
    or :class:`deeprenorm.rg.rsmi.RSMICoarseGrainer`'s) and ``metadata`` (a dict of plain
    values, e.g. hashes, settings, losses) to ``path`` atomically. Tensors are stored on the CPU."""
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict, got {type(metadata).__name__}")
    checkpoint = {
        "state_dict": {key: value.detach().cpu().clone() for key, value in model.state_dict().items()},
        "architecture": plain_value(model.architecture, "architecture"),
        "metadata": plain_value(metadata, "metadata"),
    }
    with atomic_path(path) as temporary:
        torch.save(checkpoint, temporary)


def _training_facts(metadata: dict) -> dict:
    """The parts of a model's spec its architecture cannot show, as :func:`.train.fit` records
    them in the metadata (``settings.regularisation``, ``system``); those not recorded are left
    to :meth:`.spec.ModelSpec.from_architecture`."""
    settings = metadata.get("settings")
    facts = {"regularisation": settings.get("regularisation")} if isinstance(settings, dict) else {}
    return facts | ({"system": metadata["system"]} if "system" in metadata else {})


def read_checkpoint(path: Path, what: str, remedy: str) -> dict:
    """The dict ``{"state_dict", "architecture", "metadata"}`` of a checkpoint file, read with
    ``torch.load(weights_only=True)`` onto the CPU; :class:`CheckpointError` naming ``path``
    (with ``what`` was expected and the ``remedy``) where it is missing, unreadable (truncated,
    corrupt) or not such a dict."""
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        checkpoint = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as error:  # truncated zip, garbage bytes, a pickle of forbidden objects
        raise CheckpointError(f"{path}: not a readable checkpoint (truncated or corrupt?): {error}{remedy}") from error
    if (
        not isinstance(checkpoint, dict)
        or set(checkpoint) != set(_KEYS)
        or not all(isinstance(checkpoint[key], dict) for key in _KEYS)
    ):
        raise CheckpointError(f"{path}: not a {what} (expected a dict of {', '.join(_KEYS)}){remedy}")
    return checkpoint


def load_checkpoint(path: str | os.PathLike, expected: dict | None = None) -> tuple[Autoencoder, dict]:
    """The model (CPU, eval mode) and metadata saved at ``path``; the model's spec is rebuilt
    from the recorded architecture and the training facts of the metadata.

    ``expected`` maps keys of the architecture (``kind``, ``L``, ``latent``, ...) or of the
    metadata (``dataset_sha256``, ...) to the values the caller needs; the first that differs
    (or is absent) raises :class:`CheckpointError` naming it, expected vs found. So does a file
    that is missing, truncated, not a checkpoint, or whose weights do not fit its architecture.
    """
    path = Path(path)
    checkpoint = read_checkpoint(path, "deeprenorm checkpoint", _retrain(path))
    architecture, metadata = checkpoint["architecture"], checkpoint["metadata"]
    for key, wanted in (expected or {}).items():
        if key in architecture:
            found = architecture[key]
        elif key in metadata:
            found = metadata[key]
        else:
            raise CheckpointError(f"{path}: {key} differs: expected {wanted!r}, found no {key}{_retrain(path)}")
        if plain_value(wanted, key) != found:
            raise CheckpointError(f"{path}: {key} differs: expected {wanted!r}, found {found!r}{_retrain(path)}")
    try:
        model = model_from_architecture(architecture, **_training_facts(metadata))
        model.load_state_dict(checkpoint["state_dict"])
    except (ValueError, RuntimeError) as error:  # RuntimeError: weights of other names or shapes
        raise CheckpointError(
            f"{path}: weights and architecture do not fit this code: {error}{_retrain(path)}"
        ) from error
    return model.eval(), metadata
