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
flipped_fraction_per      () float64                 Wolff: spins flipped per sweep / L^2
_sweep                                               (NaN for other algorithms)
algorithm                 () str                     the algorithm that produced the samples
========================  =========================  ======================================

Autocorrelation times are in sweeps of the algorithm that produced the samples. A Wolff sweep is
a fixed number of clusters that flips ``flipped_fraction_per_sweep * L^2`` spins on average, so
``tau_int * flipped_fraction_per_sweep`` is Wolff's tau in units of L^2 spin flips, the unit in
which the algorithm comparison (:mod:`deeprenorm.dynamics`) sets the algorithms side by side.

**Writing.** Every file is written through :func:`deeprenorm.io.atomic_path`: to a temporary
name in the target folder, renamed into place, with the permissions of the user's umask.
:func:`write_dataset` streams one temperature at a time, so assembling a dataset needs the memory
of one temperature's spins, not of the whole file. :func:`write_simulation` writes with netCDF4
alone, and xarray is imported only by the functions that use it: a simulate job, which writes one
small file, would otherwise spend most of its start-up importing xarray.

**Reading.** :func:`open_dataset` opens a dataset lazily: it checks the structure and every
per-sample and per-temperature value (finite, ``|m| <= 1``, ``-2 <= e <= 2``, the temperature
and L the file name promises) but reads no spins. :class:`SpinReader` reads spins one temperature
(or one batch) at a time and checks each block as it is read: values are +-1 and reproduce the
stored energy and magnetisation, so a corrupt chunk is never used. :func:`validate_dataset` runs
that check over a whole file, one temperature at a time. Problems raise :class:`SchemaError`
naming the file, what is wrong, and how to recover (delete the file; the workflow rebuilds it).
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import netCDF4
import numba as nb
import numpy as np

from .config import temperature_label
from .io import SchemaError, atomic_path, recovery_hint, timestamp
from .ising.lattice import staggered_sign
from .ising.sampler import SampleSet
from .provenance import source_version

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "SchemaError",
    "simulation_to_xarray",
    "write_netcdf",
    "write_simulation",
    "write_dataset",
    "open_simulation",
    "open_dataset",
    "validate_dataset",
    "SpinReader",
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
    "flipped_fraction_per_sweep": (
        "float64",
        "1",
        "Wolff: mean spins flipped per sweep / L^2, so tau_int x this is tau in L^2 flips (NaN otherwise)",
    ),
}

SAMPLE_VARIABLES = {
    "spins": ("int8", ("sample", "y", "x"), "1", "spin configuration"),
    "energy": ("float64", ("sample",), "J", "energy per spin"),
    "magnetization": ("float64", ("sample",), "1", "magnetisation per spin"),
}

# Stored energies and magnetisations are exact integers divided by L^2.
_CONSISTENCY_TOLERANCE = 1e-9

_SIMULATION_NAME = re.compile(r"T(\d+\.\d+)\.nc")
_DATASET_NAME = re.compile(r"L(\d+)\.nc")


def _simulation_attributes(result: SampleSet, config: str) -> dict:
    return {
        "title": f"2D Ising equilibrium samples, L = {result.L}, T = {result.T}",
        "L": result.L,
        "J": 1.0,
        "boundary_conditions": "periodic",
        "seed": result.seed,
        "chain": result.chain,
        "deeprenorm_version": source_version(),
        "config": config,
    }


def simulation_to_xarray(result: SampleSet, config: str = "") -> xr.Dataset:
    """One chain's samples as an ``xarray.Dataset`` following the schema above."""
    import xarray as xr

    n_samples, length = result.n_samples, result.L
    data_vars = {}
    for name, (dtype, dims, units, long_name) in SAMPLE_VARIABLES.items():
        data_vars[name] = (
            dims,
            np.asarray(getattr(result, name), dtype=dtype),
            {"units": units, "long_name": long_name},
        )
    for name, (dtype, units, long_name) in PER_CHAIN_VARIABLES.items():
        data_vars[name] = ((), np.asarray(getattr(result, name), dtype=dtype), {"units": units, "long_name": long_name})
    data_vars["algorithm"] = ((), result.algorithm, {"long_name": "Monte Carlo algorithm"})
    coords = {
        "temperature": ((), result.T, TEMPERATURE_ATTRS),
        "sample": ("sample", np.arange(n_samples), {"long_name": "sample index"}),
        "y": ("y", np.arange(length), {"long_name": "lattice row"}),
        "x": ("x", np.arange(length), {"long_name": "lattice column"}),
    }
    return xr.Dataset(data_vars, coords, _simulation_attributes(result, config))


