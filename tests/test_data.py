"""The NetCDF schema: round trip, streamed datasets, checked reads, damaged files."""

import os

import numpy as np
import pytest
import xarray as xr

import deeprenorm.data
from deeprenorm.data import (
    SchemaError,
    SpinReader,
    open_dataset,
    open_simulation,
    simulation_to_xarray,
    validate_dataset,
    write_dataset,
    write_netcdf,
    write_simulation,
)
from deeprenorm.ising import sample

TEMPERATURES = (2.6, 2.0, 2.3)  # out of order on purpose


@pytest.fixture(scope="module")
def l6(small_dataset):
    return small_dataset(6, TEMPERATURES, 30, seed=1, config="seed: 1\n")


@pytest.fixture(scope="module")
def simulations(l6):
    """The per-temperature files, in the order of TEMPERATURES."""
    return l6.simulations


@pytest.fixture(scope="module")
def dataset_path(l6):
    return l6.path


def test_simulation_round_trip_keeps_dtypes_and_values(simulations):
    result = sample(6, 2.3, 30, "wolff", seed=1)
    dataset = open_simulation(simulations[2])
    np.testing.assert_array_equal(dataset["spins"].values, result.spins)
    assert dataset["spins"].dtype == np.int8
    np.testing.assert_array_equal(dataset["energy"].values, result.energy)
    assert float(dataset["tau_int_abs_m"]) == result.tau_int_abs_m
    assert float(dataset["flipped_fraction_per_sweep"]) == result.flipped_fraction_per_sweep
    assert dataset["algorithm"].item() == "wolff"
    assert not list(simulations[0].parent.glob(".*.part"))


def test_streamed_dataset_is_sorted_by_temperature_with_attributes(simulations, dataset_path):
    reopened = xr.open_dataset(dataset_path)  # plain xarray, no deeprenorm needed
    np.testing.assert_allclose(reopened["temperature"].values, [2.0, 2.3, 2.6])
    assert reopened["temperature"].attrs["units"] == "J/k_B"
    assert reopened["spins"].dims == ("temperature", "sample", "y", "x")
    assert reopened["spins"].dtype == np.int8
    assert reopened["spins"].encoding["chunksizes"] == (1, 30, 6, 6)
    assert reopened["spins"].encoding["zlib"]
    assert reopened.attrs["L"] == 6 and reopened.attrs["algorithm"] == "wolff"
    assert "created" in reopened.attrs and "deeprenorm_version" in reopened.attrs
    for index, temperature in enumerate((2.0, 2.3, 2.6)):
        source = open_simulation(simulations[TEMPERATURES.index(temperature)])
        np.testing.assert_array_equal(reopened["spins"][index].values, source["spins"].values)
        np.testing.assert_array_equal(reopened["energy"][index].values, source["energy"].values)
        assert reopened["algorithm"][index].item() == "wolff"
    validate_dataset(dataset_path)


def test_open_dataset_is_lazy_and_the_reader_returns_checked_blocks(dataset_path):
    with open_dataset(dataset_path) as dataset:
        assert "spins" not in {name for name, variable in dataset.variables.items() if variable._in_memory}
        assert dataset["energy"].shape == (3, 30)
    with SpinReader(dataset_path) as reader:
        assert (reader.L, reader.n_temperatures, reader.n_samples) == (6, 3, 30)
        np.testing.assert_allclose(reader.temperatures, [2.0, 2.3, 2.6])
        everything = np.stack([reader.read(index) for index in range(3)])
        np.testing.assert_array_equal(reader.read(1, samples=[0, 5, 7]), everything[1, [0, 5, 7]])
        temperature_index = np.array([2, 2, 0, 1, 1, 1, 0])
        sample_index = np.array([3, 4, 0, 9, 8, 1, 29])
        batches = list(reader.batches(temperature_index, sample_index, batch_size=3))
        assert [len(batch) for batch, _, _ in batches] == [3, 3, 1]
        joined = np.concatenate([batch for batch, _, _ in batches])
        np.testing.assert_array_equal(joined, everything[temperature_index, sample_index])
        with pytest.raises(IndexError, match="temperature index 3 outside 0..2"):
            reader.read(3)


def test_truncated_and_missing_files_name_the_file_and_the_recovery(simulations, tmp_path):
    data = simulations[0].read_bytes()
    broken = tmp_path / "T2.6000.nc"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(SchemaError, match=r"T2.6000.nc: not a readable NetCDF file .*delete .* run the workflow again"):
        open_simulation(broken)
    (tmp_path / "garbage.nc").write_bytes(os.urandom(4096))
    with pytest.raises(SchemaError, match="garbage.nc: not a readable NetCDF file"):
        open_dataset(tmp_path / "garbage.nc")
    with pytest.raises(SchemaError, match="no such file"):
        open_dataset(tmp_path / "missing.nc")


