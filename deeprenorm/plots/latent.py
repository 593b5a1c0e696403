"""Latent-variable figures: does the code of an autoencoder identify the phase and locate T_c?

* :func:`plot_phase_identification` -- the headline figure of Broomberg & Rabinovich (2019)
  (and the k = 1 code of Alexandrou et al. 2019), with error bars, the held-out split, the
  reweighted curves and the measured T_c(L) beside Onsager's;
* :func:`plot_tc_finite_size` -- T_c(L) from the latent and magnetic susceptibility peaks against
  1/L with their nu = 1 extrapolations and the original study's values for reference.

Both take the tables of :mod:`deeprenorm.latent` and write a PNG through :mod:`.style`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D

from ..exact import T_C
from .style import (
    empty_panel,
    format_value_error,
    format_with_systematic,
    mark_critical_temperature,
    model_colors,
    new_figure,
    plain_log_labels,
    save,
    size_colors,
    use_style,
)

__all__ = ["REFERENCE_BROOMBERG_RABINOVICH", "plot_phase_identification", "plot_tc_finite_size"]

#: Broomberg & Rabinovich (2019): T_c from the latent-susceptibility peak at L = 25 and 50, and
#: their headline value (drawn at 1/L = 0).
REFERENCE_BROOMBERG_RABINOVICH = {"points": ((25, 2.308), (50, 2.288)), "headline": 2.369}
_REFERENCE_LABEL = "Broomberg & Rabinovich 2019"

_MAGNETIC_COLOR = "0.15"
_REFERENCE_COLOR = "#7f3b08"
# colour map of the per-sample scatter (colour = temperature): cividis is designed for colour
# vision deficiency and is not the viridis of the lattice sizes, so the two never get confused
_TEMPERATURE_COLORMAP = "cividis"
_DATA_STYLE = {"markersize": 5, "elinewidth": 1.0, "capsize": 2, "zorder": 3}


def _by_size(table: pd.DataFrame):
    for L, part in table.sort_values(["L", "temperature"]).groupby("L", sort=True):
        yield int(L), part


def _only(table, model, reduction):
    if table is None or not len(table):
        return table
    keep = np.ones(len(table), dtype=bool)
    if "model" in table:
        keep &= (table["model"] == model).to_numpy()
    if "reduction" in table:
        keep &= (table["reduction"] == reduction).to_numpy()
    return table[keep]


def _spacing(temperatures) -> float:
    T = np.unique(np.asarray(temperatures, dtype=float))
    return float(np.min(np.diff(T))) if T.size > 1 else 0.05


def _scatter(ax, samples, column, spacing, norm):
    """Per-sample values against T, jittered by +-1/4 of the temperature spacing."""
    rng = np.random.default_rng(0)  # fixed: the same jitter every time the figure is drawn
    T = samples["temperature"].to_numpy(dtype=float)
    jitter = rng.uniform(-0.25, 0.25, T.size) * spacing
    return ax.scatter(
        T + jitter,
        samples[column],
        c=T,
        cmap=_TEMPERATURE_COLORMAP,
        norm=norm,
        s=7,
        alpha=0.55,
        linewidths=0,
        rasterized=True,
        zorder=2,
    )


def _means(ax, test, train, column, colors, spacing):
    """Test split filled, training split open and shifted right by 1/5 of the spacing."""
    for L, part in _by_size(test):
        ax.errorbar(
            part["temperature"],
            part[column],
            yerr=part[f"{column}_err"],
            color=colors[L],
            marker="o",
            linestyle="-",
            linewidth=0.8,
            **_DATA_STYLE,
        )
    if train is not None:
        for L, part in _by_size(train):
            ax.errorbar(
                part["temperature"] + 0.2 * spacing,
                part[column],
                yerr=part[f"{column}_err"],
                color=colors.get(L, "0.4"),
                marker="o",
                markerfacecolor="white",
                linestyle="none",
                **_DATA_STYLE,
            )


def _reweighted(ax, curves, column, colors):
    if curves is None or not len(curves):
        return
    for L, part in _by_size(curves):
        color = colors.get(L, "0.3")
        ax.plot(part["temperature"], part[column], color=color, linewidth=1.3, zorder=2)
        ax.fill_between(
            part["temperature"],
            part[column] - part[f"{column}_err"],
            part[column] + part[f"{column}_err"],
            color=color,
            alpha=0.22,
            linewidth=0,
            zorder=1,
        )


def _estimate_lines(estimates, observable):
    """Text lines with T_c(L) and T_c(inf) of one observable's peaks, and the finite peak rows."""
    peaks = estimates[estimates["method"] == f"{observable}_peak"].sort_values("L")
    lines = []
    for row in peaks.itertuples():
        value = format_value_error(row.T_c, row.T_c_err) if np.isfinite(row.T_c) else "not located"
        lines.append(f"L = {row.L}: T*(L) = {value}")
    for method, label in (
        (f"{observable}_peak_extrapolation", "ν = 1"),
        (f"{observable}_peak_extrapolation_free_nu", "ν free"),
    ):
        fit = estimates[estimates["method"] == method]
        if len(fit) and np.isfinite(fit["T_c"].iloc[0]):
            row = fit.iloc[0]
            text = f"T_c(∞), {label}: {format_with_systematic(row['T_c'], row['T_c_err'], row.get('T_c_err_sys'))}"
            if label == "ν free" and np.isfinite(row["nu"]):
                text += f" (ν = {format_value_error(row['nu'], row['nu_err'])})"
            lines.append(text)
        elif len(fit):
            lines.append(f"T_c(∞), {label}: n/a")
    lines.append(f"Onsager T_c = {T_C:.4f}")
    return lines, peaks[np.isfinite(peaks["T_c"].astype(float))]


