"""deeprenorm.reporting.benchmarks: Snakemake's benchmark files read by name, broken ones refused,
and the jobs named by rule and wildcards from their paths and summed per stage."""

import math
import os
from datetime import datetime

import pandas as pd
import pytest

from deeprenorm.reporting.benchmarks import (
    RUN_GAP_S,
    BenchmarkError,
    benchmark_table,
    read_benchmark,
    run_span,
    stage_of,
    stage_totals,
    with_start_times,
)

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def _benchmark(path, wall, rss, cpu):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{wall}\t0:00:01\t{rss}\t900\t200\t250\t1.0\t2.0\t50.0\t{cpu}\n")
    return path


def test_a_benchmark_file_is_read_and_a_broken_one_refused_by_name(tmp_path):
    assert read_benchmark(_benchmark(tmp_path / "a.tsv", 12.5, 410.2, 11.0)) == {
        "wall_s": 12.5,
        "max_rss_mb": 410.2,
        "cpu_s": 11.0,
    }
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
    assert (
        stages.loc["Monte Carlo and thermodynamics", "jobs"] == 2
        and stages.loc["Monte Carlo and thermodynamics", "wall_s"] == 8.0
    )
    assert stages.loc["Monte Carlo and thermodynamics", "max_rss_mb"] == 320
    assert stages.loc["total", "wall_s"] == pytest.approx(61.0) and stages.loc["total", "jobs"] == 5
    assert stages.loc["total", "max_rss_mb"] == 600
    assert stages.drop(index="total")["wall_share"].sum() == pytest.approx(1.0)
    assert benchmark_table(tmp_path / "none").empty


def test_each_job_started_its_wall_time_before_its_benchmark_file_was_written(tmp_path):
    root = tmp_path / "benchmarks"
    simulate = _benchmark(root / "simulate/L8/T2.0000.tsv", 3.0, 300, 2.5)
    flow = _benchmark(root / "rg_flow.tsv", 12.5, 450, 11.0)
    finished = datetime(2026, 12, 6, 10, 0, 30).timestamp()
    os.utime(simulate, (finished, finished))
    os.utime(flow, (finished + 0.25, finished + 0.25))
    jobs = with_start_times(benchmark_table(root), root).set_index("rule")
    assert jobs.loc["simulate", "started"] == "2026-12-06 10:00:27.000"
    assert jobs.loc["rg_flow", "started"] == "2026-12-06 10:00:17.750"
    flow.unlink()
    gone = with_start_times(benchmark_table(root).assign(rule=["simulate", "rg_flow"][:1]), root)
    assert list(gone["started"]) == ["2026-12-06 10:00:27.000"]


def _jobs(*intervals):
    """Jobs started at the given second after 10:00:00, each running for its wall time."""
    return pd.DataFrame(
        {
            "started": [f"2026-12-06 10:{start // 60:02d}:{start % 60:02d}.000" for start, _ in intervals],
            "wall_s": [float(wall) for _, wall in intervals],
        }
    )


def test_the_run_spans_its_jobs_and_counts_how_many_ran_at_once():
    # two jobs side by side, then a third after them: 30 s, at most 2 at once
    span = run_span(_jobs((0, 10), (2, 10), (12, 18)))
    assert span["elapsed_s"] == 30.0 and span["jobs"] == span["of_jobs"] == 3 and span["max_parallel_jobs"] == 2
    assert span["first_started"] == "2026-12-06 10:00:00" and span["last_finished"] == "2026-12-06 10:00:30"
    # a job that ends as the next starts, or a moment after (OVERLAP_SLACK_S), does not run beside it
    assert run_span(_jobs((0, 10), (10, 5)))["max_parallel_jobs"] == 1
    overlapping = _jobs((0, 10), (10, 5)).assign(wall_s=[10.4, 5.0])
    assert run_span(overlapping)["max_parallel_jobs"] == 1
    assert run_span(_jobs((0, 10), (9, 5)))["max_parallel_jobs"] == 2
    # a job shorter than the slack still counts once
    assert run_span(_jobs((0, 10), (5, 0)).assign(wall_s=[10.0, 0.2]))["max_parallel_jobs"] == 2


def test_a_later_partial_run_is_the_run_and_says_it_made_part_of_the_study():
    """A rerun of two jobs five minutes after the study was made: its span is that rerun's,
    not the hours between, and it says how many of the study's jobs it made."""
    span = run_span(_jobs((0, 60), (30, 60), (400, 20), (405, 20)))
    assert span["elapsed_s"] == 25.0 and span["jobs"] == 2 and span["of_jobs"] == 4
    # a gap shorter than RUN_GAP_S is the workflow waiting for its next job, part of one run
    assert run_span(_jobs((0, 10), (10 + int(RUN_GAP_S) - 1, 10)))["jobs"] == 2
    assert run_span(_jobs())["jobs"] == 0
