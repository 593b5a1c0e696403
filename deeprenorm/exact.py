"""Exact results for the zero-field square-lattice Ising model.

Conventions: ``L x L`` torus, ``N = L*L`` spins, ``J = k_B = 1``, coupling
``K = 1/T``.  The energy ``E = -sum_<ij> s_i s_j`` runs over the ``2N``
nearest-neighbour bonds (on the ``2 x 2`` torus each neighbour pair is joined
by two bonds), ``e = E/N`` and the specific heat per spin is
``c = (<E^2> - <E>^2) / (N T^2)``.  Functions of ``T`` accept a scalar or an
array and return a float or an ndarray of the same shape.

Three families of results:

* infinite lattice: Onsager (1944) energy, specific heat and free energy,
  Yang (1952) spontaneous magnetisation, the exponential correlation length
  (Onsager 1944 above T_c, McCoy & Wu 1973 below);
* finite ``L x L`` torus: Kaufman's (1949) partition function in the form of
  Ferdinand & Fisher (1969), with analytic K-derivatives (below T = 0.5 the
  low-temperature series or the enumerated density of states, where
  Kaufman's terms cancel);
* brute-force enumeration of all ``2^N`` states for ``L <= 5`` (energies,
  magnetisations, density of states, observables), the reference the other
  two are tested against.
"""

from __future__ import annotations

import math
from functools import cache
from numbers import Integral

import numpy as np

__all__ = [
    "T_C",
    "K_C",
    "BETA",
    "GAMMA",
    "NU",
    "ALPHA",
    "DELTA",
    "ETA",
    "BINDER_CRITICAL",
    "DYNAMIC_EXPONENTS",
    "T_MAX_FINITE",
    "onsager_energy",
    "onsager_specific_heat",
    "onsager_free_energy",
    "yang_magnetization",
    "correlation_length",
    "finite_log_partition",
    "finite_energy",
    "finite_specific_heat",
    "enumerate_states",
    "density_of_states",
    "exact_small_lattice_observables",
]

# --------------------------------------------------------------------------
# constants

#: Critical coupling, ``sinh(2 K_c) = 1``.
K_C = 0.5 * math.log1p(math.sqrt(2.0))
#: Critical temperature ``2 / ln(1 + sqrt 2)``.
T_C = 2.0 / math.log1p(math.sqrt(2.0))

# Critical exponents of the 2D Ising universality class (alpha = 0 means a
# logarithmic divergence of c, not a finite cusp).
ALPHA = 0.0
BETA = 1.0 / 8.0
GAMMA = 7.0 / 4.0
DELTA = 15.0
NU = 1.0
ETA = 1.0 / 4.0

#: Binder cumulant ``U4 = 1 - <m^4>/(3 <m^2>^2)`` at ``T_c`` on the square
#: torus for ``L -> infinity`` (Kamieniarz & Bloete 1993; Salas & Sokal 2000).
BINDER_CRITICAL = 0.61069

#: Dynamic critical exponents ``tau ~ L^z`` at ``T_c``, time in sweeps.
#: Metropolis: 2.1665(12), Nightingale & Bloete, PRL 76, 4548 (1996).
#: Swendsen-Wang and Wolff share one exponent (Baillie & Coddington 1990);
#: a power law z ~ 0.25 fits, though ``log L`` fits better (Du, Zheng & Wang
#: 2006 see logarithmic growth up to L = 8192), and Swendsen & Wang's original
#: 0.35 (PRL 58, 86, 1987) is now considered too high.  So the cluster values
#: are effective exponents for plots, not universal constants.
DYNAMIC_EXPONENTS = {"metropolis": 2.1665, "swendsen_wang": 0.25, "wolff": 0.25}

#: Highest temperature the finite-lattice functions accept.  Kaufman's
#: prefactor and products are O(1/K) and cancel to the O(K) result, so the
#: relative error grows like eps T^2 / 4 and reaches 1e-10 near T = 1000.
T_MAX_FINITE = 1000.0

# Below T = 1/_K_LOW_T the specific heat, c ~ 64 K^2 exp(-8K), is what is
# left after the O(exp(-4K)) Kaufman terms cancel, and its relative error
# grows like eps exp(6.5K) (up to 1e-10 at T = 0.5).  There the finite-lattice
# functions switch to the low-temperature expansion (L >= 6, truncation
# error ~336 exp(-16K) < 5e-12) or to the enumerated density of states.
_K_LOW_T = 2.0

