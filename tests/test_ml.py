"""Autoencoders, split, training, checkpoints and encoding (deeprenorm.ml), on tiny L = 8 data."""

import hashlib
import logging
import shutil

import numpy as np
import pandas as pd
import pytest
import torch
import torch.utils.deterministic
import xarray as xr
from torch import nn

from deeprenorm.data import SchemaError, SpinReader, write_dataset, write_simulation
from deeprenorm.ising import sample
from deeprenorm.ising.lattice import energy_magnetization, staggered, staggered_sign
from deeprenorm.ml import (
    TEST,
    TRAIN,
    VALIDATION,
    CheckpointError,
    TrainingError,
    TrainingSettings,
    build_model,
    conv_size_ok,
    encode_dataset,
    file_sha256,
    fit,
    initial_weights,
    load_checkpoint,
    make_split,
    model_from_architecture,
    part_sizes,
    read_split,
    save_checkpoint,
    train_autoencoder,
    write_encoding,
    write_split,
)
from deeprenorm.ml import train as train_module

L = 8
TEMPERATURES = np.linspace(1.8, 3.2, 6)
N_SAMPLES = 60
FRACTIONS = (0.6, 0.2, 0.2)
SEED = 1
# one small model of each kind, by (kind, latent, block)
KINDS = [("alexandrou", 2, None), ("wide", 3, None), ("conv", None, 2)]
FAST = dict(max_epochs=4, batch_size=32, learning_rate=3e-3, early_stopping_patience=10, device="cpu")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def dataset_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ml")
    paths = []
    for temperature in TEMPERATURES:
        path = folder / f"T{temperature:.4f}.nc"
        write_simulation(sample(L, temperature, N_SAMPLES, "wolff", seed=SEED), path)
        paths.append(path)
    write_dataset(paths, folder / f"L{L}.nc")
    return folder / f"L{L}.nc"


@pytest.fixture(scope="module")
def reader(dataset_path):
    with SpinReader(dataset_path) as reader:
        yield reader


@pytest.fixture(scope="module")
def labels():
    return make_split(len(TEMPERATURES), N_SAMPLES, FRACTIONS, SEED, L)


def spins(n, length=L, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).choice([-1.0, 1.0], size=(n, length, length)).astype(np.float32))


def model_of(kind, latent, block, dropout=0.0):
    return build_model(kind, L, latent, dropout=dropout, block=block)


# ----------------------------------------------------------------------------- models


@pytest.mark.parametrize(("kind", "latent", "block"), KINDS)
def test_shapes_and_tanh_ranges(kind, latent, block):
    model = model_of(kind, latent, block)
    x = spins(5)
    x_hat, z = model(x)
    assert x_hat.shape == (5, L, L) and x_hat.dtype == torch.float32
    assert z.shape == ((5, L // block, L // block) if kind == "conv" else (5, latent))
    assert torch.equal(model.encode(x), z) and torch.equal(model.decode(z), x_hat)
    assert x_hat.abs().max() <= 1 and z.abs().max() <= 1


def test_layer_widths():
    assert build_model("alexandrou", 8, 2).architecture["widths"] == [64, 625, 256, 64, 2]
    assert build_model("wide", 8, 3).architecture["widths"] == [64, 32, 16, 8, 4, 3]
    assert build_model("wide", 8, 1).architecture["widths"] == [64, 32, 16, 8, 4, 2, 1]
    conv = build_model("conv", 12, block=3)
    assert conv.architecture["latent"] == 16 and conv.architecture["block"] == 3
    hidden = [type(m) for m in build_model("wide", 8, 3).modules() if isinstance(m, (nn.ReLU, nn.Tanh))]
    assert set(hidden) == {nn.Tanh}


@pytest.mark.parametrize(("kind", "latent", "block"), KINDS)
def test_every_parameter_gets_a_gradient(kind, latent, block):
    model = model_of(kind, latent, block, dropout=0.1)
    x = spins(16)
    x_hat, _ = model(x)
    nn.functional.mse_loss(x_hat, x).backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_dropout_follows_hidden_activations_only():
    assert not any(isinstance(m, nn.Dropout) for m in build_model("alexandrou", 8, 2).modules())
    model = build_model("alexandrou", 8, 2, dropout=0.25)
    for part in (model.encoder, model.decoder):
        layers = list(part)
        dropouts = [i for i, m in enumerate(layers) if isinstance(m, nn.Dropout)]
        assert len(dropouts) == 3 and all(isinstance(layers[i - 1], nn.ReLU) for i in dropouts)


def test_conv_size_rule():
    assert conv_size_ok(12, 3) and conv_size_ok(8, 2) and conv_size_ok(32, 2)
    assert build_model("conv", 12, block=3).encode(spins(2, 12)).shape == (2, 4, 4)
    for length, block, side in ((6, 3, "2"), (10, 2, "5"), (9, 2, "4.5")):
        assert not conv_size_ok(length, block)
        with pytest.raises(ValueError, match=f"L = {length}, block = {block} gives L/block = {side}"):
            build_model("conv", length, block=block)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(kind="dense", L=8, latent=2), "kind must be one of"),
        (dict(kind="wide", L=3, latent=2), "L must be an integer >= 4"),
        (dict(kind="wide", L=8.0, latent=2), "L must be an integer"),
        (dict(kind="wide", L=8, latent=0), "latent must be an integer >= 1"),
        (dict(kind="wide", L=8, latent=64), r"latent must be in 1\.\.63"),
        (dict(kind="wide", L=8, latent=2, dropout=1.0), r"dropout must be a number in \[0, 1\)"),
        (dict(kind="wide", L=8, latent=2, dropout=-0.1), "dropout"),
        (dict(kind="conv", L=8, block=4), r"block must be one of \(2, 3\)"),
        (dict(kind="conv", L=8, block=None), "block must be one of"),
        (dict(kind="conv", L=8, latent=5, block=2), r"implied, \(L/block\)\^2 = 16"),
    ],
)
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        build_model(**arguments)


