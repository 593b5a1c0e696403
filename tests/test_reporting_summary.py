"""deeprenorm.reporting.summary: every number of the study's summary is the value in its table,
the config hash, the key numbers, the Markdown summary and the report's front page.

The tables are hand-made rows of the shapes the stages write; the values are compared exactly.
"""

import json
import math

import numpy as np
import pandas as pd

from deeprenorm.exact import T_C
from deeprenorm.provenance import source_commit, source_version
from deeprenorm.reporting.benchmarks import stage_totals
from deeprenorm.reporting.readme import readme_block, results_page
from deeprenorm.reporting.summary import (
    MARKDOWN_SECTIONS,
    SECTIONS,
    key_numbers,
    report_description,
    summarise,
    summary_markdown,
    tc_value,
    torch_devices,
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
                "T_c_err_sys": 0.0115,
                "chi2_dof": 1.08,
                "dof": 2,
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
                "T_c_err_sys": 0.0062,
                "chi2_dof": 0.009,
                "dof": 2,
                "seed_spread": np.nan,
                "n_seeds": 4,
                "seeds_trained": 4,
                "nu": 1.0,
                "nu_err": 0.0,
                "offset_from_chi_m": np.nan,
                "offset_from_chi_m_err": np.nan,
            },
            {
                "model": "alexandrou-k1-none",
                "reduction": "mean",
                "part": "test",
                "observable": "binder_z",
                "method": "binder_z_crossing",
                "L": 24,
                "L2": 32,
                "T_c": 2.496,
                "T_c_err": 0.025,
                "T_c_err_sys": np.nan,
                "chi2_dof": np.nan,
                "dof": np.nan,
                "seed_spread": 0.01,
                "n_seeds": 3,
                "seeds_trained": 4,
                "nu": np.nan,
                "nu_err": np.nan,
                "offset_from_chi_m": np.nan,
                "offset_from_chi_m_err": np.nan,
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
                "T_c_err_sys": np.nan,
                "chi2_dof": np.nan,
                "dof": np.nan,
                "seed_spread": 0.0088,
                "n_seeds": 4,
                "seeds_trained": 4,
                "nu": np.nan,
                "nu_err": np.nan,
                "offset_from_chi_m": 0.0090,
                "offset_from_chi_m_err": 0.0021,
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
            | {"value": value, "value_err": error, "reference": "15/8" if criterion == "y_h" else "T_c"}
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
    # the code that made it: the release version with the commit, and the commit in full
    assert summary["version"] == source_version() and summary["commit"] == source_commit()
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
    assert (
        numbers["T_c thermodynamic (chi' peaks, 1/L extrapolation)"]
        == "2.2633 ± 0.0059 (stat) ± 0.0115 (sys); χ²/dof 1.1, 2 dof"
    )
    assert (
        numbers["T_c latent (alexandrou-k1-none, 4 seeds, chi_z peaks, 1/L extrapolation)"]
        == "2.283 ± 0.016 (stat) ± 0.006 (sys); χ²/dof 0.009, 2 dof"
    )
    assert numbers["majority rule T* (24 -> 12, U4 matched)"] == "2.2668 ± 0.0050"  # the largest pair
    assert numbers["configurations stored"] == "120 (0.0 million spins)"
    markdown = summary_markdown(summary)
    for name, (heading, _) in MARKDOWN_SECTIONS.items():
        if name not in ("dynamic_exponents", "width_sweep", "locality", "dbn"):  # not in these tables
            assert f"## {heading}" in markdown, heading
    # the verdict as maps by criteria, the voting criteria marked, every value with its error
    assert "| map | model | weights | b | y_h (votes) | fixed_point (votes) |" in markdown
    assert "| majority |  | exact | 2 | 1.87550 ± 0.00050 pass | 2.2668 ± 0.0054 pass |" in markdown
    assert (
        "| code_sign | conv-b2-none | trained (3 seeds) | 2 | 1.9346 ± 0.0012 FAIL | 2.2653 ± 0.0088 pass |" in markdown
    )
    assert "| y_h | t | majority (b = 2): passes | 1 of 1 | yes |" in markdown
    assert "2.2633 ± 0.0059" in markdown and summary["config_sha256"] in markdown
    # every latent estimator, the unfavourable U_z crossing with the seeds that located it, and
    # the code's peak against the magnetisation's
    assert "| alexandrou-k1-none | binder_z_crossing L = 24/32 | 2.496 ± 0.025 | 3 of 4 |" in markdown
    assert "| model | seeds | L = 16 |" in markdown and "| alexandrou-k1-none | 4 | 0.0090 ± 0.0021 |" in markdown
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


def _dbn_layers():
    """A DBN layer table as deeprenorm.probes.study.dbn_layer_table writes it: layer 1 clearly
    more local than its untrained weights, layer 2 not by 3 sigma, layer 3 of one unit."""
    rows = []
    for layer, b, units, sigma_f, sigma_s in ((1, 2, 400, 58.1, -25.8), (2, 4, 100, 2.0, -5.0), (3, 8, 1, None, None)):
        error = np.nan if sigma_f is None else 0.001
        common = {"L": 40, "temperature": 2.451, "b": b, "probe": f"layer{layer}", "units": units}
        rows.append(
            common
            | {
                "weights": "trained",
                "epochs": 23,
                "flattened": layer != 2,
                "reconstruction_error": 0.13,
                "reconstruction_error_err": 0.0002,
                "window_fraction": 0.0117,
                "window_fraction_err": error,
                "spread": 15.7,
                "spread_err": error,
                "window_fraction_difference": 0.0055,
                "window_fraction_difference_err": error,
                "window_fraction_sigma": np.nan if sigma_f is None else sigma_f,
                "spread_difference": -0.45,
                "spread_difference_err": error,
                "spread_sigma": np.nan if sigma_s is None else sigma_s,
            }
        )
        rows.append(
            common
            | {
                "weights": "untrained",
                "epochs": 0,
                "flattened": False,
                "reconstruction_error": 0.25,
                "reconstruction_error_err": 0.00001,
                "window_fraction": 0.0063,
                "window_fraction_err": error,
                "spread": 16.16,
                "spread_err": error,
            }
        )
    return pd.DataFrame(rows)


def test_the_deep_belief_network_is_reported_trained_beside_untrained():
    layers = _dbn_layers()
    summary = json.loads(json.dumps(_summary(_tables() | {"dbn": layers})))
    rows = summary["dbn"]["rows"]
    assert len(rows) == 6 and rows[0]["window_fraction_sigma"] == 58.1 and rows[1]["window_fraction_sigma"] is None
    assert rows[0]["flattened"] is True and rows[2]["flattened"] is False
    text = summary_markdown(summary, ["dbn"], title=False)
    lines = text.splitlines()
    assert lines[0].startswith("## Deep belief network")
    sentences = [line for line in lines if line.startswith("* DBN")]
    assert len(sentences) == 3
    assert "(+58.1 sigma)" in sentences[0] and ": more local than its untrained initial weights" in sentences[0]
    assert "one b x b block spin: 1 and 0.71" in sentences[0]
    assert "not more local than its untrained initial weights by 3 sigma" in sentences[1]
    assert "not measurable" in sentences[2]
    assert "| 1 | 2 | trained | 400 | 23 (flattened) | 0.13000 ± 0.00020 |" in text
    assert "| 2 | 4 | trained | 100 | 23 (cap) |" in text and "| 1 | 2 | untrained | 400 | 0 |" in text
    assert "Deep belief network" in results_page(summary, {})


def test_an_extrapolation_without_a_systematic_says_why():
    two_sizes = {"method": "chi_z_peak_extrapolation", "T_c": 2.297, "T_c_err": 0.018, "T_c_err_sys": None, "dof": 0}
    assert tc_value(two_sizes) == "2.297 ± 0.018 (stat), no sys: fewer than 3 sizes; 0 dof"
    assert tc_value({"method": "chi_z_peak", "T_c": None}) == "not located"


def test_the_devices_of_the_torch_jobs_are_counted_from_their_outputs(tmp_path):
    import xarray as xr

    sidecars = []
    for index, device in enumerate(["cuda", "cpu", "cuda"]):
        sidecars.append(tmp_path / f"seed{index}.json")
        sidecars[-1].write_text(json.dumps({"device": device, "best_epoch": 3}))
    encoding = tmp_path / "seed0.nc"
    xr.Dataset({"latent": ("sample", np.zeros(2))}, attrs={"device": "cpu"}).to_netcdf(encoding)
    assert torch_devices(sidecars, [encoding, encoding]) == {"train": {"cpu": 1, "cuda": 2}, "encode": {"cpu": 2}}
    assert torch_devices([], []) == {"train": {}, "encode": {}}
