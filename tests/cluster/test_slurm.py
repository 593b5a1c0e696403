"""The shipped SLURM profile (profiles/slurm) against a real one-node SLURM cluster.

``tests/cluster/slurm.sh up`` installs Debian's slurmctld/slurmd/munge and starts a one-node cluster
on this machine; a module fixture does that and always runs ``slurm.sh down`` afterwards. The tiny
config of tests/test_workflow.py then runs through ``--workflow-profile profiles/slurm`` unchanged
(its :data:`CLUSTER_TARGETS`), with only the options a one-node cluster without slurmdbd needs on
the command line, and the test checks that every job went through SLURM with the resources the
rules and the profile ask for, that the results equal those of the suite's local tiny run
(``tiny_run`` of conftest.py), and that a failing job fails the workflow instead of hanging it.

Runs only as root, with apt-get, and with CI=true or DEEPRENORM_CLUSTER_TESTS=1 (it installs
packages and starts daemons); ``make test`` in CI does. Wall times and the SLURM job count are
printed and written to ``<pytest tmp dir>/cluster_timings.json``.
"""

import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
SNAKEFILE = REPOSITORY / "Snakefile"
PROFILE = REPOSITORY / "profiles/slurm"
SLURM_SH = Path(__file__).resolve().with_name("slurm.sh")

# The only settings given on the command line: what a one-node test cluster without slurmdbd needs
# (sacct fails there, so job states come from squeue; a 5 s first status check instead of 40 s).
# Everything else, resources included, comes from the unchanged profile.
CLUSTER_OPTIONS = ["--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "5"]
# The way docs/running.md gives to pack the many short simulations: one SLURM job array per batch of ready jobs.
ARRAY_RULES = ["simulate"]
ARRAY_OPTIONS = [f"--slurm-array-jobs={','.join(ARRAY_RULES)}"]

TINY = yaml.safe_load((REPOSITORY / "config/tiny.yaml").read_text())
# What goes through SLURM: every kind of job the profile has to place (job arrays of simulations,
# the algorithm comparison, datasets, a reweighting table and its figure, a split, a training with
# its threads and an encoding, the RG flow), not every job of the tiny study: each SLURM job costs a
# Snakemake start on the node and the status polling, and the later stages run the same kinds of
# jobs, which the local workflow tests cover. This keeps the cluster test within the suite's budget.
CLUSTER_TARGETS = [
    "results/tables/thermodynamics.csv",
    "results/figures/thermodynamics.png",
    "results/figures/autocorrelation.png",
    "results/latent/L8/alexandrou-k1-none/seed0.nc",
    "results/tables/rg_flow.csv",
]
# Metropolis at L = 64 near T_c needs a pilot of ~1e5 sweeps: with at most 1000 allowed the
# simulation raises ThermalizationError within seconds.
FAILING = dict(
    TINY, lattice_sizes=[64], temperatures=[2.27], algorithm="metropolis", sampling={"max_pilot_sweeps": 1000}
)
FAILING_TARGET = "results/simulations/L64/T2.2700.nc"

RUN_TIMEOUT = 900  # s; a run that has not finished by then counts as hung
FAILURE_TIMEOUT = 300
SQUEUE_FORMAT = "%i|%T|%k|%j|%C|%m|%l"
TIMINGS: dict = {}


def _missing_requirements() -> list[str]:
    missing = []
    if os.geteuid() != 0:
        missing.append("root (it installs packages and starts daemons: run pytest as root)")
    if shutil.which("apt-get") is None:
        missing.append("apt-get (a Debian/Ubuntu machine)")
    if os.environ.get("CI") != "true" and os.environ.get("DEEPRENORM_CLUSTER_TESTS") != "1":
        missing.append("opt-in: set CI=true or DEEPRENORM_CLUSTER_TESTS=1")
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        missing.append("snakemake-executor-plugin-slurm (pip install -e '.[slurm]')")
    return missing


MISSING = _missing_requirements()
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(bool(MISSING), reason="one-node SLURM test needs " + "; ".join(MISSING)),
]


# --- running Snakemake ------------------------------------------------------------------------


