"""examples/: every notebook runs, top to bottom, on the tiny study (conftest.py's tiny_run), in a
fresh Jupyter kernel of this environment, so that an example cannot drift from the code it shows.
The stored copy in the repository keeps the outputs of the default study; the one run here is
thrown away."""

import os
from pathlib import Path

import nbclient
import nbformat
import pytest

REPOSITORY = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.workflow


def test_the_study_notebook_runs_on_the_tiny_study(tiny_run, monkeypatch):
    notebook = nbformat.read(REPOSITORY / "examples/explore_a_study.ipynb", as_version=4)
    for cell in notebook.cells:  # the stored outputs are the default study's: run from nothing
        if cell.cell_type == "code":
            cell.outputs = []
    monkeypatch.setenv("DEEPRENORM_STUDY", os.fspath(tiny_run.workdir))
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(REPOSITORY / "examples")}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    text = "".join(output.get("text", "") for output in outputs if output.output_type == "stream")
    assert "lattice sizes: [4, 8]" in text
    assert "agrees with the majority rule on" in text and "conv-b2-none, L = 8" in text
    images = [output for output in outputs if "image/png" in output.get("data", {})]
    assert len(images) == 2  # the T*(L) figure and the configurations beside their block spins
