"""deeprenorm.pipeline and the start-up of small jobs: what they import, which errors are bad input."""

import logging
import subprocess
import sys
from types import SimpleNamespace

import pytest

from deeprenorm import pipeline
from deeprenorm.config import ConfigError
from deeprenorm.io import SchemaError
from deeprenorm.ising import ThermalizationError

# numba imports the scipy package itself (3 ms) to check its version; its submodules are the cost
HEAVY = ("xarray", "pandas", "scipy.linalg", "scipy.optimize", "scipy.stats", "matplotlib", "torch")


def _imported_after(code: str, modules) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after running ``code``."""
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {tuple(modules)!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.split()


def test_a_simulate_job_imports_nothing_heavy_it_does_not_use():
    # workflow/scripts/simulate.py's imports; about 1 s of CPU per job when they included xarray
    code = "import yaml\nfrom deeprenorm import pipeline\nfrom deeprenorm.data import write_simulation\nfrom deeprenorm.ising import sample"
    assert _imported_after(code, HEAVY) == []


def test_the_pipeline_and_the_plain_formats_import_neither_numba_nor_torch():
    assert (
        _imported_after("from deeprenorm import pipeline\nimport deeprenorm.io", ("numba", "torch", "pandas", "xarray"))
        == []
    )


def test_bad_input_errors_include_those_of_the_stages_imported():
    errors = pipeline.user_errors()
    assert {SchemaError, ConfigError, ThermalizationError} <= set(errors)
    assert not issubclass(ZeroDivisionError, errors)


def test_a_torch_job_resolves_its_device_and_logs_which_one_ran(monkeypatch, caplog):
    import torch

    job = SimpleNamespace(rule="probes", config={"autoencoder": {"device": "auto"}})
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with caplog.at_level(logging.INFO):
        assert pipeline.torch_device(job) == torch.device("cpu")
    assert "torch device cpu (autoencoder.device: auto)" in caplog.text
    job.config["autoencoder"]["device"] = "cuda"
    with pytest.raises(ConfigError, match="torch finds no CUDA device"):
        pipeline.torch_device(job)
