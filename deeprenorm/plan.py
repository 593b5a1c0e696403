"""The study plan: every selection the workflow makes from a validated config, as one value.

:mod:`deeprenorm.config` loads and validates a config; :meth:`StudyPlan.from_config` turns it into
the decisions the rules need, each a named field or a method with a test
(``tests/test_plan.py``), so that no ``.smk`` file holds a selection of its own:

* which lattice sizes are simulated, at which temperatures, and which (L, b) the block-spin RG
  flow matches (:attr:`StudyPlan.rg_pairs`, :meth:`StudyPlan.simulated_temperatures`);
* which model trains at which L with which seeds (:class:`PlannedModel`), the headline model and
  its seed, the models of the width sweep;
* the networks the RG stage measures, each with its seed and b (:class:`NetworkModel`), the
  models of the network flow, and the temperatures far from T_c its control network trains on
  (:class:`NetworkPlan`);
* the models the probes measure, draw and train on control data (:class:`ProbePlan`);
* the configurations of the summary figure (:class:`ReportPlan`).

Snakemake builds the plan once, in ``workflow/rules/common.smk``; the package never needs it.
``python -m deeprenorm.plan estimate CONFIG...`` prints what the study will cost
(:mod:`deeprenorm.cost`).
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
from pathlib import Path

from .config import ConfigError, load_config_files, temperature_grid
from .exact import T_C
from .ising.sizes import coarse_size_ok
from .ml.spec import ModelSpec
from .rg.window import default_window

__all__ = [
    "DENSE_BLOCK_FACTOR",
    "PROBE_BLOCK_FACTOR",
    "PlannedModel",
    "NetworkModel",
    "NetworkPlan",
    "ProbePlan",
    "ReportPlan",
    "TransferPlan",
    "StudyPlan",
    "planned_models",
    "rg_pairs",
    "far_from_critical",
    "network_plan",
    "widest_dense_model",
    "featured_model",
    "reconstruction_models",
    "probe_plan",
    "report_plan",
    "mcrg_models",
    "rsmi_model",
    "transfer_plan",
    "check_study_fits",
]

#: The b with which the RG stage blocks a dense model's reconstruction (the majority rule on its
#: sign): the smallest block, the step Broomberg & Rabinovich's "Deep Renormalization" compares.
DENSE_BLOCK_FACTOR = 2

#: The rules whose jobs run torch on ``autoencoder.device`` and, with ``cuda``, ask Snakemake for a
#: GPU (``rg_exponents`` too, where it measures the RSMI map; its other maps are numpy). The figure
#: rules that reconstruct a few configurations for display stay on the CPU.
DEVICE_RULES = (
    "train",
    "train_far",
    "train_control",
    "encode",
    "encode_transferred",
    "probes",
    "probes_control",
    "dbn",
    "train_rsmi",
    "rg_learned",
    "rg_learned_rsmi",
    "rg_exponents_learned",
    "network_flow",
    "rg_information",
)

#: The block whose windows the probes measure every map's locality against (2 x 2: a dense
#: model's code unit is compared with one block spin of the b = 2 step).
PROBE_BLOCK_FACTOR = 2

# Bytes per stored sample besides the spins: energy and magnetisation as float64.
_SCALAR_BYTES_PER_SAMPLE = 16


@dataclasses.dataclass(frozen=True)
class PlannedModel:
    """What the workflow trains of one model: its spec, sizes and training seeds. Sizes the
    model asks for but does not get: ``not_simulated`` (not among the study's lattice_sizes) and
    ``no_block_lattice`` (a conv model's L where L/b is not an even integer >= 4). Both are
    skipped and reported, not errors."""

    spec: ModelSpec
    lattice_sizes: tuple[int, ...]
    seeds: tuple[int, ...]
    not_simulated: tuple[int, ...] = ()
    no_block_lattice: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    def skipped_message(self) -> str | None:
        """One line saying which sizes are skipped and why, or None."""
        reasons = []
        if self.no_block_lattice:
            reasons.append(f"L = {list(self.no_block_lattice)}: L/b must be an even integer >= 4")
        if self.not_simulated:
            reasons.append(f"L = {list(self.not_simulated)}: not in the study's lattice_sizes")
        if not reasons:
            return None
        ending = "" if self.lattice_sizes else " (so not at all)"
        return f"deeprenorm: {self.name} is not trained for " + "; ".join(reasons) + ending


@dataclasses.dataclass(frozen=True)
class NetworkModel:
    """A network the RG stage measures: trained at the stage's L (``lattice_size``) with every
    training seed of ``seeds`` (the verdict combines them), its coarse-graining compared with
    block spins of factor ``b`` (its own block for a conv model, :data:`DENSE_BLOCK_FACTOR` for
    a dense one), against the direct ensemble of ``coarse_size`` = L/b. ``seed``, the first of
    them, is the seed of the controls (the same architecture trained on other data) and of the
    measurements that read one network."""

    spec: ModelSpec
    seed: int
    b: int
    coarse_size: int
    seeds: tuple[int, ...] = ()

    def __post_init__(self):
        if not self.seeds:
            object.__setattr__(self, "seeds", (self.seed,))

    @property
    def name(self) -> str:
        return self.spec.name


@dataclasses.dataclass(frozen=True)
class NetworkPlan:
    """What the RG stage measures of the trained networks (:func:`network_plan`).

    ``lattice_size``: the L of every network measurement (None: no L has a flow pair for any
    network, and the stage measures none); ``models``: name -> :class:`NetworkModel`, every
    ferromagnet model trained there whose (L, b) is a flow pair; ``flow_models``: the models of
    the network flow (the headline model, the widest dense model, the conv models);
    ``conv_models``: the conv models among ``models`` (the information bound's block
    variables); ``block_factors``: the b of the flow pairs at ``lattice_size``;
    ``observables``: those of ``rg.observables`` the learned flows match
    (:func:`deeprenorm.rg.learned.learned_rg_study` measures no nearest-neighbour correlation
    of learned block spins; the Binder cumulant where no other is left); ``skipped``: name ->
    why it is not measured; ``far_from_tc`` and ``far_mask``: the flow's control network trains on the
    temperatures with ``|T - T_c| > far_from_tc``, the mask over the study's grid
    (:func:`far_from_critical`); ``far_control``: whether that leaves temperatures on both sides
    of T_c (else the flow has no such control).
    """

    lattice_size: int | None
    models: dict[str, NetworkModel]
    flow_models: tuple[str, ...]
    conv_models: tuple[str, ...]
    block_factors: tuple[int, ...]
    observables: tuple[str, ...]
    skipped: dict[str, str]
    far_from_tc: float
    far_mask: tuple[bool, ...]
    far_control: bool

    @property
    def measured(self) -> bool:
        """Whether the stage measures any network."""
        return self.lattice_size is not None

    @property
    def far_description(self) -> str:
        """What the flow's control network is trained on, as its sidecar records it."""
        return f"|T - T_c| > {self.far_from_tc}"

    def skipped_message(self) -> str | None:
        """One line naming what the RG stage does not measure, and why, or None."""
        if self.lattice_size is None:
            return "deeprenorm: no lattice size has a b = 2 or conv flow pair: the RG stage measures no network"
        lines = []
        if self.skipped:
            reasons = "; ".join(f"{name} ({why})" for name, why in self.skipped.items())
            lines.append(f"deeprenorm: the RG stage at L = {self.lattice_size} does not measure {reasons}")
        if not self.far_control:
            lines.append(
                "deeprenorm: no network is trained far from T_c (rg.networks.far_from_tc leaves no simulated "
                "temperature on one side of T_c): the network flow has the untrained control only"
            )
        return "\n".join(lines) or None


@dataclasses.dataclass(frozen=True)
class ProbePlan:
    """What the probes stage measures (:func:`probe_plan`), at the RG stage's L.

    ``models``: the networks probed (``probes.models``: ``all`` of the RG stage's, or its flow
    models); ``conv_models``: the conv models among them; ``featured``: the model the figures
    draw; ``reconstruction_models``: the models whose reconstructions are drawn
    (:func:`reconstruction_models`); ``control_models``: the models also trained on the control
    data of each of ``control_kinds`` (Broomberg & Rabinovich's noise and sine waves), with
    ``control_samples`` configurations per temperature; ``dbn_lattice_size``: the L of Mehta &
    Schwab's deep belief network (``probes.dbn.lattice_size``: its data are its own, at any L).
    """

    models: tuple[str, ...]
    conv_models: tuple[str, ...]
    featured: str | None
    reconstruction_models: tuple[str, ...]
    control_models: tuple[str, ...]
    control_kinds: tuple[str, ...]
    control_samples: int
    dbn_lattice_size: int

    @property
    def controls(self) -> tuple[tuple[str, str], ...]:
        """Every (control kind, model) trained and probed, kinds outermost."""
        return tuple((kind, model) for kind in self.control_kinds for model in self.control_models)


@dataclasses.dataclass(frozen=True)
class ReportPlan:
    """The summary figure's strip of configurations (:func:`report_plan`): at ``strip_L``,
    through the models of ``strip_models`` (name -> training seed), conv models first; and
    ``strip_conv_model``, the first of them whose learned flow the figure draws (None: none)."""

    strip_L: int
    strip_models: dict[str, int]
    strip_conv_model: str | None


@dataclasses.dataclass(frozen=True)
class TransferPlan:
    """One size-agnostic network encoded at every size (:func:`transfer_plan`): ``model``,
    trained at ``trained_at`` with each of ``seeds``, its weights applied unchanged at each of
    ``lattice_sizes``, so that its latent susceptibility is one function of L, not a new
    network's at each. Its encodings go by the model ``name``."""

    model: str
    trained_at: int
    seeds: tuple[int, ...]
    lattice_sizes: tuple[int, ...]

    @property
    def name(self) -> str:
        return f"{self.model}@L{self.trained_at}"


@dataclasses.dataclass(frozen=True)
class StudyPlan:
    """Every selection of a study (module docstring), from :meth:`from_config`.

    ``lattice_sizes``: the config's sizes; ``temperatures``: the grid; ``rg_pairs``: the (L, b)
    of the block-spin flow (:func:`rg_pairs`); ``simulated_sizes``: ``lattice_sizes`` and the
    block lattices L/b, whose direct ensembles the flow is matched with; ``rg_window``: the
    flow's window (``rg.window``, or :func:`deeprenorm.rg.window.default_window`; None for a
    grid of one temperature); ``rg_sizes``: the datasets the block-spin flow reads (both ends of
    every pair and the largest L, blocked repeatedly); ``models``: name ->
    :class:`PlannedModel`, in config order; ``default_model`` and ``default_seed``: the
    headline model (the first) and its first seed; ``seeds``: every training seed;
    ``sweep_models``: the dense ferromagnet models of the width sweep; then the network, probe
    and report plans; ``mcrg_models``: the conv models of the network plan whose block b blocks
    the MCRG ensemble ``rg.mcrg.levels`` times (:func:`mcrg_models`); ``rsmi_model``: the name
    of the RSMI coarse-grainer the verdict measures, or None (:func:`rsmi_model`); ``transfer``:
    the network encoded at every size, or None (:func:`transfer_plan`);
    ``unblocked_sizes``: the
    sizes no block factor blocks (the flow skips them); ``notices``: one line for each thing the study skips, which the workflow prints
    (none is an error).
    """

    lattice_sizes: tuple[int, ...]
    temperatures: tuple[float, ...]
    samples_per_temperature: int
    rg_pairs: tuple[tuple[int, int], ...]
    simulated_sizes: tuple[int, ...]
    rg_window: tuple[float, float] | None
    rg_sizes: tuple[int, ...]
    models: dict[str, PlannedModel]
    default_model: str
    default_seed: int
    seeds: tuple[int, ...]
    sweep_models: tuple[str, ...]
    network: NetworkPlan
    probes: ProbePlan
    report: ReportPlan
    mcrg_models: tuple[str, ...]
    unblocked_sizes: tuple[int, ...]
    notices: tuple[str, ...]
    rsmi_model: str | None = None
    transfer: TransferPlan | None = None

    @classmethod
    def from_config(cls, config: dict) -> StudyPlan:
        """The plan of a validated config (:func:`deeprenorm.config.validate_config`)."""
        lattice_sizes = tuple(config["lattice_sizes"])
        temperatures = tuple(temperature_grid(config["temperatures"]))
        pairs = rg_pairs(lattice_sizes, config["rg"]["block_factors"])
        models = planned_models(config)
        network = network_plan(config, models, pairs, temperatures)
        probes = probe_plan(config, network)
        default_model = next(iter(models))
        unblocked = tuple(sorted(set(lattice_sizes) - {L for L, _ in pairs}))
        dense_ferromagnets = [
            name for name, model in models.items() if not (model.spec.is_convolutional or model.spec.staggered)
        ]
        return cls(
            lattice_sizes=lattice_sizes,
            temperatures=temperatures,
            samples_per_temperature=config["samples_per_temperature"],
            rg_pairs=pairs,
            simulated_sizes=tuple(sorted(set(lattice_sizes) | {L // b for L, b in pairs})),
            # one temperature has no window to cut
            rg_window=tuple(config["rg"]["window"] or default_window(temperatures)) if len(temperatures) > 1 else None,
            rg_sizes=tuple(sorted({size for L, b in pairs for size in (L, L // b)} | {max(lattice_sizes)})),
            models=models,
            default_model=default_model,
            default_seed=models[default_model].seeds[0],
            seeds=tuple(sorted({seed for model in models.values() for seed in model.seeds})),
            sweep_models=tuple(dense_ferromagnets),
            network=network,
            probes=probes,
            report=report_plan(network, models[default_model]),
            mcrg_models=mcrg_models(config, network),
            rsmi_model=rsmi_model(config, network, pairs),
            transfer=transfer_plan(models, lattice_sizes),
            unblocked_sizes=unblocked,
            notices=_notices(config, models, unblocked, network),
        )

    def simulated_temperatures(self, L: int) -> tuple[float, ...]:
        """The temperatures simulated at size L: the whole grid for an L of ``lattice_sizes``;
        for a block lattice of the RG flow only (L/b not among them), the grid temperatures
        inside :attr:`rg_window`, the only ones its direct ensemble is matched at."""
        if L in self.lattice_sizes or self.rg_window is None:
            return self.temperatures
        low, high = self.rg_window
        return tuple(T for T in self.temperatures if low <= T <= high)

    def disk_bytes(self) -> dict[int, int]:
        """Upper bound of the disk bytes of the study, per simulated lattice size.

        Each sample is stored twice (its simulation file and the per-L dataset), uncompressed in
        the worst case: ``2 * n_T * n_samples * (L^2 + 16)`` bytes per L, n_T its simulated
        temperatures.
        """
        n_samples = self.samples_per_temperature
        per_sample = {L: L * L + _SCALAR_BYTES_PER_SAMPLE for L in self.simulated_sizes}
        return {L: 2 * len(self.simulated_temperatures(L)) * n_samples * per_sample[L] for L in self.simulated_sizes}


def _notices(config: dict, models: dict, unblocked: tuple, network: NetworkPlan) -> tuple[str, ...]:
    """One line for each thing the study skips, in the order of the stages."""
    lines = [model.skipped_message() for model in models.values()]
    if unblocked:
        lines.append(
            f"deeprenorm: the RG flow does not block L = {list(unblocked)}: "
            f"L/b must be an even integer >= 4 for some b of {config['rg']['block_factors']}"
        )
    lines.append(network.skipped_message())
    return tuple(line for line in lines if line)


def planned_models(config: dict) -> dict[str, PlannedModel]:
    """Every model of a validated config, by name, in config order: it trains for the study's
    lattice sizes, or for those of its own ``lattice_sizes`` that the study simulates, except
    where it does not :meth:`~deeprenorm.ml.spec.ModelSpec.fit` (a conv model without a block
    lattice)."""
    autoencoder, study = config["autoencoder"], config["lattice_sizes"]
    models = {}
    for entry in autoencoder["models"]:
        spec = ModelSpec.from_config(entry, autoencoder["training"]["dropout"])
        requested = entry.get("lattice_sizes", study)
        simulated = [L for L in requested if L in study]
        sizes = [L for L in simulated if spec.fits(L)]
        models[spec.name] = PlannedModel(
            spec=spec,
            lattice_sizes=tuple(sorted(sizes)),
            seeds=tuple(entry.get("seeds", autoencoder["seeds"])),
            not_simulated=tuple(sorted(set(requested) - set(study))),
            no_block_lattice=tuple(sorted(set(simulated) - set(sizes))),
        )
    return models


def rg_pairs(lattice_sizes, block_factors) -> tuple[tuple[int, int], ...]:
    """The (L, b) of the block-spin RG flow: every L of ``lattice_sizes`` and b of
    ``block_factors`` whose block lattice L/b is an even integer >= 4 (the sizes a direct
    simulation of L/b can have), sorted by L, then b."""
    return tuple(sorted((L, b) for L in lattice_sizes for b in block_factors if coarse_size_ok(L, b)))


def far_from_critical(temperatures, far_from_tc: float) -> tuple[bool, ...]:
    """Which of ``temperatures`` lie farther than ``far_from_tc`` from Onsager's T_c: the
    temperatures the network flow's control network is trained on (``rg.networks.far_from_tc``),
    so that it has seen the ordered and the disordered phase but not the critical region."""
    return tuple(abs(T - T_C) > far_from_tc for T in temperatures)


def widest_dense_model(models: dict[str, NetworkModel]) -> str | None:
    """The dense model of ``models`` with the widest code (the first of the widest), or None."""
    dense = [name for name, model in models.items() if not model.spec.is_convolutional]
    return max(dense, key=lambda name: models[name].spec.latent) if dense else None


def featured_model(models: dict[str, NetworkModel]) -> str | None:
    """The model the probe figures draw: the widest dense model of the RG stage
    (:func:`widest_dense_model`), else its first conv model, else None."""
    return widest_dense_model(models) or next(iter(models), None)


def network_plan(config: dict, models: dict[str, PlannedModel], pairs, temperatures) -> NetworkPlan:
    """The networks the RG stage measures, from a validated config: at ``rg.networks.lattice_size``
    (null: the size at which the most models train, the larger on a tie), every ferromagnet
    model trained there with its training seeds; the network flow of the first model
    (the headline model), the widest dense model and every conv model among them."""
    size = _network_lattice_size(config, models, set(pairs))
    far_from_tc = config["rg"]["networks"]["far_from_tc"]
    far_mask = far_from_critical(temperatures, far_from_tc)
    far_control = any(far and T < T_C for far, T in zip(far_mask, temperatures)) and any(
        far and T > T_C for far, T in zip(far_mask, temperatures)
    )
    observables = tuple(name for name in config["rg"]["observables"] if name != "nn") or ("binder",)
    if size is None:
        return NetworkPlan(None, {}, (), (), (), observables, {}, far_from_tc, far_mask, far_control)
    measured, skipped = {}, {}
    for name, model in models.items():
        if size not in model.lattice_sizes:
            continue
        b = model.spec.block if model.spec.is_convolutional else DENSE_BLOCK_FACTOR
        if model.spec.staggered:
            skipped[name] = "an antiferromagnet: the block-spin maps are those of the ferromagnet"
        elif (size, b) not in pairs:
            skipped[name] = f"L/b = {size}/{b} is not a flow pair of rg.block_factors"
        else:
            measured[name] = NetworkModel(model.spec, model.seeds[0], b, size // b, tuple(model.seeds))
    dense = [name for name, model in measured.items() if not model.spec.is_convolutional]
    conv = tuple(name for name, model in measured.items() if model.spec.is_convolutional)
    # the headline model, then the widest dense model (if another), then the conv models
    flow_models = list(dense[:1])
    widest = widest_dense_model(measured)
    if widest is not None and widest not in flow_models:
        flow_models.append(widest)
    return NetworkPlan(
        lattice_size=size,
        models=measured,
        flow_models=tuple(flow_models) + conv,
        conv_models=conv,
        block_factors=tuple(b for L, b in pairs if L == size),
        observables=observables,
        skipped=skipped,
        far_from_tc=far_from_tc,
        far_mask=far_mask,
        far_control=far_control,
    )


def _network_lattice_size(config: dict, models: dict[str, PlannedModel], pairs: set) -> int | None:
    """``rg.networks.lattice_size``, or (null) the L at which the most models train among those
    with a b = 2 or conv flow pair (the larger on a tie); None where there is none."""
    size = config["rg"]["networks"]["lattice_size"]
    if size is not None:
        return size
    counts = {L: sum(L in model.lattice_sizes for model in models.values()) for L in config["lattice_sizes"]}
    usable = [
        L
        for L in counts
        if (L, DENSE_BLOCK_FACTOR) in pairs
        or any(
            model.spec.is_convolutional and (L, model.spec.block) in pairs and L in model.lattice_sizes
            for model in models.values()
        )
    ]
    return max(usable, key=lambda L: (counts[L], L)) if usable else None


def reconstruction_models(models: dict[str, NetworkModel]) -> tuple[str, ...]:
    """The models whose reconstructions the probe figures draw (loading a model is all they
    cost): for each code width, the first model of that width (every conv model is a width of
    its own), in the order in which the widths last occur among ``models``."""
    last_of_width, first_of_width = {}, {}
    for position, (name, model) in enumerate(models.items()):
        width = name if model.spec.is_convolutional else model.spec.latent
        first_of_width.setdefault(width, name)
        last_of_width[width] = position
    return tuple(first_of_width[width] for width in sorted(last_of_width, key=last_of_width.get))


def probe_plan(config: dict, network: NetworkPlan) -> ProbePlan:
    """The probes of a validated config, at the RG stage's L: the models of ``probes.models``,
    the featured model (:func:`featured_model`), and as control models the featured model and
    the conv models probed (the ones the figures draw)."""
    probes = config["probes"]
    models = tuple(network.models) if probes["models"] == "all" else network.flow_models
    conv = tuple(name for name in models if network.models[name].spec.is_convolutional)
    controls = probes["controls"]
    featured = featured_model(network.models)
    return ProbePlan(
        models=models,
        conv_models=conv,
        featured=featured,
        reconstruction_models=reconstruction_models(network.models),
        control_models=tuple(dict.fromkeys(((featured,) if featured else ()) + conv)),
        control_kinds=tuple(controls["kinds"]),
        control_samples=controls["samples_per_temperature"] or config["samples_per_temperature"],
        dbn_lattice_size=config["probes"]["dbn"]["lattice_size"],
    )


def report_plan(network: NetworkPlan, headline: PlannedModel) -> ReportPlan:
    """The summary figure's strip: at the RG stage's L through its flow models, conv models
    first (their code beside the block spins), with the seeds the RG stage measured; without
    an RG stage, at the headline model's largest L through the headline model."""
    if not network.measured:
        conv = headline.name if headline.spec.is_convolutional else None
        return ReportPlan(headline.lattice_sizes[-1], {headline.name: headline.seeds[0]}, conv)
    ordered = sorted(network.flow_models, key=lambda name: not network.models[name].spec.is_convolutional)
    conv = next((name for name in ordered if network.models[name].spec.is_convolutional), None)
    return ReportPlan(network.lattice_size, {name: network.models[name].seed for name in ordered}, conv)


def mcrg_models(config: dict, network: NetworkPlan) -> tuple[str, ...]:
    """The conv models of ``network`` whose code sign can block the MCRG ensemble of
    ``rg.mcrg`` (L = ``lattice_size``) ``levels`` times: L divisible by b^levels (a b = 3 model
    does not fit the default L = 64; its exponents would need an ensemble of its own)."""
    mcrg = config["rg"]["mcrg"]
    return tuple(
        name for name in network.conv_models if mcrg["lattice_size"] % network.models[name].b ** mcrg["levels"] == 0
    )


def transfer_plan(models: dict[str, PlannedModel], lattice_sizes) -> TransferPlan | None:
    """The first convolutional model, trained at its largest L, encoded at every size of
    ``lattice_sizes`` it fits (L/b an even integer >= 4), with each of its seeds; None without
    a conv model or with fewer than two such sizes. A conv model's weights do not depend on L
    (:func:`deeprenorm.ml.models.at_lattice_size`): where a dense model is a new network at
    each L, this one is the same function of the configuration at every size."""
    for name, model in models.items():
        if model.spec.is_convolutional and model.lattice_sizes:
            sizes = tuple(L for L in lattice_sizes if model.spec.fits(L))
            if len(sizes) >= 2:
                return TransferPlan(name, max(model.lattice_sizes), model.seeds, sizes)
    return None


def rsmi_model(config: dict, network: NetworkPlan, pairs) -> str | None:
    """``rsmi-b{b}``, the RSMI coarse-grainer of ``rg.rsmi`` at the networks' L, where (L, b) is
    a flow pair (the flow needs the direct L/b ensemble) and its environment fits the lattice
    (the window b + 2 (b + 2) of :mod:`deeprenorm.rg.information` at most L); else None."""
    b = config["rg"]["rsmi"]["block"]
    L = network.lattice_size
    if L is None or (L, b) not in pairs or b + 2 * (b + 2) > L:
        return None
    return f"rsmi-b{b}"


def _gigabytes(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:.3g} GB"


def check_study_fits(plan: StudyPlan, workdir: str | Path = ".", existing_bytes: int = 0) -> None:
    """Refuse a study whose data cannot fit on the disk that holds ``workdir``.

    ``existing_bytes`` are already on that disk as outputs of this study (a rerun needs only the
    rest). Raises :class:`deeprenorm.config.ConfigError` with the size the study needs
    (:meth:`StudyPlan.disk_bytes`) and the space available.
    """
    sizes = plan.disk_bytes()
    needed = sum(sizes.values()) - existing_bytes
    folder = Path(workdir).resolve()
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if needed > free:
        largest = max(sizes, key=sizes.get)
        raise ConfigError(
            f"invalid config:\n  the study needs up to {_gigabytes(needed)} of disk (simulations and datasets, "
            f"uncompressed; L = {largest} alone {_gigabytes(sizes[largest])}) but {folder} has "
            f"{_gigabytes(free)} free (allowed: lattice_sizes, rg.block_factors, temperatures and "
            "samples_per_temperature whose data fit on the disk)"
        )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    """``python -m deeprenorm.plan estimate CONFIG...``: print what a study will cost."""
    parser = argparse.ArgumentParser(prog="python -m deeprenorm.plan", description="The study plan of a config.")
    commands = parser.add_subparsers(dest="command", required=True)
    estimate_parser = commands.add_parser(
        "estimate",
        help="jobs per stage, core-hours, GPU-hours, peak memory and disk of a study, before it runs",
        description=(
            "Estimate a study's cost from its config, by the cost model of deeprenorm.cost (calibrated on "
            "the benchmark files of real runs: benchmarks/cost_model.py). CONFIG files merge as Snakemake "
            "merges --configfile files, later ones overriding earlier ones: for `snakemake --configfile X` "
            "in a folder whose config.yaml is C, give C X."
        ),
    )
    estimate_parser.add_argument("configs", nargs="+", metavar="CONFIG", help="study config files (YAML)")
    estimate_parser.add_argument("--cores", type=_positive, default=2, help="cores of the wall-time guess (default 2)")
    args = parser.parse_args(argv)
    # pandas and the cost model load only here: Snakemake imports this module whenever it reads
    # the workflow
    from .cost import estimate, report

    try:
        config = load_config_files(args.configs)
    except ConfigError as error:
        print(f"deeprenorm: {error}", file=sys.stderr)
        return 1
    print(report(estimate(config), args.cores, " + ".join(args.configs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
