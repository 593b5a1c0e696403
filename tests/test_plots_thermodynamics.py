"""deeprenorm.plots.thermodynamics: the thermodynamics figure writes a valid, non-trivial PNG.

The figures themselves are judged by eye (ARCHITECTURE: a figure is done when you have looked at
it); these tests pin that the function runs on realistic and on degenerate tables and writes
atomically.
"""

import numpy as np
import pandas as pd
import pytest
from helpers import assert_png, stacked_dataset

from deeprenorm.exact import T_C, finite_energy, finite_specific_heat
from deeprenorm.plots import plot_thermodynamics
from deeprenorm.thermo import THERMODYNAMIC_COLUMNS, critical_temperature_estimates
from deeprenorm.thermo import thermodynamic_table as real_thermodynamic_table

TEMPERATURES = np.linspace(1.6, 3.4, 20)


def thermodynamic_table(sizes=(8, 16, 24), temperatures=TEMPERATURES, seed=0):
    """A table with the columns of thermo.thermodynamic_table and plausible values."""
    rng = np.random.default_rng(seed)
    rows = []
    for L in sizes:
        for T in temperatures:
            peak = T_C + 2.0 / L
            chi = 0.05 * L**1.75 / (1.0 + (L * (T - peak) / 1.5) ** 2)
            binder = (1.0 - np.tanh(L * (T - T_C) / 4.0)) / 3.0
            e, c = finite_energy(L, T), finite_specific_heat(L, T)
            rows.append(
                {
                    "L": L,
                    "temperature": T,
                    "n_samples": 1000,
                    "algorithm": "wolff",
                    "e": e + 0.003 * rng.standard_normal(),
                    "e_err": 0.003,
                    "abs_m": 0.5 * (1 - np.tanh(L * (T - T_C) / 6)) * 0.9 + 0.05,
                    "abs_m_err": 0.01,
                    "m2": 0.5,
                    "m2_err": 0.01,
                    "specific_heat": c * (1 + 0.03 * rng.standard_normal()),
                    "specific_heat_err": 0.03 * c,
                    "susceptibility": 2 * chi,
                    "susceptibility_err": 0.1 * chi,
                    "chi_prime": chi * (1 + 0.03 * rng.standard_normal()),
                    "chi_prime_err": 0.03 * chi,
                    "binder": binder + 0.005 * rng.standard_normal(),
                    "binder_err": 0.005,
                    "tau_int_abs_m": 1.0,
                    "tau_int_energy": 1.0,
                    "sweeps_between_samples": 2,
                    "e_exact": e,
                    "specific_heat_exact": c,
                }
            )
    return pd.DataFrame(rows, columns=THERMODYNAMIC_COLUMNS)


@pytest.fixture(scope="module")
def real_datasets():
    """Small real datasets (L = 6 and 8, 8 temperatures around T_c, 300 Wolff samples each)."""
    return [stacked_dataset(L, np.linspace(2.0, 2.8, 8), 300, seed=2) for L in (6, 8)]


def test_plot_thermodynamics_writes_png(tmp_path, real_datasets):
    table = pd.concat([real_thermodynamic_table(d) for d in real_datasets], ignore_index=True)
    estimates, curves = critical_temperature_estimates(real_datasets, n_blocks=5)
    path = tmp_path / "figures" / "thermodynamics.png"  # folder created on the way
    assert plot_thermodynamics(table, path, estimates, curves) == path
    assert_png(path)
    path.write_bytes(b"stale")
    plot_thermodynamics(table, path, estimates, curves)
    assert_png(path)


def test_plot_thermodynamics_on_degenerate_tables(tmp_path, real_datasets):
    # one size: no crossing, no extrapolation, NaN estimates; no reweighted curves at all
    estimates, _ = critical_temperature_estimates(real_datasets[:1], n_blocks=4)
    coarse = thermodynamic_table(sizes=(8,), temperatures=np.array([2.0, 2.3, 2.6]))
    plot_thermodynamics(coarse, tmp_path / "coarse.png", estimates)
    assert_png(tmp_path / "coarse.png")
    # NaN errors (fewer than 4 samples per temperature)
    tiny = thermodynamic_table(sizes=(4, 8), temperatures=np.array([2.0, 2.5]))
    tiny[[c for c in tiny.columns if c.endswith("_err")]] = np.nan
    plot_thermodynamics(tiny, tmp_path / "tiny.png", estimates.iloc[:0])
    assert_png(tmp_path / "tiny.png")
