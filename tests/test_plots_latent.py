"""deeprenorm.plots.latent: the phase-identification and T_c finite-size figures of the latent
analysis write PNGs, on the synthetic tanh code (the fixtures tanh_encoded and tanh_estimates of
tests/conftest.py) and on tables where nothing is located.

Set DEEPRENORM_LATENT_FIGURES to a folder to keep the figures for inspection.
"""

import os

import numpy as np
import pandas as pd

from deeprenorm import latent as lt
from deeprenorm.plots.latent import plot_phase_identification, plot_tc_finite_size


def test_figures_are_written(tanh_encoded, tanh_estimates, tmp_path):
    folder = os.environ.get("DEEPRENORM_LATENT_FIGURES", tmp_path)
    estimates, curves = tanh_estimates
    test = pd.concat([lt.phase_table(e, "pc1", "test") for e in tanh_encoded])
    train = pd.concat([lt.phase_table(e, "pc1", "train") for e in tanh_encoded])
    samples = lt.latent_sample_table(tanh_encoded[-1], "pc1", "test")
    assert list(samples.columns) == lt.SAMPLE_COLUMNS and len(samples) == 15 * 80
    summary = lt.phase_summary(tanh_encoded[-1], "pc1", "test")
    phase = plot_phase_identification(
        test,
        train,
        estimates,
        os.path.join(folder, "latent_phase.png"),
        samples=samples,
        curves=curves,
        summary=summary,
    )
    fss = plot_tc_finite_size(estimates, os.path.join(folder, "latent_tc_finite_size.png"))
    for path in (phase, fss):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
    # degenerate: nothing located, no samples
    empty = estimates.assign(T_c=np.nan, T_c_err=np.nan)
    plot_phase_identification(test, None, empty, tmp_path / "empty_phase.png")
    plot_tc_finite_size(empty, tmp_path / "empty_fss.png")
    assert (tmp_path / "empty_phase.png").exists() and (tmp_path / "empty_fss.png").exists()
