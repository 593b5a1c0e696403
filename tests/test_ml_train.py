"""Training (deeprenorm.ml.train) of tiny models on L = 8 data: the validation loss falls, training
is bitwise reproducible, fit saves a checkpoint that loads, and bad settings and NaN losses are named."""

import logging

import numpy as np
import pytest
import torch
import torch.utils.deterministic
from helpers import ML_L, ML_SEED, ML_TEMPERATURES, model_of

from deeprenorm.data import SpinReader
from deeprenorm.ml import (
    TRAIN,
    ModelSpec,
    TrainingError,
    TrainingSettings,
    build_model,
    file_sha256,
    fit,
    initial_weights,
    load_checkpoint,
    measured_networks,
    save_checkpoint,
    train_autoencoder,
    untrained_control,
)
from deeprenorm.ml import train as train_module

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FAST = dict(max_epochs=4, batch_size=32, learning_rate=3e-3, early_stopping_patience=10, device="cpu")
WIDE = ModelSpec("wide", latent=2)
ALEXANDROU = ModelSpec("alexandrou", latent=2)


def test_training_lowers_the_validation_loss(ml_reader, ml_labels, caplog):
    model = build_model(WIDE, ML_L)
    with caplog.at_level(logging.INFO, logger="deeprenorm.ml.train"):
        result = train_autoencoder(model, ml_reader, ml_labels, TrainingSettings(**FAST), ML_SEED, name="wide-2")
    epochs = [record.getMessage() for record in caplog.records if "samples/s" in record.getMessage()]
    assert len(epochs) == 4 and all(
        part in epochs[1] for part in ("wide-2 epoch 2:", "train loss", "validation loss", "lr ", "samples/s")
    )
    history = result.history
    assert list(history.columns) == [
        "epoch",
        "train_loss",
        "validation_loss",
        "learning_rate",
        "samples_per_second",
        "seconds",
    ]
    assert history["epoch"].tolist() == [1, 2, 3, 4] and result.epochs_run == 4
    assert history["validation_loss"].iloc[-1] < history["validation_loss"].iloc[0]
    assert result.validation_loss == pytest.approx(history["validation_loss"].min())
    assert result.best_epoch == int(history["validation_loss"].idxmin()) + 1
    assert all(np.isfinite([result.train_loss, result.test_loss, result.samples_per_second])) and result.device == "cpu"
    for key, value in model.state_dict().items():  # the model holds the best weights
        assert torch.equal(value, result.state_dict[key])


def test_training_is_bitwise_reproducible(ml_reader, ml_labels):
    settings = TrainingSettings(**{**FAST, "max_epochs": 2}, regularisation="dropout")
    deterministic, filled = (
        torch.are_deterministic_algorithms_enabled(),
        torch.utils.deterministic.fill_uninitialized_memory,
    )

    def weights(seed, replica=0):
        model = model_of("alexandrou", 2, None, dropout=0.2)  # its initial weights do not matter
        rng_state = torch.get_rng_state()
        result = train_autoencoder(model, ml_reader, ml_labels, settings, seed, replica=replica)
        assert torch.equal(torch.get_rng_state(), rng_state)  # the caller's stream is untouched
        return result.state_dict

    first, again, other, replica = weights(ML_SEED), weights(ML_SEED), weights(ML_SEED + 1), weights(ML_SEED, replica=1)
    assert all(torch.equal(first[key], again[key]) for key in first)
    assert not any(torch.equal(first[key], other[key]) for key in first if key.endswith("weight"))
    assert not torch.equal(first["encoder.1.weight"], replica["encoder.1.weight"])
    assert torch.are_deterministic_algorithms_enabled() == deterministic  # restored
    assert torch.utils.deterministic.fill_uninitialized_memory == filled


def test_initial_weights_are_where_training_starts(ml_reader, ml_labels):
    # with a learning rate of 1e-12 one epoch of Adam moves no weight by more than ~1e-11: the
    # trained weights are then the initial ones, which initial_weights must reproduce
    settings = TrainingSettings(**{**FAST, "max_epochs": 1, "learning_rate": 1e-12, "min_learning_rate": 0.0})
    trained = train_autoencoder(
        build_model(ALEXANDROU, ML_L), ml_reader, ml_labels, settings, ML_SEED, replica=3
    ).state_dict
    model = build_model(ALEXANDROU, ML_L)
    rng_state = torch.get_rng_state()
    start = initial_weights(model, ML_SEED, 3)
    assert torch.equal(torch.get_rng_state(), rng_state) and not start.training
    for key, value in start.state_dict().items():
        assert torch.allclose(value, trained[key], atol=1e-8, rtol=0)
    other = initial_weights(build_model(ALEXANDROU, ML_L), ML_SEED, 4).state_dict()
    assert not torch.equal(other["encoder.1.weight"], start.state_dict()["encoder.1.weight"])
    # the control of a trained network: a new network of its spec, at those same initial weights
    control = untrained_control(start, ML_SEED, 3)
    assert control is not start and control.spec == start.spec and control.L == start.L
    for key, value in control.state_dict().items():
        assert torch.equal(value, start.state_dict()[key])


