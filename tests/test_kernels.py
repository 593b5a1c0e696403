"""The numba kernels against plain-Python references of the same update, draw for draw.

Each reference consumes the same SplitMix64 stream in the same order, so after a few sweeps on a
tiny lattice the two must agree bit for bit. This pins the kernels' logic (neighbours, periodic
wrap, acceptance rule, cluster growth) independently of any statistics.
"""

import math

import numpy as np
import pytest

from deeprenorm.ising.lattice import bond_threshold, energy_magnetization
from deeprenorm.ising.metropolis import (
    acceptance_thresholds,
    join_sublattices,
    metropolis_sweeps,
    split_sublattices,
    sublattice_energy_magnetization,
)
from deeprenorm.ising.rng import new_stream, next_double, next_uint64
from deeprenorm.ising.swendsen_wang import new_swendsen_wang_workspace, swendsen_wang_sweeps
from deeprenorm.ising.wolff import clusters_per_sweep, new_wolff_stack, wolff_clusters

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def py_mix64(z: int) -> int:
    z &= MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class PyStream:
    def __init__(self, state):
        self.key, self.counter = int(state[0]), int(state[1])

    def draw(self, counter=None) -> int:
        if counter is not None:
            return py_mix64(self.key + counter * GAMMA)
        self.counter += 1
        return py_mix64(self.key + self.counter * GAMMA)


def random_spins(length, seed):
    rng = np.random.default_rng(seed)
    return np.where(rng.random((length, length)) < 0.5, -1, 1).astype(np.int8)


def reference_energy(spins):
    return -int(np.sum(spins * (np.roll(spins, 1, 0) + np.roll(spins, 1, 1)))), int(spins.sum())


@pytest.mark.parametrize("length", [2, 4, 6, 8, 10])
def test_energy_and_magnetization_match_numpy(length):
    spins = random_spins(length, length)
    assert energy_magnetization(spins) == reference_energy(spins)
    a, b = split_sublattices(spins)
    assert sublattice_energy_magnetization(a, b) == reference_energy(spins)
    np.testing.assert_array_equal(join_sublattices(a, b), spins)


def test_stream_draws_match_python_splitmix():
    state = new_stream(np.random.SeedSequence(7))
    reference = PyStream(state)
    draws = [int(next_uint64(state)) for _ in range(5)]
    assert draws == [reference.draw() for _ in range(5)]
    assert 0.0 <= next_double(state) < 1.0
    assert state.dtype == np.uint64 and int(state[1]) == 6


def reference_metropolis(spins, beta, stream, n_sweeps):
    """Checkerboard Metropolis, site by site, in the kernel's draw order."""
    length = spins.shape[0]
    half = length // 2
    spins = spins.copy()
    counter = stream.counter
    for _ in range(n_sweeps):
        for parity in (0, 1):  # sublattice a is x + y even, then b
            for y in range(length):
                for j in range(half):
                    x = 2 * j + ((y & 1) if parity == 0 else 1 - (y & 1))
                    field = (
                        spins[(y - 1) % length, x]
                        + spins[(y + 1) % length, x]
                        + spins[y, (x - 1) % length]
                        + spins[y, (x + 1) % length]
                    )
                    s_times_h = int(spins[y, x]) * int(field)
                    draw = stream.draw(counter + y * half + j)
                    probability = min(1.0, math.exp(-2.0 * beta * s_times_h))
                    threshold = (1 << 64) - 1 if probability >= 1.0 else int(probability * 2.0**64) - 1
                    if draw <= threshold:
                        spins[y, x] = -spins[y, x]
            counter += length * half
    return spins, counter


@pytest.mark.parametrize("length, temperature", [(2, 2.0), (4, 1.0), (4, 2.269), (6, 3.0), (8, 2.5)])
def test_metropolis_matches_reference(length, temperature):
    spins = random_spins(length, 3)
    state = new_stream(np.random.SeedSequence(11))
    expected, counter = reference_metropolis(spins, 1 / temperature, PyStream(state), 3)
    a, b = split_sublattices(spins)
    metropolis_sweeps(a, b, acceptance_thresholds(1 / temperature), state, 3)
    np.testing.assert_array_equal(join_sublattices(a, b), expected)
    assert int(state[1]) == counter


