"""The pipeline's own cost, from Snakemake's benchmark files (:mod:`deeprenorm.reporting.benchmarks`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import empty_panel, new_figure, save, stage_colors, use_style

__all__ = ["plot_performance"]


def plot_performance(jobs: pd.DataFrame, stages: pd.DataFrame, path):
    """Three panels: the summed wall time of every rule (bars, coloured by stage, job count
    beside), the peak memory of each of its jobs (dots) and their largest (bar), and the summed
    wall time per stage with its share of the whole.  ``jobs``:
    :func:`~deeprenorm.reporting.benchmarks.benchmark_table`; ``stages``:
    :func:`~deeprenorm.reporting.benchmarks.stage_totals`."""
    with use_style():
        if jobs.empty:
            fig, axes = new_figure(1, 1, figsize=(6, 4))
            empty_panel(axes[0, 0], "no benchmark files")
            return save(fig, path)
        rules = (
            jobs.groupby(["stage", "rule"], sort=False)
            .agg(jobs=("job", "size"), wall_s=("wall_s", "sum"), max_rss_mb=("max_rss_mb", "max"))
            .reset_index()
        )
        colors = stage_colors(list(dict.fromkeys(rules["stage"])))
        fig, axes = new_figure(1, 3, figsize=(17, 0.32 * len(rules) + 2.2), width_ratios=[1.2, 1.2, 1])
        y = np.arange(len(rules))
        ax = axes[0, 0]
        ax.barh(y, rules["wall_s"], color=[colors[stage] for stage in rules["stage"]])
        for position, row in zip(y, rules.itertuples()):
            ax.text(row.wall_s, position, f" {row.jobs} job{'s' if row.jobs > 1 else ''}", va="center", fontsize=8)
        ax.set_yticks(y, rules["rule"], fontsize=9)
        ax.set_ylim(len(rules) - 0.5, -0.5)
        ax.set_xlabel("summed wall time of the rule's jobs [s]")
        ax.set_xlim(0, 1.2 * rules["wall_s"].max())
        ax.set_title("Time per rule")
        ax = axes[0, 1]
        ax.barh(y, rules["max_rss_mb"], color=[colors[stage] for stage in rules["stage"]], alpha=0.35)
        for position, rule in zip(y, rules["rule"]):
            memory = jobs.loc[jobs["rule"] == rule, "max_rss_mb"].to_numpy(dtype=float)
            ax.plot(memory, np.full(memory.size, position), "|", color="black", markersize=7, alpha=0.6)
        ax.set_yticks(y, [""] * len(y))
        ax.set_ylim(len(rules) - 0.5, -0.5)
        ax.set_xlabel("peak resident memory per job [MB] (ticks: jobs, bar: largest)")
        ax.set_title("Memory per job")
        ax = axes[0, 2]
        parts = stages[stages["stage"] != "total"]
        ax.barh(
            np.arange(len(parts)), parts["wall_s"] / 60, color=[colors.get(stage, "0.5") for stage in parts["stage"]]
        )
        for position, row in enumerate(parts.itertuples()):
            ax.text(
                row.wall_s / 60, position, f" {100 * row.wall_share:.0f} %, {row.jobs} jobs", va="center", fontsize=8
            )
        ax.set_yticks(np.arange(len(parts)), parts["stage"], fontsize=9)
        ax.set_ylim(len(parts) - 0.5, -0.5)
        ax.set_xlim(0, 1.35 * (parts["wall_s"].max() / 60))
        ax.set_xlabel("summed wall time of the stage's jobs [min]")
        total = stages[stages["stage"] == "total"].iloc[0]
        ax.set_title(f"Per stage: {total['jobs']:.0f} jobs, {total['wall_s'] / 60:.1f} min in all")
        fig.suptitle(
            "Pipeline performance from Snakemake's benchmark files (jobs run in parallel: the run's duration "
            "on N cores is about the total over N)",
            fontsize=10,
        )
        return save(fig, path)
