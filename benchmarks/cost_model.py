"""Fit the cost model of ``deeprenorm.cost`` on the benchmark files of finished studies, and
check it against them.

    python benchmarks/cost_model.py STUDY [STUDY...]                 # fit on all, compare
    python benchmarks/cost_model.py STUDY [STUDY...] --coefficients  # and print COEFFICIENTS
    python benchmarks/cost_model.py STUDY [STUDY...] --shipped       # the shipped model, no fit

Each STUDY is a folder where a study ran: its ``config.yaml`` (the whole config: the study is
read from it alone, as Snakemake reads a working directory's config.yaml) and
``results/benchmarks``. Every planned job (:func:`deeprenorm.cost.planned_jobs`) is matched with
its benchmark file; a job without one, or a file without a job, is listed.

Per cost key, the seconds ``overhead_s + s_per_unit * work`` are fitted to the jobs' ``s``
(wall time) by non-negative least squares weighted by 1/s (relative errors count: a 1 s job
matters as much as a 100 s one, so that the small study is fitted too); a key measured at one
work value only gets its mean time as overhead and no slope. The memory ``rss_mb + RSS_COPIES *
data_mb`` takes as ``rss_mb`` the largest ``max_rss - RSS_COPIES * data_mb`` of the key's jobs
(a peak: the envelope, not the mean), leaving out readings under 50 MB (a job shorter than
Snakemake's sampling interval, whose Python was never measured).

Printed: per study and stage, the estimate against the summed measured job time, and the
total's deviation (the acceptance is 30 %); with several studies also out of sample, each
study estimated by the coefficients of the others. ``--shipped`` fits nothing: it checks the
coefficients ``python -m deeprenorm.plan estimate`` uses against runs they were not fitted on.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from deeprenorm.config import SCHEMA_PATH, load_config_file, validate_config
from deeprenorm.cost import COEFFICIENTS, RSS_COPIES, planned_jobs
from deeprenorm.reporting.benchmarks import benchmark_table

# below this a max_rss is not a Python job's (see the module docstring)
MIN_RSS_MB = 50
ACCEPTED_DEVIATION = 0.30


def study_jobs(folder: Path) -> pd.DataFrame:
    """The planned jobs of the study in ``folder`` with their measured ``wall_s`` and
    ``max_rss_mb`` (NaN where not benchmarked); prints what does not match."""
    config = validate_config(load_config_file(folder / "config.yaml"), SCHEMA_PATH)
    planned = pd.DataFrame(
        [
            {"benchmark": job.benchmark, "rule": job.rule, "stage": job.stage, "key": job.key}
            | {"work": job.work, "data_mb": job.data_mb}
            for job in planned_jobs(config)
        ]
    )
    measured = benchmark_table(folder / "results" / "benchmarks")
    measured["benchmark"] = measured["rule"] + measured["job"].map(lambda job: f"/{job}" if job else "")
    jobs = planned.merge(measured[["benchmark", "wall_s", "max_rss_mb"]], on="benchmark", how="left")
    missing = jobs[jobs["key"].notna() & jobs["wall_s"].isna()]["benchmark"].tolist()
    unplanned = sorted(set(measured["benchmark"]) - set(planned["benchmark"]))
    if missing or unplanned:
        print(f"{folder}: planned without a benchmark file {missing}; benchmark files of no planned job {unplanned}")
    return jobs.assign(study=folder.name)


def _line_fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Non-negative (intercept, slope) of y against x, by weighted least squares."""
    if len(np.unique(x)) < 2:
        return float(np.average(y, weights=weights)), 0.0
    scale = x.max()
    root = np.sqrt(weights)
    (intercept, slope), _ = nnls(np.column_stack([root, root * x / scale]), root * y)
    return float(intercept), float(slope / scale)


