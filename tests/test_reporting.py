"""The report stage: benchmark files, the summary of the tables, the README's generated section,
the summary figure."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from deeprenorm.exact import T_C
from deeprenorm.reporting import (
    BEGIN_MARKER,
    END_MARKER,
    BenchmarkError,
    benchmark_table,
    key_numbers,
    read_benchmark,
    readme_block,
    replace_between_markers,
    report_description,
    stage_of,
    stage_totals,
    summarise,
    summary_markdown,
)
from deeprenorm.reporting.summary import MARKDOWN_SECTIONS, SECTIONS
from deeprenorm.stats import format_value_error

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def _benchmark(path, wall, rss, cpu):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{wall}\t0:00:01\t{rss}\t900\t200\t250\t1.0\t2.0\t50.0\t{cpu}\n")
    return path


def test_a_benchmark_file_is_read_and_a_broken_one_refused_by_name(tmp_path):
    assert read_benchmark(_benchmark(tmp_path / "a.tsv", 12.5, 410.2, 11.0)) == {"wall_s": 12.5, "max_rss_mb": 410.2, "cpu_s": 11.0}
    unmeasured = tmp_path / "b.tsv"
    unmeasured.write_text(HEADER + "0.4\t0:00:00\t-\t-\t-\t-\t-\t-\t-\t-\n")
    measured = read_benchmark(unmeasured)
    assert measured["wall_s"] == 0.4 and math.isnan(measured["max_rss_mb"]) and math.isnan(measured["cpu_s"])
    header_only = tmp_path / "c.tsv"
    header_only.write_text(HEADER)
    truncated = tmp_path / "d.tsv"
    truncated.write_text(HEADER + "12.5\t0:00:01\t410\n")
    garbage = tmp_path / "e.tsv"
    garbage.write_text(HEADER + "abc\t0:00:01\t410\t900\t200\t250\t1.0\t2.0\t50.0\t1\n")
    for path in (header_only, truncated, garbage, tmp_path / "missing.tsv"):
        with pytest.raises(BenchmarkError, match=path.name):
            read_benchmark(path)


def test_benchmark_table_names_rule_and_job_from_the_path_and_sums_per_stage(tmp_path):
    root = tmp_path / "benchmarks"
    _benchmark(root / "simulate/L8/T2.0000.tsv", 3.0, 300, 2.5)
    _benchmark(root / "simulate/L8/T2.3000.tsv", 5.0, 320, 4.5)
    _benchmark(root / "train/L8/conv-b2-none/seed0.tsv", 40.0, 600, 39.0)
    _benchmark(root / "rg_flow.tsv", 12.0, 450, 11.0)
    _benchmark(root / "some_new_rule.tsv", 1.0, 100, 1.0)
    jobs = benchmark_table(root)
    assert list(jobs["rule"]) == ["simulate", "simulate", "train", "rg_flow", "some_new_rule"]  # in stage order
    assert list(jobs["job"]) == ["L8/T2.0000", "L8/T2.3000", "L8/conv-b2-none/seed0", "", ""]
    assert stage_of("train") == "Training" and stage_of("some_new_rule") == "other"
    stages = stage_totals(jobs).set_index("stage")
    assert stages.loc["Monte Carlo and thermodynamics", "jobs"] == 2 and stages.loc["Monte Carlo and thermodynamics", "wall_s"] == 8.0
    assert stages.loc["Monte Carlo and thermodynamics", "max_rss_mb"] == 320
    assert stages.loc["total", "wall_s"] == pytest.approx(61.0) and stages.loc["total", "jobs"] == 5
    assert stages.loc["total", "max_rss_mb"] == 600
    assert stages.drop(index="total")["wall_share"].sum() == pytest.approx(1.0)
    assert benchmark_table(tmp_path / "none").empty


def test_the_readme_block_is_replaced_between_the_markers_and_nothing_else():
    text = f"# title\n\nintro\n{BEGIN_MARKER}\nold numbers\n{END_MARKER}\n\nrest ü\n"
    replaced = replace_between_markers(text, "new numbers\n| a | b |")
    assert replaced == f"# title\n\nintro\n{BEGIN_MARKER}\nnew numbers\n| a | b |\n{END_MARKER}\n\nrest ü\n"
    assert replace_between_markers(replaced, "new numbers\n| a | b |") == replaced  # idempotent
    for broken in ("no markers", f"{BEGIN_MARKER} once {BEGIN_MARKER} twice {END_MARKER}", f"{END_MARKER} reversed {BEGIN_MARKER}"):
        with pytest.raises(ValueError):
            replace_between_markers(broken, "x")


def test_format_value_error_rounds_to_the_error_and_marks_missing_values():
    assert format_value_error(2.263250309, 0.005874126) == "2.2633 ± 0.0059"
    assert format_value_error(0.996, 0.035) == "0.996 ± 0.035"
    assert format_value_error(None, 0.1) == format_value_error(float("nan"), 0.1) == "n/a"
    assert format_value_error(2.5, None) == "2.5"


def _tables():
    tc_thermodynamic = pd.DataFrame([
        {"method": "chi_prime_peak", "L": 16, "L2": np.nan, "T_c": 2.4044, "T_c_err": 0.0033, "deviation_from_onsager": 0.135, "deviation_sigma": 40.4},
        {"method": "chi_prime_peak_extrapolation", "L": np.nan, "L2": np.nan, "T_c": 2.26325, "T_c_err": 0.00587, "deviation_from_onsager": -0.006,
         "deviation_sigma": -1.0},
        {"method": "binder_crossing_mean", "L": np.nan, "L2": np.nan, "T_c": 2.26419, "T_c_err": 0.00307, "deviation_from_onsager": -0.005,
         "deviation_sigma": -1.6},
    ])
    tc_latent = pd.DataFrame([
        {"model": "alexandrou-k1-none", "reduction": "mean", "part": "test", "observable": "chi_z", "method": "chi_z_peak_extrapolation",
         "L": np.nan, "L2": np.nan, "T_c": 2.28293, "T_c_err": 0.01573, "seed_spread": np.nan, "n_seeds": 2, "nu": np.nan, "nu_err": np.nan},
        {"model": "alexandrou-k1-none", "reduction": "mean", "part": "test", "observable": "chi_z", "method": "chi_z_peak",
         "L": 16, "L2": np.nan, "T_c": 2.4038, "T_c_err": 0.0096, "seed_spread": 0.0088, "n_seeds": 2, "nu": np.nan, "nu_err": np.nan},
    ])
    rg_flow = pd.DataFrame([
        {"L": L, "L_coarse": L // 2, "b": 2, "map": "majority", "observable": "binder", "T_star": T, "T_star_err": 0.005,
         "T_star_deviation_percent": 100 * (T - T_C) / T_C, "nu": nu, "nu_err": 0.03}
        for L, T, nu in ((16, 2.2624, 0.994), (24, 2.2668, 0.996))
    ])
    verdict = pd.DataFrame([
        {"map": "majority", "model": np.nan, "weights": "exact", "b": 2, "L": 24, "T_star": 2.2668, "T_star_err": 0.0054, "nu": 0.996, "nu_err": 0.035,
         "agreement_tc": 1.0, "agreement_tc_err": 0.0, "information_tc_bits": 0.496, "information_tc_bits_err": 0.029, "flow_direction": np.nan,
         "locality_window_fraction": 1.0, "fixed_point_ok": "yes", "nu_ok": "yes", "locality_ok": "yes", "criteria_passed": 5, "criteria_measured": 5,
         "conclusion": "majority passes"},
        {"map": "code_sign", "model": "conv-b2-none", "weights": "trained", "b": 2, "L": 24, "T_star": 2.2653, "T_star_err": 0.0088, "nu": 1.062,
         "nu_err": 0.056, "agreement_tc": 0.9146, "agreement_tc_err": 0.0029, "information_tc_bits": 0.392, "information_tc_bits_err": 0.023,
         "flow_direction": "colder everywhere", "locality_window_fraction": 0.58, "fixed_point_ok": "yes", "nu_ok": "yes", "locality_ok": "yes",
         "criteria_passed": 5, "criteria_measured": 6,
         "conclusion": "conv passes 5 of 6"},
    ])
    return {"tc_thermodynamic": tc_thermodynamic, "tc_latent": tc_latent, "rg_flow": rg_flow, "verdict": verdict}


def _summary(tables=None):
    tables = tables or _tables()
    paths = {name: f"results/tables/{SECTIONS[name][0]}" for name in tables}
    stages = stage_totals(pd.DataFrame([{"stage": "Training", "rule": "train", "job": "a", "wall_s": 40.0, "cpu_s": 39.0, "max_rss_mb": 600.0}]))
    datasets = [{"L": 16, "temperatures": 3, "samples_per_temperature": 40, "spins": 3 * 40 * 256, "bytes": 12345, "algorithm": "auto"}]
    return summarise(tables, paths, datasets, stages, {"seed": 7, "lattice_sizes": [16]}, headline_model="alexandrou-k1-none")


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
    assert "![" in block and "(docs/figures/summary.png)" in block and "### Key numbers" in block and "# deeprenorm" not in block


def test_the_summary_figure_draws_every_panel():
    from deeprenorm.plots.summary import SUMMARY_PANELS, summary_figure

    T = np.linspace(1.8, 2.8, 11)
    phase = pd.concat([pd.DataFrame({
        "model": "m", "reduction": "mean", "part": "test", "L": L, "temperature": T, "training_seed": 0,
        "abs_z": np.tanh(3 * (T_C - T)) / 2 + 0.5, "abs_z_err": 0.01, "abs_m": np.tanh(3 * (T_C - T)) / 2 + 0.5, "abs_m_err": 0.01,
        "chi_z": np.exp(-((T - T_C - 1 / L) ** 2) / 0.02), "chi_z_err": 0.05, "chi_m": np.exp(-((T - T_C) ** 2) / 0.02), "chi_m_err": 0.05,
    }) for L in (8, 16)])
    tc_latent = pd.DataFrame([
        {"model": "m", "reduction": "mean", "part": "test", "method": "chi_z_peak", "L": L, "T_c": T_C + 1 / L, "T_c_err": 0.01, "slope": np.nan}
        for L in (8, 16)
    ] + [{"model": "m", "reduction": "mean", "part": "test", "method": "chi_z_peak_extrapolation", "L": np.nan, "T_c": T_C, "T_c_err": 0.01, "slope": 1.0}])
    tc_thermodynamic = tc_latent.assign(method=tc_latent["method"].str.replace("chi_z", "chi_prime"))
    rg_curves = pd.DataFrame({"L": 8, "b": 2, "map": "majority", "observable": "binder", "temperature": T, "T_prime": T_C + 2 * (T - T_C), "T_prime_err": 0.01})
    rg_flow = pd.DataFrame([{"L": 8, "b": 2, "map": "majority", "observable": "binder", "T_star": T_C, "T_star_err": 0.01, "nu": 1.0, "nu_err": 0.05}])
    learned_curves = rg_curves.assign(model="conv", map="code_sign", weights="trained")
    learned_flow = rg_flow.assign(model="conv", map="code_sign", weights="trained")
    image = np.ones((8, 8))
    strip = [(t, [("input", image), ("majority blocks", image[:4, :4]), ("conv code", image[:4, :4] * 0.5)]) for t in (2.0, T_C, 2.6)]
    figure = summary_figure(
        phase=phase, curves=phase, tc_latent=tc_latent, tc_thermodynamic=tc_thermodynamic, rg_curves=rg_curves, rg_flow=rg_flow,
        learned_curves=learned_curves, learned_flow=learned_flow, strip=strip, verdict="No trained network behaves like RG. Criteria passed per map: x.",
        headline_model="m", headline_seed=0, network_L=8, learned_model="conv",
    )
    titles = [ax.get_title(loc="left") for ax in figure.get_axes()]
    texts = titles + [sub._suptitle.get_text() for sub in figure.subfigs[1].subfigs if sub._suptitle is not None]
    for panel in SUMMARY_PANELS:
        assert any(text.startswith(panel) for text in texts), panel
    assert figure._suptitle.get_text() == "Verdict: No trained network behaves like RG."
    images = [ax for ax in figure.get_axes() if ax.get_images()]
    assert len(images) == 9  # 3 temperatures x 3 panels
    lines = figure.get_axes()[0].get_lines()
    assert any(line.get_label() == "Yang |m|, L = ∞" for line in lines)
