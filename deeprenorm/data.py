"""The NetCDF schema of deeprenorm: the only place that writes, opens and validates files.

Two kinds of file, both plain NetCDF-4 readable with ``xarray.open_dataset``:

* a **simulation** file per (L, T), ``results/simulations/L{L}/T{T}.nc``: one chain's samples;
* a **dataset** per L, ``results/datasets/L{L}.nc``: all temperatures of one L stacked along
  ``temperature``.

Variables (the dataset adds the leading ``temperature`` dimension to every one):

========================  =========================  ======================================
name                      dims                       meaning
========================  =========================  ======================================
spins                     (sample, y, x) int8        configurations, +-1
energy                    (sample,) float64          energy per spin, J = 1
magnetization             (sample,) float64          magnetisation per spin
tau_int_abs_m, _error     () float64                 tau_int of |m| in sweeps (pilot run)
tau_int_energy, _error    () float64                 tau_int of e in sweeps (pilot run)
tau_int_samples_abs_m     () float64                 tau_int of |m| of the stored series, in samples
tau_int_samples_energy    () float64                 same for e
sweeps_between_samples    () int64                   spacing of stored samples, >= 2 tau_int
thermalization_sweeps     () int64                   sweeps discarded before the tau analysis
pilot_sweeps              () int64                   length of the pilot run
seconds_per_sweep         () float64                 CPU seconds per sweep in the pilot
algorithm                 () str                     the algorithm that produced the samples
========================  =========================  ======================================

Files are written to a temporary name in the target folder and renamed into place, so an
interrupted write never leaves a file at the final path; :func:`open_simulation` and
:func:`open_dataset` check the schema and raise :class:`SchemaError` naming the file and the
problem for a missing variable, a wrong dtype or shape, or a truncated/corrupt file.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__
from .ising.sampler import SampleSet

__all__ = [
    "SchemaError",
    "simulation_to_xarray",
    "write_netcdf",
    "write_simulation",
    "open_simulation",
    "assemble_dataset",
    "open_dataset",
    "validate_dataset",
    "write_table",
]

TEMPERATURE_ATTRS = {"units": "J/k_B", "long_name": "temperature"}

PER_CHAIN_VARIABLES = {
    "tau_int_abs_m": ("float64", "sweeps", "integrated autocorrelation time of |m| (pilot run)"),
    "tau_int_abs_m_error": ("float64", "sweeps", "statistical error of tau_int_abs_m"),
    "tau_int_energy": ("float64", "sweeps", "integrated autocorrelation time of e (pilot run)"),
    "tau_int_energy_error": ("float64", "sweeps", "statistical error of tau_int_energy"),
    "tau_int_samples_abs_m": ("float64", "samples", "tau_int of |m| over the stored samples (0.5 = independent)"),
    "tau_int_samples_energy": ("float64", "samples", "tau_int of e over the stored samples (0.5 = independent)"),
    "sweeps_between_samples": ("int64", "sweeps", "Monte Carlo sweeps between stored samples"),
    "thermalization_sweeps": ("int64", "sweeps", "sweeps discarded before measuring tau_int"),
    "pilot_sweeps": ("int64", "sweeps", "length of the pilot run (all before the first stored sample)"),
    "seconds_per_sweep": ("float64", "s", "CPU seconds per sweep in the pilot run"),
}

SAMPLE_VARIABLES = {
    "spins": ("int8", ("sample", "y", "x"), "1", "spin configuration"),
    "energy": ("float64", ("sample",), "J", "energy per spin"),
    "magnetization": ("float64", ("sample",), "1", "magnetisation per spin"),
}


class SchemaError(ValueError):
    """A deeprenorm NetCDF file is missing, truncated, or does not follow the schema."""


def simulation_to_xarray(result: SampleSet, config: str = "") -> xr.Dataset:
    """One chain's samples as an ``xarray.Dataset`` following the schema above."""
    n_samples, length = result.n_samples, result.L
    data_vars = {}
    for name, (dtype, dims, units, long_name) in SAMPLE_VARIABLES.items():
        data_vars[name] = (dims, np.asarray(getattr(result, name), dtype=dtype), {"units": units, "long_name": long_name})
    for name, (dtype, units, long_name) in PER_CHAIN_VARIABLES.items():
        data_vars[name] = ((), np.asarray(getattr(result, name), dtype=dtype), {"units": units, "long_name": long_name})
    data_vars["algorithm"] = ((), result.algorithm, {"long_name": "Monte Carlo algorithm"})
    coords = {
        "temperature": ((), result.T, TEMPERATURE_ATTRS),
        "sample": ("sample", np.arange(n_samples), {"long_name": "sample index"}),
        "y": ("y", np.arange(length), {"long_name": "lattice row"}),
        "x": ("x", np.arange(length), {"long_name": "lattice column"}),
    }
    attrs = {
        "title": f"2D Ising equilibrium samples, L = {length}, T = {result.T}",
        "L": length,
        "J": 1.0,
        "boundary_conditions": "periodic",
        "seed": result.seed,
        "chain": result.chain,
        "deeprenorm_version": __version__,
        "config": config,
    }
    return xr.Dataset(data_vars, coords, attrs)


