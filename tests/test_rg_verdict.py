"""deeprenorm.rg.verdict: the verdict table applies every written criterion and threshold to the
measurements of each map, and its conclusion names the trained maps that pass them all.

The inputs are hand-made tables of the shape the RG stages write, with values chosen on either
side of each threshold, so every outcome is known exactly.
"""

import io
import math

import pandas as pd
import pytest

from deeprenorm.exact import T_C
from deeprenorm.rg.verdict import CRITERIA, VERDICT_COLUMNS, conclusion, verdict_table


def _verdict_inputs(agreement_tc, information_bits, direction="away from T_c"):
    T = [2.0, T_C, 2.6]
    block_flow = pd.DataFrame(
        {
            "L": 24,
            "map": ["majority", "decimation"],
            "b": 2,
            "observable": "binder",
            "T_star": [2.265, 2.24],
            "T_star_err": [0.005, 0.01],
            "nu": [1.0, 1.4],
            "nu_err": [0.03, 0.1],
        }
    )
    learned_flow = pd.DataFrame(
        {
            "model": "conv-b2-none",
            "weights": ["trained", "untrained"],
            "map": "code_sign",
            "b": 2,
            "observable": "binder",
            "T_star": [2.27, 2.5],
            "T_star_err": [0.01, 0.05],
            "nu": [1.05, 2.0],
            "nu_err": [0.05, 0.3],
        }
    )
    agreement = pd.DataFrame(
        [
            {
                "L": 24,
                "b": 2,
                "model": "decimation",
                "map": "decimation",
                "weights": "exact",
                "temperature": t,
                "agreement": 0.8,
                "agreement_err": 0.01,
            }
            for t in T
        ]
        + [
            {
                "L": 24,
                "b": 2,
                "model": "conv-b2-none",
                "map": "code_sign",
                "weights": w,
                "temperature": t,
                "agreement": a,
                "agreement_err": 0.01,
            }
            for w, a in (("trained", agreement_tc), ("untrained", 0.55))
            for t in T
        ]
    )
    information = pd.DataFrame(
        [
            {"map": m, "model": "", "weights": "exact", "b": 2, "temperature": T_C, "bits": bits, "bits_err": 0.01}
            for m, bits in (("majority", 0.5), ("decimation", 0.4))
        ]
        + [
            {
                "map": "code_sign",
                "model": "conv-b2-none",
                "weights": "trained",
                "b": 2,
                "temperature": T_C,
                "bits": information_bits,
                "bits_err": 0.01,
            }
        ]
    )
    keys = {"model": "conv-b2-none", "variant": "sign", "thermometer": "energy"}
    fixed_points = pd.DataFrame([keys | {"weights": "trained", "T_fixed": 2.3, "slope": 0.5, "stability": "stable"}])
    directions = pd.DataFrame(
        [
            keys | {"weights": w, "fraction_towards": f, "direction": d}
            for w, f, d in (
                ("trained", 0.1 if direction == "away from T_c" else 0.9, direction),
                ("far", 0.9, "towards T_c"),
            )
        ]
    )
    return block_flow, learned_flow, agreement, information, fixed_points, directions


def test_verdict_applies_every_written_threshold():
    verdict = verdict_table(*_verdict_inputs(0.95, 0.45), L=24)
    assert list(verdict.columns) == VERDICT_COLUMNS
    rows = {(row.map, row.weights): row for row in verdict.itertuples()}
    majority_row = rows[("majority", "exact")]
    assert (
        majority_row.fixed_point_ok,
        majority_row.nu_ok,
        majority_row.agreement_ok,
        majority_row.information_ok,
    ) == ("yes", "yes", "yes", "yes")
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
    locality = pd.DataFrame(
        [
            {"model": "majority", "weights": "exact", "probe": "block", "window_fraction": 1.0},
            {"model": "decimation", "weights": "exact", "probe": "block", "window_fraction": 1.0},
            *(
                {"model": "conv-b2-none", "weights": "trained", "probe": "receptive_field", "window_fraction": f}
                for f in (0.7, 0.8, 0.9)
            ),
            *(
                {"model": "conv-b2-none", "weights": "untrained", "probe": "receptive_field", "window_fraction": f}
                for f in (0.1, 0.2, 0.3)
            ),
            {"model": "conv-b2-none", "weights": "trained", "probe": "activation_max", "window_fraction": 0.0},
            *(
                {
                    "model": "dbn",
                    "weights": "trained",
                    "probe": f"layer{layer}",
                    "window_fraction": 0.1 * layer,
                    "b": 2**layer,
                    "L": 32,
                }
                for layer in (1, 2)
            ),
            *(
                {
                    "model": "conv-b2-none",
                    "weights": "noise-trained",
                    "probe": "receptive_field",
                    "window_fraction": f,
                    "b": 2,
                    "L": 24,
                }
                for f in (0.5, 0.6, 0.7)
            ),
            {
                "model": "conv-b2-none",
                "weights": "sine-trained",
                "probe": "receptive_field",
                "window_fraction": 0.2,
                "b": 2,
                "L": 24,
            },
        ]
    )
    verdict = verdict_table(*_verdict_inputs(0.95, 0.45), L=24, locality=locality)
    rows = {(row.map, row.weights): row for row in verdict.itertuples()}
    assert rows[("majority", "exact")].locality_ok == "yes"
    assert rows[("code_sign", "trained")].locality_window_fraction == pytest.approx(0.8)  # the receptive field's median
    assert rows[("code_sign", "trained")].locality_ok == "yes" and rows[("code_sign", "untrained")].locality_ok == "no"
    assert rows[("code_sign", "trained")].criteria_measured == 6
    layer2 = rows[("layer2", "trained")]
    assert (layer2.b, layer2.L, layer2.locality_window_fraction, layer2.locality_ok, layer2.criteria_measured) == (
        4,
        32,
        0.2,
        "no",
        1,
    )
    # a network as local from noise as from Ising data: the row that says locality proves nothing alone
    noise = rows[("receptive field only", "noise-trained")]
    assert (noise.model, noise.locality_window_fraction, noise.locality_ok, noise.criteria_measured) == (
        "conv-b2-none",
        pytest.approx(0.6),
        "yes",
        1,
    )
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
