"""Multi-histogram reweighting (Ferrenberg & Swendsen, PRL 63, 1195 (1989)).

The samples of all simulated temperatures of one L are combined into one estimate of the density
of states, which turns the discrete temperature grid into continuous curves <O>(T): the chi' peak
and the U4 crossings are then located on smooth curves instead of between grid points. With
``Z_k`` the partition functions at the simulated ``beta_k`` and ``n_k`` samples each, every sample
``x`` (total energy ``E_x``) carries the weight

    W(E_x) = 1 / sum_k n_k exp(-beta_k E_x - ln Z_k),

the ``ln Z_k`` solve ``ln Z_k = ln sum_x exp(-beta_k E_x) W(E_x)`` self-consistently (found here
by Newton's method on the equivalent convex problem), and

    <O>(beta) = sum_x O_x exp(-beta E_x) W(E_x) / sum_x exp(-beta E_x) W(E_x).

Samples are stored >= 2 tau_int apart, so they count as independent (the weights n_k are the
sample counts). Everything is done in log space. Errors come from a blocked jackknife in which the
same block of every temperature is left out together.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
from scipy.special import logsumexp

__all__ = ["MultiHistogram", "solved_histogram", "THERMAL_MOMENTS", "thermal_columns", "thermal_curves"]

# Elements of the largest (temperatures x samples) matrix held at once: 32 MB of float64.
_BLOCK_ELEMENTS = 2**22


class MultiHistogram:
    """Reweighting of one lattice size's samples to any temperature in their range.

    Parameters
    ----------
    temperatures : (K,) simulated temperatures
    energy, magnetization : (K, n) per-spin energy and magnetisation of the samples
    L : lattice size (N = L^2 spins)
    """

    def __init__(
        self, temperatures, energy, magnetization, L: int, *, initial_log_z=None, tolerance=1e-9, max_iterations=100
    ):
        self.temperatures = np.asarray(temperatures, dtype=float)
        energy = np.asarray(energy, dtype=float)
        magnetization = np.asarray(magnetization, dtype=float)
        if energy.shape != magnetization.shape or energy.shape[0] != self.temperatures.size:
            raise ValueError("energy and magnetization must be (temperature, sample) arrays matching temperatures")
        self.L = int(L)
        n_sites = self.L**2
        self.betas = 1.0 / self.temperatures
        self.counts = np.full(self.temperatures.size, energy.shape[1], dtype=float)
        self.total_energy = (energy * n_sites).ravel()
        self.energy = energy.ravel()
        self.magnetization = magnetization.ravel()
        self.log_z = self._solve(initial_log_z, tolerance, max_iterations)

    def _solve(self, initial_log_z, tolerance, max_iterations):
        """Newton's method on the convex objective whose stationary point is the
        Ferrenberg-Swendsen fixed point (Shirts & Chodera, J. Chem. Phys. 129, 124105 (2008)):

            F(f) = sum_x ln sum_k n_k exp(f_k - beta_k E_x) - sum_k n_k f_k,   f_k = -ln Z_k,

        with f_0 = 0 fixing the free additive constant. Converges in a handful of steps where the
        plain fixed-point iteration needs hundreds."""
        log_counts = np.log(self.counts)
        if initial_log_z is None:
            # Start from thermodynamic integration, d ln Z / d beta = -<E> (trapezoid rule): robust
            # even where neighbouring histograms barely overlap.
            mean_energy = self.total_energy.reshape(self.temperatures.size, -1).mean(axis=1)
            steps = -np.diff(self.betas) * 0.5 * (mean_energy[1:] + mean_energy[:-1])
            initial_log_z = np.concatenate([[0.0], np.cumsum(steps)])
        free = -np.asarray(initial_log_z, dtype=float)
        # The (temperatures x samples) matrices are built a block of samples at a time, so memory
        # stays at _BLOCK_ELEMENTS per matrix however many temperatures and samples there are.
        block = max(1, _BLOCK_ELEMENTS // self.temperatures.size)
        starts = range(0, self.total_energy.size, block)

        def log_numerator(free, start):
            energies = self.total_energy[start : start + block]
            return (log_counts + free)[:, None] - np.outer(self.betas, energies)

        def evaluate(free):
            log_denominator = np.concatenate([logsumexp(log_numerator(free, start), axis=0) for start in starts])
            return log_denominator.sum() - self.counts @ free, log_denominator

        objective, log_denominator = evaluate(free)
        for _ in range(max_iterations):
            occupancy = np.zeros_like(free)
            overlap = np.zeros((free.size, free.size))
            for start in starts:
                probabilities = np.exp(log_numerator(free, start) - log_denominator[start : start + block])
                occupancy += probabilities.sum(axis=1)
                overlap += probabilities @ probabilities.T
            gradient = occupancy - self.counts
            if np.max(np.abs(gradient)) < tolerance * self.counts.min():
                break
            hessian = np.diag(occupancy) - overlap
            step = np.zeros_like(free)
            step[1:] = np.linalg.lstsq(hessian[1:, 1:], -gradient[1:], rcond=None)[0]
            scale = 1.0
            trial = evaluate(free + step)
            while trial[0] > objective and scale > 1e-6:
                scale *= 0.5
                trial = evaluate(free + scale * step)
            if trial[0] > objective:
                break  # no descent left at floating-point resolution
            free = free + scale * step
            objective, log_denominator = trial
        self._log_w = -log_denominator
        return -free

    def expectations(self, temperatures, columns) -> np.ndarray:
        """Reweighted averages ``<O_j>(T)`` of per-sample observables at ``temperatures``.

        ``columns``: ``(n_samples_total, n_observables)`` (or ``(K, n)`` for one observable),
        one value per sample in the order of the ``energy`` passed in: any function of the
        configuration (a latent variable, a correlation) reweights like the energy does.
        Returns ``(len(temperatures), n_observables)``.
        """
        temperatures = np.atleast_1d(np.asarray(temperatures, dtype=float))
        columns = np.asarray(columns, dtype=float)
        columns = columns.reshape(self.total_energy.size, -1)
        result = np.empty((temperatures.size, columns.shape[1]))
        # Chunks of target temperatures keep the (targets x samples) weight matrix small.
        chunk = max(1, _BLOCK_ELEMENTS // self.total_energy.size)
        for start in range(0, temperatures.size, chunk):
            targets = temperatures[start : start + chunk]
            log_p = -np.outer(1.0 / targets, self.total_energy) + self._log_w[None, :]
            log_p -= logsumexp(log_p, axis=1)[:, None]
            result[start : start + chunk] = np.exp(log_p) @ columns
        return result

    def observables(self, temperatures) -> dict[str, np.ndarray]:
        """Reweighted <e>, <e^2>, <|m|>, <m^2>, <m^4>, specific heat, chi' and U4 (:func:`thermal_curves`)."""
        temperatures = np.atleast_1d(np.asarray(temperatures, dtype=float))
        means = self.expectations(temperatures, thermal_columns(self.energy, self.magnetization))
        return thermal_curves(means, temperatures, self.L)


