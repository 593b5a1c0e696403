"""The network flow of an autoencoder: repeated reconstruction, and the temperatures it visits.

Iso, Shiba & Yokoo (PRE 97, 053304 (2018)) fed equilibrium Ising configurations at a temperature
T_0 to a trained restricted Boltzmann machine, reconstructed them again and again, and assigned
each generation of configurations a temperature (with a separately trained temperature
classifier).  The flow T_0 -> T_1 -> T_2 -> ... approached T_c: the critical point was an
*attracting* (stable) fixed point of the one-step map T_n -> T_{n+1}.  A renormalisation-group
step does the opposite: at its critical fixed point ``dT'/dT = b^{y_t} > 1`` (see :mod:`.flow`),
so T_c is *repelling* (unstable) and the flow runs away from it, to T = 0 or to T = infinity.
Funai & Giataganas (PRR 2, 033415 (2020)) found RBM flows ending on configurations of maximal
specific heat, near T_c at zero field, and argued that the machine recognises such a property of
the configurations rather than performing an RG step.  This module measures the same flow for an
autoencoder (one step = encode, then decode), with errors, so that trained networks and controls
(untrained networks, the identity, block-spin maps) can be compared on one footing.

Temperatures come from physical observables, not from a classifier:

* :func:`energy_thermometer` -- the T at which the exact mean energy per spin of the L x L torus,
  ``e_L(T)`` (Kaufman, :func:`deeprenorm.exact.finite_energy`), equals the ensemble's mean
  energy.  ``e_L`` is strictly increasing (its slope is the specific heat, > 0), so the reading
  is unique; nothing is fitted.
* :func:`curve_thermometer` -- the same inversion for an empirical monotone curve Q(T), e.g.
  ``<|m|>(T)`` of the simulated dataset at the same L.

A flowed ensemble need not be the equilibrium ensemble of any temperature, so the two readings
need not agree; how far they disagree measures how far the flow has left the equilibrium
manifold.  Reconstructions are continuous spins in [-1, 1]; both observables keep their
definitions for them (:mod:`.observables`), but a reconstruction that shrinks the spins towards
0 reads hotter than its sign pattern would.

* :func:`iterate_flow` -- the ensembles ``x_0, x_1, ..., x_n`` of repeated steps;
* :func:`ensemble_temperatures` -- per step the mean energy and ``<|m|>`` with bootstrap errors,
  and the temperatures they read;
* :func:`flow_map_fixed_points` -- the fixed points of a sampled one-step map and their
  stability;
* :func:`flow_direction` -- whether starting temperatures near T_c move towards it or away.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..arguments import is_integer, is_real
from ..exact import T_C, T_MAX_FINITE, finite_energy, finite_specific_heat
from ..stats import block_bootstrap_weights, resampling_block_length
from .observables import energy, magnetization

__all__ = [
    "ENSEMBLE_COLUMNS",
    "FIXED_POINT_COLUMNS",
    "FlowDirection",
    "energy_thermometer",
    "curve_thermometer",
    "iterate_flow",
    "ensemble_temperatures",
    "flow_map_fixed_points",
    "flow_direction",
]

#: Columns of :func:`ensemble_temperatures`, in order.
ENSEMBLE_COLUMNS = [
    "step",
    "energy",
    "energy_err",
    "T_energy",
    "T_energy_err",
    "abs_m",
    "abs_m_err",
    "T_abs_m",
    "T_abs_m_err",
]

#: Columns of :func:`flow_map_fixed_points`, in order.
FIXED_POINT_COLUMNS = ["T_fixed", "T_fixed_err", "slope", "slope_err", "stability"]

# Log-spaced grid of e_L(T) and c_L(T) that brackets each energy; the cubic Hermite first guess
# from it is good to ~1e-9, so usually one Newton step lands on rounding. Newton stops once a
# step is below _NEWTON_TOLERANCE relative: convergence is quadratic, so the error left after
# it is ~ (T c'/c) * 1e-16, far below the 1e-6 promised even where c'/c ~ L near T_c.
_GRID_POINTS = 1024
_MAX_NEWTON_STEPS = 8
_NEWTON_TOLERANCE = 1e-8

# Table rows on each side of a crossing of the diagonal entering the linear fit of the slope.
_HALF_WIDTH = 2

# Starting temperatures this close to T_c are left out of flow_direction: there the step moves
# T by less than any thermometer resolves, and the direction is noise.
_EXCLUDE = 0.02


class FlowDirection(NamedTuple):
    """Result of :func:`flow_direction`."""

    fraction_towards: float
    fraction_away: float
    word: str
    n_used: int


# --------------------------------------------------------------------------
# input checking


def _temperature_range(t_min, t_max) -> tuple[float, float]:
    if not (is_real(t_min) and is_real(t_max) and 0 < t_min < t_max <= T_MAX_FINITE):
        raise ValueError(
            f"t_min and t_max must be finite numbers with 0 < t_min < t_max <= {T_MAX_FINITE:g}, "
            f"got t_min={t_min!r}, t_max={t_max!r}"
        )
    return float(t_min), float(t_max)


def _ensemble(spins, name: str) -> np.ndarray:
    spins = np.asarray(spins)
    if spins.ndim != 3 or spins.shape[1] != spins.shape[2] or spins.shape[0] < 1:
        raise ValueError(f"{name} must have shape (n, L, L) with n >= 1, got {spins.shape}")
    return spins


def _table(T_n, T_next, T_next_err=None) -> tuple[np.ndarray, ...]:
    """The rows of a one-step map with every entry finite, checked for increasing ``T_n``."""
    T_n = np.asarray(T_n, dtype=float)
    T_next = np.asarray(T_next, dtype=float)
    if T_n.ndim != 1 or T_next.shape != T_n.shape:
        raise ValueError(f"T_n and T_next must be 1-D of equal length, got shapes {T_n.shape} and {T_next.shape}")
    columns = [T_n, T_next]
    if T_next_err is not None:
        T_next_err = np.asarray(T_next_err, dtype=float)
        if T_next_err.shape != T_n.shape:
            raise ValueError(f"T_next_err must have the shape of T_n {T_n.shape}, got {T_next_err.shape}")
        if np.any(T_next_err <= 0):
            raise ValueError("T_next_err must be > 0 (or NaN/+inf to drop a row)")
        columns.append(T_next_err)
    keep = np.logical_and.reduce([np.isfinite(c) for c in columns])
    columns = [c[keep] for c in columns]
    steps = np.diff(columns[0])
    if np.any(steps <= 0):
        i = int(np.argmax(steps <= 0))
        raise ValueError(
            f"T_n must be strictly increasing, but T_n = {columns[0][i]:g} is followed by {columns[0][i + 1]:g}"
        )
    return tuple(columns)


# --------------------------------------------------------------------------
# thermometers


@lru_cache(maxsize=32)
def _energy_grid(L: int, t_min: float, t_max: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``T``, ``e_L(T)`` and ``c_L(T) = de/dT`` on the thermometer's grid (read-only: cached)."""
    T = np.geomspace(t_min, t_max, _GRID_POINTS)
    grid = T, finite_energy(L, T), finite_specific_heat(L, T)
    for a in grid:
        a.flags.writeable = False
    return grid


