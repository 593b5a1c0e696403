"""What each job of the pipeline cost, from the files Snakemake's ``benchmark:`` directive writes.

Every rule of the workflow benchmarks its jobs under ``results/benchmarks/<rule>/...tsv`` (or
``results/benchmarks/<rule>.tsv`` for a rule with one job): the first component of the path is
the rule's name, the rest names the job (its wildcards).  Snakemake writes one tab-separated row
per run of the job, with the header ``s h:m:s max_rss max_vms max_uss max_pss io_in io_out
mean_load cpu_time``: ``s`` the wall-clock seconds, ``max_rss`` the peak resident memory in MB
(summed over the job's processes), ``cpu_time`` the user + system CPU seconds.

:func:`benchmark_table` reads them all into one row per job; :func:`stage_totals` sums them per
stage of the study (:data:`STAGES`, the report's grouping).  A file that is empty, truncated or
not a benchmark is refused with its path (:class:`BenchmarkError`), never read as zeros.
"""

from __future__ import annotations

import math
import os
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

__all__ = [
    "STAGES",
    "BENCHMARK_COLUMNS",
    "BenchmarkError",
    "read_benchmark",
    "benchmark_table",
    "stage_of",
    "stage_totals",
    "with_start_times",
    "run_span",
]

#: The stages of the study, in pipeline order, and the rules of each.
STAGES = {
    "Monte Carlo and thermodynamics": ("simulate", "dataset", "thermodynamics_table", "thermodynamics_figure"),
    "Algorithm comparison": ("autocorrelation", "autocorrelation_figure"),
    "Training": ("split", "train"),
    "Phase identification and finite-size scaling": (
        "encode",
        "latent_analysis",
        "latent_figures",
        "width_sweep",
        "width_sweep_figure",
    ),
    "RG flow": (
        "rg_flow",
        "mcrg_ensemble",
        "rg_exponents_learned",
        "rg_exponents",
        "rg_exponents_figure",
        "rg_figures",
        "rg_learned",
        "train_far",
        "train_rsmi",
        "network_flow",
        "rg_information",
        "rg_verdict",
        "rg_network_figures",
    ),
    "Probes": (
        "probes",
        "dbn_configurations",
        "dbn",
        "control_dataset",
        "control_split",
        "train_control",
        "probes_control",
        "locality_table",
        "probe_figures",
    ),
    "Report": ("performance", "summary", "summary_figure"),
}

#: The columns Snakemake writes (as of Snakemake 9), the ones read here first.
BENCHMARK_COLUMNS = (
    "s",
    "h:m:s",
    "max_rss",
    "max_vms",
    "max_uss",
    "max_pss",
    "io_in",
    "io_out",
    "mean_load",
    "cpu_time",
)
_READ = ("s", "max_rss", "cpu_time")


class BenchmarkError(ValueError):
    """A benchmark file that cannot be read as one: the message names the file."""


def stage_of(rule: str) -> str:
    """The stage of :data:`STAGES` a rule belongs to; ``"other"`` for a rule of none."""
    return next((stage for stage, rules in STAGES.items() if rule in rules), "other")


