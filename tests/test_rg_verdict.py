"""deeprenorm.rg.verdict: every map through every criterion, each criterion calibrated (the
majority rule passes, untrained weights fail) before it votes, learned maps combined over seeds,
information differences paired.

The inputs are hand-made tables of the shape the RG stages write, with values chosen on either
side of each threshold, so every outcome is known exactly.
"""

import io
import math

import numpy as np
import pandas as pd
import pytest

from deeprenorm.exact import T_C
from deeprenorm.rg.verdict import (
    CALIBRATION_COLUMNS,
    CRITERIA,
    VERDICT_COLUMNS,
    WEIGHTS,
    VerdictInputs,
    answer,
    combine_seeds,
    conclusion,
    verdict_table,
)

T = [2.0, T_C, 2.6]
N_REPLICAS = 50


def _nn_row(model, weights, seed, name, mismatch):
    """The ``nn`` row of a map's flow, with T'_nn - T'_U4 at T_c."""
    return _flow_rows(model, weights, seed, name, math.nan, math.nan) | {
        "observable": "nn",
        "mismatch_tc": mismatch,
        "mismatch_tc_err": 0.004,
    }


def _flow_rows(model, weights, seed, name, T_star, nu, error=0.005):
    return {
        "model": model,
        "weights": weights,
        "seed": seed,
        "map": name,
        "b": 2,
        "observable": "binder",
        "T_star": T_star,
        "T_star_err": error,
        "nu": nu,
        "nu_err": 0.05,
        "note": "",
    }


def _information(rows):
    """The information table and its replicas: each map's replicas are the shared draws
    ``common`` plus its own small noise, so that a paired difference has a small error."""
    common = np.random.default_rng(0).normal(0.0, 0.03, N_REPLICAS)
    table, replicas = [], []
    for k, (name, model, weights, seed, bits, buffer) in enumerate(rows):
        labels = {
            "L": 24,
            "b": 2,
            "buffer": buffer,
            "map": name,
            "model": model,
            "weights": weights,
            "seed": seed,
            "temperature": T_C,
        }
        table.append(labels | {"bits": bits, "bits_err": 0.03})
        own = np.random.default_rng(k + 1).normal(0.0, 0.002, N_REPLICAS) if name != "majority_copy" else 0.0
        replicas.append(pd.DataFrame(labels | {"replica": np.arange(N_REPLICAS), "bits": bits + common + own}))
    return pd.DataFrame(table), pd.concat(replicas, ignore_index=True)


def _exponents(rows):
    frames = []
    for name, model, weights, seed, y_h, y_t in rows:
        for exponent, value in (("y_h", y_h), ("y_t", y_t)):
            frames.append(
                {
                    "map": name,
                    "model": model,
                    "weights": weights,
                    "seed": seed,
                    "b": 2,
                    "L": 64,
                    "level": 2,
                    "L_coarse": 16,
                    "operators": 3,
                    "exponent": exponent,
                    "value": value,
                    "value_err": 0.002 if exponent == "y_h" else 0.01,
                    "reversal_asymmetry": 0.0,
                }
            )
    return pd.DataFrame(frames)


def _directions(rows):
    return pd.DataFrame(
        [
            {
                "model": model,
                "weights": weights,
                "seed": seed,
                "variant": "sign",
                "thermometer": "energy",
                "fraction_towards": 0.0,
                "fraction_away": 1.0 if direction == "away from T_c" else 0.0,
                "direction": direction,
                "n_used": 10,
            }
            for model, weights, seed, direction in rows
        ]
    )


def _agreement(rows):
    return pd.DataFrame(
        [
            {
                "L": 24,
                "b": 2,
                "model": model,
                "map": name,
                "weights": weights,
                "seed": seed,
                "temperature": t,
                "agreement": value,
                "agreement_err": 0.005,
                "uniform_fraction": 1.0 if name == "global_sign" else 0.0,
            }
            for name, model, weights, seed, value in rows
            for t in T
        ]
    )