def energy_thermometer(L: int, energy_per_spin, *, t_min: float = 0.5, t_max: float = 50.0):
    """Temperature at which the exact mean energy per spin of the L x L torus equals ``energy_per_spin``.

    Inverts Kaufman's ``e_L(T)`` (:func:`deeprenorm.exact.finite_energy`, J = 1, strictly
    increasing from -2 at T = 0 towards 0 at T = infinity) on ``[t_min, t_max]``: a log-spaced
    grid brackets each value, cubic Hermite interpolation of the inverse on it gives a first
    guess, and Newton's method with the exact slope ``de/dT = c_L(T)``
    (:func:`deeprenorm.exact.finite_specific_heat`), kept inside the bracket, polishes it to
    ~1e-12 relative (~1e-10 at T = 0.5) within 1-2 steps.  An energy error ``de`` moves the
    reading by ``de / c_L(T)``, so at low T, where ``c ~ 64 exp(-8/T) / T^2`` (3e-5 at
    T = 0.5), the reading is only as good as the energy is.

    Parameters
    ----------
    L
        Linear lattice size, an integer >= 2.
    energy_per_spin
        Scalar or array of mean energies per spin ``-(1/N) sum_<ij> s_i s_j`` (each of the 2N
        bonds once).  For continuous configurations (an autoencoder's reconstruction in
        [-1, 1]) the same sum defines the energy and it is read the same way: as the
        temperature of the equilibrium ensemble with that mean energy.
    t_min, t_max
        The range of the thermometer, ``0 < t_min < t_max <= 1000``.

    Returns
    -------
    float or ndarray
        Of the shape of ``energy_per_spin``.  ``0`` for energies below ``e_L(t_min)``: colder
        than the thermometer resolves, on the way to (or at, e = -2) the ordered fixed point
        T = 0, where a reconstruction that has become a ground state lands; NaN for NaN input;
        ``+inf`` for energies above
        ``e_L(t_max)``, including 0 and positive energies: an ensemble more disordered than
        any temperature in range (or, above 0, antiferromagnetically correlated).
    """
    if not (is_integer(L) and L >= 2):
        raise ValueError(f"L must be an integer >= 2, got {L!r}")
    t_min, t_max = _temperature_range(t_min, t_max)
    e = np.asarray(energy_per_spin, dtype=float)
    T_grid, e_grid, c_grid = _energy_grid(int(L), t_min, t_max)
    out = np.full(e.shape, np.nan)
    out[e > e_grid[-1]] = np.inf
    out[e < e_grid[0]] = 0.0
    inside = (e >= e_grid[0]) & (e <= e_grid[-1])
    target = e[inside]
    if target.size:
        j = np.clip(np.searchsorted(e_grid, target, side="right") - 1, 0, e_grid.size - 2)
        lo, hi = T_grid[j], T_grid[j + 1]
        width = e_grid[j + 1] - e_grid[j]
        u = (target - e_grid[j]) / width
        # cubic Hermite basis on [0, 1], with the inverse's slopes dT/de = 1/c at both ends
        T = (
            (1 + 2 * u) * (1 - u) ** 2 * lo
            + u * (1 - u) ** 2 * width / c_grid[j]
            + u * u * (3 - 2 * u) * hi
            - u * u * (1 - u) * width / c_grid[j + 1]
        )
        T = np.clip(T, lo, hi)
        for _ in range(_MAX_NEWTON_STEPS):
            step = (finite_energy(L, T) - target) / finite_specific_heat(L, T)
            T = np.clip(T - step, lo, hi)
            if np.all(np.abs(step) <= _NEWTON_TOLERANCE * T):
                break
        out[inside] = T
    return float(out) if out.ndim == 0 else out


