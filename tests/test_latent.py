"""Tests for deeprenorm.latent (and deeprenorm.plots.latent): reductions of the code, the phase
table, T_c from reweighted latent curves, finite-size fits and the combination of seeds.

The encoded datasets are synthetic: real Wolff samples of L = 8, 12, 16 at 15 temperatures
(2.0 to 2.7, 400 each, fixed seed) with a made-up code, z = m exactly or z = tanh(a m w + noise)
over a few units, and a random 0.6 / 0.2 / 0.2 split with equal counts per temperature (as
deeprenorm.ml.split makes).  Statistical tolerances follow tests/test_stats.py: ~4 standard
deviations of the compared quantity.  Set DEEPRENORM_LATENT_FIGURES to a folder to keep the
figures of the plot test for inspection.
"""

import math
import os
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from deeprenorm import latent as lt
from deeprenorm.ising import sample
from deeprenorm.plots.latent import plot_phase_identification, plot_tc_finite_size
from deeprenorm.stats import fit_finite_size
from deeprenorm.thermo import ESTIMATE_COLUMNS, critical_temperature_estimates

SIZES = (8, 12, 16)
TEMPERATURES = np.round(np.linspace(2.0, 2.7, 15), 4)
N_SAMPLES = 400
FRACTIONS = (0.6, 0.2, 0.2)
WEIGHTS = np.array([1.0, 0.6, -0.3])  # a 3-unit code mixing m with noise


@pytest.fixture(scope="module")
def monte_carlo():
    """Per-spin (energy, magnetization) of real Wolff samples, (15, 400) per L (~1 s)."""
    result = {}
    for L in SIZES:
        energy = np.empty((TEMPERATURES.size, N_SAMPLES))
        magnetization = np.empty_like(energy)
        for i, T in enumerate(TEMPERATURES):
            simulation = sample(L, float(T), N_SAMPLES, "wolff", seed=20240917)
            energy[i], magnetization[i] = simulation.energy, simulation.magnetization
        result[L] = (energy, magnetization)
    return result


def random_split(shape, seed):
    """TRAIN / VALIDATION / TEST codes with exactly 0.6 / 0.2 / 0.2 of each temperature's samples."""
    rng = np.random.default_rng(seed)
    n_train, n_validation = int(FRACTIONS[0] * shape[1]), int(FRACTIONS[1] * shape[1])
    split = np.full(shape, lt.TEST, dtype=np.int8)
    for row in split:
        order = rng.permutation(shape[1])
        row[order[:n_train]] = lt.TRAIN
        row[order[n_train : n_train + n_validation]] = lt.VALIDATION
    return split


def make_encoded(L, energy, magnetization, latent, split, kind="synthetic"):
    latent = np.asarray(latent, dtype=np.float32)
    if latent.ndim == 2:
        latent = latent[..., None]
    return xr.Dataset(
        {
            "latent": (("temperature", "sample", "unit"), latent),
            "split": (("temperature", "sample"), split),
            "energy": (("temperature", "sample"), energy),
            "magnetization": (("temperature", "sample"), magnetization),
        },
        coords={"temperature": TEMPERATURES, "sample": np.arange(energy.shape[1]), "unit": np.arange(latent.shape[-1])},
        attrs={"L": L, "kind": kind, "latent": latent.shape[-1]},
    )


def tanh_code(magnetization, seed, noise=0.05, a=1.5):
    rng = np.random.default_rng(seed)
    return np.tanh(a * magnetization[..., None] * WEIGHTS + noise * rng.standard_normal(magnetization.shape + (WEIGHTS.size,)))


@pytest.fixture(scope="module")
def identity_encoded(monte_carlo):
    """z = m exactly (k = 1)."""
    return [make_encoded(L, e, m, m, random_split(m.shape, L)) for L, (e, m) in monte_carlo.items()]


@pytest.fixture(scope="module")
def tanh_encoded(monte_carlo):
    return [make_encoded(L, e, m, tanh_code(m, 100 + L), random_split(m.shape, L), kind="dense") for L, (e, m) in monte_carlo.items()]


@pytest.fixture(scope="module")
def tanh_estimates(tanh_encoded):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 3 sizes: no free-nu fit
        return lt.latent_critical_temperatures(tanh_encoded, "pc1", n_blocks=10, grid_spacing=0.005)