def make_inputs(*, untrained_y_h=2.1, block_spin_direction="colder everywhere", trained_seeds=(0, 1, 2), sine_T=2.27):
    conv = "conv-b2-none"
    learned_flow = pd.DataFrame(
        [
            _flow_rows("", "exact", -1, "majority", 2.268, 1.0),
            _flow_rows("", "exact", -1, "decimation", 2.26, 1.05),
            *(_flow_rows(conv, "trained", seed, "code_sign", 2.27 + 0.002 * seed, 1.02) for seed in trained_seeds),
            *(_flow_rows(conv, "untrained", seed, "code_sign", 2.13, -0.8) for seed in trained_seeds),
            _flow_rows(conv, "sine-trained", 0, "code_sign", sine_T, 0.97),
            _nn_row("", "exact", -1, "majority", 0.004),
            _nn_row("", "exact", -1, "decimation", 0.09),
            *(_nn_row(conv, "trained", seed, "code_sign", 0.05) for seed in trained_seeds),
            *(_nn_row(conv, "untrained", seed, "code_sign", math.nan) for seed in trained_seeds),
            _nn_row(conv, "sine-trained", 0, "code_sign", 0.002),
        ]
    )
    block_flow = pd.DataFrame(
        [
            {
                "L": 24,
                "map": "majority",
                "b": 3,
                "observable": "binder",
                "T_star": 2.266,
                "T_star_err": 0.003,
                "nu": 0.96,
                "nu_err": 0.02,
            },
            {"L": 24, "map": "majority", "b": 2, "observable": "binder", "T_star": 2.267, "T_star_err": 0.005}
            | {"nu": 1.0, "nu_err": 0.035},
        ]
    )
    information, replicas = _information(
        [
            ("majority", "", "exact", -1, 0.50, 2),
            ("decimation", "", "exact", -1, 0.40, 2),
            ("decimation", "", "exact", -1, 0.38, 3),
            *(("code_sign", conv, "trained", seed, 0.41, 3) for seed in trained_seeds),
            *(("code_sign", conv, "untrained", seed, 0.03, 3) for seed in trained_seeds),
            ("code_sign", conv, "sine-trained", 0, 0.45, 3),
        ]
    )
    exponents = _exponents(
        [
            ("majority", "", "exact", -1, 1.8755, 1.0),
            ("decimation", "", "exact", -1, 1.9365, 1.2),
            *(("code_sign", conv, "trained", seed, 1.935, 1.1) for seed in trained_seeds),
            *(("code_sign", conv, "untrained", seed, untrained_y_h, math.nan) for seed in trained_seeds),
            ("code_sign", conv, "sine-trained", 0, 1.856, 0.9),
        ]
    )
    agreement = _agreement(
        [
            ("decimation", "decimation", "exact", -1, 0.907),
            ("majority_retied", "majority_retied", "exact", -1, 0.958),
            ("global_sign", "global_sign", "exact", -1, 0.859),
            *(("code_sign", conv, "trained", seed, 0.915) for seed in trained_seeds),
            *(("code_sign", conv, "untrained", seed, 0.60) for seed in trained_seeds),
            ("code_sign", conv, "sine-trained", 0, 0.953),
        ]
    )
    directions = _directions(
        [
            ("block-spin-b2", "exact", -1, block_spin_direction),
            *((conv, "trained", seed, "colder everywhere") for seed in trained_seeds),
            *((conv, "untrained", seed, "hotter everywhere") for seed in trained_seeds),
            (conv, "sine-trained", 0, "away from T_c"),
        ]
    )
    locality = pd.DataFrame(
        {
            "model": ["", conv, conv, conv],
            "weights": ["exact", "trained", "untrained", "sine-trained"],
            "probe": ["block", "receptive_field", "receptive_field", "receptive_field"],
            "window_fraction": [1.0, 0.58, 0.40, 0.59],
            "b": 2,
            "L": 24,
        }
    )
    return VerdictInputs(
        block_flow=block_flow,
        learned_flow=learned_flow,
        agreement=agreement,
        information=information,
        information_replicas=replicas,
        fixed_points=pd.DataFrame(),
        directions=directions,
        locality=locality,
        exponents=exponents,
        L=24,
    )


def cell(verdict, criterion, *, map_name="code_sign", weights="trained", b=2, column="passed"):
    rows = verdict[
        (verdict["map"] == map_name)
        & (verdict["weights"] == weights)
        & (verdict["b"] == b)
        & (verdict["criterion"] == criterion)
    ]
    assert len(rows) == 1, (map_name, weights, criterion)
    return rows.iloc[0][column]