def _first_turn(dq: np.ndarray) -> int:
    """Index of the first grid interval where a curve stops rising (or falling) as it began."""
    direction = np.sign(dq[0])
    if direction == 0:
        return 0
    return int(np.argmax(np.sign(dq) != direction))


def curve_thermometer(temperatures, curve, values):
    """Temperature at which an empirical monotone curve ``Q(T)`` takes each of ``values``.

    Parameters
    ----------
    temperatures
        Strictly increasing, finite temperatures ``T_i`` (at least 2).
    curve
        ``Q(T_i)``, finite and strictly monotone (increasing or decreasing), e.g. ``<|m|>(T)``
        of the simulated dataset at the lattice size of the flowed configurations.
    values
        Scalar or array of observed Q.

    Returns
    -------
    float or ndarray
        Of the shape of ``values``: the temperature by linear interpolation of the inverse
        curve; NaN outside the curve's range and for NaN input.

    Raises ValueError if the curve is not strictly monotone (the message names the interval
    where it turns) -- an empirical curve flattening into noise far above T_c does; pass only
    the part where it is monotone.
    """
    T = np.asarray(temperatures, dtype=float)
    q = np.asarray(curve, dtype=float)
    if T.ndim != 1 or q.shape != T.shape or T.size < 2:
        raise ValueError(f"temperatures and curve must be 1-D of equal length >= 2, got shapes {T.shape} and {q.shape}")
    if not (np.all(np.isfinite(T)) and np.all(np.isfinite(q))):
        raise ValueError("temperatures and curve must be finite (found NaN or inf)")
    if np.any(np.diff(T) <= 0):
        i = int(np.argmax(np.diff(T) <= 0))
        raise ValueError(f"temperatures must be strictly increasing, but T = {T[i]:g} is followed by {T[i + 1]:g}")
    dq = np.diff(q)
    if not (np.all(dq > 0) or np.all(dq < 0)):
        i = _first_turn(dq)
        raise ValueError(
            f"curve must be strictly monotone in T, but it turns (or is flat) between "
            f"T = {T[i]:g} and T = {T[i + 1]:g} (Q = {q[i]:g} -> {q[i + 1]:g})"
        )
    if dq[0] < 0:
        T, q = T[::-1], q[::-1]
    v = np.asarray(values, dtype=float)
    out = np.interp(v, q, T, left=np.nan, right=np.nan)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------