# ln Z = 2NK + ln 2 + N sum_k a_k u^k + O(N u^6), u = exp(-4K): the cumulant
# form of Beale's (1996) g_0..g_5 (g_2 = 2N, g_3 = 4N, g_4 = N^2 + 9N,
# g_5 = 4N^2 + 24N), valid for L > 5, where no excitation wraps the torus
# below the u^6 order.
_LOW_T_SERIES = ((2, 1.0), (3, 2.0), (4, 4.5), (5, 12.0))

# Largest lattices the enumeration routines accept: 2^16 states can be
# returned as arrays, 2^25 only streamed into a histogram.
_L_MAX_STATES = 4
_L_MAX_HISTOGRAM = 5

# Complete elliptic integrals as power series in q = kappa^2, used where
# q <= 0.5 (T < 1.28 or T > 4.96) so that the cancellations in Onsager's
# formulas at low and high T can be done term by term.
# (2/pi) K1 = sum a_n q^n, a_n = [(2n-1)!! / (2n)!!]^2.
_Q_SERIES = 0.5
_N_SERIES = 64
_A_SERIES = np.cumprod(np.r_[1.0, (1.0 - 0.5 / np.arange(1, _N_SERIES)) ** 2])


# --------------------------------------------------------------------------
# input checking


def _temperature(T, t_max=None):
    """Return ``(K, scalar)``: couplings as a float array, ``K = K_C`` exactly at ``T_C``."""
    allowed = "finite and > 0" if t_max is None else f"finite with 0 < T <= {t_max:g}"
    try:
        t = np.asarray(T, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"T must be {allowed}, got {T!r}") from err
    if not np.all(np.isfinite(t)) or np.any(t <= 0) or (t_max is not None and np.any(t > t_max)):
        raise ValueError(f"T must be {allowed}, got {T!r}")
    # 1/T_C rounds to K_C today, but keep the critical point exact by
    # construction rather than by luck of rounding.
    return np.where(t == T_C, K_C, 1.0 / t), t.ndim == 0


def _lattice_size(L, lo, hi=None):
    """Validate an integer linear size ``lo <= L (<= hi)``."""
    ok = isinstance(L, Integral) and not isinstance(L, bool)
    if ok and L >= lo and (hi is None or L <= hi):
        return int(L)
    allowed = f"{lo} <= L <= {hi}" if hi is not None else f"L >= {lo}"
    raise ValueError(f"L must be an integer with {allowed}, got {L!r}")


def _result(x, scalar):
    return float(x) if scalar else x


# --------------------------------------------------------------------------
# infinite lattice (Onsager 1944, Yang 1952)


