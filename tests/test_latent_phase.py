"""deeprenorm.latent.phase: the per-temperature phase table (<|z|>, chi_z, U_z beside <|m|>,
chi_m, with blocked jackknife errors over the samples in chain order) and the correlations of
its summary.

The encoded datasets are synthetic (the fixtures identity_encoded and tanh_encoded of
tests/conftest.py): real Wolff samples of L = 8, 12, 16 at 15 temperatures (2.0 to 2.7, 400
each, fixed seed) with a made-up code, z = m exactly or z = tanh(a m w + noise) over a few units,
and a random 0.6 / 0.2 / 0.2 split with equal counts per temperature. The table is compared with
numpy on the same samples, to rounding (float32 codes: rtol ~1e-6).
"""

import math

import numpy as np
import pandas as pd
import pytest
from helpers import LATENT_TEMPERATURES, ar1, make_encoded

from deeprenorm import latent as lt
from deeprenorm.stats import jackknife_error, leave_one_block_out, resampling_block_length


def test_k1_mean_and_norm_give_identical_tables(identity_encoded):
    encoded = identity_encoded[0]
    mean, norm = lt.phase_table(encoded, "mean", "test"), lt.phase_table(encoded, "norm", "test")
    columns = [c for c in lt.PHASE_COLUMNS if c not in ("reduction", "model", "part")]
    pd.testing.assert_frame_equal(mean[columns], norm[columns], rtol=1e-12)