def snakemake(workdir: Path, *arguments, config: dict, profile: str, timeout: int):
    """``python -m snakemake`` in ``workdir``; returns (CompletedProcess, wall seconds).

    On a timeout the SLURM jobs of that run are cancelled (a killed Snakemake cannot) and the
    timeout is reported as a failure with the output so far.
    """
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(SNAKEFILE),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        "--workflow-profile",
        profile,
        *arguments,
    ]
    start = time.monotonic()
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=workdir)
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        output += (expired.stderr or b"").decode() if isinstance(expired.stderr, bytes) else (expired.stderr or "")
        run_id = re.search(r"SLURM run ID: (\S+)", output)
        if run_id:
            subprocess.run(["scancel", "--name", run_id[1]], capture_output=True, timeout=60)
        pytest.fail(f"snakemake did not finish within {timeout} s (hung?):\n{output[-5000:]}")
    return result, time.monotonic() - start


def run_id_of(output: str) -> str:
    match = re.search(r"SLURM run ID: (\S+)", output)
    assert match, "no 'SLURM run ID' in the output: the SLURM executor did not run"
    return match[1]


def squeue_records() -> list[dict]:
    """Every job slurmctld still knows (finished ones stay MinJobAge = 3600 s), one dict each."""
    result = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--array", "-o", SQUEUE_FORMAT],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    keys = ("jobid", "state", "comment", "name", "cpus", "memory", "time_limit")
    return [dict(zip(keys, line.split("|"), strict=True)) for line in result.stdout.splitlines() if line.strip()]


def submitted_slurm_ids(output: str) -> dict[int, str]:
    """Snakemake job id -> SLURM job id (``N``, or ``N_task`` for array tasks) from the plugin's log."""
    ids = {}
    for jobid, slurm_id in re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", output):
        ids[int(jobid)] = slurm_id
    for jobids, array_id, first, _last in re.findall(
        r"Submitted array job with Snakemake IDs ([\d,]+) and SLURM job ID (\d+)\. "
        r"The individual task IDs are (\d+)-(\d+)",
        output,
    ):
        for offset, jobid in enumerate(jobids.split(",")):
            ids[int(jobid)] = f"{array_id}_{int(first) + offset}"
    return ids


def finished_jobs(output: str) -> dict[int, str]:
    """Snakemake job id -> rule of every job Snakemake reports as finished."""
    return {int(jobid): rule for jobid, rule in re.findall(r"Finished jobid: (\d+) \(Rule: (\w+)\)", output)}


# --- what the rules and the profile request ---------------------------------------------------

# Snakemake's own evaluation of the rules (resource callables, threads) for the tiny config,
# without any profile, as JSON: one record per job of the DAG, and per rule the declared resources.
_DAG_SCRIPT = r"""
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, Quietness, ResourceSettings

snakefile, workdir, configfile, *targets = sys.argv[1:]
with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
    workflow_api = api.workflow(
        resource_settings=ResourceSettings(),
        config_settings=ConfigSettings(configfiles=[Path(configfile)]),
        snakefile=Path(snakefile),
        workdir=Path(workdir),
    )
    workflow_api.dag(DAGSettings(targets=set(targets), forceall=True))
    workflow = workflow_api._workflow
    workflow._prepare_dag(forceall=True, ignore_incomplete=True, lock_warn_only=True, nolock=True)
    workflow._build_dag()
    rules = {
        # Local (not submitted to SLURM) under a cluster executor: workflow.is_local() minus its
        # local_exec term, which is true here because this script executes nothing.
        rule.name: {
            "declared": sorted(k for k in rule.resources if not k.startswith("_")),
            "local": rule.group is None and (rule.name in workflow._localrules or rule.norun or rule.is_template_engine),
        }
        for rule in workflow.rules
    }
    jobs = [
        {
            "rule": job.rule.name,
            "wildcards": [str(value) for value in job.wildcards],
            "threads": job.threads,
            "resources": {key: job.resources.get(key) for key in ("mem_mb", "runtime")},
        }
        for job in workflow.dag.jobs
    ]
    print("DAG-JSON" + json.dumps({"rules": rules, "jobs": jobs}))
"""


def rule_requests(workdir: Path, config: dict, targets: list[str]) -> dict:
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [sys.executable, "-c", _DAG_SCRIPT, str(SNAKEFILE), str(workdir), str(workdir / "config.yaml"), *targets],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("DAG-JSON"))
    return json.loads(line.removeprefix("DAG-JSON"))


def minutes(value) -> int:
    """A Snakemake runtime (int minutes, or "30m", "2h", "1d", "90s") in minutes."""
    if isinstance(value, (int, float)):
        return int(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)\s*", str(value))
    assert match, f"unknown runtime {value!r} (extend minutes() in {__file__})"
    factor = {"s": 1 / 60, "m": 1, "min": 1, "h": 60, "d": 1440}[match[2]]
    return math.ceil(float(match[1]) * factor)


