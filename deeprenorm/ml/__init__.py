"""The autoencoder half of the study: models, the data split, training, checkpoints, codes.

After Alexandrou et al. (2019), "Unsupervised identification of the phase transition on the
2D-Ising model", and Broomberg & Rabinovich (2019), "Deep Renormalization":

* :mod:`.models` -- the dense ``"alexandrou"`` and ``"wide"`` autoencoders and the
  convolutional ``"conv"`` block-spin learner;
* :mod:`.split` -- the per-L train / validation / test split, shared by every model of that L;
* :mod:`.train` -- seeded, deterministic training that streams int8 spins from a dataset;
* :mod:`.checkpoint` -- trained models on disk, loaded with ``torch.load(weights_only=True)``;
* :mod:`.encode` -- the codes of every sample, as an ``xarray.Dataset``.

Importing this package imports torch; the rest of deeprenorm does not need it.
"""

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .encode import encode_dataset, write_encoding
from .models import MODEL_KINDS, Autoencoder, build_model, conv_size_ok, model_from_architecture
from .split import TEST, TRAIN, VALIDATION, Split, file_sha256, make_split, part_sizes, read_split, write_split
from .train import TrainingError, TrainingResult, TrainingSettings, fit, initial_weights, train_autoencoder

__all__ = [
    "MODEL_KINDS",
    "Autoencoder",
    "build_model",
    "conv_size_ok",
    "model_from_architecture",
    "CheckpointError",
    "save_checkpoint",
    "load_checkpoint",
    "TRAIN",
    "VALIDATION",
    "TEST",
    "Split",
    "make_split",
    "part_sizes",
    "write_split",
    "read_split",
    "file_sha256",
    "TrainingError",
    "TrainingResult",
    "TrainingSettings",
    "train_autoencoder",
    "initial_weights",
    "fit",
    "encode_dataset",
    "write_encoding",
]
