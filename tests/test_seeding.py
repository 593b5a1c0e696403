"""Random streams (deeprenorm.seeding): one root seed gives every purpose and key a stream of its
own, the same on every run."""

import numpy as np
import pytest

from deeprenorm.seeding import stream, temperature_key


def test_streams_are_reproducible_and_distinct():
    first = stream(5, "simulation", 16, temperature_key(2.3), 0).generate_state(4)
    np.testing.assert_array_equal(first, stream(5, "simulation", 16, temperature_key(2.3), 0).generate_state(4))
    others = [
        stream(6, "simulation", 16, temperature_key(2.3), 0),
        stream(5, "simulation", 24, temperature_key(2.3), 0),
        stream(5, "simulation", 16, temperature_key(2.3001), 0),
        stream(5, "simulation", 16, temperature_key(2.3), 1),
        stream(5, "training", 16, temperature_key(2.3), 0),
    ]
    for other in others:
        assert not np.array_equal(first, other.generate_state(4))
    with pytest.raises(ValueError, match="purpose"):
        stream(5, "nonsense")
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        stream(-1, "simulation")
