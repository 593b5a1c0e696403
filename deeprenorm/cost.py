"""What a study costs before it runs: jobs per stage, core-hours, GPU-hours, memory and disk.

:func:`planned_jobs` lists every job the workflow runs for a validated config, from its
:class:`~deeprenorm.plan.StudyPlan`, as the rules of ``workflow/rules`` select them (a test
compares the count of each rule with Snakemake's dry run), each with the work units of the cost
model. The model is, per cost key (a rule, or a rule and the kind of model it trains):

* seconds of one job = ``overhead_s + s_per_unit * work``: a fixed cost of starting the job
  (Python, numba, torch, reading its inputs, drawing its figure) and a coefficient times the
  job's work, computed from the config (Monte Carlo: spins x sweeps; training: samples x epochs
  x multiply-adds of the network; ... see :func:`planned_jobs`);
* peak resident memory of one job, in MB = ``rss_mb + RSS_COPIES * data_mb``, ``data_mb`` the
  megabytes of spins (or scalars) it holds: the workflow's memory requests assume the same three
  copies (``workflow/rules/common.smk``), and a slope fitted to two studies' few sizes
  extrapolates wildly.

:data:`COEFFICIENTS` are fitted by ``benchmarks/cost_model.py`` on the benchmark files of
finished studies (Snakemake's ``benchmark:`` ``s`` column: a job's wall time) and say where.
The seconds are those of that machine: another machine is easily 2x faster or slower.
:func:`estimate` applies them; ``python -m deeprenorm.plan estimate CONFIG`` prints the result.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from .config import temperature_grid, temperature_label
from .ml.spec import CONV_CHANNELS, ModelSpec
from .plan import DENSE_BLOCK_FACTOR, DEVICE_RULES, StudyPlan
from .reporting.benchmarks import STAGES, stage_of
from .reporting.summary import format_duration

__all__ = [
    "CALIBRATION",
    "COEFFICIENTS",
    "RSS_COPIES",
    "UNBENCHMARKED_RULES",
    "PlannedJob",
    "Estimate",
    "planned_jobs",
    "multiply_adds",
    "estimate",
    "report",
]

#: The runs :data:`COEFFICIENTS` were fitted on (``benchmarks/cost_model.py``).
CALIBRATION = (
    "fitted on the benchmark files of the default study (config.yaml, 398 jobs) and of the tiny "
    "study (config/tiny.yaml, 70 jobs), each run alone with --cores 2 on a 2-core x86-64 Linux VM "
    "(torch 2.13 CPU, one thread per job); another machine is easily 2x faster or slower"
)

#: Copies of its data a job holds at its memory peak (see the module docstring).
RSS_COPIES = 3

#: Per cost key: ``(overhead_s, s_per_unit, rss_mb)``, from
#: ``python benchmarks/cost_model.py --coefficients`` (see the module docstring).
COEFFICIENTS: dict[str, tuple[float, float, float]] = {
    "autocorrelation:metropolis": (0.4503, 9.736e-07, 221.7),
    "autocorrelation:swendsen_wang": (0.4672, 2.787e-07, 246),
    "autocorrelation:wolff": (0.4693, 6.792e-08, 193.6),
    "autocorrelation_figure": (0.8715, 0, 123.3),
    "control_dataset": (1.379, 2.617e-07, 400.5),
    "control_split": (0.3813, 0, math.nan),
    "dataset": (0.7516, 2.306e-08, 220.2),
    "dbn": (1.5, 1.89e-10, 383.8),
    "dbn_configurations": (1.449, 8.153e-08, 355.8),
    "encode:conv": (1.325, 7.97e-10, 463.6),
    "encode:dense": (1.472, 2.515e-11, 439.5),
    "latent_analysis": (0.8832, 2.483e-05, 553.1),
    "latent_figures": (1.511, 0, 191.8),
    "locality_table": (1.129, 0, 337.6),
    "mcrg_ensemble": (0.4843, 1.113e-07, 178.8),
    "network_flow": (1.547, 2.304e-07, 468.5),
    "network_flow_block_spin": (1.46, 9.264e-08, 383.2),
    "probe_figures": (7.648, 0, 528.4),
    "probes": (2.166, 1.42e-05, 501.9),
    "rg_exponents": (1.416, 7.58e-08, 710.4),
    "rg_exponents_figure": (0.6431, 0, 115.6),
    "rg_exponents_learned": (1.455, 2.922e-07, 641.9),
    "rg_figures": (1.782, 0, 249),
    "rg_flow": (0.7879, 2.19e-07, 300.8),
    "rg_information": (1.31, 0.0002633, 457.6),
    "rg_learned": (2.19, 1.114e-07, 529.5),
    "rg_learned_rsmi": (3.85, 0, 463.8),
    "rg_network_figures": (2.418, 0, 159.4),
    "rg_verdict": (0.9736, 0, 145.2),
    "simulate": (0.4192, 7.477e-08, 255.2),
    "split": (0.404, 0, math.nan),
    "thermodynamics_figure": (1.1, 0, 143.7),
    "thermodynamics_table": (0.4673, 5.274e-05, 404.9),
    "train:conv": (2.611, 1.267e-09, 544),
    "train:dense": (2.796, 7.321e-11, 541.4),
    "train_rsmi": (2.65, 0, 499.1),
    "width_sweep": (0.5439, 0, 116.9),
    "width_sweep_figure": (1.016, 0, 133.9),
}

#: Rules without a benchmark file (the report reads the others' files while they are written):
#: counted as jobs, not in the time sums.
UNBENCHMARKED_RULES = ("performance", "summary", "summary_figure")


@dataclasses.dataclass(frozen=True)
class PlannedJob:
    """One job of the workflow: its Snakemake ``rule``, its ``benchmark`` file (the path below
    ``results/benchmarks`` without ``.tsv``; its first part names the stage), the cost model's
    ``key`` (None: not benchmarked), its ``work`` units and ``data_mb``, and its ``threads``."""

    rule: str
    benchmark: str
    key: str | None
    work: float = 0.0
    data_mb: float = 0.0
    threads: int = 1

    @property
    def stage(self) -> str:
        return stage_of(self.benchmark.split("/")[0])

    @property
    def on_device(self) -> bool:
        return self.rule in DEVICE_RULES


def multiply_adds(spec: ModelSpec, L: int) -> int:
    """Multiply-adds of one forward pass of ``spec``'s autoencoder for one L x L configuration:
    the dense layers through :meth:`~deeprenorm.ml.spec.ModelSpec.widths` and back, or the conv
    model's two 3 x 3 convolutions of ``CONV_CHANNELS`` channels over L^2 sites and its b x b
    block convolution and transpose (``CONV_CHANNELS`` per site each)."""
    if spec.is_convolutional:
        return (2 * 9 + 2) * CONV_CHANNELS * L * L
    widths = spec.widths(L)
    return 2 * sum(n_in * n_out for n_in, n_out in zip(widths, widths[1:]))


def planned_jobs(config: dict, plan: StudyPlan | None = None) -> list[PlannedJob]:
    """Every job of a validated config's study with its work units, in stage order.

    Work units, per job: Monte Carlo ``L^2 x (spacing x samples + pilot + thermalisation)``
    (spin updates if tau_int were one sweep); a dataset, the flows and every job that reads
    spins: the spins it reads; training ``(train + validation samples) x max_epochs x
    multiply-adds`` (:func:`multiply_adds`; early stopping can only shorten it); encoding
    ``samples x multiply-adds``; the network RG stage: spins x the networks it measures (trained
    seeds and controls); the DBN ``configurations x epochs x`` its weights. Jobs that draw a
    figure or collect tables have none: their overhead is their cost.
    """
    plan = plan or StudyPlan.from_config(config)
    n_samples = plan.samples_per_temperature
    n_T = len(plan.temperatures)
    autoencoder, training = config["autoencoder"], config["autoencoder"]["training"]
    fitted = autoencoder["split"]["train"] + autoencoder["split"]["validation"]
    epochs, threads = training["max_epochs"], autoencoder["threads"]
    jobs: list[PlannedJob] = []

    def add(rule, benchmark, key=None, work=0.0, data=0.0, job_threads=1):
        key = None if rule in UNBENCHMARKED_RULES else key or rule
        jobs.append(PlannedJob(rule, benchmark, key, float(work), data / 1e6, job_threads))

    def spins(L, n_temperatures=n_T, samples=n_samples):
        return n_temperatures * samples * L * L

    sampling = config["sampling"]
    sweeps = sampling["spacing_factor"] * n_samples + sampling["pilot_factor"] + sampling["thermalization_factor"]
    for L in plan.simulated_sizes:
        for T in plan.simulated_temperatures(L):
            add("simulate", f"simulate/L{L}/T{temperature_label(T)}", work=L * L * sweeps, data=spins(L, 1))
    for L in plan.simulated_sizes:
        # streamed: one temperature's spins at a time
        add("dataset", f"dataset/L{L}", work=spins(L, len(plan.simulated_temperatures(L))), data=spins(L, 1))
    scalars = len(plan.lattice_sizes) * n_T * n_samples
    add("thermodynamics_table", "thermodynamics_table", work=scalars, data=16 * scalars)
    add("thermodynamics_figure", "thermodynamics_figure")

    scan = config["autocorrelation"]
    scanned = len(temperature_grid(scan["temperatures"])) * scan["scan_lattice_size"] ** 2
    for algorithm in scan["algorithms"]:
        work = scan["pilot_factor"] * (scanned + sum(L * L for L in scan["lattice_sizes"]))
        add("autocorrelation", f"autocorrelation/{algorithm}", f"autocorrelation:{algorithm}", work)
    add("autocorrelation_figure", "autocorrelation_figure")

    network = plan.network
    split_sizes = {L for model in plan.models.values() for L in model.lattice_sizes}
    split_sizes |= {network.lattice_size} if network.measured else set()
    for L in sorted(split_sizes):
        add("split", f"split/L{L}", work=n_T * n_samples)
    trained = [
        (name, model.spec, L, seed)
        for name, model in plan.models.items()
        for L in model.lattice_sizes
        for seed in model.seeds
    ]

    def kind(spec):
        return "conv" if spec.is_convolutional else "dense"

    def training_work(spec, L, n_temperatures=n_T, samples=n_samples):
        return fitted * n_temperatures * samples * epochs * multiply_adds(spec, L)

    def training_held(L):
        # training streams its temperatures through a buffer and holds the validation samples
        return spins(L, training["buffer_temperatures"] + 1 + autoencoder["split"]["validation"] * n_T)

    for name, spec, L, seed in trained:
        job = f"L{L}/{name}/seed{seed}"
        add("train", f"train/{job}", f"train:{kind(spec)}", training_work(spec, L), training_held(L), threads)
    encodings = [(name, spec, L, seed, "encode") for name, spec, L, seed in trained]
    if plan.transfer:
        spec = plan.models[plan.transfer.model].spec
        encodings += [
            (plan.transfer.name, spec, L, seed, "encode_transferred")
            for L in plan.transfer.lattice_sizes
            for seed in plan.transfer.seeds
        ]
    for name, spec, L, seed, rule in encodings:
        work = n_T * n_samples * multiply_adds(spec, L)
        # one temperature's spins and the float32 codes of every sample
        held = spins(L, 1) + 4 * n_T * n_samples * spec.code_width(L)
        add(rule, f"encode/L{L}/{name}/seed{seed}", f"encode:{kind(spec)}", work, held, threads)
    add("latent_analysis", "latent_analysis", work=len(encodings) * n_T * n_samples)
    for rule in ("latent_figures", "width_sweep", "width_sweep_figure"):
        add(rule, rule)

    rg = config["rg"]
    flowed = sum(spins(L, len(plan.simulated_temperatures(L))) for L in plan.rg_sizes)
    add("rg_flow", "rg_flow", work=flowed, data=spins(max(plan.rg_sizes), 1))
    mcrg = rg["mcrg"]["samples"] * rg["mcrg"]["lattice_size"] ** 2
    add("mcrg_ensemble", "mcrg_ensemble", work=mcrg, data=mcrg)
    add("rg_exponents", "rg_exponents", work=mcrg, data=mcrg)
    add("rg_exponents_figure", "rg_exponents_figure")
    add("rg_figures", "rg_figures")
    if network.measured:
        _network_jobs(add, config, plan, spins, (training_work, training_held), kind)
    for rule in UNBENCHMARKED_RULES:
        add(rule, rule)
    order = {stage: index for index, stage in enumerate([*STAGES, "other"])}
    return sorted(jobs, key=lambda job: order[job.stage])


def _network_jobs(add, config, plan, spins, training, kind):
    """The jobs of the network RG stage and of the probes (both only where a network is measured);
    ``training``: the training work and memory of :func:`planned_jobs`. These jobs read one
    temperature's spins at a time."""
    network, probes, rg = plan.network, plan.probes, config["rg"]
    training_work, training_held = training
    L, n_T = network.lattice_size, len(plan.temperatures)

    def measured(name):
        # the trained seeds and each control network of the same architecture
        far = network.far_control and name in network.flow_models
        return len(network.models[name].seeds) + far + sum(model == name for _, model in probes.controls)

    for name in network.models:
        add("rg_learned", f"rg_learned/L{L}/{name}", work=measured(name) * spins(L), data=spins(L, 1))
    if plan.rsmi_model:
        rsmi = rg["rsmi"]
        add("train_rsmi", f"train_rsmi/L{L}/{plan.rsmi_model}", work=rsmi["epochs"] * rsmi["configurations"] * L * L)
        add("rg_learned_rsmi", f"rg_learned/L{L}/{plan.rsmi_model}", work=spins(L), data=spins(L, 1))
    mcrg = rg["mcrg"]["samples"] * rg["mcrg"]["lattice_size"] ** 2
    for name in plan.mcrg_models:
        add("rg_exponents_learned", f"rg_exponents_learned/L{L}/{name}", work=measured(name) * mcrg, data=mcrg)
    n_far = sum(network.far_mask)
    for name in network.flow_models if network.far_control else ():
        spec = network.models[name].spec
        work = training_work(spec, L, n_far)
        add(
            "train_far",
            f"train_far/L{L}/{name}/seed{network.models[name].seed}",
            f"train:{kind(spec)}",
            work,
            training_held(L),
        )
    flow = rg["networks"]["flow_steps"] * rg["networks"]["flow_samples"] * n_T * L * L
    # and the float64 configurations of every flow step
    flowed = spins(L, 1) + 8 * rg["networks"]["flow_samples"] * n_T * L * L
    for name in network.flow_models:
        add("network_flow", f"network_flow/L{L}/{name}", work=measured(name) * flow, data=flowed)
    add("network_flow_block_spin", f"network_flow/L{L}/block-spin-b{DENSE_BLOCK_FACTOR}", work=flow, data=flowed)
    information = rg["information"]
    variables = sum(measured(name) for name in network.conv_models) + bool(plan.rsmi_model) + len(network.block_factors)
    draws = information["n_bootstrap"] * information["n_splits"] * len(information["temperatures"])
    # the test configurations with their block variables and environments
    add("rg_information", "rg_information", work=variables * draws, data=2 * spins(L, 1))
    add("rg_verdict", "rg_verdict")
    add("rg_network_figures", "rg_network_figures")

    controls = probes.control_samples
    for control in probes.control_kinds:
        add(
            "control_dataset",
            f"control_dataset/{control}/L{L}",
            work=spins(L, samples=controls),
            data=spins(L, samples=controls),
        )
        add("control_split", f"control_split/{control}/L{L}", work=n_T * controls)
    for control, name in probes.controls:
        spec, seed = network.models[name].spec, network.models[name].seed
        work = training_work(spec, L, samples=controls)
        add(
            "train_control",
            f"train_control/{control}/L{L}/{name}/seed{seed}",
            f"train:{kind(spec)}",
            work,
            spins(L, samples=controls),
        )
    steps = config["probes"]["activation_steps"] * L * L
    for name in probes.models:
        add("probes", f"probes/L{L}/{name}", work=steps, data=spins(L, 1))
    for control, name in probes.controls:
        add("probes_control", f"probes_control/{control}/L{L}/{name}", "probes", steps, spins(L, 1))
    dbn, dbn_L = config["probes"]["dbn"], probes.dbn_lattice_size
    add(
        "dbn_configurations",
        f"dbn_configurations/L{dbn_L}",
        work=dbn["configurations"] * dbn_L**2,
        data=dbn["configurations"] * dbn_L**2,
    )
    # greedy layers, each a quarter of the one below: 1600 -> 400 -> 100 -> 25 at L = 40
    weights = sum(dbn_L**2 // 4**layer * (dbn_L**2 // 4 ** (layer + 1)) for layer in range(dbn["layers"]))
    add(
        "dbn",
        f"dbn/L{dbn_L}",
        work=dbn["configurations"] * dbn["epochs"] * weights,
        data=4 * dbn["configurations"] * dbn_L**2,
    )
    add("locality_table", "locality_table")
    add("probe_figures", "probe_figures")


@dataclasses.dataclass(frozen=True)
class Estimate:
    """The cost of a study (:func:`estimate`): its ``jobs``, one row per job in ``table``
    (``rule``, ``stage``, ``benchmark``, ``seconds``, ``max_rss_mb``, ``threads``, ``on_device``;
    NaN for a job not benchmarked), where ``device`` (``autoencoder.device``) runs the device
    jobs, and ``disk_bytes``, the upper bound of :meth:`deeprenorm.plan.StudyPlan.disk_bytes`."""

    jobs: tuple[PlannedJob, ...]
    table: pd.DataFrame
    device: str
    disk_bytes: int

    @property
    def gpu(self) -> bool:
        return self.device == "cuda"

    def stages(self) -> pd.DataFrame:
        """Per stage (pipeline order) and a ``total`` row: ``jobs``, ``core_hours`` (the jobs'
        estimated time on one core: the model is calibrated on one thread per job, and a job's
        threads are assumed to share that work without loss), ``gpu_hours`` (the device jobs' time where
        ``device`` is cuda, else 0; their CPU time, an upper bound of what a GPU needs) and
        ``max_rss_mb``, the largest job's peak memory."""
        table = self.table.assign(core_s=self.table["seconds"], gpu_s=0.0)
        if self.gpu:
            device = table["on_device"]
            table.loc[device, "gpu_s"] = table.loc[device, "seconds"]
            table.loc[device, "core_s"] = 0.0
        grouped = table.groupby("stage", sort=False).agg(
            jobs=("rule", "size"), core_s=("core_s", "sum"), gpu_s=("gpu_s", "sum"), max_rss_mb=("max_rss_mb", "max")
        )
        total = pd.DataFrame(
            [
                {
                    "jobs": len(table),
                    "core_s": table["core_s"].sum(),
                    "gpu_s": table["gpu_s"].sum(),
                    "max_rss_mb": table["max_rss_mb"].max(),
                }
            ],
            index=["total"],
        )
        stages = pd.concat([grouped, total])
        stages["core_hours"] = stages.pop("core_s") / 3600
        stages["gpu_hours"] = stages.pop("gpu_s") / 3600
        return stages.rename_axis("stage").reset_index()[["stage", "jobs", "core_hours", "gpu_hours", "max_rss_mb"]]

    def wall_hours(self, cores: int) -> float:
        """A lower bound of the run's duration on ``cores`` cores: the summed job time spread
        evenly over them, or the longest job (over its threads) where that is longer (no
        critical path: jobs wait for their inputs, so a real run takes longer)."""
        seconds = self.table["seconds"]
        return max(seconds.sum() / cores, (seconds / self.table["threads"]).max()) / 3600


def _hours(hours: float) -> str:
    if not hours:
        return "-"
    return f"{hours:,.0f}" if hours >= 100 else f"{hours:.3g}"


def _memory(megabytes: float) -> str:
    return f"{megabytes / 1000:.2g} GB" if math.isfinite(megabytes) else "-"


def report(cost: Estimate, cores: int, source: str) -> str:
    """The estimate as printed by ``python -m deeprenorm.plan estimate``: the stage table
    (:meth:`Estimate.stages`), then what its columns mean, the disk, the wall time on ``cores``
    cores and the calibration; ``source`` names the config."""
    stages = cost.stages()
    width = max(len(stage) for stage in stages["stage"])
    lines = [
        f"Cost estimate of {source}: {len(cost.jobs)} jobs",
        "",
        f"{'stage':<{width}}  {'jobs':>5}  {'core-hours':>10}  {'GPU-hours':>9}  {'peak memory':>11}",
    ]
    for row in stages.itertuples():
        lines.append(
            f"{row.stage:<{width}}  {row.jobs:>5}  {_hours(row.core_hours):>10}  {_hours(row.gpu_hours):>9}  "
            f"{_memory(row.max_rss_mb):>11}"
        )
    unmeasured = cost.table[cost.table["seconds"].isna()]["rule"]
    lines += [
        "",
        "core-hours: the summed wall time of the jobs on one core each (Snakemake's benchmark column s).",
        "peak memory: the largest resident memory of any one job of the stage.",
    ]
    if cost.gpu:
        lines.append(
            f"GPU-hours: the jobs of {', '.join(DEVICE_RULES)} (autoencoder.device: cuda), at their CPU time: "
            "an upper bound (the model is calibrated on CPU runs)."
        )
    else:
        lines.append(f"GPU-hours: none (autoencoder.device: {cost.device}; the estimate assumes no GPU).")
    if len(unmeasured):
        lines.append(f"Not in the sums: {', '.join(unmeasured)} (not benchmarked; seconds each).")
    lines += [
        f"Disk: up to {cost.disk_bytes / 1e9:.3g} GB (simulations and datasets, uncompressed).",
        f"Wall time on {cores} cores: at least {format_duration(cost.wall_hours(cores) * 3600)} "
        "(the summed core time spread over them, or the longest job; waiting for inputs adds to it).",
        f"Calibration: {CALIBRATION}.",
    ]
    return "\n".join(lines)


def estimate(config: dict, coefficients: dict | None = None) -> Estimate:
    """The cost of a validated config's study under ``coefficients`` (default
    :data:`COEFFICIENTS`): one row per job of :func:`planned_jobs`. A cost key without a
    coefficient raises KeyError naming it (the model needs refitting for a new rule)."""
    coefficients = COEFFICIENTS if coefficients is None else coefficients
    plan = StudyPlan.from_config(config)
    jobs = tuple(planned_jobs(config, plan))
    rows = []
    for job in jobs:
        if job.key is None:
            seconds = rss = math.nan
        else:
            if job.key not in coefficients:
                raise KeyError(
                    f"the cost model has no coefficients for {job.key!r}: refit it (benchmarks/cost_model.py)"
                )
            overhead, rate, rss_mb = coefficients[job.key]
            seconds, rss = overhead + rate * job.work, rss_mb + RSS_COPIES * job.data_mb
        rows.append(
            {
                "rule": job.rule,
                "stage": job.stage,
                "benchmark": job.benchmark,
                "seconds": seconds,
                "max_rss_mb": rss,
                "threads": job.threads,
                "on_device": job.on_device,
            }
        )
    return Estimate(jobs, pd.DataFrame(rows), config["autoencoder"]["device"], sum(plan.disk_bytes().values()))