@pytest.mark.parametrize(("kind", "latent", "block"), KINDS)
def test_architecture_rebuilds_the_model(kind, latent, block):
    model = model_of(kind, latent, block, dropout=0.1)
    again = model_from_architecture(model.architecture)
    assert again.architecture == model.architecture
    assert [p.shape for p in again.parameters()] == [p.shape for p in model.parameters()]
    changed = model.architecture
    changed["widths"] = [*changed["widths"][:-1], 99]
    with pytest.raises(ValueError, match="this code builds"):
        model_from_architecture(changed)


# ----------------------------------------------------------------------------- checkpoints


METADATA = {"dataset_sha256": "ab" * 32, "losses": (np.float64(0.5), 0.25), "settings": {"seed": np.int64(3), "note": None}}


@pytest.mark.parametrize(("kind", "latent", "block"), KINDS)
def test_checkpoint_round_trip(kind, latent, block, tmp_path):
    model = model_of(kind, latent, block).eval()
    path = tmp_path / "model.pt"
    save_checkpoint(path, model, METADATA)
    raw = torch.load(path, weights_only=True, map_location="cpu")  # plain types only
    assert set(raw) == {"state_dict", "architecture", "metadata"}
    loaded, metadata = load_checkpoint(path, expected={"kind": kind, "L": L, "dataset_sha256": "ab" * 32})
    assert metadata == {"dataset_sha256": "ab" * 32, "losses": [0.5, 0.25], "settings": {"seed": 3, "note": None}}
    assert not loaded.training
    x = spins(7)
    with torch.no_grad():
        for ours, theirs in zip(model(x), loaded(x)):
            assert torch.equal(ours, theirs)


@pytest.mark.parametrize(
    ("key", "value", "found"),
    [("kind", "wide", "'alexandrou'"), ("L", 16, "8"), ("latent", 3, "2"), ("dataset_sha256", "cd" * 32, "'abab"), ("split_sha256", "00", "no split_sha256")],
)
def test_checkpoint_rejects_another_model(key, value, found, tmp_path):
    path = tmp_path / "model.pt"
    save_checkpoint(path, build_model("alexandrou", L, 2), METADATA)
    with pytest.raises(CheckpointError, match=f"{key} differs: expected {value!r}, found {found}") as error:
        load_checkpoint(path, expected={key: value})
    assert f"delete {path}" in str(error.value) and "retrains" in str(error.value)


class Opaque:
    pass


