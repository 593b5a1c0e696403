"""The cost estimate (deeprenorm.cost): its jobs are the workflow's, and it grows with the study.

Its seconds are a machine's (benchmarks/cost_model.py checks them against finished studies), so
no test compares them with a run here."""

import copy
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from deeprenorm.config import SCHEMA_PATH, validate_config
from deeprenorm.cost import (
    COEFFICIENTS,
    UNBENCHMARKED_RULES,
    estimate,
    multiply_adds,
    planned_jobs,
    report,
)
from deeprenorm.ml.spec import ModelSpec
from deeprenorm.plan import DEVICE_RULES

REPOSITORY = Path(__file__).resolve().parents[1]
TINY = yaml.safe_load((REPOSITORY / "config/tiny.yaml").read_text())


def validated(config: dict) -> dict:
    return validate_config(copy.deepcopy(config), SCHEMA_PATH)


def shipped(path: str) -> dict:
    return validated(yaml.safe_load((REPOSITORY / path).read_text()))


def dry_run_counts(workdir: Path, config: dict) -> dict[str, int]:
    """Jobs per rule of Snakemake's dry run of ``config`` as the working directory's config.yaml."""
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    command = [
        *(sys.executable, "-m", "snakemake", "--snakefile", str(REPOSITORY / "Snakefile")),
        *("--directory", str(workdir), "--workflow-profile", "none", "--dry-run", "--quiet", "rules"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = re.findall(r"^(\w+)\s+(\d+)$", result.stdout + result.stderr, flags=re.MULTILINE)
    counts = {rule: int(count) for rule, count in rows}
    # `all` is the target: Snakemake lists it, nothing runs
    counts.pop("total"), counts.pop("all")
    return counts


@pytest.mark.workflow
@pytest.mark.parametrize("path", ["config/tiny.yaml", "config.yaml"])
def test_the_planned_jobs_are_the_dry_runs(tmp_path, path):
    config = yaml.safe_load((REPOSITORY / path).read_text())
    planned = Counter(job.rule for job in planned_jobs(validated(config)))
    assert planned == dry_run_counts(tmp_path, config)


def test_every_planned_job_has_a_stage_a_benchmark_and_coefficients():
    for path in ("config/tiny.yaml", "config.yaml", "config/paper.yaml"):
        jobs = planned_jobs(shipped(path))
        assert len({job.benchmark for job in jobs}) == len(jobs), path
        assert all(job.stage != "other" for job in jobs), path
        assert {job.key for job in jobs} - {None} <= set(COEFFICIENTS), path
        assert {job.rule for job in jobs if job.key is None} == set(UNBENCHMARKED_RULES)
        assert all(job.work >= 0 and job.data_mb >= 0 for job in jobs)


def test_the_default_study_as_benchmarked():
    # the planned jobs of config.yaml, with the names of their benchmark files (their checked
    # counts are those of the dry run above)
    jobs = {job.benchmark: job for job in planned_jobs(shipped("config.yaml"))}
    assert jobs["encode/L32/conv-b2-none@L24/seed2"].rule == "encode_transferred"
    assert jobs["rg_learned/L24/rsmi-b2"].rule == "rg_learned_rsmi"
    assert jobs["network_flow/L24/block-spin-b2"].rule == "network_flow_block_spin"
    assert jobs["train_far/L24/conv-b2-none/seed0"].key == "train:conv"
    assert jobs["train/L24/wide-k16-none/seed2"].key == "train:dense"
    assert sum(job.rule == "simulate" for job in jobs.values()) == 246


def test_multiply_adds_of_a_dense_and_a_conv_model():
    # 64 -> 32 -> 16 -> 8 -> 4 and back
    assert multiply_adds(ModelSpec("wide", latent=4), 8) == 2 * (64 * 32 + 32 * 16 + 16 * 8 + 8 * 4)
    # two 3 x 3 convolutions of 8 channels and the 2 x 2 block and its transpose, over 64 sites
    assert multiply_adds(ModelSpec("conv", block=2), 8) == (2 * 9 * 8 + 2 * 8) * 64


def total_hours(config: dict) -> float:
    return estimate(validated(config)).stages().set_index("stage").loc["total", "core_hours"]


def test_the_estimate_grows_with_samples_and_lattice_size():
    default = yaml.safe_load((REPOSITORY / "config.yaml").read_text())
    base = total_hours(default)
    more_samples = total_hours(default | {"samples_per_temperature": 2000})
    larger = total_hours(default | {"lattice_sizes": [12, 16, 24, 64]})
    # L = 64 replaces 32 for the headline model and the Monte Carlo only
    assert more_samples > 1.5 * base and larger > 1.2 * base
    # the jobs' overheads stay: four times the samples cost less than four times as much
    assert more_samples < 4 * base
    # the tiny study is nearly all overhead
    assert total_hours(TINY | {"samples_per_temperature": 80}) == pytest.approx(total_hours(TINY), rel=0.05)


def test_the_stages_add_up_and_the_gpu_takes_the_device_jobs():
    config = shipped("config/tiny.yaml")
    on_cpu = estimate(config).stages().set_index("stage")
    assert on_cpu["jobs"].drop("total").sum() == on_cpu.loc["total", "jobs"] == len(planned_jobs(config))
    assert on_cpu["core_hours"].drop("total").sum() == pytest.approx(on_cpu.loc["total", "core_hours"])
    assert (on_cpu["gpu_hours"] == 0).all()
    config["autoencoder"]["device"] = "cuda"
    cost = estimate(config)
    on_gpu = cost.stages().set_index("stage")
    device_seconds = cost.table.loc[cost.table["rule"].isin(DEVICE_RULES), "seconds"].sum()
    assert on_gpu.loc["total", "gpu_hours"] * 3600 == pytest.approx(device_seconds)
    assert (on_gpu.loc["total", "core_hours"] + on_gpu.loc["total", "gpu_hours"]) == pytest.approx(
        on_cpu.loc["total", "core_hours"]
    )
    assert "GPU-hours: the jobs of train" in report(cost, 2, "tiny")


def test_the_wall_time_is_the_core_time_over_the_cores_or_the_longest_job():
    cost = estimate(shipped("config.yaml"))
    seconds = cost.table["seconds"]
    assert cost.wall_hours(2) == pytest.approx(seconds.sum() / 2 / 3600)
    assert cost.wall_hours(10_000) == pytest.approx(seconds.max() / 3600)


def test_a_key_without_coefficients_is_named():
    with pytest.raises(KeyError, match="'simulate'"):
        estimate(shipped("config/tiny.yaml"), coefficients={})