def test_measured_networks_hold_each_seed_beside_its_initial_weights_and_the_controls(tmp_path):
    paths = {}
    for name, seed in (("seed0", 0), ("seed1", 1), ("noise", 0)):
        network = initial_weights(build_model(ALEXANDROU, ML_L), ML_SEED + 10 + seed, 0)
        paths[name] = tmp_path / f"{name}.pt"
        save_checkpoint(
            paths[name], network, {"model_name": "m", "dataset_sha256": "noise" if name == "noise" else "ising"}
        )
    networks = measured_networks(
        [paths["seed0"], paths["seed1"]],
        [0, 1],
        [paths["noise"]],
        ["noise-trained"],
        0,
        ML_SEED,
        {"model_name": "m", "dataset_sha256": "ising"},
    )
    assert list(networks) == [("trained", 0), ("untrained", 0), ("trained", 1), ("untrained", 1), ("noise-trained", 0)]
    # each seed's control starts where that seed's training started; the control data's
    # network is checked for its architecture only (it was trained on another dataset)
    expected = untrained_control(networks[("trained", 1)], ML_SEED, 1).state_dict()
    for key, value in networks[("untrained", 1)].state_dict().items():
        assert torch.equal(value, expected[key])
    with pytest.raises(ValueError, match="one checkpoint per training seed"):
        measured_networks([paths["seed0"]], [0, 1], [], [], 0, ML_SEED, {})


def test_training_on_some_temperatures_reads_only_those(ml_reader, ml_labels, monkeypatch):
    used = np.zeros(len(ML_TEMPERATURES), dtype=bool)
    used[[0, -1]] = True
    read = []
    original = SpinReader.read
    monkeypatch.setattr(SpinReader, "read", lambda self, t: read.append(int(t)) or original(self, t))
    settings = TrainingSettings(**{**FAST, "max_epochs": 1})
    result = train_autoencoder(build_model(WIDE, ML_L), ml_reader, ml_labels, settings, ML_SEED, temperatures=used)
    training_reads = read[
        : len(read) - len(ML_TEMPERATURES) - 2
    ]  # the final losses read the used train samples and every test one
    assert set(training_reads) == {0, len(ML_TEMPERATURES) - 1}
    n_train = int(((ml_labels == TRAIN) & used[:, None]).sum())
    assert result.samples_per_second > 0 and np.isfinite(result.test_loss)
    assert result.history["epoch"].tolist() == [1] and n_train < (ml_labels == TRAIN).sum()
    with pytest.raises(ValueError, match="boolean mask"):
        train_autoencoder(
            build_model(WIDE, ML_L),
            ml_reader,
            ml_labels,
            settings,
            ML_SEED,
            temperatures=np.zeros(len(ML_TEMPERATURES), bool),
        )


def test_conv_and_l1_training(ml_reader, ml_labels):
    settings = TrainingSettings(**{**FAST, "max_epochs": 2}, regularisation="l1", l1_strength=0.01)
    result = train_autoencoder(
        build_model(ModelSpec("conv", block=2, regularisation="l1"), ML_L), ml_reader, ml_labels, settings, ML_SEED
    )
    assert result.epochs_run == 2 and np.isfinite(result.test_loss)


def test_a_nan_loss_stops_training_and_saves_nothing(ml_reader, ml_labels, monkeypatch, tmp_path):
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
        fit(
            build_model(WIDE, ML_L), ml_reader, ml_labels, TrainingSettings(**FAST), ML_SEED, path, name="wide-poisoned"
        )
    assert list(tmp_path.iterdir()) == []


def test_fit_saves_a_checkpoint_that_loads(ml_reader, ml_labels, ml_dataset, tmp_path):
    path = tmp_path / "model.pt"
    settings = TrainingSettings(**{**FAST, "max_epochs": 1}, regularisation="l1", l1_strength=0.01)
    spec = ModelSpec("wide", latent=2, regularisation="l1", system="antiferromagnet")
    result = fit(
        build_model(spec, ML_L), ml_reader, ml_labels, settings, ML_SEED, path, metadata={"split_sha256": "00"}
    )
    model, metadata = load_checkpoint(
        path, expected={"kind": "wide", "latent": 2, "dataset_sha256": file_sha256(ml_dataset)}
    )
    # what the architecture cannot show (the L1 penalty, the staggered data) comes back from the metadata
    assert model.spec == spec and model.L == ML_L and metadata["system"] == "antiferromagnet"
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


def test_regularisation_must_match_the_model(ml_reader, ml_labels):
    with pytest.raises(ValueError, match="regularisation 'dropout' is not model model's, 'none'"):
        train_autoencoder(
            build_model(WIDE, ML_L), ml_reader, ml_labels, TrainingSettings(regularisation="dropout"), ML_SEED
        )
    with pytest.raises(ValueError, match="regularisation 'none' is not model model's, 'dropout'"):
        train_autoencoder(model_of("wide", 2, None, dropout=0.1), ml_reader, ml_labels, TrainingSettings(), ML_SEED)
    with pytest.raises(ValueError, match="is for L = 16"):
        train_autoencoder(build_model(WIDE, 16), ml_reader, ml_labels, TrainingSettings(), ML_SEED)


def test_the_device_resolver_refuses_cuda_without_a_device_as_bad_input(monkeypatch):
    from deeprenorm.config import ConfigError
    from deeprenorm.pipeline import user_errors

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match="device 'cuda' requested but torch finds no CUDA device") as refused:
        train_module.resolve_device("cuda")
    # bad input: a job logs it in one line, without a traceback
    assert isinstance(refused.value, user_errors()) and "autoencoder.device" in str(refused.value)
    assert train_module.resolve_device("auto") == torch.device("cpu")
    assert train_module.resolve_device("cpu") == torch.device("cpu")


def test_auto_takes_cuda_where_torch_finds_it(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert train_module.resolve_device("auto") == torch.device("cuda")
    assert train_module.resolve_device("cuda") == torch.device("cuda")
    assert train_module.resolve_device("cpu") == torch.device("cpu")