def test_phase_table_matches_numpy_on_the_split(tanh_encoded):
    encoded = tanh_encoded[1]
    L = 12
    z_all = lt.reduce_latent(encoded["latent"].values, encoded["split"].values, "mean")
    for part, code in (("test", lt.TEST), ("train", lt.TRAIN)):
        table = lt.phase_table(encoded, "mean", part)
        assert list(table.columns) == lt.PHASE_COLUMNS and len(table) == LATENT_TEMPERATURES.size
        assert (table["model"] == "dense").all() and (table["part"] == part).all() and (table["L"] == L).all()
        for i, row in table.iterrows():
            mask = encoded["split"].values[i] == code
            z, m, T = z_all[i][mask], encoded["magnetization"].values[i][mask], LATENT_TEMPERATURES[i]
            n = mask.sum()
            assert row["n"] == n == (80 if part == "test" else 240)
            # contiguous blocks of the part's samples, in chain order, of the documented length
            block = resampling_block_length(np.abs(z), z**2, z**4, np.abs(m), m * m)
            assert block >= 5
            kept = leave_one_block_out(n, n // block)
            assert row["abs_z"] == pytest.approx(np.abs(z).mean(), rel=1e-12)
            for column, x in (("abs_z_err", np.abs(z)), ("abs_m_err", np.abs(m))):
                assert row[column] == pytest.approx(jackknife_error([x[k].mean() for k in kept]), rel=1e-10)
            # the replicators' chi_x = L^2 Var(|x|) / T
            assert row["chi_z"] == pytest.approx(L * L * np.var(np.abs(z)) / T, rel=1e-10)
            assert row["chi_m"] == pytest.approx(L * L * (np.mean(m * m) - np.mean(np.abs(m)) ** 2) / T, rel=1e-10)
            assert row["binder_z"] == pytest.approx(1 - np.mean(z**4) / (3 * np.mean(z**2) ** 2), rel=1e-10)
            assert row["corr_abs_z_abs_m"] == pytest.approx(np.corrcoef(np.abs(z), np.abs(m))[0, 1], rel=1e-10)
            if i == 7:  # the delete-one-block jackknife of chi_z and U_z, written out
                loo_chi = [L * L * np.var(np.abs(z[k])) / T for k in kept]
                loo_u = [1 - np.mean(z[k] ** 4) / (3 * np.mean(z[k] ** 2) ** 2) for k in kept]
                for column, loo in (("chi_z_err", loo_chi), ("binder_z_err", loo_u)):
                    loo = np.array(loo)
                    expected = math.sqrt((len(kept) - 1) / len(kept) * np.sum((loo - loo.mean()) ** 2))
                    assert row[column] == pytest.approx(expected, rel=1e-8)


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
    magnetization = encoded["magnetization"].values
    z = lt.reduce_latent(encoded["latent"].values, encoded["split"].values, "pc1", magnetization=magnetization)
    assert summary["n_samples"] == mask.sum() == 15 * 80 and summary["n_temperatures"] == 15
    samples = np.corrcoef(np.abs(z[mask]), np.abs(magnetization[mask]))[0, 1]
    assert summary["r_samples_abs_z_abs_m"] == pytest.approx(samples, rel=1e-10)
    table = lt.phase_table(encoded, "pc1", "test")
    curves = np.corrcoef(table["chi_z"], table["chi_m"])[0, 1]
    assert summary["r_curves_chi_z_chi_m"] == pytest.approx(curves, rel=1e-10)
    assert summary["r_samples_abs_z_abs_m"] > 0.9  # the code tracks |m|


def _ar1_encoded(rho, n_samples, seed, shuffle=False):
    """z = m = 1 + 0.05 x of an AR(1) series x per temperature (|m| = m), every sample in the test
    part, in chain order unless ``shuffle``."""
    m = 1.0 + 0.05 * ar1(rho, (LATENT_TEMPERATURES.size, n_samples), seed)
    if shuffle:
        m = np.random.default_rng(seed).permuted(m, axis=1)
    split = np.full(m.shape, lt.TEST, dtype=np.int8)
    return make_encoded(8, -np.ones_like(m), m, m, split)


def test_blocked_errors_of_correlated_samples_are_the_known_error_of_the_mean():
    # 15 temperatures x 4000 samples of AR(1) with rho = 0.5 (tau_int = 1.5): the error of the mean
    # is sqrt(var/n * 3), the i.i.d. one sqrt(3) times smaller.  Blocks of ~27 samples understate
    # the variance by 2 rho / (B (1 - rho^2)) = 4.9 %; 15 estimates from ~148 blocks
    # each have a mean variance good to sqrt(2/148/15) = 3.0 %: the ratio of variances lies in
    # [1 - 0.049 - 4 * 0.030, 1 + 4 * 0.030].
    rho, n = 0.5, 4000
    table = lt.phase_table(_ar1_encoded(rho, n, seed=11), "mean", "test")
    known = 0.05 * math.sqrt(1.0 / (1.0 - rho**2) / n * (1.0 + rho) / (1.0 - rho))
    ratio = np.mean(table["abs_m_err"] ** 2) / known**2
    assert 1 - 0.049 - 0.12 < ratio < 1 + 0.12
    np.testing.assert_allclose(table["abs_z_err"], table["abs_m_err"], rtol=1e-6)  # float32 code
    # the chain order carries the correlation: shuffled, the same samples look independent (~307
    # blocks of 13 per temperature: the mean variance is good to sqrt(2/307/15) = 2.1 %)
    shuffled = lt.phase_table(_ar1_encoded(rho, n, seed=11, shuffle=True), "mean", "test")
    assert np.mean(shuffled["abs_m_err"] ** 2) / known**2 == pytest.approx((1 - rho) / (1 + rho), rel=4 * 0.021)


@pytest.mark.parametrize("n_test", [1, 2, 3, 7])
def test_phase_table_on_tiny_parts(tanh_encoded, n_test):
    # a part of n samples per temperature: an error from 2 samples on, NaN below
    encoded = tanh_encoded[0].isel(sample=slice(0, 40))
    split = np.full(encoded["split"].shape, lt.TRAIN, dtype=np.int8)
    split[:, 40 - n_test :] = lt.TEST
    encoded = encoded.assign(split=(("temperature", "sample"), split))
    table = lt.phase_table(encoded, "mean", "test")
    assert (table["n"] == n_test).all()
    errors = table[[c for c in lt.PHASE_COLUMNS if c.endswith("_err")]].to_numpy()
    assert np.all(np.isnan(errors)) if n_test == 1 else np.all(np.isfinite(errors) & (errors >= 0))