def _onsager_brackets(K):
    """Return ``(coth 2K, P, B)`` with ``u = -coth(2K) P`` and ``c = 2 (K coth 2K)^2 B``.

    With ``F = (2/pi) K1(kappa)``, ``G = (2/pi) E1(kappa)``, the signed
    complementary modulus ``k' = 1 - 2 tanh^2 2K`` (``kappa^2 + k'^2 = 1``,
    negative below T_c) and ``sech^2 2K = (1 + k')/2``:
    ``P = 1 - k' F`` and ``B = F - G - sech^2(2K) (1 - k' F)``.

    Near T_c the closed forms are used, K1 from ``ellipkm1(k'^2)`` because
    ``m = kappa^2`` rounds to 1 there.  Where ``q = kappa^2 <= 0.5`` both P
    (above T_c, P = O(K^2)) and B (both sides, B = O(q^2) below T_c) are
    small differences of O(1) terms, so they are summed as power series in
    q with the leading terms cancelled analytically; every remaining term
    is then positive or at worst halves the sum.  At ``T_c`` itself
    ``P = 1`` (``k' F -> 0``) and ``B = inf``.
    """
    tanh2k = np.tanh(2.0 * K)
    coth = 1.0 / tanh2k
    kp = 1.0 - 2.0 * tanh2k**2
    # kappa = 2 tanh 2K sech 2K, with sech written so as not to overflow
    sech = 2.0 * np.exp(-2.0 * K) / (1.0 + np.exp(-4.0 * K))
    q = (2.0 * tanh2k * sech) ** 2
    crit = (kp == 0.0) | (K == K_C)

    # scipy is imported where it is used: the Monte Carlo jobs import this module for T_C alone,
    # and scipy would add half a second to each of them.
    from scipy import special

    p = kp * kp
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (2.0 / np.pi) * special.ellipkm1(p)
        g = (2.0 / np.pi) * special.ellipe(1.0 - p)
        P = np.where(crit, 1.0, 1.0 - kp * f)
        B = np.where(crit, np.inf, f - g - 0.5 * (1.0 + kp) * P)

    small = q <= _Q_SERIES
    if np.any(small):
        qs = q[small][..., None] ** np.arange(_N_SERIES)
        kpp = np.sqrt(1.0 - q[small])  # |k'|
        n = np.arange(1, _N_SERIES)
        f1 = (_A_SERIES[1:] * qs[..., 1:]).sum(axis=-1)  # F - 1
        d = (_A_SERIES[1:] * qs[..., 1:] * (2.0 * n / (2.0 * n - 1.0))).sum(axis=-1)  # F - G
        one_minus_kpp = q[small] / (1.0 + kpp)
        above = kp[small] > 0.0
        # above T_c: 1 - k' F = (1 - |k'|) - |k'| (F - 1), both O(q)
        p_above = one_minus_kpp - kpp * f1
        b_above = d - 0.5 * (1.0 + kpp) * p_above
        # below T_c the O(q) terms of F - G and sech^2 (1 + |k'| F) cancel;
        # the rest is sum_{n>=2} a_{n-1} (n-1)/(2n) q^n + (1 - |k'|)(F - 1)/2
        b_coef = _A_SERIES[:-1] * (n - 1.0) / (2.0 * n)
        b_below = (b_coef * qs[..., 1:]).sum(axis=-1) + 0.5 * one_minus_kpp * f1
        P[small] = np.where(above, p_above, 1.0 + kpp * (1.0 + f1))
        B[small] = np.where(above, b_above, b_below)
    return coth, P, B


def onsager_energy(T):
    """Energy per spin of the infinite lattice (Onsager 1944).

    ``u = -coth 2K [1 + (2/pi)(2 tanh^2 2K - 1) K1(kappa)]``,
    ``kappa = 2 sinh 2K / cosh^2 2K``, with K1 the complete elliptic integral
    of the first kind of modulus kappa.  Continuous at ``T_c``, where
    ``u = -sqrt 2``.  Accurate to ~1e-15 relative at all T (series in
    ``kappa^2`` away from T_c, see ``_onsager_brackets``).
    """
    K, scalar = _temperature(T)
    coth, P, _ = _onsager_brackets(K)
    u = np.where(K == K_C, -math.sqrt(2.0), -coth * P)
    return _result(u, scalar)


def onsager_specific_heat(T):
    """Specific heat per spin of the infinite lattice (Onsager 1944).

    ``c = (4/pi)(K coth 2K)^2 {K1 - E1 - (1 - tanh^2 2K)[pi/2 + (2 tanh^2 2K - 1) K1]}``
    with K1, E1 the complete elliptic integrals of modulus
    ``kappa = 2 sinh 2K / cosh^2 2K``.  The prefactor is 4/pi with a single
    ``K1 - E1`` (the often-quoted 2/pi form needs ``2K1 - 2E1`` *and* a
    doubled last bracket).  Returns ``+inf`` at ``T = T_C`` (alpha = 0,
    logarithmic divergence).
    """
    K, scalar = _temperature(T)
    coth, _, B = _onsager_brackets(K)
    c = 2.0 * (K * coth) ** 2 * B
    return _result(c, scalar)


def _onsager_log_partition(K):
    """``-beta f`` at one coupling from the 1-D reduction of Onsager's integral."""
    s2k = 2.0 * K
    kp2 = (1.0 - 2.0 * math.tanh(s2k) ** 2) ** 2

    def integrand(th):
        # 1 - kappa^2 sin^2 th written as cos^2 th + k'^2 sin^2 th stays
        # accurate where kappa -> 1 (near T_c)
        return math.log(0.5 * (1.0 + math.sqrt(math.cos(th) ** 2 + kp2 * math.sin(th) ** 2)))

    from scipy import integrate

    integral, _ = integrate.quad(integrand, 0.0, 0.5 * math.pi, epsabs=1e-14, epsrel=1e-13, limit=200)
    log_2cosh = s2k + math.log1p(math.exp(-2.0 * s2k))
    return log_2cosh + integral / math.pi