# the flow and its temperatures


def iterate_flow(step: Callable[[np.ndarray], np.ndarray], spins, steps: int) -> list[np.ndarray]:
    """Apply a flow step ``steps`` times: the ensembles ``[x_0, x_1, ..., x_steps]``.

    Parameters
    ----------
    step
        Callable mapping an ``(n, L, L)`` float64 array to an ``(n, L, L)`` array, e.g. an
        autoencoder's encode -> decode wrapped to take and return numpy arrays.  It is given a
        copy, so a step that works in place cannot rewrite the ensembles already returned.
    spins
        The starting ensemble, ``(n, L, L)`` (int8 +-1 samples or floats).
    steps
        Number of steps, an integer >= 0.

    Returns
    -------
    list of ndarray
        ``steps + 1`` float64 arrays of shape ``(n, L, L)``; ``x_0`` is ``spins`` as float64.
    """
    if not callable(step):
        raise ValueError(f"step must be a callable (n, L, L) array -> (n, L, L) array, got {step!r}")
    if not (is_integer(steps) and steps >= 0):
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    x = np.array(_ensemble(spins, "spins"), dtype=np.float64)
    flow = [x]
    for k in range(1, steps + 1):
        # np.array copies: a step may return a view of a buffer it reuses on the next call
        x = np.array(step(x.copy()), dtype=np.float64)
        if x.shape != flow[0].shape:
            raise ValueError(f"step must return the input's shape {flow[0].shape}, got {x.shape} at step {k}")
        flow.append(x)
    return flow


def _replica_error(replicas: np.ndarray) -> np.ndarray:
    """Standard deviation over the last axis; NaN where a replica is not finite (a reading off
    the thermometer's scale has no error bar)."""
    finite = np.all(np.isfinite(replicas), axis=-1)
    error = np.full(replicas.shape[:-1], np.nan)
    error[finite] = replicas[finite].std(axis=-1, ddof=1)
    return error