def _encoding(dataset: xr.Dataset) -> dict:
    spins = dataset["spins"]
    # One chunk per temperature: reading one T touches one chunk (SNAKEMAKE_NOTES B7).
    chunks = tuple(1 if dim == "temperature" else size for dim, size in zip(spins.dims, spins.shape))
    return {"spins": {"zlib": True, "complevel": 1, "chunksizes": chunks}}


@contextlib.contextmanager
def _atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; rename it into place only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_netcdf(dataset: xr.Dataset, path: str | os.PathLike) -> None:
    """Write ``dataset`` atomically: a temporary file in the same folder, then a rename."""
    dataset = dataset.assign_attrs(created=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))
    with _atomic_path(path) as temporary:
        dataset.to_netcdf(temporary, engine="netcdf4", format="NETCDF4", encoding=_encoding(dataset))


def write_simulation(result: SampleSet, path: str | os.PathLike, config: str = "") -> None:
    """Write one chain's samples to ``path`` (atomically)."""
    write_netcdf(simulation_to_xarray(result, config), path)


def _open(path: str | os.PathLike) -> xr.Dataset:
    path = Path(path)
    if not path.is_file():
        raise SchemaError(f"{path}: no such file")
    try:
        return xr.open_dataset(path, engine="netcdf4").load()
    except Exception as error:  # netCDF4 raises OSError, RuntimeError or ValueError on corruption
        raise SchemaError(f"{path}: not a readable NetCDF file (truncated or corrupt?): {error}") from error


def _check(dataset: xr.Dataset, source, leading: tuple[str, ...]) -> None:
    problems = []
    for name, (dtype, dims, _, _) in SAMPLE_VARIABLES.items():
        if name not in dataset:
            problems.append(f"missing variable {name!r}")
        elif dataset[name].dtype != np.dtype(dtype) or dataset[name].dims != leading + dims:
            problems.append(
                f"{name!r} is {dataset[name].dtype}{dataset[name].dims}, expected {dtype}{leading + dims}"
            )
    for name, (dtype, _, _) in PER_CHAIN_VARIABLES.items():
        if name not in dataset:
            problems.append(f"missing variable {name!r}")
        elif dataset[name].dims != leading or dataset[name].dtype.kind != np.dtype(dtype).kind:
            problems.append(f"{name!r} is {dataset[name].dtype}{dataset[name].dims}, expected {dtype}{leading}")
    if "algorithm" not in dataset:
        problems.append("missing variable 'algorithm'")
    for attribute in ("L", "seed"):
        if attribute not in dataset.attrs:
            problems.append(f"missing attribute {attribute!r}")
    if not problems:
        length = int(dataset.attrs["L"])
        if dataset.sizes.get("y") != length or dataset.sizes.get("x") != length:
            problems.append(f"spins are {dataset.sizes.get('y')} x {dataset.sizes.get('x')}, attribute L = {length}")
        elif not np.isin(dataset["spins"].values, (-1, 1)).all():
            problems.append("spins contain values other than -1 and +1")
    if problems:
        raise SchemaError(f"{source}: " + "; ".join(problems))


def open_simulation(path: str | os.PathLike) -> xr.Dataset:
    """Open and validate a per-(L, T) simulation file."""
    dataset = _open(path)
    _check(dataset, path, ())
    return dataset


def assemble_dataset(simulation_paths, config: str = "", algorithm: str | None = None) -> xr.Dataset:
    """Stack per-temperature simulation files of one L into one dataset, sorted by temperature."""
    parts = [open_simulation(path) for path in simulation_paths]
    if not parts:
        raise ValueError("simulation_paths is empty")
    lengths = {int(part.attrs["L"]) for part in parts}
    if len(lengths) != 1:
        raise ValueError(f"simulation files mix lattice sizes {sorted(lengths)}")
    samples = {part.sizes["sample"] for part in parts}
    if len(samples) != 1:
        raise ValueError(f"simulation files hold different numbers of samples {sorted(samples)}")
    dataset = xr.concat(parts, dim="temperature", combine_attrs="drop").sortby("temperature")
    if np.unique(dataset["temperature"].values).size != dataset.sizes["temperature"]:
        raise ValueError("two simulation files have the same temperature")
    dataset["temperature"].attrs.update(TEMPERATURE_ATTRS)
    first = parts[0].attrs
    dataset.attrs = {
        "title": f"2D Ising equilibrium samples, L = {first['L']}",
        "L": int(first["L"]),
        "J": 1.0,
        "boundary_conditions": "periodic",
        "algorithm": algorithm or ",".join(sorted(set(dataset["algorithm"].values.tolist()))),
        "seed": int(first["seed"]),
        "deeprenorm_version": __version__,
        "config": config,
    }
    return dataset


def validate_dataset(dataset: xr.Dataset, source="dataset") -> xr.Dataset:
    """Check a per-L dataset against the schema; returns it unchanged."""
    if "temperature" not in dataset.dims:
        raise SchemaError(f"{source}: no 'temperature' dimension")
    _check(dataset, source, ("temperature",))
    return dataset


def open_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Open and validate a per-L dataset file (``results/datasets/L{L}.nc``)."""
    return validate_dataset(_open(path), path)


def write_table(frame, path: str | os.PathLike) -> None:
    """Write a pandas DataFrame as CSV atomically (temporary file, then rename)."""
    with _atomic_path(path) as temporary:
        frame.to_csv(temporary, index=False)