def onsager_free_energy(T):
    """Dimensionless free energy ``-beta f = lim ln Z / N`` of the infinite lattice.

    Onsager (1944):
    ``-beta f = ln 2 + (1/2pi^2) int_0^pi int_0^pi ln[cosh^2 2K - sinh 2K (cos a + cos b)] da db``,
    evaluated through the equivalent single integral
    ``ln(2 cosh 2K) + (1/pi) int_0^{pi/2} ln[(1 + sqrt(1 - kappa^2 sin^2 t)) / 2] dt``.
    At ``T_c`` this is ``2G/pi + ln(2)/2`` (G = Catalan's constant).
    Returns ``-beta f`` (positive), not ``f``.
    """
    K, scalar = _temperature(T)
    out = np.vectorize(_onsager_log_partition, otypes=[float])(K)
    return _result(out, scalar)


def yang_magnetization(T):
    """Spontaneous magnetisation per spin (Yang 1952).

    ``M = [1 - sinh^-4(2K)]^(1/8)`` for ``T < T_c`` and 0 for ``T >= T_c``.
    """
    K, scalar = _temperature(T)
    # csch written with exp(-2K) so that it cannot overflow at low T
    ordered = K > K_C
    csch = 2.0 * np.exp(-2.0 * K) / -np.expm1(-4.0 * K)
    csch4 = np.where(ordered, csch, 0.0) ** 4
    # rounding can push 1 - csch^4 a hair below 0 right at T_c
    m = np.where(ordered, np.clip(1.0 - csch4, 0.0, None) ** 0.125, 0.0)
    return _result(m, scalar)


def correlation_length(T):
    """Exponential correlation length ``xi`` along a lattice axis, in lattice spacings.

    ``xi`` is the decay length of the connected correlation ``<s_0 s_r> - M^2 ~ exp(-r / xi)``
    (times a power of r) for r along a row or column of the infinite lattice.  With the dual
    coupling ``K*``, ``tanh K* = exp(-2K)``, so ``2K* = -ln tanh K``:

    * ``T > T_c``: ``1/xi = 2 (K* - K) = -ln tanh K - 2K``, the gap between the two largest
      eigenvalues of the row-to-row transfer matrix (Onsager 1944, his ``gamma_0``; Kaufman &
      Onsager 1949);
    * ``T < T_c``: ``1/xi = 4 (K - K*) = 2 (2K + ln tanh K)``.  The two largest eigenvalues
      become degenerate (the two ordered states) and the connected correlation decays through
      two quasi-particles, at twice the gap of the dual temperature: ``xi(T) = xi(T*) / 2``
      (McCoy & Wu, "The Two-Dimensional Ising Model", 1973, ch. XI; Wu, McCoy, Tracy & Barouch,
      Phys. Rev. B 13, 316 (1976): ``~ r^(-1/2) exp(-r/xi)`` above T_c, ``~ r^(-2) exp(-r/xi)``
      below);
    * ``+inf`` at ``T_c``.  Since ``2K + ln tanh K = 4 (K - K_c) + O((K - K_c)^2)``,
      ``xi ~ 1 / (4 |K - K_c|)`` above and ``1 / (8 |K - K_c|)`` below: nu = 1 with the
      amplitude ratio 2.

    Along a diagonal the decay length differs away from T_c (it is isotropic only as T -> T_c).
    ``xi -> 0`` at both ends: like ``1 / ln T`` as T -> inf and ``T / 4`` as T -> 0.
    """
    K, scalar = _temperature(T)
    # ln tanh K from exp(-2K): accurate where tanh K rounds to 1 (low T)
    q = np.exp(-2.0 * K)
    gap = np.abs(2.0 * K + np.log(-np.expm1(-2.0 * K)) - np.log1p(q))
    rate = np.where(K > K_C, 2.0 * gap, gap)
    with np.errstate(divide="ignore"):
        xi = np.where(K == K_C, np.inf, 1.0 / rate)
    return _result(xi, scalar)


