"""Tests for deeprenorm.sweep and its figure: reconstruction curves, unit correlations and the
width table beside Broomberg & Rabinovich (2019)'s.

The encodings are synthetic (independent Gaussian m and e per sample, codes built from them), so
every correlation has a known value; tolerances are ~4 standard errors (1/sqrt(n) for r).
"""

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from deeprenorm.exact import T_C
from deeprenorm.latent import TEST, TRAIN, VALIDATION
from deeprenorm.plots.sweep import plot_width_sweep
from deeprenorm.sweep import (
    REFERENCE_WIDTH_TABLE,
    SWEEP_COLUMNS,
    reconstruction_curve,
    unit_correlations,
    width_sweep_table,
)

TEMPERATURES = np.array([2.0, 2.25, 2.5, 2.75])
N_SAMPLES = 500


def split(seed=0):
    rng = np.random.default_rng(seed)
    labels = np.empty((TEMPERATURES.size, N_SAMPLES), dtype=np.int8)
    for row in labels:
        row[:] = rng.permutation(np.repeat([TRAIN, VALIDATION, TEST], [300, 100, 100]))
    return labels


def encoded(latent_of, L=8, seed=0, model="wide-k3-none", training_seed=0):
    """An encoding whose units are ``latent_of(m, e, rng)`` -> (n_T, n_samples, k)."""
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0, 0.5, (TEMPERATURES.size, N_SAMPLES))
    e = rng.normal(-1.0, 0.3, m.shape)
    latent = np.asarray(latent_of(m, e, rng), dtype=np.float32)
    errors = (0.1 + 0.05 * np.arange(TEMPERATURES.size))[:, None] + 0.01 * rng.standard_normal(m.shape)
    return xr.Dataset(
        {
            "latent": (("temperature", "sample", "unit"), latent),
            "reconstruction_error": (("temperature", "sample"), errors.astype(np.float32)),
            "split": (("temperature", "sample"), split(seed)),
            "energy": (("temperature", "sample"), e),
            "magnetization": (("temperature", "sample"), m),
        },
        coords={"temperature": TEMPERATURES, "sample": np.arange(N_SAMPLES), "unit": np.arange(latent.shape[-1])},
        attrs={"L": L, "kind": "wide", "model": model, "training_seed": training_seed},
    )


def three_units(m, e, rng):
    """Unit 0 = m, unit 1 = -e, unit 2 = noise."""
    return np.stack([m, -e, rng.standard_normal(m.shape)], axis=-1)


def test_unit_correlations_are_the_known_ones_with_jackknife_errors():
    table = unit_correlations(encoded(three_units))
    n = 400  # test samples: 100 per temperature
    assert list(table["n"]) == [n] * 3 and list(table["unit"]) == [0, 1, 2]
    first, second, noise = (table.iloc[i] for i in range(3))
    assert first["corr_m"] == pytest.approx(1.0, abs=1e-6)
    assert second["corr_e"] == pytest.approx(-1.0, abs=1e-6)
    # |m| of a zero-mean Gaussian is uncorrelated with m, and so with the m-unit
    assert abs(first["corr_abs_m"]) < 4 / math.sqrt(n)
    for column in ("corr_m", "corr_abs_m", "corr_e"):
        assert abs(noise[column]) < 4 / math.sqrt(n)
        # for independent variables the standard error of r is 1/sqrt(n)
        assert 0.5 / math.sqrt(n) < noise[f"{column}_err"] < 2 / math.sqrt(n)
    assert first["corr_m_err"] < 1e-5


def test_unit_correlations_of_a_constant_unit_are_nan():
    table = unit_correlations(encoded(lambda m, e, rng: np.zeros(m.shape + (1,))))
    assert table[["corr_m", "corr_abs_m", "corr_e"]].isna().all(axis=None)


def test_reconstruction_curve_matches_numpy_on_the_part():
    data = encoded(three_units)
    for part, code in (("test", TEST), ("train", TRAIN)):
        curve = reconstruction_curve(data, part)
        mask = data["split"].values == code
        for i, row in curve.iterrows():
            values = data["reconstruction_error"].values[i][mask[i]].astype(float)
            assert row["temperature"] == TEMPERATURES[i] and row["n"] == values.size
            assert row["mse"] == pytest.approx(values.mean(), rel=1e-6)
            assert row["mse_err"] == pytest.approx(values.std(ddof=1) / math.sqrt(values.size), rel=1e-6)
    with pytest.raises(ValueError, match="part must be one of"):
        reconstruction_curve(data, "holdout")


def tc_rows(model, L, T_z, T_m, reductions=("mean",)):
    rows = []
    for reduction in reductions:
        rows.append({"model": model, "reduction": reduction, "part": "test", "method": "chi_z_peak", "L": L, "T_c": T_z, "T_c_err": 0.01})
        rows.append({"model": model, "reduction": reduction, "part": "test", "method": "chi_m_peak", "L": L, "T_c": T_m, "T_c_err": 0.005})
    return rows


