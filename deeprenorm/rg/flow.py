"""Phenomenological renormalisation of a coarse-graining map: its flow T -> T', fixed point, nu.

A coarse-graining map (a block-spin rule of :mod:`deeprenorm.rg.blocking`, or an autoencoder's
code) turns the L x L ensemble at temperature T into an ensemble of (L/b) x (L/b)
configurations.  If the map is a renormalisation-group step, that *coarse ensemble* is (for the
long-distance observables) the *direct ensemble* of L/b at a renormalised temperature T'.
Matching one observable Q of the two defines the flow (phenomenological renormalisation:
Nightingale, Physica A 83, 561 (1976); with the Binder cumulant as Q, Binder, Z. Phys. B 43, 119
(1981)):

    Q_direct(T') = Q_coarse(T).

Near the critical fixed point T* = T'(T*) the flow is linear, ``T' - T* = b^{y_t} (T - T*)``,
so the slope ``dT'/dT`` at T* gives the thermal eigenvalue ``y_t = ln(slope) / ln b`` and the
correlation-length exponent ``nu = 1 / y_t`` (exactly 1 for the 2D Ising model).  With U_4
matching, T* is (up to the small difference between U_4 of the blocked and of the unblocked
L x L lattice) the crossing of U_4(L) and U_4(L/b), and the slope the ratio of their temperature
derivatives there; both carry the corrections to scaling of small L (for L = 16 -> 8 and the
majority rule, T* lies ~0.2 % below T_c and nu within a few % of 1).

Reweighting the coarse ensemble too (given the energies of the L x L configurations it came from)
is the better estimator of the slope: the statistical fluctuations of a reweighted curve are
shared by neighbouring temperatures and largely cancel in its derivative, where independent
temperatures each add their own noise.  In twelve independent runs of L = 16 -> 8 with 400
samples at each of 15 temperatures 0.025 apart, the jackknife errors of nu were 0.024-0.047 with
reweighting and 0.11-1.25 without (of T*: 0.006-0.013 and 0.008-0.11), and the spread of the
estimates matched them.

* :func:`fixed_point` -- T* and the slope from a T'(T) table, by a local polynomial fit of
  T' - T around the crossing of the diagonal.
* :func:`phenomenological_renormalization` -- the whole analysis: Q_coarse at each simulated T_i
  (or, given the energies of the L x L samples, as a reweighted curve), Q_direct(T) as a
  continuous curve by multi-histogram reweighting of the direct L/b samples
  (:func:`deeprenorm.ensemble.reweighted_curves`), T'(T) by inverting that curve, the fixed
  point, y_t and nu, with blocked-jackknife errors.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..arguments import check_integer, check_real, check_window
from ..ensemble import Ensemble, JackknifedCurves, reweighted_curves, temperature_grid_between
from ..stats import jackknife_error, leave_one_block_out, locate_crossing

__all__ = [
    "OBSERVABLES",
    "TABLE_COLUMNS",
    "CURVE_COLUMNS",
    "FixedPoint",
    "Flow",
    "fixed_point",
    "phenomenological_renormalization",
    "matching_mismatch",
]

#: Matching observable -> the per-sample value of the coarse configurations it is built from.
OBSERVABLES = {
    "binder": "magnetisation per spin m (Q = U_4 = 1 - <m^4> / (3 <m^2>^2))",
    "abs_m": "magnetisation per spin m (Q = <|m|>)",
    "nn": "nearest-neighbour correlation <s s_nn> of each configuration (Q = <s s_nn> = -<e>/2)",
}

#: Columns of :attr:`Flow.table`, in order.
TABLE_COLUMNS = ["temperature", "q_coarse", "q_coarse_err", "T_prime", "T_prime_err", "n_solutions"]

#: Columns of :attr:`Flow.curve`, in order.
CURVE_COLUMNS = ["temperature", "q_direct", "q_direct_err"]

# Table rows each side of the crossing of the diagonal entering the fit of T' - T. Per simulated
# temperature (0.025 apart) 3 rows reach 0.075 from T*, where T' - T* ~ 2 (T - T*) still lies
# inside a direct ensemble simulated over a few tenths around T_c. On a reweighted table (rows
# 1/300 apart) the curve is smooth and the fit local: half-widths from 1 to 40 rows moved T* and
# nu of L = 16 -> 8 by less than a quarter of their errors.
_HALF_WIDTH = 3


class FixedPoint(NamedTuple):
    """Fixed point ``T* = T'(T*)`` of a flow and the slope ``dT'/dT`` there."""

    T_star: float
    slope: float


@dataclass(frozen=True)
class Flow:
    """Result of :func:`phenomenological_renormalization`.

    ``T_star``, ``slope``, ``y_t``, ``nu`` are estimates from all samples, each ``*_err`` a
    blocked-jackknife error. Where the fixed point is not located on all samples and on every
    replica, all four and their errors are NaN; where only some replica's slope is not positive,
    ``y_t`` and ``nu`` are (``note`` says which, with the count).  ``table`` (:data:`TABLE_COLUMNS`): one row per coarse temperature T_i with Q_coarse,
    T'(T_i) and the number of solutions of ``Q_direct(T') = Q_coarse(T_i)`` on the reweighted
    curve (T' is NaN unless exactly one).  ``curve`` (:data:`CURVE_COLUMNS`): the reweighted
    Q_direct(T) of the direct ensemble.
    """

    observable: str
    b: int
    L_direct: int
    T_star: float
    T_star_err: float
    slope: float
    slope_err: float
    y_t: float
    y_t_err: float
    nu: float
    nu_err: float
    n_blocks: int
    note: str
    table: pd.DataFrame
    curve: pd.DataFrame
    #: T'(T) of each jackknife replica, ``(n_blocks, len(table))``: for differences of two flows
    #: of the same samples (:func:`matching_mismatch`), paired replica by replica
    T_prime_replicas: np.ndarray | None = None

    def described(self) -> str:
        """The estimates with their errors, and the note, in one line for a log."""
        return (
            f"T* = {self.T_star:.4f}({self.T_star_err:.4f}), slope {self.slope:.3f}({self.slope_err:.3f}), "
            f"nu = {self.nu:.3f}({self.nu_err:.3f}); {self.note}"
        )


def fixed_point(T, T_prime, *, half_width: int = _HALF_WIDTH, degree: int = 1) -> FixedPoint:
    """Fixed point of a flow table ``T -> T'`` and the slope ``dT'/dT`` there.

    Non-finite entries are dropped.  The crossing of T' with the diagonal is first located on the
    table (linear interpolation, :func:`deeprenorm.stats.locate_crossing`; of several, the one
    where T' - T changes fastest); then ``d(T) = T' - T`` is fitted by least squares with a
    polynomial of ``degree`` over the ``half_width`` table points on each side of that crossing
    (fewer at the table's ends), and T* is the root of the fit nearest the first estimate,
    ``slope = 1 + d'(T*)``.  For ``T' = T* + s (T - T*)`` the linear fit is exact; curvature
    ``c (T - T*)^2`` shifts the linear fit's T* by about ``-c <(T - T*)^2> / (s - 1)`` over the
    window and leaves its slope unchanged on a window symmetric about T* (``degree=2`` is then
    exact, at the cost of a noisier slope on Monte Carlo data).

    Raises ValueError if the table never crosses the diagonal, if fewer than ``degree + 1``
    points are in the window, or if the fit has no real root.
    """
    half_width = check_integer("half_width", half_width, 1)
    degree = check_integer("degree", degree, 1)
    T = np.asarray(T, dtype=float).ravel()
    T_prime = np.asarray(T_prime, dtype=float).ravel()
    if T.shape != T_prime.shape:
        raise ValueError(f"T and T_prime differ in length ({T.size} vs {T_prime.size})")
    finite = np.isfinite(T) & np.isfinite(T_prime)
    order = np.argsort(T[finite])
    T, T_prime = T[finite][order], T_prime[finite][order]
    if T.size < 2:
        raise ValueError(f"need at least 2 finite points of T'(T), got {T.size}")
    crossing = locate_crossing(T, T_prime, T, select="steepest")
    # the crossing lies in [T[i], T[i + 1]]: half_width points on each side of that interval
    i = min(int(np.searchsorted(T, crossing, side="right")) - 1, T.size - 2)
    window = slice(max(0, i - half_width + 1), min(T.size, i + 1 + half_width))
    x = T[window] - crossing
    if x.size < degree + 1:
        raise ValueError(
            f"{x.size} points of T'(T) around T* = {crossing:.6g}, a degree-{degree} fit needs {degree + 1}"
        )
    fit = np.polynomial.Polynomial.fit(x, T_prime[window] - T[window], degree).convert()
    roots = fit.roots()
    roots = roots[np.abs(roots.imag) <= 1e-12 * max(1.0, np.max(np.abs(roots)))].real
    if roots.size == 0:
        raise ValueError(f"the degree-{degree} fit of T' - T around T = {crossing:.6g} has no real root")
    root = roots[np.argmin(np.abs(roots))]
    return FixedPoint(T_star=float(crossing + root), slope=float(1.0 + fit.deriv()(root)))


# --------------------------------------------------------------------------
# matching


def _columns(values: np.ndarray, observable: str) -> np.ndarray:
    """The per-sample columns whose means make up Q: ``(..., k)``."""
    if observable == "binder":
        m2 = values * values
        return np.stack([m2, m2 * m2], axis=-1)
    if observable == "abs_m":
        return np.abs(values)[..., np.newaxis]
    return values[..., np.newaxis]


def _from_means(means: np.ndarray, observable: str) -> np.ndarray:
    """Q from the means of :func:`_columns`, ``(..., k) -> (...)``."""
    if observable == "binder":
        return 1.0 - means[..., 1] / (3.0 * means[..., 0] ** 2)
    return means[..., 0]


def _match(grid: np.ndarray, curve: np.ndarray, q_coarse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """T' with ``curve(T') = q`` for each q, by linear interpolation on ``grid``, and the number of
    solutions: 0 where q lies outside the curve's range (or is NaN), > 1 where the curve is not
    monotone about q (T' is then NaN: the matching does not define one temperature).

    The solutions are those :func:`deeprenorm.stats.find_crossings` finds (strict sign changes
    of ``curve - q`` between grid points, exact zeros on them), for all q at once: the table of
    a reweighted coarse ensemble has a row per grid point and is matched once per replica.
    """
    difference = curve[np.newaxis, :] - q_coarse[:, np.newaxis]
    sign = np.sign(difference)
    on_grid = sign == 0
    between = sign[:, :-1] * sign[:, 1:] < 0
    n_solutions = on_grid.sum(axis=1) + between.sum(axis=1)
    T_prime = np.full(q_coarse.size, math.nan)
    for i in np.flatnonzero(n_solutions == 1):
        if on_grid[i].any():
            T_prime[i] = grid[np.argmax(on_grid[i])]
        else:
            j = np.argmax(between[i])
            d = difference[i]
            T_prime[i] = grid[j] - d[j] * (grid[j + 1] - grid[j]) / (d[j + 1] - d[j])
    return T_prime, n_solutions


def _fixed_point_or_nan(T, T_prime, half_width, degree) -> tuple[FixedPoint, str | None]:
    try:
        return fixed_point(T, T_prime, half_width=half_width, degree=degree), None
    except ValueError as reason:
        return FixedPoint(math.nan, math.nan), str(reason)


def _exponents(slope, b: int) -> tuple[np.ndarray, np.ndarray]:
    """``y_t = ln(slope) / ln b`` and ``nu = 1 / y_t`` (NaN for a slope <= 0)."""
    slope = np.asarray(slope, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        y_t = np.where(slope > 0, np.log(np.where(slope > 0, slope, 1.0)) / math.log(b), math.nan)
        nu = 1.0 / y_t
    return y_t, nu


def _check_ensemble(temperatures, values, described: str) -> tuple[np.ndarray, np.ndarray]:
    temperatures = np.asarray(temperatures, dtype=float).ravel()
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[0] != temperatures.size:
        raise ValueError(
            f"{described} must be (temperature, sample) = ({temperatures.size}, n), got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{described} contains NaN or inf")
    return temperatures, values


class _Ensembles(NamedTuple):
    """The checked input of :func:`phenomenological_renormalization` inside its window."""

    direct: Ensemble
    temperatures: np.ndarray
    coarse: np.ndarray
    coarse_energy: np.ndarray | None


def _checked_ensembles(temperatures, coarse, direct: Ensemble, coarse_energy, window) -> _Ensembles:
    """The two ensembles, checked and cut to ``window``; ValueError naming what is malformed."""
    T, coarse = _check_ensemble(temperatures, coarse, "coarse")
    for name in ("energy", "magnetization"):
        if not np.all(np.isfinite(getattr(direct, name))):
            raise ValueError(f"the direct ensemble's {name} contains NaN or inf")
    if coarse_energy is not None:
        _, coarse_energy = _check_ensemble(temperatures, coarse_energy, "coarse_energy")
        if coarse_energy.shape != coarse.shape:
            raise ValueError(f"coarse_energy {coarse_energy.shape} and coarse {coarse.shape} differ in shape")
    direct = direct.within(window)
    if window is not None:
        inside = (T >= window[0]) & (T <= window[1])
        T, coarse = T[inside], coarse[inside]
        coarse_energy = coarse_energy[inside] if coarse_energy is not None else None
    if T.size < 2 or direct.temperatures.size < 2:
        raise ValueError(
            f"need >= 2 temperatures of each ensemble (in the window {window}), got {T.size} coarse and {direct.temperatures.size} direct"
        )
    return _Ensembles(direct, T, coarse, coarse_energy)


def _matched_curve(observable: str):
    """``curves`` of :func:`deeprenorm.ensemble.reweighted_curves`: Q from its column means."""

    def curves(means, grid):
        return {"q": _from_means(means, observable)}

    return curves


def _coarse_curves(
    ensembles: _Ensembles, b: int, observable: str, n_blocks: int, grid_spacing: float
) -> JackknifedCurves:
    """Q_coarse with its jackknife replicas: reweighted with the energies of the L x L
    configurations on a grid over the coarse range, or the plain average at each T_i."""
    T, columns = ensembles.temperatures, np.ascontiguousarray(_columns(ensembles.coarse, observable))
    if ensembles.coarse_energy is not None:
        # only the energies enter the weights; the magnetisation is not read
        fine = Ensemble(b * ensembles.direct.L, T, ensembles.coarse_energy, np.zeros_like(ensembles.coarse_energy))
        table_T = temperature_grid_between(T.min(), T.max(), grid_spacing)
        return reweighted_curves(fine, columns, _matched_curve(observable), table_T, n_blocks)
    replicas = tuple(
        {"q": _from_means(columns[:, keep].mean(axis=1), observable)}
        for keep in leave_one_block_out(columns.shape[1], n_blocks)
    )
    return JackknifedCurves(grid=T, full={"q": _from_means(columns.mean(axis=1), observable)}, replicas=replicas)


class _Matching(NamedTuple):
    """T'(T) and the fixed point from one direct and one coarse curve (all samples or a replica)."""

    T_prime: np.ndarray
    n_solutions: np.ndarray
    point: FixedPoint
    why: str | None


def _matching(grid, q_direct, table_T, q_coarse, half_width: int, degree: int) -> _Matching:
    T_prime, n_solutions = _match(grid, q_direct, q_coarse)
    point, why = _fixed_point_or_nan(table_T, T_prime, half_width, degree)
    return _Matching(T_prime, n_solutions, point, why)


def _errors_by_row(replicas: np.ndarray) -> np.ndarray:
    """The jackknife error of each column of ``(n_blocks, n_rows)`` replicas, row by row."""
    return np.array([jackknife_error(column) for column in replicas.T])


def _flow_tables(q_direct: JackknifedCurves, q_coarse: JackknifedCurves, full: _Matching, replicas: list):
    """:attr:`Flow.table` and :attr:`Flow.curve`, each value with its jackknife error."""
    table = pd.DataFrame(
        {
            "temperature": q_coarse.grid,
            "q_coarse": q_coarse.full["q"],
            "q_coarse_err": _errors_by_row(q_coarse.replica_values("q")),
            "T_prime": full.T_prime,
            "T_prime_err": _errors_by_row(np.array([replica.T_prime for replica in replicas])),
            "n_solutions": full.n_solutions,
        },
        columns=TABLE_COLUMNS,
    )
    curve = pd.DataFrame(
        {
            "temperature": q_direct.grid,
            "q_direct": q_direct.full["q"],
            "q_direct_err": _errors_by_row(q_direct.replica_values("q")),
        },
        columns=CURVE_COLUMNS,
    )
    return table, curve


def phenomenological_renormalization(
    temperatures,
    coarse,
    direct: Ensemble,
    b: int,
    *,
    coarse_energy=None,
    observable: str = "binder",
    window: tuple[float, float] | None = None,
    n_blocks: int = 20,
    grid_spacing: float = 1 / 300,
    half_width: int = _HALF_WIDTH,
    degree: int = 1,
) -> Flow:
    """The flow T -> T' of a coarse-graining map by matching ``observable``, its fixed point and nu.

    Parameters
    ----------
    temperatures, coarse
        The coarse ensemble: temperatures T_i ``(n_T,)`` of the L x L dataset and, per sample of
        the map's output at each T_i, the value :data:`OBSERVABLES` names for ``observable``
        ``(n_T, n)``: the magnetisation per spin of the blocked configurations for ``"binder"``
        and ``"abs_m"``, their nearest-neighbour correlation for ``"nn"``.
    direct
        The direct ensemble (:class:`deeprenorm.ensemble.Ensemble`) of size ``L_direct = L / b``.
    b
        The scale factor of the map (``b**k`` for a map applied k times); L = b * L_direct.
    coarse_energy
        None, or the energy per spin ``(n_T, n)`` of the L x L configurations the coarse samples
        were made from: then Q_coarse is reweighted too (see below).
    observable
        One of :data:`OBSERVABLES`.
    window
        ``(low, high)``: only temperatures of both ensembles inside it enter; None: all.  The
        cost grows with (grid points x samples) per replica, and only T' near T* enter the
        fixed point, so a window of a few tenths around T_c saves time on a wide dataset.
    n_blocks
        Blocks of the jackknife (at most one block per sample of either ensemble).
    grid_spacing
        Largest spacing of the grids on which reweighted curves are evaluated, each over the
        simulated range of its ensemble only (never extrapolated).
    half_width, degree
        Of the fit of T' - T around the fixed point (:func:`fixed_point`), in rows of the table.

    Q_direct(T) is the multi-histogram reweighted curve of the direct samples.  Q_coarse is,
    without ``coarse_energy``, the plain average over the samples at each T_i, and the table has
    one row per T_i; with it, the coarse samples are reweighted with the energies of the L x L
    configurations they came from (the map's output is a function of the configuration, and
    the random tie breaks of the majority rule are independent of it, so its averages reweight
    like any observable) and the table has one row per temperature of a grid over the coarse
    ensemble's simulated range: the better estimator of the slope (module docstring).

    T'(T) solves ``Q_direct(T') = Q_coarse(T)`` by linear interpolation on the direct grid: NaN
    where Q_coarse lies outside the curve's range (deep in the ordered phase U_4 and <|m|> of
    the blocked lattice exceed every direct value) or where the equation has several solutions
    (the curve is not monotone there); ``n_solutions`` in the table says which.  The fixed point
    and the slope come from :func:`fixed_point` on the table, ``y_t = ln(slope) / ln b`` and
    ``nu = 1 / y_t``.

    Errors: blocked jackknife over ``n_blocks`` blocks of samples, block j of the coarse samples
    and block j of the direct samples left out together at every temperature (the convention of
    :mod:`deeprenorm.ensemble`, shared with the thermodynamic and latent T_c), the whole
    analysis -- reweighting, T'(T), fixed point, exponents -- repeated per replica.  The two
    ensembles are independent simulations, so leaving their blocks out together adds their
    variances.

    Raises ValueError for malformed input.  A fixed point that cannot be located on all samples
    and on every jackknife replica gives NaN estimates (T*, slope, y_t, nu), a ``note`` saying
    why (with the count of replicas that failed) and a RuntimeWarning; likewise y_t and nu alone
    are NaN where some replica's slope is not positive.
    """
    if observable not in OBSERVABLES:
        raise ValueError(f"observable must be one of {tuple(OBSERVABLES)}, got {observable!r}")
    b = check_integer("b", b, 2)
    window = check_window(window)
    n_blocks = check_integer("n_blocks", n_blocks, 2)
    check_real("grid_spacing", grid_spacing, positive=True)
    ensembles = _checked_ensembles(temperatures, coarse, direct, coarse_energy, window)
    direct = ensembles.direct
    n, n_direct = ensembles.coarse.shape[1], direct.n_samples
    if min(n, n_direct) < n_blocks:
        raise ValueError(f"n_blocks = {n_blocks} exceeds the samples per temperature (coarse {n}, direct {n_direct})")

    grid = temperature_grid_between(direct.temperatures.min(), direct.temperatures.max(), grid_spacing)
    direct_columns = _columns(-0.5 * direct.energy if observable == "nn" else direct.magnetization, observable)
    q_direct = reweighted_curves(direct, direct_columns, _matched_curve(observable), grid, n_blocks)
    q_coarse = _coarse_curves(ensembles, b, observable, n_blocks, grid_spacing)
    full = _matching(grid, q_direct.full["q"], q_coarse.grid, q_coarse.full["q"], half_width, degree)
    replicas = [
        _matching(grid, direct_replica["q"], q_coarse.grid, coarse_replica["q"], half_width, degree)
        for direct_replica, coarse_replica in zip(q_direct.replicas, q_coarse.replicas)
    ]
    table, curve = _flow_tables(q_direct, q_coarse, full, replicas)
    matched = "reweighted" if ensembles.coarse_energy is not None else "per-temperature"
    note = f"{observable} matching of the {matched} coarse ensemble with the direct L = {direct.L}; jackknife errors"
    return _flow(observable, b, direct.L, full, replicas, note, table, curve)


def _flow(observable: str, b: int, L_direct: int, full: _Matching, replicas: list, note: str, table, curve) -> Flow:
    """The :class:`Flow` of the all-sample matching and its replicas, under the not-located
    policy of :mod:`deeprenorm.ensemble`."""
    replica_points = np.array([replica.point for replica in replicas], dtype=float)
    failed = int(np.sum(~np.isfinite(replica_points[:, 0])))
    why = full.why or (f"{failed} of {len(replicas)} jackknife replicas located none" if failed else None)
    point = full.point if why is None else FixedPoint(math.nan, math.nan)
    if why:
        note = f"fixed point not located: {why}"
        warnings.warn(
            f"b = {b}, L_direct = {L_direct}, {observable}: {note}; estimates are NaN", RuntimeWarning, stacklevel=3
        )
    replica_y_t, replica_nu = _exponents(replica_points[:, 1], b)
    y_t, nu = (float(value) for value in _exponents(point.slope, b))
    non_positive = int(np.sum(~np.isfinite(replica_y_t)))
    if not why and not math.isfinite(y_t):
        note += "; y_t and nu not located: the slope at T* is <= 0"
    elif not why and non_positive:
        y_t = nu = math.nan
        note += f"; y_t and nu not located: {non_positive} of {len(replicas)} jackknife replicas have a slope <= 0"
    elif not why and len({bool(value > 0) for value in (y_t, *replica_y_t)}) > 1:
        # nu = 1/y_t passes through its pole at a slope of 1: replicas on both sides of it give
        # no error (a slope below 1 on every replica is an attractive fixed point, nu < 0)
        nu = math.nan
        note += (
            f"; nu not located: y_t changes sign between the jackknife replicas ({int(np.sum(replica_y_t <= 0))} <= 0)"
        )
    return Flow(
        observable=observable,
        b=b,
        L_direct=L_direct,
        T_star=point.T_star,
        T_star_err=jackknife_error(replica_points[:, 0]) if why is None else math.nan,
        slope=point.slope,
        slope_err=jackknife_error(replica_points[:, 1]) if why is None else math.nan,
        y_t=y_t,
        y_t_err=jackknife_error(replica_y_t) if math.isfinite(y_t) else math.nan,
        nu=nu,
        nu_err=jackknife_error(replica_nu) if math.isfinite(nu) else math.nan,
        n_blocks=len(replicas),
        note=note,
        table=table,
        curve=curve,
        T_prime_replicas=np.array([replica.T_prime for replica in replicas], dtype=float),
    )


def matching_mismatch(first: Flow, second: Flow, at: float) -> tuple[float, float, float]:
    """``(T, T'_second(T) - T'_first(T), its error)`` at the row of the flows' common table
    nearest the temperature ``at``: how far two observables of the same blocked samples disagree
    about the one direct ensemble the blocked lattice should look like. For an RG map the
    blocked lattice is an Ising lattice at one T', whatever is matched; a map that keeps the
    magnetisation's distribution and not the short-distance correlations (decimation) is not.

    The flows must come from the same coarse samples, with the same table grid and the same
    jackknife blocks (:func:`phenomenological_renormalization` of one map with two observables):
    the error is the jackknife error of the replica-by-replica differences, which cancels what
    the two matchings share. NaN where either T' is not matched there (or in some replica).
    ValueError for flows of different tables or jackknife blocks."""
    T = first.table["temperature"].to_numpy(dtype=float)
    if not np.array_equal(T, second.table["temperature"].to_numpy(dtype=float)) or first.n_blocks != second.n_blocks:
        raise ValueError("the two flows are not of the same table and jackknife blocks: their difference is not paired")
    row = int(np.argmin(np.abs(T - at)))
    difference = float(second.table["T_prime"].iloc[row] - first.table["T_prime"].iloc[row])
    replicas = second.T_prime_replicas[:, row] - first.T_prime_replicas[:, row]
    return float(T[row]), difference, jackknife_error(replicas) if math.isfinite(difference) else math.nan
