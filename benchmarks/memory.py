"""Peak memory of each data step against the bytes of spins it handles.

    python benchmarks/memory.py                       # L = 128, 32 temperatures x 1000 samples
    python benchmarks/memory.py --temperatures 241    # the paper preset's L = 128 dataset (3.95 GB)

Builds a synthetic per-L dataset the way the workflow does (one simulation file per temperature,
then ``write_dataset``), then runs every step in a fresh process and reports its peak resident
memory above what that process held just before the step (imports done, numba compiled): the
memory the step itself costs its caller. The peak is the kernel's high-water mark, reset with
``/proc/self/clear_refs`` right before the step.

Targets (the hardening issue): validating a dataset costs at most 1.5 x the spins of one
temperature; steps that need no spins stay far below the spin bytes of the file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SEED = 20190501


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _synthetic_simulations(folder: Path, L: int, temperatures, n_samples: int) -> list[Path]:
    """Simulation files with spins that are +-1 and consistent with their stored e and m:
    independent spins, up with probability (1 + M(T)) / 2 (Yang's M), so e and |m| vary with T
    as they roughly should. Memory is what is measured here, not physics."""
    from deeprenorm.data import write_simulation
    from deeprenorm.exact import yang_magnetization
    from deeprenorm.ising.lattice import energy_magnetization
    from deeprenorm.ising.sampler import SampleSet

    rng = np.random.default_rng(SEED)
    paths = []
    for T in temperatures:
        probability_up = 0.5 * (1.0 + float(yang_magnetization(T)))
        spins = np.where(rng.random((n_samples, L, L)) < probability_up, 1, -1).astype(np.int8)
        totals = np.array([energy_magnetization(configuration) for configuration in spins], dtype=float)
        result = SampleSet(
            spins=spins,
            energy=totals[:, 0] / L**2,
            magnetization=totals[:, 1] / L**2,
            L=L,
            T=float(T),
            algorithm="wolff",
            seed=SEED,
            chain=0,
            tau_int_abs_m=0.5,
            tau_int_abs_m_error=0.01,
            tau_int_energy=0.5,
            tau_int_energy_error=0.01,
            sweeps_between_samples=1,
            thermalization_sweeps=10,
            pilot_sweeps=1000,
            cold_start=False,
            tau_int_samples_abs_m=0.5,
            tau_int_samples_energy=0.5,
            seconds_per_sweep=0.0,
            flipped_fraction_per_sweep=1.0,
        )
        path = folder / "simulations" / f"T{T:.4f}.nc"
        write_simulation(result, path)
        paths.append(path)
    return paths


def _warm_up(folder: Path) -> None:
    """Compile every numba function and import every module on a tiny dataset first, so the
    measured step pays only for its data."""
    from deeprenorm.data import SpinReader, open_dataset, write_dataset
    from deeprenorm.thermo import critical_temperature_estimates, thermodynamic_table

    tiny = folder / "warm"
    tiny.mkdir(exist_ok=True)
    paths = _synthetic_simulations(tiny, 4, np.linspace(2.0, 2.6, 4), 40)
    write_dataset(paths, tiny / "L4.nc")
    with SpinReader(tiny / "L4.nc") as reader:
        reader.read(0)
    with open_dataset(tiny / "L4.nc") as dataset:
        thermodynamic_table(dataset)
        critical_temperature_estimates([dataset])


def _run_step(step: str, folder: Path, L: int, n_samples: int) -> None:
    import warnings

    from deeprenorm.data import SpinReader, open_dataset, validate_dataset, write_dataset
    from deeprenorm.ising import sample
    from deeprenorm.thermo import critical_temperature_estimates, thermodynamic_table

    warnings.simplefilter("ignore")
    dataset_path = folder / f"L{L}.nc"
    _warm_up(folder)
    if step == "simulate":
        sample(L, 3.5, 50, "metropolis", SEED)  # compile the production path too
    simulations = sorted((folder / "simulations").glob("T*.nc"))
    Path("/proc/self/clear_refs").write_text("5")
    base = _status_kb("VmRSS")
    clock = time.perf_counter()
    if step == "write_dataset":
        write_dataset(simulations, folder / "rewritten.nc")
    elif step == "open_dataset":
        with open_dataset(dataset_path):
            pass  # opening is what is measured: the lazy dataset's metadata
    elif step == "validate_dataset":
        validate_dataset(dataset_path)
    elif step == "stream_batches":
        with SpinReader(dataset_path) as reader:
            pairs = np.indices((reader.n_temperatures, reader.n_samples)).reshape(2, -1)
            for batch, _, _ in reader.batches(pairs[0], pairs[1], batch_size=256):
                batch.astype(np.float32)  # what training does to a batch
    elif step == "thermodynamic_table":
        with open_dataset(dataset_path) as dataset:
            thermodynamic_table(dataset)
    elif step == "critical_temperature_estimates":
        with open_dataset(dataset_path) as dataset:
            # The window the data would give for a real study around T_c (independent synthetic
            # spins have no chi' peak to derive it from).
            critical_temperature_estimates([dataset], window=(2.1, 2.9))
    elif step == "simulate":
        sample(L, 3.5, n_samples, "metropolis", SEED)
    else:
        raise ValueError(f"unknown step {step!r}")
    seconds = time.perf_counter() - clock
    print(json.dumps({"base_kb": base, "peak_kb": _status_kb("VmHWM"), "seconds": seconds}))


STEPS = {
    "simulate": "sample() at T = 3.5 (one simulation job)",
    "write_dataset": "assemble the dataset from its simulation files",
    "open_dataset": "open lazily, check every non-spin value",
    "validate_dataset": "check every spin, one temperature at a time",
    "stream_batches": "read all spins in batches of 256 (training's path)",
    "thermodynamic_table": "per-temperature observables (no spins)",
    "critical_temperature_estimates": "reweighting in (2.1, 2.9), chi' peak, jackknife (no spins)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--L", type=int, default=128)
    parser.add_argument("--temperatures", type=int, default=32, help="number of temperatures (paper preset: 241)")
    parser.add_argument("--samples", type=int, default=1000, help="samples per temperature (paper preset: 1000)")
    parser.add_argument("--folder", type=Path, help="work folder (default: a temporary one, removed after)")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.step:
        _run_step(arguments.step, arguments.folder, arguments.L, arguments.samples)
        return

    with tempfile.TemporaryDirectory(dir=arguments.folder) as scratch:
        folder = Path(scratch)
        L, n_T, n = arguments.L, arguments.temperatures, arguments.samples
        temperatures = np.linspace(1.5, 3.5, n_T)
        clock = time.perf_counter()
        from deeprenorm.data import write_dataset

        write_dataset(_synthetic_simulations(folder, L, temperatures, n), folder / f"L{L}.nc")
        one_temperature = n * L * L
        total = n_T * one_temperature
        print(
            f"synthetic dataset L = {L}: {n_T} temperatures x {n} samples, built in {time.perf_counter() - clock:.0f} s"
        )
        print(
            f"spin bytes: {one_temperature / 1e6:.1f} MB per temperature, {total / 1e6:.1f} MB in all "
            f"({(folder / f'L{L}.nc').stat().st_size / 1e6:.1f} MB on disk, zlib)\n"
        )
        header = f"{'step':<32}{'peak MB':>9}{'step MB':>9}{'x 1 T':>8}{'x all':>8}{'time s':>8}  what"
        print(header)
        print("-" * (len(header) + 40))
        for step, description in STEPS.items():
            command = [
                sys.executable,
                __file__,
                "--step",
                step,
                "--folder",
                str(folder),
                "--L",
                str(L),
                "--samples",
                str(n),
            ]
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            measured = json.loads(output.strip().splitlines()[-1])
            step_bytes = max(measured["peak_kb"] - measured["base_kb"], 0) * 1024
            print(
                f"{step:<32}{measured['peak_kb'] / 1024:>9.0f}{step_bytes / 1e6:>9.1f}"
                f"{step_bytes / one_temperature:>8.2f}{step_bytes / total:>8.3f}{measured['seconds']:>8.1f}  {description}"
            )
        print(
            "\npeak MB: the process's high-water mark; step MB: above the process before the step "
            "(imports, compiled kernels);\nx 1 T / x all: step MB over the spin bytes of one temperature / of the whole dataset."
        )


if __name__ == "__main__":
    main()