# Spins are chunked per temperature and in blocks of samples of at most this many bytes, so that
# decompressing a chunk costs little memory next to the temperature it belongs to.
SPIN_CHUNK_BYTES = 4 * 2**20


def _spin_chunks(spins_shape) -> tuple[int, ...]:
    *leading, n_samples, height, width = spins_shape
    samples_per_chunk = max(1, min(n_samples, SPIN_CHUNK_BYTES // (height * width)))
    return (*(1 for _ in leading), samples_per_chunk, height, width)


def _spin_encoding(spins_shape) -> dict:
    return {"zlib": True, "complevel": 1, "chunksizes": _spin_chunks(spins_shape)}


@contextlib.contextmanager
def _no_chunk_cache():
    """Open netCDF files without HDF5's chunk cache (64 MB per variable by default), which would
    otherwise keep every chunk read or written until the file closes. Each chunk is read or
    written once here, so the cache saves nothing. The default is process-wide: restore it."""
    previous = netCDF4.get_chunk_cache()
    netCDF4.set_chunk_cache(0, 0)
    try:
        yield
    finally:
        netCDF4.set_chunk_cache(*previous)


def write_netcdf(dataset: xr.Dataset, path: str | os.PathLike) -> None:
    """Write an in-memory ``dataset`` atomically: a temporary file in the same folder, then a rename."""
    dataset = dataset.assign_attrs(created=timestamp())
    with atomic_path(path) as temporary:
        dataset.to_netcdf(
            temporary, engine="netcdf4", format="NETCDF4", encoding={"spins": _spin_encoding(dataset["spins"].shape)}
        )


def _put_variable(output: netCDF4.Dataset, name: str, values: np.ndarray, dims: tuple, attrs: dict, **encoding) -> None:
    """One variable, created and filled as xarray's netCDF4 backend does (NaN as the fill value
    of floats, none for integers and strings)."""
    fill_value = np.nan if values.dtype.kind == "f" else None
    datatype = str if values.dtype.kind == "U" else values.dtype
    variable = output.createVariable(name, datatype, dims, fill_value=fill_value, **encoding)
    variable.setncatts(attrs)
    variable[...] = values


def write_simulation(result: SampleSet, path: str | os.PathLike, config: str = "") -> None:
    """Write one chain's samples to ``path`` (atomically).

    The file is, byte for byte, what ``write_netcdf(simulation_to_xarray(result, config), path)``
    writes (``tests/test_data.py`` compares the two), written with netCDF4 alone: the same
    attributes, dimensions and variables created in the same order with the same settings.
    """
    n_samples, length = result.n_samples, result.L
    with atomic_path(path) as temporary, netCDF4.Dataset(temporary, "w", format="NETCDF4") as output:
        for name, value in (_simulation_attributes(result, config) | {"created": timestamp()}).items():
            output.setncattr(name, value)
        for name, size in (("sample", n_samples), ("y", length), ("x", length)):
            output.createDimension(name, size)
        scalar = {"coordinates": "temperature"}
        for name, (dtype, dims, units, long_name) in SAMPLE_VARIABLES.items():
            values = np.asarray(getattr(result, name), dtype=dtype)
            encoding = _spin_encoding(values.shape) if name == "spins" else {}
            _put_variable(output, name, values, dims, {"units": units, "long_name": long_name} | scalar, **encoding)
        for name, (dtype, units, long_name) in PER_CHAIN_VARIABLES.items():
            values = np.asarray(getattr(result, name), dtype=dtype)
            _put_variable(output, name, values, (), {"units": units, "long_name": long_name} | scalar)
        _put_variable(
            output, "algorithm", np.asarray(result.algorithm), (), {"long_name": "Monte Carlo algorithm"} | scalar
        )
        _put_variable(output, "temperature", np.asarray(result.T, dtype=np.float64), (), TEMPERATURE_ATTRS)
        for name, long_name in (("sample", "sample index"), ("y", "lattice row"), ("x", "lattice column")):
            _put_variable(output, name, np.arange(output.dimensions[name].size), (name,), {"long_name": long_name})


# ----------------------------------------------------------------------------- checks


@nb.njit(cache=True)
def _first_inconsistent_sample(spins, energy, magnetization, tolerance):
    """Index of the first sample whose spins are not all +-1 or do not reproduce its stored
    energy and magnetisation per spin; -1 if none. Works on the int8 array in place (no
    temporaries), so checking costs no memory beyond the block being checked."""
    n, length = spins.shape[0], spins.shape[1]
    n_sites = length * spins.shape[2]
    for k in range(n):
        total_energy = 0
        total_magnetization = 0
        for y in range(length):
            below = (y + 1) % length
            for x in range(length):
                spin = np.int64(spins[k, y, x])
                if spin != 1 and spin != -1:
                    return k
                total_energy -= spin * (np.int64(spins[k, y, (x + 1) % length]) + np.int64(spins[k, below, x]))
                total_magnetization += spin
        if (
            abs(total_energy / n_sites - energy[k]) > tolerance
            or abs(total_magnetization / n_sites - magnetization[k]) > tolerance
        ):
            return k
    return -1


def _check_spin_block(spins, energy, magnetization, where: str) -> None:
    spins = np.ascontiguousarray(spins)
    if spins.dtype != np.int8:
        raise SchemaError(f"{where}: spins are {spins.dtype}, expected int8")
    bad = _first_inconsistent_sample(
        spins,
        np.ascontiguousarray(energy, dtype=np.float64),
        np.ascontiguousarray(magnetization, dtype=np.float64),
        _CONSISTENCY_TOLERANCE,
    )
    if bad >= 0:
        values = np.unique(spins[bad])
        if not set(values.tolist()) <= {-1, 1}:
            problem = f"spins contain values other than -1 and +1 ({values.tolist()})"
        else:
            problem = "the spins do not reproduce the stored energy and magnetisation"
        raise SchemaError(f"{where}, sample {bad}: {problem}")


def _structure_problems(dataset: xr.Dataset, leading: tuple[str, ...]) -> list[str]:
    problems = []
    for name, (dtype, dims, _, _) in SAMPLE_VARIABLES.items():
        if name not in dataset:
            problems.append(f"missing variable {name!r}")
        elif dataset[name].dtype != np.dtype(dtype) or dataset[name].dims != leading + dims:
            problems.append(f"{name!r} is {dataset[name].dtype}{dataset[name].dims}, expected {dtype}{leading + dims}")
    for name, (dtype, _, _) in PER_CHAIN_VARIABLES.items():
        if name not in dataset:
            problems.append(f"missing variable {name!r}")
        elif dataset[name].dims != leading or dataset[name].dtype.kind != np.dtype(dtype).kind:
            problems.append(f"{name!r} is {dataset[name].dtype}{dataset[name].dims}, expected {dtype}{leading}")
    if "algorithm" not in dataset:
        problems.append("missing variable 'algorithm'")
    if "temperature" not in dataset.coords:
        problems.append("missing coordinate 'temperature'")
    for attribute in ("L", "seed"):
        if attribute not in dataset.attrs:
            problems.append(f"missing attribute {attribute!r}")
    if not problems:
        length = int(dataset.attrs["L"])
        if dataset.sizes.get("y") != length or dataset.sizes.get("x") != length:
            problems.append(f"spins are {dataset.sizes.get('y')} x {dataset.sizes.get('x')}, attribute L = {length}")
    return problems


def _value_problems(dataset: xr.Dataset) -> list[str]:
    """Values that contradict the schema's meaning; reads everything but the spins."""
    problems = []
    temperature = np.atleast_1d(dataset["temperature"].values).astype(float)
    if not np.all(np.isfinite(temperature) & (temperature > 0)):
        problems.append(f"temperature {temperature.tolist()} is not finite and > 0")
    energy = dataset["energy"].values
    magnetization = dataset["magnetization"].values
    if not np.all(np.isfinite(energy)):
        problems.append("energy has non-finite values")
    elif np.any(np.abs(energy) > 2.0):
        problems.append(f"energy per spin outside [-2, 2] (max |e| = {np.abs(energy).max():g})")
    if not np.all(np.isfinite(magnetization)):
        problems.append("magnetization has non-finite values")
    elif np.any(np.abs(magnetization) > 1.0):
        problems.append(f"|m| > 1 (max |m| = {np.abs(magnetization).max():g})")
    spacing = np.atleast_1d(dataset["sweeps_between_samples"].values)
    if np.any(spacing < 1):
        problems.append("sweeps_between_samples < 1")
    return problems


def _name_problems(dataset: xr.Dataset, path: Path) -> list[str]:
    """The temperature or L that the file name promises, against the file's contents."""
    simulation = _SIMULATION_NAME.fullmatch(path.name)
    if simulation and "temperature" in dataset.coords and dataset["temperature"].ndim == 0:
        label = temperature_label(float(dataset["temperature"]))
        if label != simulation[1]:
            return [f"temperature coordinate {float(dataset['temperature']):g} disagrees with the file name (T{label})"]
    named = _DATASET_NAME.fullmatch(path.name)
    if named and "L" in dataset.attrs and int(dataset.attrs["L"]) != int(named[1]):
        return [f"attribute L = {dataset.attrs['L']} disagrees with the file name"]
    return []


def _raise_if(problems: list[str], source, path: Path | None = None) -> None:
    if problems:
        raise SchemaError(f"{source}: " + "; ".join(problems) + (recovery_hint(path) if path else ""))


def _open_lazily(path: str | os.PathLike) -> tuple[xr.Dataset, Path]:
    import xarray as xr

    path = Path(path)
    if not path.is_file():
        raise SchemaError(f"{path}: no such file")
    try:
        return xr.open_dataset(path, engine="netcdf4", cache=False), path
    except Exception as error:  # netCDF4 raises OSError, RuntimeError or ValueError on corruption
        raise SchemaError(
            f"{path}: not a readable NetCDF file (truncated or corrupt?): {error}{recovery_hint(path)}"
        ) from error


def _checked(path, leading: tuple[str, ...]) -> xr.Dataset:
    dataset, path = _open_lazily(path)
    try:
        if leading and "temperature" not in dataset.dims:
            _raise_if(["no 'temperature' dimension"], path, path)
        _raise_if(_structure_problems(dataset, leading), path, path)
        _raise_if(_value_problems(dataset) + _name_problems(dataset, path), path, path)
    except SchemaError:
        dataset.close()
        raise
    except Exception as error:  # a corrupt chunk surfaces only when its values are read
        dataset.close()
        raise SchemaError(f"{path}: unreadable values (truncated or corrupt?): {error}{recovery_hint(path)}") from error
    return dataset


def open_simulation(path: str | os.PathLike) -> xr.Dataset:
    """Open and fully validate a per-(L, T) simulation file, spins included (one temperature's
    worth of memory); the returned dataset is in memory and the file is closed."""
    with _checked(path, ()) as dataset:
        try:
            dataset = dataset.load()
        except Exception as error:
            raise SchemaError(
                f"{path}: unreadable values (truncated or corrupt?): {error}{recovery_hint(path)}"
            ) from error
    _check_spin_block(dataset["spins"].values, dataset["energy"].values, dataset["magnetization"].values, f"{path}")
    return dataset


def open_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Open a per-L dataset (``results/datasets/L{L}.nc``) lazily and check all but its spins.

    Energies, magnetisations and per-temperature values are read and checked; spins stay on
    disk until indexed. Read spins through :class:`SpinReader`, which checks each block it
    reads, or check them all with :func:`validate_dataset`. Close the result (or use it in a
    ``with`` block) when done.
    """
    return _checked(path, ("temperature",))


def validate_dataset(path: str | os.PathLike) -> None:
    """Check a per-L dataset file completely, one chunk of spins in memory at a time."""
    with SpinReader(path) as reader:
        step = reader.samples_per_chunk
        for index in range(reader.n_temperatures):
            for start in range(0, reader.n_samples, step):
                reader.read(index, np.arange(start, min(start + step, reader.n_samples)))


class SpinReader:
    """Checked access to the spins of a dataset file, one temperature or one batch at a time.

    Every block of spins is checked as it is read (values +-1, energy and magnetisation
    reproduced), so what the caller gets is never corrupt. Memory: the block returned, plus
    at most one temperature's spins while a batch is cut from it.

    With ``staggered=True`` every block is returned through the exact staggered map
    :func:`deeprenorm.ising.lattice.staggered` (after the check): the antiferromagnet's
    configurations, of the same energies, whose staggered magnetisation is the dataset's
    ``magnetization``.

    >>> with SpinReader("results/datasets/L16.nc") as reader:       # doctest: +SKIP
    ...     spins = reader.read(0)                                     # (n_samples, L, L) int8
    ...     for batch, t, s in reader.batches(pairs, batch_size=256): ...
    """

    def __init__(self, path: str | os.PathLike, *, staggered: bool = False):
        self.path = Path(path)
        self.staggered = bool(staggered)
        with open_dataset(self.path) as dataset:
            self.L = int(dataset.attrs["L"])
            self.temperatures = dataset["temperature"].values.astype(float)
            self.n_temperatures, self.n_samples = dataset.sizes["temperature"], dataset.sizes["sample"]
            self._energy = dataset["energy"].values
            self._magnetization = dataset["magnetization"].values
        with _no_chunk_cache():
            self._file = netCDF4.Dataset(self.path)
        self._spins = self._file["spins"]
        self._spins.set_auto_maskandscale(False)
        self.samples_per_chunk = self._spins.chunking()[1]
        self._sign = staggered_sign(self.L) if self.staggered else None

    def __enter__(self) -> SpinReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def _where(self, index: int) -> str:
        return f"{self.path}, temperature {self.temperatures[index]:.4f}"

    def read(self, index: int, samples=None) -> np.ndarray:
        """Spins of temperature ``index`` as ``(n, L, L)`` int8: all samples, or the sorted
        unique indices ``samples``."""
        if not 0 <= index < self.n_temperatures:
            raise IndexError(f"temperature index {index} outside 0..{self.n_temperatures - 1}")
        selection = slice(None) if samples is None else np.asarray(samples, dtype=np.int64)
        try:
            spins = np.asarray(self._spins[index, selection], dtype=np.int8)
        except Exception as error:
            raise SchemaError(
                f"{self._where(index)}: unreadable spins (corrupt chunk?): {error}{recovery_hint(self.path)}"
            ) from error
        try:
            _check_spin_block(
                spins, self._energy[index, selection], self._magnetization[index, selection], self._where(index)
            )
        except SchemaError as error:
            raise SchemaError(f"{error}{recovery_hint(self.path)}") from None
        if self._sign is not None:
            spins *= self._sign
        return spins

    def batches(self, temperature_index, sample_index, batch_size: int):
        """Yield ``(spins, temperature_index, sample_index)`` batches of at most ``batch_size``
        in the order given. Consecutive entries of one temperature share a read, so group (or
        shuffle within groups of) temperatures to read each chunk once."""
        temperature_index = np.asarray(temperature_index, dtype=np.int64)
        sample_index = np.asarray(sample_index, dtype=np.int64)
        if temperature_index.shape != sample_index.shape or temperature_index.ndim != 1:
            raise ValueError("temperature_index and sample_index must be 1-D arrays of equal length")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        current, block = -1, None
        for start in range(0, temperature_index.size, batch_size):
            stop = min(start + batch_size, temperature_index.size)
            batch = np.empty((stop - start, self.L, self.L), dtype=np.int8)
            for position in range(start, stop):
                t = int(temperature_index[position])
                if t != current:
                    current, block = t, self.read(t)
                batch[position - start] = block[sample_index[position]]
            yield batch, temperature_index[start:stop], sample_index[start:stop]


# ----------------------------------------------------------------------------- datasets


def _read_simulation_spins(path: Path, header: xr.Dataset) -> np.ndarray:
    """The checked spins of a simulation file whose other variables ``header`` holds. netCDF4
    directly: an xarray dataset per file would linger until the garbage collector ran."""
    try:
        with _no_chunk_cache(), netCDF4.Dataset(path) as source:
            variable = source["spins"]
            variable.set_auto_maskandscale(False)
            spins = np.asarray(variable[...], dtype=np.int8)
    except Exception as error:
        raise SchemaError(f"{path}: unreadable spins (truncated or corrupt?): {error}{recovery_hint(path)}") from error
    try:
        _check_spin_block(spins, header["energy"].values, header["magnetization"].values, str(path))
    except SchemaError as error:
        raise SchemaError(f"{error}{recovery_hint(path)}") from None
    return spins


def write_dataset(simulation_paths, path: str | os.PathLike, config: str = "", algorithm: str | None = None) -> None:
    """Stack per-temperature simulation files of one L into the dataset ``path``, sorted by
    temperature, streaming one temperature's spins at a time (atomically, like every writer).

    Each simulation is validated (spins included) before it is copied. ``config`` is the YAML
    of the settings the samples depend on; ``algorithm`` the configured algorithm (default:
    the ones found).
    """
    import xarray as xr

    simulation_paths = [Path(p) for p in simulation_paths]
    if not simulation_paths:
        raise ValueError("simulation_paths is empty")
    headers = []
    for simulation_path in simulation_paths:
        with _checked(simulation_path, ()) as simulation:
            headers.append(simulation.drop_vars("spins").load())
    lengths = {int(header.attrs["L"]) for header in headers}
    if len(lengths) != 1:
        raise ValueError(f"simulation files mix lattice sizes {sorted(lengths)}")
    samples = {header.sizes["sample"] for header in headers}
    if len(samples) != 1:
        raise ValueError(f"simulation files hold different numbers of samples {sorted(samples)}")
    order = np.argsort([float(header["temperature"]) for header in headers], kind="stable")
    headers = [headers[i] for i in order]
    simulation_paths = [simulation_paths[i] for i in order]
    scalars = xr.concat(headers, dim="temperature", combine_attrs="drop")
    if np.unique(scalars["temperature"].values).size != scalars.sizes["temperature"]:
        raise ValueError("two simulation files have the same temperature")
    scalars["temperature"].attrs.update(TEMPERATURE_ATTRS)
    first = headers[0].attrs
    length = int(first["L"])
    scalars.attrs = {
        "title": f"2D Ising equilibrium samples, L = {length}",
        "L": length,
        "J": 1.0,
        "boundary_conditions": "periodic",
        "algorithm": algorithm or ",".join(sorted(set(scalars["algorithm"].values.tolist()))),
        "seed": int(first["seed"]),
        "deeprenorm_version": source_version(),
        "config": config,
        "created": timestamp(),
    }
    shape = (len(headers), samples.pop(), length, length)
    units, long_name = SAMPLE_VARIABLES["spins"][2:]
    with atomic_path(path) as temporary:
        scalars.to_netcdf(temporary, engine="netcdf4", format="NETCDF4")
        with _no_chunk_cache(), netCDF4.Dataset(temporary, "a") as output:
            spins = output.createVariable(
                "spins",
                "i1",
                ("temperature", "sample", "y", "x"),
                zlib=True,
                complevel=1,
                chunksizes=_spin_chunks(shape),
            )
            spins.setncatts({"units": units, "long_name": long_name})
            for index, (simulation_path, header) in enumerate(zip(simulation_paths, headers)):
                spins[index] = _read_simulation_spins(simulation_path, header)
