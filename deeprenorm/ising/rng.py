"""Counter-based random numbers for the numba kernels.

Every kernel draws from SplitMix64 (Steele, Lea & Flood, OOPSLA 2014) used as a counter-based
generator: the n-th draw of a stream is ``mix64(key + n * GOLDEN_GAMMA)``. The state of a stream is
a ``uint64`` array ``[key, counter]`` owned by the caller, so a kernel is a pure function of its
arrays: nothing hides in numba's global ``np.random`` state (which ``np.random.seed`` from Python
does not even reach). Because each draw depends only on its counter, the checkerboard kernel can
compute a whole row of draws without a loop-carried dependency, which lets LLVM vectorise it.

State stays in ``uint64`` arrays on purpose: a uint64 returned to Python comes back as an int and
is typed int64 on the next call, and int64 + uint64 silently becomes float64 in numba.
"""

import numba as nb
import numpy as np

__all__ = ["GOLDEN_GAMMA", "mix64", "next_uint64", "next_double", "new_stream", "probability_threshold"]

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
# 2**-53: turns the top 53 bits of a draw into a double in [0, 1).
_INV_2_53 = 1.0 / 9007199254740992.0


@nb.njit(inline="always", cache=True)
def mix64(z):
    """SplitMix64 output function (a bijective 64-bit finaliser)."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@nb.njit(inline="always", cache=True)
def next_uint64(state):
    """Next 64-bit draw of the stream ``state = [key, counter]``; advances the counter."""
    state[1] += _ONE
    return mix64(state[0] + state[1] * GOLDEN_GAMMA)


@nb.njit(inline="always", cache=True)
def next_double(state):
    """Next uniform double in [0, 1) of the stream ``state``."""
    return np.float64(next_uint64(state) >> _S11) * _INV_2_53


def new_stream(seed_sequence: np.random.SeedSequence) -> np.ndarray:
    """A fresh ``[key, counter]`` state drawn from a numpy ``SeedSequence``."""
    key = seed_sequence.generate_state(1, dtype=np.uint64)[0]
    return np.array([key, 0], dtype=np.uint64)


def probability_threshold(probability: float) -> np.uint64:
    """The uint64 ``t`` such that a uniform 64-bit draw satisfies ``u <= t`` with ``probability``
    (exact up to 2**-64); a probability below 2**-64 never fires."""
    scaled = int(probability * 2.0**64)
    return np.uint64(min(scaled, 2**64) - 1) if scaled > 0 else np.uint64(0)
