"""Several training seeds of one model: one estimate, the data and the training noise kept apart."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..stats import SeedCombination, combine_training_seeds
from ..thermo import not_located
from .critical import LATENT_ESTIMATE_COLUMNS, estimate_frame, extrapolation_rows, latent_row

__all__ = ["COMBINED_COLUMNS", "combine_seeds"]

#: Columns of :func:`combine_seeds`, in order.
COMBINED_COLUMNS = [*LATENT_ESTIMATE_COLUMNS, "T_c_err_jackknife", "seed_spread", "n_seeds", "seeds_trained"]


_GROUP = ["model", "reduction", "part", "observable", "method", "L", "L2"]

# the per-seed values combined over seeds, each with its (common-sample) error
_COMBINED_VALUES = (
    ("T_c", "T_c_err"),
    ("peak_height", "peak_height_err"),
    ("offset_from_chi_m", "offset_from_chi_m_err"),
)


def _combined_row(labels: dict, group: pd.DataFrame) -> dict:
    """The row of one ``(model, reduction, part, observable, method, L, L2)`` combined over the
    seeds that located it (:func:`combine_seeds`)."""
    fields = {name: (None if pd.isna(labels[name]) else int(labels[name])) for name in ("L", "L2")}
    T = group["T_c"].to_numpy(dtype=float)
    located = np.isfinite(T)
    n_seeds = int(located.sum())
    base = {name: labels[name] for name in ("model", "reduction", "part")}
    if n_seeds == 0:
        row = latent_row(
            base,
            labels["observable"],
            labels["method"],
            **fields,
            note=f"not located for any of {len(group)} seed(s)",
        )
        row.update(T_c_err_jackknife=math.nan, seed_spread=math.nan, n_seeds=0, seeds_trained=len(group))
        return not_located(row, f"{labels['model']} {labels['method']} L={fields['L']}", stacklevel=4)
    combined, note = {}, f"mean over {n_seeds} seed(s)"
    for value_name, error_name in _COMBINED_VALUES:
        values = group[value_name].to_numpy(dtype=float)[located]
        errors = group[error_name].to_numpy(dtype=float)[located]
        combined[value_name] = (
            combine_training_seeds(values, errors)
            if np.all(np.isfinite(values))
            else SeedCombination(math.nan, math.nan, math.nan, math.nan, n_seeds)
        )
    T_c = combined["T_c"]
    if n_seeds == 1:
        note += "; one seed: no estimate of the training noise"
    else:
        note += f"; error^2 = mean(jackknife^2) + (t_{n_seeds - 1} seed_spread)^2 / n_seeds"
    if n_seeds < len(group):
        note += f"; not located for {len(group) - n_seeds} seed(s)"
    row = latent_row(
        base,
        labels["observable"],
        labels["method"],
        **fields,
        T_c=T_c.mean,
        T_c_err=T_c.error,
        peak_height=combined["peak_height"].mean,
        peak_height_err=combined["peak_height"].error,
        offset_from_chi_m=combined["offset_from_chi_m"].mean,
        offset_from_chi_m_err=combined["offset_from_chi_m"].error,
        n_bootstrap=group["n_bootstrap"].max(),
        note=note,
    )
    row.update(T_c_err_jackknife=T_c.statistical, seed_spread=T_c.spread, n_seeds=n_seeds, seeds_trained=len(group))
    return row


def _refitted_extrapolations(rows: list[dict]) -> list[dict]:
    """The nu = 1 and free-nu fits of the seed-combined peaks of each model, reduction and part."""
    refitted = []
    per_L = [row for row in rows if row["method"] in ("chi_z_peak", "chi_m_peak")]
    for key in dict.fromkeys((row["model"], row["reduction"], row["part"]) for row in rows):
        labels = dict(zip(("model", "reduction", "part"), key))
        peaks = [row for row in per_L if (row["model"], row["reduction"], row["part"]) == key]
        for row in extrapolation_rows(labels, peaks, f"{key[0]} ({key[1]}, {key[2]}), seeds combined"):
            used = [
                p["n_seeds"]
                for p in peaks
                if p["observable"] == row["observable"] and math.isfinite(p["T_c"]) and p["T_c_err"] > 0
            ]
            trained = max((p["seeds_trained"] for p in peaks if p["observable"] == row["observable"]), default=0)
            row.update(
                T_c_err_jackknife=math.nan,
                seed_spread=math.nan,
                n_seeds=min(used) if used else 0,
                seeds_trained=trained,
            )
            refitted.append(row)
    return refitted


def combine_seeds(estimates_by_seed) -> pd.DataFrame:
    """One set of estimates from those of several training seeds of the same models.

    ``estimates_by_seed``: the ``estimates`` of :func:`latent_critical_temperatures`, one frame
    per training seed, all trained on the same split of the same data (several models,
    reductions and parts may be stacked in each frame).  For every per-L (or per-pair) row --
    same ``model, reduction, part, observable, method, L, L2`` -- over the seeds where it was
    located::

        T_c       = mean_i T_c,i
        T_c_err^2 = mean_i T_c_err,i^2  +  (t_{n_seeds - 1} s)^2 / n_seeds

    (:func:`deeprenorm.stats.combine_training_seeds`).

    Why two terms.  Every seed's model is evaluated on the same test samples, so the data noise
    that the jackknife measures is common to all seeds: it does not average down, and
    ``T_c_err_jackknife = sqrt(mean_i T_c_err,i^2)`` is its typical size.  The seeds differ
    only by training noise (initialisation, minibatch order, dropout), independent between
    seeds: the seed-to-seed standard deviation ``s`` (``seed_spread``, ddof = 1; it contains no
    data noise, the data being the same) measures it, and its share of the mean's error is
    ``s / sqrt(n_seeds)``, widened by the Student t factor ``t_{n_seeds - 1}`` (1.84 for two
    seeds, 1.20 for four) because ``s`` from a few seeds is itself uncertain.  Not covered: the noise of the particular training samples, common to
    all seeds and measured by neither term (it would take retraining on resampled training
    sets).  With one located seed ``seed_spread`` is NaN and only the jackknife term is kept
    (noted).  ``peak_height`` and ``offset_from_chi_m`` are combined in the same way.  Magnetic rows (``chi_m_peak``) are
    the same for every seed, so ``s = 0`` and they pass through unchanged.

    The extrapolation rows of the input are dropped and refitted (:func:`deeprenorm.stats.fit_finite_size`, nu = 1
    and nu free) from the combined per-L peaks of each ``model, reduction, part, observable``;
    their ``T_c_err_jackknife`` and ``seed_spread`` are NaN and ``n_seeds`` is the fewest seeds
    behind any of their points.  ``seeds_trained``: how many seeds were analysed (``n_seeds`` of
    them located the row).  Columns :data:`COMBINED_COLUMNS`; a row found in no seed is NaN
    with a note (and a RuntimeWarning).  Raises ValueError for an empty list or a row repeated
    within one seed's frame.
    """
    frames = [pd.DataFrame(frame) for frame in estimates_by_seed]
    if not frames:
        raise ValueError("estimates_by_seed is empty")
    for index, frame in enumerate(frames):
        missing = [c for c in LATENT_ESTIMATE_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"estimates of seed {index} lack columns {missing}")
    stacked = pd.concat(
        [frame[LATENT_ESTIMATE_COLUMNS].assign(_seed=i) for i, frame in enumerate(frames)], ignore_index=True
    )
    stacked = stacked[~stacked["method"].str.contains("_extrapolation")]
    if stacked.duplicated(_GROUP + ["_seed"]).any():
        raise ValueError(
            "a (model, reduction, part, observable, method, L, L2) row is repeated within one seed's estimates"
        )

    rows = [
        _combined_row(dict(zip(_GROUP, key)), group) for key, group in stacked.groupby(_GROUP, dropna=False, sort=False)
    ]
    rows += _refitted_extrapolations(rows)
    frame = estimate_frame(rows, COMBINED_COLUMNS)
    frame[["n_seeds", "seeds_trained"]] = frame[["n_seeds", "seeds_trained"]].astype(int)
    return frame
