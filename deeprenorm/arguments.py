"""Argument validators shared by the package: one wording, one notion of "integer" and "number".

Every public function of :mod:`deeprenorm` checks its arguments with these before any work, so
a bad value fails at once with a ``ValueError`` that names the argument and its allowed range.

``bool`` is an ``int`` to Python but never a size, count or seed here, so it is refused; floats
are refused as integers even when integral (``chain=1.5`` must not quietly become chain 1, nor
``n_blocks=20.0`` pass as 20). numpy integers and floats are accepted.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["is_integer", "is_real", "check_integer", "check_real", "check_window"]


def is_integer(value) -> bool:
    """Whether ``value`` is an integer (Python or numpy), ``bool`` excluded."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value) -> bool:
    """Whether ``value`` is a finite real number (Python or numpy), ``bool`` excluded."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def check_integer(name: str, value, minimum: int) -> int:
    """``value`` as an ``int``; ``ValueError`` unless it is an integer ``>= minimum``."""
    if not (is_integer(value) and value >= minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_real(name: str, value, *, positive: bool = False, nonnegative: bool = False) -> float:
    """``value`` as a ``float``; ``ValueError`` unless it is a finite number (``> 0`` with
    ``positive``, ``>= 0`` with ``nonnegative``)."""
    bound = " > 0" if positive else " >= 0" if nonnegative else ""
    if not is_real(value) or (positive and not value > 0) or (nonnegative and not value >= 0):
        raise ValueError(f"{name} must be a finite number{bound}, got {value!r}")
    return float(value)


def check_window(window) -> tuple[float, float] | None:
    """A temperature window ``(low, high)`` with ``low < high``, or None (no window)."""
    if window is None:
        return None
    if len(window) != 2 or not window[0] < window[1]:
        raise ValueError(f"window must be (low, high) with low < high, got {window}")
    return float(window[0]), float(window[1])
