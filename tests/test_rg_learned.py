"""deeprenorm.rg.learned: learned coarse-grainings, their agreement with the block-spin maps, the
information study and the network flow study, on hand-built networks whose maps are known
exactly (the verdict built on them: tests/test_rg_verdict.py)."""

import numpy as np
import pytest
from torch import nn

from deeprenorm.exact import T_C
from deeprenorm.ising import sample
from deeprenorm.ml import TEST, Autoencoder, ModelSpec, build_model, make_split
from deeprenorm.rg.blocking import majority
from deeprenorm.rg.learned import (
    AGREEMENT_COLUMNS,
    INFORMATION_COLUMNS,
    INFORMATION_REPLICA_COLUMNS,
    NETWORK_DIRECTION_COLUMNS,
    NETWORK_FLOW_COLUMNS,
    block_spin_autoencoder_steps,
    code_sign_step,
    information_study,
    learned_coarse_variables,
    learned_rg_study,
    monotone_prefix,
    network_exponents,
    network_flow_study,
    network_steps,
    site_agreement,
    support_margin,
)
from deeprenorm.rg.mcrg import TABLE_COLUMNS as EXPONENT_TABLE_COLUMNS


def block_mean_conv(b: int, L: int, sign: float = 1.0) -> Autoencoder:
    """A 'conv' autoencoder whose code is sign x the block mean and whose decoder copies each
    code site back over its block: the majority rule for odd b, exactly."""
    encoder = nn.Sequential(nn.Unflatten(1, (1, L)), nn.AvgPool2d(b), nn.Flatten(1, 2))
    decoder = nn.Sequential(nn.Unflatten(1, (1, L // b)), nn.Upsample(scale_factor=b), nn.Flatten(1, 2))

    class Signed(Autoencoder):
        def encode(self, x):
            return sign * self.encoder(x)

        def decode(self, z):
            return sign * self.decoder(z)

    return Signed(encoder, decoder, ModelSpec("conv", block=b), L)


def identity_dense(L: int) -> Autoencoder:
    return Autoencoder(nn.Identity(), nn.Identity(), ModelSpec("wide", latent=L * L), L)


def random_spins(n, L, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(n, L, L))


def test_block_mean_code_is_the_majority_rule_for_b3():
    spins = random_spins(20, 9)
    variables = learned_coarse_variables(block_mean_conv(3, 9), spins, 3)
    assert set(variables) == {"code_sign", "code"} and variables["code"].shape == (20, 3, 3)
    np.testing.assert_array_equal(variables["code_sign"], majority(spins, 3))
    np.testing.assert_allclose(variables["code"], spins.reshape(20, 3, 3, 3, 3).mean(axis=(2, 4)), atol=1e-6)
    with pytest.raises(ValueError, match="block 3, asked for b = 2"):
        learned_coarse_variables(block_mean_conv(3, 9), spins, 2)


def test_identity_reconstruction_blocks_to_the_majority_rule():
    spins = random_spins(10, 9, seed=1)
    blocked = learned_coarse_variables(identity_dense(9), spins, 3)["reconstruction"]
    np.testing.assert_array_equal(blocked, majority(spins, 3))


def test_site_agreement_with_a_global_sign():
    reference = [random_spins(50, 4, seed=s) for s in range(3)]
    assert site_agreement(reference, reference)[0] == 1
    sign, agreement, error = site_agreement([-r for r in reference], reference)
    assert sign == -1 and np.allclose(agreement, 1.0) and np.allclose(error, 0.0)
    # independent block spins agree on half the sites, within the jackknife error
    independent = (
        [random_spins(400, 4, seed=10 + s) for s in range(3)],
        [random_spins(400, 4, seed=20 + s) for s in range(3)],
    )
    sign, agreement, error = site_agreement(*independent)
    assert np.all(np.abs(agreement - 0.5) < 4 * error) and np.all(error < 0.02)
    with pytest.raises(ValueError, match="temperatures"):
        site_agreement(reference, reference[:2])


def test_monotone_prefix_stops_where_the_curve_turns():
    T, curve = monotone_prefix([1, 2, 3, 4, 5], [0.9, 0.8, 0.3, 0.31, 0.2])
    assert list(T) == [1, 2, 3] and list(curve) == [0.9, 0.8, 0.3]
    assert len(monotone_prefix([1, 2, 3], [3, 2, 1])[0]) == 3


@pytest.fixture(scope="module")
def study(small_dataset):
    """Datasets of L = 12 and L = 4 (b = 3) at five temperatures, and a split of L = 12."""
    temperatures = [1.9, 2.15, 2.27, 2.4, 2.7]
    paths = {L: small_dataset(L, temperatures, 200, seed=3).path for L in (4, 12)}
    labels = make_split(len(temperatures), 200, (0.5, 0.1, 0.4), 5, 12)
    return paths, labels, temperatures


def test_learned_study_of_the_block_mean_code_is_the_majority_rule(study):
    paths, labels, temperatures = study
    networks = {("trained", 0): block_mean_conv(3, 12), ("untrained", 0): block_mean_conv(3, 12, sign=-1.0)}
    tables = learned_rg_study(
        networks, paths[12], labels, paths[4], 3, 11, model_name="conv-b3-none", window=(1.8, 2.8)
    )
    agreement = tables["agreement"]
    assert list(agreement.columns) == AGREEMENT_COLUMNS
    code = agreement[agreement["map"] == "code_sign"]
    # the block-mean code is the majority rule, the negated one too, up to its global sign
    assert np.allclose(code["agreement"], 1.0) and set(code.loc[code["weights"] == "untrained", "sign"]) == {-1}
    decimation = agreement[agreement["model"] == "decimation"]
    assert (decimation["agreement"] < 1.0).all() and (decimation["agreement"] > 0.5).all()
    # odd b has no ties: the ceiling is the majority rule itself; the global sign is one spin
    assert np.allclose(agreement.loc[agreement["map"] == "majority_retied", "agreement"], 1.0)
    global_sign = agreement[agreement["map"] == "global_sign"]
    assert (global_sign["uniform_fraction"] == 1.0).all() and (code["uniform_fraction"] < 1.0).all()
    trained_code = code[code["weights"] == "trained"]
    assert (global_sign["agreement"].to_numpy() < trained_code["agreement"].to_numpy()).all()
    assert (tables["agreement"]["n_samples"] == (labels[0] == TEST).sum()).all()
    flow = tables["flow"]
    # both maps give the majority rule's flow, measured on the same test split beside them
    signs = flow[flow["map"].isin(["code_sign", "majority"])].set_index(["weights", "observable"])
    for observable in ("binder", "abs_m"):
        for weights in ("trained", "untrained"):
            assert signs.loc[(weights, observable), "T_star"] == pytest.approx(
                signs.loc[("exact", observable), "T_star"], nan_ok=True
            )
    assert set(flow.loc[flow["weights"] == "exact", "map"]) == {"majority", "decimation"}
    assert set(flow.loc[flow["weights"] == "exact", "seed"]) == {-1}
    assert set(flow.loc[flow["map"] == "code", "observable"]) == {"binder"}
    assert {"model", "weights"} <= set(tables["curves"].columns)


def test_information_study_ranks_and_skips(study):
    paths, labels, _ = study
    table, replicas = information_study(
        paths[12],
        labels,
        {("conv-b3-none", "trained", 0): block_mean_conv(3, 12)},
        [2, 3],
        [T_C],
        4,
        shell=1,
        n_bootstrap=20,
    )
    assert list(table.columns) == [*INFORMATION_COLUMNS, "rank"] and len(set(table["temperature"])) == 1
    assert list(replicas.columns) == INFORMATION_REPLICA_COLUMNS and len(replicas) == 20 * len(table)
    # ranked among the maps measured with the same buffer (here b: the environment starts at b)
    for _, group in table.groupby("buffer"):
        assert group.loc[group["bits"].idxmax(), "rank"] == 1 and list(group["rank"]) == list(
            group["bits"].rank(ascending=False, method="min").astype(int)
        )
    # b = 2: the window 2 + 2 (2 + 1) = 8 fits L = 12; b = 3: 3 + 2 (3 + 1) = 11 fits too
    assert set(zip(table["b"], table["map"])) == {
        (2, "majority"),
        (2, "decimation"),
        (3, "majority"),
        (3, "decimation"),
        (3, "code_sign"),
    }
    majority_row = table[(table["b"] == 3) & (table["map"] == "majority")].iloc[0]
    code_row = table[table["map"] == "code_sign"].iloc[0]
    assert code_row["bits"] == pytest.approx(majority_row["bits"])  # the same variable, the same probe
    # ... and the same bootstrap draws: the paired difference is exactly zero
    code_draws = replicas[replicas["map"] == "code_sign"]["bits"].to_numpy()
    majority_draws = replicas[(replicas["b"] == 3) & (replicas["map"] == "majority")]["bits"].to_numpy()
    np.testing.assert_allclose(code_draws, majority_draws)
    assert (table["bits"] <= table["entropy_bits"] + 1e-12).all()
    skipped, _ = information_study(paths[12], labels, {}, [3], [T_C], 4, shell=4, n_bootstrap=20)
    assert skipped.empty


def test_support_margin_of_a_block_map_and_of_a_conv_code():
    assert support_margin(block_mean_conv(3, 12), 3) == 0
    # the conv model's 3 x 3 convolution before its b x b one reads one site beyond the block
    conv = build_model(ModelSpec("conv", block=2), 16)
    assert support_margin(conv, 2) == 1


def test_information_study_widens_the_buffer_of_a_map_that_reads_beyond_its_block(study):
    paths, labels, _ = study
    conv = build_model(ModelSpec("conv", block=2), 12)
    table, replicas = information_study(
        paths[12], labels, {("conv-b2-none", "untrained", 0): conv}, [2], [T_C], 4, shell=1, n_bootstrap=20, n_splits=2
    )
    # the other split of the probe's data: one bound per map, shared by all
    other_split = replicas[replicas["split"] == 1]
    assert len(other_split) == len(table) and (other_split["replica"] == -1).all()
    # the code at buffer 3 (= b + its margin), the exact maps at 2 and at 3 to compare with
    assert set(zip(table["map"], table["buffer"])) == {
        ("majority", 2),
        ("decimation", 2),
        ("majority", 3),
        ("decimation", 3),
        ("code_sign", 3),
    }


def test_network_flow_of_the_identity_stays_put(study):
    paths, labels, temperatures = study
    tables = network_flow_study(
        {("trained", 0): network_steps(identity_dense(12))},
        paths[12],
        labels,
        2,
        model_name="identity",
        steps=2,
        samples=30,
        n_bootstrap=20,
    )
    flow = tables["flow"]
    assert list(flow.columns) == NETWORK_FLOW_COLUMNS and len(flow) == len(temperatures) * 2 * 3
    for _, group in flow.groupby(["variant", "temperature"]):
        assert np.allclose(group["T_energy"], group["T_energy"].iloc[0])  # every step reads the input's T
    directions = tables["directions"]
    assert list(directions.columns) == NETWORK_DIRECTION_COLUMNS
    # T_1 = T_0 exactly: no starting T moves towards T_c
    assert (directions["fraction_towards"].fillna(0.0) == 0.0).all()


def test_the_ideal_block_spin_autoencoder_through_the_network_flow(study):
    """Exact RG in an autoencoder's shape (majority encode, copy decode) read by the network
    flow's energy thermometer: the copied lattice has frozen pairs, so it reads colder, and the
    flow criterion "runs away from T_c" fails it. This is why that criterion cannot vote."""
    paths, labels, temperatures = study
    steps = block_spin_autoencoder_steps(2, 3)
    spins = random_spins(5, 8, seed=4)
    expected = np.repeat(np.repeat(majority(spins, 2, np.random.default_rng(0)), 2, axis=1), 2, axis=2)
    sign_step = steps["sign"](spins.astype(float))
    ties = np.abs(spins.reshape(5, 4, 2, 4, 2).sum(axis=(2, 4))) == 0
    untied = ~np.repeat(np.repeat(ties, 2, axis=1), 2, axis=2)
    np.testing.assert_array_equal(sign_step[untied], expected[untied])
    np.testing.assert_allclose(steps["continuous"](spins.astype(float)).reshape(5, 4, 2, 4, 2).std(axis=(2, 4)), 0.0)
    tables = network_flow_study(
        {("exact", -1): steps}, paths[12], labels, 2, model_name="block-spin-b2", steps=1, samples=30, n_bootstrap=20
    )
    energy = tables["directions"].query("thermometer == 'energy' and variant == 'sign'").iloc[0]
    assert energy["direction"] != "away from T_c"
    flow = tables["flow"].query("variant == 'sign'")
    before = flow[flow["step"] == 0].set_index("temperature")["T_energy"]
    after = flow[flow["step"] == 1].set_index("temperature")["T_energy"]
    assert (after < before).all()  # colder at every starting temperature


def _conv_with_block_weights(block_weights, L=32) -> Autoencoder:
    """A real 'conv' model (b = 2) whose code is tanh of a weighted sum over each block of
    tanh(2 s): the first convolution passes each spin through one channel, the second weighs the
    four spins of a block with ``block_weights``."""
    import torch

    model = build_model(ModelSpec("conv", block=2), L)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        first, second = (layer for layer in model.encoder if isinstance(layer, nn.Conv2d))
        first.weight[0, 0, 1, 1] = 2.0
        second.weight[0, 0] = torch.tensor(block_weights, dtype=torch.float32)
    return model.eval()


def test_a_conv_network_that_is_the_majority_rule_has_its_exponent_and_a_mixed_sign_one_does_not():
    configurations = sample(32, T_C, 3000, "wolff", seed=11).spins
    # ties of the four block spins follow the bottom-right one: the majority rule with a
    # deterministic tie rule that keeps the up-down symmetry
    networks = {
        ("majority", 0): _conv_with_block_weights([[1.0, 1.0], [1.0, 1.01]]),
        ("mixed", 0): _conv_with_block_weights([[1.0, -0.6], [0.3, -0.8]]),
    }
    step = code_sign_step(networks[("majority", 0)])
    expected = np.where(
        configurations.reshape(3000, 16, 2, 16, 2).sum(axis=(2, 4)) + 0.01 * configurations[:, 1::2, 1::2] > 0, 1, -1
    )
    np.testing.assert_array_equal(step(configurations), expected)
    assert step(step(configurations)).shape == (3000, 8, 8)  # the map blocks its own output again
    table = network_exponents(configurations, networks, 2, model_name="conv-b2-none")
    assert list(table.columns) == EXPONENT_TABLE_COLUMNS
    y_h = table.query("exponent == 'y_h' and level == 2 and operators == 3").set_index("weights")
    tolerance = 0.01 * 15 / 8
    assert abs(y_h.loc["majority", "value"] - 15 / 8) < 4 * y_h.loc["majority", "value_err"] + tolerance
    assert abs(y_h.loc["mixed", "value"] - 15 / 8) > 4 * y_h.loc["mixed", "value_err"] + tolerance
    with pytest.raises(ValueError, match="only a conv model"):
        code_sign_step(identity_dense(4))
