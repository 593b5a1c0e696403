"""deeprenorm.ising.swendsen_wang: the Swendsen-Wang kernel against a plain-Python reference of
the same update, draw for draw.

The reference consumes the same SplitMix64 stream in the same order, so after a few sweeps on a
tiny lattice the two must agree bit for bit. This pins the kernel's logic (bonds, periodic wrap,
cluster labels and flips) independently of any statistics.
"""

import numpy as np
import pytest
from helpers import PyStream, random_square_lattice

from deeprenorm.ising.lattice import bond_threshold
from deeprenorm.ising.rng import new_stream
from deeprenorm.ising.swendsen_wang import new_swendsen_wang_workspace, swendsen_wang_sweeps


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
    spins = random_square_lattice(length, 9)
    state = new_stream(np.random.SeedSequence(17))
    stream = PyStream(state)
    expected = spins.copy()
    for _ in range(3):
        reference_swendsen_wang(expected, 1 / temperature, stream)
    parent, flip = new_swendsen_wang_workspace(length)
    swendsen_wang_sweeps(spins, bond_threshold(1 / temperature), state, 3, parent, flip)
    np.testing.assert_array_equal(spins, expected)