def test_checkpoint_rejects_corrupt_files(tmp_path):
    path = tmp_path / "model.pt"
    save_checkpoint(path, build_model("wide", L, 2), METADATA)
    data = path.read_bytes()
    damaged = {
        "truncated.pt": data[: len(data) // 2],
        "garbage.pt": bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)),
        "empty.pt": b"",
    }
    for name, content in damaged.items():
        (tmp_path / name).write_bytes(content)
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    torch.save({"state_dict": {}, "architecture": {}, "metadata": Opaque()}, tmp_path / "unsafe.pt")
    for name, message in [
        ("truncated.pt", "not a readable checkpoint"),
        ("garbage.pt", "not a readable checkpoint"),
        ("empty.pt", "not a readable checkpoint"),
        ("unsafe.pt", "not a readable checkpoint"),  # weights_only refuses the arbitrary object
        ("other.pt", "not a deeprenorm checkpoint"),
    ]:
        with pytest.raises(CheckpointError, match=message) as error:
            load_checkpoint(tmp_path / name)
        assert f"delete {tmp_path / name}" in str(error.value), name
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")


def test_checkpoint_with_weights_of_another_shape_is_rejected(tmp_path):
    path = tmp_path / "model.pt"
    save_checkpoint(path, build_model("wide", L, 2), {})
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["architecture"].update(latent=1, widths=[64, 32, 16, 8, 4, 2, 1])  # valid, but not these weights
    torch.save(checkpoint, path)
    with pytest.raises(CheckpointError, match="weights and architecture do not fit"):
        load_checkpoint(path)


def test_save_refuses_objects_that_weights_only_cannot_load(tmp_path):
    with pytest.raises(ValueError, match=r"metadata\['when'\] is a Timestamp"):
        save_checkpoint(tmp_path / "model.pt", build_model("wide", L, 2), {"when": pd.Timestamp(0)})
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- split


def test_split_counts_cover_and_reproduce(labels):
    assert labels.dtype == np.int8 and labels.shape == (len(TEMPERATURES), N_SAMPLES)
    assert set(np.unique(labels)) == {TRAIN, VALIDATION, TEST}  # one code per sample: disjoint, covering
    for row in labels:
        assert [(row == code).sum() for code in (TRAIN, VALIDATION, TEST)] == [36, 12, 12]
    assert len({row.tobytes() for row in labels}) == len(labels)  # drawn anew per temperature
    np.testing.assert_array_equal(make_split(len(TEMPERATURES), N_SAMPLES, FRACTIONS, SEED, L), labels)
    assert not np.array_equal(make_split(len(TEMPERATURES), N_SAMPLES, FRACTIONS, SEED, 16), labels)
    assert not np.array_equal(make_split(len(TEMPERATURES), N_SAMPLES, FRACTIONS, SEED + 1, L), labels)


def test_split_sizes_floor_and_refuse_empty_parts():
    assert part_sizes(10, (0.7, 0.15, 0.15)) == (7, 1, 2)  # 0.7 * 10 is 7.000000000000001
    assert part_sizes(30, (0.8, 0.1, 0.1)) == (24, 3, 3)  # 0.1 * 30 is 3.0000000000000004
    with pytest.raises(ValueError, match="every part needs >= 1 sample"):
        make_split(3, 5, (0.8, 0.1, 0.1), SEED, L)
    for fractions in ((0.8, 0.2), (0.8, 0.1, 0.2), (1.0, 0.0, 0.0)):
        with pytest.raises(ValueError, match="fractions must be three numbers"):
            make_split(3, 50, fractions, SEED, L)


def test_split_file_round_trip_and_checks(labels, dataset_path, tmp_path):
    digest = file_sha256(dataset_path)
    assert digest == hashlib.sha256(dataset_path.read_bytes()).hexdigest()
    path = tmp_path / "split.nc"
    write_split(path, labels, TEMPERATURES, digest, FRACTIONS)
    split = read_split(path, dataset_sha256=digest)
    np.testing.assert_array_equal(split.labels, labels)
    np.testing.assert_allclose(split.temperatures, TEMPERATURES)
    assert split.fractions == FRACTIONS and split.dataset_sha256 == digest
    with pytest.raises(SchemaError, match=f"belongs to the dataset with SHA-256 {digest}"):
        read_split(path, dataset_sha256="0" * 64)
    (tmp_path / "bad.nc").write_bytes(path.read_bytes()[:200])
    with pytest.raises(SchemaError, match="not a readable NetCDF file.*delete"):
        read_split(tmp_path / "bad.nc")
    with pytest.raises(ValueError, match="temperature index 0 has no validation sample"):
        write_split(tmp_path / "x.nc", np.zeros_like(labels), TEMPERATURES, digest, FRACTIONS)