def test_split_codes_are_those_of_the_ml_package():
    try:
        from deeprenorm.ml import split
    except Exception as reason:  # torch missing, or the package mid-rewrite
        pytest.skip(f"deeprenorm.ml.split not importable: {reason}")
    assert (lt.TRAIN, lt.VALIDATION, lt.TEST) == (split.TRAIN, split.VALIDATION, split.TEST)
    assert tuple(lt.PARTS) == split.PART_NAMES


# ----------------------------------------------------------------- reductions


def test_k1_mean_is_z_norm_is_abs_z_and_pc1_the_centred_code():
    rng = np.random.default_rng(1)
    z = rng.normal(0.3, 1.0, (4, 50, 1))
    split = random_split((4, 50), 2)
    m = z[..., 0] + 0.1 * rng.standard_normal((4, 50))
    np.testing.assert_array_equal(lt.reduce_latent(z, split, "mean"), z[..., 0])
    np.testing.assert_array_equal(lt.reduce_latent(z[..., 0], split, "mean"), z[..., 0])  # 2-D input is k = 1
    np.testing.assert_array_equal(lt.reduce_latent(z, split, "norm"), np.abs(z[..., 0]))
    pc1 = lt.reduce_latent(z, split, "pc1", magnetization=m)
    np.testing.assert_allclose(pc1, z[..., 0] - z[..., 0][split == lt.TRAIN].mean(), atol=1e-12)  # + : correlates with m
    # the sign follows m, not the code: a flipped code gives the same projection
    np.testing.assert_allclose(lt.reduce_latent(-z, split, "pc1", magnetization=m), pc1, atol=1e-12)
    # a training set of zero mean (an odd code of the m -> -m symmetric ensemble): all three |z| agree
    symmetric = np.concatenate([z, -z], axis=1)
    split2 = np.concatenate([split, split], axis=1)
    reductions = [np.abs(lt.reduce_latent(symmetric, split2, method)) for method in lt.REDUCTIONS]
    for other in reductions[1:]:
        np.testing.assert_allclose(other, reductions[0], atol=1e-12)


def test_k1_mean_and_norm_give_identical_tables(identity_encoded):
    encoded = identity_encoded[0]
    mean, norm = lt.phase_table(encoded, "mean", "test"), lt.phase_table(encoded, "norm", "test")
    columns = [c for c in lt.PHASE_COLUMNS if c not in ("reduction", "model", "part")]
    pd.testing.assert_frame_equal(mean[columns], norm[columns], rtol=1e-12)


def test_pc1_is_fitted_on_the_training_samples_only():
    rng = np.random.default_rng(3)
    shape = (5, 60)
    m = rng.uniform(-1, 1, shape)
    z = np.stack([m, 0.5 * m, -0.2 * m], axis=-1) + 0.05 * rng.standard_normal(shape + (3,)) + 0.4
    split = random_split(shape, 4)
    pc1 = lt.reduce_latent(z, split, "pc1", magnetization=m)
    # the same as numpy's PCA of the training samples, sign: positive correlation with m
    train = z[split == lt.TRAIN]
    direction = np.linalg.eigh(np.cov(train, rowvar=False))[1][:, -1]
    projection = (z - train.mean(0)) @ direction
    sign = np.sign(np.sum(projection[split == lt.TRAIN] * m[split == lt.TRAIN]))
    np.testing.assert_allclose(pc1, sign * projection, atol=1e-12)
    assert np.corrcoef(pc1.ravel(), m.ravel())[0, 1] > 0.99
    # changing the held-out codes (and their m) changes only their own projections
    changed, m_changed = z.copy(), m.copy()
    held_out = split != lt.TRAIN
    changed[held_out] = rng.normal(5.0, 3.0, (held_out.sum(), 3))
    m_changed[held_out] = -m[held_out]
    again = lt.reduce_latent(changed, split, "pc1", magnetization=m_changed)
    np.testing.assert_allclose(again[~held_out], pc1[~held_out], atol=1e-12)
    np.testing.assert_allclose(again[held_out], sign * ((changed - train.mean(0)) @ direction)[held_out], atol=1e-12)
    # without m the largest loading is positive: flipping the code flips the projection
    np.testing.assert_allclose(lt.reduce_latent(-z, split, "pc1"), -lt.reduce_latent(z, split, "pc1"), atol=1e-12)


