"""The latent-width and regularisation sweep: what a wider code buys, measured on held-out data.

Broomberg & Rabinovich (2019), "Deep Renormalization", widened the latent code of the
Alexandrou et al. (2019) autoencoder to 4, 8 and 16 units (layer widths halving from L^2, tanh
everywhere: the ``"wide"`` models of :mod:`deeprenorm.ml.models`), with no regulariser, dropout
0.5 or an L1 penalty on the code, reduced each code to one number by averaging its units, and
read T_c from the grid maximum of chi_z at L = 25 and 50 (:data:`REFERENCE_WIDTH_TABLE`). This
module measures the same things on the encoded test split (:mod:`deeprenorm.ml.encode`), with
errors:

* :func:`reconstruction_curve` -- the reconstruction error per spin against temperature;
* :func:`unit_correlations` -- the Pearson correlation of every code unit with m, |m| and the
  energy e, all temperatures pooled;
* :func:`width_sweep_table` -- one row per (dense ferromagnet model, L): test loss, T_c(L) from
  the reweighted chi_z peak of each reduction (from the latent analysis,
  :func:`deeprenorm.latent.study_tables`) beside the magnetic chi_m peak of the same samples,
  the original study's figure of merit r(chi_z, chi_m), the strongest unit correlations; and,
  row for row, the original study's numbers beside the model that matches theirs.

A fair comparison needs the finite-size shift: at L = 25 the magnetic susceptibility itself
peaks near T_c + 2/L ~ 2.35, so a chi_z peak "1.7 % from T_c" at L = 25 is not by itself a
success or a failure; the table puts the chi_m peak of the same samples beside every chi_z
peak.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .exact import T_C
from .latent import encoded_model_name, part_code
from .stats import binning_error, jackknife_error, resampling_block_length

__all__ = [
    "REFERENCE_WIDTH_TABLE",
    "RECONSTRUCTION_COLUMNS",
    "UNIT_COLUMNS",
    "SWEEP_COLUMNS",
    "reconstruction_curve",
    "unit_correlations",
    "width_sweep_table",
]

#: Broomberg & Rabinovich (2019)'s table of chi_z peaks (grid maxima, spacing about 0.018, no
#: errors, no split): (L, kind, latent, regularisation, T_peak, r(chi_z, chi_m)). Their latent-1
#: model is Alexandrou et al.'s architecture, which they trained with dropout 0.5; None: the
#: regulariser of their L = 50 runs is not stated.
REFERENCE_WIDTH_TABLE = (
    (25, "alexandrou", 1, "dropout", 2.308, 0.90),
    (25, "wide", 4, "dropout", 2.288, 0.73),
    (25, "wide", 8, "dropout", 2.369, 0.98),
    (25, "wide", 16, "none", 2.348, 0.54),
    (25, "wide", 16, "dropout", 2.369, 0.94),
    (25, "wide", 16, "l1", 2.167, 0.80),
    (50, "alexandrou", 1, None, 2.288, 0.49),
    (50, "wide", 8, None, 2.288, 0.39),
)

RECONSTRUCTION_COLUMNS = ["model", "L", "training_seed", "part", "temperature", "n", "mse", "mse_err"]
UNIT_COLUMNS = [
    "model", "L", "training_seed", "part", "unit", "n",
    "corr_m", "corr_m_err", "corr_abs_m", "corr_abs_m_err", "corr_e", "corr_e_err",
]  # fmt: skip
_REDUCTION_COLUMNS = [f"T_c_{reduction}{error}" for reduction in ("mean", "pc1", "norm") for error in ("", "_err")]
SWEEP_COLUMNS = [
    "reference", "reference_L", "reference_T_peak", "reference_deviation_percent", "reference_r_chi", "match",
    "model", "kind", "latent", "regularisation", "L", "n_seeds",
    "test_loss", "test_loss_err",
    *_REDUCTION_COLUMNS,
    "deviation_percent", "deviation_sigma", "T_c_magnetic", "T_c_magnetic_err",
    "r_chi", "r_chi_spread", "r_samples", "max_corr_m", "max_corr_abs_m", "max_corr_e",
]  # fmt: skip

_N_BLOCKS = 20


def _blocks(n_samples: int) -> np.ndarray:
    """Jackknife block of each sample index: contiguous, as in the latent analysis."""
    blocks = min(_N_BLOCKS, n_samples)
    return np.minimum((np.arange(n_samples) * blocks) // max(n_samples, 1), blocks - 1)


def _labels(encoded) -> dict:
    return {
        "model": encoded_model_name(encoded),
        "L": int(encoded.attrs["L"]),
        "training_seed": int(encoded.attrs.get("training_seed", 0)),
    }


def reconstruction_curve(encoded, part: str = "test") -> pd.DataFrame:
    """Mean reconstruction error per spin at each temperature on one part of the split, with
    its standard error from contiguous blocks of the part's samples in chain order
    (:func:`deeprenorm.stats.binning_error` in blocks of
    :func:`deeprenorm.stats.resampling_block_length`: samples stored 2 tau_int apart are still
    correlated near T_c). Columns :data:`RECONSTRUCTION_COLUMNS`."""
    code = part_code(part)
    T = np.asarray(encoded["temperature"].values, dtype=float)
    errors = encoded["reconstruction_error"].transpose("temperature", "sample").values.astype(float)
    mask = encoded["split"].transpose("temperature", "sample").values == code
    rows = []
    for i in np.argsort(T):
        values = errors[i][mask[i]]
        n = values.size
        rows.append(
            _labels(encoded)
            | {
                "part": part,
                "temperature": float(T[i]),
                "n": int(n),
                "mse": float(values.mean()) if n else math.nan,
                "mse_err": binning_error(values, resampling_block_length(values)) if n > 1 else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=RECONSTRUCTION_COLUMNS)


def _correlations(x: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Pearson r of ``x`` (n, k) with each column of ``ys`` (n, p): (k, p), NaN if constant."""
    dx = x - x.mean(axis=0)
    dy = ys - ys.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (dx.T @ dy) / np.sqrt(np.outer(np.sum(dx * dx, axis=0), np.sum(dy * dy, axis=0)))
    return np.where(np.isfinite(r), r, np.nan)


