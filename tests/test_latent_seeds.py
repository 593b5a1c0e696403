"""deeprenorm.latent.seeds: the T_c estimates of several training seeds of one model combined,
with the data noise (shared by all seeds) and the training noise (averaging down) kept apart, and
the finite-size extrapolations refitted on the combined peaks.

The estimates are hand-made rows of the estimates schema, whose combination is written out here,
or those of the synthetic tanh code (the fixture tanh_estimates of tests/conftest.py).
"""

import math

import numpy as np
import pandas as pd
import pytest

from deeprenorm import latent as lt
from deeprenorm.stats import fit_finite_size, student_t_factor


def estimate_frame(rows):
    """Peak rows of the estimates schema from (method, observable, L, T_c, T_c_err)."""
    records = []
    for method, observable, L, T_c, T_c_err in rows:
        record = {column: math.nan for column in lt.LATENT_ESTIMATE_COLUMNS}
        record.update(
            model="dense",
            reduction="mean",
            part="test",
            observable=observable,
            method=method,
            L=L,
            L2=pd.NA,
            T_c=T_c,
            T_c_err=T_c_err,
            peak_height=10.0 * L,
            peak_height_err=1.0,
            n_bootstrap=20,
            note="",
        )
        records.append(record)
    frame = pd.DataFrame(records, columns=lt.LATENT_ESTIMATE_COLUMNS)
    frame["L"], frame["L2"] = frame["L"].astype("Int64"), frame["L2"].astype("Int64")
    return frame


def test_combine_seeds_formula_and_refitted_extrapolations():
    values = {8: [2.52, 2.50, 2.55], 12: [2.44, 2.45, 2.41], 16: [2.40, np.nan, 2.38]}
    errors = {8: [0.02, 0.03, 0.02], 12: [0.015, 0.01, 0.02], 16: [0.01, np.nan, 0.012]}
    frames = [
        estimate_frame(
            [("chi_z_peak", "chi_z", L, values[L][s], errors[L][s]) for L in values]
            + [("chi_m_peak", "chi_m", L, 2.3 + 1.5 / L, 0.01) for L in values]
        )
        for s in range(3)
    ]
    with pytest.warns(RuntimeWarning, match="seeds combined chi_[zm] peaks: free nu needs >= 4 sizes"):
        combined = lt.combine_seeds(frames)
    assert list(combined.columns) == lt.COMBINED_COLUMNS
    rows = combined.set_index(["method", "L"])
    for L in values:
        T, err = np.array(values[L]), np.array(errors[L])
        ok = np.isfinite(T)
        row = rows.loc[("chi_z_peak", L)]
        s = np.std(T[ok], ddof=1)
        assert row["T_c"] == pytest.approx(T[ok].mean())
        assert row["T_c_err_jackknife"] == pytest.approx(math.sqrt(np.mean(err[ok] ** 2)))
        assert row["seed_spread"] == pytest.approx(s)
        t = student_t_factor(int(ok.sum()))
        assert row["T_c_err"] == pytest.approx(math.sqrt(np.mean(err[ok] ** 2) + (t * s) ** 2 / ok.sum()))
        assert row["n_seeds"] == ok.sum()
        magnetic = rows.loc[("chi_m_peak", L)]  # the same data for every seed: passes through
        assert magnetic["seed_spread"] == 0 and magnetic["T_c_err"] == pytest.approx(0.01)
        assert magnetic["T_c"] == pytest.approx(2.3 + 1.5 / L)
    assert "not located for 1 seed" in rows.loc[("chi_z_peak", 16), "note"]
    fit = combined.set_index("method").loc["chi_z_peak_extrapolation"]
    peaks = combined[combined["method"] == "chi_z_peak"]
    expected = fit_finite_size(peaks["L"].astype(float), peaks["T_c"], peaks["T_c_err"], nu=1.0)
    assert fit["T_c"] == pytest.approx(expected.T_c_inf) and fit["T_c_err"] == pytest.approx(expected.T_c_inf_err)
    assert fit["n_seeds"] == 2
    magnetic_fit = combined.set_index("method").loc["chi_m_peak_extrapolation"]
    assert magnetic_fit["T_c"] == pytest.approx(2.3) and magnetic_fit["slope"] == pytest.approx(1.5)


@pytest.mark.filterwarnings("ignore:.*(free nu needs|needs >= 2 sizes).*:RuntimeWarning")
def test_combine_seeds_edge_cases(tanh_estimates):
    estimates, _ = tanh_estimates
    same = lt.combine_seeds([estimates, estimates])
    located = same[same["method"].isin(["chi_z_peak", "chi_m_peak"]) & same["T_c"].notna()]
    assert (located["seed_spread"] == 0).all() and (located["n_seeds"] == 2).all()
    original = estimates.set_index(["method", "L"]).loc[located.set_index(["method", "L"]).index]
    np.testing.assert_allclose(located["T_c_err"], original["T_c_err"], rtol=1e-12)
    one = lt.combine_seeds([estimates])
    assert one.loc[one["T_c"].notna() & one["method"].eq("chi_m_peak"), "note"].str.contains("one seed").all()
    nowhere = estimate_frame([("chi_z_peak", "chi_z", 8, np.nan, np.nan)])
    with pytest.warns(RuntimeWarning, match="not located for any"):
        result = lt.combine_seeds([nowhere, nowhere])
    assert result["n_seeds"].iloc[0] == 0 and math.isnan(result["T_c"].iloc[0])
    with pytest.raises(ValueError, match="repeated"):
        lt.combine_seeds([pd.concat([nowhere, nowhere])])
    with pytest.raises(ValueError, match="empty"):
        lt.combine_seeds([])


def test_offsets_combine_like_the_peaks_and_a_seed_without_one_makes_none():
    """offset_from_chi_m of the chi_z rows is averaged over the seeds by the same rule as T_c;
    where one seed located the chi_z peak but not the chi' peak (no offset), the combined
    offset is not a mean over the others but absent, while T_c still combines."""
    offsets = {8: [0.010, 0.014, 0.012, 0.008], 12: [0.004, np.nan, 0.006, 0.005]}
    frames = []
    for seed in range(4):
        frame = estimate_frame([("chi_z_peak", "chi_z", L, 2.4 + 1.0 / L + 0.001 * seed, 0.01) for L in offsets])
        frame["offset_from_chi_m"] = [offsets[L][seed] for L in offsets]
        frame["offset_from_chi_m_err"] = 0.002
        frames.append(frame)
    with pytest.warns(RuntimeWarning):  # two sizes: no free-nu fit
        rows = lt.combine_seeds(frames).set_index(["method", "L"])
    at_8 = rows.loc[("chi_z_peak", 8)]
    spread = np.std(offsets[8], ddof=1)
    assert at_8["offset_from_chi_m"] == pytest.approx(np.mean(offsets[8]))
    assert at_8["offset_from_chi_m_err"] == pytest.approx(math.hypot(0.002, student_t_factor(4) * spread / 2))
    at_12 = rows.loc[("chi_z_peak", 12)]
    assert math.isnan(at_12["offset_from_chi_m"]) and math.isnan(at_12["offset_from_chi_m_err"])
    assert at_12["n_seeds"] == at_12["seeds_trained"] == 4 and np.isfinite(at_12["T_c"])
