"""The probes stage (deeprenorm.probes.study) on tiny models and data: every map, its locality,
the block-spin references and the deep belief network."""

import numpy as np
import pandas as pd
import pytest
import torch

from deeprenorm.data import SpinReader
from deeprenorm.exact import exact_small_lattice_observables
from deeprenorm.ising.sampler import sample
from deeprenorm.ml import ModelSpec, build_model, make_split
from deeprenorm.probes.dbn import DeepBeliefNetwork, reconstruct_from_layer, spins_to_visible
from deeprenorm.probes.locality import best_window_fraction
from deeprenorm.probes.study import (
    DBN_LAYER_COLUMNS,
    DBN_LOCALITY_COLUMNS,
    LOCALITY_COLUMNS,
    MAX_UNITS,
    dbn_configurations,
    dbn_layer_table,
    dbn_study,
    held_out_split,
    locality_rows,
    measure_dbn,
    probe_maps,
    reference_maps,
    study_locality,
)
from deeprenorm.seeding import child
from deeprenorm.stats import thermodynamic_summary

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


DBN_TRAINING = dict(epochs=3, batch_size=20, learning_rate=0.1, momentum=0.5, l1=2e-4)
DBN_T = 2.451


@pytest.fixture(scope="module")
def dbn_spins() -> np.ndarray:
    """200 configurations of the DBN's own chain at L = 8."""
    return dbn_configurations(L, DBN_T, 200, 5, pilot_factor=100).spins


def test_dbn_configurations_are_the_equilibrium_of_their_own_chain():
    T, n = DBN_T, 3000
    result = dbn_configurations(4, T, n, 11, pilot_factor=100)
    assert result.spins.shape == (n, 4, 4) and result.algorithm == "wolff" and result.T == T
    # thinned to at least 2 tau_int, as every simulation of the study
    assert result.sweeps_between_samples >= 2 * max(result.tau_int_abs_m, result.tau_int_energy)
    # against the exact enumeration of the 4 x 4 torus, within 4 tau-corrected jackknife errors
    # (one of the four misses by chance with probability ~ 3e-4)
    summary = thermodynamic_summary(result.energy, result.magnetization, 4, T)
    exact = exact_small_lattice_observables(4, T)
    for key, exact_key in (("e_mean", "e"), ("abs_m_mean", "abs_m"), ("m2_mean", "m2"), ("binder_cumulant", "binder")):
        estimate = summary[key]
        assert abs(estimate.value - exact[exact_key]) <= 4 * estimate.error, (key, estimate, exact[exact_key])
    # the chain of purpose "dbn": not the study's simulation of the same (L, T, seed)
    assert np.array_equal(result.spins, sample(4, T, n, "wolff", 11, pilot_factor=100, purpose="dbn").spins)
    assert not np.array_equal(result.spins, sample(4, T, n, "wolff", 11, pilot_factor=100).spins)


def test_held_out_split_keeps_the_tail():
    assert held_out_split(20000, 0.2) == 16000
    assert held_out_split(10, 0.01) == 9  # at least one held out
    assert held_out_split(2, 0.5) == 1
    for n, fraction, message in (
        (1, 0.2, "n must be an integer >= 2"),
        (10, 0.0, "fraction must be a finite number > 0"),
        (10, 1.0, r"fraction must be in \(0, 1\)"),
        (3, 0.9, "leaves none to train on"),
    ):
        with pytest.raises(ValueError, match=message):
            held_out_split(n, fraction)


def test_dbn_study_trained_beside_untrained(dbn_spins):
    study = dbn_study(dbn_spins, 2, 5, held_out=0.2, n_bootstrap=200, **DBN_TRAINING)
    assert study.network.widths == study.untrained.widths == [64, 16, 4] and len(study.histories) == 2
    assert all(len(history) == 3 and history["held_out_error"].notna().all() for history in study.histories)
    assert [f.shape for f in study.fields["trained"]] == [f.shape for f in study.fields["untrained"]]
    assert [f.shape for f in study.fields["trained"]] == [(16, L, L), (4, L, L)]
    locality = study.locality
    assert list(locality.columns) == DBN_LOCALITY_COLUMNS
    assert set(locality["probe"]) == {"layer1", "layer2"} and set(locality["b"]) == {2, 4}
    assert set(locality["weights"]) == {"trained", "untrained"}
    assert (locality["reconstruction_error"] >= 0).all()
    # the untrained control is the initial weights of the training stream (child 1)
    initial = DeepBeliefNetwork.from_widths([64, 16, 4], seed=child(np.random.SeedSequence(5), 1))
    assert all(torch.equal(a.weight, b.weight) for a, b in zip(study.untrained.rbms, initial.rbms))
    layers = study.layers
    assert list(layers.columns) == DBN_LAYER_COLUMNS
    assert layers[["probe", "weights"]].values.tolist() == [
        ["layer1", "trained"],
        ["layer1", "untrained"],
        ["layer2", "trained"],
        ["layer2", "untrained"],
    ]
    trained, untrained = layers[layers["weights"] == "trained"], layers[layers["weights"] == "untrained"]
    assert trained["epochs"].tolist() == [3, 3] and untrained["epochs"].tolist() == [0, 0]
    np.testing.assert_allclose(
        trained["window_fraction_difference"].to_numpy(),
        trained["window_fraction"].to_numpy() - untrained["window_fraction"].to_numpy(),
    )
    assert untrained["window_fraction_sigma"].isna().all() and trained["window_fraction_err"].gt(0).all()
    # the study's locality table takes both, without the DBN's own columns
    table = study_locality([], L=L, b=2, dbn=locality)
    assert list(table.columns) == LOCALITY_COLUMNS
    assert set(table.loc[table["model"] == "dbn", "weights"]) == {"trained", "untrained"}