def unit_correlations(encoded, part: str = "test") -> pd.DataFrame:
    """Pearson r of each code unit with m, |m| and e over every sample of one part, all
    temperatures pooled, with blocked-jackknife errors (the same sample blocks at every
    temperature). A unit that is constant on the part has NaN. A unit of a symmetric
    (m -> -m odd) code correlates with m, not with |m|; a unit that has learned the energy (a
    local, even quantity) correlates with e. Columns :data:`UNIT_COLUMNS`."""
    code = part_code(part)
    latent = encoded["latent"].transpose("temperature", "sample", "unit").values.astype(float)
    mask = encoded["split"].transpose("temperature", "sample").values == code
    m = encoded["magnetization"].transpose("temperature", "sample").values.astype(float)
    e = encoded["energy"].transpose("temperature", "sample").values.astype(float)
    block_of = np.broadcast_to(_blocks(mask.shape[1]), mask.shape)[mask]
    z = latent[mask]
    targets = np.stack([m[mask], np.abs(m[mask]), e[mask]], axis=1)
    full = _correlations(z, targets)
    replicas = np.array([_correlations(z[block_of != b], targets[block_of != b]) for b in np.unique(block_of)])
    rows = []
    for unit in range(z.shape[1]):
        row = _labels(encoded) | {"part": part, "unit": unit, "n": int(z.shape[0])}
        for column, name in enumerate(("corr_m", "corr_abs_m", "corr_e")):
            row[name] = float(full[unit, column])
            row[f"{name}_err"] = jackknife_error(replicas[:, unit, column])
        rows.append(row)
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def _mean_spread(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not values.size:
        return math.nan, math.nan
    return float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else math.nan


def _peak(tc: pd.DataFrame, model: str, L: int, reduction: str, observable: str) -> tuple[float, float]:
    rows = tc[
        (tc["model"] == model)
        & (tc["reduction"] == reduction)
        & (tc["part"] == "test")
        & (tc["method"] == f"{observable}_peak")
        & (tc["L"].astype("Int64") == L)
    ]
    if not len(rows):
        return math.nan, math.nan
    return float(rows["T_c"].iloc[0]), float(rows["T_c_err"].iloc[0])


def _model_row(spec: dict, model: str, L: int, tc, summary, reconstruction, units) -> dict:
    """The measured columns of one (model, L) (test split; seeds averaged)."""
    mine = lambda frame: frame[(frame["model"] == model) & (frame["L"].astype(int) == L)]  # noqa: E731
    losses = []
    for _seed, curve in mine(reconstruction).groupby("training_seed"):
        weights = curve["n"].to_numpy(dtype=float)
        losses.append(
            (
                float(np.sum(curve["mse"] * weights) / weights.sum()),
                float(np.sqrt(np.sum((curve["mse_err"] * weights) ** 2)) / weights.sum()),
            )
        )
    n_seeds = len(losses)
    loss, spread = _mean_spread([value for value, _ in losses])
    statistical = math.sqrt(np.mean([error**2 for _, error in losses])) if losses else math.nan
    loss_err = math.sqrt(statistical**2 + (spread**2 / n_seeds if n_seeds > 1 else 0.0))
    row = {
        "model": model,
        "kind": spec["kind"],
        "latent": int(spec["latent"]),
        "regularisation": spec.get("regularisation", "none"),
        "L": L,
        "n_seeds": n_seeds,
        "test_loss": loss,
        "test_loss_err": loss_err,
    }
    for reduction in ("mean", "pc1", "norm"):
        # a one-unit code is its own reduction: the latent analysis reports it as "mean"
        T, error = _peak(tc, model, L, reduction if spec["latent"] > 1 else "mean", "chi_z")
        row[f"T_c_{reduction}"], row[f"T_c_{reduction}_err"] = T, error
    row["deviation_percent"] = 100.0 * (row["T_c_mean"] - T_C) / T_C
    row["deviation_sigma"] = (row["T_c_mean"] - T_C) / row["T_c_mean_err"] if row["T_c_mean_err"] > 0 else math.nan
    row["T_c_magnetic"], row["T_c_magnetic_err"] = _peak(tc, model, L, "mean", "chi_m")
    test = mine(summary)
    test = test[(test["reduction"] == "mean") & (test["part"] == "test")]
    row["r_chi"], row["r_chi_spread"] = _mean_spread(test["r_curves_chi_z_chi_m"])
    row["r_samples"], _ = _mean_spread(test["r_samples_abs_z_abs_m"])
    for name in ("corr_m", "corr_abs_m", "corr_e"):
        per_seed = (
            mine(units)
            .groupby("training_seed")[name]
            .apply(lambda values: np.nanmax(np.abs(values)) if values.notna().any() else math.nan)
        )
        row[f"max_{name}"], _ = _mean_spread(per_seed)
    return row


def _match(reference: tuple, rows: list[dict]) -> tuple[dict | None, str]:
    """The measured row closest to a reference row: same kind and width, the same regulariser
    if theirs is known (else any, preferring theirs at L = 25), at the L nearest to theirs."""
    L_ref, kind, latent, regularisation = reference[:4]
    candidates = [r for r in rows if r["kind"] == kind and r["latent"] == latent]
    exact = [r for r in candidates if r["regularisation"] == regularisation]
    if exact:
        candidates, how = exact, "same kind, width and regulariser"
    elif regularisation is None:
        how = "same kind and width (their regulariser not stated)"
    else:
        how = f"same kind and width, regulariser differs (theirs: {regularisation})"
    if not candidates:
        return None, "not trained in this study"
    nearest = min(abs(r["L"] - L_ref) for r in candidates)
    candidates = [r for r in candidates if abs(r["L"] - L_ref) == nearest]
    return candidates[0], f"{how}; L = {candidates[0]['L']} for their {L_ref}"


def width_sweep_table(
    specs: dict, tc: pd.DataFrame, summary: pd.DataFrame, reconstruction: pd.DataFrame, units: pd.DataFrame
) -> pd.DataFrame:
    """The sweep table (:data:`SWEEP_COLUMNS`).

    ``specs``: model name -> config spec (``kind``, ``latent``, ``regularisation``) of the dense
    ferromagnet models to tabulate; ``tc``: :func:`deeprenorm.latent.combine_seeds` rows (the
    ``tc`` table); ``summary``: :func:`deeprenorm.latent.phase_summary` rows per seed;
    ``reconstruction``, ``units``: :func:`reconstruction_curve` and :func:`unit_correlations`
    of every seed and L of those models.

    First one row per entry of :data:`REFERENCE_WIDTH_TABLE`, in its order, with the matched
    model's numbers beside theirs (``match`` says how it matched; empty where this study trained
    no such model), then every (model, L) not matched, by width. ``T_c_<reduction>`` is the
    chi_z peak T*(L) of that reduction, ``deviation_*`` that of the mean reduction (theirs) from
    Onsager's T_c, ``T_c_magnetic`` the chi_m peak of the same test samples (where the latent
    peak should be if it tracks m), ``r_chi`` the mean over seeds of the Pearson r between the
    curves chi_z(T) and chi_m(T) (``r_chi_spread`` its seed-to-seed standard deviation),
    ``r_samples`` that of |z| with |m| over samples, ``max_corr_*`` the largest |r| of a unit
    with m, |m| and e. ``test_loss``: the mean reconstruction error per spin of the test split,
    averaged over seeds; its error combines the statistical one with the seed spread.
    """
    rows = []
    for model, spec in specs.items():
        sizes = sorted(set(reconstruction.loc[reconstruction["model"] == model, "L"].astype(int)))
        rows += [_model_row(spec, model, L, tc, summary, reconstruction, units) for L in sizes]
    table, matched = [], set()
    for reference in REFERENCE_WIDTH_TABLE:
        L_ref, kind, latent, regularisation, T_peak, r_chi = reference
        row, how = _match(reference, rows)
        label = f"Broomberg & Rabinovich 2019: L = {L_ref}, {kind} latent {latent}, {regularisation or 'regulariser not stated'}"
        entry = {
            "reference": label,
            "reference_L": L_ref,
            "reference_T_peak": T_peak,
            "reference_deviation_percent": 100.0 * (T_peak - T_C) / T_C,
            "reference_r_chi": r_chi,
            "match": how,
        }
        if row is not None:
            entry.update(row)
            matched.add((row["model"], row["L"]))
        table.append(entry)
    table += sorted(
        (r for r in rows if (r["model"], r["L"]) not in matched),
        key=lambda r: (r["latent"], r["kind"], r["regularisation"], r["L"]),
    )
    frame = pd.DataFrame(table, columns=SWEEP_COLUMNS)
    for column in ("reference_L", "latent", "L", "n_seeds"):
        frame[column] = frame[column].astype("Int64")
    return frame
