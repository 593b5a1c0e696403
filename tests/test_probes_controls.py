"""Control ensembles (noise, sine waves, smooth Gaussian fields) and their datasets in the project's
NetCDF schema.

Statistical tolerances are 4 standard errors of the mean over the configurations (independent by
construction); the seeds are fixed, so the tests are deterministic.
"""

import math

import numpy as np
import pytest

from deeprenorm import exact
from deeprenorm.data import SpinReader, open_dataset, validate_dataset
from deeprenorm.probes.controls import (
    CONTROL_KINDS,
    CONTROL_STREAM_KEYS,
    control_dataset,
    default_max_frequency,
    noise_configurations,
    sine_configurations,
    smooth_configurations,
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


# ----------------------------------------------------------------------------- smooth fields


def field_correlation(L, xi, separations):
    """The correlation coefficient of the Gaussian field of :func:`smooth_configurations` at
    ``separations`` along an axis, from the spectrum its docstring specifies."""
    xi = min(xi, L / 2)
    wave = 2 * np.pi * np.fft.fftfreq(L)
    mass2 = 2 * (math.cosh(1 / xi) - 1)
    covariance = np.fft.ifft2(1 / (mass2 + 4 - 2 * np.cos(wave)[:, None] - 2 * np.cos(wave)[None, :])).real
    return covariance[0, separations] / covariance[0, 0]


def test_smooth_is_int8_pm1_and_reproducible():
    spins = smooth_configurations(50, L, rng(1), correlation_length=3.0, magnetization=0.5)
    assert spins.dtype == np.int8 and spins.shape == (50, L, L)
    assert set(np.unique(spins).tolist()) == {-1, 1}
    np.testing.assert_array_equal(
        smooth_configurations(50, L, rng(1), correlation_length=3.0, magnetization=0.5), spins
    )
    assert not np.array_equal(smooth_configurations(50, L, rng(2), correlation_length=3.0, magnetization=0.5), spins)
    assert not np.array_equal(smooth_configurations(50, L, rng(1), correlation_length=1.0, magnetization=0.5), spins)


def test_smooth_caps_the_correlation_length_at_half_the_lattice():
    capped = smooth_configurations(20, L, rng(1), correlation_length=L / 2)
    for beyond in (L, 1e9, math.inf, exact.correlation_length(exact.T_C)):
        np.testing.assert_array_equal(smooth_configurations(20, L, rng(1), correlation_length=beyond), capped)


@pytest.mark.parametrize("xi", [2.0, 5.0])
def test_smooth_spectrum_decays_with_the_requested_length(xi):
    # On a torus far larger than xi the field's correlation along an axis falls like
    # exp(-r/xi) / sqrt(r): the local decay rate, less the sqrt's, tends to 1/xi (up to O(1/r^2)).
    r = np.arange(int(8 * xi), int(12 * xi))
    rho = field_correlation(1024, xi, np.r_[r, r[-1] + 1])
    rate = -np.log(rho[1:] / rho[:-1]) - 0.5 * np.log((r + 1) / r)
    np.testing.assert_allclose(rate, 1 / xi, rtol=1e-2)


def test_smooth_correlations_follow_the_field_and_grow_with_its_length():
    # At zero magnetisation the spins are the field's signs, so a bond's mean is exactly
    # (2/pi) arcsin(rho(1)) (the arcsine law); the global sign flip leaves products unchanged.
    size = 32
    means = []
    for xi in (1.0, 3.0, 8.0):
        nn = nearest_neighbour_correlation(smooth_configurations(2000, size, rng(7), correlation_length=xi))
        assert within_errors(nn, 2 / np.pi * math.asin(field_correlation(size, xi, 1)))
        means.append(nn.mean())
    assert means[0] < means[1] < means[2]
    # and xi -> 0 is independent spins
    assert within_errors(
        nearest_neighbour_correlation(smooth_configurations(2000, size, rng(7), correlation_length=0.01))
    )


@pytest.mark.parametrize("requested", [0.0, 0.5, 0.8])
def test_smooth_magnetisation_matches_and_is_symmetric(requested):
    # Before the sign flip every site is +1 with probability (1 + requested) / 2, so each
    # configuration's m has mean `requested`.  At xi = 2 and L = 32 its spread is < 0.07, so for
    # requested >= 0.5 the chance that a configuration's m reaches 0 (and the flip then makes |m|
    # differ from +-m) is below 1e-6 when 0 lies over 5 spreads away (checked): <|m|> is then
    # `requested` to the usual 4 standard errors.  The flip makes the sign of m a fair coin: <m> = 0.
    spins = smooth_configurations(3000, 32, rng(8), correlation_length=2.0, magnetization=requested)
    m = magnetization(spins)
    assert within_errors(m)
    if requested > 0:
        assert np.abs(m).mean() > 5 * np.abs(m).std()
        assert within_errors(np.abs(m), requested)
        assert within_errors(np.sign(m))
    else:
        # |m| ~ sqrt(sum of the correlations) / L: small at xi = 2, but not 0
        assert 0 < np.abs(m).mean() < 0.1


def test_smooth_at_full_magnetisation_is_uniform():
    # Yang's magnetisation rounds to 1 below T ~ 0.22, which a control dataset may ask for
    assert exact.yang_magnetization(0.1) == 1.0
    spins = smooth_configurations(200, L, rng(9), correlation_length=exact.correlation_length(0.1), magnetization=1.0)
    assert np.all(np.abs(magnetization(spins)) == 1) and within_errors(magnetization(spins))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: smooth_configurations(0, L, rng(0), correlation_length=2.0), "n must be an integer >= 1"),
        (lambda: smooth_configurations(5, 1, rng(0), correlation_length=2.0), "L must be an integer >= 2"),
        (lambda: smooth_configurations(5, L, 0, correlation_length=2.0), "rng must be a numpy.random.Generator"),
        (lambda: smooth_configurations(5, L, rng(0), correlation_length=0.0), "correlation_length must be"),
        (lambda: smooth_configurations(5, L, rng(0), correlation_length=-math.inf), "correlation_length must be"),
        (lambda: smooth_configurations(5, L, rng(0), correlation_length=math.nan), "correlation_length must be"),
        (lambda: smooth_configurations(5, L, rng(0), correlation_length="2"), "correlation_length must be"),
        (lambda: smooth_configurations(5, L, rng(0), correlation_length=2.0, magnetization=1.5), "magnetization must"),
        (lambda: smooth_configurations(5, L, rng(0), correlation_length=2.0, magnetization=-0.1), "magnetization must"),
        (lambda: smooth_configurations(5, L, rng(0), correlation_length=2.0, magnetization=math.nan), "magnetization"),
    ],
)
def test_smooth_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_smooth_control_dataset_matches_each_temperature(tmp_path):
    path = tmp_path / f"L{L}.nc"
    control_dataset("smooth", L, 40, TEMPERATURES, 3, path)
    temperatures = sorted(TEMPERATURES)
    with open_dataset(path) as dataset:
        assert dict(dataset.sizes) == {"temperature": 3, "sample": 40, "y": L, "x": L}
        np.testing.assert_array_equal(dataset["temperature"].values, temperatures)
        attrs = dataset.attrs
        assert attrs["control"] == "smooth" and attrs["algorithm"] == "control:smooth"
        assert "correlation length" in attrs["temperature_meaning"] and "labels" not in attrs["temperature_meaning"]
        assert "correlation length" in attrs["control_matched"] and "magnetisation" in attrs["control_matched"]
        assert "control_noise" not in attrs
        xi = np.minimum(exact.correlation_length(temperatures), L / 2)
        np.testing.assert_allclose(attrs["control_correlation_length"], xi, rtol=1e-15)
        np.testing.assert_allclose(attrs["control_magnetization"], exact.yang_magnetization(temperatures), rtol=1e-15)
        stored_magnetization = dataset["magnetization"].values
    validate_dataset(path)
    children = stream(3, "analysis", L, CONTROL_STREAM_KEYS["smooth"]).spawn(len(TEMPERATURES))
    with SpinReader(path) as reader:
        for index, (T, child) in enumerate(zip(temperatures, children)):
            expected = smooth_configurations(
                40,
                L,
                np.random.default_rng(child),
                correlation_length=exact.correlation_length(T),
                magnetization=exact.yang_magnetization(T),
            )
            np.testing.assert_array_equal(reader.read(index), expected)
    # at T = 2.0 (xi = 2.2, m = 0.91) no configuration's m reaches 0, so <|m|> is Yang's
    assert within_errors(np.abs(stored_magnetization[0]), exact.yang_magnetization(2.0))
