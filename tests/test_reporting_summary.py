"""deeprenorm.reporting.summary: every number of the study's summary is the value in its table,
the config hash, the key numbers, the Markdown summary and the report's front page.

The tables are hand-made rows of the shapes the stages write; the values are compared exactly.
"""

import json
import math

import numpy as np
import pandas as pd

from deeprenorm.exact import T_C
from deeprenorm.reporting.benchmarks import stage_totals
from deeprenorm.reporting.readme import readme_block
from deeprenorm.reporting.summary import (
    MARKDOWN_SECTIONS,
    SECTIONS,
    key_numbers,
    report_description,
    summarise,
    summary_markdown,
)


def _tables():
    tc_thermodynamic = pd.DataFrame(
        [
            {
                "method": "chi_prime_peak",
                "L": 16,
                "L2": np.nan,
                "T_c": 2.4044,
                "T_c_err": 0.0033,
                "deviation_from_onsager": 0.135,
                "deviation_sigma": 40.4,
            },
            {
                "method": "chi_prime_peak_extrapolation",
                "L": np.nan,
                "L2": np.nan,
                "T_c": 2.26325,
                "T_c_err": 0.00587,
                "deviation_from_onsager": -0.006,
                "deviation_sigma": -1.0,
            },
            {
                "method": "binder_crossing_mean",
                "L": np.nan,
                "L2": np.nan,
                "T_c": 2.26419,
                "T_c_err": 0.00307,
                "deviation_from_onsager": -0.005,
                "deviation_sigma": -1.6,
            },
        ]
    )
    tc_latent = pd.DataFrame(
        [
            {
                "model": "alexandrou-k1-none",
                "reduction": "mean",
                "part": "test",
                "observable": "chi_z",
                "method": "chi_z_peak_extrapolation",
                "L": np.nan,
                "L2": np.nan,
                "T_c": 2.28293,
                "T_c_err": 0.01573,
                "seed_spread": np.nan,
                "n_seeds": 2,
                "nu": np.nan,
                "nu_err": np.nan,
            },
            {
                "model": "alexandrou-k1-none",
                "reduction": "mean",
                "part": "test",
                "observable": "chi_z",
                "method": "chi_z_peak",
                "L": 16,
                "L2": np.nan,
                "T_c": 2.4038,
                "T_c_err": 0.0096,
                "seed_spread": 0.0088,
                "n_seeds": 2,
                "nu": np.nan,
                "nu_err": np.nan,
            },
        ]
    )
    rg_flow = pd.DataFrame(
        [
            {
                "L": L,
                "L_coarse": L // 2,
                "b": 2,
                "map": "majority",
                "observable": "binder",
                "T_star": T,
                "T_star_err": 0.005,
                "T_star_deviation_percent": 100 * (T - T_C) / T_C,
                "nu": nu,
                "nu_err": 0.03,
            }
            for L, T, nu in ((16, 2.2624, 0.994), (24, 2.2668, 0.996))
        ]
    )
    # the long form of deeprenorm.rg.verdict: one row per map, model, weights, b and criterion
    verdict = pd.DataFrame(
        [
            {"map": name, "model": model, "weights": weights, "b": 2, "criterion": criterion}
            | {"value": value, "error": error, "reference": "15/8" if criterion == "y_h" else "T_c"}
            | {"threshold": "t", "passed": passed, "votes": "true", "seeds": seeds, "note": ""}
            for name, model, weights, seeds, criterion, value, error, passed in (
                ("majority", np.nan, "exact", np.nan, "y_h", 1.8755, 0.0005, "true"),
                ("majority", np.nan, "exact", np.nan, "fixed_point", 2.2668, 0.0054, "true"),
                ("code_sign", "conv-b2-none", "trained", "0,1,2", "y_h", 1.9346, 0.0012, "false"),
                ("code_sign", "conv-b2-none", "trained", "0,1,2", "fixed_point", 2.2653, 0.0088, "true"),
                ("code_sign", "conv-b2-none", "untrained", "0,1,2", "y_h", 2.3, 0.02, "false"),
                ("code_sign", "conv-b2-none", "untrained", "0,1,2", "fixed_point", np.nan, np.nan, "false"),
            )
        ]
    )
    calibration = pd.DataFrame(
        [
            {
                "criterion": criterion,
                "threshold": "t",
                "positive_control": "majority (b = 2)",
                "positive_passed": "true",
                "negative_controls": "conv-b2-none code_sign",
                "negatives_failed": 1,
                "negatives": 1,
                "votes": "true",
                "reason": "the positive control passes and every untrained architecture fails",
                "other_exact_maps": "",
            }
            for criterion in ("y_h", "fixed_point")
        ]
    )
    return {
        "tc_thermodynamic": tc_thermodynamic,
        "tc_latent": tc_latent,
        "rg_flow": rg_flow,
        "verdict": verdict,
        "calibration": calibration,
    }


