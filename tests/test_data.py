"""The NetCDF schema: round trip, atomic writes, and corrupt or incomplete files detected."""

import numpy as np
import pytest
import xarray as xr

from deeprenorm.data import (
    SchemaError,
    assemble_dataset,
    open_dataset,
    open_simulation,
    write_netcdf,
    write_simulation,
)
from deeprenorm.ising import sample


@pytest.fixture(scope="module")
def simulations(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sims")
    paths = []
    for temperature in (2.6, 2.0, 2.3):  # out of order on purpose
        path = folder / f"T{temperature:.4f}.nc"
        write_simulation(sample(6, temperature, 30, "wolff", seed=1), path, config="seed: 1\n")
        paths.append(path)
    return paths


def test_simulation_round_trip_keeps_dtypes_and_values(simulations, tmp_path):
    result = sample(6, 2.3, 30, "wolff", seed=1)
    dataset = open_simulation(simulations[2])
    np.testing.assert_array_equal(dataset["spins"].values, result.spins)
    assert dataset["spins"].dtype == np.int8
    np.testing.assert_array_equal(dataset["energy"].values, result.energy)
    assert float(dataset["tau_int_abs_m"]) == result.tau_int_abs_m
    assert dataset["algorithm"].item() == "wolff"
    assert not list(tmp_path.parent.glob("**/*.part"))


def test_dataset_is_sorted_by_temperature_with_attributes(simulations, tmp_path):
    dataset = assemble_dataset(simulations, config="seed: 1\n", algorithm="wolff")
    write_netcdf(dataset, tmp_path / "L6.nc")
    reopened = xr.open_dataset(tmp_path / "L6.nc")  # plain xarray, no deeprenorm needed
    np.testing.assert_allclose(reopened["temperature"].values, [2.0, 2.3, 2.6])
    assert reopened["spins"].dims == ("temperature", "sample", "y", "x")
    assert reopened["spins"].encoding["chunksizes"] == (1, 30, 6, 6)
    assert reopened.attrs["L"] == 6 and reopened.attrs["algorithm"] == "wolff"
    assert "created" in reopened.attrs and "deeprenorm_version" in reopened.attrs
    open_dataset(tmp_path / "L6.nc")


def test_truncated_file_is_detected(simulations, tmp_path):
    data = simulations[0].read_bytes()
    broken = tmp_path / "broken.nc"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(SchemaError, match="broken.nc: not a readable NetCDF file"):
        open_simulation(broken)
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
    stacked = assemble_dataset(simulations)
    with pytest.raises(SchemaError, match="no 'temperature' dimension"):
        write_netcdf(dataset, tmp_path / "single.nc")
        open_dataset(tmp_path / "single.nc")
    write_netcdf(stacked.assign(spins=stacked["spins"] * 2), tmp_path / "values.nc")
    with pytest.raises(SchemaError, match="other than -1 and \\+1"):
        open_dataset(tmp_path / "values.nc")


def test_failed_write_leaves_nothing_at_the_target(tmp_path, simulations):
    dataset = open_simulation(simulations[0]).assign(bad=("sample", np.array([object()] * 30)))
    with pytest.raises(Exception):
        write_netcdf(dataset, tmp_path / "out.nc")
    assert list(tmp_path.iterdir()) == []