def ensemble_temperatures(
    ensembles,
    *,
    abs_m_curve: tuple | None = None,
    n_bootstrap: int = 200,
    seed: int | np.random.SeedSequence = 0,
    t_min: float = 0.5,
    t_max: float = 50.0,
    block_length: int | None = None,
) -> pd.DataFrame:
    """Mean energy and ``<|m|>`` of each flowed ensemble, with the temperatures they read.

    Parameters
    ----------
    ensembles
        The output of :func:`iterate_flow`: a sequence of ``(n, L, L)`` arrays of one shape,
        values in [-1, 1] (the lattice size L of the energy thermometer is read off them), the
        configurations of the input in Monte Carlo (chain) order.
    abs_m_curve
        ``(temperatures, abs_m)``: ``<|m|>(T)`` of the equilibrium ensembles at this L, for
        :func:`curve_thermometer`; without it ``T_abs_m`` and its error are NaN.
    n_bootstrap
        Bootstrap replicas, an integer >= 2.  Each resamples the n configurations in contiguous
        blocks of ``block_length``, drawn with replacement
        (:func:`deeprenorm.stats.block_bootstrap_weights`), the same blocks at every step, so the
        errors of different steps are correlated as the data are.  Blocks, not single
        configurations: samples stored 2 tau_int apart are still correlated near T_c, and a
        per-configuration step keeps that correlation.
    seed
        Seed of the bootstrap, anything :func:`numpy.random.default_rng` takes (an int or a
        ``SeedSequence`` such as ``deeprenorm.seeding.stream(seed, "analysis", ...)``).
    t_min, t_max
        Range of :func:`energy_thermometer`.
    block_length
        Configurations per block, an integer in [1, n]; None (default):
        :func:`deeprenorm.stats.resampling_block_length` of the input's energy and ``|m|``
        series (at least 5 configurations, longer where their tau_int asks for it).

    Returns
    -------
    pandas.DataFrame
        One row per ensemble, :data:`ENSEMBLE_COLUMNS`: ``step`` (0 for the input), ``energy``
        and ``abs_m`` (means over configurations) and their bootstrap errors, ``T_energy`` and
        ``T_abs_m`` (the thermometers' readings of the means) and their errors, the standard
        deviation of the readings of the bootstrap means (the thermometer is non-linear, so
        this is not a first-order propagation; NaN when a replica reads off scale).
    """
    ensembles = [_ensemble(x, f"ensembles[{k}]") for k, x in enumerate(ensembles)]
    if not ensembles:
        raise ValueError("ensembles must hold at least one (n, L, L) array")
    shape = ensembles[0].shape
    if any(x.shape != shape for x in ensembles):
        shapes = sorted({x.shape for x in ensembles})
        raise ValueError(f"ensembles must all have one shape (n, L, L), got {shapes}")
    n, L = shape[0], shape[1]
    if n < 2:
        raise ValueError(f"ensembles need at least 2 configurations for an error, got n = {n}")
    if not (is_integer(n_bootstrap) and n_bootstrap >= 2):
        raise ValueError(f"n_bootstrap must be an integer >= 2, got {n_bootstrap!r}")
    if block_length is not None and not (is_integer(block_length) and 1 <= block_length <= n):
        raise ValueError(f"block_length must be None or an integer in [1, n = {n}], got {block_length!r}")
    t_min, t_max = _temperature_range(t_min, t_max)
    if abs_m_curve is not None:
        if len(abs_m_curve) != 2:
            raise ValueError(f"abs_m_curve must be a pair (temperatures, abs_m), got {len(abs_m_curve)} items")
        temperatures, curve = abs_m_curve
        # checks the curve once, before the work, rather than after it
        curve_thermometer(temperatures, curve, np.nan)

    e = np.stack([energy(x) for x in ensembles])
    a = np.abs(np.stack([magnetization(x) for x in ensembles]))
    if block_length is None:
        block_length = resampling_block_length(e[0], a[0])
    weights = block_bootstrap_weights(n, block_length, n_bootstrap, np.random.default_rng(seed))
    e_boot = e @ weights.T / weights.sum(axis=1)
    a_boot = a @ weights.T / weights.sum(axis=1)

    e_mean, a_mean = e.mean(axis=1), a.mean(axis=1)
    T_e = energy_thermometer(L, e_mean, t_min=t_min, t_max=t_max)
    T_e_err = _replica_error(energy_thermometer(L, e_boot, t_min=t_min, t_max=t_max))
    if abs_m_curve is None:
        T_a = T_a_err = np.full(len(ensembles), np.nan)
    else:
        T_a = curve_thermometer(temperatures, curve, a_mean)
        T_a_err = _replica_error(curve_thermometer(temperatures, curve, a_boot))
    return pd.DataFrame(
        {
            "step": np.arange(len(ensembles)),
            "energy": e_mean,
            "energy_err": e_boot.std(axis=1, ddof=1),
            "T_energy": T_e,
            "T_energy_err": T_e_err,
            "abs_m": a_mean,
            "abs_m_err": a_boot.std(axis=1, ddof=1),
            "T_abs_m": T_a,
            "T_abs_m_err": T_a_err,
        },
        columns=ENSEMBLE_COLUMNS,
    )


