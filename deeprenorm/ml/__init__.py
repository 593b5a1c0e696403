"""The autoencoder half of the study: models, the data split, training, checkpoints, codes.

After Alexandrou et al. (2019), "Unsupervised identification of the phase transition on the
2D-Ising model", and Broomberg & Rabinovich (2019), "Deep Renormalization":

* :mod:`.spec` -- :class:`ModelSpec`, what defines one model (torch-free);
* :mod:`.models` -- the dense ``"alexandrou"`` and ``"wide"`` autoencoders and the
  convolutional ``"conv"`` block-spin learner;
* :mod:`.split` -- the per-L train / validation / test split, shared by every model of that L;
* :mod:`.train` -- seeded, deterministic training that streams int8 spins from a dataset;
* :mod:`.checkpoint` -- trained models on disk, loaded with ``torch.load(weights_only=True)``;
* :mod:`.encode` -- the codes of every sample, as an ``xarray.Dataset``.

The names below are imported from their modules on first use (PEP 562), so that
``import deeprenorm.ml.spec`` -- the study plan does, when Snakemake reads the workflow -- does
not import torch; using any of the torch modules does.
"""

from ..lazy import lazy_attributes

#: Public name -> the module of this package that defines it.
_HOMES = {
    "ModelSpec": "spec",
    "MODEL_KINDS": "spec",
    "Autoencoder": "models",
    "build_model": "models",
    "at_lattice_size": "models",
    "model_from_architecture": "models",
    "module_device": "models",
    "CheckpointError": "checkpoint",
    "save_checkpoint": "checkpoint",
    "load_checkpoint": "checkpoint",
    "TRAIN": "split",
    "VALIDATION": "split",
    "TEST": "split",
    "Split": "split",
    "make_split": "split",
    "part_sizes": "split",
    "write_split": "split",
    "read_split": "split",
    "file_sha256": "split",
    "TrainingError": "train",
    "TrainingResult": "train",
    "TrainingSettings": "train",
    "train_autoencoder": "train",
    "initial_weights": "train",
    "untrained_control": "train",
    "measured_networks": "train",
    "fit": "train",
    "encode_dataset": "encode",
    "write_encoding": "encode",
}

__all__ = list(_HOMES)


__getattr__, __dir__ = lazy_attributes(__name__, _HOMES)
