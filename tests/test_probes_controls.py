"""Control ensembles (noise, sine waves) and their datasets in the project's NetCDF schema.

Statistical tolerances are 4 standard errors of the mean over the configurations (independent by
construction); the seeds are fixed, so the tests are deterministic.
"""

import math

import numpy as np
import pytest

from deeprenorm.data import SpinReader, open_dataset, validate_dataset
from deeprenorm.probes.controls import (
    CONTROL_KINDS,
    CONTROL_STREAM_KEYS,
    control_dataset,
    default_max_frequency,
    noise_configurations,
    sine_configurations,
)
from deeprenorm.rg.observables import energy, magnetization, nearest_neighbour_correlation
from deeprenorm.seeding import stream

N_SIGMA = 4.0
L = 16
TEMPERATURES = (2.5, 2.0, 2.269)  # out of order on purpose


def rng(seed):
    return np.random.default_rng(seed)


def within_errors(values, expected=0.0):
    values = np.asarray(values, dtype=float)
    error = values.std(ddof=1) / math.sqrt(values.size)
    return abs(values.mean() - expected) <= N_SIGMA * error


def seam_excess(spins, axis):
    """Per configuration: the fraction of unequal neighbours across the seam (last row or column
    to the first) minus that across the interior bonds of the same axis."""
    unequal = spins != np.roll(spins, -1, axis=axis)  # bond from index i to i + 1 (mod L)
    unequal = np.moveaxis(unequal, axis, 1)
    return unequal[:, -1].mean(axis=-1) - unequal[:, :-1].mean(axis=(1, 2))


# ----------------------------------------------------------------------------- generators


def test_noise_is_int8_pm1_and_reproducible():
    spins = noise_configurations(50, L, rng(1))
    assert spins.dtype == np.int8 and spins.shape == (50, L, L)
    assert set(np.unique(spins).tolist()) == {-1, 1}
    np.testing.assert_array_equal(noise_configurations(50, L, rng(1)), spins)
    assert not np.array_equal(noise_configurations(50, L, rng(2)), spins)


def test_noise_has_no_magnetisation_and_no_correlation():
    spins = noise_configurations(4000, L, rng(3))
    assert within_errors(magnetization(spins))
    assert within_errors(nearest_neighbour_correlation(spins))
    # the site-wise mean too: every site is +1 with probability 1/2
    assert within_errors(spins.reshape(spins.shape[0], -1)[:, 5])


def test_sine_is_int8_pm1_and_reproducible():
    spins = sine_configurations(50, L, rng(1))
    assert spins.dtype == np.int8 and spins.shape == (50, L, L)
    assert set(np.unique(spins).tolist()) <= {-1, 1}
    np.testing.assert_array_equal(sine_configurations(50, L, rng(1)), spins)
    assert not np.array_equal(sine_configurations(50, L, rng(2)), spins)
    assert not np.array_equal(sine_configurations(50, L, rng(1), noise=0.5), spins)


@pytest.mark.parametrize("max_frequency", [1, None])
def test_sine_is_correlated_and_unmagnetised(max_frequency):
    spins = sine_configurations(3000, L, rng(4), max_frequency=max_frequency)
    nn = nearest_neighbour_correlation(spins)
    assert nn.mean() > 0.5
    if max_frequency == 1:
        # one wave number per axis at most: 1 - 2 (|k_x| + |k_y|) / L >= 3/4, less a little noise
        assert nn.min() > 0.5
    assert within_errors(magnetization(spins))


def test_sine_without_noise_at_one_wave_number_is_two_domains():
    # |k| <= 1 and noise 0: each row and each column crosses the wave at most twice
    spins = sine_configurations(200, L, rng(5), noise=0.0, max_frequency=1)
    walls_along_rows = (spins != np.roll(spins, -1, axis=-1)).sum(axis=-1)
    walls_along_columns = (spins != np.roll(spins, -1, axis=-2)).sum(axis=-2)
    assert walls_along_rows.max() <= 2 and walls_along_columns.max() <= 2


@pytest.mark.parametrize("max_frequency", [1, 2])
def test_sine_is_periodic_on_the_torus(max_frequency):
    # a wave that did not close on the torus would put extra domain walls on the seam
    spins = sine_configurations(4000, L, rng(6), max_frequency=max_frequency)
    for axis in (-1, -2):
        assert within_errors(seam_excess(spins, axis))


def test_default_max_frequency():
    assert [default_max_frequency(size) for size in (4, 8, 16, 24, 64)] == [1, 1, 2, 3, 8]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: noise_configurations(0, L, rng(0)), "n must be an integer >= 1"),
        (lambda: noise_configurations(5, 1, rng(0)), "L must be an integer >= 2"),
        (lambda: noise_configurations(5, L, 0), "rng must be a numpy.random.Generator"),
        (lambda: sine_configurations(5, L, rng(0), noise=-0.1), "noise must be"),
        (lambda: sine_configurations(5, L, rng(0), noise=math.nan), "noise must be"),
        (lambda: sine_configurations(5, L, rng(0), max_frequency=0), "max_frequency must be"),
        (lambda: sine_configurations(5, L, rng(0), max_frequency=L // 2 + 1), "max_frequency must be"),
        (lambda: sine_configurations(5, 8.0, rng(0)), "L must be"),
    ],
)
def test_generator_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ----------------------------------------------------------------------------- datasets


