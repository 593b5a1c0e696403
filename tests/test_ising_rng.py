"""deeprenorm.ising.rng: the kernels' SplitMix64 stream against a plain-Python SplitMix64, draw for
draw."""

import numpy as np
from helpers import PyStream

from deeprenorm.ising.rng import new_stream, next_double, next_uint64


def test_stream_draws_match_python_splitmix():
    state = new_stream(np.random.SeedSequence(7))
    reference = PyStream(state)
    draws = [int(next_uint64(state)) for _ in range(5)]
    assert draws == [reference.draw() for _ in range(5)]
    assert 0.0 <= next_double(state) < 1.0
    assert state.dtype == np.uint64 and int(state[1]) == 6
