"""The algorithm comparison: tau_int vs temperature and vs L at T_c, for each algorithm.

Each point is the pilot run of :func:`deeprenorm.ising.measure_autocorrelation`, run long enough
(``pilot_factor`` tau) for a precise tau. Chains use ``chain=1`` so that they are independent of
the dataset chains (``chain=0``) at the same (L, T).
"""

from __future__ import annotations

import logging

import pandas as pd

from .exact import T_C
from .ising import measure_autocorrelation

__all__ = ["AUTOCORRELATION_CHAIN", "autocorrelation_study"]

AUTOCORRELATION_CHAIN = 1

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
    temperature, tau_int_abs_m, tau_int_abs_m_error, tau_int_energy, tau_int_energy_error,
    flipped_fraction_per_sweep`` (Wolff only, NaN otherwise), ``pilot_sweeps, seconds_per_sweep``.
    """
    points = [("scan", scan_lattice_size, float(t)) for t in temperatures]
    points += [("size", int(size), T_C) for size in lattice_sizes]
    rows = []
    for kind, size, temperature in points:
        pilot = measure_autocorrelation(
            size, temperature, algorithm, seed, chain=AUTOCORRELATION_CHAIN, pilot_factor=pilot_factor
        )
        logger.info("%s %s L=%d T=%.4f: tau |m| %.2f, e %.2f", algorithm, kind, size, temperature, pilot.tau_abs_m.tau, pilot.tau_energy.tau)
        rows.append(
            {
                "algorithm": algorithm,
                "kind": kind,
                "L": size,
                "temperature": temperature,
                "tau_int_abs_m": pilot.tau_abs_m.tau,
                "tau_int_abs_m_error": pilot.tau_abs_m.error,
                "tau_int_energy": pilot.tau_energy.tau,
                "tau_int_energy_error": pilot.tau_energy.error,
                "flipped_fraction_per_sweep": pilot.flipped_fraction_per_sweep,
                "pilot_sweeps": pilot.total_sweeps,
                "seconds_per_sweep": pilot.seconds_per_sweep,
            }
        )
    return pd.DataFrame(rows)
