"""Learned coarse-grainings, the network flow study and the verdict (deeprenorm.rg.learned,
deeprenorm.rg.verdict) on hand-built networks whose maps are known exactly."""

import io
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from deeprenorm.data import write_dataset, write_simulation
from deeprenorm.exact import T_C
from deeprenorm.ising import sample
from deeprenorm.ml import TEST, Autoencoder, make_split
from deeprenorm.rg.blocking import majority
from deeprenorm.rg.learned import (
    AGREEMENT_COLUMNS,
    INFORMATION_COLUMNS,
    NETWORK_DIRECTION_COLUMNS,
    NETWORK_FLOW_COLUMNS,
    information_study,
    learned_coarse_variables,
    learned_rg_study,
    monotone_prefix,
    network_flow_study,
    site_agreement,
)
from deeprenorm.rg.verdict import CRITERIA, VERDICT_COLUMNS, conclusion, verdict_table


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

    return Signed(encoder, decoder, {"kind": "conv", "L": L, "latent": (L // b) ** 2, "dropout": 0.0, "block": b, "widths": [1, 1, 1]})


def identity_dense(L: int) -> Autoencoder:
    return Autoencoder(nn.Identity(), nn.Identity(), {"kind": "wide", "L": L, "latent": L * L, "dropout": 0.0, "block": None, "widths": [L * L]})


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
    independent = [random_spins(400, 4, seed=10 + s) for s in range(3)], [random_spins(400, 4, seed=20 + s) for s in range(3)]
    sign, agreement, error = site_agreement(*independent)
    assert np.all(np.abs(agreement - 0.5) < 4 * error) and np.all(error < 0.02)
    with pytest.raises(ValueError, match="temperatures"):
        site_agreement(reference, reference[:2])


def test_monotone_prefix_stops_where_the_curve_turns():
    T, curve = monotone_prefix([1, 2, 3, 4, 5], [0.9, 0.8, 0.3, 0.31, 0.2])
    assert list(T) == [1, 2, 3] and list(curve) == [0.9, 0.8, 0.3]
    assert len(monotone_prefix([1, 2, 3], [3, 2, 1])[0]) == 3


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Datasets of L = 12 and L = 4 (b = 3) at five temperatures, and a split of L = 12."""
    folder = tmp_path_factory.mktemp("learned")
    temperatures = [1.9, 2.15, 2.27, 2.4, 2.7]
    paths = {}
    for L in (4, 12):
        files = []
        for temperature in temperatures:
            path = folder / f"L{L}T{temperature}.nc"
            write_simulation(sample(L, temperature, 200, "wolff", seed=3), path)
            files.append(path)
        paths[L] = folder / f"L{L}.nc"
        write_dataset(files, paths[L])
    labels = make_split(len(temperatures), 200, (0.5, 0.1, 0.4), 5, 12)
    return paths, labels, temperatures


def test_learned_study_of_the_block_mean_code_is_the_majority_rule(study):
    paths, labels, temperatures = study
    networks = {"trained": block_mean_conv(3, 12), "untrained": block_mean_conv(3, 12, sign=-1.0)}
    tables = learned_rg_study(networks, paths[12], labels, paths[4], 3, 11, model_name="conv-b3-none", window=(1.8, 2.8))
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
        assert signs.loc[("trained", observable), "T_star"] == pytest.approx(signs.loc[("untrained", observable), "T_star"], nan_ok=True)
    assert set(flow.loc[flow["map"] == "code", "observable"]) == {"binder"}
    assert {"model", "weights"} <= set(tables["curves"].columns)


def test_information_study_ranks_and_skips(study):
    paths, labels, _ = study
    table = information_study(paths[12], labels, {"conv-b3-none": {"trained": block_mean_conv(3, 12)}}, [2, 3], [T_C], 4, shell=1, n_bootstrap=20)
    assert list(table.columns) == [*INFORMATION_COLUMNS, "rank"] and len(set(table["temperature"])) == 1
    assert table.loc[table["bits"].idxmax(), "rank"] == 1 and sorted(table["rank"]) == sorted(table["bits"].rank(ascending=False, method="min").astype(int))
    # b = 2: the window 2 + 2 (2 + 1) = 8 fits L = 12; b = 3: 3 + 2 (3 + 1) = 11 fits too
    assert set(zip(table["b"], table["map"])) == {(2, "majority"), (2, "decimation"), (3, "majority"), (3, "decimation"), (3, "code_sign")}
    majority_row = table[(table["b"] == 3) & (table["map"] == "majority")].iloc[0]
    code_row = table[table["map"] == "code_sign"].iloc[0]
    assert code_row["bits"] == pytest.approx(majority_row["bits"])  # the same variable, the same probe
    assert (table["bits"] <= table["entropy_bits"] + 1e-12).all()
    skipped = information_study(paths[12], labels, {}, [3], [T_C], 4, shell=4, n_bootstrap=20)
    assert skipped.empty


def test_network_flow_of_the_identity_stays_put(study):
    paths, labels, temperatures = study
    tables = network_flow_study({"trained": identity_dense(12)}, paths[12], labels, 2, model_name="identity", steps=2, samples=30, n_bootstrap=20)
    flow = tables["flow"]
    assert list(flow.columns) == NETWORK_FLOW_COLUMNS and len(flow) == len(temperatures) * 2 * 3
    for _, group in flow.groupby(["variant", "temperature"]):
        assert np.allclose(group["T_energy"], group["T_energy"].iloc[0])  # every step reads the input's T
    directions = tables["directions"]
    assert list(directions.columns) == NETWORK_DIRECTION_COLUMNS
    # T_1 = T_0 exactly: no starting T moves towards T_c
    assert (directions["fraction_towards"].fillna(0.0) == 0.0).all()


def _verdict_inputs(agreement_tc, information_bits, direction="away from T_c"):
    T = [2.0, T_C, 2.6]
    block_flow = pd.DataFrame({"L": 24, "map": ["majority", "decimation"], "b": 2, "observable": "binder",
                               "T_star": [2.265, 2.24], "T_star_err": [0.005, 0.01], "nu": [1.0, 1.4], "nu_err": [0.03, 0.1]})
    learned_flow = pd.DataFrame({"model": "conv-b2-none", "weights": ["trained", "untrained"], "map": "code_sign", "b": 2,
                                 "observable": "binder", "T_star": [2.27, 2.5], "T_star_err": [0.01, 0.05], "nu": [1.05, 2.0], "nu_err": [0.05, 0.3]})
    agreement = pd.DataFrame(
        [{"L": 24, "b": 2, "model": "decimation", "map": "decimation", "weights": "exact", "temperature": t, "agreement": 0.8, "agreement_err": 0.01} for t in T]
        + [{"L": 24, "b": 2, "model": "conv-b2-none", "map": "code_sign", "weights": w, "temperature": t, "agreement": a, "agreement_err": 0.01}
           for w, a in (("trained", agreement_tc), ("untrained", 0.55)) for t in T]
    )
    information = pd.DataFrame(
        [{"map": m, "model": "", "weights": "exact", "b": 2, "temperature": T_C, "bits": bits, "bits_err": 0.01} for m, bits in (("majority", 0.5), ("decimation", 0.4))]
        + [{"map": "code_sign", "model": "conv-b2-none", "weights": "trained", "b": 2, "temperature": T_C, "bits": information_bits, "bits_err": 0.01}]
    )
    keys = {"model": "conv-b2-none", "variant": "sign", "thermometer": "energy"}
    fixed_points = pd.DataFrame([keys | {"weights": "trained", "T_fixed": 2.3, "slope": 0.5, "stability": "stable"}])
    directions = pd.DataFrame([keys | {"weights": w, "fraction_towards": f, "direction": d}
                               for w, f, d in (("trained", 0.1 if direction == "away from T_c" else 0.9, direction), ("far", 0.9, "towards T_c"))])
    return block_flow, learned_flow, agreement, information, fixed_points, directions


def test_verdict_applies_every_written_threshold():
    verdict = verdict_table(*_verdict_inputs(0.95, 0.45), L=24)
    assert list(verdict.columns) == VERDICT_COLUMNS
    rows = {(row.map, row.weights): row for row in verdict.itertuples()}
    majority_row = rows[("majority", "exact")]
    assert (majority_row.fixed_point_ok, majority_row.nu_ok, majority_row.agreement_ok, majority_row.information_ok) == ("yes", "yes", "yes", "yes")
    assert majority_row.flow_direction_ok == "" and majority_row.criteria_measured == 4
    decimation = rows[("decimation", "exact")]
    assert decimation.nu_ok == "no" and decimation.agreement_ok == decimation.information_ok == ""  # the baseline
    trained = rows[("code_sign", "trained")]
    assert trained.criteria_passed == trained.criteria_measured == 5 and "all 5" in trained.conclusion
    assert trained.locality_ok == "" and math.isnan(trained.locality_window_fraction)  # no locality table given
    assert trained.flow_fixed_points == "2.300 (stable)"
    untrained = rows[("code_sign", "untrained")]
    assert (untrained.fixed_point_ok, untrained.nu_ok, untrained.agreement_ok) == ("no", "no", "no")
    assert rows[("network flow only", "far")].flow_direction_ok == "no"
    for name, threshold in CRITERIA.items():
        assert (verdict[f"{name}_threshold"] == threshold).all()
    assert "conv-b2-none code_sign" in conclusion(verdict)


def test_verdict_fails_a_learned_map_that_flows_towards_tc_or_keeps_less():
    verdict = verdict_table(*_verdict_inputs(0.7, 0.2, direction="towards T_c"), L=24)
    trained = verdict[(verdict["map"] == "code_sign") & (verdict["weights"] == "trained")].iloc[0]
    assert (trained["agreement_ok"], trained["information_ok"], trained["flow_direction_ok"]) == ("no", "no", "no")
    assert trained["criteria_passed"] == 2 and "fails agreement, information, flow_direction" in trained["conclusion"]
    assert conclusion(verdict).startswith("No trained network")
    assert math.isnan(verdict[verdict["map"] == "network flow only"].iloc[0]["T_star"])


def test_verdict_locality_criterion():
    locality = pd.DataFrame([
        {"model": "majority", "weights": "exact", "probe": "block", "window_fraction": 1.0},
        {"model": "decimation", "weights": "exact", "probe": "block", "window_fraction": 1.0},
        *({"model": "conv-b2-none", "weights": "trained", "probe": "receptive_field", "window_fraction": f} for f in (0.7, 0.8, 0.9)),
        *({"model": "conv-b2-none", "weights": "untrained", "probe": "receptive_field", "window_fraction": f} for f in (0.1, 0.2, 0.3)),
        {"model": "conv-b2-none", "weights": "trained", "probe": "activation_max", "window_fraction": 0.0},
        *({"model": "dbn", "weights": "trained", "probe": f"layer{l}", "window_fraction": 0.1 * l, "b": 2**l, "L": 32} for l in (1, 2)),
        *({"model": "conv-b2-none", "weights": "noise-trained", "probe": "receptive_field", "window_fraction": f, "b": 2, "L": 24} for f in (0.5, 0.6, 0.7)),
        {"model": "conv-b2-none", "weights": "sine-trained", "probe": "receptive_field", "window_fraction": 0.2, "b": 2, "L": 24},
    ])
    verdict = verdict_table(*_verdict_inputs(0.95, 0.45), L=24, locality=locality)
    rows = {(row.map, row.weights): row for row in verdict.itertuples()}
    assert rows[("majority", "exact")].locality_ok == "yes"
    assert rows[("code_sign", "trained")].locality_window_fraction == pytest.approx(0.8)  # the receptive field's median
    assert rows[("code_sign", "trained")].locality_ok == "yes" and rows[("code_sign", "untrained")].locality_ok == "no"
    assert rows[("code_sign", "trained")].criteria_measured == 6
    layer2 = rows[("layer2", "trained")]
    assert (layer2.b, layer2.L, layer2.locality_window_fraction, layer2.locality_ok, layer2.criteria_measured) == (4, 32, 0.2, "no", 1)
    # a network as local from noise as from Ising data: the row that says locality proves nothing alone
    noise = rows[("receptive field only", "noise-trained")]
    assert (noise.model, noise.locality_window_fraction, noise.locality_ok, noise.criteria_measured) == ("conv-b2-none", pytest.approx(0.6), "yes", 1)
    assert rows[("receptive field only", "sine-trained")].locality_ok == "no"
    assert "conv-b2-none noise-trained f = 0.60 (yes)" in conclusion(verdict)
    assert "locality of conv-b2-none is reached by training on control data" in conclusion(verdict)
    # a DBN layer passes its one criterion, locality, but has no flow: it is no block-spin RG
    dbn = dict(rows[("layer2", "trained")]._asdict(), locality_ok="yes", criteria_passed=1)
    with_local_dbn = pd.concat([verdict, pd.DataFrame([dbn]).drop(columns="Index")], ignore_index=True)
    answer = conclusion(with_local_dbn).split(". ")[0]
    assert answer == "Trained maps that pass every criterion measured: conv-b2-none code_sign"
    # and read back from CSV, where an unmeasured criterion is NaN, not ""
    assert conclusion(pd.read_csv(io.StringIO(with_local_dbn.to_csv(index=False)))) == conclusion(with_local_dbn)