def test_the_table_contract():
    verdict, calibration = verdict_table(make_inputs())
    assert list(verdict.columns) == VERDICT_COLUMNS and list(calibration.columns) == CALIBRATION_COLUMNS
    assert set(verdict["weights"]) <= set(WEIGHTS)
    assert set(verdict["passed"]) <= {"true", "false", ""} and set(verdict["votes"]) <= {"true", "false"}
    assert set(verdict["criterion"]) == set(CRITERIA)
    # every map that is judged at all has a row for every criterion (empty where not measurable)
    for (name, weights), rows in verdict.groupby(["map", "weights"]):
        if name not in ("global_sign", "block-spin autoencoder"):
            assert set(rows["criterion"]) == set(CRITERIA), (name, weights)
    # a number without an error says why
    missing = verdict[np.isfinite(verdict["value"].astype(float)) & ~np.isfinite(verdict["value_err"].astype(float))]
    assert (missing["note"].str.len() > 0).all()
    # the written table reads back with the same outcomes
    buffer = io.StringIO()
    verdict.to_csv(buffer, index=False)
    again = pd.read_csv(io.StringIO(buffer.getvalue()), keep_default_na=False)
    assert list(again["passed"]) == list(verdict["passed"])


def test_a_criterion_votes_only_when_the_majority_rule_passes_and_untrained_weights_fail():
    verdict, calibration = verdict_table(make_inputs())
    votes = dict(zip(calibration["criterion"], calibration["votes"]))
    # y_h: majority 1.8755 within 0.5 %, every untrained y_h 2.1 fails
    assert votes["y_h"] == "true" and cell(verdict, "y_h", map_name="majority", weights="exact") == "true"
    # y_t: the untrained maps' y_t was not located (NaN): a learned map that locates nothing fails
    assert cell(verdict, "y_t", weights="untrained") == "false" and votes["y_t"] == "true"
    # the ideal block-spin autoencoder reads "colder": the flow criterion fails exact RG
    assert votes["flow_direction"] == "false"
    reason = calibration.set_index("criterion").loc["flow_direction", "reason"]
    assert "block-spin autoencoder" in reason and "fails" in reason
    # agreement is descriptive and never votes, whatever its outcome
    assert votes["agreement"] == "false"
    # one T' for U_4 and <s s_nn>: the majority rule (0.004) passes, decimation (0.09) and the
    # trained code (0.05 > 1 % of T_c + 2 errors) fail, the untrained matched none
    assert votes["short_range"] == "true"
    assert cell(verdict, "short_range", map_name="decimation", weights="exact") == "false"
    assert cell(verdict, "short_range") == "false" and cell(verdict, "short_range", weights="untrained") == "false"
    # untrained weights that pass y_h take its vote away
    verdict, calibration = verdict_table(make_inputs(untrained_y_h=1.876))
    assert dict(zip(calibration["criterion"], calibration["votes"]))["y_h"] == "false"
    assert set(verdict[verdict["criterion"] == "y_h"]["votes"]) == {"false"}
    # a block-spin autoencoder whose flow ran away from T_c would let the criterion vote
    _, calibration = verdict_table(make_inputs(block_spin_direction="away from T_c"))
    assert dict(zip(calibration["criterion"], calibration["votes"]))["flow_direction"] == "true"


def test_tautologies_are_references_not_passes():
    verdict, _ = verdict_table(make_inputs())
    assert cell(verdict, "agreement", map_name="majority", weights="exact") == ""
    assert cell(verdict, "locality", map_name="majority", weights="exact") == ""
    assert cell(verdict, "locality", map_name="majority", weights="exact", column="value") == 1.0
    # the global-sign baseline is a row of its own; a map above it by two errors passes
    assert cell(verdict, "agreement", map_name="global_sign", weights="exact", column="value") == pytest.approx(0.859)
    assert cell(verdict, "agreement") == "true" and cell(verdict, "agreement", weights="untrained") == "false"