def _summary(tables=None):
    tables = tables or _tables()
    paths = {name: f"results/tables/{SECTIONS[name][0]}" for name in tables}
    stages = stage_totals(
        pd.DataFrame(
            [{"stage": "Training", "rule": "train", "job": "a", "wall_s": 40.0, "cpu_s": 39.0, "max_rss_mb": 600.0}]
        )
    )
    datasets = [
        {
            "L": 16,
            "temperatures": 3,
            "samples_per_temperature": 40,
            "spins": 3 * 40 * 256,
            "bytes": 12345,
            "algorithm": "auto",
        }
    ]
    return summarise(
        tables, paths, datasets, stages, {"seed": 7, "lattice_sizes": [16]}, headline_model="alexandrou-k1-none"
    )


def test_every_number_of_the_summary_is_the_value_in_its_table():
    tables = _tables()
    summary = json.loads(json.dumps(_summary(tables)))  # through JSON, as the file is read back
    for section, table in tables.items():
        rows = summary[section]["rows"]
        assert summary[section]["table"] == f"results/tables/{SECTIONS[section][0]}" and len(rows) == len(table)
        for row, (_, source) in zip(rows, table.iterrows()):
            for column, value in row.items():
                expected = source[column]
                if isinstance(expected, float) and math.isnan(expected):
                    assert value is None, (section, column)
                else:
                    assert value == expected, (section, column, value, expected)
    assert summary["onsager_T_c"] == T_C and summary["seed"] == 7 and len(summary["config_sha256"]) == 64
    assert summary["performance"]["rows"][-1]["stage"] == "total"
    assert {"python", "numpy", "torch", "snakemake", "deeprenorm"} <= set(summary["software"])
    assert summary["conclusion"].startswith("No trained network")  # conv fails y_h


def test_a_different_config_gives_a_different_hash():
    tables = _tables()
    stages = stage_totals(pd.DataFrame(columns=["stage", "rule", "job", "wall_s", "cpu_s", "max_rss_mb"]))
    one = summarise(tables, {n: n for n in tables}, [], stages, {"seed": 7}, headline_model="x")
    other = summarise(tables, {n: n for n in tables}, [], stages, {"seed": 8}, headline_model="x")
    assert one["config_sha256"] != other["config_sha256"]


def test_key_numbers_markdown_and_report_front_page_quote_the_tables():
    summary = _summary()
    numbers = key_numbers(summary)
    assert numbers["T_c thermodynamic (chi' peaks, 1/L extrapolation)"] == "2.2633 ± 0.0059"
    assert numbers["T_c latent (alexandrou-k1-none, chi_z peaks, 1/L extrapolation)"] == "2.283 ± 0.016"
    assert numbers["majority rule T* (24 -> 12, U4 matched)"] == "2.2668 ± 0.0050"  # the largest pair
    assert numbers["configurations stored"] == "120 (0.0 million spins)"
    markdown = summary_markdown(summary)
    for name, (heading, _) in MARKDOWN_SECTIONS.items():
        if name not in ("dynamic_exponents", "width_sweep", "locality"):  # not in these tables
            assert f"## {heading}" in markdown, heading
    # the verdict as maps by criteria, the voting criteria marked, every value with its error
    assert "| map | model | weights | b | y_h (votes) | fixed_point (votes) |" in markdown
    assert "| majority |  | exact | 2 | 1.87550 ± 0.00050 pass | 2.2668 ± 0.0054 pass |" in markdown
    assert (
        "| code_sign | conv-b2-none | trained (3 seeds) | 2 | 1.9346 ± 0.0012 FAIL | 2.2653 ± 0.0088 pass |" in markdown
    )
    assert "| y_h | t | majority (b = 2): passes | 1 of 1 | yes |" in markdown
    assert "2.2633 ± 0.0059" in markdown and summary["config_sha256"] in markdown
    front = report_description(summary, "deeprenorm\n==========\n\nThe question.\n")
    assert front.startswith("deeprenorm\n==========") and "Answer\n------" in front and "2.2633 ± 0.0059" in front
    assert "{{" not in front and "{%" not in front
    block = readme_block(summary, {"summary": "docs/figures/summary.png"})
    assert (
        "![" in block
        and "(docs/figures/summary.png)" in block
        and "### Key numbers" in block
        and "# deeprenorm" not in block
    )