def sweep_inputs():
    """Two wide models at L = 24 (two seeds each) and an alexandrou k1 at L = 16 and 32."""
    specs = {
        "wide-k4-dropout": {"kind": "wide", "latent": 4, "regularisation": "dropout"},
        "wide-k16-l1": {"kind": "wide", "latent": 16, "regularisation": "l1"},
        "alexandrou-k1-none": {"kind": "alexandrou", "latent": 1, "regularisation": "none"},
    }
    encodings = []
    for model, spec in specs.items():
        sizes = (16, 32) if spec["kind"] == "alexandrou" else (24,)
        for L in sizes:
            for seed in (0, 1):
                width = spec["latent"]
                encodings.append(
                    encoded(lambda m, e, rng: m[..., None] + 0.1 * rng.standard_normal(m.shape + (width,)), L=L, seed=seed + L, model=model, training_seed=seed)
                )
    tc = pd.DataFrame(
        tc_rows("wide-k4-dropout", 24, 2.36, 2.35, ("mean", "pc1", "norm"))
        + tc_rows("wide-k16-l1", 24, 2.30, 2.35, ("mean", "pc1", "norm"))
        + tc_rows("alexandrou-k1-none", 16, 2.40, 2.39)
        + tc_rows("alexandrou-k1-none", 32, 2.33, 2.33)
    )
    summary = pd.DataFrame(
        [
            {"model": e.attrs["model"], "reduction": "mean", "part": "test", "L": e.attrs["L"], "training_seed": e.attrs["training_seed"],
             "r_curves_chi_z_chi_m": 0.9 + 0.02 * e.attrs["training_seed"], "r_samples_abs_z_abs_m": 0.95}
            for e in encodings
        ]
    )
    reconstruction = pd.concat([reconstruction_curve(e) for e in encodings], ignore_index=True)
    units = pd.concat([unit_correlations(e) for e in encodings], ignore_index=True)
    return specs, tc, summary, reconstruction, units


def test_width_table_lists_their_rows_in_order_matched_to_ours():
    specs, tc, summary, reconstruction, units = sweep_inputs()
    table = width_sweep_table(specs, tc, summary, reconstruction, units)
    assert list(table.columns) == SWEEP_COLUMNS
    references = table[table["reference"].notna()]
    assert len(references) == len(REFERENCE_WIDTH_TABLE)
    np.testing.assert_allclose(references["reference_T_peak"], [row[4] for row in REFERENCE_WIDTH_TABLE])
    by_reference = {(row[0], row[2], row[3]): references.iloc[i] for i, row in enumerate(REFERENCE_WIDTH_TABLE)}
    # latent 4 dropout at their L = 25: our L = 24 model, exact match
    row = by_reference[(25, 4, "dropout")]
    assert row["model"] == "wide-k4-dropout" and row["L"] == 24 and row["match"].startswith("same kind, width and regulariser")
    assert row["T_c_mean"] == 2.36 and row["T_c_magnetic"] == 2.35 and row["T_c_pc1"] == 2.36
    assert row["deviation_percent"] == pytest.approx(100 * (2.36 - T_C) / T_C)
    assert row["deviation_sigma"] == pytest.approx((2.36 - T_C) / 0.01)
    assert row["r_chi"] == pytest.approx(0.91) and row["r_chi_spread"] == pytest.approx(0.02 / math.sqrt(2))
    # latent 1 at their L = 25 (dropout): our alexandrou without dropout, at the nearest L
    row = by_reference[(25, 1, "dropout")]
    assert row["model"] == "alexandrou-k1-none" and row["L"] == 32 and "regulariser differs (theirs: dropout)" in row["match"]
    # their L = 50 latent 1 (regulariser not stated): nearest L is 32; a k1 code is its own reduction
    row = by_reference[(50, 1, None)]
    assert row["L"] == 32 and "not stated" in row["match"] and row["T_c_norm"] == row["T_c_mean"] == 2.33
    # no latent-8 model here
    row = by_reference[(25, 8, "dropout")]
    assert pd.isna(row["model"]) and row["match"] == "not trained in this study"
    # unmatched (model, L): alexandrou at L = 16 after the reference rows
    rest = table[table["reference"].isna()]
    assert list(zip(rest["model"], rest["L"])) == [("alexandrou-k1-none", 16)]


def test_width_table_test_loss_and_unit_maxima():
    specs, tc, summary, reconstruction, units = sweep_inputs()
    table = width_sweep_table(specs, tc, summary, reconstruction, units)
    row = table[(table["model"] == "wide-k16-l1")].iloc[0]
    curves = reconstruction[reconstruction["model"] == "wide-k16-l1"]
    per_seed = [np.average(c["mse"], weights=c["n"]) for _, c in curves.groupby("training_seed")]
    assert row["n_seeds"] == 2 and row["test_loss"] == pytest.approx(np.mean(per_seed))
    assert row["test_loss_err"] > 0
    mine = units[units["model"] == "wide-k16-l1"]
    expected = np.mean([group["corr_m"].abs().max() for _, group in mine.groupby("training_seed")])
    assert row["max_corr_m"] == pytest.approx(expected) and row["max_corr_m"] > 0.9
    assert row["max_corr_abs_m"] < 0.3  # the units are odd in m


def test_width_sweep_figure_has_six_panels(tmp_path):
    specs, tc, summary, reconstruction, units = sweep_inputs()
    table = width_sweep_table(specs, tc, summary, reconstruction, units)
    path = plot_width_sweep(table, reconstruction, units, tmp_path / "sweep.png")
    assert path.stat().st_size > 20_000
    empty = plot_width_sweep(table.iloc[0:0], reconstruction.iloc[0:0], units.iloc[0:0], tmp_path / "empty.png")
    assert empty.exists()