def test_seeds_are_combined_with_their_spread_and_the_shared_error():
    value = combine_seeds([1.0, 1.2, 1.1], [0.05, 0.05, 0.05], [0, 1, 2])
    assert value.value == pytest.approx(1.1)
    # the spread of three seeds, widened by Student's t with two degrees of freedom (1.3213)
    assert value.error == pytest.approx(math.hypot(1.3213 * 0.1 / math.sqrt(3), 0.05), rel=1e-4)
    assert value.seeds == "0,1,2"
    missing = combine_seeds([1.0, math.nan], [0.1, 0.1], [0, 1])
    assert math.isnan(missing.value) and missing.note == "1 of 2 networks located none"
    verdict, _ = verdict_table(make_inputs())
    assert cell(verdict, "fixed_point", column="seeds") == "0,1,2"
    assert cell(verdict, "fixed_point", column="value") == pytest.approx(2.272)


def test_information_differences_are_paired():
    verdict, _ = verdict_table(make_inputs())
    # the trained code (buffer 3) against decimation at buffer 3: 0.41 - 0.38, the shared draws
    # cancel and the paired error is the maps' own noise, far below the combined 0.03 * sqrt(2)
    assert cell(verdict, "information", column="value") == pytest.approx(0.03)
    assert cell(verdict, "information", column="value_err") < 0.01
    assert cell(verdict, "information", map_name="majority", weights="exact", column="value") == pytest.approx(0.10)
    assert cell(verdict, "information", weights="untrained") == "false"


def test_the_spread_over_the_probe_splits_joins_the_error_of_an_information_difference():
    inputs = make_inputs()
    replicas = inputs.information_replicas.assign(split=0)
    # one other split, where the trained code's difference to decimation is 0.06 bits, not 0.03
    others = inputs.information[["L", "b", "buffer", "map", "model", "weights", "seed", "temperature", "bits"]].copy()
    others["bits"] += np.where(others["weights"] == "trained", 0.03, 0.0)
    replicas = pd.concat([replicas, others.assign(split=1, replica=-1)], ignore_index=True)
    verdict, _ = verdict_table(VerdictInputs(**{**inputs.__dict__, "information_replicas": replicas}))
    bootstrap_only, _ = verdict_table(inputs)
    assert cell(verdict, "information", column="value") == pytest.approx(0.03)
    error, paired = (
        cell(verdict, "information", column="value_err"),
        cell(bootstrap_only, "information", column="value_err"),
    )
    spread = np.std([0.03, 0.06], ddof=1)
    assert error == pytest.approx(math.hypot(paired, spread), rel=1e-6)
    assert "split spread" in cell(verdict, "information", column="note")


def test_every_control_goes_through_every_criterion_and_the_conclusion_says_which_pass():
    verdict, _ = verdict_table(make_inputs())
    sine = verdict[verdict["weights"] == "sine-trained"]
    assert set(sine["criterion"]) == set(CRITERIA)
    text = conclusion(verdict)
    # the trained conv fails y_h (1.935, as decimation); the sine-trained control passes T* and nu
    assert "No trained network passes every calibrated criterion" in answer(verdict)
    assert "fixed_point" in text and "controls passing too: conv-b2-none code_sign (sine-trained)" in text
    assert "flow_direction does not vote (the block-spin autoencoder fails it)" in text
    # with trained maps that pass everything, the answer names them and the controls that share it
    inputs = make_inputs()
    exponents = inputs.exponents.copy()
    exponents.loc[(exponents["weights"] == "trained") & (exponents["exponent"] == "y_h"), "value"] = 1.876
    exponents.loc[(exponents["weights"] == "trained") & (exponents["exponent"] == "y_t"), "value"] = 1.0
    flow = inputs.learned_flow.copy()
    flow.loc[(flow["weights"] == "trained") & (flow["observable"] == "nn"), "mismatch_tc"] = 0.0
    inputs = VerdictInputs(**{**inputs.__dict__, "exponents": exponents, "learned_flow": flow})
    verdict, _ = verdict_table(inputs)
    text = answer(verdict)
    assert "conv-b2-none code_sign (trained, 3 seeds)" in text and "its controls pass" in text


def test_a_map_that_locates_no_fixed_point_fails():
    inputs = make_inputs(sine_T=math.nan)
    verdict, _ = verdict_table(inputs)
    assert cell(verdict, "fixed_point", weights="sine-trained") == "false"
    assert "located none" in cell(verdict, "fixed_point", weights="sine-trained", column="note")