def _number(value) -> float:
    # Snakemake writes "-" for a value it could not measure (e.g. memory of a very short job)
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def read_benchmark(path: str | os.PathLike) -> dict[str, float]:
    """The last run recorded in one benchmark file: ``wall_s``, ``max_rss_mb``, ``cpu_s``
    (NaN where Snakemake wrote ``-``).  BenchmarkError for a file without the header and at
    least one row, or whose wall time is not a number."""
    path = Path(path)
    try:
        lines = [line for line in path.read_text().splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise BenchmarkError(f"{path}: not readable as a benchmark file: {error}") from error
    header = lines[0].split("\t") if lines else []
    if len(lines) < 2 or any(column not in header for column in _READ):
        raise BenchmarkError(
            f"{path}: not a Snakemake benchmark file (a header with {', '.join(_READ)} and one row per run expected)"
        )
    row = lines[-1].split("\t")
    if len(row) != len(header):
        raise BenchmarkError(f"{path}: its last row has {len(row)} fields, the header {len(header)} (truncated?)")
    values = dict(zip(header, row))
    wall = _number(values["s"])
    if not math.isfinite(wall) or wall < 0:
        raise BenchmarkError(f"{path}: wall time {values['s']!r} is not a number of seconds")
    return {"wall_s": wall, "max_rss_mb": _number(values["max_rss"]), "cpu_s": _number(values["cpu_time"])}


def benchmark_table(root: str | os.PathLike) -> pd.DataFrame:
    """One row per benchmarked job under ``root`` (``results/benchmarks``): ``stage``, ``rule``,
    ``job`` (the path below the rule's folder, without ``.tsv``; empty for a one-job rule),
    ``wall_s``, ``cpu_s``, ``max_rss_mb``; sorted by stage order, rule and job.  An empty or
    missing folder gives an empty table with these columns."""
    root = Path(root)
    rows = []
    for path in sorted(root.rglob("*.tsv")) if root.is_dir() else []:
        relative = path.relative_to(root).with_suffix("")
        rule, job = relative.parts[0], "/".join(relative.parts[1:])
        rows.append({"stage": stage_of(rule), "rule": rule, "job": job, **read_benchmark(path)})
    table = pd.DataFrame(rows, columns=["stage", "rule", "job", "wall_s", "cpu_s", "max_rss_mb"])
    order = {stage: index for index, stage in enumerate([*STAGES, "other"])}
    return table.sort_values(
        ["stage", "rule", "job"],
        key=lambda column: column.map(order) if column.name == "stage" else column,
        ignore_index=True,
    )


def stage_totals(table: pd.DataFrame) -> pd.DataFrame:
    """Per stage (in pipeline order) and a final ``total`` row: ``jobs``, the summed ``wall_s``
    and ``cpu_s`` of its jobs, the largest ``max_rss_mb`` of any one job, and ``wall_share``, the
    stage's fraction of the summed wall time of every job.  Jobs run in parallel, so the summed
    wall time is the run's duration on one core, not on N."""
    grouped = table.groupby("stage", sort=False).agg(
        jobs=("job", "size"), wall_s=("wall_s", "sum"), cpu_s=("cpu_s", "sum"), max_rss_mb=("max_rss_mb", "max")
    )
    order = [stage for stage in [*STAGES, "other"] if stage in grouped.index]
    totals = grouped.loc[order].reset_index()
    overall = pd.DataFrame(
        [
            {
                "stage": "total",
                "jobs": int(totals["jobs"].sum()),
                "wall_s": totals["wall_s"].sum(),
                "cpu_s": totals["cpu_s"].sum(),
                "max_rss_mb": totals["max_rss_mb"].max() if len(totals) else math.nan,
            }
        ]
    )
    totals = pd.concat([totals, overall], ignore_index=True) if len(totals) else overall
    whole = totals["wall_s"].iloc[-1]
    totals["wall_share"] = totals["wall_s"] / whole if whole > 0 else math.nan
    return totals


def with_start_times(jobs: pd.DataFrame, root: str | os.PathLike) -> pd.DataFrame:
    """``jobs`` (:func:`benchmark_table` of ``root``) with ``started``: when each job began, its
    benchmark file's modification time (Snakemake writes it as the job ends) less its wall time,
    as ``YYYY-MM-DD HH:MM:SS.mmm`` in the machine's local time; empty for a file that is gone.
    A study copied without its files' times (``cp`` without ``-p``) has lost them."""
    root = Path(root)
    started = []
    for rule, job, wall in zip(jobs["rule"], jobs["job"], jobs["wall_s"]):
        try:
            finished = (root / (f"{rule}/{job}.tsv" if job else f"{rule}.tsv")).stat().st_mtime
        except OSError:
            started.append("")
            continue
        started.append(datetime.fromtimestamp(finished - float(wall)).isoformat(sep=" ", timespec="milliseconds"))
    return jobs.assign(started=started)


#: A pause longer than this with no job running ends one run: the workflow itself starts the next
#: job within seconds of the last one's end, so a longer gap is a later command.
RUN_GAP_S = 120.0

#: Snakemake writes a job's benchmark file a moment after the job's process ends and may start
#: the next job in that moment: an overlap shorter than this is not two jobs at once.
OVERLAP_SLACK_S = 0.5


def run_span(jobs: pd.DataFrame) -> dict:
    """How long the study's last run took, as a user waits for it: the jobs of ``jobs``
    (:func:`with_start_times`) are split into runs wherever no job ran for :data:`RUN_GAP_S`,
    and the last run is described by ``first_started``, ``last_finished`` (a start plus its wall
    time), ``elapsed_s`` between the two, ``jobs`` (how many of its jobs ran), ``of_jobs`` (how
    many the study has: fewer in the last run when part of the study was made by an earlier
    command) and ``max_parallel_jobs`` (the most that ran at once, overlaps shorter than
    :data:`OVERLAP_SLACK_S` aside)."""
    timed = jobs[jobs["started"] != ""]
    empty = {"first_started": "", "last_finished": "", "elapsed_s": math.nan, "jobs": 0, "max_parallel_jobs": 0}
    if timed.empty:
        return empty | {"of_jobs": len(jobs)}
    starts = [datetime.fromisoformat(stamp) for stamp in timed["started"]]
    intervals = sorted((start, start + timedelta(seconds=float(wall))) for start, wall in zip(starts, timed["wall_s"]))
    run, busy_until = [], None
    for start, end in intervals:
        if busy_until is not None and (start - busy_until).total_seconds() > RUN_GAP_S:
            run, busy_until = [], None
        run.append((start, end))
        busy_until = end if busy_until is None else max(busy_until, end)
    # the most jobs running at once: +1 at each start, -1 at each end (ends sort first on a tie)
    events = []
    for start, end in run:
        slack = min(timedelta(seconds=OVERLAP_SLACK_S / 2), (end - start) / 4)
        events += [(start + slack, 1), (end - slack, -1)]
    events.sort()
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    first, last = run[0][0], max(end for _, end in run)
    return {
        "first_started": first.isoformat(sep=" ", timespec="seconds"),
        "last_finished": last.isoformat(sep=" ", timespec="seconds"),
        "elapsed_s": round((last - first).total_seconds(), 1),
        "jobs": len(run),
        "of_jobs": len(jobs),
        "max_parallel_jobs": peak,
    }
