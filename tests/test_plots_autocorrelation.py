"""deeprenorm.plots.autocorrelation: the autocorrelation figure writes a valid, non-trivial PNG,
with fits given or not, and its rows are split into the temperature scan and the sizes at T_c.

The figures themselves are judged by eye (ARCHITECTURE: a figure is done when you have looked at
it); these tests pin that the function runs on realistic and on degenerate tables and writes
atomically.
"""

import numpy as np
import pandas as pd
import pytest
from helpers import assert_png

from deeprenorm.exact import T_C
from deeprenorm.plots import plot_autocorrelation
from deeprenorm.plots.autocorrelation import split_autocorrelation_table


def autocorrelation_table(scan_L=16, sizes=(8, 16, 32, 64), tc=T_C):
    """tau_int rows: a temperature scan at ``scan_L`` and one row per size at ``tc``."""
    z = {"metropolis": 2.17, "swendsen_wang": 0.25, "wolff": 0.25}
    amplitude = {"metropolis": 0.2, "swendsen_wang": 1.5, "wolff": 0.6}
    rows = []
    for algorithm in z:
        for T in np.linspace(1.8, 3.2, 15):
            tau = amplitude[algorithm] * scan_L ** z[algorithm] / (1 + 20 * (T - T_C) ** 2)
            rows.append((algorithm, scan_L, T, tau, 0.08 * tau, 0.7 * tau, 0.06 * tau, 1e-6))
        for L in sizes:
            tau = amplitude[algorithm] * L ** z[algorithm]
            rows.append((algorithm, L, tc, tau, 0.1 * tau, 0.6 * tau, 0.06 * tau, 1e-6))
    columns = [
        "algorithm",
        "L",
        "temperature",
        "tau_int_abs_m",
        "tau_int_abs_m_err",
        "tau_int_energy",
        "tau_int_energy_err",
        "seconds_per_sweep",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_plot_autocorrelation_writes_png(tmp_path):
    path = tmp_path / "autocorrelation.png"
    assert plot_autocorrelation(autocorrelation_table(), path, fits=None) == path
    assert_png(path)


@pytest.mark.parametrize("kind", ["mapping", "dataframe"])
def test_plot_autocorrelation_accepts_given_fits(tmp_path, kind):
    fits = {
        (algorithm, observable): (z, 0.05)
        for algorithm, z in (("metropolis", 2.17), ("swendsen_wang", 0.25), ("wolff", 0.25))
        for observable in ("abs_m", "energy")
    }
    if kind == "dataframe":
        fits = pd.DataFrame(
            [(a, o, z, e) for (a, o), (z, e) in fits.items()], columns=["algorithm", "observable", "z", "z_err"]
        )
    path = tmp_path / f"autocorrelation_{kind}.png"
    plot_autocorrelation(autocorrelation_table(), path, fits)
    assert_png(path)


def test_plot_autocorrelation_row_selection_and_missing_parts(tmp_path):
    table = autocorrelation_table()
    scan, at_tc, scan_L = split_autocorrelation_table(table)
    assert scan_L == 16 and len(scan) == 3 * 16  # 15 scan temperatures + the T_c row of L = 16
    assert len(at_tc) == 3 * 4 and np.allclose(at_tc["temperature"], T_C)
    # T_c rounded to 4 decimals by a workflow: found with a wider tolerance only
    rounded = autocorrelation_table(tc=round(T_C, 4))
    assert len(split_autocorrelation_table(rounded)[1]) == 0
    assert len(split_autocorrelation_table(rounded, tc_tolerance=5e-5)[1]) == 12
    # no rows at T_c and a single algorithm: still a figure
    plot_autocorrelation(rounded[rounded["algorithm"] == "wolff"], tmp_path / "a.png")
    assert_png(tmp_path / "a.png")
    with pytest.raises(ValueError, match="columns"):
        plot_autocorrelation(table.drop(columns="tau_int_energy_err"), tmp_path / "b.png")
    # an explicit kind column (deeprenorm.dynamics) decides instead of the temperature
    labelled = rounded.assign(kind=np.where(np.isclose(rounded["temperature"], round(T_C, 4)), "size", "scan"))
    scan, at_tc, scan_L = split_autocorrelation_table(labelled)
    assert scan_L == 16 and len(scan) == 3 * 15 and len(at_tc) == 3 * 4
    plot_autocorrelation(labelled, tmp_path / "c.png", scan_L=16)
    assert_png(tmp_path / "c.png")
