"""The probes stage (deeprenorm.probes.study) on tiny models and data: every map, its locality,
the block-spin references and the deep belief network."""

import numpy as np
import pytest

from deeprenorm.data import SpinReader
from deeprenorm.ml import ModelSpec, build_model, make_split
from deeprenorm.probes.locality import best_window_fraction
from deeprenorm.probes.study import LOCALITY_COLUMNS, MAX_UNITS, dbn_study, locality_rows, probe_maps, reference_maps

L = 8
TEMPERATURES = [2.0, 2.27, 2.6]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def reader(small_dataset):
    with SpinReader(small_dataset(L, TEMPERATURES, 40, seed=2).path) as reader:
        yield reader


def test_references_are_the_exact_block_and_one_site():
    maps = reference_maps(8, 2)
    assert best_window_fraction(maps["majority"][0], 2)[0] == 1.0 and maps["majority"].sum() == 4
    table = locality_rows(maps, L=8, b=2, model="exact", weights="exact")
    assert list(table.columns) == LOCALITY_COLUMNS
    spreads = dict(zip(table["probe"], table["spread"]))
    assert spreads["majority"] == pytest.approx(np.sqrt(0.5)) and spreads["decimation"] == 0.0


@pytest.mark.parametrize("kind, latent, block", [("wide", 4, None), ("conv", None, 2)])
def test_probe_maps_of_every_kind(reader, kind, latent, block):
    model = build_model(ModelSpec(kind, latent, block), L)
    labels = make_split(len(TEMPERATURES), 40, (0.6, 0.2, 0.2), 1, L)
    maps = probe_maps(model, reader, labels, 3, steps=10)
    units = 4 if kind == "wide" else min((L // 2) ** 2, MAX_UNITS)
    assert maps["activation_max"].shape == (units, L, L)
    assert np.all(np.abs(maps["activation_max"]) <= 1.0)
    assert sum(name.startswith("saliency_T") for name in maps) == 3
    if kind == "conv":
        assert maps["receptive_field"].shape == (1, L, L) and "first_layer" not in maps
    else:
        assert maps["receptive_field"].shape == (4, L, L) and maps["first_layer"].shape[1:] == (L, L)
    table = locality_rows(maps, L=L, b=2, model=kind, weights="untrained")
    assert set(table["probe"]) == set(maps) and table["window_fraction"].between(0, 1).all()
    # the same seed gives the same maps
    again = probe_maps(model, reader, labels, 3, steps=10)
    np.testing.assert_array_equal(again["activation_max"], maps["activation_max"])


def test_dead_maps_are_left_out():
    maps = {"field": np.stack([np.zeros((L, L)), np.eye(L)])}
    table = locality_rows(maps, L=L, b=2, model="m", weights="trained")
    assert table["unit"].tolist() == [1]
    assert locality_rows({"field": np.zeros((1, L, L))}, L=L, b=2, model="m", weights="trained").empty


def test_dbn_study_layers_and_locality(reader):
    spins = np.concatenate([reader.read(t) for t in range(reader.n_temperatures)])
    network, histories, locality, fields = dbn_study(
        spins, 2, 5, epochs=3, batch_size=20, learning_rate=0.1, momentum=0.5, l1=2e-4
    )
    assert network.widths == [64, 16, 4] and len(histories) == 2
    assert [f.shape for f in fields] == [(16, L, L), (4, L, L)]
    assert set(locality["probe"]) == {"layer1", "layer2"} and set(locality["b"]) == {2, 4}
    assert (locality["reconstruction_error"] >= 0).all()
