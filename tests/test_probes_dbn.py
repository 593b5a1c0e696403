"""Restricted Boltzmann machines and the deep belief network probe (deeprenorm.probes.dbn), on
tiny binary datasets whose answers are known: two noisy prototypes, and samples of a planted RBM."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import torch

from deeprenorm.probes.dbn import (
    HISTORY_COLUMNS,
    RBM,
    DBNFileError,
    DeepBeliefNetwork,
    dbn_receptive_fields,
    flattened,
    load_dbn,
    reconstruct_from_layer,
    save_dbn,
    spins_to_visible,
    train_dbn,
    train_rbm,
    visible_to_spins,
)

N_VISIBLE = 16
FLIP = 0.05
# two prototypes 8 bits apart
PROTOTYPES = torch.tensor([[1, 0] * 8, [1, 1, 0, 0] * 4], dtype=torch.float32)
FAST = dict(epochs=40, batch_size=20, learning_rate=0.1, momentum=0.5, l1=0.0)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def noisy_prototypes() -> torch.Tensor:
    """200 samples, each a prototype (alternately) with 5 % of its bits flipped."""
    rng = np.random.default_rng(7)
    clean = PROTOTYPES[np.arange(200) % 2].numpy()
    flips = rng.random(clean.shape) < FLIP
    return torch.from_numpy(np.where(flips, 1 - clean, clean).astype(np.float32))


@pytest.fixture(scope="module")
def trained_rbm(noisy_prototypes) -> RBM:
    rbm = RBM(N_VISIBLE, 4, seed=0)
    train_rbm(rbm, noisy_prototypes, **FAST, seed=1)
    return rbm


def test_cd1_lowers_the_reconstruction_error(noisy_prototypes):
    rbm = RBM(N_VISIBLE, 4, seed=0)
    history = train_rbm(rbm, noisy_prototypes, **FAST, seed=1)
    assert list(history.columns) == HISTORY_COLUMNS
    assert history["epoch"].tolist() == list(range(1, FAST["epochs"] + 1))
    assert np.isfinite(history.drop(columns=["epoch", "held_out_error", "flattened"]).to_numpy(dtype=float)).all()
    # without held-out data there is nothing held out to measure, and no stopping rule
    assert history["held_out_error"].isna().all() and not history["flattened"].any()
    errors = history["reconstruction_error"].to_numpy()
    assert errors[-1] < 0.5 * errors[0]
    # the noise floor: a perfect mean-field reconstruction still misses the 5 % flipped bits
    assert errors[-1] < 3 * FLIP
    # CD lowers the free energy of the data
    assert history["free_energy"].iloc[-1] < history["free_energy"].iloc[0]


def test_free_energy_matches_the_sum_over_hidden_states():
    rbm = RBM(5, 3, seed=4)
    generator = torch.Generator().manual_seed(0)
    rbm.visible_bias.copy_(torch.randn(5, generator=generator))
    rbm.hidden_bias.copy_(torch.randn(3, generator=generator))
    v = torch.bernoulli(torch.full((6, 5), 0.5), generator=generator)
    hidden = torch.tensor(list(itertools.product([0.0, 1.0], repeat=3)))
    # -E(v, h) for every h, summed by brute force
    negative_energy = (v @ rbm.visible_bias)[:, None] + (hidden @ rbm.hidden_bias)[None, :] + v @ rbm.weight @ hidden.T
    torch.testing.assert_close(rbm.free_energy(v), -torch.logsumexp(negative_energy, dim=1))


def planted_rbm(w: float = 3.0) -> RBM:
    """Hidden unit 0 on visible units 0-5, hidden unit 1 on 6-11, units 12-15 free: with these
    biases the blocks are the +-1 model of couplings w / 4 and no fields (each block up or down
    with probability 1/2), the free units fair coins.  The free units make the two columns of W
    other than exact negatives of each other, so that a high correlation needs a learned column
    that is local: large on its own block, zero on the other and on the free units."""
    rbm = RBM(N_VISIBLE, 2, seed=0)
    rbm.weight.zero_()
    rbm.weight[:6, 0] = w
    rbm.weight[6:12, 1] = w
    rbm.visible_bias.zero_()
    rbm.visible_bias[:12] = -w / 2
    rbm.hidden_bias.fill_(-w * 3)
    return rbm


def test_training_recovers_planted_weights():
    planted = planted_rbm()
    generator = torch.Generator().manual_seed(11)
    # independent chains from uniform starts: the start picks each block's mode fairly
    start = torch.bernoulli(torch.full((4000, N_VISIBLE), 0.5), generator=generator)
    data = planted.gibbs(start, 10, generator)
    learned = RBM(N_VISIBLE, 2, seed=3)
    # after 30 epochs 2 of 12 seeds still held a mixed code (slowly decaying); 80 recovered all of 24
    history = train_rbm(learned, data, epochs=80, batch_size=50, learning_rate=0.05, momentum=0.5, l1=0.0, seed=5)
    assert history["reconstruction_error"].iloc[-1] < history["reconstruction_error"].iloc[0]
    planted_columns, learned_columns = planted.weight.T.numpy(), learned.weight.T.numpy()
    assert np.corrcoef(planted_columns)[0, 1] == pytest.approx(-0.6)  # not -1: see planted_rbm
    correlation = np.corrcoef(planted_columns, learned_columns)[:2, 2:]
    # hidden units match up to a permutation, and up to the sign of each: h -> 1 - h maps the
    # RBM of W onto the equivalent one of -W (with shifted biases), so either sign is learned
    matched = max((abs(correlation[0, p]) + abs(correlation[1, 1 - p]), p) for p in (0, 1))[1]
    assert abs(correlation[0, matched]) > 0.9
    assert abs(correlation[1, 1 - matched]) > 0.9


def test_receptive_fields_are_products_of_the_weights():
    first, second = RBM(4, 3), RBM(3, 2)
    w1 = np.arange(12, dtype=np.float32).reshape(4, 3) - 5
    w2 = np.array([[1, -2], [0.5, 3], [-1, 0.25]], dtype=np.float32)
    first.weight.copy_(torch.from_numpy(w1))
    second.weight.copy_(torch.from_numpy(w2))
    fields = dbn_receptive_fields([first, second], 2)
    assert [field.shape for field in fields] == [(3, 2, 2), (2, 2, 2)]
    np.testing.assert_array_equal(fields[0], w1.T.reshape(3, 2, 2))
    np.testing.assert_allclose(fields[1], (w1.astype(float) @ w2).T.reshape(2, 2, 2), rtol=1e-12)
    # unit j of layer 1 at site (y, x) is W^(1)[y L + x, j]
    assert fields[0][2, 1, 0] == w1[2, 2]
    network = DeepBeliefNetwork([first, second])
    for mine, theirs in zip(network.receptive_fields(2), fields):
        np.testing.assert_array_equal(mine, theirs)
    with pytest.raises(ValueError, match="L = 3 needs 9 visible units"):
        dbn_receptive_fields([first, second], 3)


def test_greedy_dbn_is_reproducible(noisy_prototypes):
    widths = [N_VISIBLE, 8, 4]
    settings = dict(epochs=5, batch_size=20, learning_rate=0.1, momentum=0.5, l1=1e-3)
    rng_state = torch.random.get_rng_state()
    network, histories = train_dbn(noisy_prototypes, widths, **settings, seed=3)
    again, _ = train_dbn(noisy_prototypes, widths, **settings, seed=3)
    other, _ = train_dbn(noisy_prototypes, widths, **settings, seed=4)
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    assert network.widths == widths
    assert len(histories) == 2
    for history in histories:
        assert isinstance(history, pd.DataFrame) and list(history.columns) == HISTORY_COLUMNS
        assert len(history) == settings["epochs"] and np.isfinite(history["reconstruction_error"]).all()
    state, repeated = network.state_dict(), again.state_dict()
    assert state.keys() == repeated.keys()
    assert all(torch.equal(state[key], repeated[key]) for key in state)
    assert not torch.equal(network.rbms[0].weight, other.rbms[0].weight)
    # a seeded SeedSequence works as well and is not consumed by the run
    sequence = np.random.SeedSequence(3)
    first, _ = train_dbn(noisy_prototypes, widths, **settings, seed=sequence)
    second, _ = train_dbn(noisy_prototypes, widths, **settings, seed=sequence)
    assert torch.equal(first.rbms[1].weight, second.rbms[1].weight)


def test_dbn_starts_from_from_widths(noisy_prototypes):
    # a step far below float32 resolution of weights ~ 0.01 leaves them as initialised
    network, _ = train_dbn(
        noisy_prototypes, [N_VISIBLE, 8, 4], epochs=1, batch_size=50, learning_rate=1e-30, momentum=0.0, l1=0.0, seed=9
    )
    untrained = DeepBeliefNetwork.from_widths([N_VISIBLE, 8, 4], seed=9)
    for rbm, start in zip(network.rbms, untrained.rbms):
        assert torch.equal(rbm.weight, start.weight)


def test_reconstruction_reproduces_the_prototypes(trained_rbm):
    probabilities = reconstruct_from_layer(trained_rbm, PROTOTYPES, 1)
    assert probabilities.shape == PROTOTYPES.shape
    assert ((probabilities - PROTOTYPES) ** 2).mean() < 0.02
    spins = visible_to_spins(probabilities)
    assert spins.dtype == torch.int8
    assert torch.equal(spins, (2 * PROTOTYPES - 1).to(torch.int8))
    torch.testing.assert_close(spins_to_visible(spins), PROTOTYPES)
    torch.testing.assert_close(spins_to_visible(spins.reshape(2, 4, 4)), PROTOTYPES)


def test_save_load_round_trip(tmp_path, noisy_prototypes):
    network, _ = train_dbn(
        noisy_prototypes, [N_VISIBLE, 8, 4], epochs=3, batch_size=20, learning_rate=0.1, momentum=0.5, l1=0.0, seed=2
    )
    path = tmp_path / "sub" / "dbn.pt"
    save_dbn(path, network)
    assert [entry.name for entry in path.parent.iterdir()] == ["dbn.pt"]  # no temporary left
    loaded = load_dbn(path)
    assert loaded.widths == network.widths
    for layer in (1, 2):
        assert torch.equal(loaded.reconstruct(noisy_prototypes, layer), network.reconstruct(noisy_prototypes, layer))
    for mine, theirs in zip(loaded.receptive_fields(4), network.receptive_fields(4)):
        np.testing.assert_array_equal(mine, theirs)
    save_dbn(path, list(network.rbms)[:1])  # overwrites in place
    assert load_dbn(path).widths == [N_VISIBLE, 8]


def test_load_rejects_bad_files(tmp_path, trained_rbm):
    path = tmp_path / "dbn.pt"
    with pytest.raises(DBNFileError, match="no such file"):
        load_dbn(path)
    save_dbn(path, trained_rbm)
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(DBNFileError, match="truncated or corrupt"):
        load_dbn(path)
    path.write_bytes(b"not a torch file at all")
    with pytest.raises(DBNFileError, match="truncated or corrupt"):
        load_dbn(path)
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(DBNFileError, match="not a deep belief network"):
        load_dbn(path)
    path.write_bytes(good)
    contents = torch.load(path, weights_only=True)
    contents["widths"] = [N_VISIBLE, 5]
    torch.save(contents, path)
    with pytest.raises(DBNFileError, match="do not fit"):
        load_dbn(path)
    assert issubclass(DBNFileError, ValueError)


def test_bad_arguments(noisy_prototypes):
    data = noisy_prototypes
    good = dict(epochs=1, batch_size=10, learning_rate=0.1, momentum=0.5, l1=0.0, seed=0)
    with pytest.raises(ValueError, match=r"shape \(n >= 1, 15\)"):
        train_dbn(data, [15, 8], **good)
    for widths in ([16], [16, 0], "16", [16, 2.5]):
        with pytest.raises(ValueError, match="widths"):
            train_dbn(data, widths, **good)
    with pytest.raises(ValueError, match="RBM 1 has 8 hidden units but RBM 2 has 4 visible"):
        DeepBeliefNetwork([RBM(16, 8), RBM(4, 2)])
    with pytest.raises(ValueError, match="non-empty sequence of RBM"):
        DeepBeliefNetwork([])
    rbm = RBM(16, 4)
    with pytest.raises(ValueError, match=r"binary units in \{0, 1\}"):
        train_rbm(rbm, 2 * data - 1, **good)  # spins, not units
    with pytest.raises(ValueError, match=r"binary units in \{0, 1\}"):
        train_rbm(rbm, data * 0.5, **good)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        train_rbm(rbm, data * 2, **good, probabilities=True)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        train_rbm(rbm, torch.full_like(data, math.nan), **good, probabilities=True)
    with pytest.raises(ValueError, match="shape"):
        train_rbm(rbm, data[:, :8], **good)
    for name, value, message in (
        ("epochs", -1, "epochs must be an integer >= 0"),
        ("batch_size", 0, "batch_size must be an integer >= 1"),
        ("batch_size", 2.0, "batch_size must be an integer >= 1"),
        ("k", 0, "k must be an integer >= 1"),
        ("learning_rate", 0.0, "learning_rate must be a finite number > 0"),
        ("learning_rate", math.inf, "learning_rate must be a finite number"),
        ("momentum", 1.0, r"momentum must be in \[0, 1\)"),
        ("momentum", -0.1, r"momentum must be in \[0, 1\)"),
        ("l1", -1e-3, "l1 must be a finite number >= 0"),
        ("seed", -1, "seed must be a non-negative integer"),
    ):
        with pytest.raises(ValueError, match=message):
            train_rbm(rbm, data, **{**good, name: value})
        with pytest.raises(ValueError, match=message):
            train_dbn(data, [16, 4], **{**good, name: value})
    stopping = dict(good, held_out=data[:20], patience=2)
    for change, message in (
        (dict(held_out=None), "patience needs held_out"),
        (dict(patience=0), "patience must be an integer >= 1"),
        (dict(tolerance=1.0), r"tolerance must be in \[0, 1\)"),
        (dict(tolerance=-0.1), "tolerance must be a finite number >= 0"),
        (dict(held_out=data[:20, :8]), r"held_out must have shape \(n >= 1, 16\)"),
    ):
        with pytest.raises(ValueError, match=message):
            train_rbm(rbm, data, **{**stopping, **change})
        with pytest.raises(ValueError, match=message):
            train_dbn(data, [16, 4], **{**stopping, **change})
    for layer in (0, 2, True):
        with pytest.raises(ValueError, match=r"layer must be an integer in \[1, 1\]"):
            reconstruct_from_layer(rbm, data, layer)
    with pytest.raises(ValueError, match="spins must all be"):
        spins_to_visible(data)
    with pytest.raises(ValueError, match="n_hidden must be an integer >= 1"):
        RBM(16, 0)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        rbm.gibbs(data, 0, torch.Generator())


def test_diverging_training_raises(noisy_prototypes):
    with pytest.raises(FloatingPointError, match="lower learning_rate"):
        train_rbm(
            RBM(16, 4), noisy_prototypes, epochs=3, batch_size=20, learning_rate=1e38, momentum=0.5, l1=0.0, seed=0
        )


def test_the_stopping_rule_stops_on_a_flat_history_and_not_on_a_falling_one():
    falling = [0.2 * 0.97**epoch for epoch in range(30)]  # 3 % better every epoch
    assert not any(flattened(falling[:k], 3, 0.01) for k in range(1, 31))
    flat = [0.2, 0.15, 0.12, 0.1, 0.1, 0.1, 0.1]
    assert [flattened(flat[:k], 3, 0.01) for k in range(1, 8)] == [False] * 6 + [True]
    # noise about a plateau: the best of the window against the best before it
    plateau = [0.100, 0.1004, 0.0999, 0.1003, 0.1001]
    assert flattened(plateau, 3, 0.01)
    # a held-out error that rises (overfitting) stops it too
    assert flattened([0.1, 0.11, 0.12, 0.13], 3, 0.01)
    # no more values than the window: nothing to compare with
    assert not flattened([0.3, 0.1, 0.1], 3, 0.01)
    # 2 % better over the window passes a 1 % tolerance, not a 5 % one
    improving = [0.1, 0.1, 0.1, 0.098]
    assert not flattened(improving, 3, 0.01) and flattened(improving, 3, 0.05)


def test_held_out_data_are_measured_and_change_no_weight(noisy_prototypes):
    training, held_out = noisy_prototypes[:150], noisy_prototypes[150:]
    settings = dict(epochs=6, batch_size=20, learning_rate=0.1, momentum=0.5, l1=1e-3, seed=4)
    measured, other, alone = RBM(N_VISIBLE, 4, seed=0), RBM(N_VISIBLE, 4, seed=0), RBM(N_VISIBLE, 4, seed=0)
    history = train_rbm(measured, training, **settings, held_out=held_out)
    flipped = train_rbm(other, training, **settings, held_out=1 - held_out)
    train_rbm(alone, training, **settings)
    # the held-out configurations never enter an update: the same weights, whatever they are
    assert torch.equal(measured.weight, other.weight) and torch.equal(measured.weight, alone.weight)
    np.testing.assert_array_equal(history["reconstruction_error"], flipped["reconstruction_error"])
    # the last epoch's held-out error is the reconstruction error of exactly those configurations
    direct = float(((reconstruct_from_layer(measured, held_out, 1) - held_out) ** 2).mean())
    assert history["held_out_error"].iloc[-1] == pytest.approx(direct, rel=1e-5)
    assert history["held_out_error"].iloc[-1] != pytest.approx(flipped["held_out_error"].iloc[-1], rel=0.1)
    # held out = trained on: the two columns agree
    same = train_rbm(RBM(N_VISIBLE, 4, seed=0), training, **settings, held_out=training)
    np.testing.assert_allclose(same["held_out_error"], same["reconstruction_error"], rtol=1e-5)


def test_training_stops_once_the_held_out_error_flattens(noisy_prototypes):
    training, held_out = noisy_prototypes[:150], noisy_prototypes[150:]
    settings = dict(epochs=40, batch_size=20, learning_rate=0.1, momentum=0.5, l1=0.0, seed=4, held_out=held_out)
    history = train_rbm(RBM(N_VISIBLE, 4, seed=0), training, **settings, patience=3, tolerance=0.05)
    epochs = len(history)
    assert 3 < epochs < 40
    assert history["flattened"].tolist() == [False] * (epochs - 1) + [True]
    errors = history["held_out_error"].tolist()
    assert flattened(errors, 3, 0.05) and not flattened(errors[:-1], 3, 0.05)
    # up to the stop, the same run as without the rule
    full = train_rbm(RBM(N_VISIBLE, 4, seed=0), training, **settings)
    np.testing.assert_array_equal(full["held_out_error"].iloc[:epochs], history["held_out_error"])
    # every layer of a DBN stops by its own held-out error
    _, histories = train_dbn(training, [N_VISIBLE, 8, 4], **settings, patience=3, tolerance=0.05)
    assert all(h["flattened"].iloc[-1] and len(h) < 40 for h in histories)


def test_zero_epochs_leave_the_initial_weights(noisy_prototypes):
    network, histories = train_dbn(
        noisy_prototypes, [N_VISIBLE, 8, 4], epochs=0, batch_size=20, learning_rate=0.1, momentum=0.5, l1=0.0, seed=9
    )
    untrained = DeepBeliefNetwork.from_widths([N_VISIBLE, 8, 4], seed=9)
    for rbm, start in zip(network.rbms, untrained.rbms):
        assert all(torch.equal(a, b) for a, b in zip(rbm.state_dict().values(), start.state_dict().values()))
    assert [len(history) for history in histories] == [0, 0]
    assert all(list(history.columns) == HISTORY_COLUMNS for history in histories)
