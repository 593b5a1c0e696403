"""Statistics of Monte Carlo time series: autocorrelation times, error bars,
thermodynamic estimators and peak/crossing location.

Conventions
-----------
* ``tau`` is Sokal's integrated autocorrelation time,
  ``tau_int = 1/2 + sum_{t>=1} rho(t)``, in units of the series' step
  (sweeps, cluster steps, or "samples" for a stored dataset).  Uncorrelated
  data have ``tau_int = 1/2`` and the error of a mean is
  ``sigma^2 = 2 tau_int var / n``.  emcee and the Goodman-Weare literature
  use ``tau = 1 + 2 sum rho = 2 tau_int``; do not mix the two.
* Per-sample arrays: ``energy`` is the energy per spin ``e``,
  ``magnetization`` the magnetisation per spin ``m`` of an ``L x L`` lattice,
  ``N = L*L`` spins, temperature ``T`` with ``k_B = J = 1``.
* Estimators return :class:`Estimate` ``(value, error)``; non-linear ones are
  bias-corrected blocked-jackknife estimates.

Everything here is a pure function of its arguments (no global state).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "format_value_error",
    "format_with_systematic",
    "AutocorrelationError",
    "TauEstimate",
    "Estimate",
    "Peak",
    "Crossings",
    "autocorrelation_function",
    "integrated_autocorrelation_time",
    "choose_block_size",
    "mean_error_tau",
    "binning_error",
    "block_edges",
    "leave_one_block_out",
    "MIN_RESAMPLING_BLOCK",
    "resampling_block_length",
    "leave_one_block_out_means",
    "block_bootstrap_weights",
    "jackknife",
    "jackknife_error",
    "specific_heat",
    "susceptibility",
    "connected_susceptibility",
    "binder_cumulant",
    "thermodynamic_summary",
    "locate_peak",
    "find_crossings",
    "locate_crossing",
    "FiniteSizeFit",
    "weighted_line",
    "pdg_scale",
    "fit_finite_size",
    "SeedCombination",
    "combine_training_seeds",
    "student_t_factor",
    "FiniteSizeExtrapolation",
    "FormShift",
    "extrapolate_with_systematics",
    "weighted_polynomial",
]


# --------------------------------------------------------------------------
# result types


@dataclass(frozen=True)
class TauEstimate:
    """Integrated autocorrelation time with its Madras-Sokal error.

    Attributes
    ----------
    tau : float
        ``tau_int`` (Sokal convention, 1/2 for uncorrelated data), in steps.
    error : float
        ``tau * sqrt(2 (2 window + 1) / n)`` (Madras & Sokal 1988).
    window : int
        The summation window ``W`` chosen by the automatic windowing.
    n : int
        Length of the series.
    """

    tau: float
    error: float
    window: int
    n: int


class Estimate(NamedTuple):
    """A value and its one-standard-deviation error."""

    value: float
    error: float


class Peak(NamedTuple):
    """Position and height of the maximum of a sampled curve."""

    position: float
    height: float


class Crossings(NamedTuple):
    """Crossings of two sampled curves (:func:`find_crossings`), in increasing position."""

    positions: np.ndarray
    slopes: np.ndarray


class AutocorrelationError(ValueError, RuntimeError):
    """The series cannot support a trustworthy ``tau_int`` estimate.

    Raised when the chain is shorter than ``min_chain_factor * tau``, when the
    automatic window never closes, or when the estimate is not positive.
    The (untrustworthy) estimate is available as ``.estimate``.  Catchable as
    either ``ValueError`` or ``RuntimeError``.
    """

    def __init__(self, estimate: TauEstimate, message: str):
        super().__init__(message)
        self.estimate = estimate


# --------------------------------------------------------------------------
# autocorrelation


def _as_series(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"expected a 1-D series, got shape {x.shape}")
    if x.size < 2:
        raise ValueError(f"need at least 2 samples, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError("series contains NaN or inf")
    return x


def _next_pow_two(n: int) -> int:
    return 1 << max(0, int(n - 1).bit_length())


def autocorrelation_function(x) -> np.ndarray:
    """Normalised autocorrelation ``rho(t)``, ``t = 0 .. n-1``, of a 1-D series.

    ``rho(t) = C(t) / C(0)`` with the estimator of Madras & Sokal (1988) and
    Sokal (1997, eq. 3.5)::

        C(t) = 1/(n - t) * sum_{i=0}^{n-t-1} (x_i - xbar)(x_{i+t} - xbar)

    computed by FFT with zero padding to a power of two >= 2n - 1 (no
    circular wrap-around).  Values at lags comparable to ``n`` are noisy;
    only lags ``t << n`` are meaningful.

    A constant series (zero variance, e.g. ``|m| = 1`` in every sample at low
    T on a small lattice) has no defined correlation; we return
    ``rho = (1, 0, 0, ...)`` so that ``tau_int = 1/2`` (the samples carry no
    fluctuation, hence no correlated fluctuation), instead of NaN.
    """
    x = _as_series(x)
    n = x.size
    rho = np.zeros(n)
    rho[0] = 1.0
    if np.ptp(x) == 0.0:  # exactly constant: convention above
        return rho
    dx = x - x.mean()
    size = _next_pow_two(2 * n - 1)
    f = np.fft.rfft(dx, n=size)
    acov = np.fft.irfft(f * np.conjugate(f), n=size)[:n]
    acov /= np.arange(n, 0, -1)  # 1/(n - t)
    return acov / acov[0]


def integrated_autocorrelation_time(
    x, c: float = 6.0, min_chain_factor: float = 50, quiet: bool = False
) -> TauEstimate:
    """Integrated autocorrelation time by Sokal's automatic windowing.

    ``tau(W) = 1/2 + sum_{t=1}^{W} rho(t)``; the window is the smallest
    ``W`` with ``W >= c * tau(W)`` (Sokal 1997, "Monte Carlo methods in
    statistical mechanics", Cargese lectures, sec. 3; Madras & Sokal,
    J. Stat. Phys. 50, 109 (1988)).  ``c = 6`` suits near-exponential decay;
    use larger ``c`` for slower, non-exponential tails.  The error is the
    Madras-Sokal asymptotic formula ``sigma_tau = tau sqrt(2(2W+1)/n)``.

    Uncorrelated data give ``tau = 1/2`` (the error of a mean is then the
    naive ``sqrt(var/n)``); a constant series gives exactly 1/2 (see
    :func:`autocorrelation_function`).

    Bias: subtracting the sample mean biases ``tau`` low.  Measured on AR(1)
    series with ``c = 6``: -11 % at ``n = 50 tau``, -3 % at ``100 tau``,
    <~ 1 % from ``300 tau`` on.  Hence the ``n >= min_chain_factor * tau``
    check, made with the estimate itself, is lenient: ``n = 20 tau`` chains
    pass it ~20 % of the time.  Prefer chains of several hundred ``tau``.

    Parameters
    ----------
    x : array_like, 1-D
        The series, in time order.
    c : float
        Window constant.
    min_chain_factor : float
        The estimate is trusted only if ``n >= min_chain_factor * tau``
        (emcee's ``tol``; 50 is its default).
    quiet : bool
        If True, return an untrusted estimate with a ``RuntimeWarning``
        instead of raising.

    Returns
    -------
    TauEstimate

    Raises
    ------
    AutocorrelationError
        (unless ``quiet``) if ``n < min_chain_factor * tau``, if no window
        satisfies ``W >= c tau(W)`` within the series, or if ``tau <= 0``
        (strongly anticorrelated, e.g. period-2, series).  The exception
        carries the estimate as ``.estimate``.
    """
    x = _as_series(x)
    n = x.size
    rho = autocorrelation_function(x)
    taus = np.cumsum(rho) - 0.5  # taus[W] = 1/2 + sum_{t=1}^{W} rho(t)
    lags = np.arange(n)
    closed = (lags >= c * taus) & (lags >= 1)
    if np.any(closed):
        window = int(np.argmax(closed))
        problems = []
    else:
        window = n - 1
        problems = [f"window never closed (W >= {c:g} tau(W)) within n = {n}"]
    tau = float(taus[window])
    error = abs(tau) * math.sqrt(2.0 * (2 * window + 1) / n)
    estimate = TauEstimate(tau=tau, error=error, window=window, n=n)

    if tau <= 0.0:
        problems.append(f"non-positive tau = {tau:.3g} (anticorrelated series?)")
    elif n < min_chain_factor * tau:
        problems.append(
            f"chain of n = {n} is shorter than {min_chain_factor:g} tau = "
            f"{min_chain_factor * tau:.4g} (tau = {tau:.4g}, n/tau = {n / tau:.3g})"
        )
    if problems:
        message = "unreliable tau_int estimate: " + "; ".join(problems)
        if not quiet:
            raise AutocorrelationError(estimate, message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    return estimate


# --------------------------------------------------------------------------
# errors of means and of derived quantities


def choose_block_size(n: int, tau: float, max_blocks: int | None = None) -> int:
    """Block length for binning/jackknife of a series of ``n`` samples.

    ``B = ceil((2 n tau^2)^(1/3))``.  Blocks of length ``B`` underestimate the
    error by a relative ``~ tau / (2B)`` (for exponential decay), while the
    error estimate from ``n/B`` blocks has a relative statistical error
    ``~ sqrt(B / (2n))``; this ``B`` minimises the sum.  With
    ``n >= 50 tau`` it gives ``B >= 4.6 tau`` (bias <~ 11 %, usually far less:
    ``n = 10^4 tau`` gives ``B = 27 tau``, bias 2 %, ~370 blocks).

    ``max_blocks`` (if given) raises ``B`` so that there are at most that
    many blocks, which only lowers the bias.  ``B`` is capped at ``n // 2``.
    """
    if n < 2:
        raise ValueError(f"need at least 2 samples, got {n}")
    if not tau > 0:
        raise ValueError(f"tau must be positive, got {tau}")
    block = math.ceil((2.0 * n * tau * tau) ** (1.0 / 3.0))
    if max_blocks is not None:
        block = max(block, math.ceil(n / max_blocks))
    return int(min(max(block, 1), n // 2))


def mean_error_tau(x, tau: float | TauEstimate) -> float:
    """Error of the mean of a correlated series: ``sqrt(2 tau var / n)``.

    ``var`` is the sample variance (``ddof=1``), ``tau`` the integrated
    autocorrelation time in Sokal's convention (1/2 for independent samples,
    which recovers the textbook ``sqrt(var/n)``).  Accepts a
    :class:`TauEstimate` for ``tau``.
    """
    x = _as_series(x)
    if isinstance(tau, TauEstimate):
        tau = tau.tau
    if not tau > 0:
        raise ValueError(f"tau must be positive, got {tau}")
    return math.sqrt(2.0 * tau * np.var(x, ddof=1) / x.size)


def binning_error(x, block_size: int | None = None) -> float:
    """Standard error of the mean from non-overlapping block means.

    The series is cut into ``k = n // B`` consecutive blocks of lengths ``B``
    or slightly more (all samples used, lengths differing by at most one) and
    the error is that of the block means (Flyvbjerg & Petersen,
    J. Chem. Phys. 91, 461 (1989)), ``sigma^2 = (1/k) sum_j (xbar_j - xbar)^2
    / (n/m_j - 1)`` for blocks of length ``m_j``; for equal blocks this is
    ``var(block means, ddof=1) / k``, and it equals the jackknife error of the
    mean on the same blocks.  It is unbiased once ``B >> tau``; the squared
    error is low by a relative ``~ tau/B`` otherwise.

    ``block_size=None`` picks ``B`` with :func:`choose_block_size` from the
    series' own ``tau_int`` (which raises :class:`AutocorrelationError` if the
    series is too short to measure it).
    """
    x = _as_series(x)
    n = x.size
    k = _resolve_blocks(n, block_size, None, lambda: [integrated_autocorrelation_time(x).tau])
    edges = block_edges(n, k)
    sizes = np.diff(edges)
    block_means = np.add.reduceat(x, edges[:-1]) / sizes
    return float(math.sqrt(np.sum((block_means - x.mean()) ** 2 / (n / sizes - 1)) / k))


def block_edges(n: int, n_blocks: int) -> np.ndarray:
    """Edges of ``n_blocks`` contiguous blocks covering all ``n`` samples, lengths differing by
    at most one: block ``j`` is ``[edges[j], edges[j + 1])``.

    Integer arithmetic, ``edges[j] = (j n) // n_blocks``: the float form
    ``linspace(0, n, k + 1).astype(int)`` truncates ``j n / k`` one below an integer for some
    ``n`` (``n = 164, 328, ...`` at ``k = 20``) and so moves a sample between blocks.
    """
    return (np.arange(n_blocks + 1) * n) // n_blocks


def leave_one_block_out(n: int, n_blocks: int) -> list[np.ndarray]:
    """Indices of the samples kept by each of the ``n_blocks`` jackknife replicas: all but block
    ``j`` of :func:`block_edges`, in sample order."""
    edges = block_edges(n, n_blocks)
    return [np.r_[0 : edges[j], edges[j + 1] : n] for j in range(n_blocks)]


#: The shortest block in which stored samples are resampled (:func:`resampling_block_length`).
MIN_RESAMPLING_BLOCK = 5


def resampling_block_length(*series) -> int:
    """Length of the contiguous blocks in which a jackknife or bootstrap resamples correlated samples.

    ``series``: 1-D arrays of equal length ``n``, observables of the same samples in Monte Carlo
    (chain) order -- a subset of a chain, such as one part of the split, keeps the chain order of
    the samples it selects.  With ``tau`` the largest ``tau_int`` of the series::

        B = max(MIN_RESAMPLING_BLOCK, choose_block_size(n, tau)),   at most n // 2

    Stored samples are nominally 2 tau_int apart, yet near T_c the stored series' own
    ``tau_int`` reaches 1-2: resampling them one by one understates errors by a factor
    ``sqrt(2 tau_int)``.  Blocks of ``B`` understate the variance only by a relative ~``tau / B``
    (:func:`choose_block_size`, whose ``B >= 2 tau`` for ``n >= 4 tau``), and never fall below 5
    samples, because a ``tau_int`` measured on a short series is itself uncertain.  An estimate
    below 1/2 (an anticorrelated series, or one too short for the automatic window to close)
    counts as 1/2: the floor decides.  There are at least 2 blocks: ``B = 1`` (the delete-one
    jackknife) for ``n < 4``.
    """
    lengths = {np.shape(s) for s in series}
    if len(lengths) != 1 or len(next(iter(lengths))) != 1:
        raise ValueError(f"need one or more 1-D series of the same length, got shapes {sorted(lengths)}")
    n = len(series[0])
    if n < 4:
        return 1
    series = [_as_series(s) for s in series]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        taus = [integrated_autocorrelation_time(s, quiet=True).tau for s in series]
    tau = max([0.5, *taus])
    return min(max(MIN_RESAMPLING_BLOCK, choose_block_size(n, tau)), n // 2)


def leave_one_block_out_means(columns, block_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of per-sample ``columns`` ``(n, ...)`` and their delete-one-block replicas.

    The ``n`` samples (in chain order) are cut into ``k = n // block_length`` contiguous blocks of
    :func:`block_edges`; returns ``(means, replicas)``, ``replicas`` ``(k, ...)`` the means of all
    samples but block ``j``, from block sums in O(n).  A statistic of the means evaluated on each
    replica gives its blocked jackknife error with :func:`jackknife_error`; ``block_length=1`` is
    the delete-one jackknife.
    """
    columns = np.asarray(columns, dtype=float)
    n = columns.shape[0] if columns.ndim else 0
    if n < 1 or not 1 <= int(block_length) <= max(n // 2, 1):
        raise ValueError(f"need n >= 1 samples and 1 <= block_length <= n // 2, got n = {n}, {block_length}")
    edges = block_edges(n, n // int(block_length))
    kept = (n - np.diff(edges)).reshape((-1,) + (1,) * (columns.ndim - 1))
    total = columns.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return total / n, (total - np.add.reduceat(columns, edges[:-1], axis=0)) / kept


def block_bootstrap_weights(n: int, block_length: int, n_replicas: int, rng: np.random.Generator) -> np.ndarray:
    """Non-overlapping block bootstrap of ``n`` samples in chain order, as multiplicities.

    The samples are cut into ``k = n // block_length`` contiguous blocks of :func:`block_edges`,
    at least 2 for ``n >= 2`` (a longer ``block_length`` is shortened: a single block would give
    every replica all samples, and a zero error); each replica draws ``k`` blocks with
    replacement from ``rng`` (Carlstein, Ann. Stat. 14, 1171 (1986)).  Returns
    ``(n_replicas, n)`` int64: how often each sample enters each replica, so that a replica's
    mean of ``x`` is ``w @ x / w.sum()``.  Callers that share ``rng``'s stream, ``n`` and
    ``block_length`` share the draws, so their replicas pair up.  ``block_length=1`` is the
    i.i.d. bootstrap, drawing exactly as ``rng.integers(0, n, size=(n_replicas, n))``.  For a
    mean, the expected bootstrap variance is ``(k - 1)/k`` times the blocked jackknife's, as the
    i.i.d. bootstrap's is ``(n - 1)/n`` times the textbook one: 5 % in the error for 10 blocks.
    """
    if int(block_length) < 1:
        raise ValueError(f"block_length must be >= 1, got {block_length}")
    n_blocks = max(n // int(block_length), min(n, 2))
    sizes = np.diff(block_edges(n, n_blocks))
    draws = rng.integers(0, n_blocks, size=(n_replicas, n_blocks))
    # one bincount for all replicas: replica r's blocks are counted at r * n_blocks + block
    offsets = n_blocks * np.arange(n_replicas)[:, None]
    counts = np.bincount((draws + offsets).ravel(), minlength=n_replicas * n_blocks).reshape(n_replicas, n_blocks)
    return np.repeat(counts, sizes, axis=1).astype(np.int64)


def jackknife_error(replicas):
    """Delete-one-block jackknife error of a statistic from its replicas (along axis 0).

    For ``k`` replicas ``theta_j``, each computed from all samples but block ``j``::

        error = sqrt((k - 1)/k * sum_j (theta_j - mean_j theta_j)^2)

    the textbook formula for equal blocks (Efron 1982; Janke, NIC Series 10, 423 (2002)).  It
    is the convention of every reweighted analysis of this package (:mod:`deeprenorm.ensemble`
    and its callers): the estimate reported is the all-sample value, not bias-corrected, the
    blocks are those of :func:`block_edges`, and lengths that differ by one sample are treated
    as equal (the Busing weights of :func:`jackknife` would change the error by O(1/n)).

    NaN policy: the error is NaN (per element, for a stack of curves ``(k, ...)``) unless there
    are at least 2 replicas and every replica is finite. A replica that failed -- a peak that
    slid off the grid, a crossing that vanished -- leaves the spread undefined; it is never
    replaced by the spread of the others, which would understate it.
    """
    replicas = np.asarray(replicas, dtype=float)
    if replicas.ndim == 0:
        raise ValueError("replicas must have a leading replica axis")
    k = replicas.shape[0]
    if replicas.ndim == 1:
        if k < 2 or not np.all(np.isfinite(replicas)):
            return math.nan
        return float(math.sqrt((k - 1) / k * np.sum((replicas - replicas.mean()) ** 2)))
    if k < 2:
        return np.full(replicas.shape[1:], math.nan)
    with np.errstate(invalid="ignore"):
        error = np.sqrt((k - 1) / k * np.sum((replicas - replicas.mean(axis=0)) ** 2, axis=0))
    error[~np.all(np.isfinite(replicas), axis=0)] = math.nan
    return error


def _resolve_blocks(n, block_size, n_blocks, taus, max_blocks=None) -> int:
    if block_size is not None and n_blocks is not None:
        raise ValueError("give block_size or n_blocks, not both")
    if n_blocks is None:
        if block_size is None:
            block_size = choose_block_size(n, max(taus()), max_blocks=max_blocks)
        if int(block_size) < 1:
            raise ValueError(f"block_size must be >= 1, got {block_size}")
        n_blocks = n // int(block_size)
    n_blocks = int(n_blocks)
    if not 2 <= n_blocks <= n:
        raise ValueError(f"need 2 <= n_blocks <= n = {n}, got {n_blocks}")
    return n_blocks


def _jackknife_combine(theta_full, theta_loo, sizes) -> Estimate:
    # Delete-a-group jackknife for groups of unequal sizes m_j (Busing, Meijer
    # & van der Leeden, Stat. Comput. 9, 3 (1999)); for equal groups it is the
    # textbook blocked jackknife (Efron 1982; Janke, NIC Series 10, 423 (2002)):
    #   value = k theta - sum_j (1 - m_j/n) theta_j
    #   var   = (1/k) sum_j (pseudo_j - value)^2 / (h_j - 1),
    #   h_j = n/m_j, pseudo_j = h_j theta - (h_j - 1) theta_j.
    # The weights make the jackknife of a mean return exactly the mean.
    theta_full = np.asarray(theta_full, dtype=float)
    theta_loo = np.asarray(theta_loo, dtype=float)
    sizes = np.asarray(sizes, dtype=float)
    k, n = sizes.size, sizes.sum()
    h = (n / sizes).reshape((k,) + (1,) * theta_full.ndim)
    value = k * theta_full - np.sum((1.0 - 1.0 / h) * theta_loo, axis=0)
    pseudo = h * theta_full - (h - 1.0) * theta_loo
    error = np.sqrt(np.sum((pseudo - value) ** 2 / (h - 1.0), axis=0) / k)
    if value.ndim == 0:
        return Estimate(float(value), float(error))
    return Estimate(value, error)


def jackknife(
    func: Callable[..., float],
    *arrays,
    n_blocks: int | None = None,
    block_size: int | None = None,
    max_blocks: int = 256,
) -> Estimate:
    """Blocked (delete-one-block) jackknife of ``func(*arrays)``.

    ``arrays`` are per-sample arrays sharing axis 0 (samples, in time order);
    ``func`` maps them jointly to a number (or array), e.g.
    ``lambda e: N * e.var() / T**2``.  The samples are cut into ``k``
    contiguous blocks (lengths differing by at most one, all samples used);
    ``theta_i = func(all but block i)`` and, for equal blocks,

        value = k theta - (k - 1) mean(theta_i)          (bias-corrected)
        error = sqrt((k - 1)/k * sum_i (theta_i - mean(theta_i))^2)

    (Efron 1982; Janke, NIC Series 10, 423 (2002)), with the weights of
    Busing et al., Stat. Comput. 9, 3 (1999) for the +-1 unequal lengths, so
    that the jackknife of a mean is exactly the mean and its binning error.

    Blocks must be much longer than ``tau_int`` for correlated samples.  Give
    ``n_blocks`` or ``block_size``; with neither, ``block_size`` comes from
    :func:`choose_block_size` using the largest ``tau_int`` of the (1-D)
    input arrays, with at most ``max_blocks`` blocks because ``func`` is
    evaluated ``k + 1`` times on ~n samples.  If ``func`` depends on a
    series with longer memory than the inputs themselves, pass ``block_size``.
    ``block_size=1`` is the classic delete-one jackknife.
    """
    if not arrays:
        raise ValueError("need at least one array")
    arrays = [np.asarray(a) for a in arrays]
    n = arrays[0].shape[0] if arrays[0].ndim else 0
    if any(a.ndim == 0 or a.shape[0] != n for a in arrays):
        raise ValueError("all arrays need the same length along axis 0")

    def taus():
        if any(a.ndim != 1 for a in arrays):
            raise ValueError("automatic block size needs 1-D arrays; pass block_size")
        return [integrated_autocorrelation_time(a).tau for a in arrays]

    k = _resolve_blocks(n, block_size, n_blocks, taus, max_blocks=max_blocks)
    edges = block_edges(n, k)
    theta_full = func(*arrays)
    theta_loo = [func(*(np.concatenate((a[: edges[i]], a[edges[i + 1] :])) for a in arrays)) for i in range(k)]
    return _jackknife_combine(theta_full, theta_loo, np.diff(edges))


def _jackknife_of_means(func, series, block_size) -> Estimate:
    """Blocked jackknife of ``func(mean(s) for s in series)`` in O(n).

    Same partition and formulas as :func:`jackknife`, but the leave-one-block
    out means come from block sums; ``func`` must broadcast over arrays.
    ``block_size=None``: :func:`choose_block_size` with the largest
    ``tau_int`` of the series (no cap on the number of blocks: it is cheap).
    """
    series = [_as_series(s) for s in series]
    n = series[0].size
    if any(s.size != n for s in series):
        raise ValueError("all series need the same length")
    k = _resolve_blocks(n, block_size, None, lambda: [integrated_autocorrelation_time(s).tau for s in series])
    edges = block_edges(n, k)
    sizes = np.diff(edges)
    totals = [s.sum() for s in series]
    block_sums = [np.add.reduceat(s, edges[:-1]) for s in series]
    full = func(*(t / n for t in totals))
    loo = func(*((t - b) / (n - sizes) for t, b in zip(totals, block_sums)))
    return _jackknife_combine(full, loo, sizes)


# --------------------------------------------------------------------------
# thermodynamics of the 2D Ising model


def _n_spins(L: int) -> int:
    if int(L) != L or L < 1:
        raise ValueError(f"L must be a positive integer, got {L}")
    return int(L) * int(L)


def _check_T(T: float) -> float:
    if not T > 0:
        raise ValueError(f"T must be positive, got {T}")
    return float(T)


def specific_heat(energy, L: int, T: float, *, block_size: int | None = None) -> Estimate:
    """Specific heat per spin ``C = N (<e^2> - <e>^2) / T^2``.

    Blocked jackknife over the means of ``e`` and ``e^2``; ``block_size=None``
    chooses it from the larger ``tau_int`` of those two series
    (:func:`choose_block_size`).  The value is bias-corrected (the plain
    estimator is low by ``~ 2 tau C / n``).
    """
    N, T = _n_spins(L), _check_T(T)
    e = _as_series(energy)
    return _jackknife_of_means(lambda e1, e2: N * (e2 - e1 * e1) / T**2, [e, e * e], block_size)


def susceptibility(magnetization, L: int, T: float, *, block_size: int | None = None) -> Estimate:
    """Finite-size susceptibility ``chi = N <m^2> / T`` (``<m> = 0`` by symmetry).

    Linear in ``<m^2>``, so the jackknife reduces to the blocked error of that
    mean; ``block_size=None`` uses ``tau_int`` of ``m^2``.
    """
    N, T = _n_spins(L), _check_T(T)
    m = _as_series(magnetization)
    return _jackknife_of_means(lambda m2: N * m2 / T, [m * m], block_size)


def connected_susceptibility(magnetization, L: int, T: float, *, block_size: int | None = None) -> Estimate:
    """Connected susceptibility ``chi' = N (<m^2> - <|m|>^2) / T``.

    Blocked jackknife over the means of ``|m|`` and ``m^2``; ``block_size=None``
    uses the larger ``tau_int`` of those series.  Its peak lies above T_c and
    approaches it as ``1/L``.
    """
    N, T = _n_spins(L), _check_T(T)
    m = _as_series(magnetization)
    return _jackknife_of_means(lambda a1, m2: N * (m2 - a1 * a1) / T, [np.abs(m), m * m], block_size)


def _binder(m2, m4):
    return 1.0 - m4 / (3.0 * m2 * m2)


def binder_cumulant(magnetization, *, block_size: int | None = None) -> Estimate:
    """Binder cumulant ``U4 = 1 - <m^4> / (3 <m^2>^2)`` (Binder, Z. Phys. B 43, 119 (1981)).

    ``U4 -> 2/3`` in the ordered phase (``m = +-const``), ``-> 0`` for Gaussian
    ``m`` (disordered phase), ``0.61069`` at T_c on the square torus.
    Blocked jackknife over the means of ``m^2`` and ``m^4``
    (``block_size=None``: larger ``tau_int`` of the two).  Raises ValueError
    if ``<m^2> = 0``, where ``U4`` is undefined.
    """
    m = _as_series(magnetization)
    m2 = m * m
    if not np.any(m2 > 0):
        raise ValueError("Binder cumulant undefined: <m^2> = 0")
    return _jackknife_of_means(_binder, [m2, m2 * m2], block_size)


def thermodynamic_summary(
    energy, magnetization, L: int, T: float, *, block_size: int | None = None
) -> dict[str, Estimate]:
    """All per-temperature observables of one chain, with jackknife errors.

    Keys: ``e_mean`` (<e>), ``abs_m_mean`` (<|m|>), ``m2_mean`` (<m^2>),
    ``m4_mean`` (<m^4>), ``specific_heat``, ``susceptibility``,
    ``connected_susceptibility``, ``binder_cumulant`` (definitions as in the
    individual functions).  One block partition serves all of them; with
    ``block_size=None`` it comes from :func:`choose_block_size` with the
    largest ``tau_int`` among ``e, e^2, |m|, m^2, m^4`` (raising
    :class:`AutocorrelationError` if the chain is too short for any).  The
    signed ``m`` is not used, so slow tunnelling between ``+-m`` below T_c
    does not inflate the blocks.  ``binder_cumulant`` is NaN (with NaN
    error) if every ``m`` is 0.
    """
    N, T = _n_spins(L), _check_T(T)
    e = _as_series(energy)
    m = _as_series(magnetization)
    if e.size != m.size:
        raise ValueError(f"energy ({e.size}) and magnetization ({m.size}) differ in length")
    abs_m, m2 = np.abs(m), m * m
    series = [e, e * e, abs_m, m2, m2 * m2]
    if block_size is None:
        tau = max(integrated_autocorrelation_time(s).tau for s in series)
        block_size = choose_block_size(e.size, tau)

    def jk(func, *cols):
        return _jackknife_of_means(func, cols, block_size)

    with np.errstate(divide="ignore", invalid="ignore"):
        binder = jk(_binder, m2, m2 * m2)
    return {
        "e_mean": jk(lambda x: x, e),
        "abs_m_mean": jk(lambda x: x, abs_m),
        "m2_mean": jk(lambda x: x, m2),
        "m4_mean": jk(lambda x: x, m2 * m2),
        "specific_heat": jk(lambda e1, e2: N * (e2 - e1 * e1) / T**2, e, e * e),
        "susceptibility": jk(lambda x: N * x / T, m2),
        "connected_susceptibility": jk(lambda a1, x: N * (x - a1 * a1) / T, abs_m, m2),
        "binder_cumulant": binder,
    }


# --------------------------------------------------------------------------
# peaks and crossings of sampled curves


def _as_grid(x, *ys):
    x = np.asarray(x, dtype=float)
    ys = [np.asarray(y, dtype=float) for y in ys]
    if x.ndim != 1 or any(y.shape != x.shape for y in ys):
        raise ValueError("x and the curves must be 1-D arrays of equal length")
    if not (np.all(np.isfinite(x)) and all(np.all(np.isfinite(y)) for y in ys)):
        raise ValueError("NaN or inf in the curve")
    if x.size > 1 and not np.all(np.diff(x) > 0):
        raise ValueError("x must be strictly increasing")
    return (x, *ys)


def locate_peak(x, y, yerr=None, *, half_width: int = 2) -> Peak:
    """Maximum of a sampled curve by a least-squares parabola around the grid maximum.

    The parabola is fitted to the ``2 * half_width + 1`` grid points centred
    on ``argmax(y)`` (shifted inwards near the ends of the grid), weighted by
    ``1 / yerr`` if given; the vertex gives position and height.  Deterministic
    and cheap, so it can sit inside a jackknife/bootstrap loop that supplies
    the error bars.  Choose ``half_width`` so the fit window is narrower than
    the peak (the quartic term then biases the position by a small fraction
    of the grid spacing).  ``half_width=1`` is the parabola through the grid
    maximum and its two neighbours, the right choice on a fine grid of a
    smooth curve (e.g. a reweighted one).

    Raises ValueError if the grid maximum is on the first or last point (the
    peak is not bracketed), if the fitted parabola is not concave, or if its
    vertex falls outside the fit window.
    """
    x, y = _as_grid(x, y)
    half_width = int(half_width)
    if half_width < 1:
        raise ValueError("half_width must be >= 1")
    n_fit = 2 * half_width + 1
    if x.size < n_fit:
        raise ValueError(f"need at least {n_fit} points, got {x.size}")
    i = int(np.argmax(y))
    if i == 0 or i == x.size - 1:
        raise ValueError(f"maximum at the edge of the grid (x = {x[i]:g}); peak not bracketed")
    lo = min(max(i - half_width, 0), x.size - n_fit)
    window = slice(lo, lo + n_fit)
    if yerr is None:
        weights = None
    else:
        yerr = np.broadcast_to(np.asarray(yerr, dtype=float), y.shape)
        if not np.all(yerr[window] > 0):
            raise ValueError("yerr must be positive")
        weights = 1.0 / yerr[window]
    # fit in a centred, scaled variable for conditioning
    x0, scale = x[i], x[window][-1] - x[window][0]
    u = (x[window] - x0) / scale
    a, b, c0 = np.polyfit(u, y[window], 2, w=weights)
    if not a < 0:
        raise ValueError("fitted parabola is not concave; no resolvable maximum")
    u_peak = -b / (2.0 * a)
    if not u[0] <= u_peak <= u[-1]:
        raise ValueError("parabola vertex outside the fit window; maximum not resolved")
    return Peak(position=float(x0 + u_peak * scale), height=float(c0 - b * b / (4.0 * a)))


def find_crossings(x, y1, y2, *, bracket: tuple[float, float] | None = None) -> Crossings:
    """Every position where two sampled curves cross, by linear interpolation.

    With ``d = y1 - y2`` on the common grid ``x``, a crossing is a grid
    interval where ``d`` changes sign strictly (located by the zero of the
    straight line through the two end points, whose slope is reported) or a
    grid point where ``d == 0`` exactly (slope from :func:`numpy.gradient`;
    NaN on a one-point grid).
    ``bracket = (x_min, x_max)`` restricts the search to grid points inside
    that range (e.g. around T_c, away from noisy tails).

    Returns
    -------
    Crossings
        Positions in increasing order and the slopes ``d(y1 - y2)/dx`` there;
        both empty if the curves do not cross.  Never raises for that, so it
        can sit inside a jackknife loop; :func:`locate_crossing` picks one.
    """
    x, y1, y2 = _as_grid(x, y1, y2)
    if bracket is not None:
        inside = (x >= bracket[0]) & (x <= bracket[1])
        x, y1, y2 = x[inside], y1[inside], y2[inside]
    d = y1 - y2
    s = np.sign(d)
    on_grid = np.flatnonzero(s == 0)
    between = np.flatnonzero(s[:-1] * s[1:] < 0)
    secant = (d[between + 1] - d[between]) / (x[between + 1] - x[between])
    positions = np.r_[x[on_grid], x[between] - d[between] / secant]
    slopes = np.r_[np.gradient(d, x)[on_grid] if x.size > 1 else np.full(on_grid.size, np.nan), secant]
    order = np.argsort(positions)
    return Crossings(positions=positions[order], slopes=slopes[order])


def locate_crossing(x, y1, y2, *, bracket: tuple[float, float] | None = None, select: str = "unique") -> float:
    """Position where two sampled curves cross, by linear interpolation.

    The crossings are those of :func:`find_crossings`.  ``select`` says which
    one to return:

    ``"unique"``
        the only one; more than one is an error.
    ``"steepest"``
        the one where ``|d(y1 - y2)/dx|`` is largest: where the curves
        separate fastest.  For Binder cumulants of two lattice sizes this is
        the genuine crossing, not a zero of the noise where both curves lie
        on top of each other (``U4 -> 2/3`` deep in the ordered phase,
        ``-> 0`` far above T_c).

    Raises ValueError if there is no crossing, or (``"unique"``) more than
    one (the list of positions is in the message); restrict ``bracket`` to
    pick one.
    """
    if select not in ("unique", "steepest"):
        raise ValueError(f"select must be 'unique' or 'steepest', got {select!r}")
    found = find_crossings(x, y1, y2, bracket=bracket)
    if found.positions.size == 0:
        raise ValueError("the curves do not cross on the grid")
    if select == "steepest":
        return float(found.positions[np.argmax(np.abs(found.slopes))])
    if found.positions.size > 1:
        positions = ", ".join(f"{r:.6g}" for r in found.positions)
        raise ValueError(f"{found.positions.size} crossings ({positions}); pass a narrower bracket")
    return float(found.positions[0])


def format_value_error(value, error) -> str:
    """``2.2691 ± 0.0034``: the value to the decimal of the error's second significant digit;
    ``n/a`` for a missing or non-finite value, the value alone (4 significant digits) without a
    positive finite error.  None counts as missing."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if error is None or not (math.isfinite(error) and error > 0):
        return f"{value:.4g}"
    decimals = max(0, 1 - int(math.floor(math.log10(error))))
    return f"{value:.{decimals}f} ± {error:.{decimals}f}"


def format_with_systematic(value, error, systematic) -> str:
    """``2.2680 ± 0.0045 (stat) ± 0.0032 (sys)``: :func:`format_value_error`, then a finite
    systematic error to the statistical error's decimals (a systematic of 0 shows as 0.0000, not
    as a vanished term); the value with its statistical error alone where the systematic is
    missing or not finite."""
    text = format_value_error(value, error)
    if systematic is None or not math.isfinite(systematic) or " ± " not in text:
        return text
    decimals = len(text.split(" ± ")[0].partition(".")[2])
    return f"{text} (stat) ± {systematic:.{decimals}f} (sys)"


# --------------------------------------------------------------------------
# training seeds

# 0.8413: the upper quantile of the central one-sigma interval (68.27 %) of a Gaussian, which
# Student's t widens
ONE_SIGMA_QUANTILE = 0.5 * (1.0 + math.erf(1.0 / math.sqrt(2.0)))


def student_t_factor(n: int) -> float:
    """How much wider than ``s / sqrt(n)`` the one-sigma (68.27 %) interval of the mean of ``n``
    Gaussian draws is when their standard deviation is estimated by the sample's ``s``: the
    Student t quantile with ``n - 1`` degrees of freedom (1.84 for n = 2, 1.20 for n = 4, 1.10
    for n = 6; tends to 1).  NaN for n < 2."""
    if n < 2:
        return math.nan
    from scipy.stats import t as student_t  # scipy costs ~0.3 s to import

    return float(student_t.ppf(ONE_SIGMA_QUANTILE, n - 1))


class SeedCombination(NamedTuple):
    """:func:`combine_training_seeds`: the mean, its total error, and the two parts of it."""

    mean: float
    error: float
    statistical: float
    spread: float
    n: int


def combine_training_seeds(values, errors) -> SeedCombination:
    """The mean of one quantity measured with networks of ``n`` training seeds, all on the same
    test samples::

        error^2 = mean_i(errors_i^2) + (t_{n-1} s / sqrt(n))^2

    The statistical errors come from the common test samples, so they do not average down over
    seeds: ``statistical = sqrt(mean_i errors_i^2)`` is kept whole.  The seeds differ only by
    training noise, independent between seeds: their standard deviation ``s`` (``spread``,
    ddof = 1) estimates it, and its share of the mean's error is ``s / sqrt(n)`` widened by
    :func:`student_t_factor`, because ``s`` from a few seeds is itself uncertain (a one-sigma
    interval from 2 seeds is 1.84 times ``s / sqrt(2)``).  With one seed the training noise is
    unmeasured: ``spread`` is NaN and only the statistical error is kept.  Non-finite errors
    are left out of ``statistical`` (NaN when none is finite, and then ``error`` is the seed
    term alone).  ``values`` must be finite.
    """
    values = np.asarray(values, dtype=float).ravel()
    errors = np.asarray(errors, dtype=float).ravel()
    n = values.size
    if n == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"values must be finite and non-empty, got {values}")
    finite = errors[np.isfinite(errors)]
    statistical = float(np.sqrt(np.mean(finite**2))) if finite.size else math.nan
    if n == 1:
        return SeedCombination(float(values[0]), statistical, statistical, math.nan, 1)
    spread = float(np.std(values, ddof=1))
    training = student_t_factor(n) * spread / math.sqrt(n)
    error = math.hypot(training, statistical) if math.isfinite(statistical) else training
    return SeedCombination(float(np.mean(values)), error, statistical, spread, n)


# --------------------------------------------------------------------------
# finite-size fits


def weighted_line(x, y, sigma=None):
    """Least-squares line ``y = c0 + c1 x``: :func:`weighted_polynomial` of degree 1."""
    return weighted_polynomial(x, y, sigma, degree=1)


def weighted_polynomial(x, y, sigma=None, *, degree: int):
    """Least-squares polynomial ``y = c0 + c1 x + ... + c_degree x^degree``.

    With ``sigma`` the fit is weighted by ``1/sigma^2`` and the covariance is
    ``(A^T W A)^-1`` (errors taken as known); without, it is unweighted and the covariance is
    scaled by the residual variance (NaN without a degree of freedom).  Returns
    ``(coefficients, covariance, chi2, dof)``.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w = np.ones_like(x) if sigma is None else 1.0 / np.asarray(sigma, dtype=float) ** 2
    design = np.column_stack([x**power for power in range(degree + 1)])
    fisher = design.T @ (w[:, None] * design)
    covariance = np.linalg.inv(fisher)
    coefficients = covariance @ (design.T @ (w * y))
    residual = y - design @ coefficients
    chi2 = float(np.sum(w * residual**2))
    dof = x.size - (degree + 1)
    if sigma is None:
        covariance = covariance * (chi2 / dof if dof > 0 else math.nan)
    return coefficients, covariance, chi2, dof


def pdg_scale(chi2: float, dof: int) -> float:
    """Error scale factor ``max(1, sqrt(chi2/dof))`` (Particle Data Group convention): a fit
    whose points scatter more than their errors allow (corrections to scaling of small L) has
    its errors widened accordingly; 1 without a degree of freedom."""
    if dof <= 0:
        return 1.0
    return max(1.0, math.sqrt(chi2 / dof))


@dataclass(frozen=True)
class FiniteSizeFit:
    """Result of :func:`fit_finite_size`: ``T(L) = T_c_inf + a L^(-1/nu)``.

    ``n`` the points used, ``dof`` the degrees of freedom left (points minus parameters),
    ``chi2_dof`` NaN without a degree of freedom (or unweighted), ``nu_err`` 0 for a fixed nu,
    ``note`` what was fitted or why nothing could be (then the values are NaN).
    """

    T_c_inf: float
    T_c_inf_err: float
    a: float
    a_err: float
    nu: float
    nu_err: float
    chi2_dof: float
    n: int
    dof: int
    note: str

    @classmethod
    def failed(cls, nu: float, nu_err: float, n: int, note: str) -> FiniteSizeFit:
        return cls(math.nan, math.nan, math.nan, math.nan, nu, nu_err, math.nan, n, 0, note)


# fewest distinct sizes for a fit of T_c, a and nu that leaves a degree of freedom
FREE_NU_MIN_SIZES = 4

# the least relative change of L^(-1/nu) over the sizes for which a free-nu fit can tell the
# shift from T_c: below it (nu > ~10 for sizes 12 to 32) the two are one constant
FREE_NU_MIN_VARIATION = 0.1


def fit_finite_size(L, T, T_err, nu: float | None = None, *, correction: bool = False) -> FiniteSizeFit:
    """Finite-size extrapolation ``T(L) = T_c + a L^(-1/nu)`` of pseudo-critical temperatures.

    ``L``, ``T``, ``T_err``: sizes, T(L) and their one-sigma errors (``T_err=None``: unweighted,
    the errors then come from the scatter of the residuals).  Points with a non-finite ``T`` or
    an error that is not finite and positive are dropped.

    ``nu`` given (the 2D Ising value is 1): a weighted straight line in ``x = L^(-1/nu)``, the
    covariance ``(A^T W A)^-1`` (errors taken as known); two sizes give the exact line through
    both points.  ``nu_err`` is 0 (fixed).

    ``nu=None``: T_c, a and nu free, by :func:`scipy.optimize.curve_fit` (Levenberg-Marquardt,
    ``absolute_sigma=True``, fitted in ``omega = 1/nu`` from the nu = 1 line), for at least
    :data:`FREE_NU_MIN_SIZES` distinct sizes.  With 3 sizes the three parameters would pass
    exactly through the three points: no degree of freedom is left to test the form, the solve
    exists only when the differences T(L1) - T(L2) and T(L2) - T(L3) have the same sign, and its
    linearised error misstates an error that is strongly non-linear in the noise -- so 3 sizes
    give NaN with a note instead.  So does a fit whose ``L^(-1/nu)`` changes by less than
    :data:`FREE_NU_MIN_VARIATION` over the sizes (a huge nu: the term is a second constant and
    T_c is not determined).  ``nu_err`` is propagated from ``omega``'s.

    ``correction=True`` (``nu`` given): ``T(L) = T_c + a x + c x^2`` with ``x = L^(-1/nu)``, the
    next term of the shift's expansion, a weighted quadratic over at least 3 sizes (3 sizes pass
    through the points: no degree of freedom, the errors propagated from the points' alone).
    It measures how far the intercept depends on the form assumed (:func:`extrapolate_with_systematics`).

    Either way every error is multiplied by :func:`pdg_scale` when it exceeds 1.

    Never raises for too few points (NaN values and a note); raises ValueError for a
    non-positive ``nu`` or mismatched lengths.
    """
    L = np.asarray(L, dtype=float).ravel()
    T = np.asarray(T, dtype=float).ravel()
    if L.shape != T.shape:
        raise ValueError(f"L and T differ in length ({L.size} vs {T.size})")
    if nu is not None and not (math.isfinite(nu) and nu > 0):
        raise ValueError(f"nu must be positive or None, got {nu}")
    usable = np.isfinite(L) & (L > 0) & np.isfinite(T)
    if T_err is not None:
        T_err = np.broadcast_to(np.asarray(T_err, dtype=float).ravel(), T.shape)
        usable &= np.isfinite(T_err) & (T_err > 0)
    L, T = L[usable], T[usable]
    sigma = None if T_err is None else T_err[usable]
    if correction:
        if nu is None:
            raise ValueError("correction=True needs a fixed nu")
        return _corrected_fit(L, T, sigma, float(nu))
    if nu is not None:
        return _fixed_nu_fit(L, T, sigma, float(nu))
    return _free_nu_fit(L, T, sigma)


def _fit_with_errors(values, covariance, chi2, dof, sigma, nu, nu_err, n, note) -> FiniteSizeFit:
    """The fit's values with errors ``sqrt(diag(covariance))``, PDG-scaled when weighted."""
    scale = pdg_scale(chi2, dof) if sigma is not None else 1.0
    errors = np.sqrt(np.diag(covariance)) * scale
    if sigma is not None:
        chi2_dof = chi2 / dof if dof > 0 else math.nan
        if scale > 1.0:
            note += f"; errors scaled by sqrt(chi2/dof) = {scale:.2f}"
    else:
        chi2_dof = math.nan
        note += "; unweighted, errors from the residuals"
    nu_err = nu_err if nu_err is not None else float(errors[2] / values[2] ** 2)
    return FiniteSizeFit(
        float(values[0]), float(errors[0]), float(values[1]), float(errors[1]), nu, nu_err, chi2_dof, n, dof, note
    )


def _fixed_nu_fit(L, T, sigma, nu: float) -> FiniteSizeFit:
    sizes = np.unique(L)
    if sizes.size < 2:
        return FiniteSizeFit.failed(nu, 0.0, int(L.size), f"needs >= 2 sizes with T(L) and error, have {sizes.size}")
    coefficients, covariance, chi2, dof = weighted_line(L ** (-1.0 / nu), T, sigma)
    listed = ", ".join(f"{size:g}" for size in sizes)
    note = f"weighted fit T(L) = T_c + a L^(-1/nu), nu = {nu:g} fixed, over L = {listed}"
    return _fit_with_errors(coefficients, covariance, chi2, dof, sigma, nu, 0.0, int(L.size), note)


def _corrected_fit(L, T, sigma, nu: float) -> FiniteSizeFit:
    sizes = np.unique(L)
    if sizes.size < 3:
        return FiniteSizeFit.failed(
            nu, 0.0, int(L.size), f"a correction term needs >= 3 sizes with T(L) and error, have {sizes.size}"
        )
    coefficients, covariance, chi2, dof = weighted_polynomial(L ** (-1.0 / nu), T, sigma, degree=2)
    listed = ", ".join(f"{size:g}" for size in sizes)
    note = f"weighted fit T(L) = T_c + a L^(-1/nu) + c L^(-2/nu), nu = {nu:g} fixed, over L = {listed}"
    return _fit_with_errors(coefficients, covariance, chi2, dof, sigma, nu, 0.0, int(L.size), note)


class FormShift(NamedTuple):
    """How far one variant fit moves T_c(infinity) (:func:`extrapolate_with_systematics`):
    ``shift`` = T_c(variant) - T_c(headline); ``noise``, the shift's own statistical error;
    ``systematic``, the part of the shift beyond that noise."""

    shift: float
    noise: float
    systematic: float


@dataclass(frozen=True)
class FiniteSizeExtrapolation:
    """Result of :func:`extrapolate_with_systematics`: the headline fit, its two variants, how
    far each moves T_c and the systematic error that gives."""

    fit: FiniteSizeFit
    drop_smallest: FiniteSizeFit
    correction: FiniteSizeFit
    shifts: dict[str, FormShift]
    systematic: float

    @property
    def variants(self) -> dict[str, FiniteSizeFit]:
        return {"drop_smallest": self.drop_smallest, "correction": self.correction}


def _form_shift(variant: FiniteSizeFit, headline: FiniteSizeFit) -> FormShift:
    shift = variant.T_c_inf - headline.T_c_inf
    noise = math.sqrt(max(0.0, variant.T_c_inf_err**2 - headline.T_c_inf_err**2))
    return FormShift(shift, noise, math.sqrt(max(0.0, shift**2 - noise**2)))


def extrapolate_with_systematics(L, T, T_err, nu: float = 1.0) -> FiniteSizeExtrapolation:
    """T_c(infinity) with a statistical and a systematic error from the form of the fit.

    The headline is :func:`fit_finite_size` over every size with ``nu`` fixed; its form is an
    assumption (the shift T(L) - T_c has corrections beyond the leading L^(-1/nu), largest at
    the smallest L), so it is refitted two ways that relax it:

    ``drop_smallest``
        the same form without the smallest size (where corrections weigh most);
    ``correction``
        the next term of the expansion added, ``c L^(-2/nu)`` (``correction=True``).

    Each variant refits the same points with fewer constraints, so its intercept moves by noise
    alone: the headline fit is the variant's with one more constraint, and for such nested
    weighted least-squares fits the shift's own variance is the difference of the two
    intercepts' variances, ``noise^2 = sigma_variant^2 - sigma_headline^2``.  Only the shift
    beyond that noise says anything about the form (Barlow, "Systematic errors: facts and
    fictions", hep-ex/0207026): a variant's ``systematic`` part is
    ``sqrt(max(0, shift^2 - noise^2))``, and the headline's ``systematic`` is the largest over
    the variants that could be fitted (NaN when neither could: fewer than 3 sizes).  Without it,
    points drawn from the exact leading form would show a "systematic" of ~3 statistical errors
    from the noisier correction fit alone.  It is quoted beside, not added to, the statistical
    error.
    """
    L = np.asarray(L, dtype=float).ravel()
    T = np.asarray(T, dtype=float).ravel()
    errors = None if T_err is None else np.broadcast_to(np.asarray(T_err, dtype=float).ravel(), T.shape)
    fit = fit_finite_size(L, T, errors, nu=nu)
    usable = np.isfinite(L) & np.isfinite(T)
    if errors is not None:
        usable &= np.isfinite(errors) & (errors > 0)
    larger = usable & (L > np.min(L[usable])) if usable.any() else usable
    drop_smallest = fit_finite_size(L[larger], T[larger], None if errors is None else errors[larger], nu=nu)
    correction = fit_finite_size(L, T, errors, nu=nu, correction=True)
    shifts = {
        name: _form_shift(variant, fit)
        for name, variant in (("drop_smallest", drop_smallest), ("correction", correction))
        if math.isfinite(variant.T_c_inf) and math.isfinite(fit.T_c_inf)
    }
    systematic = max((shift.systematic for shift in shifts.values()), default=math.nan)
    return FiniteSizeExtrapolation(fit, drop_smallest, correction, shifts, systematic)


def _free_nu_fit(L, T, sigma) -> FiniteSizeFit:
    from scipy.optimize import OptimizeWarning, curve_fit  # scipy costs ~0.3 s to import

    n, sizes = int(L.size), np.unique(L)
    listed = ", ".join(f"{size:g}" for size in sizes)
    if sizes.size < FREE_NU_MIN_SIZES:
        return FiniteSizeFit.failed(
            math.nan, math.nan, n, f"free nu needs >= {FREE_NU_MIN_SIZES} sizes with T(L) and error, have {sizes.size}"
        )
    start, _, _, _ = weighted_line(1.0 / L, T, sigma)

    def model(size, T_c, a, omega):
        return T_c + a * size ** (-omega)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", OptimizeWarning)
            with np.errstate(all="ignore"):
                parameters, covariance = curve_fit(
                    model,
                    L,
                    T,
                    p0=(start[0], start[1], 1.0),
                    sigma=sigma,
                    absolute_sigma=sigma is not None,
                    maxfev=20000,
                )
    except (RuntimeError, OptimizeWarning, ValueError) as reason:
        return FiniteSizeFit.failed(math.nan, math.nan, n, f"free-nu fit over L = {listed} failed: {reason}")
    omega = float(parameters[2])
    if not (omega > 0 and np.all(np.isfinite(covariance))):
        return FiniteSizeFit.failed(
            math.nan, math.nan, n, f"free-nu fit over L = {listed} found no positive nu (1/nu = {omega:.3g})"
        )
    # a term L^(-1/nu) that is nearly constant over the sizes is a second constant: T_c and a
    # trade off without bound (T_c = -129 +- 1e6 at nu = 2349 was seen), so nothing is measured
    variation = 1.0 - (sizes.max() / sizes.min()) ** (-omega)
    if variation < FREE_NU_MIN_VARIATION:
        return FiniteSizeFit.failed(
            math.nan,
            math.nan,
            n,
            f"free-nu fit over L = {listed} is degenerate: its L^(-1/nu) term (nu = {1 / omega:.3g}) changes by "
            f"{100 * variation:.2g} % over the sizes, so T_c and a are not separately determined",
        )
    chi2 = float(np.sum(((T - model(L, *parameters)) / sigma) ** 2)) if sigma is not None else math.nan
    note = f"fit T(L) = T_c + a L^(-1/nu), nu free, over L = {listed}"
    return _fit_with_errors(parameters, covariance, chi2, n - 3, sigma, 1.0 / omega, None, n, note)
