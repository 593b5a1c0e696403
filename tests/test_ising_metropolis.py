"""deeprenorm.ising.metropolis: the checkerboard Metropolis kernel against a plain-Python
reference of the same update, draw for draw, and its acceptance thresholds.

The reference consumes the same SplitMix64 stream in the same order, so after a few sweeps on a
tiny lattice the two must agree bit for bit. This pins the kernel's logic (neighbours, periodic
wrap, acceptance rule) independently of any statistics.
"""

import math

import numpy as np
import pytest
from helpers import PyStream, random_square_lattice

from deeprenorm.ising.metropolis import (
    acceptance_thresholds,
    join_sublattices,
    metropolis_sweeps,
    split_sublattices,
)
from deeprenorm.ising.rng import new_stream


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
    spins = random_square_lattice(length, 3)
    state = new_stream(np.random.SeedSequence(11))
    expected, counter = reference_metropolis(spins, 1 / temperature, PyStream(state), 3)
    a, b = split_sublattices(spins)
    metropolis_sweeps(a, b, acceptance_thresholds(1 / temperature), state, 3)
    np.testing.assert_array_equal(join_sublattices(a, b), expected)
    assert int(state[1]) == counter


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