# --------------------------------------------------------------------------
# the one-step map T_n -> T_next


def _stability(slope: float) -> str:
    if abs(slope) < 1:
        return "stable"
    if abs(slope) > 1:
        return "unstable"
    return "marginal"


def _local_slope(T: np.ndarray, T_next: np.ndarray, weights: np.ndarray, window: slice) -> tuple[float, float]:
    """Weighted least-squares slope of ``T_next(T)`` on ``window`` and its error (the error
    assumes the weights are 1/sigma^2 of known errors)."""
    x, y, w = T[window], T_next[window], weights[window]
    dx = x - np.sum(w * x) / np.sum(w)
    sxx = np.sum(w * dx * dx)
    return float(np.sum(w * dx * y) / sxx), float(1.0 / math.sqrt(sxx))


def flow_map_fixed_points(T_n, T_next, T_next_err=None, *, half_width: int = _HALF_WIDTH) -> pd.DataFrame:
    """Every fixed point ``T* = T_next(T*)`` of a sampled one-step map, its slope and stability.

    The map is given at increasing ``T_n``, e.g. the simulated temperatures as T_0 and the
    thermometer readings after one flow step as T_1.  Rows with a non-finite entry (a reading
    off the thermometer's scale) are dropped.  A fixed point is a sign change of
    ``d = T_next - T_n`` between neighbouring rows (located by linear interpolation) or a row
    with ``d == 0``; its slope ``dT_next/dT_n`` is the least-squares line through the
    ``half_width`` rows on each side of it (fewer at the table's ends), weighted by
    ``1 / T_next_err^2`` if given.  Noisy data near a crossing can give several nearby fixed
    points; all are reported.

    Parameters
    ----------
    T_n, T_next
        1-D arrays of equal length; the finite rows' ``T_n`` must be strictly increasing.
    T_next_err
        Optional one-standard-deviation errors of ``T_next`` (> 0; NaN or +inf drops the row),
        assumed independent between rows.
    half_width
        Rows on each side of a fixed point entering the slope, an integer >= 1.

    Returns
    -------
    pandas.DataFrame
        :data:`FIXED_POINT_COLUMNS`, one row per fixed point in increasing ``T_fixed``:
        ``T_fixed`` and ``slope``, their errors from ``T_next_err`` (NaN without it; for
        ``T_fixed`` propagated through the interpolation, for ``slope`` from the fit), and
        ``stability``: ``"stable"`` for ``|slope| < 1`` (attracting, the opposite of an RG
        flow's critical point), ``"unstable"`` for ``|slope| > 1`` (repelling, like the
        critical fixed point of an RG flow), ``"marginal"`` for ``|slope| == 1``.  Judge
        ``|slope| - 1`` against ``slope_err``.  An empty frame means no fixed point in the
        range sampled: the flow runs one way (up or down in T) everywhere there.
    """
    if not (is_integer(half_width) and half_width >= 1):
        raise ValueError(f"half_width must be an integer >= 1, got {half_width!r}")
    with_errors = T_next_err is not None
    T, T_next, *rest = _table(T_n, T_next, T_next_err)
    sigma = rest[0] if with_errors else np.ones_like(T)
    weights = 1.0 / sigma**2
    d = T_next - T
    sign = np.sign(d)
    rows = []
    for i in np.flatnonzero(sign == 0):
        window = slice(max(0, i - half_width), min(T.size, i + half_width + 1))
        slope, slope_err = _local_slope(T, T_next, weights, window) if T.size > 1 else (math.nan, math.nan)
        T_err = sigma[i] / abs(slope - 1.0) if slope != 1.0 else math.inf
        rows.append((T[i], T_err, slope, slope_err))
    for i in np.flatnonzero(sign[:-1] * sign[1:] < 0):
        window = slice(max(0, i - half_width + 1), min(T.size, i + 1 + half_width))
        slope, slope_err = _local_slope(T, T_next, weights, window)
        spacing, gap = T[i + 1] - T[i], d[i] - d[i + 1]
        T_fixed = T[i] + spacing * d[i] / gap
        # T_fixed as a function of d[i] and d[i + 1], with independent errors
        T_err = spacing * math.hypot(d[i + 1] * sigma[i], d[i] * sigma[i + 1]) / gap**2
        rows.append((T_fixed, T_err, slope, slope_err))
    rows.sort()
    table = pd.DataFrame(rows, columns=FIXED_POINT_COLUMNS[:-1], dtype=float)
    if not with_errors:
        table[["T_fixed_err", "slope_err"]] = np.nan
    table["stability"] = pd.Series([_stability(s) for s in table["slope"]], dtype=object)
    return table