def _text(ax, lines, loc="upper right"):
    x, ha = (0.98, "right") if "right" in loc else (0.02, "left")
    y, va = {"upper": (0.97, "top"), "lower": (0.03, "bottom"), "center": (0.5, "center")}[loc.split()[0]]
    ax.text(
        x,
        y,
        "\n".join(lines),
        transform=ax.transAxes,
        ha=ha,
        va=va,
        fontsize=9,
        bbox={"boxstyle": "round,pad=0.35", "facecolor": "white", "edgecolor": "0.8", "alpha": 0.9},
        zorder=5,
    )


def _chi_panel(ax, test, train, curves, estimates, observable, colors, spacing, symbol):
    _reweighted(ax, curves, observable, colors)
    _means(ax, test, train, observable, colors, spacing)
    lines, peaks = _estimate_lines(estimates, observable)
    for row in peaks.itertuples():
        ax.axvline(row.T_c, color=colors.get(int(row.L), "0.3"), linestyle="--", linewidth=1.0, zorder=1)
    values = test[observable].to_numpy(dtype=float)
    if np.all(values[np.isfinite(values)] > 0) and np.isfinite(values).any():
        ax.set_yscale("log")
        plain_log_labels(ax.yaxis)
    ax.set_ylabel(f"χ_{symbol} = N(⟨{symbol}²⟩ − ⟨|{symbol}|⟩²)/T" + (" [1/J]" if symbol == "m" else " [code²/J]"))
    _text(ax, [f"peaks of reweighted χ_{symbol} (dashed):"] + lines, loc="lower right")