def test_a_dbn_trained_for_zero_epochs_is_its_untrained_row(dbn_spins):
    """The untrained control goes through the trained network's code path: trained for no epoch,
    the 'trained' network gives the untrained row's numbers exactly."""
    study = dbn_study(dbn_spins, 2, 5, held_out=0.2, n_bootstrap=200, **{**DBN_TRAINING, "epochs": 0})
    locality = study.locality
    trained = locality[locality["weights"] == "trained"].drop(columns="weights").reset_index(drop=True)
    untrained = locality[locality["weights"] == "untrained"].drop(columns="weights").reset_index(drop=True)
    pd.testing.assert_frame_equal(trained, untrained)
    layers = study.layers
    columns = ["units", "window_fraction", "window_fraction_err", "spread", "spread_err", "reconstruction_error"]
    pd.testing.assert_frame_equal(
        layers.loc[layers["weights"] == "trained", columns].reset_index(drop=True),
        layers.loc[layers["weights"] == "untrained", columns].reset_index(drop=True),
    )
    assert (layers.loc[layers["weights"] == "trained", "window_fraction_difference"] == 0).all()


def test_the_held_out_error_is_measured_on_configurations_never_trained_on(dbn_spins):
    """Two chains that share their training part and differ in the held-out tail train the same
    network; their held-out errors are those of their own tails."""
    other_tail = dbn_spins.copy()
    other_tail[160:] = np.where(np.arange(L * L).reshape(L, L) % 2, 1, -1)  # stripes, never seen
    first = dbn_study(dbn_spins, 1, 5, held_out=0.2, n_bootstrap=200, **DBN_TRAINING)
    second = dbn_study(other_tail, 1, 5, held_out=0.2, n_bootstrap=200, **DBN_TRAINING)
    assert torch.equal(first.network.rbms[0].weight, second.network.rbms[0].weight)
    for study, spins in ((first, dbn_spins), (second, other_tail)):
        tail = spins_to_visible(spins[160:])
        direct = float(((reconstruct_from_layer(study.network, tail, 1) - tail) ** 2).mean())
        measured = study.locality.loc[study.locality["weights"] == "trained", "reconstruction_error"]
        assert measured.iloc[0] == pytest.approx(direct, rel=1e-6)
        assert study.histories[0]["held_out_error"].iloc[-1] == pytest.approx(direct, rel=1e-5)
    assert first.layers["reconstruction_error"].iloc[0] != pytest.approx(second.layers["reconstruction_error"].iloc[0])


def test_dbn_layer_table_pairs_the_units():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.02, 0.2, 40)
    # each trained unit its untrained unit plus 0.05 and a little noise: the pairing takes the
    # units' spread out of the difference
    rows = []
    for weights, fraction in (("trained", base + 0.05 + rng.normal(0, 0.002, 40)), ("untrained", base)):
        rows.append(
            pd.DataFrame(
                {
                    "L": 8,
                    "b": 2,
                    "model": "dbn",
                    "weights": weights,
                    "probe": "layer1",
                    "unit": np.arange(40),
                    "window_fraction": fraction,
                    "spread": 4.0 - 10 * fraction,
                    "reconstruction_error": 0.1 if weights == "trained" else 0.25,
                    "reconstruction_error_err": 0.01,
                }
            )
        )
    history = pd.DataFrame({"flattened": [False, True]})
    table = dbn_layer_table(pd.concat(rows), [history], 500, 3)
    trained = table.iloc[0]
    assert trained["weights"] == "trained" and trained["epochs"] == 2 and trained["flattened"]
    assert trained["window_fraction_difference"] == pytest.approx(0.05, abs=0.01)
    marginal = np.hypot(trained["window_fraction_err"], table.iloc[1]["window_fraction_err"])
    assert trained["window_fraction_difference_err"] < 0.5 * marginal
    assert trained["window_fraction_sigma"] > 10 and trained["spread_sigma"] < -10
    assert table.equals(dbn_layer_table(pd.concat(rows), [history], 500, 3))  # seeded
    # one unit: no bootstrap error, no sigma
    single = pd.concat(rows)
    single = single[single["unit"] == 0]
    one = dbn_layer_table(single, [history], 500, 3)
    assert one["units"].tolist() == [1, 1] and one[["window_fraction_err", "window_fraction_sigma"]].isna().all().all()


def test_measure_dbn_of_an_untrained_network(dbn_spins):
    network = DeepBeliefNetwork.from_widths([64, 16], seed=1)
    held_out = spins_to_visible(dbn_spins[:20])
    locality, fields = measure_dbn(network, held_out, L, "untrained")
    assert len(fields) == 1 and fields[0].shape == (16, L, L)
    # weights ~ 0.01 reconstruct every site as ~1/2: squared error ~ 1/4
    assert locality["reconstruction_error"].iloc[0] == pytest.approx(0.25, abs=0.01)
    assert (locality["weights"] == "untrained").all() and len(locality) == 16
