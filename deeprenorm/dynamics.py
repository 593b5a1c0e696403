"""The algorithm comparison: tau_int vs temperature and vs L at T_c, for each algorithm.

Each point is the pilot run of :func:`deeprenorm.ising.measure_autocorrelation`, run long enough
(``pilot_factor`` tau) for a precise tau. Chains use ``chain=1`` so that they are independent of
the dataset chains (``chain=0``) at the same (L, T).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from .exact import DYNAMIC_EXPONENTS, T_C
from .stats import pdg_scale, weighted_line

__all__ = [
    "AUTOCORRELATION_CHAIN",
    "AUTOCORRELATION_COLUMNS",
    "autocorrelation_study",
    "dynamic_exponents",
    "fit_dynamic_exponent",
]

AUTOCORRELATION_CHAIN = 1

#: Columns of :func:`autocorrelation_study`, in order.
AUTOCORRELATION_COLUMNS = [
    "algorithm",
    "kind",
    "L",
    "temperature",
    "tau_int_abs_m",
    "tau_int_abs_m_err",
    "tau_int_energy",
    "tau_int_energy_err",
    "flipped_fraction_per_sweep",
    "pilot_sweeps",
    "seconds_per_sweep",
]

logger = logging.getLogger(__name__)


def autocorrelation_study(
    algorithm: str,
    scan_lattice_size: int,
    temperatures,
    lattice_sizes,
    seed: int,
    pilot_factor: float = 2000.0,
) -> pd.DataFrame:
    """tau_int of |m| and e of ``algorithm``.

    Rows of ``kind == "scan"``: L = ``scan_lattice_size`` at every temperature; rows of
    ``kind == "size"``: every L of ``lattice_sizes`` at T = T_c. Columns: ``algorithm, kind, L,
    temperature, tau_int_abs_m, tau_int_abs_m_err, tau_int_energy, tau_int_energy_err,
    flipped_fraction_per_sweep`` (Wolff only, NaN otherwise), ``pilot_sweeps, seconds_per_sweep``.
    tau_int is in sweeps of L^2 spin updates for every algorithm: for Wolff, the chain's own sweeps
    (a fixed number of clusters) times ``flipped_fraction_per_sweep``.
    """
    # the Monte Carlo kernels (numba) are imported here so that the fits and the figure job do not pay for them
    from .ising import measure_autocorrelation

    points = [("scan", scan_lattice_size, float(t)) for t in temperatures]
    points += [("size", int(size), T_C) for size in lattice_sizes]
    rows = []
    for kind, size, temperature in points:
        pilot = measure_autocorrelation(
            size, temperature, algorithm, seed, chain=AUTOCORRELATION_CHAIN, pilot_factor=pilot_factor
        )
        # A Wolff sweep is a whole number of clusters; rescale so every algorithm's tau counts
        # sweeps of L^2 spin updates (flipped spins for Wolff), the unit of the literature.
        unit = pilot.flipped_fraction_per_sweep if algorithm == "wolff" else 1.0
        logger.info(
            "%s %s L=%d T=%.4f: tau |m| %.2f, e %.2f",
            algorithm,
            kind,
            size,
            temperature,
            pilot.tau_abs_m.tau * unit,
            pilot.tau_energy.tau * unit,
        )
        rows.append(
            {
                "algorithm": algorithm,
                "kind": kind,
                "L": size,
                "temperature": temperature,
                "tau_int_abs_m": pilot.tau_abs_m.tau * unit,
                "tau_int_abs_m_err": pilot.tau_abs_m.error * unit,
                "tau_int_energy": pilot.tau_energy.tau * unit,
                "tau_int_energy_err": pilot.tau_energy.error * unit,
                "flipped_fraction_per_sweep": pilot.flipped_fraction_per_sweep,
                "pilot_sweeps": pilot.total_sweeps,
                "seconds_per_sweep": pilot.seconds_per_sweep,
            }
        )
    return pd.DataFrame(rows, columns=AUTOCORRELATION_COLUMNS)


def dynamic_exponents(table: pd.DataFrame) -> pd.DataFrame:
    """Fitted z of tau_int(T_c) ~ L^z per algorithm and observable (rows ``kind == "size"``).

    Columns: ``algorithm, observable`` (``abs_m`` or ``energy``), ``z, z_err, z_literature,
    sizes`` (the L used, as text).
    """
    rows = []
    at_critical = table[table["kind"] == "size"]
    for algorithm, group in at_critical.groupby("algorithm", sort=False):
        group = group.sort_values("L")
        for observable in ("abs_m", "energy"):
            z, z_err = fit_dynamic_exponent(
                group["L"].to_numpy(),
                group[f"tau_int_{observable}"].to_numpy(),
                group[f"tau_int_{observable}_err"].to_numpy(),
            )
            rows.append(
                {
                    "algorithm": algorithm,
                    "observable": observable,
                    "z": z,
                    "z_err": z_err,
                    "z_literature": DYNAMIC_EXPONENTS.get(algorithm, float("nan")),
                    "sizes": " ".join(str(size) for size in group["L"]),
                }
            )
    return pd.DataFrame(rows)


def fit_dynamic_exponent(L, tau, tau_err=None) -> tuple[float, float]:
    """Dynamic exponent ``z`` from ``tau = a L^z`` by weighted least squares in log-log.

    Fits ``ln tau = z ln L + c`` with ``sigma(ln tau) = tau_err / tau`` (first-order
    propagation).  The error is ``sqrt((A^T W A)^-1)`` of the slope, multiplied by the PDG scale
    factor ``sqrt(chi2/dof)`` when that exceeds 1 (effective exponents from small L carry
    corrections to scaling that the statistical errors do not cover).  Two sizes give the
    exact line through both points with the propagated error
    ``sqrt(s1^2 + s2^2) / |ln L2 - ln L1|``.

    Points with a non-finite or non-positive ``tau`` are dropped; so are points whose error is
    not finite and positive (an infinite error carries no weight, a NaN error an unknown one).
    If fewer than two distinct sizes with usable errors remain but at least two with usable
    ``tau`` do (or ``tau_err`` is None), the fit is unweighted and ``z_err`` comes from the
    scatter of the residuals (NaN for two points).  Fewer than two distinct sizes:
    ``(nan, nan)``.  Returns ``(z, z_err)`` as floats.
    """
    L = np.asarray(L, dtype=float).ravel()
    tau = np.asarray(tau, dtype=float).ravel()
    if L.shape != tau.shape:
        raise ValueError(f"L and tau differ in length ({L.size} vs {tau.size})")
    usable = np.isfinite(L) & (L > 0) & np.isfinite(tau) & (tau > 0)
    if tau_err is not None:
        tau_err = np.broadcast_to(np.asarray(tau_err, dtype=float).ravel(), tau.shape)
        weighted = usable & np.isfinite(tau_err) & (tau_err > 0)
        if np.unique(L[weighted]).size >= 2:
            x, y = np.log(L[weighted]), np.log(tau[weighted])
            coefficients, covariance, chi2, dof = weighted_line(x, y, tau_err[weighted] / tau[weighted])
            return float(coefficients[1]), float(math.sqrt(covariance[1, 1]) * pdg_scale(chi2, dof))
    if np.unique(L[usable]).size < 2:
        return math.nan, math.nan
    coefficients, covariance, _, _ = weighted_line(np.log(L[usable]), np.log(tau[usable]))
    return float(coefficients[1]), float(math.sqrt(covariance[1, 1]))