# --------------------------------------------------------------------------
# finite torus (Kaufman 1949, Ferdinand & Fisher 1969)


def _log_cosh_terms(x, dx, ddx):
    """``ln 2cosh x`` and its first two K-derivatives, for signed ``x``."""
    a = np.abs(x)
    q = np.exp(-2.0 * a)
    tanh = np.sign(x) * (1.0 - q) / (1.0 + q)
    sech2 = 4.0 * q / (1.0 + q) ** 2
    return a + np.log1p(q), dx * tanh, ddx * tanh + dx * dx * sech2


def _log_sinh_terms(x, dx, ddx):
    """``ln 2sinh x`` and its first two K-derivatives, for ``x > 0``."""
    q = np.exp(-2.0 * x)
    one_minus_q = -np.expm1(-2.0 * x)
    coth = (1.0 + q) / one_minus_q
    csch2 = 4.0 * q / one_minus_q**2
    return x + np.log(one_minus_q), dx * coth, ddx * coth - dx * dx * csch2


def _kaufman(L, K):
    """``ln Z`` and its first two K-derivatives for the ``L x L`` torus.

    ``Z = (1/2)(2 sinh 2K)^(N/2) (Z1 + Z2 + Z3 + Z4)`` with
    ``Z1,2 = prod_{l odd} 2cosh, 2sinh (L gamma_l / 2)`` and
    ``Z3,4 = prod_{l even} 2cosh, 2sinh (L gamma_l / 2)`` over
    ``0 <= l < 2L``.  Every factor except the ``l = 0`` one of Z4 is
    positive, so Z1..Z3 and the rest of Z4 are carried as logarithms with
    derivatives, and ``2 sinh(L gamma_0 / 2)`` (negative above T_c, zero at
    T_c) is applied explicitly; all four terms and their derivatives are
    then scaled by a common ``exp(-max log)``.
    """
    n = L
    N = L * L
    k = K[..., None]
    half = 0.5 * n

    # gamma_0 = 2K + ln tanh K = 2(K - K*) carries the sign of T_c - T.
    g0 = 2.0 * k + np.log(np.tanh(k))
    csch2k = 1.0 / np.sinh(2.0 * k)
    coth2k = 1.0 / np.tanh(2.0 * k)
    dg0 = 2.0 + 2.0 * csch2k
    ddg0 = -4.0 * coth2k * csch2k

    # cosh gamma_l = c(K) - cos(pi l/n) with c(K) = cosh2K coth2K = 1 + cosh gamma_0;
    # c' = sinh(g0) g0' vanishes at T_c without the cancellation of sinh^2 2K - 1.
    dc = np.sinh(g0) * dg0
    ddc = np.cosh(g0) * dg0**2 + np.sinh(g0) * ddg0

    # sinh^2(gamma_l/2) = sinh^2(gamma_0/2) + sin^2(pi l/2n): no arccosh of a
    # number near 1, and gamma_l > 0 for 1 <= l < 2n.
    ell = np.arange(1, 2 * n)
    y = np.sqrt(np.sinh(0.5 * g0) ** 2 + np.sin(0.5 * np.pi * ell / n) ** 2)
    gl = 2.0 * np.arcsinh(y)
    sinh_gl = 2.0 * y * np.sqrt(1.0 + y * y)
    coth_gl = (1.0 + 2.0 * y * y) / sinh_gl
    dgl = dc / sinh_gl
    ddgl = ddc / sinh_gl - coth_gl * dgl**2

    x, dx, ddx = half * gl, half * dgl, half * ddgl
    odd = (ell % 2) == 1
    ev = ~odd

    def summed(terms, mask):
        return tuple(t[..., mask].sum(axis=-1) for t in terms)

    lam1 = summed(_log_cosh_terms(x, dx, ddx), odd)
    lam2 = summed(_log_sinh_terms(x, dx, ddx), odd)
    cosh_even = summed(_log_cosh_terms(x, dx, ddx), ev)
    p, dp, ddp = summed(_log_sinh_terms(x, dx, ddx), ev)

    x0, dx0, ddx0 = (half * v[..., 0] for v in (g0, dg0, ddg0))
    c0 = _log_cosh_terms(x0, dx0, ddx0)
    lam3 = tuple(a + b for a, b in zip(cosh_even, c0))

    # 2 sinh(x0) = exp(|x0|) * a0, and its derivatives exp(|x0|) * (b0 x0'),
    # exp(|x0|) * (a0 x0'^2 + b0 x0''), all finite at x0 = 0.
    ax0 = np.abs(x0)
    a0 = np.sign(x0) * -np.expm1(-2.0 * ax0)
    b0 = 1.0 + np.exp(-2.0 * ax0)
    log4 = ax0 + p

    top = np.maximum(np.maximum(lam1[0], lam2[0]), np.maximum(lam3[0], log4))
    w = [np.exp(lam[0] - top) for lam in (lam1, lam2, lam3)]
    w4 = np.exp(log4 - top)

    # |Z4| <= Z3, so S0 >= Z1 + Z2 > 0: no cancellation in the sum.
    s0 = w[0] + w[1] + w[2] + w4 * a0
    s1 = w[0] * lam1[1] + w[1] * lam2[1] + w[2] * lam3[1] + w4 * (a0 * dp + b0 * dx0)
    mean = s1 / s0
    # Second derivative taken about the mean slope: sum w (lam'' + (lam' - mean)^2)
    # avoids subtracting two O(N^2) numbers to get an O(N) result.
    d4 = dp - mean
    s2 = sum(wi * (lam[2] + (lam[1] - mean) ** 2) for wi, lam in zip(w, (lam1, lam2, lam3)))
    s2 = s2 + w4 * (a0 * (ddp + d4**2) + 2.0 * b0 * dx0 * d4 + a0 * dx0**2 + b0 * ddx0)

    log_pref = 0.5 * N * np.log(2.0 * np.sinh(2.0 * K))
    lnz = -math.log(2.0) + log_pref + top + np.log(s0)
    d1 = N / np.tanh(2.0 * K) + mean
    d2 = -2.0 * N / np.sinh(2.0 * K) ** 2 + s2 / s0
    return lnz, d1, d2


