"""deeprenorm.latent.codes: the parts of the split and the reductions of a k-unit code to one
number per sample (mean, norm, pc1 fitted on the training samples).

The codes are random or built from a random magnetisation, with a random 0.6 / 0.2 / 0.2 split of
equal counts per temperature (as deeprenorm.ml.split makes); the comparisons are exact up to
rounding.
"""

import numpy as np
import pytest
from helpers import random_split

from deeprenorm import latent as lt


def test_split_codes_are_those_of_the_ml_package():
    try:
        from deeprenorm.ml import split
    except Exception as reason:  # torch missing, or the package mid-rewrite
        pytest.skip(f"deeprenorm.ml.split not importable: {reason}")
    assert (lt.TRAIN, lt.VALIDATION, lt.TEST) == (split.TRAIN, split.VALIDATION, split.TEST)
    assert tuple(lt.PARTS) == split.PART_NAMES


def test_k1_mean_is_z_norm_is_abs_z_and_pc1_the_centred_code():
    rng = np.random.default_rng(1)
    z = rng.normal(0.3, 1.0, (4, 50, 1))
    split = random_split((4, 50), 2)
    m = z[..., 0] + 0.1 * rng.standard_normal((4, 50))
    np.testing.assert_array_equal(lt.reduce_latent(z, split, "mean"), z[..., 0])
    np.testing.assert_array_equal(lt.reduce_latent(z[..., 0], split, "mean"), z[..., 0])  # 2-D input is k = 1
    np.testing.assert_array_equal(lt.reduce_latent(z, split, "norm"), np.abs(z[..., 0]))
    pc1 = lt.reduce_latent(z, split, "pc1", magnetization=m)
    # + : correlates with m
    np.testing.assert_allclose(pc1, z[..., 0] - z[..., 0][split == lt.TRAIN].mean(), atol=1e-12)
    # the sign follows m, not the code: a flipped code gives the same projection
    np.testing.assert_allclose(lt.reduce_latent(-z, split, "pc1", magnetization=m), pc1, atol=1e-12)
    # a training set of zero mean (an odd code of the m -> -m symmetric ensemble): all three |z| agree
    symmetric = np.concatenate([z, -z], axis=1)
    split2 = np.concatenate([split, split], axis=1)
    reductions = [np.abs(lt.reduce_latent(symmetric, split2, method)) for method in lt.REDUCTIONS]
    for other in reductions[1:]:
        np.testing.assert_allclose(other, reductions[0], atol=1e-12)


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
