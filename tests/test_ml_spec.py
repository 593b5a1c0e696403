"""Model specs (deeprenorm.ml.spec): every bad spec named, the name and training settings a spec
derives, and the spec recovered from a model's architecture; no model is built."""

import pytest
from helpers import ML_KINDS, ML_L

from deeprenorm.ml import ModelSpec, TrainingSettings


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(kind="dense", latent=2), "kind must be one of"),
        (dict(kind="wide", latent=0), "latent must be an integer >= 1"),
        (dict(kind="wide", latent=2.0), "latent must be an integer"),
        (dict(kind="wide", latent=2, block=2), "block is for kind 'conv' only"),
        (dict(kind="wide", latent=2, regularisation="dropout", dropout=1.0), r"dropout must be a number in \[0, 1\)"),
        (dict(kind="wide", latent=2, regularisation="dropout", dropout=-0.1), "dropout"),
        (dict(kind="wide", latent=2, dropout=0.5), "dropout must be > 0 exactly with regularisation 'dropout'"),
        (
            dict(kind="wide", latent=2, regularisation="dropout"),
            "dropout must be > 0 exactly with regularisation 'dropout'",
        ),
        (dict(kind="wide", latent=2, regularisation="l2"), "regularisation must be one of"),
        (dict(kind="wide", latent=2, system="spin glass"), "system must be one of"),
        (dict(kind="conv", block=4), r"block must be one of \(2, 3\)"),
        (dict(kind="conv", block=None), "block must be one of"),
        (dict(kind="conv", latent=16, block=2), r"implied by the block, \(L/b\)\^2"),
    ],
)
def test_bad_specs_are_named(fields, message):
    with pytest.raises(ValueError, match=message):
        ModelSpec(**fields)


def test_the_spec_names_the_model_and_derives_its_settings():
    training = {"max_epochs": 3, "batch_size": 16, "dropout": 0.5, "l1_strength": 0.001}
    entries = [
        (
            {"kind": "alexandrou", "latent": 1, "regularisation": "none", "system": "ferromagnet"},
            "alexandrou-k1-none",
            0.0,
            0.0,
        ),
        (
            {"kind": "wide", "latent": 4, "regularisation": "dropout", "system": "ferromagnet"},
            "wide-k4-dropout",
            0.5,
            0.0,
        ),
        (
            {"kind": "wide", "latent": 2, "regularisation": "l1", "system": "ferromagnet", "seeds": [0]},
            "wide-k2-l1",
            0.0,
            0.001,
        ),
        (
            {"kind": "alexandrou", "latent": 1, "regularisation": "none", "system": "antiferromagnet"},
            "alexandrou-k1-none-afm",
            0.0,
            0.0,
        ),
        (
            {"kind": "conv", "block": 2, "regularisation": "none", "system": "ferromagnet", "lattice_sizes": [16]},
            "conv-b2-none",
            0.0,
            0.0,
        ),
    ]
    for entry, name, dropout, l1_strength in entries:
        spec = ModelSpec.from_config(entry, training["dropout"])
        assert spec.name == name and spec.dropout == dropout
        assert spec.is_convolutional == (entry["kind"] == "conv") and spec.staggered == name.endswith("-afm")
        settings = spec.training_settings(training, "cpu")
        # the rates of one regulariser are not settings of every model: changing them retrains only its models
        assert settings == {
            "max_epochs": 3,
            "batch_size": 16,
            "regularisation": entry["regularisation"],
            "l1_strength": l1_strength,
            "device": "cpu",
        }
        TrainingSettings(**settings)


@pytest.mark.parametrize(("kind", "latent", "block"), ML_KINDS)
def test_the_spec_is_recovered_from_the_architecture(kind, latent, block):
    spec = ModelSpec(kind, latent, block, regularisation="dropout", dropout=0.1)
    assert ModelSpec.from_architecture(spec.architecture(ML_L)) == spec
    l1 = ModelSpec(kind, latent, block, regularisation="l1", system="antiferromagnet")
    assert ModelSpec.from_architecture(l1.architecture(ML_L), regularisation="l1", system="antiferromagnet") == l1
    with pytest.raises(ValueError, match="architecture lacks widths"):
        ModelSpec.from_architecture({key: value for key, value in spec.architecture(ML_L).items() if key != "widths"})
