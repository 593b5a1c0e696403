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
    NETWORK_DIRECTION_COLUMNS,
    NETWORK_FLOW_COLUMNS,
    code_sign_step,
    information_study,
    learned_coarse_variables,
    learned_rg_study,
    monotone_prefix,
    network_exponents,
    network_flow_study,
    site_agreement,
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
    networks = {"trained": block_mean_conv(3, 12), "untrained": block_mean_conv(3, 12, sign=-1.0)}
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
    assert (tables["agreement"]["n_samples"] == (labels[0] == TEST).sum()).all()
    flow = tables["flow"]
    # both maps give the majority rule's flow: the same T* and nu for the sign code
    signs = flow[flow["map"] == "code_sign"].set_index(["weights", "observable"])
    for observable in ("binder", "abs_m"):
        assert signs.loc[("trained", observable), "T_star"] == pytest.approx(
            signs.loc[("untrained", observable), "T_star"], nan_ok=True
        )
    assert set(flow.loc[flow["map"] == "code", "observable"]) == {"binder"}
    assert {"model", "weights"} <= set(tables["curves"].columns)


def test_information_study_ranks_and_skips(study):
    paths, labels, _ = study
    table = information_study(
        paths[12],
        labels,
        {"conv-b3-none": {"trained": block_mean_conv(3, 12)}},
        [2, 3],
        [T_C],
        4,
        shell=1,
        n_bootstrap=20,
    )
    assert list(table.columns) == [*INFORMATION_COLUMNS, "rank"] and len(set(table["temperature"])) == 1
    assert table.loc[table["bits"].idxmax(), "rank"] == 1 and sorted(table["rank"]) == sorted(
        table["bits"].rank(ascending=False, method="min").astype(int)
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
    assert (table["bits"] <= table["entropy_bits"] + 1e-12).all()
    skipped = information_study(paths[12], labels, {}, [3], [T_C], 4, shell=4, n_bootstrap=20)
    assert skipped.empty


def test_network_flow_of_the_identity_stays_put(study):
    paths, labels, temperatures = study
    tables = network_flow_study(
        {"trained": identity_dense(12)},
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
        "majority": _conv_with_block_weights([[1.0, 1.0], [1.0, 1.01]]),
        "mixed": _conv_with_block_weights([[1.0, -0.6], [0.3, -0.8]]),
    }
    step = code_sign_step(networks["majority"])
    expected = np.where(
        configurations.reshape(3000, 16, 2, 16, 2).sum(axis=(2, 4)) + 0.01 * configurations[:, 1::2, 1::2] > 0, 1, -1
    )
    np.testing.assert_array_equal(step(configurations), expected)
    assert step(step(configurations)).shape == (3000, 8, 8)  # the map blocks its own output again
    table = network_exponents(configurations, networks, 2, model_name="conv-b2-none")
    assert list(table.columns) == EXPONENT_TABLE_COLUMNS
    y_h = table.query("exponent == 'y_h' and level == 2 and operators == 3").set_index("weights")
    tolerance = 0.01 * 15 / 8
    assert abs(y_h.loc["majority", "value"] - 15 / 8) < 4 * y_h.loc["majority", "error"] + tolerance
    assert abs(y_h.loc["mixed", "value"] - 15 / 8) > 4 * y_h.loc["mixed", "error"] + tolerance
    with pytest.raises(ValueError, match="only a conv model"):
        code_sign_step(identity_dense(4))
