"""How much a block's coarse variable knows about the block's environment: a variational bound.

Koch-Janusz & Ringel (Nature Physics 14, 578 (2018)) characterise a good real-space RG map by
*real-space mutual information* (RSMI): the coarse variable H of a block should keep what the
block shares with its environment E, the spins beyond a buffer around it, and the optimal map
maximises I(H : E).  The buffer keeps short-range correlations across the block's border out of
the measure, so that only long-distance information counts.  Here H is the +-1 variable of each
b x b block (a majority-rule or decimation block spin of :mod:`deeprenorm.rg.blocking`, or the
sign of an autoencoder's code) and E the ring of ``shell`` sites at Chebyshev distance
``buffer < d <= buffer + shell`` from the block (:func:`block_environment`).

I(H : E) itself needs the joint distribution over 2^|E| environments; it is bounded from below
instead with the variational bound of Barber & Agakov (NIPS 16 (2003)): for any probe q(h | e),

    I(H : E) = H(H) - H(H | E) >= H(H) - CE,    CE = E_{h,e} [-log2 q(h | e)],

since CE = H(H | E) + E_e KL(p(h | e) || q(h | e)).  :func:`information_bound` fits a logistic
regression of h on the environment spins as the probe on one part of the configurations and
evaluates H(H) (the plug-in binary entropy) and CE on the other.  Because the probe has not seen
the evaluation data, CE is unbiased for the probe's population cross-entropy, and the plug-in
entropy is biased low by about 1 / (2 N ln 2) bits: the estimate is conservative in expectation.
A linear probe reads only the part of the dependence that a weighted vote of the environment
spins captures; a richer probe could only tighten the bound, so maps are compared at equal probe
(:func:`rank_maps`).

The (h, e) pairs of one configuration share that configuration's fluctuations (its
magnetisation, above all, near T_c), so the train/evaluation split and the bootstrap errors both
resample whole configurations, never single pairs; and successive configurations of a Monte
Carlo chain share theirs, so the bootstrap draws runs of consecutive configurations
(:func:`deeprenorm.stats.block_bootstrap_weights`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from ..arguments import check_integer, check_real, is_real
from ..seeding import seed_sequence
from ..stats import MIN_RESAMPLING_BLOCK, block_bootstrap_weights

__all__ = [
    "InformationBound",
    "environment_offsets",
    "block_environment",
    "information_bound",
    "paired_difference",
    "rank_maps",
]

# Newton on a strictly convex objective converges quadratically; 100 steps is far past need.
_MAX_NEWTON_STEPS = 100
_MAX_HALVINGS = 60
# Stop when half the squared Newton decrement, the predicted decrease of the objective (nats
# per pair), is below this.
_NEWTON_TOLERANCE = 1e-14


class InformationBound(NamedTuple):
    """Result of :func:`information_bound`, in bits.

    ``bits`` = ``entropy_bits - cross_entropy_bits``, the lower bound on I(H : E), with
    ``bits_err`` its bootstrap standard error over evaluation configurations; ``entropy_bits``
    the plug-in entropy of h and ``cross_entropy_bits`` the probe's cross-entropy, both on the
    evaluation part.  ``n_train``, ``n_eval``: the numbers of configurations (groups) the probe
    was fitted and evaluated on.  ``replicas``: ``bits`` of each bootstrap replica, for
    :func:`paired_difference` (a tuple, so that bounds compare with ``==``; empty where the
    bound was not computed by :func:`information_bound`).  ``block_length``: the evaluation
    configurations per bootstrap block.
    """

    bits: float
    bits_err: float
    entropy_bits: float
    cross_entropy_bits: float
    n_train: int
    n_eval: int
    replicas: tuple[float, ...] = ()
    block_length: int = 1


def environment_offsets(b: int, buffer: int, shell: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column offsets, from a block's top-left site, of the sites of its environment.

    The environment of a b x b block is the set of sites at Chebyshev distance d from the
    block (the largest of the row and column distances to its nearest site) with
    ``buffer < d <= buffer + shell``: ``(b + 2 (buffer + shell))^2 - (b + 2 buffer)^2`` sites.
    Returned in row-major order of the offsets (the column order of :func:`block_environment`),
    each an int64 array; offsets run from ``-(buffer + shell)`` to ``b - 1 + buffer + shell``.
    """
    b = check_integer("b", b, 1)
    buffer = check_integer("buffer", buffer, 0)
    shell = check_integer("shell", shell, 1)
    reach = buffer + shell
    offsets = np.arange(-reach, b + reach)
    # distance along one axis from the block's rows [0, b): 0 inside, else to the nearer edge
    axis_distance = np.maximum(np.maximum(-offsets, offsets - (b - 1)), 0)
    distance = np.maximum.outer(axis_distance, axis_distance)
    rows, cols = np.nonzero((distance > buffer) & (distance <= reach))
    return offsets[rows], offsets[cols]


