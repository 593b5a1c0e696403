"""Monte Carlo renormalisation group: the exponents of a block-spin map itself.

Swendsen, Phys. Rev. Lett. 42, 859 (1979). Equilibrium configurations of the L x L lattice at
the critical point are blocked again and again by one map; level n holds the configurations after
n steps, on (L / b^n)^2 sites. Writing the (unknown) Hamiltonian of level n as
``H^(n) = sum_a K_a^(n) S_a^(n)`` over a set of operators S_a (lattice sums of spin products),
the linearised RG transformation ``T_ab = dK_a^(n) / dK_b^(n-1)`` follows from correlations
alone, by the chain rule on ``<S_g^(n)>``::

    A_gb = <S_g^(n) S_b^(n-1)> - <S_g^(n)><S_b^(n-1)>     (= d<S_g^(n)> / dK_b^(n-1))
    B_ga = <S_g^(n) S_a^(n)>   - <S_g^(n)><S_a^(n)>       (= d<S_g^(n)> / dK_a^(n))
    A = B T,   so   T = B^-1 A.

The largest eigenvalue lambda of T in the sector of operators even under spin reversal gives the
thermal eigenvalue ``y_t = ln(lambda) / ln(b)``, in the odd sector the magnetic one ``y_h``; for
the 2D Ising model y_t = 1 and y_h = 15/8 exactly. The estimates converge as the number of
operators grows and as the level increases (the map's fixed point is approached; a level whose
blocked lattice is too small carries finite-size errors), so both are tabulated. This measures the
map: a map that is not a good RG transformation -- decimation, a random local rule -- has
eigenvalues that drift with level and operator count, or sit far from the exact ones.

Errors: blocked jackknife over the configurations (:func:`deeprenorm.stats.jackknife_error`), the
whole analysis -- covariances, T, its eigenvalues -- repeated per replica.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from ..arguments import check_integer
from ..exact import T_C
from ..seeding import stream
from ..stats import jackknife_error, leave_one_block_out
from .blocking import MAPS

__all__ = [
    "EVEN_OPERATORS",
    "ODD_OPERATORS",
    "EXACT_EXPONENTS",
    "EXPONENT_COLUMNS",
    "TABLE_COLUMNS",
    "MCRG_CHAIN",
    "block_operators",
    "mcrg_exponents",
    "reversal_asymmetry",
    "critical_ensemble",
    "map_exponents",
]


def _shifted(spins: np.ndarray, dx: int, dy: int) -> np.ndarray:
    return np.roll(spins, (-dy, -dx), axis=(-2, -1))


def _total(products: np.ndarray) -> np.ndarray:
    # products of +-1 spins stay int8; their lattice sums need a wide integer
    return np.sum(products, axis=(-2, -1), dtype=np.int64)


def _pair_sum(spins, offsets) -> np.ndarray:
    return sum(_total(spins * _shifted(spins, dx, dy)) for dx, dy in offsets)


def _nearest(spins):
    return _pair_sum(spins, ((1, 0), (0, 1)))


def _diagonal(spins):
    return _pair_sum(spins, ((1, 1), (1, -1)))


def _third(spins):
    return _pair_sum(spins, ((2, 0), (0, 2)))


def _plaquette(spins):
    return _total(spins * _shifted(spins, 1, 0) * _shifted(spins, 0, 1) * _shifted(spins, 1, 1))


def _magnetisation(spins):
    return _total(spins)


def _corners(spins):
    # the three spins of each corner of every plaquette, all four orientations
    right, up, diagonal = _shifted(spins, 1, 0), _shifted(spins, 0, 1), _shifted(spins, 1, 1)
    return _total(spins * right * up + spins * right * diagonal + spins * up * diagonal + right * up * diagonal)


def _rows_of_three(spins):
    return sum(_total(spins * _shifted(spins, dx, dy) * _shifted(spins, 2 * dx, 2 * dy)) for dx, dy in ((1, 0), (0, 1)))


#: Operators even under spin reversal, in the order they enter: nearest-neighbour,
#: next-nearest (diagonal) and third-neighbour pair sums, and the plaquette product.
EVEN_OPERATORS = {"nearest": _nearest, "diagonal": _diagonal, "third": _third, "plaquette": _plaquette}

#: Operators odd under spin reversal: the magnetisation, the three-spin corners of the
#: plaquettes, and three spins in a row.
ODD_OPERATORS = {"magnetisation": _magnetisation, "corners": _corners, "row_of_three": _rows_of_three}

#: The exact eigenvalue exponents of the 2D Ising model.
EXACT_EXPONENTS = {"y_t": 1.0, "y_h": 15 / 8}

#: Columns of :func:`mcrg_exponents`.
EXPONENT_COLUMNS = ["level", "L_coarse", "operators", "exponent", "value", "value_err", "replicas_failed", "exact"]

_SECTORS = {"y_t": EVEN_OPERATORS, "y_h": ODD_OPERATORS}


# configurations whose operators are computed at once: a few int8 copies of 256 lattices of
# 256 x 256 stay near 100 MB
_CHUNK = 256


def block_operators(spins: np.ndarray, sector: str) -> np.ndarray:
    """The operators of ``sector`` (``"y_t"``: :data:`EVEN_OPERATORS`, ``"y_h"``:
    :data:`ODD_OPERATORS`) of every configuration of ``spins`` ``(n, L, L)`` of +-1: float64
    ``(n, k)``."""
    spins = np.asarray(spins, dtype=np.int8)
    chunks = [
        np.stack([operator(spins[start : start + _CHUNK]) for operator in _SECTORS[sector].values()], axis=-1)
        for start in range(0, spins.shape[0], _CHUNK)
    ]
    return np.concatenate(chunks).astype(np.float64)


def _leading_exponent(fine: np.ndarray, coarse: np.ndarray, b: int, exponent: str) -> float:
    """``ln(lambda) / ln(b)`` of the eigenvalue lambda of largest modulus of ``T = B^-1 A``, from
    the operators of two successive levels ``(n, k)``.

    In the odd sector (``"y_h"``) its modulus: a map composed with a global spin flip is as good
    an RG step and flips the sign of the odd eigenvalues only. NaN where B is singular, where the
    leading eigenvalue is complex, or (even sector) where it is not positive: then no relevant
    eigenvalue is resolved."""
    coarse_centred = coarse - coarse.mean(axis=0)
    A = coarse_centred.T @ (fine - fine.mean(axis=0))
    B = coarse_centred.T @ coarse_centred
    try:
        eigenvalues = np.linalg.eigvals(np.linalg.solve(B, A))
    except np.linalg.LinAlgError:
        return math.nan
    leading = eigenvalues[np.argmax(np.abs(eigenvalues))]
    if abs(leading.imag) > 1e-9 * abs(leading):
        return math.nan
    value = abs(leading.real) if exponent == "y_h" else leading.real
    return float(np.log(value) / math.log(b)) if value > 0 else math.nan


def mcrg_exponents(
    configurations: np.ndarray,
    block: Callable[[np.ndarray], np.ndarray],
    b: int,
    *,
    levels: int,
    n_blocks: int = 20,
) -> pd.DataFrame:
    """y_t and y_h of the map ``block`` at every level and number of operators.

    ``configurations``: int8 +-1 ``(n, L, L)``, equilibrium samples at the critical point, stored
    far enough apart to count as independent; ``block``: one step of the map, ``(n, L, L) ->
    (n, L/b, L/b)`` (it may draw random tie breaks: it is applied once, and every jackknife
    replica reuses its output); ``levels``: how many steps (the last blocked lattice L / b^levels
    must have at least 2 sites a side). For level n = 1 .. levels and for the first k operators
    of each sector, k = 1 .. all, the exponent of :func:`_leading_exponent` with its jackknife
    error over ``n_blocks`` blocks of configurations. As everywhere in the package
    (:mod:`deeprenorm.ensemble`), an exponent that some jackknife replica cannot resolve is NaN,
    with the count in ``replicas_failed``.

    The even and odd sectors are analysed apart, which is exact for a map that is odd under spin
    reversal (``f(-s) = -f(s)``, in distribution for random tie breaks): the cross-covariances
    of even and odd operators then vanish. For a map that is not, :func:`reversal_asymmetry`
    says by how much.

    Returns :data:`EXPONENT_COLUMNS`: ``L_coarse`` the blocked lattice of level n, ``exact`` the
    2D Ising value.
    """
    spins = np.asarray(configurations)
    if spins.ndim != 3 or spins.shape[1] != spins.shape[2]:
        raise ValueError(f"configurations must be (n, L, L), got shape {spins.shape}")
    b = check_integer("b", b, 2)
    levels = check_integer("levels", levels, 1)
    n_blocks = check_integer("n_blocks", n_blocks, 2)
    L = spins.shape[-1]
    if L % b**levels or L // b**levels < 2:
        raise ValueError(f"L = {L} cannot be blocked {levels} times by b = {b} down to a lattice of >= 2 sites a side")
    if spins.shape[0] < n_blocks:
        raise ValueError(f"n_blocks = {n_blocks} exceeds the {spins.shape[0]} configurations")
    lattices = [spins]
    for _ in range(levels):
        lattices.append(block(lattices[-1]))
    replicas = leave_one_block_out(spins.shape[0], n_blocks)
    rows = []
    for exponent in _SECTORS:
        operators = [block_operators(lattice, exponent) for lattice in lattices]
        for level in range(1, levels + 1):
            fine, coarse = operators[level - 1], operators[level]
            for k in range(1, fine.shape[1] + 1):
                value = _leading_exponent(fine[:, :k], coarse[:, :k], b, exponent)
                replica_values = np.array(
                    [_leading_exponent(fine[keep, :k], coarse[keep, :k], b, exponent) for keep in replicas]
                )
                failed = int(np.sum(~np.isfinite(replica_values)))
                located = math.isfinite(value) and not failed
                rows.append(
                    {
                        "level": level,
                        "L_coarse": L // b**level,
                        "operators": k,
                        "exponent": exponent,
                        "value": value if located else math.nan,
                        "value_err": jackknife_error(replica_values) if located else math.nan,
                        "replicas_failed": failed,
                        "exact": EXACT_EXPONENTS[exponent],
                    }
                )
    return pd.DataFrame(rows, columns=EXPONENT_COLUMNS)


#: The chain of the MCRG ensemble: chains 0 (the datasets) and 1 (the autocorrelation pilots) are
#: taken, and a chain of its own keeps its random stream independent of both.
MCRG_CHAIN = 2

#: Columns of :func:`map_exponents` (results/tables/rg_exponents.csv); ``reversal_asymmetry``:
#: :func:`reversal_asymmetry` of the map (0 for the block-spin maps, odd by construction).
TABLE_COLUMNS = ["map", "model", "weights", "seed", "b", "L", *EXPONENT_COLUMNS, "reversal_asymmetry"]


def reversal_asymmetry(block: Callable[[np.ndarray], np.ndarray], configurations: np.ndarray) -> float:
    """The fraction of block spins with ``f(-s) != -f(s)`` over ``configurations``, for a
    deterministic map ``block``: 0 for a map odd under spin reversal, whose even and odd
    operators decouple in :func:`mcrg_exponents`. A network's biases and its sign rule for a code
    of exactly 0 can break the symmetry."""
    spins = np.asarray(configurations)
    return float(np.mean(block(-spins) != -block(spins)))


def critical_ensemble(L: int, n_samples: int, seed: int):
    """The MCRG ensemble: ``n_samples`` Wolff configurations of the L x L lattice at Onsager's
    T_c, chain :data:`MCRG_CHAIN` of ``seed`` (a :class:`deeprenorm.ising.SampleSet`)."""
    from ..ising import sample  # numba: only the job that simulates pays for it

    return sample(L, T_C, n_samples, "wolff", seed, chain=MCRG_CHAIN)


def map_exponents(configurations: np.ndarray, maps, levels: int, seed: int, *, n_blocks: int = 20) -> pd.DataFrame:
    """y_t and y_h of every block-spin map of ``maps`` (names of :data:`.blocking.MAPS`) at b = 2,
    each blocking the same ``configurations`` ``(n, L, L)`` (:func:`critical_ensemble`)
    ``levels`` times, the majority rule's ties from ``seeding.stream(seed, "mcrg_blocking", L)``.
    Returns :data:`TABLE_COLUMNS`, ``weights = "exact"``, ``seed = -1`` and an empty ``model``
    for these maps.
    """
    L = configurations.shape[-1]
    frames = []
    for name in maps:
        # the majority rule's ties of b = 2 are broken at random, from a stream of their own
        options = {"rng": np.random.default_rng(stream(seed, "mcrg_blocking", L))} if name == "majority" else {}
        step = partial(MAPS[name], b=2, **options)
        table = mcrg_exponents(configurations, step, 2, levels=levels, n_blocks=n_blocks)
        frames.append(table.assign(map=name, model="", weights="exact", seed=-1, b=2, L=L, reversal_asymmetry=0.0))
    return pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]