def test_missing_variable_and_wrong_dtype_are_detected(simulations, tmp_path):
    dataset = open_simulation(simulations[0])
    dataset.drop_vars("tau_int_energy").to_netcdf(tmp_path / "missing.nc")
    with pytest.raises(SchemaError, match="missing variable 'tau_int_energy'"):
        open_simulation(tmp_path / "missing.nc")
    dataset.assign(spins=dataset["spins"].astype("float32")).to_netcdf(tmp_path / "float.nc")
    with pytest.raises(SchemaError, match="'spins' is float32"):
        open_simulation(tmp_path / "float.nc")
    write_netcdf(dataset, tmp_path / "single.nc")
    with pytest.raises(SchemaError, match="no 'temperature' dimension"):
        open_dataset(tmp_path / "single.nc")


def _stacked(simulations) -> xr.Dataset:
    parts = [open_simulation(path) for path in sorted(simulations)]
    stacked = xr.concat(parts, dim="temperature", combine_attrs="drop_conflicts")
    stacked.attrs.update(L=6, seed=1)
    return stacked


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: d.assign(magnetization=d["magnetization"] * 3), r"\|m\| > 1"),
        (lambda d: d.assign(energy=d["energy"].where(d["sample"] != 4, np.nan)), "energy has non-finite values"),
        (lambda d: d.assign(energy=d["energy"] * 1.5), r"energy per spin outside \[-2, 2\]"),
        (lambda d: d.assign_coords(temperature=-d["temperature"]), "temperature .* is not finite and > 0"),
    ],
)
def test_values_contradicting_the_schema_are_caught_on_open(simulations, tmp_path, damage, message):
    path = tmp_path / "L6.nc"
    write_netcdf(damage(_stacked(simulations)), path)
    with pytest.raises(SchemaError, match=message):
        open_dataset(path)


def test_file_names_must_match_the_contents(simulations, tmp_path):
    write_netcdf(_stacked(simulations), tmp_path / "L8.nc")
    with pytest.raises(SchemaError, match="attribute L = 6 disagrees with the file name"):
        open_dataset(tmp_path / "L8.nc")
    moved = tmp_path / "T2.4000.nc"  # the 2.6 chain under another temperature's name
    moved.write_bytes(simulations[0].read_bytes())
    with pytest.raises(SchemaError, match=r"temperature coordinate 2.6 disagrees with the file name \(T2.6000\)"):
        open_simulation(moved)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda spins: spins * 2, r"temperature 2.3000, sample 0: spins contain values other than -1 and \+1"),
        (
            lambda spins: spins.where(spins["sample"] != 7, -spins),
            "sample 7: the spins do not reproduce the stored energy",
        ),
    ],
)
def test_corrupt_spins_are_caught_when_read_never_returned(simulations, tmp_path, damage, message):
    stacked = _stacked(simulations)
    spins = stacked["spins"].copy()
    spins[1] = damage(stacked["spins"][1])
    path = tmp_path / "L6.nc"
    write_netcdf(stacked.assign(spins=spins), path)
    open_dataset(path).close()  # spins are not read on open
    with SpinReader(path) as reader:
        reader.read(0)
        with pytest.raises(SchemaError, match=message):
            reader.read(1)
    with pytest.raises(SchemaError, match=message):
        validate_dataset(path)


def test_failed_write_leaves_nothing_at_the_target(tmp_path, simulations):
    dataset = open_simulation(simulations[0]).assign(bad=("sample", np.array([object()] * 30)))
    with pytest.raises(ValueError, match="bad"):
        write_netcdf(dataset, tmp_path / "out.nc")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("L, algorithm", [(6, "wolff"), (6, "metropolis"), (5, "swendsen_wang")])
def test_write_simulation_writes_the_bytes_xarray_writes(tmp_path, monkeypatch, L, algorithm):
    # write_simulation skips xarray for a fast start-up; what it writes must not change for it
    monkeypatch.setattr(deeprenorm.data, "timestamp", lambda: "2026-12-06T04:30:00+00:00")
    result = sample(L, 2.3, 30, algorithm, seed=1)
    write_simulation(result, tmp_path / "direct.nc", config="seed: 1\n")
    write_netcdf(simulation_to_xarray(result, config="seed: 1\n"), tmp_path / "xarray.nc")
    assert (tmp_path / "direct.nc").read_bytes() == (tmp_path / "xarray.nc").read_bytes()


def test_write_dataset_refuses_mixed_inputs(simulations, tmp_path):
    other = tmp_path / "T2.3000.nc"
    write_netcdf(simulation_to_xarray(sample(4, 2.3, 30, "wolff", seed=1)), other)
    with pytest.raises(ValueError, match="mix lattice sizes \\[4, 6\\]"):
        write_dataset([simulations[0], other], tmp_path / "L6.nc")
    with pytest.raises(ValueError, match="same temperature"):
        write_dataset([simulations[0], simulations[0]], tmp_path / "L6.nc")
    assert not (tmp_path / "L6.nc").exists()
