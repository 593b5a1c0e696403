"""Package attributes imported from their modules on first use (PEP 562).

Snakemake imports the study plan every time it reads the workflow; a package ``__init__`` that
imported its modules eagerly would drag torch, numba or scipy into that, and into every small
job. A package lists where each public name lives and gets its ``__getattr__`` and ``__dir__``
from :func:`lazy_attributes`.
"""

import importlib
import sys

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, homes: dict[str, str]):
    """``(__getattr__, __dir__)`` for ``package``, whose public name ``n`` is defined in its
    module ``homes[n]`` (relative to the package); a name is imported once, then cached in the
    package's namespace so that later lookups bypass ``__getattr__``."""

    def __getattr__(name: str):
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{homes[name]}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(homes))

    return __getattr__, __dir__
