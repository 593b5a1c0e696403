"""deeprenorm.results: load_study reads the tiny study (conftest.py's tiny_run) by name, lazily,
and a missing product raises StudyError naming the file and what makes it."""

import shutil

import pandas as pd
import pytest

from deeprenorm import load_study
from deeprenorm.config import ConfigError
from deeprenorm.results import StudyError

pytestmark = pytest.mark.workflow


def test_a_finished_study_in_python(tiny_run):
    study = load_study(tiny_run.workdir)
    assert study.config["lattice_sizes"] == [4, 8] and study.config["rg"]["mcrg"]["lattice_size"] == 16
    assert {"rg_verdict", "rg_verdict_calibration", "tc_thermodynamic"} <= set(study.tables)
    verdict = study.table("rg_verdict")
    assert isinstance(verdict, pd.DataFrame) and {"criterion", "votes"} <= set(verdict.columns)
    described = study.describe("rg_verdict")
    assert described["name"].tolist() == list(verdict.columns) and described["unit"].str.len().gt(0).all()
    assert study.lattice_sizes == [4, 8]
    with study.dataset(8) as data:
        assert data["spins"].shape[-2:] == (8, 8) and data.attrs
    with study.codes(8, "conv-b2-none", 0) as codes:
        assert "split" in codes
    model = study.model(8, "conv-b2-none", 0)
    assert not model.training and model.spec.is_convolutional
    assert study.summary["answer"] and study.figures["rg_verdict"].is_file()


def test_what_is_missing_is_named_with_what_makes_it(tiny_run, tmp_path):
    study = load_study(tiny_run.workdir)
    with pytest.raises(StudyError, match="no table 'nope'.*tables written so far: .*rg_verdict"):
        study.table("nope")
    with pytest.raises(StudyError, match="no dataset of L = 32.*sizes written: \\[4, 8\\]"):
        study.dataset(32)
    with pytest.raises(FileNotFoundError, match="seed 5.*trained at L = 8 so far: .*conv-b2-none seed 0"):
        study.model(8, "conv-b2-none", 5)
    # a study that ran only part of the way: its summary is not there yet
    partial = tmp_path / "partial"
    shutil.copytree(tiny_run.workdir / "results" / "tables", partial / "results" / "tables")
    shutil.copy(tiny_run.workdir / "config.yaml", partial / "config.yaml")
    with pytest.raises(StudyError, match="summary.json: no summary"):
        _ = load_study(partial).summary
    assert load_study(partial).figures == {}
    # the results/ folder itself opens the same study
    assert load_study(partial / "results").root == load_study(partial).root == partial.resolve()
    with pytest.raises(StudyError, match="no results/ folder"):
        load_study(tmp_path)
    (tmp_path / "results").mkdir()
    with pytest.raises(StudyError, match="no config file"):
        load_study(tmp_path)
    (tmp_path / "config.yaml").write_text("lattice_sizes: [5]\n")
    with pytest.raises(ConfigError, match="lattice_sizes"):
        load_study(tmp_path)
