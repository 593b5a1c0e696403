"""deeprenorm.ising.wolff: the Wolff cluster kernel against a plain-Python reference of the same
update, draw for draw, and the number of clusters it grows per sweep.

The reference consumes the same SplitMix64 stream in the same order, so after a few clusters on
a tiny lattice the two must agree bit for bit. This pins the kernel's logic (neighbours, periodic
wrap, cluster growth) independently of any statistics.
"""

import numpy as np
import pytest
from helpers import PyStream, random_square_lattice

from deeprenorm.ising.lattice import bond_threshold
from deeprenorm.ising.rng import new_stream
from deeprenorm.ising.wolff import clusters_per_sweep, new_wolff_stack, wolff_clusters


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
    spins = random_square_lattice(length, 5)
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