# ----------------------------------------------------------------------------- training


def test_training_lowers_the_validation_loss(reader, labels, caplog):
    model = build_model("wide", L, 2)
    with caplog.at_level(logging.INFO, logger="deeprenorm.ml.train"):
        result = train_autoencoder(model, reader, labels, TrainingSettings(**FAST), SEED, name="wide-2")
    epochs = [record.getMessage() for record in caplog.records if "samples/s" in record.getMessage()]
    assert len(epochs) == 4 and all(part in epochs[1] for part in ("wide-2 epoch 2:", "train loss", "validation loss", "lr ", "samples/s"))
    history = result.history
    assert list(history.columns) == ["epoch", "train_loss", "validation_loss", "learning_rate", "samples_per_second", "seconds"]
    assert history["epoch"].tolist() == [1, 2, 3, 4] and result.epochs_run == 4
    assert history["validation_loss"].iloc[-1] < history["validation_loss"].iloc[0]
    assert result.validation_loss == pytest.approx(history["validation_loss"].min())
    assert result.best_epoch == int(history["validation_loss"].idxmin()) + 1
    assert all(np.isfinite([result.train_loss, result.test_loss, result.samples_per_second])) and result.device == "cpu"
    for key, value in model.state_dict().items():  # the model holds the best weights
        assert torch.equal(value, result.state_dict[key])


def test_training_is_bitwise_reproducible(reader, labels):
    settings = TrainingSettings(**{**FAST, "max_epochs": 2}, regularisation="dropout")
    deterministic, filled = torch.are_deterministic_algorithms_enabled(), torch.utils.deterministic.fill_uninitialized_memory

    def weights(seed, replica=0):
        model = build_model("alexandrou", L, 2, dropout=0.2)  # its initial weights do not matter
        rng_state = torch.get_rng_state()
        result = train_autoencoder(model, reader, labels, settings, seed, replica=replica)
        assert torch.equal(torch.get_rng_state(), rng_state)  # the caller's stream is untouched
        return result.state_dict

    first, again, other, replica = weights(SEED), weights(SEED), weights(SEED + 1), weights(SEED, replica=1)
    assert all(torch.equal(first[key], again[key]) for key in first)
    assert not any(torch.equal(first[key], other[key]) for key in first if key.endswith("weight"))
    assert not torch.equal(first["encoder.1.weight"], replica["encoder.1.weight"])
    assert torch.are_deterministic_algorithms_enabled() == deterministic  # restored
    assert torch.utils.deterministic.fill_uninitialized_memory == filled


def test_initial_weights_are_where_training_starts(reader, labels):
    # with a learning rate of 1e-12 one epoch of Adam moves no weight by more than ~1e-11: the
    # trained weights are then the initial ones, which initial_weights must reproduce
    settings = TrainingSettings(**{**FAST, "max_epochs": 1, "learning_rate": 1e-12, "min_learning_rate": 0.0})
    trained = train_autoencoder(build_model("alexandrou", L, 2), reader, labels, settings, SEED, replica=3).state_dict
    model = build_model("alexandrou", L, 2)
    rng_state = torch.get_rng_state()
    start = initial_weights(model, SEED, 3)
    assert torch.equal(torch.get_rng_state(), rng_state) and not start.training
    for key, value in start.state_dict().items():
        assert torch.allclose(value, trained[key], atol=1e-8, rtol=0)
    other = initial_weights(build_model("alexandrou", L, 2), SEED, 4).state_dict()
    assert not torch.equal(other["encoder.1.weight"], start.state_dict()["encoder.1.weight"])


