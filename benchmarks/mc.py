"""Monte Carlo engine benchmark: cost per spin update and per independent configuration at T_c.

For each algorithm and L in {32, 64, 128} at T = T_c this prints

* ns per spin update (Metropolis: per attempted flip; Wolff: per flipped spin; Swendsen-Wang:
  per spin per sweep), single thread, CPU time of the kernel alone;
* tau_int of |m| and e in sweeps (Sokal window, from a run of ``--pilot-factor`` tau after
  thermalisation, via ``deeprenorm.ising.measure_autocorrelation``);
* CPU microseconds per effectively independent configuration = (CPU time of one sweep) x
  2 max(tau_|m|, tau_e).

Run: ``python benchmarks/mc.py [--sizes 32 64 128] [--pilot-factor 2000]``. Timings are medians of
repeats of CPU time (``time.thread_time``), so a busy second core disturbs them less than wall time.
"""

import argparse
import time

import numba
import numpy as np

from deeprenorm.exact import T_C
from deeprenorm.ising.lattice import bond_threshold, random_lattice
from deeprenorm.ising.metropolis import acceptance_thresholds, metropolis_sweeps, split_sublattices
from deeprenorm.ising.rng import new_stream
from deeprenorm.ising.sampler import measure_autocorrelation
from deeprenorm.ising.swendsen_wang import new_swendsen_wang_workspace, swendsen_wang_sweeps
from deeprenorm.ising.wolff import clusters_per_sweep, new_wolff_stack, wolff_clusters

BETA_C = 1.0 / T_C


def cpu_seconds(function, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        result = function()
        times.append(time.thread_time() - start)
    return float(np.median(times)), result


def kernel_cost(algorithm, length, target_spin_updates=4e7):
    """ns per spin update at T_c (Wolff: per flipped spin), kernel alone."""
    rng = np.random.default_rng(0)
    state = new_stream(np.random.SeedSequence(0))
    spins = random_lattice(length, rng)
    n_sites = length * length
    n_sweeps = max(10, int(target_spin_updates / n_sites))
    if algorithm == "metropolis":
        a, b = split_sublattices(spins)
        thresholds = acceptance_thresholds(BETA_C)
        metropolis_sweeps(a, b, thresholds, state, 200)
        seconds, _ = cpu_seconds(lambda: metropolis_sweeps(a, b, thresholds, state, n_sweeps))
        return seconds / (n_sweeps * n_sites) * 1e9
    threshold = bond_threshold(BETA_C)
    if algorithm == "wolff":
        stack = new_wolff_stack(length)
        per_sweep = clusters_per_sweep(spins, threshold, state, stack, 200)
        n_sweeps //= 10
        seconds, n_flipped = cpu_seconds(lambda: wolff_clusters(spins, threshold, state, n_sweeps * per_sweep, stack))
        return seconds / n_flipped * 1e9
    parent, flip = new_swendsen_wang_workspace(length)
    swendsen_wang_sweeps(spins, threshold, state, 50, parent, flip)
    n_sweeps //= 10
    seconds, _ = cpu_seconds(lambda: swendsen_wang_sweeps(spins, threshold, state, n_sweeps, parent, flip))
    return seconds / (n_sweeps * n_sites) * 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128])
    parser.add_argument("--algorithms", nargs="+", default=["metropolis", "wolff", "swendsen_wang"])
    parser.add_argument("--pilot-factor", type=float, default=2000, help="tau measured on runs of this many tau")
    args = parser.parse_args()
    numba.set_num_threads(1)

    header = (
        f"{'algorithm':<14}{'L':>5}{'ns/update':>11}{'flips/sweep':>12}{'us/sweep':>10}"
        f"{'tau |m|':>15}{'tau e':>15}{'us/indep. conf':>16}"
    )
    print(f"2D Ising at T_c = {T_C:.6f}, one thread. ns/update: Metropolis per attempted flip, Wolff per")
    print("flipped spin, Swendsen-Wang per spin per sweep. tau in sweeps (Wolff sweep = fixed number of")
    print("clusters flipping 'flips/sweep' x L^2 spins). us/indep. conf = kernel CPU per sweep x 2 max(tau).")
    print(header)
    print("-" * len(header))
    for algorithm in args.algorithms:
        for length in args.sizes:
            ns_per_update = kernel_cost(algorithm, length)
            pilot = measure_autocorrelation(length, T_C, algorithm, seed=1, pilot_factor=args.pilot_factor)
            flips = pilot.flipped_fraction_per_sweep if algorithm == "wolff" else 1.0
            seconds_per_sweep = ns_per_update * 1e-9 * flips * length * length
            per_independent = seconds_per_sweep * 2 * pilot.tau_max * 1e6
            print(
                f"{algorithm:<14}{length:>5}{ns_per_update:>11.2f}{flips:>12.3f}{seconds_per_sweep * 1e6:>10.1f}"
                f"{pilot.tau_abs_m.tau:>9.2f}±{pilot.tau_abs_m.error:<5.2f}"
                f"{pilot.tau_energy.tau:>9.2f}±{pilot.tau_energy.error:<5.2f}{per_independent:>16.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