def _boltzmann(energy, count, K):
    """Normalised weights ``count * exp(-K E)`` (levels on the last axis) and ``ln Z``."""
    k = K[..., None]
    # measured from the lowest level, so nothing overflows at any K
    logw = np.log(count) - k * (energy - energy.min())
    top = logw.max(axis=-1, keepdims=True)
    w = np.exp(logw - top)
    total = w.sum(axis=-1, keepdims=True)
    lnz = -K * energy.min() + top[..., 0] + np.log(total[..., 0])
    return w / total, lnz


def _levels(energy, count, K):
    """``ln Z``, ``d ln Z/dK = -<E>`` and ``d2 ln Z/dK2 = Var E`` from energy levels."""
    w, lnz = _boltzmann(energy, count, K)
    mean = (w * energy).sum(axis=-1)
    var = (w * (energy - mean[..., None]) ** 2).sum(axis=-1)
    return lnz, -mean, var


def _low_temperature_series(L, K):
    """``ln Z`` and its K-derivatives from the expansion in ``u = exp(-4K)`` (L >= 6)."""
    N = L * L
    u = np.exp(-4.0 * K)
    lnz = 2.0 * N * K + math.log(2.0)
    d1 = np.full_like(K, 2.0 * N)
    d2 = np.zeros_like(K)
    for k, a in _LOW_T_SERIES:
        term = N * a * u**k
        lnz = lnz + term
        d1 = d1 - 4.0 * k * term
        d2 = d2 + 16.0 * k * k * term
    return lnz, d1, d2


def _finite(L, T):
    """``(ln Z, d ln Z/dK, d2 ln Z/dK2)`` as flat arrays, with ``K``, ``N`` and the output shape."""
    L = _lattice_size(L, 2)
    K, scalar = _temperature(T, T_MAX_FINITE)
    shape = None if scalar else K.shape
    K = K.ravel()
    out = np.empty((3, K.size))
    cold = K > _K_LOW_T
    if np.any(~cold):
        out[:, ~cold] = _kaufman(L, K[~cold])
    if np.any(cold):
        if L <= _L_MAX_HISTOGRAM:
            energy, count = density_of_states(L)
            out[:, cold] = _levels(energy, count.astype(float), K[cold])
        else:
            out[:, cold] = _low_temperature_series(L, K[cold])
    return out, K, L * L, shape