@pytest.fixture(scope="module")
def sine_dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("controls") / f"L{L}.nc"
    control_dataset("sine", L, 40, TEMPERATURES, 3, path, config="seed: 3\n")
    return path


def test_control_dataset_opens_like_an_ising_dataset(sine_dataset):
    with open_dataset(sine_dataset) as dataset:
        assert dict(dataset.sizes) == {"temperature": 3, "sample": 40, "y": L, "x": L}
        np.testing.assert_array_equal(dataset["temperature"].values, sorted(TEMPERATURES))
        attrs = dataset.attrs
        assert attrs["control"] == "sine" and "labels" in attrs["temperature_meaning"]
        assert int(attrs["L"]) == L and int(attrs["seed"]) == 3 and attrs["config"] == "seed: 3\n"
        assert attrs["algorithm"] == "control:sine" and "control" in attrs["title"]
        assert float(attrs["control_noise"]) == 0.1 and int(attrs["control_max_frequency"]) == default_max_frequency(L)
        assert set(dataset["algorithm"].values.tolist()) == {"control:sine"}
        np.testing.assert_array_equal(dataset["tau_int_samples_abs_m"].values, 0.5)
        stored_energy, stored_magnetization = dataset["energy"].values, dataset["magnetization"].values
    validate_dataset(sine_dataset)
    with SpinReader(sine_dataset) as reader:
        assert (reader.L, reader.n_temperatures, reader.n_samples) == (L, 3, 40)
        slots = [reader.read(index) for index in range(3)]
    for index, spins in enumerate(slots):
        assert spins.dtype == np.int8 and spins.shape == (40, L, L)
        np.testing.assert_allclose(energy(spins), stored_energy[index], rtol=0, atol=1e-12)
        np.testing.assert_allclose(magnetization(spins), stored_magnetization[index], rtol=0, atol=1e-12)
    # independent draws per slot
    assert not np.array_equal(slots[0], slots[1])
    assert not list(sine_dataset.parent.glob(".*.part"))


def test_control_dataset_draws_from_the_documented_streams(sine_dataset):
    children = stream(3, "analysis", L, CONTROL_STREAM_KEYS["sine"]).spawn(len(TEMPERATURES))
    with SpinReader(sine_dataset) as reader:
        for index, child in enumerate(children):  # slots in increasing temperature
            np.testing.assert_array_equal(reader.read(index), sine_configurations(40, L, np.random.default_rng(child)))


def test_control_dataset_is_reproducible_and_seeded(sine_dataset, tmp_path):
    again, other = tmp_path / "again" / f"L{L}.nc", tmp_path / "other" / f"L{L}.nc"
    control_dataset("sine", L, 40, TEMPERATURES, 3, again)
    control_dataset("sine", L, 40, TEMPERATURES, 4, other)
    with SpinReader(sine_dataset) as first, SpinReader(again) as second, SpinReader(other) as third:
        for index in range(3):
            np.testing.assert_array_equal(first.read(index), second.read(index))
            assert not np.array_equal(first.read(index), third.read(index))


def test_noise_control_dataset(tmp_path):
    path = tmp_path / "L8.nc"
    control_dataset("noise", 8, 30, [2.3, 1.5], 0, path)
    with open_dataset(path) as dataset:
        assert dataset.attrs["control"] == "noise" and "control_noise" not in dataset.attrs
        assert dict(dataset.sizes) == {"temperature": 2, "sample": 30, "y": 8, "x": 8}
    with SpinReader(path) as reader:
        child = stream(0, "analysis", 8, CONTROL_STREAM_KEYS["noise"]).spawn(2)[0]
        np.testing.assert_array_equal(reader.read(0), noise_configurations(30, 8, np.random.default_rng(child)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kind": "ising"}, "kind must be one of"),
        ({"temperatures": []}, "temperatures must be a non-empty"),
        ({"temperatures": [2.0, -1.0]}, "temperatures must be"),
        ({"temperatures": [2.0, 2.00001]}, "temperatures must differ"),
        ({"n_samples": 0}, "n_samples must be"),
        ({"L": 1}, "L must be"),
        ({"seed": -1}, "seed must be"),
        ({"noise": -1.0}, "noise must be"),
        ({"max_frequency": 9}, "max_frequency must be"),
    ],
)
def test_control_dataset_errors_leave_no_file(tmp_path, kwargs, match):
    arguments = {
        "kind": "sine",
        "L": 8,
        "n_samples": 5,
        "temperatures": [2.0, 2.5],
        "seed": 0,
        "path": tmp_path / "L8.nc",
    }
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        control_dataset(**arguments)
    assert not list(tmp_path.iterdir())


def test_kinds_have_stream_keys():
    assert set(CONTROL_STREAM_KEYS) == set(CONTROL_KINDS)
