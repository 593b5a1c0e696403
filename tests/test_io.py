"""deeprenorm.io: the one atomic write behind every output, the modes it gives, the plain formats."""

import json
import math
import os
import stat

import numpy as np
import pandas as pd
import pytest

from deeprenorm.data import write_dataset, write_simulation
from deeprenorm.io import (
    SchemaError,
    atomic_path,
    copy_file,
    read_table,
    write_arrays,
    write_json,
    write_table,
    write_text,
)
from deeprenorm.ising import sample
from deeprenorm.plots.style import new_figure, save
from deeprenorm.probes.dbn import DeepBeliefNetwork, save_dbn


@pytest.fixture(scope="module")
def simulations(small_dataset):
    return small_dataset(4, (2.0, 2.6), 10, seed=1).simulations


def _write_every_kind(folder, simulations) -> list[str]:
    """One output of every kind the package writes, into ``folder``; their names."""
    write_simulation(sample(4, 2.3, 10, "wolff", seed=1), folder / "T2.3000.nc")
    write_dataset(simulations, folder / "L4.nc")
    write_table(pd.DataFrame({"a": [1]}), folder / "table.csv")
    write_json({"a": 1}, folder / "document.json")
    write_text("text\n", folder / "note.md")
    write_arrays({"x": np.arange(3)}, folder / "maps.npz")
    copy_file(folder / "note.md", folder / "copy.md")
    fig, axes = new_figure()
    axes[0, 0].plot([0, 1], [0, 1])
    save(fig, folder / "figure.png")
    save_dbn(folder / "dbn.pt", DeepBeliefNetwork.from_widths([4, 2], seed=0))
    return [
        "T2.3000.nc",
        "L4.nc",
        "table.csv",
        "document.json",
        "note.md",
        "maps.npz",
        "copy.md",
        "figure.png",
        "dbn.pt",
    ]


@pytest.mark.parametrize("umask", [0o027, 0o002, 0o022])
def test_every_output_kind_gets_the_mode_the_umask_gives(tmp_path, simulations, umask):
    previous = os.umask(umask)
    try:
        names = _write_every_kind(tmp_path, simulations)
    finally:
        os.umask(previous)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names)  # no temporaries left
    for name in names:
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask, name


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError, match="writer failed"):
        with atomic_path(target) as temporary:
            with open(temporary, "w") as handle:
                handle.write("half a ")
            raise RuntimeError("writer failed")
    assert target.read_text() == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["table.csv"]


def test_the_next_write_removes_a_killed_writers_temporary(tmp_path):
    leftover = tmp_path / ".table.csv.abc123.part"  # what SIGKILL during a write leaves
    leftover.write_text("half a table")
    unrelated = tmp_path / ".other.csv.abc123.part"
    unrelated.write_text("another target's")
    write_table(pd.DataFrame({"a": [1]}), tmp_path / "table.csv")
    assert not leftover.exists() and unrelated.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.csv.abc123.part", "table.csv"]


def test_damaged_tables_name_the_file(tmp_path):
    write_table(pd.DataFrame({"L": [4], "T_c": [2.3]}), tmp_path / "good.csv")
    assert read_table(tmp_path / "good.csv", ["L", "T_c"])["T_c"].item() == 2.3
    with pytest.raises(SchemaError, match="good.csv: missing column\\(s\\) kind"):
        read_table(tmp_path / "good.csv", ["L", "kind"])
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(SchemaError, match="empty.csv: not a readable CSV table"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "garbage.csv").write_bytes(b'a,b\n1,"2\n' + os.urandom(64))
    with pytest.raises(SchemaError, match="garbage.csv: not a readable CSV table"):
        read_table(tmp_path / "garbage.csv")
    with pytest.raises(SchemaError, match="missing.csv: no such file"):
        read_table(tmp_path / "missing.csv")


def test_json_holds_non_finite_numbers_as_null_and_numpy_scalars_as_numbers(tmp_path):
    write_json(
        {"b": np.float64(math.nan), "a": (np.int64(3), math.inf, 1.5), 4: {"c": np.float32(0.5)}}, tmp_path / "x.json"
    )
    text = (tmp_path / "x.json").read_text()
    assert json.loads(text) == {"4": {"c": 0.5}, "a": [3, None, 1.5], "b": None}
    assert text.index('"4"') < text.index('"a"') < text.index('"b"') and text.endswith("}\n")


def test_arrays_are_read_back_by_name_from_the_path_given(tmp_path):
    write_arrays({"layer1": np.eye(2), "layer2": np.arange(3)}, tmp_path / "fields.npz")
    assert [path.name for path in tmp_path.iterdir()] == ["fields.npz"]
    with np.load(tmp_path / "fields.npz") as arrays:
        np.testing.assert_array_equal(arrays["layer1"], np.eye(2))
        np.testing.assert_array_equal(arrays["layer2"], np.arange(3))
