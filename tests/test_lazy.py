"""Tests for deeprenorm.lazy: package attributes imported on first use."""

import subprocess
import sys

import pytest

from deeprenorm.lazy import lazy_attributes


def test_reading_the_plan_imports_neither_torch_nor_numba():
    # what Snakemake pays each time it reads the workflow
    code = "import sys, deeprenorm.plan; print(sorted(m for m in ('torch', 'numba', 'xarray') if m in sys.modules))"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    )


def test_a_name_is_imported_from_its_home_once_and_unknown_names_fail():
    import deeprenorm.ising as ising

    assert ising.sample is sys.modules["deeprenorm.ising.sampler"].sample
    assert "sample" in vars(ising)  # cached: the next lookup does not call __getattr__
    assert {"sample", "SampleSet"} <= set(dir(ising))
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        _ = ising.no_such_name
    getattr_, _ = lazy_attributes("deeprenorm.ising", {"renamed": "sampler"})
    with pytest.raises(AttributeError, match="renamed"):
        getattr_("renamed")
