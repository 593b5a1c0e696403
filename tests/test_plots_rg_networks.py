"""deeprenorm.plots.rg_networks: the verdict figure draws every criterion of the verdict table, the
network-flow figure every weights column present (the inputs: tests/test_rg_verdict.py's)."""

import io

import pandas as pd
from helpers import assert_png
from test_rg_verdict import make_inputs

from deeprenorm.plots.rg_networks import plot_network_flow, plot_verdict
from deeprenorm.rg.verdict import CRITERIA, verdict_table


def test_the_verdict_figure_has_a_panel_per_criterion_and_says_which_vote(tmp_path):
    verdict, calibration = verdict_table(make_inputs())
    figure = tmp_path / "verdict.png"
    plot_verdict(verdict, figure)
    assert_png(figure)
    # the table read back from CSV (booleans as text, empty cells as NaN) draws the same
    plot_verdict(pd.read_csv(io.StringIO(verdict.to_csv(index=False))), tmp_path / "again.png")
    assert_png(tmp_path / "again.png")
    assert set(verdict["criterion"]) == set(CRITERIA) and len(calibration) == len(CRITERIA)


def test_the_network_flow_figure_puts_the_ideal_autoencoder_beside_the_networks(tmp_path):
    rows = []
    for model, weights, seed in (("block-spin-b2", "exact", -1), ("conv", "trained", 0), ("conv", "trained", 1)):
        for variant in ("sign", "continuous"):
            for T in (2.0, 2.3, 2.6):
                for step, T_energy in ((0, T), (1, T - 0.1)):
                    rows.append(
                        {
                            "model": model,
                            "weights": weights,
                            "seed": seed,
                            "variant": variant,
                            "temperature": T,
                            "step": step,
                            "T_energy": T_energy,
                            "T_energy_err": 0.01,
                        }
                    )
    fixed_points = pd.DataFrame(
        [
            {
                "model": "conv",
                "weights": "trained",
                "seed": 0,
                "variant": "sign",
                "thermometer": "energy",
                "T_fixed": 2.2,
                "stability": "stable",
            }
        ]
    )
    figure = tmp_path / "flow.png"
    plot_network_flow(pd.DataFrame(rows), fixed_points, figure)
    assert_png(figure)