def flow_direction(T_n, T_next, T_c: float = T_C, window: float = 0.3, *, exclude: float = _EXCLUDE) -> FlowDirection:
    """Do starting temperatures near T_c flow towards it or away from it?

    Uses the rows with ``exclude < |T_n - T_c| <= window`` (closer to T_c a step moves T by
    less than a thermometer resolves) and a ``T_next`` that is not NaN (``+inf``, a reading off
    the hot end of the thermometer, is hotter than any T).

    A renormalisation-group step repels from its critical fixed point on *both* sides: below
    T_c the flow runs colder, above it hotter, each staying on its own side. That is "away";
    a map that only heats (an untrained network whose reconstructions are noise) or only cools
    every configuration is not, and is named for what it does.

    Parameters
    ----------
    T_n, T_next
        1-D arrays of equal length: starting temperatures and their readings after one step.
    T_c
        The temperature the flow is judged against (default: Onsager's T_c).
    window, exclude
        Finite, ``0 <= exclude < window``.

    Returns
    -------
    FlowDirection
        ``fraction_towards``: of the rows used, those with ``|T_next - T_c| < |T_n - T_c|``;
        ``fraction_away``: those with ``T_next < T_n < T_c`` or ``T_c < T_n < T_next``;
        ``word``: ``"towards T_c"`` (fraction_towards >= 2/3, Iso et al.'s finding for RBMs),
        ``"away from T_c"`` (fraction_away >= 2/3, as a renormalisation-group flow),
        ``"hotter everywhere"`` / ``"colder everywhere"`` (>= 2/3 of the rows move that way),
        else ``"mixed"``; ``"undetermined"`` with NaN fractions when no row qualifies;
        ``n_used``, the number of rows used.
    """
    if not is_real(T_c):
        raise ValueError(f"T_c must be a finite number, got {T_c!r}")
    if not (is_real(window) and is_real(exclude) and 0 <= exclude < window):
        raise ValueError(
            f"window and exclude must be finite with 0 <= exclude < window, got window={window!r}, exclude={exclude!r}"
        )
    T_n = np.asarray(T_n, dtype=float)
    T_next = np.asarray(T_next, dtype=float)
    if T_n.ndim != 1 or T_next.shape != T_n.shape:
        raise ValueError(f"T_n and T_next must be 1-D of equal length, got shapes {T_n.shape} and {T_next.shape}")
    distance = np.abs(T_n - T_c)
    used = np.isfinite(T_n) & ~np.isnan(T_next) & (distance > exclude) & (distance <= window)
    n_used = int(used.sum())
    if n_used == 0:
        return FlowDirection(math.nan, math.nan, "undetermined", 0)
    start, end = T_n[used], T_next[used]
    towards = float(np.mean(np.abs(end - T_c) < distance[used]))
    away = float(np.mean(((start < T_c) & (end < start)) | ((start > T_c) & (end > start))))
    hotter, colder = float(np.mean(end > start)), float(np.mean(end < start))
    if towards >= 2.0 / 3.0:
        word = "towards T_c"
    elif away >= 2.0 / 3.0:
        word = "away from T_c"
    elif hotter >= 2.0 / 3.0:
        word = "hotter everywhere"
    elif colder >= 2.0 / 3.0:
        word = "colder everywhere"
    else:
        word = "mixed"
    return FlowDirection(towards, away, word, n_used)
