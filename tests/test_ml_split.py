"""The train / validation / test split (deeprenorm.ml.split) of a tiny L = 8 dataset: its counts,
part sizes and reproducibility, and the split file with its checks."""

import hashlib

import numpy as np
import pytest
from helpers import ML_FRACTIONS, ML_L, ML_SAMPLES, ML_SEED, ML_TEMPERATURES

from deeprenorm.data import SchemaError
from deeprenorm.ml import TEST, TRAIN, VALIDATION, file_sha256, make_split, part_sizes, read_split, write_split


def test_split_counts_cover_and_reproduce(ml_labels):
    assert ml_labels.dtype == np.int8 and ml_labels.shape == (len(ML_TEMPERATURES), ML_SAMPLES)
    assert set(np.unique(ml_labels)) == {TRAIN, VALIDATION, TEST}  # one code per sample: disjoint, covering
    for row in ml_labels:
        assert [(row == code).sum() for code in (TRAIN, VALIDATION, TEST)] == [36, 12, 12]
    assert len({row.tobytes() for row in ml_labels}) == len(ml_labels)  # drawn anew per temperature
    np.testing.assert_array_equal(make_split(len(ML_TEMPERATURES), ML_SAMPLES, ML_FRACTIONS, ML_SEED, ML_L), ml_labels)
    assert not np.array_equal(make_split(len(ML_TEMPERATURES), ML_SAMPLES, ML_FRACTIONS, ML_SEED, 16), ml_labels)
    assert not np.array_equal(make_split(len(ML_TEMPERATURES), ML_SAMPLES, ML_FRACTIONS, ML_SEED + 1, ML_L), ml_labels)


def test_split_sizes_floor_and_refuse_empty_parts():
    assert part_sizes(10, (0.7, 0.15, 0.15)) == (7, 1, 2)  # 0.7 * 10 is 7.000000000000001
    assert part_sizes(30, (0.8, 0.1, 0.1)) == (24, 3, 3)  # 0.1 * 30 is 3.0000000000000004
    with pytest.raises(ValueError, match="every part needs >= 1 sample"):
        make_split(3, 5, (0.8, 0.1, 0.1), ML_SEED, ML_L)
    for fractions in ((0.8, 0.2), (0.8, 0.1, 0.2), (1.0, 0.0, 0.0)):
        with pytest.raises(ValueError, match="fractions must be three numbers"):
            make_split(3, 50, fractions, ML_SEED, ML_L)


def test_split_file_round_trip_and_checks(ml_labels, ml_dataset, tmp_path):
    digest = file_sha256(ml_dataset)
    assert digest == hashlib.sha256(ml_dataset.read_bytes()).hexdigest()
    path = tmp_path / "split.nc"
    write_split(path, ml_labels, ML_TEMPERATURES, digest, ML_FRACTIONS)
    split = read_split(path, dataset_sha256=digest)
    np.testing.assert_array_equal(split.labels, ml_labels)
    np.testing.assert_allclose(split.temperatures, ML_TEMPERATURES)
    assert split.fractions == ML_FRACTIONS and split.dataset_sha256 == digest
    with pytest.raises(SchemaError, match=f"belongs to the dataset with SHA-256 {digest}"):
        read_split(path, dataset_sha256="0" * 64)
    (tmp_path / "bad.nc").write_bytes(path.read_bytes()[:200])
    with pytest.raises(SchemaError, match="not a readable NetCDF file.*delete"):
        read_split(tmp_path / "bad.nc")
    with pytest.raises(ValueError, match="temperature index 0 has no validation sample"):
        write_split(tmp_path / "x.nc", np.zeros_like(ml_labels), ML_TEMPERATURES, digest, ML_FRACTIONS)
