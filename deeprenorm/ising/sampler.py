"""Equilibrium samples of the 2D Ising model with measured autocorrelation times.

:func:`sample` runs one Markov chain per (L, T) in three stages, all inside numba:

1. **Pilot.** From a cold start below T_c (a hot start there can freeze Metropolis into long-lived
   stripe states) or a hot start at and above T_c, record ``e`` and ``|m|`` after every sweep.
   Estimate tau_int of both with Sokal's automatic window on the part after the discarded
   transient, and extend the pilot until (a) at least ``thermalization_factor`` x tau_int sweeps
   have been discarded and (b) the analysed part is at least ``pilot_factor`` x tau_int long, so
   that tau_int is known to about ``sqrt(26 / pilot_factor)`` relative error.
2. **Spacing.** Stored samples are ``ceil(spacing_factor * tau_max)`` sweeps apart, where tau_max is
   the larger of the two measured tau_int (never less than one sweep).
3. **Production.** Store ``n_samples`` configurations with their energy and magnetisation per
   spin. Before each stored sample the chain flips all spins with probability 1/2: a move with
   dE = 0 that keeps detailed balance and makes the stored ensemble symmetric under m -> -m even
   where the dynamics never tunnels (Metropolis below T_c).

The lattice is an L x L torus with L >= 4 for every algorithm (checkerboard Metropolis is not
ergodic at L = 2) and even L for Metropolis. ``algorithm="auto"`` runs the pilots of Metropolis
and of Wolff and continues the chain that is cheaper per independent sample; a candidate whose
pilot hits ``max_pilot_sweeps`` (Metropolis near T_c on large L) is dropped with a warning, and
only if every candidate hits it does :class:`ThermalizationError` propagate.

A *sweep* is L*L attempted flips for Metropolis, one full update for Swendsen-Wang and, for Wolff,
a fixed integer number of clusters, ``round(L^2 / <|C|>)``, that flips about L*L spins (see
:mod:`.wolff` for why it must be fixed); the flipped fraction actually achieved is reported as
``flipped_fraction_per_sweep`` (between about 0.7 and 1.5 where clusters are large), so tau_int in
sweeps compares across algorithms once multiplied by it.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from dataclasses import dataclass, field

import numba as nb
import numpy as np

from .. import seeding
from ..arguments import check_integer, check_real, is_integer
from ..exact import T_C
from ..stats import TauEstimate, integrated_autocorrelation_time
from .lattice import bond_threshold, energy_magnetization, random_lattice
from .metropolis import (
    acceptance_thresholds,
    metropolis_sweeps,
    split_sublattices,
    sublattice_energy_magnetization,
)
from .rng import new_stream, next_uint64
from .swendsen_wang import new_swendsen_wang_workspace, swendsen_wang_sweeps
from .wolff import clusters_per_sweep, new_wolff_stack, wolff_clusters

__all__ = [
    "ALGORITHMS",
    "Pilot",
    "SampleSet",
    "ThermalizationError",
    "measure_autocorrelation",
    "sample",
    "validate_sampling_arguments",
]

ALGORITHMS = ("metropolis", "wolff", "swendsen_wang")
AUTO_CANDIDATES = ("metropolis", "wolff")
# CPU ns per spin per sweep of each kernel at L = 64 on the development machine (benchmarks/mc.py).
# Fixed numbers, not live timings, so that "auto" picks the same algorithm on every machine and run.
SWEEP_COST_NS = {"metropolis": 1.4, "wolff": 20.0, "swendsen_wang": 21.0}
# Shorter stored series get NaN tau_int_samples_*: 1 sample has no autocorrelation and 2 or 3
# give tau <= 0 (as in thermo.py, which gives no errors below 4 samples either).
MIN_SAMPLES_FOR_TAU = 4
# A change to the engine that changes the samples it produces bumps the "simulate" stage in
# deeprenorm/versions.py, so that the workflow reruns the simulations.

logger = logging.getLogger(__name__)

_HALF = np.uint64(1) << np.uint64(63)


class ThermalizationError(RuntimeError):
    """The pilot run hit its sweep limit before tau_int could be measured reliably."""


@dataclass(frozen=True)
class SampleSet:
    """Equilibrium configurations of one chain and everything needed to judge them.

    Autocorrelation times are in sweeps (see the module docstring) and were measured in the pilot
    run; ``tau_int_samples_*`` are measured on the stored series itself, in units of stored
    samples, and should be close to 0.5 (independent samples) when the spacing is adequate (NaN
    for fewer than ``MIN_SAMPLES_FOR_TAU`` samples).
    """

    spins: np.ndarray
    energy: np.ndarray
    magnetization: np.ndarray
    L: int
    T: float
    algorithm: str
    seed: int
    chain: int
    tau_int_abs_m: float
    tau_int_abs_m_error: float
    tau_int_energy: float
    tau_int_energy_error: float
    sweeps_between_samples: int
    thermalization_sweeps: int
    pilot_sweeps: int
    cold_start: bool
    tau_int_samples_abs_m: float
    tau_int_samples_energy: float
    seconds_per_sweep: float
    clusters_per_sweep: int = 0
    flipped_fraction_per_sweep: float = math.nan
    mean_cluster_size: float = math.nan
    wolff_flipped: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64), repr=False)
    wolff_clusters: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64), repr=False)

    @property
    def n_samples(self) -> int:
        return self.spins.shape[0]

    def metadata(self) -> dict:
        """The scalar fields, for logs and file attributes."""
        return {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("spins", "energy", "magnetization", "wolff_flipped", "wolff_clusters")
        }


def validate_sampling_arguments(L, T, n_samples, algorithm, seed=0, chain=0) -> None:
    """Raise ``ValueError`` naming the argument and its allowed range."""
    # Below L = 4 checkerboard Metropolis is not ergodic (at L = 2 it never reaches 4 of the 16
    # states and misses <e> by 0.09); one bound for every algorithm keeps "auto" and the API uniform.
    check_integer("L", L, 4)
    if algorithm not in ALGORITHMS + ("auto",):
        raise ValueError(f"algorithm must be one of {ALGORITHMS + ('auto',)}, got {algorithm!r}")
    if algorithm == "metropolis" and L % 2:
        raise ValueError(
            f"L must be even for checkerboard Metropolis (the torus has no checkerboard for odd L), got {L}"
        )
    check_real("T", T, positive=True)
    check_integer("n_samples", n_samples, 1)
    for name, value in (("seed", seed), ("chain", chain)):
        # Both are written as uint64 NetCDF attributes, which cannot hold 2**64 or more.
        if not (is_integer(value) and 0 <= int(value) < 2**64):
            raise ValueError(f"{name} must be an integer in [0, 2**64 - 1], got {value!r}")


@nb.njit(cache=True)
def _write_configuration(a, b, out):
    """Join the checkerboard sublattices into ``out`` (the numba twin of join_sublattices)."""
    length, half = a.shape
    for y in range(length):
        parity = y & 1
        for j in range(half):
            out[y, 2 * j + parity] = a[y, j]
            out[y, 2 * j + 1 - parity] = b[y, j]


@nb.njit(cache=True)
def _run_metropolis(a, b, thresholds, state, sweeps_per_record, symmetrize, energy, magnetization, spins):
    store = spins.shape[0] > 0
    for k in range(energy.shape[0]):
        metropolis_sweeps(a, b, thresholds, state, sweeps_per_record)
        if symmetrize and next_uint64(state) < _HALF:
            a *= np.int8(-1)
            b *= np.int8(-1)
        total_energy, total_magnetization = sublattice_energy_magnetization(a, b)
        energy[k] = total_energy
        magnetization[k] = total_magnetization
        if store:
            _write_configuration(a, b, spins[k])


@nb.njit(cache=True)
def _run_wolff(
    spins_now, threshold, state, clusters_per_record, symmetrize, stack, energy, magnetization, spins, flipped
):
    store = spins.shape[0] > 0
    for k in range(energy.shape[0]):
        flipped[k] = wolff_clusters(spins_now, threshold, state, clusters_per_record, stack)
        if symmetrize and next_uint64(state) < _HALF:
            spins_now *= np.int8(-1)
        total_energy, total_magnetization = energy_magnetization(spins_now)
        energy[k] = total_energy
        magnetization[k] = total_magnetization
        if store:
            spins[k] = spins_now


@nb.njit(cache=True)
def _run_swendsen_wang(
    spins_now, threshold, state, sweeps_per_record, symmetrize, parent, flip, energy, magnetization, spins
):
    store = spins.shape[0] > 0
    for k in range(energy.shape[0]):
        swendsen_wang_sweeps(spins_now, threshold, state, sweeps_per_record, parent, flip)
        if symmetrize and next_uint64(state) < _HALF:
            spins_now *= np.int8(-1)
        total_energy, total_magnetization = energy_magnetization(spins_now)
        energy[k] = total_energy
        magnetization[k] = total_magnetization
        if store:
            spins[k] = spins_now


class _Chain:
    """One Markov chain of one algorithm; every method is a single call into numba."""

    def __init__(self, algorithm: str, L: int, T: float, start: np.ndarray, kernel_state: np.ndarray):
        self.algorithm = algorithm
        self.L = L
        self.T = T
        self.state = kernel_state
        beta = 1.0 / T
        if algorithm == "metropolis":
            self.a, self.b = split_sublattices(start)
            self.thresholds = acceptance_thresholds(beta)
        else:
            self.spins = start.copy()
            self.threshold = bond_threshold(beta)
            if algorithm == "wolff":
                self.stack = new_wolff_stack(L)
                # Warm up, then fix the sweep length on a second, less start-biased estimate.
                clusters_per_sweep(self.spins, self.threshold, self.state, self.stack, 20)
                self.clusters_per_sweep = clusters_per_sweep(self.spins, self.threshold, self.state, self.stack, 100)
            else:
                self.parent, self.flip = new_swendsen_wang_workspace(L)
        self.flipped = np.empty(0, dtype=np.int64)
        self.clusters = np.empty(0, dtype=np.int64)

    def record(self, n_records: int, sweeps_per_record: int, store: bool, symmetrize: bool):
        """Advance ``n_records * sweeps_per_record`` sweeps, recording (E, M) per spin after
        each block and, if ``store``, the configuration."""
        energy = np.empty(n_records, dtype=np.int64)
        magnetization = np.empty(n_records, dtype=np.int64)
        spins = np.empty((n_records if store else 0, self.L, self.L), dtype=np.int8)
        if self.algorithm == "metropolis":
            _run_metropolis(
                self.a, self.b, self.thresholds, self.state, sweeps_per_record, symmetrize, energy, magnetization, spins
            )
        elif self.algorithm == "wolff":
            clusters_per_record = sweeps_per_record * self.clusters_per_sweep
            self.flipped = np.empty(n_records, dtype=np.int64)
            self.clusters = np.full(n_records, clusters_per_record, dtype=np.int64)
            _run_wolff(
                self.spins,
                self.threshold,
                self.state,
                clusters_per_record,
                symmetrize,
                self.stack,
                energy,
                magnetization,
                spins,
                self.flipped,
            )
        else:
            _run_swendsen_wang(
                self.spins,
                self.threshold,
                self.state,
                sweeps_per_record,
                symmetrize,
                self.parent,
                self.flip,
                energy,
                magnetization,
                spins,
            )
        n_sites = self.L * self.L
        return energy / n_sites, magnetization / n_sites, spins


def _tau_max(energy: np.ndarray, magnetization: np.ndarray):
    # Too-short chains are expected while the pilot grows; the loop itself enforces the length.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        tau_abs_m = integrated_autocorrelation_time(np.abs(magnetization), quiet=True)
        tau_energy = integrated_autocorrelation_time(energy, quiet=True)
    return tau_abs_m, tau_energy, max(tau_abs_m.tau, tau_energy.tau)


@dataclass(frozen=True)
class Pilot:
    """Outcome of a pilot run: tau_int estimates in sweeps and how long the pilot was."""

    tau_abs_m: TauEstimate
    tau_energy: TauEstimate
    discarded_sweeps: int
    total_sweeps: int
    seconds_per_sweep: float
    flipped_fraction_per_sweep: float

    @property
    def tau_max(self) -> float:
        return max(self.tau_abs_m.tau, self.tau_energy.tau)


def _run_pilot(chain: _Chain, thermalization_factor, pilot_factor, min_pilot_sweeps, max_pilot_sweeps) -> Pilot:
    clock = time.process_time()
    energy, magnetization, _ = chain.record(min_pilot_sweeps, 1, store=False, symmetrize=False)
    flipped = [chain.flipped]
    discarded = min_pilot_sweeps // 5
    while True:
        tau_abs_m, tau_energy, tau = _tau_max(energy[discarded:], magnetization[discarded:])
        needed_discard = math.ceil(thermalization_factor * tau)
        needed_analysed = math.ceil(pilot_factor * tau)
        if discarded >= needed_discard and energy.size - discarded >= needed_analysed:
            break
        discarded = max(discarded, needed_discard)
        target = max(2 * energy.size, discarded + needed_analysed)
        if target > max_pilot_sweeps:
            raise ThermalizationError(
                f"L={chain.L}, T={chain.T}, {chain.algorithm}: tau_int ~ {tau:.1f} sweeps needs a pilot of "
                f"{target} sweeps, more than max_pilot_sweeps={max_pilot_sweeps}; use a cluster algorithm "
                "or raise the limit"
            )
        more_energy, more_magnetization, _ = chain.record(target - energy.size, 1, store=False, symmetrize=False)
        flipped.append(chain.flipped)
        energy = np.concatenate([energy, more_energy])
        magnetization = np.concatenate([magnetization, more_magnetization])
    seconds_per_sweep = (time.process_time() - clock) / energy.size
    logger.info(
        "L=%d T=%.6f %s: pilot %d sweeps, tau_int |m| = %.2f(%.2f), e = %.2f(%.2f) sweeps",
        chain.L,
        chain.T,
        chain.algorithm,
        energy.size,
        tau_abs_m.tau,
        tau_abs_m.error,
        tau_energy.tau,
        tau_energy.error,
    )
    if chain.algorithm == "wolff":
        flipped_fraction = float(np.concatenate(flipped)[discarded:].mean()) / (chain.L * chain.L)
    else:
        flipped_fraction = math.nan
    return Pilot(tau_abs_m, tau_energy, discarded, int(energy.size), seconds_per_sweep, flipped_fraction)


def _check_controls(
    thermalization_factor, pilot_factor, spacing_factor, min_pilot_sweeps, max_pilot_sweeps, progress_chunks
):
    for name, value in (
        ("thermalization_factor", thermalization_factor),
        ("pilot_factor", pilot_factor),
        ("spacing_factor", spacing_factor),
    ):
        check_real(name, value, positive=True)
    check_integer("min_pilot_sweeps", min_pilot_sweeps, 10)
    check_integer("max_pilot_sweeps", max_pilot_sweeps, 10)
    if min_pilot_sweeps > max_pilot_sweeps:
        raise ValueError(
            f"min_pilot_sweeps must be >= 10 and <= max_pilot_sweeps, got {min_pilot_sweeps} and {max_pilot_sweeps}"
        )
    check_integer("progress_chunks", progress_chunks, 1)


def _starts_cold(T: float) -> bool:
    """Ordered start below T_c: a hot start there can trap Metropolis in long-lived stripes."""
    return T < T_C


def _new_chain(algorithm: str, L: int, T: float, seed: int, chain: int, purpose: str = "simulation") -> _Chain:
    """The chain of ``algorithm`` for (L, T, chain): its start and its kernel stream are spawned
    from the (purpose, L, T, chain) stream, one kernel stream per algorithm, so that ``auto``
    reproduces exactly the chain that naming its choice would have run."""
    chain_stream = seeding.stream(seed, purpose, L, seeding.temperature_key(T), chain)
    start_stream, *kernel_streams = chain_stream.spawn(1 + len(ALGORITHMS))
    if _starts_cold(T):
        start = np.ones((L, L), dtype=np.int8)
    else:
        start = random_lattice(L, np.random.default_rng(start_stream))
    return _Chain(algorithm, L, T, start, new_stream(kernel_streams[ALGORITHMS.index(algorithm)]))


def measure_autocorrelation(
    L: int,
    T: float,
    algorithm: str,
    seed: int = 0,
    *,
    chain: int = 0,
    thermalization_factor: float = 20.0,
    pilot_factor: float = 2000.0,
    min_pilot_sweeps: int = 1000,
    max_pilot_sweeps: int = 20_000_000,
) -> Pilot:
    """tau_int of |m| and e (in sweeps) of ``algorithm`` at (L, T): the pilot run of
    :func:`sample` alone, made long enough (``pilot_factor`` tau) for a precise estimate."""
    if algorithm not in ALGORITHMS:  # "auto" chooses between chains; this measures one
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    validate_sampling_arguments(L, T, 1, algorithm, seed, chain)
    _check_controls(thermalization_factor, pilot_factor, 1.0, min_pilot_sweeps, max_pilot_sweeps, 1)
    markov_chain = _new_chain(algorithm, int(L), float(T), int(seed), int(chain))
    return _run_pilot(
        markov_chain, float(thermalization_factor), float(pilot_factor), int(min_pilot_sweeps), int(max_pilot_sweeps)
    )


def sample(
    L: int,
    T: float,
    n_samples: int,
    algorithm: str = "wolff",
    seed: int = 0,
    *,
    chain: int = 0,
    thermalization_factor: float = 20.0,
    pilot_factor: float = 500.0,
    spacing_factor: float = 2.0,
    min_pilot_sweeps: int = 1000,
    max_pilot_sweeps: int = 5_000_000,
    progress_chunks: int = 10,
    purpose: str = "simulation",
) -> SampleSet:
    """``n_samples`` equilibrium configurations of the L x L Ising torus at temperature ``T``.

    Parameters
    ----------
    L, T, n_samples
        Lattice size, an integer >= 4 (even for ``"metropolis"``), temperature (> 0) in units of
        J / k_B and the number of stored configurations (>= 1).
    algorithm
        One of :data:`ALGORITHMS`, or ``"auto"``: run the pilot of checkerboard Metropolis (even L)
        and of Wolff, and continue the chain with the smaller cost per independent sample,
        ``SWEEP_COST_NS[algorithm] * 2 tau_max`` (deterministic: measured tau, fixed costs). A
        candidate whose pilot hits ``max_pilot_sweeps`` is dropped with a logged warning; the
        chain continued is always the one that naming its algorithm would have run.
    seed, chain, purpose
        The root seed of the study and the chain index, integers in [0, 2**64 - 1], and one of
        :data:`deeprenorm.seeding.PURPOSES`; the random stream is ``seeding.stream(seed, purpose,
        L, temperature_key(T), chain)``. A chain drawn for another purpose than the study's
        simulations (the deep belief network's own data) is thus independent of every chain of
        the study at the same (L, T).
    thermalization_factor, pilot_factor, spacing_factor
        Discard at least ``thermalization_factor * tau`` sweeps, measure tau on at least
        ``pilot_factor * tau`` sweeps, store samples ``spacing_factor * tau`` sweeps apart.
    min_pilot_sweeps, max_pilot_sweeps
        Bounds of the pilot run, 10 <= min <= max; :class:`ThermalizationError` if the bound is
        hit (with ``"auto"``: by every candidate).
    progress_chunks
        The production run is split into this many (>= 1) numba calls, each logged at INFO level.

    Integer arguments are ``int`` or numpy integers (not bool, not float), real ones any finite
    real number including numpy scalars; anything else raises ``ValueError`` naming the argument.
    """
    validate_sampling_arguments(L, T, n_samples, algorithm, seed, chain)
    _check_controls(
        thermalization_factor, pilot_factor, spacing_factor, min_pilot_sweeps, max_pilot_sweeps, progress_chunks
    )
    if purpose not in seeding.PURPOSES:
        raise ValueError(f"purpose must be one of {seeding.PURPOSES}, got {purpose!r}")
    # Python numbers from here on: float32 arithmetic would round the pilot's targets and the
    # spacing differently from the same call made with Python floats.
    L, T, n_samples, seed, chain = int(L), float(T), int(n_samples), int(seed), int(chain)
    pilot_controls = (float(thermalization_factor), float(pilot_factor), int(min_pilot_sweeps), int(max_pilot_sweeps))
    spacing_factor, progress_chunks = float(spacing_factor), int(progress_chunks)

    chosen, markov_chain, pilot = _piloted_chain(algorithm, L, T, seed, chain, pilot_controls, purpose)
    spacing = max(1, math.ceil(spacing_factor * pilot.tau_max))
    logger.info("L=%d T=%.6f %s: %d sweeps between samples", L, T, chosen, spacing)
    stored = _production(markov_chain, n_samples, spacing, progress_chunks)
    tau_samples_abs_m, tau_samples_energy = _tau_int_of_samples(stored["energy"], stored["magnetization"])
    return SampleSet(
        **stored,
        L=L,
        T=T,
        algorithm=chosen,
        seed=seed,
        chain=chain,
        tau_int_abs_m=pilot.tau_abs_m.tau,
        tau_int_abs_m_error=pilot.tau_abs_m.error,
        tau_int_energy=pilot.tau_energy.tau,
        tau_int_energy_error=pilot.tau_energy.error,
        sweeps_between_samples=spacing,
        thermalization_sweeps=pilot.discarded_sweeps,
        pilot_sweeps=pilot.total_sweeps,
        cold_start=_starts_cold(T),
        tau_int_samples_abs_m=tau_samples_abs_m,
        tau_int_samples_energy=tau_samples_energy,
        seconds_per_sweep=pilot.seconds_per_sweep,
        clusters_per_sweep=getattr(markov_chain, "clusters_per_sweep", 0),
        flipped_fraction_per_sweep=pilot.flipped_fraction_per_sweep,
    )


def _piloted_chain(
    algorithm: str, L: int, T: float, seed: int, chain: int, pilot_controls, purpose: str
) -> tuple[str, _Chain, Pilot]:
    """The algorithm :func:`sample` continues, its chain and the chain's pilot: ``algorithm``
    itself, or for ``"auto"`` the candidate with the smallest cost per independent sample."""
    candidates = [algorithm] if algorithm != "auto" else [a for a in AUTO_CANDIDATES if a != "metropolis" or L % 2 == 0]
    pilots = {}
    for candidate in candidates:
        markov_chain = _new_chain(candidate, L, T, seed, chain, purpose)
        try:
            pilots[candidate] = (markov_chain, _run_pilot(markov_chain, *pilot_controls))
        except ThermalizationError as error:
            # "auto" is there to pick a chain that works: near T_c Metropolis' tau can outgrow the
            # limit where Wolff's stays small. Give up only when no candidate is left.
            if algorithm != "auto" or (candidate == candidates[-1] and not pilots):
                raise
            logger.warning("L=%d T=%.6f auto: dropping %s, its pilot hit the limit: %s", L, T, candidate, error)
    chosen = min(pilots, key=lambda a: SWEEP_COST_NS[a] * pilots[a][1].tau_max)
    if algorithm == "auto":
        logger.info("L=%d T=%.6f auto: chose %s", L, T, chosen)
    return chosen, *pilots[chosen]


def _production(markov_chain: _Chain, n_samples: int, spacing: int, progress_chunks: int) -> dict:
    """The stored part of a :class:`SampleSet`: ``n_samples`` configurations ``spacing`` sweeps
    apart with their energy and magnetisation per spin, and Wolff's cluster counts."""
    L, T = markov_chain.L, markov_chain.T
    chunk_sizes = [len(c) for c in np.array_split(np.arange(n_samples), min(progress_chunks, n_samples))]
    parts = []
    flipped, clusters = [], []
    for index, chunk in enumerate(chunk_sizes):
        parts.append(markov_chain.record(chunk, spacing, store=True, symmetrize=True))
        if markov_chain.algorithm == "wolff":
            flipped.append(markov_chain.flipped)
            clusters.append(markov_chain.clusters)
        logger.info("L=%d T=%.6f: %d/%d samples", L, T, sum(chunk_sizes[: index + 1]), n_samples)
    wolff_flipped = np.concatenate(flipped) if flipped else np.empty(0, dtype=np.int64)
    wolff_clusters = np.concatenate(clusters) if clusters else np.empty(0, dtype=np.int64)
    return {
        "energy": np.concatenate([p[0] for p in parts]),
        "magnetization": np.concatenate([p[1] for p in parts]),
        "spins": np.concatenate([p[2] for p in parts]),
        "wolff_flipped": wolff_flipped,
        "wolff_clusters": wolff_clusters,
        "mean_cluster_size": wolff_flipped.sum() / wolff_clusters.sum() if clusters else math.nan,
    }


def _tau_int_of_samples(energy: np.ndarray, magnetization: np.ndarray) -> tuple[float, float]:
    """tau_int of |m| and e on the stored series, in stored samples (NaN if too short to say)."""
    if energy.size < MIN_SAMPLES_FOR_TAU:
        return math.nan, math.nan
    samples_abs_m, samples_energy, _ = _tau_max(energy, magnetization)
    return samples_abs_m.tau, samples_energy.tau
