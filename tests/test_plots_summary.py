"""deeprenorm.plots.summary: the summary figure draws every panel it names, from hand-made tables
of the shapes the stages write."""

import numpy as np
import pandas as pd

from deeprenorm.exact import T_C
from deeprenorm.plots.summary import SUMMARY_PANELS, summary_figure


def test_the_summary_figure_draws_every_panel():
    T = np.linspace(1.8, 2.8, 11)
    phase = pd.concat(
        [
            pd.DataFrame(
                {
                    "model": "m",
                    "reduction": "mean",
                    "part": "test",
                    "L": L,
                    "temperature": T,
                    "training_seed": 0,
                    "abs_z": np.tanh(3 * (T_C - T)) / 2 + 0.5,
                    "abs_z_err": 0.01,
                    "abs_m": np.tanh(3 * (T_C - T)) / 2 + 0.5,
                    "abs_m_err": 0.01,
                    "chi_z": np.exp(-((T - T_C - 1 / L) ** 2) / 0.02),
                    "chi_z_err": 0.05,
                    "chi_m": np.exp(-((T - T_C) ** 2) / 0.02),
                    "chi_m_err": 0.05,
                }
            )
            for L in (8, 16)
        ]
    )
    tc_latent = pd.DataFrame(
        [
            {
                "model": "m",
                "reduction": "mean",
                "part": "test",
                "method": "chi_z_peak",
                "L": L,
                "T_c": T_C + 1 / L,
                "T_c_err": 0.01,
                "slope": np.nan,
            }
            for L in (8, 16)
        ]
        + [
            {
                "model": "m",
                "reduction": "mean",
                "part": "test",
                "method": "chi_z_peak_extrapolation",
                "L": np.nan,
                "T_c": T_C,
                "T_c_err": 0.01,
                "slope": 1.0,
            }
        ]
    )
    tc_thermodynamic = tc_latent.assign(method=tc_latent["method"].str.replace("chi_z", "chi_prime"))
    rg_curves = pd.DataFrame(
        {
            "L": 8,
            "b": 2,
            "map": "majority",
            "observable": "binder",
            "temperature": T,
            "T_prime": T_C + 2 * (T - T_C),
            "T_prime_err": 0.01,
        }
    )
    rg_flow = pd.DataFrame(
        [
            {
                "L": 8,
                "b": 2,
                "map": "majority",
                "observable": "binder",
                "T_star": T_C,
                "T_star_err": 0.01,
                "nu": 1.0,
                "nu_err": 0.05,
            }
        ]
    )
    learned_curves = rg_curves.assign(model="conv", map="code_sign", weights="trained")
    learned_flow = rg_flow.assign(model="conv", map="code_sign", weights="trained")
    image = np.ones((8, 8))
    strip = [
        (t, [("input", image), ("majority blocks", image[:4, :4]), ("conv code", image[:4, :4] * 0.5)])
        for t in (2.0, T_C, 2.6)
    ]
    figure = summary_figure(
        phase=phase,
        curves=phase,
        tc_latent=tc_latent,
        tc_thermodynamic=tc_thermodynamic,
        rg_curves=rg_curves,
        rg_flow=rg_flow,
        learned_curves=learned_curves,
        learned_flow=learned_flow,
        strip=strip,
        verdict="No trained network behaves like RG.",
        headline_model="m",
        headline_seed=0,
        network_L=8,
        learned_model="conv",
    )
    titles = [ax.get_title(loc="left") for ax in figure.get_axes()]
    texts = titles + [sub._suptitle.get_text() for sub in figure.subfigs[1].subfigs if sub._suptitle is not None]
    for panel in SUMMARY_PANELS:
        assert any(text.startswith(panel) for text in texts), panel
    assert figure._suptitle.get_text() == "Verdict: No trained network behaves like RG."
    images = [ax for ax in figure.get_axes() if ax.get_images()]
    assert len(images) == 9  # 3 temperatures x 3 panels
    lines = figure.get_axes()[0].get_lines()
    assert any(line.get_label() == "Yang |m|, L = ∞" for line in lines)
