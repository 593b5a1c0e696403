"""Observables of batches of configurations, fine or blocked, and their ensemble averages.

Per sample (:func:`sample_observables`), on the L x L torus with J = 1:

* ``m``  -- magnetisation per spin, the mean of the spins;
* ``nn`` -- nearest-neighbour correlation, the mean of ``s_i s_j`` over the 2 L^2 bonds;
* ``e``  -- energy per spin ``-2 nn`` (each spin owns two bonds);
* ``G``  -- the two-point function along the lattice axes, ``G(r) = <s(x) s(x + r)>`` averaged
  over all sites and both axes, for r = 0 .. L/2 (the torus is symmetric about L/2).

Configurations are ``(..., L, L)`` arrays: int8 +-1 (Monte Carlo samples, block spins) or floats
in [-1, 1] (an autoencoder's continuous reconstruction), for which the same formulas define
the observables (``G(0)`` is then the mean of s^2, below 1).  The per-sample arrays have the
leading shape ``(...)``.

Ensemble averages (:func:`ensemble_summary`) carry blocked-jackknife errors over 20 blocks of
samples (:func:`deeprenorm.stats.jackknife`): the stored samples are >= 2 tau_int apart and count
as independent, so the blocks need not be long, and 20 of them keep the error of the error near
1/sqrt(2 * 19) = 16 %.
"""

from __future__ import annotations

import numpy as np

from ..stats import Estimate, jackknife

__all__ = [
    "magnetization",
    "nearest_neighbour_correlation",
    "energy",
    "two_point_function",
    "sample_observables",
    "ensemble_summary",
]

_N_BLOCKS = 20


def _configurations(spins) -> np.ndarray:
    """``spins`` checked as ``(..., L, L)`` with values in [-1, 1]; int8 stays int8 (exact
    products), anything else becomes float64."""
    spins = np.asarray(spins)
    if spins.ndim < 2 or spins.shape[-1] != spins.shape[-2]:
        raise ValueError(f"spins must have shape (..., L, L), got {spins.shape}")
    if spins.dtype != np.int8:
        spins = spins.astype(np.float64)
    if not np.all(np.abs(spins) <= 1):
        raise ValueError("spins must lie in [-1, 1] (found larger values or NaN)")
    return spins


def _site_mean(values: np.ndarray) -> np.ndarray:
    # float64 accumulation: an int8 or float32 sum over 10^3 sites would overflow or round
    return values.mean(axis=(-2, -1), dtype=np.float64)


def magnetization(spins) -> np.ndarray:
    """Magnetisation per spin of each configuration, float64 of shape ``(...)``."""
    return _site_mean(_configurations(spins))


def _axis_correlation(spins: np.ndarray, r: int) -> np.ndarray:
    """``<s(x) s(x + r)>`` over all sites, averaged over the two axes."""
    return 0.5 * (_site_mean(spins * np.roll(spins, -r, axis=-1)) + _site_mean(spins * np.roll(spins, -r, axis=-2)))


def nearest_neighbour_correlation(spins) -> np.ndarray:
    """Mean of ``s_i s_j`` over the 2 L^2 nearest-neighbour bonds of the torus, shape ``(...)``:
    1 for a uniform configuration, -1 for the checkerboard."""
    return _axis_correlation(_configurations(spins), 1)


def energy(spins) -> np.ndarray:
    """Energy per spin ``E / L^2 = -2 nn`` (J = 1, each bond once), shape ``(...)``; for +-1
    spins the same as :func:`deeprenorm.ising.lattice.energy_magnetization` divided by L^2."""
    return -2.0 * nearest_neighbour_correlation(spins)


def two_point_function(spins) -> np.ndarray:
    """``G(r)`` for r = 0 .. L // 2 along the axes, averaged over sites and both axes: float64
    of shape ``(..., L // 2 + 1)``.  Not connected (<m>^2 is not subtracted): on the m -> -m
    symmetric ensembles of this project <m> = 0 anyway."""
    spins = _configurations(spins)
    return np.stack([_axis_correlation(spins, r) for r in range(spins.shape[-1] // 2 + 1)], axis=-1)


def sample_observables(spins) -> dict[str, np.ndarray]:
    """``{"m", "nn", "e", "G"}`` of every configuration (see the module docstring)."""
    spins = _configurations(spins)
    G = two_point_function(spins)
    return {"m": magnetization(spins), "nn": G[..., 1], "e": -2.0 * G[..., 1], "G": G}


def _binder(m):
    m2 = m * m
    return 1.0 - np.mean(m2 * m2) / (3.0 * np.mean(m2) ** 2)


def ensemble_summary(samples, *, n_blocks: int = _N_BLOCKS) -> dict[str, Estimate]:
    """Ensemble averages of one (L, T) with blocked-jackknife errors.

    ``samples``: per-sample arrays over one axis of samples, at least ``"m"`` (n,) and
    optionally ``"nn"`` (n,) and ``"G"`` (n, r) -- the output of :func:`sample_observables` for
    a batch, or ``{"m": magnetization, "nn": -energy / 2}`` of a direct simulation's stored
    energies.  Returns :class:`deeprenorm.stats.Estimate` values (bias-corrected) for

    ``abs_m``   <|m|>
    ``binder``  U_4 = 1 - <m^4> / (3 <m^2>^2) (Binder, Z. Phys. B 43, 119 (1981)): 2/3 in the
                ordered phase, 0.61069 at T_c on the square torus
    ``nn``      <s s_nn>, if ``"nn"`` is given
    ``G``       <G(r)> (arrays of value and error), if ``"G"`` is given

    ``n_blocks`` (default 20) blocks of samples; fewer samples than blocks raise ValueError.
    """
    m = np.asarray(samples["m"], dtype=float)
    if m.ndim != 1:
        raise ValueError(f"samples['m'] must be one value per sample (n,), got shape {m.shape}")
    summary = {
        "abs_m": jackknife(lambda x: np.mean(np.abs(x)), m, n_blocks=n_blocks),
        "binder": jackknife(_binder, m, n_blocks=n_blocks),
    }
    for name in ("nn", "G"):
        if name in samples:
            values = np.asarray(samples[name], dtype=float)
            if values.shape[0] != m.size:
                raise ValueError(f"samples[{name!r}] has {values.shape[0]} samples, samples['m'] has {m.size}")
            summary[name] = jackknife(lambda x: x.mean(axis=0), values, n_blocks=n_blocks)
    return summary