def megabytes(value) -> int:
    """A Snakemake mem_mb (int, or "4000MB", "4GB") in MB."""
    if isinstance(value, (int, float)):
        return int(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(MB|GB|TB)\s*", str(value))
    assert match, f"unknown mem_mb {value!r} (extend megabytes() in {__file__})"
    return int(float(match[1]) * {"MB": 1, "GB": 1000, "TB": 1000**2}[match[2]])


def expected_requests(requests: dict) -> dict[str, dict]:
    """SLURM comment -> {threads, mem_mb, runtime} that each job must get, by Snakemake's precedence:
    the profile's set-resources / set-threads beat the rule, the rule beats default-resources."""
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    defaults = profile.get("default-resources") or {}
    overrides = profile.get("set-resources") or {}
    thread_overrides = profile.get("set-threads") or {}
    expected = {}
    for job in requests["jobs"]:
        rule = job["rule"]
        if requests["rules"][rule]["local"]:
            continue
        values = {"threads": int(thread_overrides.get(rule, job["threads"]))}
        for key, convert in (("mem_mb", megabytes), ("runtime", minutes)):
            if key in overrides.get(rule, {}):
                values[key] = convert(overrides[rule][key])
            elif key in requests["rules"][rule]["declared"]:
                values[key] = convert(job["resources"][key])
            else:
                values[key] = convert(defaults[key])
        wildcards = "_".join(job["wildcards"]).replace("/", "_")
        comment = f"rule_{rule}_wildcards_{wildcards}" if wildcards else f"rule_{rule}"
        expected[comment] = values
    return expected


def slurm_megabytes(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", text)
    assert match, f"unexpected squeue memory {text!r}"
    return round(float(match[1]) * {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024**2}[match[2]])


def slurm_minutes(text: str) -> int:
    """squeue's time limit ``[days-][hours:]minutes:seconds`` in minutes."""
    match = re.fullmatch(r"(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)", text)
    assert match, f"unexpected squeue time limit {text!r}"
    days, hours, mins, secs = (int(part or 0) for part in match.groups())
    return days * 1440 + hours * 60 + mins + math.ceil(secs / 60)


def rule_of(comment: str, rules) -> str:
    for rule in sorted(rules, key=len, reverse=True):
        if comment == f"rule_{rule}" or comment.startswith(f"rule_{rule}_wildcards_"):
            return rule
    raise AssertionError(f"SLURM comment {comment!r} names no rule of the workflow")


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    """A one-node SLURM on this machine, always taken down again (even when a test fails)."""
    start = time.monotonic()
    TIMINGS["module_start"] = start
    try:
        up = subprocess.run(["bash", str(SLURM_SH), "up"], capture_output=True, text=True, timeout=600)
        assert up.returncode == 0, f"slurm.sh up failed:\n{up.stdout}\n{up.stderr}"
        TIMINGS["cluster_up_s"] = round(time.monotonic() - start, 1)
        yield
    finally:
        down = subprocess.run(["bash", str(SLURM_SH), "down"], capture_output=True, text=True, timeout=300)
        assert down.returncode == 0, f"slurm.sh down failed:\n{down.stdout}\n{down.stderr}"


@pytest.fixture(scope="module")
def dag(tmp_path_factory):
    """What the rules request, job by job, as Snakemake evaluates them without any profile."""
    return rule_requests(tmp_path_factory.mktemp("dag"), TINY, CLUSTER_TARGETS)


@pytest.fixture(scope="module")
def cluster_run(cluster, tmp_path_factory):
    """The tiny config's :data:`CLUSTER_TARGETS` through the SLURM profile, simulations as job arrays."""
    workdir = tmp_path_factory.mktemp("slurm_run")
    result, wall = snakemake(
        workdir,
        *CLUSTER_OPTIONS,
        *ARRAY_OPTIONS,
        *CLUSTER_TARGETS,
        config=TINY,
        profile=str(PROFILE),
        timeout=RUN_TIMEOUT,
    )
    output = result.stdout + result.stderr
    (workdir / "snakemake.out").write_text(output)
    assert result.returncode == 0, output[-6000:]
    # Right away: squeue forgets finished jobs MinJobAge (3600 s) after they end.
    records = squeue_records()
    (workdir / "squeue.json").write_text(json.dumps(records, indent=1))
    TIMINGS["cluster_run_s"] = round(wall, 1)
    return SimpleNamespace(workdir=workdir, output=output, records=records, run_id=run_id_of(output))


@pytest.fixture(scope="module")
def local_run(tiny_run):
    """The suite's local run of the whole tiny study (conftest.py)."""
    TIMINGS["local_run_s"] = round(tiny_run.wall_s, 1)
    return tiny_run


# --- tests ------------------------------------------------------------------------------------


def test_every_job_ran_as_a_slurm_job(cluster_run, dag):
    ours = {record["jobid"]: record for record in cluster_run.records if record["name"] == cluster_run.run_id}
    finished = finished_jobs(cluster_run.output)
    local_rules = {rule for rule, info in dag["rules"].items() if info["local"]}
    remote = {jobid: rule for jobid, rule in finished.items() if rule not in local_rules}
    dag_remote = [job for job in dag["jobs"] if job["rule"] not in local_rules]
    assert len(remote) == len(dag_remote), f"Snakemake finished {len(remote)} jobs, the DAG has {len(dag_remote)}"

    # One SLURM job (or array task) per Snakemake job, and no other job of this run.
    slurm_ids = submitted_slurm_ids(cluster_run.output)
    assert set(remote) <= set(slurm_ids), f"finished but never submitted to SLURM: {set(remote) - set(slurm_ids)}"
    assert len(ours) == len(remote), f"{len(ours)} SLURM jobs named {cluster_run.run_id}, {len(remote)} Snakemake jobs"
    for jobid, rule in remote.items():
        record = ours.get(slurm_ids[jobid])
        assert record, f"Snakemake job {jobid} ({rule}): SLURM job {slurm_ids[jobid]} not in squeue --states=all"
        assert record["state"] == "COMPLETED", record
        assert rule_of(record["comment"], dag["rules"]) == rule, record
    # The simulations went as one array: task ids N_1 ... N_6.
    array_tasks = [record for record in ours.values() if re.fullmatch(r"\d+_\d+", record["jobid"])]
    n_simulations = sum(job["rule"] == "simulate" for job in dag_remote)
    assert len(array_tasks) == n_simulations, [record["jobid"] for record in ours.values()]
    assert len({record["jobid"].split("_")[0] for record in array_tasks}) == 1
    assert all(rule_of(record["comment"], dag["rules"]) == "simulate" for record in array_tasks)
    TIMINGS["slurm_jobs"] = len(ours)
    TIMINGS["slurm_array_tasks"] = len(array_tasks)


def test_resources_arrive_as_the_rules_and_the_profile_request(cluster_run, dag):
    expected = expected_requests(dag)
    ours = [record for record in cluster_run.records if record["name"] == cluster_run.run_id]
    assert len(ours) == len(expected)
    checked = 0
    for record in ours:
        got = {
            "threads": int(record["cpus"]),
            "mem_mb": slurm_megabytes(record["memory"]),
            "runtime": slurm_minutes(record["time_limit"]),
        }
        want = dict(expected[record["comment"]])
        if re.fullmatch(r"\d+_\d+", record["jobid"]):
            # An array task gets the request of the array's first job (its comment); that equals its
            # own only when all jobs of the rule request the same, as in this config.
            rule = rule_of(record["comment"], dag["rules"])
            same_rule = [values for comment, values in expected.items() if rule_of(comment, dag["rules"]) == rule]
            assert all(values == same_rule[0] for values in same_rule), f"{rule}: jobs differ, {same_rule}"
            # The plugin adds ceil(3 x payload / 1 MiB) MB to an array's --mem for the encoded commands
            # of its tasks (1 MB for a payload under 349 kB, as here).
            want["mem_mb"] += 1
        assert got == want, f"SLURM job {record['jobid']} ({record['comment']}): got {got}, requested {want}"
        checked += 1
    assert checked == len(expected)


def test_outputs_are_identical_to_a_local_run(cluster_run, local_run):
    remote, local = cluster_run.workdir / "results", local_run.workdir / "results"
    datasets = sorted(path.relative_to(remote) for path in remote.glob("datasets/*.nc"))
    assert datasets == sorted(path.relative_to(local) for path in local.glob("datasets/*.nc"))
    assert len(datasets) == len(TINY["lattice_sizes"])
    for name in datasets:
        with xr.open_dataset(remote / name) as a, xr.open_dataset(local / name) as b:
            for variable in ("spins", "energy", "magnetization"):
                assert a[variable].dtype == b[variable].dtype
                assert np.array_equal(a[variable].values, b[variable].values), f"{name}: {variable} differs"
            # Everything else too, except the CPU timing and the creation time.
            assert set(a.data_vars) == set(b.data_vars)
            for variable in set(a.data_vars) - {"seconds_per_sweep"}:
                assert a[variable].equals(b[variable]), f"{name}: {variable} differs"
            assert {k: v for k, v in a.attrs.items() if k != "created"} == {
                k: v for k, v in b.attrs.items() if k != "created"
            }
    tables = sorted(path.relative_to(remote) for path in remote.rglob("*.csv"))
    # the cluster ran a part of the study (CLUSTER_TARGETS), the local run all of it
    assert set(tables) <= {path.relative_to(local) for path in local.rglob("*.csv")}
    for required in (
        "tables/thermodynamics.csv",
        "tables/autocorrelation.csv",
        "models/L8/alexandrou-k1-none/seed0.csv",
        "tables/rg_flow.csv",
    ):
        assert Path(required) in tables, required
    # the trained model's codes too
    with (
        xr.open_dataset(remote / "latent/L8/alexandrou-k1-none/seed0.nc") as a,
        xr.open_dataset(local / "latent/L8/alexandrou-k1-none/seed0.nc") as b,
    ):
        assert np.array_equal(a["latent"].values, b["latent"].values)
    for name in tables:
        a = pd.read_csv(remote / name, dtype=str, keep_default_na=False)
        b = pd.read_csv(local / name, dtype=str, keep_default_na=False)
        # CPU timings differ from run to run; everything else, trained models included, must not.
        timings = ["seconds_per_sweep", "samples_per_second", "seconds"]
        a = a.drop(columns=timings, errors="ignore")
        b = b.drop(columns=timings, errors="ignore")
        pd.testing.assert_frame_equal(a, b, obj=str(name))
    TIMINGS["identical_outputs"] = f"{len(datasets)} datasets, {len(tables)} CSV tables"


def test_a_failing_job_fails_the_workflow_instead_of_hanging(cluster, tmp_path):
    result, wall = snakemake(
        tmp_path, *CLUSTER_OPTIONS, FAILING_TARGET, config=FAILING, profile=str(PROFILE), timeout=FAILURE_TIMEOUT
    )
    output = result.stdout + result.stderr
    TIMINGS["failing_run_s"] = round(wall, 1)
    assert result.returncode != 0, output[-4000:]
    assert "Error in rule simulate" in output, output[-4000:]
    assert "SLURM status is: 'FAILED'" in output, output[-4000:]
    assert not (tmp_path / FAILING_TARGET).exists()
    log = (tmp_path / "logs/simulate/L64/T2.2700.log").read_text()
    assert "ThermalizationError" in log, log[-3000:]
    assert "ThermalizationError" in output  # show-failed-logs: the reason is in the terminal output
    # The profile's retries: every attempt was a SLURM job, and each one failed.
    attempts = 1 + int(yaml.safe_load((PROFILE / "config.yaml").read_text()).get("retries", 0))
    records = [record for record in squeue_records() if record["name"] == run_id_of(output)]
    assert [record["state"] for record in records] == ["FAILED"] * attempts, records


def test_wall_times_and_job_count_are_recorded(cluster_run, local_run, tmp_path_factory, record_property, capsys):
    TIMINGS["cluster_test_s"] = round(time.monotonic() - TIMINGS.pop("module_start"), 1)
    path = tmp_path_factory.getbasetemp() / "cluster_timings.json"
    path.write_text(json.dumps(TIMINGS, indent=2) + "\n")
    for key, value in TIMINGS.items():
        record_property(key, value)
    summary = (
        f"one-node SLURM: {TIMINGS.get('slurm_jobs')} SLURM jobs ({TIMINGS.get('slurm_array_tasks')} array tasks); "
        f"cluster run {TIMINGS['cluster_run_s']} s ({len(CLUSTER_TARGETS)} targets) vs local run of the whole tiny study {TIMINGS['local_run_s']} s; "
        f"failing run {TIMINGS.get('failing_run_s')} s; cluster up {TIMINGS.get('cluster_up_s')} s; "
        f"whole cluster test {TIMINGS['cluster_test_s']} s ({path})"
    )
    with capsys.disabled():
        print(f"\n{summary}")
    assert TIMINGS["cluster_run_s"] > 0 and TIMINGS["local_run_s"] > 0
