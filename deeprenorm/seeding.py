"""One root seed, many independent random streams (numpy ``SeedSequence`` spawn keys).

A stream is named by what it is for, not by the order in which jobs happen to run: the spawn key
of a Monte Carlo chain is ``(purpose, L, temperature in micro-units, chain)``. So the same root
seed reproduces every array bit for bit, adding a temperature to a study leaves the streams of all
other temperatures untouched, and no two (L, T, chain) ever share a stream.

A function that takes a ``seed`` accepts an integer or such a stream (:func:`seed_sequence`) and
names the streams of its parts by key below it (:func:`child`), in the same way.
"""

import numpy as np

from .arguments import is_integer

__all__ = ["PURPOSES", "temperature_key", "stream", "seed_sequence", "child"]

# Appending to this tuple is safe; reordering it would change every stream of a purpose.
PURPOSES = (
    "simulation",
    "training",
    "analysis",
    "split",
    "blocking",
    "learned_blocking",
    "information",
    "network_flow",
    "dbn",
    "mcrg_blocking",
    "agreement_ceiling",
    "rsmi_training",
)

_TEMPERATURE_RESOLUTION = 10**6


def temperature_key(temperature: float) -> int:
    """Integer identity of a temperature in spawn keys (resolution 1e-6)."""
    return int(round(float(temperature) * _TEMPERATURE_RESOLUTION))


def stream(root_seed: int, purpose: str, *key: int) -> np.random.SeedSequence:
    """The ``SeedSequence`` for ``purpose`` and integer ``key`` under ``root_seed``.

    >>> stream(42, "simulation", 32, temperature_key(2.269), 0)  # doctest: +ELLIPSIS
    SeedSequence(...)
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}, got {purpose!r}")
    if not (is_integer(root_seed) and root_seed >= 0):
        raise ValueError(f"seed must be a non-negative integer, got {root_seed!r}")
    spawn_key = (PURPOSES.index(purpose), *(int(k) for k in key))
    if any(k < 0 for k in spawn_key):
        raise ValueError(f"stream key entries must be non-negative integers, got {key!r}")
    return np.random.SeedSequence(int(root_seed), spawn_key=spawn_key)


def seed_sequence(seed) -> np.random.SeedSequence:
    """``seed`` as a ``SeedSequence``: a non-negative integer ``s`` gives ``SeedSequence(s)``, a
    ``SeedSequence`` (a :func:`stream`, say) is returned as it is; ``ValueError`` otherwise."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if not (is_integer(seed) and seed >= 0):
        raise ValueError(f"seed must be a non-negative integer or a numpy SeedSequence, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def child(sequence: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The stream named ``key`` below ``sequence``: its spawn key extended by ``key``.

    Built from the spawn key rather than by ``SeedSequence.spawn``, which counts its calls inside
    the object: a second run with the same ``SeedSequence`` object would get other streams.
    """
    return np.random.SeedSequence(sequence.entropy, spawn_key=(*sequence.spawn_key, *key), pool_size=sequence.pool_size)
