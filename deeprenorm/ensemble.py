"""Reweighted ensembles with jackknife errors: the one core of every T_c and RG-flow analysis.

The thermodynamic T_c (:mod:`deeprenorm.thermo`), the latent T_c (:mod:`deeprenorm.latent`)
and the phenomenological renormalisation of a map (:mod:`deeprenorm.rg.flow`) all do the same
thing: combine the samples of one lattice size at several temperatures by multi-histogram
reweighting (:mod:`deeprenorm.reweighting`) into continuous curves, repeat that for every
leave-one-block-out replica of the samples, and locate peaks or crossings of the curves on all
samples and on every replica. This module holds that once:

* :class:`Ensemble` -- the samples of one L: temperatures, energies and magnetisations per spin;
* :func:`reweighted_curves` -- named curves on a grid from all samples and from each replica
  (:class:`JackknifedCurves`), for any per-sample columns (|m|, a latent code, a blocked
  lattice's magnetisation);
* :func:`jackknifed_peak`, :func:`jackknifed_crossing` -- a peak of one curve, or the crossing
  of one curve of two sizes, located on all samples and on every replica (:class:`Located`);
* :func:`derived_window`, :func:`temperature_grid_between` -- where the curves are evaluated.

Jackknife convention (:func:`deeprenorm.stats.jackknife_error`): blocks of
:func:`deeprenorm.stats.block_edges`, the same block left out at every temperature, the whole
analysis (reweighting, peak, crossing) repeated per replica; the reported value is the
all-sample estimate and its error ``sqrt((k - 1)/k sum_j (theta_j - mean theta)^2)``. One step
is not repeated: of several zeros of a difference of curves, the all-sample analysis takes the
steepest and each replica the zero nearest it, so that a replica cannot jump to a zero of the
noise elsewhere on the grid; a replica with no zero at all makes the crossing not located.

Not-located policy: an estimate is located only if it is found on all samples *and* on every
jackknife replica. Where some replicas find nothing, the estimate is reported as not located
with the count (:attr:`Located.reason`), never as a value without an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .reweighting import MultiHistogram, solved_histogram
from .stats import find_crossings, jackknife_error, leave_one_block_out, locate_crossing, locate_peak

__all__ = [
    "Ensemble",
    "JackknifedCurves",
    "Located",
    "reweighted_curves",
    "jackknifed_peak",
    "paired_jackknife_difference",
    "jackknifed_crossing",
    "derived_window",
    "temperature_grid_between",
]

# window=None keeps the simulated temperatures where some size's chi' is at least this fraction of
# that size's largest value. At T_c chi' is still ~2/3 of its maximum (0.66-0.76 for L = 16-32), so
# the chi' peaks and the U4 crossings lie well inside; the ordered phase and the far tail above T_c
# stay out, which matters because the reweighting cost grows with (temperatures x samples x grid
# points) and its solver converges slowly when given histograms far from the critical region.
CRITICAL_FRACTION = 0.25

# Reweighted curves are smooth on a fine grid, so the parabola through the top point and its two
# neighbours is already exact to a small fraction of the spacing; locate_peak's default five-point
# fit reaches into the flanks, whose quartic term moved the chi' peaks of L = 8-32 by +5e-5
# (0.02 sigma).
PEAK_HALF_WIDTH = 1


@dataclass(frozen=True)
class Ensemble:
    """The samples of one lattice size at several temperatures.

    ``temperatures`` ``(n_T,)`` in J/k_B; ``energy`` and ``magnetization`` ``(n_T, n)`` per spin,
    the same number ``n`` of samples at every temperature (the weights of multi-histogram
    reweighting are the sample counts). Samples are stored >= 2 tau_int apart and count as
    independent.
    """

    L: int
    temperatures: np.ndarray
    energy: np.ndarray
    magnetization: np.ndarray

    def __post_init__(self):
        T = np.asarray(self.temperatures, dtype=float).ravel()
        energy = np.asarray(self.energy, dtype=float)
        magnetization = np.asarray(self.magnetization, dtype=float)
        if energy.ndim != 2 or energy.shape[0] != T.size or magnetization.shape != energy.shape:
            raise ValueError(
                f"energy and magnetization must be (temperature, sample) = ({T.size}, n), "
                f"got {energy.shape} and {magnetization.shape}"
            )
        object.__setattr__(self, "L", int(self.L))
        object.__setattr__(self, "temperatures", T)
        object.__setattr__(self, "energy", energy)
        object.__setattr__(self, "magnetization", magnetization)

    @property
    def n_samples(self) -> int:
        """Samples per temperature."""
        return self.energy.shape[1]

    def within(self, window: tuple[float, float] | None) -> Ensemble:
        """The temperatures inside ``window`` (inclusive); all of them for None."""
        if window is None:
            return self
        inside = (self.temperatures >= window[0]) & (self.temperatures <= window[1])
        return Ensemble(self.L, self.temperatures[inside], self.energy[inside], self.magnetization[inside])

    def samples(self, keep: np.ndarray) -> Ensemble:
        """The samples ``keep`` (indices along the sample axis) at every temperature."""
        return Ensemble(self.L, self.temperatures, self.energy[:, keep], self.magnetization[:, keep])

    def histogram(self, initial_log_z=None) -> MultiHistogram:
        """The solved multi-histogram of these samples (shared within a process)."""
        return solved_histogram(self.temperatures, self.energy, self.magnetization, self.L, initial_log_z=initial_log_z)


@dataclass(frozen=True)
class JackknifedCurves:
    """Named curves on ``grid`` from all samples (``full``) and from each leave-one-block-out
    replica (``replicas``, block j left out of replica j at every temperature)."""

    grid: np.ndarray
    full: dict
    replicas: tuple

    @property
    def n_blocks(self) -> int:
        return len(self.replicas)

    def replica_values(self, name: str) -> np.ndarray:
        """``(n_blocks, len(grid))``: curve ``name`` of every replica."""
        return np.array([replica[name] for replica in self.replicas])

    def error(self, name: str) -> np.ndarray:
        """Jackknife error of curve ``name`` at every grid point (NaN where a replica is not
        finite)."""
        return jackknife_error(self.replica_values(name))


def reweighted_curves(
    ensemble: Ensemble,
    columns: np.ndarray,
    curves: Callable[[np.ndarray, np.ndarray], dict],
    grid: np.ndarray,
    n_blocks: int,
) -> JackknifedCurves:
    """Reweighted curves of ``ensemble`` on ``grid`` with their jackknife replicas.

    ``columns`` ``(n_T, n, p)``: per-sample values whose reweighted means ``<c_j>(T)`` make up
    the curves (any function of the configuration reweights with its energy); ``curves(means,
    grid)`` turns the ``(len(grid), p)`` means into named arrays. Each replica's histogram is
    solved from the all-sample ln Z.
    """
    columns = np.asarray(columns, dtype=float)
    if not 2 <= n_blocks <= ensemble.n_samples:
        raise ValueError(f"n_blocks must be in 2..{ensemble.n_samples} (one sample per block at least), got {n_blocks}")
    width = columns.shape[-1]
    full = ensemble.histogram()
    full_curves = curves(full.expectations(grid, columns.reshape(-1, width)), grid)
    replicas = []
    for keep in leave_one_block_out(ensemble.n_samples, n_blocks):
        replica = ensemble.samples(keep).histogram(initial_log_z=full.log_z)
        replicas.append(curves(replica.expectations(grid, columns[:, keep].reshape(-1, width)), grid))
    return JackknifedCurves(grid=grid, full=full_curves, replicas=tuple(replicas))


@dataclass(frozen=True)
class Located:
    """A peak or crossing located on all samples and on every jackknife replica, or why not.

    ``reason`` is None when located; otherwise it says why, worded to follow "<estimate> not
    located" (e.g. ``": 5 of 20 jackknife replicas found none"``), and ``value`` is NaN.
    ``height`` (peaks only) is the curve's value there; ``n_roots`` (crossings only) the number
    of zeros of the difference on all samples.  ``replicas`` (peaks only): the position on each
    jackknife replica, so that a difference of two estimates from the same blocks is jackknifed
    paired (:func:`paired_jackknife_difference`).
    """

    value: float = math.nan
    error: float = math.nan
    height: float = math.nan
    height_err: float = math.nan
    n_replicas: int = 0
    n_roots: int = 0
    reason: str | None = None
    replicas: tuple[float, ...] = ()

    @property
    def located(self) -> bool:
        return self.reason is None


def _failed_replicas(found: np.ndarray, n_blocks: int, what: str) -> str | None:
    failed = int(np.sum(~np.isfinite(found)))
    if failed:
        return f": {failed} of {n_blocks} jackknife replicas found no {what}"
    return None


def _peak_or_nan(grid, values, half_width) -> tuple[float, float]:
    try:
        return tuple(locate_peak(grid, values, half_width=half_width))
    except ValueError:
        return math.nan, math.nan


def jackknifed_peak(curves: JackknifedCurves, name: str, *, where: str, half_width: int = PEAK_HALF_WIDTH) -> Located:
    """The maximum of curve ``name`` (:func:`deeprenorm.stats.locate_peak`, a parabola through
    the grid maximum and ``half_width`` points each side) on all samples and on every replica.
    ``where`` describes the temperature window, for the reason when nothing is located."""
    grid = curves.grid
    try:
        position, height = locate_peak(grid, curves.full[name], half_width=half_width)
    except ValueError as reason:
        return Located(reason=f" for T in [{grid[0]:.6g}, {grid[-1]:.6g}] ({where}): {reason}")
    replica_peaks = np.array([_peak_or_nan(grid, replica[name], half_width) for replica in curves.replicas])
    why = _failed_replicas(replica_peaks[:, 0], curves.n_blocks, "peak")
    if why:
        return Located(n_replicas=curves.n_blocks, reason=why)
    return Located(
        value=float(position),
        error=jackknife_error(replica_peaks[:, 0]),
        height=float(height),
        height_err=jackknife_error(replica_peaks[:, 1]),
        n_replicas=curves.n_blocks,
        replicas=tuple(float(p) for p in replica_peaks[:, 0]),
    )


def paired_jackknife_difference(first: Located, second: Located) -> tuple[float, float]:
    """``first - second`` and its jackknife error, replica by replica: both located on the same
    jackknife blocks of the same samples (e.g. the chi_z and the chi' peak of one size), so their
    common noise cancels in the difference instead of adding.  NaN where either is not located."""
    if not (first.located and second.located) or len(first.replicas) != len(second.replicas):
        return math.nan, math.nan
    difference = np.asarray(first.replicas) - np.asarray(second.replicas)
    return first.value - second.value, jackknife_error(difference)


def jackknifed_crossing(
    small: JackknifedCurves, large: JackknifedCurves, name: str, *, grid_spacing: float, where: str
) -> tuple[Located, np.ndarray | None]:
    """The zero of ``name(L) - name(L2)`` where the two sizes' curves separate fastest, and each
    replica's zero nearest to it; the replicas pair up block by block (both sizes' blocks are
    numbered alike).

    The curves are interpolated onto a common grid over the temperatures both cover, at most
    ``grid_spacing`` apart; ``where`` describes the temperature window. Returns ``(located, replica_roots)``; ``replica_roots`` (None unless
    located) lets a caller form the replicas of a statistic of several crossings.
    """
    low, high = max(small.grid[0], large.grid[0]), min(small.grid[-1], large.grid[-1])
    if not low < high:
        return Located(reason=f": the two sizes share no simulated temperature range in the {where}"), None
    grid = temperature_grid_between(low, high, grid_spacing)

    def on_grid(curve_small, curve_large):
        return np.interp(grid, small.grid, curve_small[name]), np.interp(grid, large.grid, curve_large[name])

    try:
        crossing = locate_crossing(grid, *on_grid(small.full, large.full), select="steepest")
    except ValueError as reason:
        return Located(reason=f" for T in [{low:.6g}, {high:.6g}] ({where}): {reason}"), None
    n_roots = find_crossings(grid, *on_grid(small.full, large.full)).positions.size
    if small.n_blocks != large.n_blocks:
        raise ValueError(
            f"the two sizes have {small.n_blocks} and {large.n_blocks} jackknife blocks: replicas pair up block by block"
        )
    roots = []
    for replica_small, replica_large in zip(small.replicas, large.replicas):
        try:
            found = find_crossings(grid, *on_grid(replica_small, replica_large)).positions
        except ValueError:  # NaN in a replica's curve (a latent code with <z^2> = 0 in that block)
            found = np.empty(0)
        roots.append(found[np.argmin(np.abs(found - crossing))] if found.size else math.nan)
    roots = np.array(roots)
    why = _failed_replicas(roots, roots.size, "crossing")
    if why:
        return Located(n_replicas=roots.size, n_roots=n_roots, reason=why), None
    located = Located(value=crossing, error=jackknife_error(roots), n_replicas=roots.size, n_roots=n_roots)
    return located, roots


def derived_window(series) -> tuple[float, float]:
    """Default window: the span of the simulated temperatures where, for some lattice size, the
    plain per-temperature chi' reaches :data:`CRITICAL_FRACTION` of its largest value there.

    ``series``: ``(temperatures, values)`` pairs, one per size, ``values`` ``(n_T, n)`` the
    magnetisation per spin (or a latent code, whose chi_z then sets the window the same way)."""
    low, high = math.inf, -math.inf
    for temperatures, values in series:
        T = np.asarray(temperatures, dtype=float)
        m = np.asarray(values, dtype=float)
        # chi' up to the factor N, which cancels in the comparison within one L
        chi_prime = (np.mean(m * m, axis=-1) - np.mean(np.abs(m), axis=-1) ** 2) / T
        near = T[chi_prime >= CRITICAL_FRACTION * chi_prime.max()]
        low, high = min(low, near.min()), max(high, near.max())
    return float(low), float(high)


def temperature_grid_between(low: float, high: float, spacing: float) -> np.ndarray:
    """Evenly spaced temperatures from ``low`` to ``high``, at most ``spacing`` apart."""
    # the tolerance keeps (2.8 - 2.0) / (1/300) = 240.00000000000003 at 240 intervals
    intervals = max(1, math.ceil((high - low) / spacing * (1 - 1e-12)))
    return np.linspace(low, high, intervals + 1)
