"""deeprenorm.latent.phase: the per-temperature phase table (<|z|>, chi_z, U_z beside <|m|>,
chi_m, with delete-one jackknife errors) and the correlations of its summary.

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
from helpers import LATENT_TEMPERATURES

from deeprenorm import latent as lt


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
                    expected = math.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2))
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
