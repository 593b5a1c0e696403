"""Monte Carlo engine benchmark: cost per spin update and per independent configuration at T_c.

For each algorithm and L in {32, 64, 128} at T = T_c this prints

* ns per spin update (Metropolis: per attempted flip; Wolff: per flipped spin; Swendsen-Wang:
  per spin per sweep), single thread, CPU time of the kernel alone;
* tau_int of |m| and e in sweeps (Sokal window, from a long run after thermalisation);
* CPU microseconds per effectively independent configuration = (CPU time of one sweep) x
  2 max(tau_|m|, tau_e).

Run: ``python benchmarks/mc.py [--sizes 32 64 128] [--tau-sweeps 200000]``. Timings are medians of
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
from deeprenorm.ising.sampler import _Chain
from deeprenorm.ising.swendsen_wang import new_swendsen_wang_workspace, swendsen_wang_sweeps
from deeprenorm.ising.wolff import clusters_per_sweep, new_wolff_stack, wolff_clusters
from deeprenorm.stats import integrated_autocorrelation_time

BETA_C = 1.0 / T_C


def cpu_seconds(function, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        result = function()
        times.append(time.thread_time() - start)
    return float(np.median(times)), result


def kernel_cost(algorithm, length, target_spin_updates=4e7):
    """(ns per spin update, CPU seconds per sweep) at T_c."""
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
        return seconds / (n_sweeps * n_sites) * 1e9, seconds / n_sweeps
    threshold = bond_threshold(BETA_C)
    if algorithm == "wolff":
        stack = new_wolff_stack(length)
        per_sweep = clusters_per_sweep(spins, threshold, state, stack, 200)
        n_sweeps //= 10
        seconds, n_flipped = cpu_seconds(lambda: wolff_clusters(spins, threshold, state, n_sweeps * per_sweep, stack))
        return seconds / n_flipped * 1e9, seconds * length * length / n_flipped
    parent, flip = new_swendsen_wang_workspace(length)
    swendsen_wang_sweeps(spins, threshold, state, 50, parent, flip)
    n_sweeps //= 10
    seconds, _ = cpu_seconds(lambda: swendsen_wang_sweeps(spins, threshold, state, n_sweeps, parent, flip))
    return seconds / (n_sweeps * n_sites) * 1e9, seconds / n_sweeps


def autocorrelation(algorithm, length, n_sweeps, seed=1):
    """tau_int of |m| and e in sweeps at T_c, from a run of ``n_sweeps`` after thermalisation."""
    rng = np.random.default_rng(seed)
    chain = _Chain(algorithm, length, T_C, random_lattice(length, rng), new_stream(np.random.SeedSequence(seed)))
    chain.record(max(2000, n_sweeps // 10), 1, store=False, symmetrize=False)
    energy, magnetization, _ = chain.record(n_sweeps, 1, store=False, symmetrize=False)
    return (
        integrated_autocorrelation_time(np.abs(magnetization), quiet=True),
        integrated_autocorrelation_time(energy, quiet=True),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128])
    parser.add_argument("--algorithms", nargs="+", default=["metropolis", "wolff", "swendsen_wang"])
    parser.add_argument("--tau-sweeps", type=int, default=0, help="sweeps for tau (default: scaled to L and algorithm)")
    args = parser.parse_args()
    numba.set_num_threads(1)

    header = f"{'algorithm':<14}{'L':>5}{'ns/update':>11}{'us/sweep':>10}{'tau |m|':>15}{'tau e':>15}{'us/indep. conf':>16}"
    print(f"2D Ising at T_c = {T_C:.6f}, one thread; Wolff: ns per flipped spin, tau in sweeps")
    print(header)
    print("-" * len(header))
    for algorithm in args.algorithms:
        for length in args.sizes:
            ns_per_update, seconds_per_sweep = kernel_cost(algorithm, length)
            if args.tau_sweeps:
                n_sweeps = args.tau_sweeps
            elif algorithm == "metropolis":
                # tau ~ 0.04 L^2.17 sweeps: ~2000 tau gives ~10 % errors.
                n_sweeps = int(2000 * 0.04 * length**2.17)
            else:
                n_sweeps = 40000
            tau_abs_m, tau_energy = autocorrelation(algorithm, length, n_sweeps)
            tau = max(tau_abs_m.tau, tau_energy.tau)
            per_independent = seconds_per_sweep * 2 * tau * 1e6
            print(
                f"{algorithm:<14}{length:>5}{ns_per_update:>11.2f}{seconds_per_sweep * 1e6:>10.1f}"
                f"{tau_abs_m.tau:>9.2f}±{tau_abs_m.error:<5.2f}{tau_energy.tau:>9.2f}±{tau_energy.error:<5.2f}"
                f"{per_independent:>16.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
