"""deeprenorm.sweep: reconstruction curves, unit correlations and the width table beside Broomberg
& Rabinovich (2019)'s (its figure: tests/test_plots_sweep.py).

The encodings are synthetic (tests/helpers.py: independent Gaussian m and e per sample, codes
built from them), so every correlation has a known value; tolerances are ~4 standard errors
(1/sqrt(n) for r).
"""

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from helpers import SWEEP_TEMPERATURES, ar1, sweep_encoded, sweep_inputs

from deeprenorm.exact import T_C
from deeprenorm.latent import TEST, TRAIN
from deeprenorm.stats import binning_error, resampling_block_length
from deeprenorm.sweep import (
    REFERENCE_WIDTH_TABLE,
    SWEEP_COLUMNS,
    reconstruction_curve,
    unit_correlations,
    width_sweep_table,
)


def three_units(m, e, rng):
    """Unit 0 = m, unit 1 = -e, unit 2 = noise."""
    return np.stack([m, -e, rng.standard_normal(m.shape)], axis=-1)


def test_unit_correlations_are_the_known_ones_with_jackknife_errors():
    table = unit_correlations(sweep_encoded(three_units))
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
    table = unit_correlations(sweep_encoded(lambda m, e, rng: np.zeros(m.shape + (1,))))
    assert table[["corr_m", "corr_abs_m", "corr_e"]].isna().all(axis=None)


def test_reconstruction_curve_matches_numpy_on_the_part():
    data = sweep_encoded(three_units)
    for part, code in (("test", TEST), ("train", TRAIN)):
        curve = reconstruction_curve(data, part)
        mask = data["split"].values == code
        for i, row in curve.iterrows():
            values = data["reconstruction_error"].values[i][mask[i]].astype(float)
            assert row["temperature"] == SWEEP_TEMPERATURES[i] and row["n"] == values.size
            assert row["mse"] == pytest.approx(values.mean(), rel=1e-6)
            # contiguous blocks of the part's samples in chain order, >= 5 samples long
            block = resampling_block_length(values)
            assert block >= 5
            assert row["mse_err"] == pytest.approx(binning_error(values, block), rel=1e-6)
    with pytest.raises(ValueError, match="part must be one of"):
        reconstruction_curve(data, "holdout")


def _errors_encoded(errors, split):
    n_T, n = errors.shape
    return xr.Dataset(
        {
            "reconstruction_error": (("temperature", "sample"), errors),
            "split": (("temperature", "sample"), split),
        },
        coords={"temperature": np.linspace(2.0, 2.5, n_T), "sample": np.arange(n)},
        attrs={"L": 8, "kind": "wide", "model": "wide-k3-none", "training_seed": 0},
    )


def test_reconstruction_error_of_correlated_samples_is_the_known_error_of_the_mean():
    # 20 chains of 5000 AR(1) samples, rho = 0.5: the error of the mean is sqrt(var/n * 3).  Blocks
    # of ~29 understate the variance by 2 rho / (B (1 - rho^2)) = 4.6 %; the mean over 20 chains
    # of ~172 blocks is good to sqrt(2/172/20) = 2.4 %, so the ratio of variances lies in
    # [1 - 0.046 - 4 * 0.024, 1 + 4 * 0.024]; the i.i.d. error would give 1/3.
    rho, n = 0.5, 5000
    errors = 0.1 + 0.01 * ar1(rho, (20, n), seed=5)
    curve = reconstruction_curve(_errors_encoded(errors, np.full(errors.shape, TEST, dtype=np.int8)))
    known = 0.01 * math.sqrt(1.0 / (1.0 - rho**2) / n * (1.0 + rho) / (1.0 - rho))
    assert 1 - 0.046 - 0.096 < np.mean(curve["mse_err"] ** 2) / known**2 < 1 + 0.096


@pytest.mark.parametrize("n_test", [1, 2, 3, 7])
def test_reconstruction_curve_on_tiny_parts(n_test):
    split = np.full((3, 20), TRAIN, dtype=np.int8)
    split[:, :n_test] = TEST
    errors = 0.1 + 0.01 * np.random.default_rng(n_test).standard_normal(split.shape)
    curve = reconstruction_curve(_errors_encoded(errors, split))
    assert (curve["n"] == n_test).all() and curve["mse"].notna().all()
    assert curve["mse_err"].isna().all() if n_test == 1 else (curve["mse_err"] > 0).all()


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
    assert (
        row["model"] == "wide-k4-dropout"
        and row["L"] == 24
        and row["match"].startswith("same kind, width and regulariser")
    )
    assert row["T_c_mean"] == 2.36 and row["T_c_magnetic"] == 2.35 and row["T_c_pc1"] == 2.36
    assert row["deviation_percent"] == pytest.approx(100 * (2.36 - T_C) / T_C)
    assert row["deviation_sigma"] == pytest.approx((2.36 - T_C) / 0.01)
    assert row["r_chi"] == pytest.approx(0.91) and row["r_chi_spread"] == pytest.approx(0.02 / math.sqrt(2))
    # latent 1 at their L = 25 (dropout): our alexandrou without dropout, at the nearest L
    row = by_reference[(25, 1, "dropout")]
    assert (
        row["model"] == "alexandrou-k1-none"
        and row["L"] == 32
        and "regulariser differs (theirs: dropout)" in row["match"]
    )
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
