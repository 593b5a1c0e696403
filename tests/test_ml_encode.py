"""Encoding (deeprenorm.ml.encode) of a tiny L = 8 dataset: the code and reconstruction error of
every sample, the file they are written to, and the antiferromagnet's staggered data and order
parameter."""

import shutil

import numpy as np
import pytest
import torch
import xarray as xr
from helpers import ML_KINDS, ML_L, ML_SAMPLES, ML_TEMPERATURES, model_of

from deeprenorm.data import SpinReader
from deeprenorm.ising.lattice import staggered
from deeprenorm.ml import encode_dataset, write_encoding

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(("kind", "latent", "block"), ML_KINDS)
def test_encode_dataset(kind, latent, block, ml_reader, ml_labels, tmp_path):
    model = model_of(kind, latent, block)
    encoded = encode_dataset(model, ml_reader, ml_labels, batch_size=25, attrs={"checkpoint": "model.pt"})
    n_t, n_s = len(ML_TEMPERATURES), ML_SAMPLES
    units = 1 if kind == "conv" else latent
    assert encoded["latent"].dims == ("temperature", "sample", "unit") and encoded["latent"].shape == (n_t, n_s, units)
    assert encoded["latent"].dtype == np.float32 and encoded["reconstruction_error"].dtype == np.float32
    np.testing.assert_array_equal(encoded["split"].values, ml_labels)
    assert encoded["split"].dtype == np.int8
    np.testing.assert_allclose(encoded["temperature"].values, ML_TEMPERATURES)
    assert encoded.attrs["kind"] == kind and encoded.attrs["L"] == ML_L and encoded.attrs["checkpoint"] == "model.pt"
    x = torch.from_numpy(ml_reader.read(2)[:3]).float()
    with torch.no_grad():
        x_hat, z = model(x)
    if kind == "conv":
        assert encoded["code"].shape == (n_t, n_s, 4, 4) and encoded["code"].dtype == np.float32
        np.testing.assert_allclose(encoded["code"].values[2, :3], z.numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(
            encoded["latent"].values[..., 0], encoded["code"].values.mean(axis=(2, 3)), rtol=1e-5, atol=1e-6
        )
    else:
        assert "code" not in encoded
        np.testing.assert_allclose(encoded["latent"].values[2, :3], z.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        encoded["reconstruction_error"].values[2, :3], ((x_hat - x) ** 2).mean(dim=(1, 2)).numpy(), rtol=1e-5
    )
    path = tmp_path / "codes.nc"
    write_encoding(encoded, path)
    with xr.open_dataset(path) as again:
        xr.testing.assert_identical(again.drop_attrs(), encoded.drop_attrs())
        np.testing.assert_array_equal(
            again["magnetization"].values[:, 0], [ml_reader.read(t)[0].mean() for t in range(n_t)]
        )


def test_staggered_reader_feeds_the_antiferromagnet_and_encodes_its_order_parameter(
    ml_reader, ml_dataset, ml_labels, tmp_path
):
    model = model_of("alexandrou", 1, None)
    ferro = encode_dataset(model, ml_reader, ml_labels)
    plain_spins = ml_reader.read(3), ml_reader.read(0)[[4, 7]]
    # a copy: the module's reader holds the file open, and HDF5 shares one handle between opens
    copy = tmp_path / ml_dataset.name
    shutil.copy(ml_dataset, copy)
    with SpinReader(copy, staggered=True) as mapped:
        np.testing.assert_array_equal(mapped.read(3), staggered(plain_spins[0]))
        batch, _, _ = next(mapped.batches([0, 0], [4, 7], batch_size=2))
        np.testing.assert_array_equal(batch, staggered(plain_spins[1]))
        encoded = encode_dataset(model, mapped, ml_labels)
    assert encoded.attrs["system"] == "antiferromagnet" and ferro.attrs["system"] == "ferromagnet"
    assert encoded["magnetization"].attrs["long_name"] == "staggered magnetisation per spin"
    np.testing.assert_array_equal(encoded["magnetization"].values, ferro["magnetization"].values)
    assert not np.array_equal(encoded["latent"].values, ferro["latent"].values)


def test_the_encoding_records_the_device_that_auto_chose(ml_reader, ml_labels, monkeypatch):
    model = model_of("alexandrou", 1, None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert encode_dataset(model, ml_reader, ml_labels, device="auto").attrs["device"] == "cpu"