def _shaped(x, shape):
    return float(x[0]) if shape is None else x.reshape(shape)


def finite_log_partition(L, T):
    """Exact ``ln Z`` (total, not per spin) of the ``L x L`` torus, ``L >= 2``.

    Kaufman (1949) in Ferdinand & Fisher's (1969) form,
    ``Z = (1/2)(2 sinh 2K)^(N/2) (Z1 + Z2 + Z3 + Z4)``,
    ``Z1,2 = prod_{r<L} 2cosh, 2sinh(L gamma_{2r+1} / 2)``,
    ``Z3,4 = prod_{r<L} 2cosh, 2sinh(L gamma_{2r} / 2)``,
    ``cosh gamma_l = cosh 2K coth 2K - cos(pi l / L)`` (``gamma_l > 0``) and
    ``gamma_0 = 2K + ln tanh K``, which is negative *above* T_c (so Z4 < 0
    there) and zero at T_c.  Below ``T_c``, ``ln Z / N`` exceeds Onsager's
    ``-beta f`` by ``ln(2)/N`` (two ordered states).

    Accepts ``0 < T <= 1000``; see :func:`finite_specific_heat` for accuracy.
    """
    (lnz, _, _), _, _, shape = _finite(L, T)
    return _shaped(lnz, shape)


def finite_energy(L, T):
    """Exact energy per spin ``e = -(1/N) d ln Z / dK`` of the ``L x L`` torus, ``L >= 2``.

    Kaufman's Z (see :func:`finite_log_partition`) differentiated
    analytically: ``gamma_l' = c'(K) / sinh gamma_l`` with
    ``c(K) = cosh 2K coth 2K`` and ``gamma_0' = 2 + 2 / sinh 2K``.
    Accepts ``0 < T <= 1000``; see :func:`finite_specific_heat` for accuracy.
    """
    (_, d1, _), _, N, shape = _finite(L, T)
    return _shaped(-d1 / N, shape)


def finite_specific_heat(L, T):
    """Exact specific heat per spin ``c = (K^2/N) d^2 ln Z / dK^2`` of the ``L x L`` torus, ``L >= 2``.

    Kaufman's Z (see :func:`finite_log_partition`) differentiated
    analytically, ``gamma_l'' = c''(K)/sinh gamma_l - coth(gamma_l) gamma_l'^2``.

    Accuracy (checked against 60-digit mpmath for 2 <= L <= 256): ln Z and
    e to ~1e-14 relative, c to ~1e-12 for 0.6 <= T <= 100, degrading to
    1e-10 at T = 0.5.  Two regimes need care:

    * ``T < 0.5``: c ~ 64 K^2 exp(-8K) is what survives the cancellation of
      O(exp(-4K)) Kaufman terms, so there ``ln Z``, e and c come instead
      from the enumerated density of states (L <= 5) or from the
      low-temperature series in ``u = exp(-4K)`` through ``u^5``
      (Beale 1996 counts, L >= 6), both accurate to < 1e-11 relative.
    * ``T > 100``: the O(1/K) prefactor and product derivatives cancel to
      the O(K) result, so the relative error of e and c grows like
      ``eps T^2 / 4`` (~1e-10 at T = 1000, the largest T accepted).
    """
    (_, _, d2), K, N, shape = _finite(L, T)
    return _shaped(K * K * d2 / N, shape)


# --------------------------------------------------------------------------
# brute-force enumeration


@cache
def _row_tables(L):
    """All ``2^L`` rows of spins with their in-row energy, overlaps and sums."""
    rows = 1 - 2 * ((np.arange(2**L)[:, None] >> np.arange(L)) & 1)
    in_row = -(rows * np.roll(rows, -1, axis=1)).sum(axis=1)
    overlap = rows @ rows.T  # minus the energy of the vertical bonds between two rows
    return in_row, overlap, rows.sum(axis=1)