def block_environment(spins, variables, b: int, *, buffer: int | None = None, shell: int = 2):
    """Pairs (coarse variable of a block, spins of its environment) of every block.

    Parameters
    ----------
    spins
        int8 configurations of +-1, shape ``(n, L, L)``, on the periodic lattice.
    variables
        The coarse variable of every b x b block, shape ``(n, L/b, L/b)``, values +-1 (any
        numeric dtype); block (I, J) covers rows ``[I b, (I + 1) b)`` and columns
        ``[J b, (J + 1) b)``, as in :mod:`deeprenorm.rg.blocking`.
    b
        Block size, an integer >= 1 dividing L.
    buffer, shell
        The environment is the sites at Chebyshev distance in ``(buffer, buffer + shell]``
        from the block (:func:`environment_offsets`), wrapping around the torus.  ``buffer``
        (default ``b``) is an integer >= 0, ``shell`` an integer >= 1; the window
        ``b + 2 (buffer + shell)`` must not exceed L, or the ring would meet itself across the
        torus.

    Returns
    -------
    h : numpy.ndarray
        int8 ``(n (L/b)^2,)``, the variables, configuration by configuration, blocks in
        row-major order.
    environment : numpy.ndarray
        int8 ``(n (L/b)^2, n_env)``, the environment of each block in the order of
        :func:`environment_offsets`.
    groups : numpy.ndarray
        int64 ``(n (L/b)^2,)``, the configuration each pair comes from (for
        :func:`information_bound`, which splits and resamples by configuration).
    """
    b = check_integer("b", b, 1)
    buffer = b if buffer is None else buffer
    spins = np.asarray(spins)
    if spins.dtype != np.int8:
        raise ValueError(f"spins must be int8 configurations of +-1, got dtype {spins.dtype}")
    if spins.ndim != 3 or spins.shape[1] != spins.shape[2]:
        raise ValueError(f"spins must have shape (n, L, L), got {spins.shape}")
    if not np.all(np.abs(spins) == 1):
        raise ValueError("spins must be +-1 (found other values)")
    n, L = spins.shape[0], spins.shape[1]
    if L % b:
        raise ValueError(f"the lattice size L = {L} is not divisible by the block size b = {b}")
    coarse = L // b
    variables = np.asarray(variables)
    if variables.shape != (n, coarse, coarse):
        raise ValueError(f"variables must have shape (n, L/b, L/b) = {(n, coarse, coarse)}, got {variables.shape}")
    if not np.all((variables == 1) | (variables == -1)):
        raise ValueError("variables must be +-1 (found other values)")
    row_offsets, col_offsets = environment_offsets(b, buffer, shell)
    window = b + 2 * (buffer + shell)
    if window > L:
        raise ValueError(
            f"the window b + 2 (buffer + shell) = {b} + 2 ({buffer} + {shell}) = {window} exceeds L = {L}: "
            "the environment would wrap onto itself"
        )
    origins = b * np.arange(coarse)
    rows = (origins[:, None] + row_offsets) % L  # (L/b, n_env)
    cols = (origins[:, None] + col_offsets) % L
    environment = spins[:, rows[:, None, :], cols[None, :, :]]  # (n, L/b, L/b, n_env)
    return (
        variables.astype(np.int8).reshape(-1),
        environment.reshape(n * coarse * coarse, row_offsets.size),
        np.repeat(np.arange(n, dtype=np.int64), coarse * coarse),
    )