def test_training_on_some_temperatures_reads_only_those(reader, labels, monkeypatch):
    used = np.zeros(len(TEMPERATURES), dtype=bool)
    used[[0, -1]] = True
    read = []
    original = SpinReader.read
    monkeypatch.setattr(SpinReader, "read", lambda self, t: read.append(int(t)) or original(self, t))
    settings = TrainingSettings(**{**FAST, "max_epochs": 1})
    result = train_autoencoder(build_model("wide", L, 2), reader, labels, settings, SEED, temperatures=used)
    training_reads = read[: len(read) - len(TEMPERATURES) - 2]  # the final losses read the used train samples and every test one
    assert set(training_reads) == {0, len(TEMPERATURES) - 1}
    n_train = int(((labels == TRAIN) & used[:, None]).sum())
    assert result.samples_per_second > 0 and np.isfinite(result.test_loss)
    assert result.history["epoch"].tolist() == [1] and n_train < (labels == TRAIN).sum()
    with pytest.raises(ValueError, match="boolean mask"):
        train_autoencoder(build_model("wide", L, 2), reader, labels, settings, SEED, temperatures=np.zeros(len(TEMPERATURES), bool))


def test_conv_and_l1_training(reader, labels):
    settings = TrainingSettings(**{**FAST, "max_epochs": 2}, regularisation="l1", l1_strength=0.01)
    result = train_autoencoder(build_model("conv", L, block=2), reader, labels, settings, SEED)
    assert result.epochs_run == 2 and np.isfinite(result.test_loss)


def test_a_nan_loss_stops_training_and_saves_nothing(reader, labels, monkeypatch, tmp_path):
    epochs = []

    def poisoned(model, *arguments):
        epochs.append(len(epochs) + 1)
        if len(epochs) == 2:
            with torch.no_grad():
                next(model.parameters()).fill_(float("nan"))
        return train_epoch(model, *arguments)

    train_epoch = train_module._train_epoch
    monkeypatch.setattr(train_module, "_train_epoch", poisoned)
    path = tmp_path / "model.pt"
    with pytest.raises(TrainingError, match="model wide-poisoned: the train loss became nan in epoch 2"):
        fit(build_model("wide", L, 2), reader, labels, TrainingSettings(**FAST), SEED, path, name="wide-poisoned")
    assert list(tmp_path.iterdir()) == []


