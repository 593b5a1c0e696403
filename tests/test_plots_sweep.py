"""deeprenorm.plots.sweep: the width-sweep figure writes its six panels, on the width table of
synthetic encodings (tests/helpers.py: sweep_inputs) and on empty tables."""

from helpers import sweep_inputs

from deeprenorm.plots.sweep import plot_width_sweep
from deeprenorm.sweep import width_sweep_table


def test_width_sweep_figure_has_six_panels(tmp_path):
    specs, tc, summary, reconstruction, units = sweep_inputs()
    table = width_sweep_table(specs, tc, summary, reconstruction, units)
    path = plot_width_sweep(table, reconstruction, units, tmp_path / "sweep.png")
    assert path.stat().st_size > 20_000
    empty = plot_width_sweep(table.iloc[0:0], reconstruction.iloc[0:0], units.iloc[0:0], tmp_path / "empty.png")
    assert empty.exists()