def _pair_losses(features: np.ndarray, signs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``-ln q(h | e)`` of each pair for the logistic probe ``q(h | e) = 1 / (1 + exp(-h w.x))``."""
    return np.logaddexp(0.0, -signs * (features @ weights))


def _fit_probe(features: np.ndarray, signs: np.ndarray, l2: float) -> np.ndarray:
    """Weights minimising the mean of ``-ln q(h | e)`` plus ``l2 |w|^2 / 2``, by damped Newton.

    The bias is penalised with the weights: on separable data (h a copy of an environment spin,
    or constant on the training part) the unpenalised optimum lies at infinity, and the penalty
    keeps the objective strictly convex, so Newton with backtracking converges from w = 0.
    """
    n, k = features.shape
    weights = np.zeros(k)

    def objective(w):
        return _pair_losses(features, signs, w).mean() + 0.5 * l2 * (w @ w)

    current = objective(weights)
    for _ in range(_MAX_NEWTON_STEPS):
        # probability the probe gives to the wrong sign, computed without overflow
        wrong = np.exp(-np.logaddexp(0.0, signs * (features @ weights)))
        gradient = -(features.T @ (signs * wrong)) / n + l2 * weights
        hessian = (features.T * (wrong * (1.0 - wrong))) @ features / n + l2 * np.eye(k)
        step = np.linalg.solve(hessian, gradient)
        decrement = gradient @ step
        if 0.5 * decrement < _NEWTON_TOLERANCE:
            return weights
        size = 1.0
        for _ in range(_MAX_HALVINGS):
            trial = objective(weights - size * step)
            if trial <= current - 0.25 * size * decrement:
                break
            size *= 0.5
        else:
            return weights  # no decrease left at machine precision: at the optimum
        weights = weights - size * step
        current = trial
    raise RuntimeError(f"the logistic probe did not converge in {_MAX_NEWTON_STEPS} Newton steps")


def _binary_entropy_bits(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = -(p * np.log2(p) + (1.0 - p) * np.log2(1.0 - p))
    return np.where((p > 0.0) & (p < 1.0), terms, 0.0)


def information_bound(
    h,
    environment,
    groups,
    *,
    seed,
    train_fraction: float = 0.5,
    n_bootstrap: int = 200,
    block_length: int = MIN_RESAMPLING_BLOCK,
    l2: float = 1e-3,
    condition=None,
) -> InformationBound:
    """Barber-Agakov lower bound on I(H : E) in bits, with a logistic probe fitted on held-out data.

    Parameters
    ----------
    h, environment, groups
        The variable of each pair (+-1, shape ``(N,)``), the environment features (finite
        reals, shape ``(N, n_env)``; +-1 spins from :func:`block_environment`) and the
        configuration each pair comes from (integer labels, shape ``(N,)``, at least 2
        distinct, increasing in Monte Carlo (chain) order as :func:`block_environment` numbers
        them).
    seed
        A non-negative integer or a :class:`numpy.random.SeedSequence` (e.g.
        ``deeprenorm.seeding.stream(seed, "analysis", ...)``).  Two streams are spawned from it:
        the first draws the split, the second the bootstrap, so ``n_bootstrap`` does not move the
        split.
    train_fraction
        Fraction of the configurations, in (0, 1), on which the probe is fitted (rounded, at
        least one configuration on each side); the rest evaluate it.
    n_bootstrap
        Bootstrap replicas (integer >= 2) of the evaluation configurations for ``bits_err``.
    block_length
        Evaluation configurations per bootstrap block (integer >= 1), consecutive in the order
        of their labels: samples stored 2 tau_int apart are still correlated near T_c.  At least
        2 blocks are drawn.  Bounds with the same ``seed``, ``groups``, ``train_fraction`` and
        ``block_length`` share the split and the bootstrap draws (:func:`paired_difference`).
    l2
        L2 penalty (> 0) on the probe's weights and bias, per pair: the objective is the mean
        of ``-ln q(h | e)`` plus ``l2 |w|^2 / 2``.
    condition
        None, or a +-1 label per pair that is one value per configuration (e.g. the sign of its
        magnetisation): then the bound is on the conditional information I(H : E | C) =
        H(H | C) - H(H | E, C), with H(H | C) the entropy of h within each value of c weighted
        by its share of the pairs, and a probe that also reads c. On a critical lattice of a few
        dozen sites the block spin and its environment share the sign of m; conditioned on it,
        what is left is what the environment knows about the block beyond the global sign.

    Returns
    -------
    InformationBound
        ``bits = H - CE`` on the evaluation part, where H is the binary entropy of the fraction
        of h = +1 and CE the mean of ``-log2 q(h | e)`` with the probe
        ``q(h | e) = 1 / (1 + exp(-h (w_0 + w.e)))``; ``bits_err`` the standard deviation of
        ``bits`` over block-bootstrap resamples of the evaluation configurations (the probe kept
        fixed).  For a variable independent of E the bound is slightly negative (the probe's
        estimation noise costs about ``n_env / (2 N_train ln 2)`` bits) and is reported as it
        is.  A constant h (in all pairs) has H = 0 and the exact probe q = 1: bits, error,
        entropy and cross-entropy are 0.
    """
    h, environment, groups, n_bootstrap = _checked_arguments(h, environment, groups, train_fraction, n_bootstrap, l2)
    block_length = check_integer("block_length", block_length, 1)
    sequence = seed_sequence(seed)

    group_of_pair, n_groups = _configuration_of_pairs(groups)
    split_sequence, bootstrap_sequence = sequence.spawn(2)
    n_train = min(max(int(round(train_fraction * n_groups)), 1), n_groups - 1)
    is_train_group = np.zeros(n_groups, dtype=bool)
    is_train_group[np.random.default_rng(split_sequence).permutation(n_groups)[:n_train]] = True
    train = is_train_group[group_of_pair]
    n_eval = n_groups - n_train

    if np.all(h == h[0]):
        return InformationBound(0.0, 0.0, 0.0, 0.0, n_train, n_eval, (0.0,) * n_bootstrap, block_length)

    signs = h.astype(np.float64)
    columns = [np.ones((h.size, 1)), environment]
    if condition is not None:
        condition = _checked_condition(condition, group_of_pair, h.size)
        columns.insert(1, condition[:, None].astype(np.float64))
    features = np.hstack(columns)
    weights = _fit_probe(features[train], signs[train], float(l2))

    evaluate = ~train
    per_group = _evaluation_totals(
        h[evaluate], features[evaluate], signs[evaluate], weights, group_of_pair[evaluate], n_eval
    )
    # per_group's rows are the evaluation configurations in label (chain) order
    multiplicity = block_bootstrap_weights(n_eval, block_length, n_bootstrap, np.random.default_rng(bootstrap_sequence))
    if condition is None:
        bits, entropy, cross_entropy = _bound_from_totals(per_group.sum(axis=0))
        replicas = _bound_from_totals(multiplicity @ per_group)[0]
    else:
        # the condition of each evaluation configuration, in the order of per_group's rows
        eval_condition = np.zeros(n_eval)
        eval_condition[np.unique(group_of_pair[evaluate], return_inverse=True)[1]] = condition[evaluate]
        bits, entropy, cross_entropy = _conditional_bound(per_group, eval_condition, np.ones(n_eval))
        replicas = np.array([_conditional_bound(per_group, eval_condition, row)[0] for row in multiplicity])
    return InformationBound(
        bits=float(bits),
        bits_err=float(np.std(replicas, ddof=1)),
        entropy_bits=float(entropy),
        cross_entropy_bits=float(cross_entropy),
        n_train=n_train,
        n_eval=n_eval,
        replicas=tuple(replicas.tolist()),
        block_length=block_length,
    )


def paired_difference(first: InformationBound, second: InformationBound) -> tuple[float, float]:
    """``first.bits - second.bits`` and its error from the same bootstrap replicas.

    Two bounds computed with the same ``seed`` and ``block_length`` on pairs of the same
    configurations (the same ``groups``) share their train/evaluation split and their bootstrap
    draws, so their replicas are strongly correlated; the error of the difference is the
    standard deviation of the replica differences, not the two errors combined in quadrature
    (which would count the shared fluctuations of the configurations twice).  ValueError if
    either has no replicas or they were not drawn alike (numbers, split sizes, block length)."""
    if not first.replicas or not second.replicas:
        raise ValueError("paired_difference needs the bootstrap replicas of both bounds (from information_bound)")
    drawn = [(len(bound.replicas), bound.n_train, bound.n_eval, bound.block_length) for bound in (first, second)]
    if drawn[0] != drawn[1]:
        raise ValueError("the two bounds were not computed on the same split and bootstrap draws")
    difference = np.asarray(first.replicas) - np.asarray(second.replicas)
    return float(first.bits - second.bits), float(np.std(difference, ddof=1))


def _conditional_bound(per_group: np.ndarray, condition: np.ndarray, multiplicity: np.ndarray):
    """``(H(H | C) - CE, H(H | C), CE)`` in bits from the totals of :func:`_evaluation_totals`,
    each configuration counted ``multiplicity`` times, grouped by its ``condition``."""
    totals = multiplicity @ per_group
    entropy = 0.0
    for value in (-1.0, 1.0):
        part = (multiplicity * (condition == value)) @ per_group
        if part[0] > 0:
            entropy += part[0] / totals[0] * float(_binary_entropy_bits(part[1] / part[0]))
    cross_entropy = totals[2] / totals[0]
    return entropy - cross_entropy, entropy, cross_entropy


def _checked_condition(condition, group_of_pair: np.ndarray, n_pairs: int) -> np.ndarray:
    condition = np.asarray(condition)
    if condition.shape != (n_pairs,) or not np.all((condition == 1) | (condition == -1)):
        raise ValueError(f"condition must be +-1 of shape ({n_pairs},)")
    first = np.zeros(group_of_pair.max() + 1)
    first[group_of_pair] = condition
    if np.any(first[group_of_pair] != condition):
        raise ValueError("condition must take one value per configuration (group)")
    return condition


def _checked_arguments(h, environment, groups, train_fraction, n_bootstrap, l2):
    """The arrays of :func:`information_bound` (``environment`` as float64) and ``n_bootstrap``,
    or ``ValueError`` naming the argument that is out of range."""
    h = np.asarray(h)
    if h.ndim != 1:
        raise ValueError(f"h must have shape (N,), got {h.shape}")
    if not np.all((h == 1) | (h == -1)):
        raise ValueError("h must be +-1 (found other values)")
    environment = np.asarray(environment)
    if environment.ndim != 2 or environment.shape[0] != h.size:
        raise ValueError(f"environment must have shape (N, n_env) with N = {h.size}, got {environment.shape}")
    environment = environment.astype(np.float64)
    if not np.all(np.isfinite(environment)):
        raise ValueError("environment must be finite (found NaN or inf)")
    groups = np.asarray(groups)
    if groups.shape != h.shape:
        raise ValueError(f"groups must have shape (N,) = {h.shape}, got {groups.shape}")
    if groups.size and not np.issubdtype(groups.dtype, np.integer):
        raise ValueError(f"groups must be integer configuration labels, got dtype {groups.dtype}")
    if not (is_real(train_fraction) and 0.0 < train_fraction < 1.0):
        raise ValueError(f"train_fraction must be a number in (0, 1), got {train_fraction!r}")
    n_bootstrap = check_integer("n_bootstrap", n_bootstrap, 2)
    check_real("l2", l2, positive=True)
    return h, environment, groups, n_bootstrap


def _configuration_of_pairs(groups: np.ndarray) -> tuple[np.ndarray, int]:
    """Each pair's configuration as an index in ``[0, n_groups)``, and ``n_groups`` (at least 2)."""
    labels, group_of_pair = np.unique(groups, return_inverse=True)
    n_groups = labels.size
    if n_groups < 2:
        raise ValueError(f"need pairs from at least 2 configurations (groups) to split, got {n_groups}")
    return group_of_pair, n_groups


def _evaluation_totals(h, features, signs, weights, group_of_pair, n_eval) -> np.ndarray:
    """Per evaluation configuration: its pairs, its pairs with h = +1 and their summed
    ``-log2 q(h | e)``, shape ``(n_eval, 3)``, so that a bootstrap replica is a weighted sum over
    configurations."""
    eval_group = np.unique(group_of_pair, return_inverse=True)[1]
    losses_bits = _pair_losses(features, signs, weights) / math.log(2.0)
    return np.stack(
        [
            np.bincount(eval_group, minlength=n_eval),
            np.bincount(eval_group, weights=(h == 1), minlength=n_eval),
            np.bincount(eval_group, weights=losses_bits, minlength=n_eval),
        ],
        axis=1,
    )


def _bound_from_totals(totals: np.ndarray):
    """``(H - CE, H, CE)`` in bits from totals of :func:`_evaluation_totals` (last axis)."""
    entropy = _binary_entropy_bits(totals[..., 1] / totals[..., 0])
    cross_entropy = totals[..., 2] / totals[..., 0]
    return entropy - cross_entropy, entropy, cross_entropy


def rank_maps(bounds: Mapping[str, InformationBound]) -> list[str]:
    """Names of ``bounds`` ordered by ``bits``, highest first (ties keep the mapping's order)."""
    return sorted(bounds, key=lambda name: -bounds[name].bits)