def _state_blocks(L):
    """Yield ``(E, M)`` for all states, one block per configuration of row 0.

    Rows ``1..L-1`` are enumerated once, vectorised, with their internal
    energy; each row-0 configuration then only adds its own bonds, so the
    2^25 states of ``L = 5`` stream through in 32 blocks of 2^20.
    """
    in_row, overlap, row_sum = _row_tables(L)
    r = np.arange(2**L)
    e_low, m_low, first, last = in_row.copy(), row_sum.copy(), r.copy(), r.copy()
    for _ in range(L - 2):
        e_low = (e_low[:, None] + in_row[None, :] - overlap[last[:, None], r[None, :]]).ravel()
        m_low = (m_low[:, None] + row_sum[None, :]).ravel()
        first = np.repeat(first, r.size)
        last = np.tile(r, last.size)
    for t in r:
        # row 0 bonds to row 1 below it and, through the torus, to row L-1 above
        yield e_low + in_row[t] - overlap[t, first] - overlap[t, last], m_low + row_sum[t]


def enumerate_states(L):
    """Energy ``E`` and magnetisation ``M`` (totals, ints) of all ``2^(L^2)`` states.

    ``E = -sum_<ij> s_i s_j`` over the 2N bonds of the ``L x L`` torus,
    ``M = sum_i s_i``; ``2 <= L <= 4`` (65536 states at L = 4).  The order
    of the states is unspecified.
    """
    L = _lattice_size(L, 2, _L_MAX_STATES)
    blocks = list(_state_blocks(L))
    return (
        np.concatenate([b[0] for b in blocks]).astype(np.int64),
        np.concatenate([b[1] for b in blocks]).astype(np.int64),
    )


@cache
def _joint_histogram(L):
    """Nonzero entries ``(E, M, count)`` of the joint histogram over all states."""
    N = L * L
    width = 2 * N + 1
    counts = np.zeros((4 * N + 1) * width, dtype=np.int64)
    for e, m in _state_blocks(L):
        counts += np.bincount((e + 2 * N) * width + (m + N), minlength=counts.size)
    idx = np.flatnonzero(counts)
    out = (idx // width - 2 * N, idx % width - N, counts[idx])
    for a in out:
        a.flags.writeable = False
    return out


def density_of_states(L):
    """Exact density of states ``g(E)`` of the ``L x L`` torus by enumeration.

    Returns ``(E, g)``: the attained total energies in increasing order and
    the number of states at each, both int arrays; ``sum g = 2^(L^2)``.
    ``2 <= L <= 5``.  Beale (1996) obtains the same integers by expanding
    Kaufman's Z in ``exp(-2K)``.
    """
    L = _lattice_size(L, 2, _L_MAX_HISTOGRAM)
    e, _, g = _joint_histogram(L)
    energies, inverse = np.unique(e, return_inverse=True)
    counts = np.zeros(energies.size, dtype=np.int64)
    np.add.at(counts, inverse, g)
    return energies.astype(np.int64), counts


def exact_small_lattice_observables(L, T):
    """Canonical averages of the ``L x L`` torus by summing over all ``2^(L^2)`` states.

    Returns a dict of floats (arrays for array T) with the per-spin
    ``m = M/N``:

    * ``e``: ``<E>/N``;
    * ``c``: ``(<E^2> - <E>^2) / (N T^2)``;
    * ``abs_m``, ``m2``, ``m4``: ``<|m|>``, ``<m^2>``, ``<m^4>``;
    * ``binder``: ``U4 = 1 - <m^4> / (3 <m^2>^2)``.

    ``2 <= L <= 5``; the ``L = 5`` histogram (2^25 states) takes about a
    second the first time and is cached.
    """
    L = _lattice_size(L, 2, _L_MAX_HISTOGRAM)
    K, scalar = _temperature(T)
    e, m, g = _joint_histogram(L)
    N = L * L
    w, _ = _boltzmann(e, g.astype(float), K)
    mean_e = (w * e).sum(axis=-1)
    var_e = (w * (e - mean_e[..., None]) ** 2).sum(axis=-1)
    mps = m / N
    m2 = (w * mps**2).sum(axis=-1)
    m4 = (w * mps**4).sum(axis=-1)
    out = {
        "e": mean_e / N,
        "c": K * K * var_e / N,
        "abs_m": (w * np.abs(mps)).sum(axis=-1),
        "m2": m2,
        "m4": m4,
        "binder": 1.0 - m4 / (3.0 * m2**2),
    }
    return {key: _result(val, scalar) for key, val in out.items()}