def plot_phase_identification(
    test_table: pd.DataFrame,
    train_table: pd.DataFrame | None,
    estimates: pd.DataFrame,
    path,
    *,
    samples: pd.DataFrame | None = None,
    curves: pd.DataFrame | None = None,
    summary: dict | None = None,
):
    """The latent variable against the magnetisation: six panels, written as a PNG to ``path``.

    ``test_table``, ``train_table``: :func:`deeprenorm.latent.phase_table` of the test and the
    training split (one or several L, one model and reduction: the first row's are shown);
    ``estimates``, ``curves``: the two outputs of
    :func:`deeprenorm.latent.latent_critical_temperatures` (test split); ``samples``:
    :func:`deeprenorm.latent.latent_sample_table` of the test split (the largest L is shown);
    ``summary``: :func:`deeprenorm.latent.phase_summary`, whose correlations are printed.

    Left column the code, right column the magnetisation: per-sample z and m against T coloured
    by T (jittered by 1/4 of the temperature spacing); <|z|> and <|m|> with jackknife error bars
    (test split filled, training split open, shifted right); chi_z and chi_m with error bars and
    the reweighted curves with their jackknife bands, the located peaks T*(L) as dashed lines in
    the colour of their L, and the T*(L) and T_c(inf) values printed.  Onsager's T_c is dotted
    everywhere.  Returns the path.
    """
    if test_table is None or not len(test_table):
        raise ValueError("test_table is empty")
    model, reduction = str(test_table["model"].iloc[0]), str(test_table["reduction"].iloc[0])
    test = _only(test_table, model, reduction)
    train = _only(train_table, model, reduction)
    estimates = _only(estimates, model, reduction)
    estimates = estimates[estimates["part"] == "test"] if "part" in estimates else estimates
    curves = _only(curves, model, reduction)
    colors = size_colors(test["L"])
    spacing = _spacing(test["temperature"])
    low, high = test["temperature"].min() - 0.6 * spacing, test["temperature"].max() + 0.6 * spacing

    with use_style():
        fig, axes = new_figure(3, 2, figsize=(13, 13.5))
        if samples is not None and len(samples):
            samples = _only(samples, model, reduction)
            L_shown = int(samples["L"].max())
            shown = samples[samples["L"] == L_shown]
            norm = Normalize(shown["temperature"].min(), shown["temperature"].max())
            points = _scatter(axes[0, 0], shown, "z", spacing, norm)
            _scatter(axes[0, 1], shown, "m", spacing, norm)
            axes[0, 0].set_title(f"Code z of every test sample, L = {L_shown}")
            axes[0, 1].set_title(f"Magnetisation m of the same samples, L = {L_shown}")
            axes[0, 0].set_ylabel(f"reduced code z ({reduction})")
            axes[0, 1].set_ylabel("magnetisation per spin m")
            fig.colorbar(points, ax=axes[0, :], label="temperature T [J/k_B]", shrink=0.9, pad=0.01)
            if summary is not None:
                _text(
                    axes[0, 0],
                    [
                        f"r(|z|, |m|) over samples = {summary['r_samples_abs_z_abs_m']:.3f}",
                        f"r(χ_z(T), χ_m(T)) = {summary['r_curves_chi_z_chi_m']:.3f}",
                    ],
                    loc="center left",
                )
        else:
            empty_panel(axes[0, 0], "no per-sample table given")
            empty_panel(axes[0, 1], "no per-sample table given")

        _means(axes[1, 0], test, train, "abs_z", colors, spacing)
        _means(axes[1, 1], test, train, "abs_m", colors, spacing)
        axes[1, 0].set_ylabel("⟨|z|⟩")
        axes[1, 1].set_ylabel("⟨|m|⟩")
        axes[1, 0].set_title("Order parameter from the code")
        axes[1, 1].set_title("Magnetisation")
        _chi_panel(axes[2, 0], test, train, curves, estimates, "chi_z", colors, spacing, "z")
        _chi_panel(axes[2, 1], test, train, curves, estimates, "chi_m", colors, spacing, "m")
        axes[2, 0].set_title("Latent susceptibility")
        axes[2, 1].set_title("Connected magnetic susceptibility")
        for ax in axes.ravel():
            if ax.axison:
                mark_critical_temperature(ax)
                ax.set_xlim(low, high)
                ax.set_xlabel("temperature T [J/k_B]")
        handles = [
            Line2D([], [], color=colors[L], marker="o", linestyle="-", linewidth=0.8, label=f"L = {L}")
            for L in sorted(colors)
        ]
        handles += [
            Line2D([], [], color="0.3", marker="o", linestyle="none", label="test split"),
            Line2D([], [], color="0.3", marker="o", markerfacecolor="white", linestyle="none", label="training split"),
            Line2D([], [], color="0.3", linewidth=1.3, label="reweighted (test), ±1σ band"),
            Line2D([], [], color="0.35", linestyle=":", label=f"Onsager T_c = {T_C:.4f}"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
        fig.suptitle(
            f"Does the code locate the transition?  model {model}, reduction {reduction}, 2D Ising L × L torus",
            fontsize=13,
        )
        return save(fig, path)


def _series(estimates: pd.DataFrame):
    """(model, reduction, part) groups with located chi_z peaks, in order of appearance."""
    keys = ["model", "reduction", "part"]
    located = estimates[(estimates["method"] == "chi_z_peak")]
    return list(dict.fromkeys(map(tuple, located[keys].astype(str).to_numpy())))


def _matches(table: pd.DataFrame, key) -> pd.Series:
    """Rows of ``table`` whose (model, reduction, part) is ``key`` (compared as strings)."""
    keep = pd.Series(True, index=table.index)
    for column, value in zip(("model", "reduction", "part"), key):
        keep &= table[column].astype(str) == str(value)
    return keep


def _fit_line(ax, rows, observable, color, x_max, label_prefix, slot):
    """The nu = 1 line to 1/L = 0 and its intercept, drawn at ``-slot`` (staggered left of 0)."""
    fit_rows = rows[rows["method"] == f"{observable}_peak_extrapolation"]
    if not len(fit_rows) or not np.isfinite(fit_rows["T_c"].iloc[0]):
        return
    fit = fit_rows.iloc[0]
    x = np.linspace(0.0, x_max, 50)
    ax.plot(x, fit["T_c"] + fit["slope"] * x, color=color, linewidth=1.1, linestyle="-", alpha=0.8, zorder=2)
    value = format_with_systematic(fit["T_c"], fit["T_c_err"], fit.get("T_c_err_sys"))
    label = f"{label_prefix}: T_c(∞) = {value} (ν = 1"
    if np.isfinite(fit.get("chi2_dof", np.nan)):
        label += f"; χ²/dof = {fit['chi2_dof']:.2g}, {int(fit['dof'])} dof"
    label += ")"
    free = rows[rows["method"] == f"{observable}_peak_extrapolation_free_nu"]
    if len(free) and np.isfinite(free["T_c"].iloc[0]):
        row = free.iloc[0]
        label += f",\n    {format_value_error(row['T_c'], row['T_c_err'])} (ν free = {format_value_error(row['nu'], row['nu_err'])})"
    sys_err = fit.get("T_c_err_sys", np.nan)
    if np.isfinite(sys_err):  # the systematic as a wider, fainter bar behind the statistical one
        ax.errorbar(-slot, fit["T_c"], yerr=np.hypot(fit["T_c_err"], sys_err), color=color, alpha=0.35, linewidth=3)
    ax.errorbar(
        -slot,
        fit["T_c"],
        yerr=fit["T_c_err"],
        color=color,
        marker="D",
        markersize=6,
        capsize=3,
        linestyle="none",
        zorder=4,
        label=label,
    )


def _offset_panel(ax, finite, series, colors, x_max, multiple_parts):
    """T*_z(L) - T*_m(L) of every series with its paired error, beside zero."""
    ax.axhline(0.0, color=_MAGNETIC_COLOR, linewidth=1.0, zorder=1)
    for index, key in enumerate(series):
        rows = finite[_matches(finite, key) & (finite["method"] == "chi_z_peak")].sort_values("L")
        rows = rows[np.isfinite(rows["offset_from_chi_m"].astype(float))]
        if not len(rows):
            continue
        # a small horizontal shift per series so that equal L do not overlap
        shift = (index - (len(series) - 1) / 2) * 0.004 * x_max
        ax.errorbar(
            1.0 / rows["L"].astype(float) + shift,
            rows["offset_from_chi_m"],
            yerr=rows["offset_from_chi_m_err"],
            color=colors[key],
            marker="o",
            linestyle="none",
            label=f"{key[0]} ({key[1]}" + (f", {key[2]})" if multiple_parts else ")"),
            **_DATA_STYLE,
        )
    ax.set_xlabel("inverse lattice size 1/L")
    ax.set_ylabel("T*_z(L) − T*_m(L) [J/k_B]")
    ax.set_title("Code peak minus magnetisation peak, same samples (paired jackknife)")


def plot_tc_finite_size(estimates: pd.DataFrame, path):
    """Pseudo-critical temperatures against 1/L and their extrapolation to L = inf, as a PNG.

    ``estimates``: rows of :func:`deeprenorm.latent.latent_critical_temperatures` (or
    :func:`deeprenorm.latent.combine_seeds`), possibly of several models and reductions
    stacked.  Drawn: T*(L) of every chi_z peak (one Okabe-Ito colour per model and reduction)
    and of the chi_m peaks (black squares, drawn once: the magnetisation is the same data for
    every model), with error bars; the nu = 1 fits T_c + a/L extended to 1/L = 0 with their
    intercepts (diamonds); Onsager's T_c; Broomberg & Rabinovich (2019)'s latent peaks at
    L = 25 and 50 and their headline T_c = 2.369 (at 1/L = 0) as reference markers.  The
    intercepts are drawn side by side just left of 1/L = 0 (a thin vertical line) so that their
    error bars do not hide each other; the legend gives their values (and the free-nu fit where
    there is one), each nu = 1 intercept with its systematic error (a faint wider bar) and
    chi^2/dof.  Below: T*_z(L) - T*_m(L), the code's peak minus the magnetisation's on the same
    samples with the paired jackknife error, the test of whether the code tracks m that
    assumes no finite-size form.  Returns the path.
    """
    finite = estimates[np.isfinite(estimates["T_c"].astype(float))]
    with use_style():
        fig, axes = new_figure(2, 1, figsize=(11, 14), height_ratios=(2.2, 1), sharex=True)
        ax = axes[0, 0]
        sizes = finite.loc[finite["method"].isin(["chi_z_peak", "chi_m_peak"]), "L"].dropna().astype(int)
        # wide enough for the smallest L and for the reference point at L = 25
        x_max = 1.08 * max(1.0 / sizes.min() if len(sizes) else 0.0, 1.0 / 25)
        ax.axhline(T_C, color="0.35", linestyle=":", linewidth=1.3, label=f"Onsager T_c = {T_C:.4f}", zorder=1)
        series = _series(finite)
        # intercepts sit side by side left of 1/L = 0, where the reference headline value is
        stagger = 0.012 * x_max
        multiple_parts = len({key[2] for key in series}) > 1
        # one colour per (model, reduction, part); black is the magnetisation's
        colors = model_colors(series)
        for index, key in enumerate(series):
            color = colors[key]
            rows = finite[_matches(finite, key)]
            peaks = rows[rows["method"] == "chi_z_peak"].sort_values("L")
            name = f"χ_z peak, {key[0]} ({key[1]}" + (f", {key[2]})" if multiple_parts else ")")
            ax.errorbar(
                1.0 / peaks["L"].astype(float),
                peaks["T_c"],
                yerr=peaks["T_c_err"],
                color=color,
                marker="o",
                linestyle="none",
                label=name + " T*(L)",
                **_DATA_STYLE,
            )
            _fit_line(ax, rows, "chi_z", color, x_max, name, (index + 1) * stagger)
        magnetic = finite[finite["method"] == "chi_m_peak"].drop_duplicates("L").sort_values("L")
        if len(magnetic):
            ax.errorbar(
                1.0 / magnetic["L"].astype(float),
                magnetic["T_c"],
                yerr=magnetic["T_c_err"],
                color=_MAGNETIC_COLOR,
                marker="s",
                linestyle="none",
                label="χ_m peak T*(L) (magnetisation)",
                **_DATA_STYLE,
            )
            first = magnetic.iloc[0]
            same = _matches(finite, (first["model"], first["reduction"], first["part"]))
            _fit_line(ax, finite[same], "chi_m", _MAGNETIC_COLOR, x_max, "χ_m peak", (len(series) + 1) * stagger)
        reference = REFERENCE_BROOMBERG_RABINOVICH
        ax.plot(
            [1.0 / L for L, _ in reference["points"]],
            [T for _, T in reference["points"]],
            linestyle="none",
            marker="*",
            markersize=13,
            color=_REFERENCE_COLOR,
            markeredgecolor="white",
            zorder=5,
            label=f"{_REFERENCE_LABEL}: L = 25, 50 ({', '.join(f'{T:.3f}' for _, T in reference['points'])})",
        )
        ax.plot(
            0.0,
            reference["headline"],
            linestyle="none",
            marker="X",
            markersize=11,
            color=_REFERENCE_COLOR,
            markeredgecolor="white",
            zorder=5,
            label=f"{_REFERENCE_LABEL}: headline T_c = {reference['headline']:.3f}",
        )
        if not len(series) and not len(magnetic):
            ax.text(
                0.5,
                0.6,
                "no located peak\n(see the notes of the table)",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="0.4",
            )
        ax.set_xlim(-(len(series) + 2.5) * stagger, x_max)
        ax.axvline(0.0, color="0.75", linewidth=0.8, zorder=0)
        ax.set_ylabel("pseudo-critical temperature T*(L) [J/k_B]")
        ax.set_title("Susceptibility peaks: latent code against magnetisation")
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=1, fontsize=9)
        if "offset_from_chi_m" in finite.columns:
            _offset_panel(axes[1, 0], finite, series, colors, x_max, multiple_parts)
        else:
            axes[1, 0].set_visible(False)
        return save(fig, path)
