"""Tests for deeprenorm.plots: every figure function writes a valid, non-trivial PNG.

The figures themselves are judged by eye (ARCHITECTURE: a figure is done when you have looked
at it); these tests pin that the functions run on realistic and on degenerate tables, write
atomically, and leave no pyplot state behind.
"""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib import image as mpimg

from deeprenorm.data import simulation_to_xarray
from deeprenorm.exact import T_C, finite_energy, finite_specific_heat
from deeprenorm.ising import sample
from deeprenorm.plots import plot_autocorrelation, plot_thermodynamics
from deeprenorm.plots import style
from deeprenorm.thermo import THERMODYNAMIC_COLUMNS, critical_temperature_estimates
from deeprenorm.thermo import thermodynamic_table as real_thermodynamic_table

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def thermodynamic_table(sizes=(8, 16, 24), temperatures=np.linspace(1.6, 3.4, 20), seed=0):
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
        "tau_int_abs_m_error",
        "tau_int_energy",
        "tau_int_energy_error",
        "seconds_per_sweep",
    ]
    return pd.DataFrame(rows, columns=columns)


def assert_png(path, min_bytes=20_000):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > min_bytes
    pixels = mpimg.imread(path)
    height, width = pixels.shape[:2]
    assert height > 500 and width > 500
    assert np.ptp(pixels[..., :3]) > 0.5  # not a blank canvas
    # written atomically: no temporary file left beside it
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


@pytest.fixture(scope="module")
def table():
    return thermodynamic_table()


@pytest.fixture(scope="module")
def real_datasets():
    """Small real datasets (L = 6 and 8, 8 temperatures around T_c, 300 Wolff samples each)."""
    datasets = []
    for L in (6, 8):
        parts = [simulation_to_xarray(sample(L, T, 300, "wolff", seed=2)) for T in np.linspace(2.0, 2.8, 8)]
        combined = xr.concat(parts, dim="temperature", combine_attrs="drop_conflicts")
        combined.attrs.update(L=L, seed=2)
        datasets.append(combined)
    return datasets


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
    from deeprenorm.plots.autocorrelation import split_autocorrelation_table

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
        plot_autocorrelation(table.drop(columns="tau_int_energy_error"), tmp_path / "b.png")
    # an explicit kind column (deeprenorm.dynamics) decides instead of the temperature
    labelled = rounded.assign(kind=np.where(np.isclose(rounded["temperature"], round(T_C, 4)), "size", "scan"))
    scan, at_tc, scan_L = split_autocorrelation_table(labelled)
    assert scan_L == 16 and len(scan) == 3 * 15 and len(at_tc) == 3 * 4
    plot_autocorrelation(labelled, tmp_path / "c.png", scan_L=16)
    assert_png(tmp_path / "c.png")


def test_style_helpers(tmp_path):
    import matplotlib

    before = dict(matplotlib.rcParams)
    with style.use_style():
        assert matplotlib.rcParams["savefig.dpi"] == style.DPI
    assert matplotlib.rcParams["savefig.dpi"] == before["savefig.dpi"]
    colors = style.size_colors([32, 8, 16, 8])
    assert sorted(colors) == [8, 16, 32] and len(set(colors.values())) == 3
    assert style.algorithm_color("wolff") != style.algorithm_color("metropolis")
    assert style.format_value_error(2.26918, 0.0123) == "2.269 ± 0.012"
    assert style.format_value_error(float("nan"), 0.1) == "n/a"
    # one colour-blind-safe colour per model, black kept for the exact curves, stable in order
    models = style.model_colors(["a", "b", "c", "a", "d", "e", "f", "g"])
    assert list(models) == ["a", "b", "c", "d", "e", "f", "g"] and len(set(models.values())) == 7
    assert "#000000" not in models.values() and set(models.values()) <= set(style.OKABE_ITO)
    assert style.model_colors(["x", "y"]) == {"x": style.OKABE_ITO[0], "y": style.OKABE_ITO[1]}
    stages = style.stage_colors(["Monte Carlo", "Training"])
    assert stages["Monte Carlo"] != stages["Training"]
    assert set(style.ALGORITHM_COLORS.values()) <= set(style.OKABE_ITO)


def test_save_closes_pyplot_figures(tmp_path):
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    style.save(fig, tmp_path / "p.png")
    assert fig.number not in plt.get_fignums()
    assert (tmp_path / "p.png").read_bytes()[:8] == PNG_MAGIC
