"""The codes a trained autoencoder gives every sample of a dataset, as an ``xarray.Dataset``.

This is what the latent-variable analysis reads: Alexandrou et al. (2019), "Unsupervised
identification of the phase transition on the 2D-Ising model", locate T_c from the code of a
k = 1 dense autoencoder, and Broomberg & Rabinovich (2019), "Deep Renormalization", compare
codes of increasing width with block-spin coarse-graining.

* ``latent(temperature, sample, unit)`` float32: dense kinds, the code z (unit = 0..k-1);
  ``"conv"``, one unit holding the mean of the code field (a learned block-spin magnetisation);
* ``code(temperature, sample, y, x)`` float32, ``"conv"`` only: the code field on the
  (L/b) x (L/b) block lattice;
* ``reconstruction_error(temperature, sample)`` float32: mean squared error per spin;
* ``split(temperature, sample)`` int8: TRAIN 0, VALIDATION 1, TEST 2, the split of training;
* ``energy``, ``magnetization`` ``(temperature, sample)`` float64: per spin, from the dataset;
  for a reader with ``staggered=True`` (the antiferromagnet) these are the antiferromagnet's
  energy and staggered magnetisation, which the exact staggered map makes equal to the
  ferromagnet's energy and magnetisation;
* coordinate ``temperature`` in J/k_B.

Attributes: the model's architecture (``kind``, ``L``, ``latent``, ``dropout``, ``widths``,
``block`` for conv), ``system`` (``"ferromagnet"`` or ``"antiferromagnet"``), the dataset's
file name, versions, the torch ``device`` that encoded (``cpu`` or ``cuda``), and whatever the
caller adds.
"""

from __future__ import annotations

import os

import numpy as np
import torch
import xarray as xr

from ..arguments import check_integer
from ..data import TEMPERATURE_ATTRS, SpinReader, open_dataset
from ..io import atomic_path, timestamp
from ..provenance import source_version
from .models import Autoencoder
from .split import PART_NAMES
from .train import check_model_data, resolve_device, to_device

__all__ = ["encode_dataset", "write_encoding"]


@torch.no_grad()
def encode_dataset(
    model: Autoencoder,
    reader: SpinReader,
    labels: np.ndarray,
    *,
    batch_size: int = 1024,
    device: str = "cpu",
    attrs: dict | None = None,
) -> xr.Dataset:
    """Encode every sample of ``reader`` with ``model`` (moved to ``device``, one of
    ``"auto"``, ``"cpu"``, ``"cuda"``, and put in eval mode), one temperature at a time.

    ``labels`` is the split the model was trained with, copied as ``split``; ``attrs`` are
    added to the dataset's attributes (NetCDF-storable values: str, numbers, arrays).
    """
    labels = check_model_data(model, reader, labels)
    batch_size = check_integer("batch_size", batch_size, 1)
    conv = model.spec.is_convolutional
    code_shape = model.spec.code_shape(model.L)
    shape = (reader.n_temperatures, reader.n_samples)
    codes = np.empty(shape + code_shape, dtype=np.float32)
    errors = np.empty(shape, dtype=np.float32)
    torch_device = resolve_device(device)
    model.to(torch_device).eval()
    for t in range(reader.n_temperatures):
        spins = reader.read(t)
        for begin in range(0, len(spins), batch_size):
            x = to_device(spins[begin : begin + batch_size], torch_device)
            x_hat, z = model(x)
            stop = begin + len(x)
            codes[t, begin:stop] = z.cpu().numpy()
            errors[t, begin:stop] = (x_hat - x).square().mean(dim=(1, 2)).cpu().numpy()
    dims = ("temperature", "sample")
    data_vars = {
        "reconstruction_error": (
            dims,
            errors,
            {"units": "1", "long_name": "reconstruction mean squared error per spin"},
        ),
        "split": (
            dims,
            labels.astype(np.int8),
            {"flag_values": np.arange(3, dtype=np.int8), "flag_meanings": " ".join(PART_NAMES)},
        ),
    }
    if conv:
        data_vars["code"] = (dims + ("y", "x"), codes, {"long_name": "code field on the block lattice"})
        latent = codes.mean(axis=(2, 3), dtype=np.float64).astype(np.float32)[..., np.newaxis]
        data_vars["latent"] = (dims + ("unit",), latent, {"long_name": "mean of the code field"})
    else:
        data_vars["latent"] = (dims + ("unit",), codes, {"long_name": "code"})
    with open_dataset(reader.path) as dataset:
        for name in ("energy", "magnetization"):
            data_vars[name] = (dims, dataset[name].values, dict(dataset[name].attrs))
    if reader.staggered:
        data_vars["magnetization"][2]["long_name"] = "staggered magnetisation per spin"
    coords = {
        "temperature": ("temperature", reader.temperatures, TEMPERATURE_ATTRS),
        "sample": ("sample", np.arange(reader.n_samples)),
        "unit": ("unit", np.arange(data_vars["latent"][1].shape[-1])),
    }
    if conv:
        coords["y"] = ("y", np.arange(code_shape[0]), {"long_name": "block lattice row"})
        coords["x"] = ("x", np.arange(code_shape[1]), {"long_name": "block lattice column"})
    info = {key: value for key, value in model.architecture.items() if value is not None}
    info["widths"] = np.asarray(info["widths"], dtype=np.int64)
    info.update(
        title=f"autoencoder codes of {reader.path.name}",
        dataset=reader.path.name,
        system="antiferromagnet" if reader.staggered else "ferromagnet",
        torch_version=str(torch.__version__),
        device=str(torch_device),
        deeprenorm_version=source_version(),
        **(attrs or {}),
    )
    return xr.Dataset(data_vars, coords, info)


def write_encoding(dataset: xr.Dataset, path: str | os.PathLike) -> None:
    """Write the result of :func:`encode_dataset` to ``path`` as NetCDF-4 (atomically)."""
    dataset = dataset.assign_attrs(created=timestamp())
    with atomic_path(path) as temporary:
        dataset.to_netcdf(temporary, engine="netcdf4", format="NETCDF4")
