"""deeprenorm.latent.critical: T_c from the peaks of reweighted chi_z and chi_m and the crossings
of U_z, with blocked-jackknife errors, their finite-size extrapolations, and the rows of what is
not located.

The encoded datasets are synthetic (the fixtures identity_encoded, tanh_encoded and
tanh_estimates of tests/conftest.py): real Wolff samples of L = 8, 12, 16 at 15 temperatures (2.0
to 2.7, 400 each, fixed seed) with a made-up code, z = m exactly or z = tanh(a m w + noise) over a
few units, and a random 0.6 / 0.2 / 0.2 split with equal counts per temperature. With z = m the
analysis must reproduce deeprenorm.thermo's on the same samples to float32 rounding of the code.
"""

import math
import warnings

import numpy as np
import pytest
import xarray as xr
from helpers import LATENT_TEMPERATURES, make_encoded, random_split

from deeprenorm import latent as lt
from deeprenorm.thermo import ESTIMATE_COLUMNS, critical_temperature_estimates


def test_chi_z_peak_of_z_equal_m_is_thermo_chi_prime_peak_of_the_same_subset(identity_encoded):
    """chi_z = chi' when |z| = |m|: the whole reweighted analysis must agree with thermo's on the
    test samples, value and jackknife error, to float32 rounding of the code."""
    window, options = (2.0, 2.7), {"n_blocks": 10, "grid_spacing": 1 / 150}
    with pytest.warns(RuntimeWarning, match="free nu needs >= 4 sizes"):
        estimates, curves = lt.latent_critical_temperatures(
            identity_encoded, "mean", part="test", window=window, **options
        )
    subsets = []
    for encoded in identity_encoded:
        mask = encoded["split"].values == lt.TEST
        test = {
            name: encoded[name].values[mask].reshape(LATENT_TEMPERATURES.size, -1)
            for name in ("energy", "magnetization")
        }
        subsets.append(
            xr.Dataset(
                {name: (("temperature", "sample"), values) for name, values in test.items()},
                coords={"temperature": LATENT_TEMPERATURES},
                attrs={"L": int(encoded.attrs["L"])},
            )
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reference, reference_curves = critical_temperature_estimates(subsets, window=window, **options)
    assert list(estimates.columns) == lt.LATENT_ESTIMATE_COLUMNS
    assert set(ESTIMATE_COLUMNS) <= set(estimates.columns)
    thermo_peaks = reference[reference["method"] == "chi_prime_peak"].set_index("L")
    assert thermo_peaks["T_c"].notna().sum() >= 2
    for method in ("chi_z_peak", "chi_m_peak"):
        peaks = estimates[estimates["method"] == method].set_index("L")
        for column in ("T_c", "T_c_err", "peak_height", "peak_height_err"):
            np.testing.assert_allclose(
                peaks[column].to_numpy(float), thermo_peaks[column].to_numpy(float), rtol=1e-5, equal_nan=True
            )
    crossings = estimates[estimates["method"] == "binder_z_crossing"]
    thermo_crossings = reference[reference["method"] == "binder_crossing"]
    np.testing.assert_allclose(
        crossings["T_c"].to_numpy(float), thermo_crossings["T_c"].to_numpy(float), rtol=1e-5, equal_nan=True
    )
    fit = estimates.set_index("method").loc["chi_z_peak_extrapolation"]
    thermo_fit = reference.set_index("method").loc["chi_prime_peak_extrapolation"]
    assert fit["T_c"] == pytest.approx(thermo_fit["T_c"], rel=1e-5)
    assert fit["T_c_err"] == pytest.approx(thermo_fit["T_c_err"], rel=1e-4)
    assert fit["T_c_err_sys"] == pytest.approx(thermo_fit["T_c_err_sys"], rel=1e-3, abs=1e-6)
    assert fit["dof"] == thermo_fit["dof"] == 1
    # z = m: the code's peak is the magnetisation's, replica by replica, so the paired offset is
    # zero with a zero error (up to float32 rounding of the code), not zero within a sum of errors
    offsets = estimates[estimates["method"] == "chi_z_peak"]
    assert offsets["offset_from_chi_m"].notna().all()
    np.testing.assert_allclose(offsets["offset_from_chi_m"].to_numpy(float), 0.0, atol=1e-4)
    assert (offsets["offset_from_chi_m_err"].to_numpy(float) < 0.05 * offsets["T_c_err"].to_numpy(float)).all()
    # curves: chi_z = chi_m = thermo's chi', U_z = thermo's U4
    np.testing.assert_allclose(curves["chi_z"], reference_curves["chi_prime"], rtol=1e-5)
    np.testing.assert_allclose(curves["chi_m"], reference_curves["chi_prime"], rtol=1e-10)
    np.testing.assert_allclose(curves["binder_z"], reference_curves["binder"], rtol=1e-5)
    assert list(curves.columns) == lt.LATENT_CURVE_COLUMNS


def test_tanh_code_estimates_are_located_with_positive_errors(tanh_estimates):
    estimates, curves = tanh_estimates
    rows = estimates.set_index("method")
    assert (estimates["model"] == "dense").all() and (estimates["reduction"] == "pc1").all()
    assert (estimates["part"] == "test").all()
    assert set(estimates["observable"]) == {"chi_z", "chi_m", "binder_z"}
    peaks = rows.loc[["chi_z_peak", "chi_m_peak"]]
    assert len(peaks) == 6 and (peaks.loc["chi_m_peak", "T_c_err"] > 0).all()
    # peak positions are parabola vertices, not grid points
    grid = curves.loc[curves["L"] == 16, "temperature"].to_numpy()
    located = peaks["T_c"].dropna().to_numpy()
    assert np.min(np.abs(located[:, None] - grid[None, :]), axis=1).max() > 1e-6
    assert (rows.loc["chi_m_peak", "n_bootstrap"] == 10).all()
    assert math.isnan(rows.loc["chi_m_peak_extrapolation_free_nu", "T_c"])  # 3 sizes
    assert "4 sizes" in rows.loc["chi_m_peak_extrapolation_free_nu", "note"]
    # the offset of the code's peak from the magnetisation's on the same samples: its paired
    # error is the jackknife of the difference, smaller than the two errors added in quadrature
    # because the same blocks move both peaks
    chi_z = rows.loc["chi_z_peak"].set_index("L")
    chi_m = rows.loc["chi_m_peak"].set_index("L")
    offset = chi_z["offset_from_chi_m"].dropna()
    assert len(offset) >= 2
    np.testing.assert_allclose(offset, (chi_z["T_c"] - chi_m["T_c"])[offset.index], rtol=1e-10)
    independent = np.hypot(chi_z["T_c_err"], chi_m["T_c_err"])[offset.index]
    assert (chi_z.loc[offset.index, "offset_from_chi_m_err"] < independent).all()
    assert rows.loc["chi_m_peak", "offset_from_chi_m"].isna().all()
    # the variants behind the systematic error of the nu = 1 fit, over L = 8, 12, 16
    headline = rows.loc["chi_m_peak_extrapolation"]
    variants = [rows.loc[f"chi_m_peak_extrapolation_{name}"] for name in ("drop_smallest", "correction")]
    assert headline["dof"] == 1 and [v["dof"] for v in variants] == [0, 0]
    # the systematic is the part of the variants' shifts beyond their own noise: never more
    # than the largest shift, which each variant's note gives beside its noise
    assert 0 <= headline["T_c_err_sys"] <= max(abs(v["T_c"] - headline["T_c"]) for v in variants) + 1e-12
    assert all("its own noise" in v["note"] for v in variants)


def test_unequal_counts_and_mixed_models_raise(identity_encoded):
    encoded = identity_encoded[0].copy(deep=True)
    split = encoded["split"].values.copy()
    first_test = np.flatnonzero(split[0] == lt.TEST)[0]
    split[0, first_test] = lt.TRAIN
    encoded["split"] = (("temperature", "sample"), split)
    with pytest.raises(ValueError, match="equal counts"):
        lt.latent_critical_temperatures([encoded], "mean")
    other = identity_encoded[1].assign_attrs(kind="other")
    with pytest.raises(ValueError, match="mixes models"):
        lt.latent_critical_temperatures([identity_encoded[0], other], "mean")
    with pytest.raises(ValueError, match="part"):
        lt.phase_table(identity_encoded[0], "mean", "holdout")


def test_degenerate_cases_warn_and_give_nan_rows(identity_encoded, latent_monte_carlo):
    with pytest.warns(RuntimeWarning) as record:
        estimates, curves = lt.latent_critical_temperatures(
            identity_encoded[:2], "mean", window=(2.61, 2.64), n_blocks=4
        )
    messages = [str(w.message) for w in record]
    assert any("L=8: chi_z peak not located: fewer than 2 simulated temperatures" in m for m in messages)
    assert estimates["T_c"].isna().all() and len(curves) == 0
    assert estimates["note"].str.len().gt(0).all()
    # a code without fluctuations: flat chi_z = 0 (peak at the edge), U_z undefined (0/0)
    e, m = latent_monte_carlo[8]
    dead = [
        make_encoded(L, *latent_monte_carlo[L], np.zeros_like(latent_monte_carlo[L][1]), random_split(m.shape, L))
        for L in (8, 12)
    ]
    with pytest.warns(RuntimeWarning) as record:
        estimates, _ = lt.latent_critical_temperatures(dead, "mean", n_blocks=4, grid_spacing=0.01)
    rows = estimates.set_index("method")
    assert rows.loc["chi_z_peak", "T_c"].isna().all() and rows.loc["chi_z_peak", "note"].str.contains("edge").all()
    assert math.isnan(rows.loc["binder_z_crossing", "T_c"])
    assert rows.loc["chi_m_peak", "T_c"].notna().all()  # the magnetic analysis is unaffected
    assert any("chi_z peaks: needs >= 2 sizes" in str(w.message) for w in record)