def test_fit_saves_a_checkpoint_that_loads(reader, labels, dataset_path, tmp_path):
    path = tmp_path / "model.pt"
    settings = TrainingSettings(**{**FAST, "max_epochs": 1})
    result = fit(build_model("wide", L, 2), reader, labels, settings, SEED, path, metadata={"split_sha256": "00"})
    model, metadata = load_checkpoint(path, expected={"kind": "wide", "latent": 2, "dataset_sha256": file_sha256(dataset_path)})
    assert metadata["split_sha256"] == "00" and metadata["best_epoch"] == result.best_epoch
    assert metadata["settings"]["batch_size"] == 32 and metadata["history"]["epoch"] == [1]
    assert all(torch.equal(value, result.state_dict[key]) for key, value in model.state_dict().items())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_epochs", 0, "max_epochs must be an integer >= 1"),
        ("batch_size", 2.5, "batch_size must be an integer"),
        ("learning_rate", 0.0, "learning_rate must be > 0"),
        ("learning_rate", float("nan"), "learning_rate must be a finite number"),
        ("min_learning_rate", 1.0, "min_learning_rate must be in"),
        ("scheduler_factor", 1.0, r"scheduler_factor must be in \(0, 1\)"),
        ("weight_decay", -1.0, "weight_decay must be >= 0"),
        ("regularisation", "l2", "regularisation must be one of"),
        ("l1_strength", 0.1, "l1_strength must be 0 unless"),
        ("device", "tpu", "device must be one of"),
    ],
)
def test_bad_settings_are_named(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainingSettings(**{field: value})


def test_regularisation_must_match_the_model(reader, labels):
    with pytest.raises(ValueError, match="regularisation 'dropout' needs a model with dropout > 0"):
        train_autoencoder(build_model("wide", L, 2), reader, labels, TrainingSettings(regularisation="dropout"), SEED)
    with pytest.raises(ValueError, match="regularisation 'none' needs a model with dropout = 0"):
        train_autoencoder(build_model("wide", L, 2, dropout=0.1), reader, labels, TrainingSettings(), SEED)
    with pytest.raises(ValueError, match="is for L = 16"):
        train_autoencoder(build_model("wide", 16, 2), reader, labels, TrainingSettings(), SEED)


# ----------------------------------------------------------------------------- antiferromagnet


def test_staggered_map_sends_the_ferromagnet_to_the_antiferromagnet(reader):
    """Exact on the even-L torus: every bond joins the sublattices, so E_AFM(s') = E_FM(s) with
    E_AFM = + sum s_i s_j, and the staggered magnetisation of s' is the magnetisation of s."""
    spins = reader.read(1)
    mapped = staggered(spins)
    sign = staggered_sign(L)
    for s, t in zip(spins, mapped):
        energy, magnetization = energy_magnetization(s)
        mapped_energy, _ = energy_magnetization(t)
        assert mapped_energy == -energy  # the ferromagnetic energy function of s' is -E(s): J -> -J
        assert int(np.sum(sign * t)) == magnetization
    np.testing.assert_array_equal(staggered(mapped), spins)
    with pytest.raises(ValueError, match="even L"):
        staggered_sign(5)


def test_staggered_reader_feeds_the_antiferromagnet_and_encodes_its_order_parameter(reader, dataset_path, labels, tmp_path):
    model = model_of("alexandrou", 1, None)
    ferro = encode_dataset(model, reader, labels)
    plain_spins = reader.read(3), reader.read(0)[[4, 7]]
    # a copy: the module's reader holds the file open, and HDF5 shares one handle between opens
    copy = tmp_path / dataset_path.name
    shutil.copy(dataset_path, copy)
    with SpinReader(copy, staggered=True) as mapped:
        np.testing.assert_array_equal(mapped.read(3), staggered(plain_spins[0]))
        batch, _, _ = next(mapped.batches([0, 0], [4, 7], batch_size=2))
        np.testing.assert_array_equal(batch, staggered(plain_spins[1]))
        encoded = encode_dataset(model, mapped, labels)
    assert encoded.attrs["system"] == "antiferromagnet" and ferro.attrs["system"] == "ferromagnet"
    assert encoded["magnetization"].attrs["long_name"] == "staggered magnetisation per spin"
    np.testing.assert_array_equal(encoded["magnetization"].values, ferro["magnetization"].values)
    assert not np.array_equal(encoded["latent"].values, ferro["latent"].values)


# ----------------------------------------------------------------------------- encoding


@pytest.mark.parametrize(("kind", "latent", "block"), KINDS)
def test_encode_dataset(kind, latent, block, reader, labels, tmp_path):
    model = model_of(kind, latent, block)
    encoded = encode_dataset(model, reader, labels, batch_size=25, attrs={"checkpoint": "model.pt"})
    n_t, n_s = len(TEMPERATURES), N_SAMPLES
    units = 1 if kind == "conv" else latent
    assert encoded["latent"].dims == ("temperature", "sample", "unit") and encoded["latent"].shape == (n_t, n_s, units)
    assert encoded["latent"].dtype == np.float32 and encoded["reconstruction_error"].dtype == np.float32
    np.testing.assert_array_equal(encoded["split"].values, labels)
    assert encoded["split"].dtype == np.int8
    np.testing.assert_allclose(encoded["temperature"].values, TEMPERATURES)
    assert encoded.attrs["kind"] == kind and encoded.attrs["L"] == L and encoded.attrs["checkpoint"] == "model.pt"
    x = torch.from_numpy(reader.read(2)[:3]).float()
    with torch.no_grad():
        x_hat, z = model(x)
    if kind == "conv":
        assert encoded["code"].shape == (n_t, n_s, 4, 4) and encoded["code"].dtype == np.float32
        np.testing.assert_allclose(encoded["code"].values[2, :3], z.numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(encoded["latent"].values[..., 0], encoded["code"].values.mean(axis=(2, 3)), rtol=1e-5, atol=1e-6)
    else:
        assert "code" not in encoded
        np.testing.assert_allclose(encoded["latent"].values[2, :3], z.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(encoded["reconstruction_error"].values[2, :3], ((x_hat - x) ** 2).mean(dim=(1, 2)).numpy(), rtol=1e-5)
    path = tmp_path / "codes.nc"
    write_encoding(encoded, path)
    with xr.open_dataset(path) as again:
        xr.testing.assert_identical(again.drop_attrs(), encoded.drop_attrs())
        np.testing.assert_array_equal(again["magnetization"].values[:, 0], [reader.read(t)[0].mean() for t in range(n_t)])