def test_norm_is_the_rms_of_the_units():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(3, 20, 4))
    split = random_split((3, 20), 6)
    np.testing.assert_allclose(lt.reduce_latent(z, split, "norm"), np.sqrt(np.mean(z * z, axis=-1)), rtol=1e-14)
    constant = np.full((3, 20, 4), -0.7)
    np.testing.assert_allclose(lt.reduce_latent(constant, split, "norm"), 0.7, rtol=1e-14)
    np.testing.assert_allclose(lt.reduce_latent(constant, split, "mean"), -0.7, rtol=1e-14)


def test_reduction_input_errors():
    split = random_split((2, 10), 0)
    with pytest.raises(ValueError, match="method"):
        lt.reduce_latent(np.zeros((2, 10, 1)), split, "max")
    with pytest.raises(ValueError, match="matching split"):
        lt.reduce_latent(np.zeros((2, 9, 1)), split, "mean")
    with pytest.raises(ValueError, match="NaN"):
        lt.reduce_latent(np.full((2, 10, 1), np.nan), split, "mean")
    with pytest.warns(RuntimeWarning, match="no variance"):
        assert np.all(lt.reduce_latent(np.ones((2, 10, 2)), split, "pc1") == 0)


# ----------------------------------------------------------------- phase table


def test_phase_table_matches_numpy_on_the_split(tanh_encoded):
    encoded = tanh_encoded[1]
    L = 12
    z_all = lt.reduce_latent(encoded["latent"].values, encoded["split"].values, "mean")
    for part, code in (("test", lt.TEST), ("train", lt.TRAIN)):
        table = lt.phase_table(encoded, "mean", part)
        assert list(table.columns) == lt.PHASE_COLUMNS and len(table) == TEMPERATURES.size
        assert (table["model"] == "dense").all() and (table["part"] == part).all() and (table["L"] == L).all()
        for i, row in table.iterrows():
            mask = encoded["split"].values[i] == code
            z, m, T = z_all[i][mask], encoded["magnetization"].values[i][mask], TEMPERATURES[i]
            n = mask.sum()
            assert row["n"] == n == (80 if part == "test" else 240)
            assert row["abs_z"] == pytest.approx(np.abs(z).mean(), rel=1e-12)
            assert row["abs_z_err"] == pytest.approx(np.abs(z).std(ddof=1) / math.sqrt(n), rel=1e-10)
            assert row["abs_m_err"] == pytest.approx(np.abs(m).std(ddof=1) / math.sqrt(n), rel=1e-10)
            # the replicators' chi_x = L^2 Var(|x|) / T
            assert row["chi_z"] == pytest.approx(L * L * np.var(np.abs(z)) / T, rel=1e-10)
            assert row["chi_m"] == pytest.approx(L * L * (np.mean(m * m) - np.mean(np.abs(m)) ** 2) / T, rel=1e-10)
            assert row["binder_z"] == pytest.approx(1 - np.mean(z**4) / (3 * np.mean(z**2) ** 2), rel=1e-10)
            assert row["corr_abs_z_abs_m"] == pytest.approx(np.corrcoef(np.abs(z), np.abs(m))[0, 1], rel=1e-10)
            if i == 7:  # the delete-one jackknife of chi_z and U_z, written out
                loo_chi = [L * L * np.var(np.abs(np.delete(z, j))) / T for j in range(n)]
                loo_u = [1 - np.mean(np.delete(z, j) ** 4) / (3 * np.mean(np.delete(z, j) ** 2) ** 2) for j in range(n)]
                for column, loo in (("chi_z_err", loo_chi), ("binder_z_err", loo_u)):
                    loo = np.array(loo)
                    assert row[column] == pytest.approx(math.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2)), rel=1e-8)


def test_chi_z_is_chi_m_when_the_code_is_m(identity_encoded):
    table = lt.phase_table(identity_encoded[2], "mean", "test")
    np.testing.assert_allclose(table["chi_z"], table["chi_m"], rtol=1e-6)  # float32 code
    np.testing.assert_allclose(table["chi_z_err"], table["chi_m_err"], rtol=1e-5)
    np.testing.assert_allclose(table["corr_abs_z_abs_m"], 1.0, atol=1e-6)
    summary = lt.phase_summary(identity_encoded[2], "mean", "test")
    assert summary["r_samples_abs_z_abs_m"] == pytest.approx(1.0, abs=1e-6)
    assert summary["r_curves_chi_z_chi_m"] == pytest.approx(1.0, abs=1e-6)


