"""Checkpoints (deeprenorm.ml.checkpoint) of tiny L = 8 models: the round trip, and the checkpoints
that must not load (another model, a damaged file, weights of another shape) or be saved."""

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import ML_KINDS, ML_L, model_of, torch_spins

from deeprenorm.ml import CheckpointError, ModelSpec, build_model, load_checkpoint, save_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")

WIDE = ModelSpec("wide", latent=2)
ALEXANDROU = ModelSpec("alexandrou", latent=2)


METADATA = {
    "dataset_sha256": "ab" * 32,
    "losses": (np.float64(0.5), 0.25),
    "settings": {"seed": np.int64(3), "note": None},
}


@pytest.mark.parametrize(("kind", "latent", "block"), ML_KINDS)
def test_checkpoint_round_trip(kind, latent, block, tmp_path):
    model = model_of(kind, latent, block).eval()
    path = tmp_path / "model.pt"
    save_checkpoint(path, model, METADATA)
    raw = torch.load(path, weights_only=True, map_location="cpu")  # plain types only
    assert set(raw) == {"state_dict", "architecture", "metadata"}
    loaded, metadata = load_checkpoint(path, expected={"kind": kind, "L": ML_L, "dataset_sha256": "ab" * 32})
    assert metadata == {"dataset_sha256": "ab" * 32, "losses": [0.5, 0.25], "settings": {"seed": 3, "note": None}}
    assert not loaded.training
    x = torch_spins(7)
    with torch.no_grad():
        for ours, theirs in zip(model(x), loaded(x)):
            assert torch.equal(ours, theirs)


@pytest.mark.parametrize(
    ("key", "value", "found"),
    [
        ("kind", "wide", "'alexandrou'"),
        ("L", 16, "8"),
        ("latent", 3, "2"),
        ("dataset_sha256", "cd" * 32, "'abab"),
        ("split_sha256", "00", "no split_sha256"),
    ],
)
def test_checkpoint_rejects_another_model(key, value, found, tmp_path):
    path = tmp_path / "model.pt"
    save_checkpoint(path, build_model(ALEXANDROU, ML_L), METADATA)
    with pytest.raises(CheckpointError, match=f"{key} differs: expected {value!r}, found {found}") as error:
        load_checkpoint(path, expected={key: value})
    assert f"delete {path}" in str(error.value) and "retrains" in str(error.value)


class Opaque:
    pass


def test_checkpoint_rejects_corrupt_files(tmp_path):
    path = tmp_path / "model.pt"
    save_checkpoint(path, build_model(WIDE, ML_L), METADATA)
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
    save_checkpoint(path, build_model(WIDE, ML_L), {})
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["architecture"].update(latent=1, widths=[64, 32, 16, 8, 4, 2, 1])  # valid, but not these weights
    torch.save(checkpoint, path)
    with pytest.raises(CheckpointError, match="weights and architecture do not fit"):
        load_checkpoint(path)


def test_save_refuses_objects_that_weights_only_cannot_load(tmp_path):
    with pytest.raises(ValueError, match=r"metadata\['when'\] is a Timestamp"):
        save_checkpoint(tmp_path / "model.pt", build_model(WIDE, ML_L), {"when": pd.Timestamp(0)})
    assert not list(tmp_path.iterdir())