#: Names of the per-sample columns of :func:`thermal_columns`, in order.
THERMAL_MOMENTS = ("e", "e2", "abs_m", "m2", "m4")


def thermal_columns(energy, magnetization) -> np.ndarray:
    """Per-sample ``e, e^2, |m|, m^2, m^4`` (:data:`THERMAL_MOMENTS`) on a new last axis."""
    m2 = magnetization**2
    return np.stack([energy, energy**2, np.abs(magnetization), m2, m2**2], axis=-1)


def thermal_curves(means: np.ndarray, temperatures: np.ndarray, L: int) -> dict[str, np.ndarray]:
    """The means of :func:`thermal_columns` at ``temperatures`` (``(n, 5)``) and the specific heat
    ``c = N (<e^2> - <e>^2) / T^2``, ``chi' = N (<m^2> - <|m|>^2) / T`` and
    ``U4 = 1 - <m^4> / (3 <m^2>^2)`` from them (N = L^2)."""
    moments = dict(zip(THERMAL_MOMENTS, means.T))
    n_sites = int(L) ** 2
    return {
        **moments,
        "specific_heat": n_sites * (moments["e2"] - moments["e"] ** 2) / temperatures**2,
        "chi_prime": n_sites * (moments["m2"] - moments["abs_m"] ** 2) / temperatures,
        "binder": 1.0 - moments["m4"] / (3.0 * moments["m2"] ** 2),
    }


# The same histograms recur within one job: every model, reduction and seed of the latent
# analysis reweights the same test-split energies of an L, every map and matched observable of
# an RG flow pair the same direct samples, replica by replica. Solving each once is most of the
# cost of those jobs.
_SOLVED: OrderedDict = OrderedDict()
_SOLVED_CAPACITY = 128


def solved_histogram(temperatures, energy, magnetization, L: int, *, initial_log_z=None) -> MultiHistogram:
    """:class:`MultiHistogram` of these samples, solved once per process for equal arrays and
    then shared (the 128 most recently used are kept). ``initial_log_z`` only speeds up the
    solution; a histogram found in the cache was solved from the starting point of its first
    request, which every caller here passes alike (None for all samples, the all-sample ln Z for
    jackknife replicas), so results are those of an uncached solution. Do not modify the
    returned object."""
    temperatures = np.ascontiguousarray(temperatures, dtype=float)
    energy = np.ascontiguousarray(energy, dtype=float)
    magnetization = np.ascontiguousarray(magnetization, dtype=float)
    key = (
        int(L),
        energy.shape,
        temperatures.tobytes(),
        hashlib.sha1(energy).digest(),
        hashlib.sha1(magnetization).digest(),
    )
    if key in _SOLVED:
        _SOLVED.move_to_end(key)
        return _SOLVED[key]
    histogram = MultiHistogram(temperatures, energy, magnetization, L, initial_log_z=initial_log_z)
    _SOLVED[key] = histogram
    if len(_SOLVED) > _SOLVED_CAPACITY:
        _SOLVED.popitem(last=False)
    return histogram
