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
    verdict = pd.DataFrame(
        [
            {
                "map": "majority",
                "model": np.nan,
                "weights": "exact",
                "b": 2,
                "L": 24,
                "T_star": 2.2668,
                "T_star_err": 0.0054,
                "nu": 0.996,
                "nu_err": 0.035,
                "agreement_tc": 1.0,
                "agreement_tc_err": 0.0,
                "information_tc_bits": 0.496,
                "information_tc_bits_err": 0.029,
                "flow_direction": np.nan,
                "locality_window_fraction": 1.0,
                "fixed_point_ok": "yes",
                "nu_ok": "yes",
                "locality_ok": "yes",
                "criteria_passed": 5,
                "criteria_measured": 5,
                "conclusion": "majority passes",
            },
            {
                "map": "code_sign",
                "model": "conv-b2-none",
                "weights": "trained",
                "b": 2,
                "L": 24,
                "T_star": 2.2653,
                "T_star_err": 0.0088,
                "nu": 1.062,
                "nu_err": 0.056,
                "agreement_tc": 0.9146,
                "agreement_tc_err": 0.0029,
                "information_tc_bits": 0.392,
                "information_tc_bits_err": 0.023,
                "flow_direction": "colder everywhere",
                "locality_window_fraction": 0.58,
                "fixed_point_ok": "yes",
                "nu_ok": "yes",
                "locality_ok": "yes",
                "criteria_passed": 5,
                "criteria_measured": 6,
                "conclusion": "conv passes 5 of 6",
            },
        ]
    )
    return {"tc_thermodynamic": tc_thermodynamic, "tc_latent": tc_latent, "rg_flow": rg_flow, "verdict": verdict}


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
    assert summary["conclusion"].startswith("No trained network")  # conv passes 5 of 6


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
    assert "| majority |  | exact | 2.2668 ± 0.0054 | 0.996 ± 0.035 | 1 | 0.496 ± 0.029 |  | 1 | 5/5 |" in markdown
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