def reference_wolff_cluster(spins, beta, stream):
    length = spins.shape[0]
    n_sites = length * length
    threshold = int(bond_threshold(beta))
    flat = spins.reshape(-1)
    seed = int((stream.draw() >> 11) * 2.0**-53 * n_sites)
    cluster_spin = flat[seed]
    flat[seed] = -cluster_spin
    stack = [seed]
    size = 1
    while stack:
        site = stack.pop()
        y, x = divmod(site, length)
        for ny, nx in ((y, (x + 1) % length), (y, (x - 1) % length), ((y + 1) % length, x), ((y - 1) % length, x)):
            neighbour = ny * length + nx
            if flat[neighbour] == cluster_spin and stream.draw() <= threshold:
                flat[neighbour] = -cluster_spin
                stack.append(neighbour)
                size += 1
    return size


@pytest.mark.parametrize("length, temperature", [(3, 2.0), (4, 2.269), (5, 3.5), (8, 2.3)])
def test_wolff_matches_reference(length, temperature):
    spins = random_spins(length, 5)
    state = new_stream(np.random.SeedSequence(13))
    stream = PyStream(state)
    expected = spins.copy()
    flipped = sum(reference_wolff_cluster(expected, 1 / temperature, stream) for _ in range(25))
    n_flipped = wolff_clusters(spins, bond_threshold(1 / temperature), state, 25, new_wolff_stack(length))
    np.testing.assert_array_equal(spins, expected)
    assert n_flipped == flipped


def test_clusters_per_sweep_flips_about_one_lattice_per_sweep():
    length = 16
    spins = np.ones((length, length), dtype=np.int8)
    state = new_stream(np.random.SeedSequence(2))
    # Far above T_c the mean cluster is a few spins; at T -> 0 one cluster is the whole lattice.
    assert clusters_per_sweep(spins, bond_threshold(1e6), state, new_wolff_stack(length), 5) == 1
    assert clusters_per_sweep(spins, bond_threshold(1e-9), state, new_wolff_stack(length), 5) == length**2
    hot = clusters_per_sweep(spins, bond_threshold(1 / 10.0), state, new_wolff_stack(length), 50)
    assert 150 < hot < 256


def reference_swendsen_wang(spins, beta, stream):
    length = spins.shape[0]
    n_sites = length * length
    threshold = int(bond_threshold(beta))
    flat = spins.reshape(-1)
    parent = list(range(n_sites))

    def find(site):
        while parent[site] != site:
            site = parent[site]
        return site

    for y in range(length):
        for x in range(length):
            site = y * length + x
            for neighbour in (y * length + (x + 1) % length, ((y + 1) % length) * length + x):
                if flat[neighbour] == flat[site] and stream.draw() <= threshold:
                    first, second = find(site), find(neighbour)
                    parent[max(first, second)] = min(first, second)
    flips = {}
    for site in range(n_sites):
        root = find(site)
        if root == site:
            flips[site] = stream.draw() < (1 << 63)
        if flips[root]:
            flat[site] = -flat[site]


@pytest.mark.parametrize("length, temperature", [(2, 1.0), (3, 2.0), (4, 2.269), (7, 3.0)])
def test_swendsen_wang_matches_reference(length, temperature):
    spins = random_spins(length, 9)
    state = new_stream(np.random.SeedSequence(17))
    stream = PyStream(state)
    expected = spins.copy()
    for _ in range(3):
        reference_swendsen_wang(expected, 1 / temperature, stream)
    parent, flip = new_swendsen_wang_workspace(length)
    swendsen_wang_sweeps(spins, bond_threshold(1 / temperature), state, 3, parent, flip)
    np.testing.assert_array_equal(spins, expected)


def test_acceptance_thresholds_limits():
    cold = acceptance_thresholds(1e6)
    assert cold.tolist() == [0, 0]  # uphill moves never accepted at T -> 0
    hot = acceptance_thresholds(1e-12)
    assert all(int(t) > (1 << 64) * (1 - 1e-10) for t in hot)
    beta = 1 / 2.269185
    assert int(acceptance_thresholds(beta)[0]) / 2.0**64 == pytest.approx(math.exp(-4 * beta), rel=1e-14)
    assert int(acceptance_thresholds(beta)[1]) / 2.0**64 == pytest.approx(math.exp(-8 * beta), rel=1e-14)


def test_metropolis_frozen_ground_state_at_low_temperature():
    a, b = split_sublattices(np.ones((8, 8), dtype=np.int8))
    metropolis_sweeps(a, b, acceptance_thresholds(1e6), new_stream(np.random.SeedSequence(1)), 20)
    assert (a == 1).all() and (b == 1).all()