def test_phase_summary_correlations(tanh_encoded):
    encoded = tanh_encoded[0]
    summary = lt.phase_summary(encoded, "pc1", "test")
    mask = encoded["split"].values == lt.TEST
    z = lt.reduce_latent(encoded["latent"].values, encoded["split"].values, "pc1", magnetization=encoded["magnetization"].values)
    assert summary["n_samples"] == mask.sum() == 15 * 80 and summary["n_temperatures"] == 15
    assert summary["r_samples_abs_z_abs_m"] == pytest.approx(np.corrcoef(np.abs(z[mask]), np.abs(encoded["magnetization"].values[mask]))[0, 1], rel=1e-10)
    table = lt.phase_table(encoded, "pc1", "test")
    assert summary["r_curves_chi_z_chi_m"] == pytest.approx(np.corrcoef(table["chi_z"], table["chi_m"])[0, 1], rel=1e-10)
    assert summary["r_samples_abs_z_abs_m"] > 0.9  # the code tracks |m|


# ----------------------------------------------------------------- reweighted T_c


def test_chi_z_peak_of_z_equal_m_is_thermo_chi_prime_peak_of_the_same_subset(identity_encoded):
    """chi_z = chi' when |z| = |m|: the whole reweighted analysis must agree with thermo's on the
    test samples, value and jackknife error, to float32 rounding of the code."""
    window, options = (2.0, 2.7), {"n_blocks": 10, "grid_spacing": 1 / 150}
    with pytest.warns(RuntimeWarning, match="free nu needs >= 4 sizes"):
        estimates, curves = lt.latent_critical_temperatures(identity_encoded, "mean", part="test", window=window, **options)
    subsets = []
    for encoded in identity_encoded:
        mask = encoded["split"].values == lt.TEST
        pick = lambda name: encoded[name].values[mask].reshape(TEMPERATURES.size, -1)  # noqa: E731
        subsets.append(
            xr.Dataset(
                {"energy": (("temperature", "sample"), pick("energy")), "magnetization": (("temperature", "sample"), pick("magnetization"))},
                coords={"temperature": TEMPERATURES},
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
            np.testing.assert_allclose(peaks[column].to_numpy(float), thermo_peaks[column].to_numpy(float), rtol=1e-5, equal_nan=True)
    crossings = estimates[estimates["method"] == "binder_z_crossing"]
    thermo_crossings = reference[reference["method"] == "binder_crossing"]
    np.testing.assert_allclose(crossings["T_c"].to_numpy(float), thermo_crossings["T_c"].to_numpy(float), rtol=1e-5, equal_nan=True)
    fit = estimates.set_index("method").loc["chi_z_peak_extrapolation"]
    thermo_fit = reference.set_index("method").loc["chi_prime_peak_extrapolation"]
    assert fit["T_c"] == pytest.approx(thermo_fit["T_c"], rel=1e-5) and fit["T_c_err"] == pytest.approx(thermo_fit["T_c_err"], rel=1e-4)
    # curves: chi_z = chi_m = thermo's chi', U_z = thermo's U4
    np.testing.assert_allclose(curves["chi_z"], reference_curves["chi_prime"], rtol=1e-5)
    np.testing.assert_allclose(curves["chi_m"], reference_curves["chi_prime"], rtol=1e-10)
    np.testing.assert_allclose(curves["binder_z"], reference_curves["binder"], rtol=1e-5)
    assert list(curves.columns) == lt.LATENT_CURVE_COLUMNS


def test_tanh_code_estimates_are_located_with_positive_errors(tanh_estimates):
    estimates, curves = tanh_estimates
    rows = estimates.set_index("method")
    assert (estimates["model"] == "dense").all() and (estimates["reduction"] == "pc1").all() and (estimates["part"] == "test").all()
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


def test_degenerate_cases_warn_and_give_nan_rows(identity_encoded, monte_carlo):
    with pytest.warns(RuntimeWarning) as record:
        estimates, curves = lt.latent_critical_temperatures(identity_encoded[:2], "mean", window=(2.61, 2.64), n_blocks=4)
    messages = [str(w.message) for w in record]
    assert any("L=8: chi_z peak not located: fewer than 2 simulated temperatures" in m for m in messages)
    assert estimates["T_c"].isna().all() and len(curves) == 0
    assert estimates["note"].str.len().gt(0).all()
    # a code without fluctuations: flat chi_z = 0 (peak at the edge), U_z undefined (0/0)
    e, m = monte_carlo[8]
    dead = [make_encoded(L, *monte_carlo[L], np.zeros_like(monte_carlo[L][1]), random_split(m.shape, L)) for L in (8, 12)]
    with pytest.warns(RuntimeWarning) as record:
        estimates, _ = lt.latent_critical_temperatures(dead, "mean", n_blocks=4, grid_spacing=0.01)
    rows = estimates.set_index("method")
    assert rows.loc["chi_z_peak", "T_c"].isna().all() and rows.loc["chi_z_peak", "note"].str.contains("edge").all()
    assert math.isnan(rows.loc["binder_z_crossing", "T_c"])
    assert rows.loc["chi_m_peak", "T_c"].notna().all()  # the magnetic analysis is unaffected
    assert any("chi_z peaks: needs >= 2 sizes" in str(w.message) for w in record)


# ----------------------------------------------------------------- seeds


def estimate_frame(rows):
    """Peak rows of the estimates schema from (method, observable, L, T_c, T_c_err)."""
    records = []
    for method, observable, L, T_c, T_c_err in rows:
        record = {column: math.nan for column in lt.LATENT_ESTIMATE_COLUMNS}
        record.update(model="dense", reduction="mean", part="test", observable=observable, method=method, L=L, L2=pd.NA,
                      T_c=T_c, T_c_err=T_c_err, peak_height=10.0 * L, peak_height_err=1.0, n_bootstrap=20, note="")
        records.append(record)
    frame = pd.DataFrame(records, columns=lt.LATENT_ESTIMATE_COLUMNS)
    frame["L"], frame["L2"] = frame["L"].astype("Int64"), frame["L2"].astype("Int64")
    return frame


def test_combine_seeds_formula_and_refitted_extrapolations():
    values = {8: [2.52, 2.50, 2.55], 12: [2.44, 2.45, 2.41], 16: [2.40, np.nan, 2.38]}
    errors = {8: [0.02, 0.03, 0.02], 12: [0.015, 0.01, 0.02], 16: [0.01, np.nan, 0.012]}
    frames = [
        estimate_frame([("chi_z_peak", "chi_z", L, values[L][s], errors[L][s]) for L in values]
                       + [("chi_m_peak", "chi_m", L, 2.3 + 1.5 / L, 0.01) for L in values])
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
        assert row["T_c_err"] == pytest.approx(math.sqrt(np.mean(err[ok] ** 2) + s**2 / ok.sum()))
        assert row["n_seeds"] == ok.sum()
        magnetic = rows.loc[("chi_m_peak", L)]  # the same data for every seed: passes through
        assert magnetic["seed_spread"] == 0 and magnetic["T_c_err"] == pytest.approx(0.01) and magnetic["T_c"] == pytest.approx(2.3 + 1.5 / L)
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


# ----------------------------------------------------------------- figures


def test_figures_are_written(tanh_encoded, tanh_estimates, tmp_path):
    folder = os.environ.get("DEEPRENORM_LATENT_FIGURES", tmp_path)
    estimates, curves = tanh_estimates
    test = pd.concat([lt.phase_table(e, "pc1", "test") for e in tanh_encoded])
    train = pd.concat([lt.phase_table(e, "pc1", "train") for e in tanh_encoded])
    samples = lt.latent_sample_table(tanh_encoded[-1], "pc1", "test")
    assert list(samples.columns) == lt.SAMPLE_COLUMNS and len(samples) == 15 * 80
    summary = lt.phase_summary(tanh_encoded[-1], "pc1", "test")
    phase = plot_phase_identification(test, train, estimates, os.path.join(folder, "latent_phase.png"), samples=samples, curves=curves, summary=summary)
    fss = plot_tc_finite_size(estimates, os.path.join(folder, "latent_tc_finite_size.png"))
    for path in (phase, fss):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
    # degenerate: nothing located, no samples
    empty = estimates.assign(T_c=np.nan, T_c_err=np.nan)
    plot_phase_identification(test, None, empty, tmp_path / "empty_phase.png")
    plot_tc_finite_size(empty, tmp_path / "empty_fss.png")
    assert (tmp_path / "empty_phase.png").exists() and (tmp_path / "empty_fss.png").exists()
