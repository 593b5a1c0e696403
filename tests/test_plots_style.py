"""deeprenorm.plots.style: the shared style leaves matplotlib's settings as it found them, its
colours are distinct, colour-blind safe and stable, and saving closes pyplot figures."""

from helpers import PNG_MAGIC

from deeprenorm.plots import style


def test_style_helpers(tmp_path):
    import matplotlib

    before = dict(matplotlib.rcParams)
    with style.use_style():
        assert matplotlib.rcParams["savefig.dpi"] == style.DPI
    assert matplotlib.rcParams["savefig.dpi"] == before["savefig.dpi"]
    colors = style.size_colors([32, 8, 16, 8])
    assert sorted(colors) == [8, 16, 32] and len(set(colors.values())) == 3
    assert style.algorithm_color("wolff") != style.algorithm_color("metropolis")
    assert style.format_value_error(2.26918, 0.0123) == "2.269 ± 0.012"
    assert style.format_value_error(float("nan"), 0.1) == "n/a"
    # one colour-blind-safe colour per model, black kept for the exact curves, stable in order
    models = style.model_colors(["a", "b", "c", "a", "d", "e", "f", "g"])
    assert list(models) == ["a", "b", "c", "d", "e", "f", "g"] and len(set(models.values())) == 7
    assert "#000000" not in models.values() and set(models.values()) <= set(style.OKABE_ITO)
    assert style.model_colors(["x", "y"]) == {"x": style.OKABE_ITO[0], "y": style.OKABE_ITO[1]}
    stages = style.stage_colors(["Monte Carlo", "Training"])
    assert stages["Monte Carlo"] != stages["Training"]
    assert set(style.ALGORITHM_COLORS.values()) <= set(style.OKABE_ITO)


def test_save_closes_pyplot_figures(tmp_path):
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    style.save(fig, tmp_path / "p.png")
    assert fig.number not in plt.get_fignums()
    assert (tmp_path / "p.png").read_bytes()[:8] == PNG_MAGIC