def fit(jobs: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """Per cost key ``(overhead_s, s_per_unit, rss_mb)`` from measured jobs."""
    coefficients = {}
    for key, rows in jobs[jobs["wall_s"].notna()].groupby("key"):
        wall = rows["wall_s"].to_numpy()
        overhead, rate = _line_fit(rows["work"].to_numpy(), wall, 1 / np.maximum(wall, 0.1))
        memory = rows[rows["max_rss_mb"] >= MIN_RSS_MB]
        rss = (memory["max_rss_mb"] - RSS_COPIES * memory["data_mb"]).max() if len(memory) else math.nan
        coefficients[key] = (overhead, rate, float(rss))
    return coefficients


def predicted(jobs: pd.DataFrame, coefficients: dict) -> pd.DataFrame:
    """``jobs`` with ``estimate_s`` and ``estimate_rss_mb``: NaN for a key ``coefficients``
    lacks (a rule the fitting studies did not run) and for jobs without a benchmark."""
    known = jobs["key"].map(lambda key: key in coefficients)
    terms = jobs["key"].map(lambda key: coefficients.get(key, (math.nan,) * 3))
    seconds = [terms[i][0] + terms[i][1] * work for i, work in jobs["work"].items()]
    rss = [terms[i][2] + RSS_COPIES * data for i, data in jobs["data_mb"].items()]
    return jobs.assign(estimate_s=np.where(known, seconds, math.nan), estimate_rss_mb=np.where(known, rss, math.nan))


def compare(jobs: pd.DataFrame, coefficients: dict, title: str) -> float:
    """Print the estimate against the measurement per stage and in total (jobs that have both);
    return the total's relative deviation."""
    rows = predicted(jobs, coefficients)
    both = rows[rows["wall_s"].notna() & rows["estimate_s"].notna()]
    left_out = sorted(set(rows[rows["wall_s"].notna() & rows["estimate_s"].isna()]["key"]))
    stages = both.groupby("stage", sort=False).agg(
        jobs=("key", "size"),
        estimate_s=("estimate_s", "sum"),
        measured_s=("wall_s", "sum"),
        estimate_rss_mb=("estimate_rss_mb", "max"),
        measured_rss_mb=("max_rss_mb", "max"),
    )
    stages.loc["total"] = [
        len(both),
        both["estimate_s"].sum(),
        both["wall_s"].sum(),
        stages["estimate_rss_mb"].max(),
        stages["measured_rss_mb"].max(),
    ]
    stages["deviation"] = stages["estimate_s"] / stages["measured_s"] - 1
    deviation = stages.loc["total", "deviation"]
    print(f"\n{title}")
    if left_out:
        print(f"  left out (no coefficient from the fitting studies): {', '.join(left_out)}")
    print(stages.to_string(formatters={"deviation": "{:+.0%}".format}, float_format="{:.1f}".format))
    verdict = "within" if abs(deviation) <= ACCEPTED_DEVIATION else "NOT within"
    print(
        f"  total: estimate {stages.loc['total', 'estimate_s']:.0f} s, measured {stages.loc['total', 'measured_s']:.0f} s: {deviation:+.0%}, {verdict} {ACCEPTED_DEVIATION:.0%}"
    )
    return deviation


def coefficient_literal(coefficients: dict) -> str:
    """``COEFFICIENTS`` of deeprenorm/cost.py as Python source, 4 significant digits."""
    lines = ["COEFFICIENTS: dict[str, tuple[float, float, float]] = {"]
    for key, values in sorted(coefficients.items()):
        # a key whose jobs were all too short for a memory reading has no rss: math.nan
        terms = ("math.nan" if math.isnan(value) else f"{value:.4g}" for value in values)
        lines.append(f"    {key!r}: ({', '.join(terms)}),")
    return "\n".join([*lines, "}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("studies", nargs="+", type=Path, help="folders with config.yaml and results/benchmarks")
    parser.add_argument("--coefficients", action="store_true", help="print COEFFICIENTS for deeprenorm/cost.py")
    parser.add_argument("--shipped", action="store_true", help="check deeprenorm.cost.COEFFICIENTS, fit nothing")
    args = parser.parse_args(argv)
    studies = {folder: study_jobs(folder) for folder in args.studies}
    if args.shipped:
        for folder, jobs in studies.items():
            compare(jobs, COEFFICIENTS, f"{folder}: the shipped coefficients (deeprenorm.cost.COEFFICIENTS)")
        return 0
    everything = pd.concat(studies.values(), ignore_index=True)
    coefficients = fit(everything)
    for folder, jobs in studies.items():
        compare(jobs, coefficients, f"{folder}: fitted on all {len(studies)} studies (in sample)")
    if len(studies) > 1:
        for folder, jobs in studies.items():
            others = pd.concat([other for name, other in studies.items() if name != folder], ignore_index=True)
            compare(jobs, fit(others), f"{folder}: fitted on the other studies only (out of sample)")
    if args.coefficients:
        print("\n" + coefficient_literal(coefficients))
    return 0


if __name__ == "__main__":
    sys.exit(main())
