"""Does the latent variable locate T_c? Phase identification and T_c from autoencoder codes.

Pure functions of what is passed in: *encoded datasets* (the ``xarray.Dataset`` written by
:mod:`deeprenorm.ml.encode`) or the tables built here; no file I/O, no torch.  An encoded
dataset holds, for one L and one trained model,

* ``latent(temperature, sample, unit)`` float32: the code z of every sample (k = ``unit`` wide);
* ``split(temperature, sample)`` int8: :data:`TRAIN` 0, :data:`VALIDATION` 1, :data:`TEST` 2,
  the split the model was trained with (equal counts of each part at every temperature);
* ``energy``, ``magnetization`` ``(temperature, sample)`` float64, per spin;
* coordinate ``temperature`` in J/k_B; attributes ``L``, ``kind`` (the model's name), ``latent``.

Two studies are the reference.  Alexandrou et al. (2019) train a dense autoencoder with a
one-unit code on 2D Ising configurations, find the code z tracks the magnetisation and read T_c
off it.  Broomberg & Rabinovich (2019) -- "the original study" below -- average the k units of
a wider code, define a latent susceptibility from its fluctuations, and report T_c from its
peak (2.308 at L = 25, 2.288 at L = 50, and a headline 2.369) together with a Pearson
correlation between the curves chi_z(T) and chi_m(T).  This module repeats that analysis with
the statistics the magnetic analysis of :mod:`deeprenorm.thermo` gets:

* :func:`reduce_latent` -- one number per sample from a k-unit code (:data:`REDUCTIONS`);
* :func:`phase_table`, :func:`phase_summary` -- per-temperature <|z|>, chi_z, U_z beside
  <|m|>, chi_m on one part of the split, with jackknife errors, and the correlations;
* :func:`latent_critical_temperatures` -- T_c(L) from the peaks of multi-histogram reweighted
  chi_z(T) and chi_m(T) and from crossings of U_z(T), with blocked-jackknife errors, and their
  finite-size extrapolations (:func:`fit_finite_size`);
* :func:`combine_seeds` -- the estimates of several training seeds of one model combined, with
  the data noise (shared by all seeds) and the training noise (averaging down) kept apart;
* :func:`latent_sample_table` -- the reduced per-sample values, for scatter plots.

Definitions (the replicators' convention; J = k_B = 1, N = L^2)::

    chi_x = N Var(|x|) / T = (N / T) (<x^2> - <|x|>^2),      x = z or m
    U_z   = 1 - <z^4> / (3 <z^2>^2)

so chi_m is :mod:`deeprenorm.thermo`'s connected susceptibility chi', and chi_z = chi' exactly
when |z| = |m|.  The reduced code enters every estimate only through |z|, z^2 and z^4: its sign
convention (see :func:`reduce_latent`) changes nothing but scatter plots.  A code is a
deterministic function of the configuration (the encoder runs in eval mode), so it reweights
with the sample energies unchanged (:meth:`deeprenorm.reweighting.MultiHistogram.expectations`).

Samples are stored >= 2 tau_int apart and count as independent: the per-temperature errors are
delete-one jackknife errors over the samples of the part; the reweighted analysis uses the
blocked jackknife of :mod:`deeprenorm.thermo` (the same block left out at every temperature).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import xarray as xr
from scipy.optimize import OptimizeWarning, curve_fit

from .reweighting import solved_histogram
from .stats import locate_peak
from .thermo import (
    ESTIMATE_COLUMNS,
    _jackknife_error,
    _pdg_scale,
    _row,
    _weighted_line,
    derived_window,
    pair_crossing,
    temperature_grid_between,
)

__all__ = [
    "TRAIN",
    "VALIDATION",
    "TEST",
    "PARTS",
    "REDUCTIONS",
    "PHASE_COLUMNS",
    "LATENT_ESTIMATE_COLUMNS",
    "LATENT_CURVE_COLUMNS",
    "COMBINED_COLUMNS",
    "SAMPLE_COLUMNS",
    "reduce_latent",
    "latent_sample_table",
    "phase_table",
    "phase_summary",
    "latent_critical_temperatures",
    "fit_finite_size",
    "combine_seeds",
]

#: Codes of ``split`` (the same as :mod:`deeprenorm.ml.split`, which needs torch's package).
TRAIN, VALIDATION, TEST = 0, 1, 2
#: Part name -> code of ``split``.
PARTS = {"train": TRAIN, "validation": VALIDATION, "test": TEST}

#: Reductions of a k-unit code to one number per sample (:func:`reduce_latent`).
REDUCTIONS = ("mean", "pc1", "norm")

#: Columns of :func:`phase_table`, in order.
PHASE_COLUMNS = [
    "model",
    "reduction",
    "part",
    "L",
    "temperature",
    "n",
    "abs_z",
    "abs_z_err",
    "abs_m",
    "abs_m_err",
    "chi_z",
    "chi_z_err",
    "chi_m",
    "chi_m_err",
    "binder_z",
    "binder_z_err",
    "corr_abs_z_abs_m",
]

#: Columns of the estimates of :func:`latent_critical_temperatures`, in order:
#: :data:`deeprenorm.thermo.ESTIMATE_COLUMNS` between the labels and the exponent of the fit.
LATENT_ESTIMATE_COLUMNS = ["model", "reduction", "part", "observable", *ESTIMATE_COLUMNS, "nu", "nu_err"]

#: Columns of the reweighted curves of :func:`latent_critical_temperatures`, in order.
LATENT_CURVE_COLUMNS = [
    "model",
    "reduction",
    "part",
    "L",
    "temperature",
    "abs_z",
    "abs_z_err",
    "abs_m",
    "abs_m_err",
    "chi_z",
    "chi_z_err",
    "chi_m",
    "chi_m_err",
    "binder_z",
    "binder_z_err",
]

#: Columns of :func:`combine_seeds`, in order.
COMBINED_COLUMNS = [*LATENT_ESTIMATE_COLUMNS, "T_c_err_jackknife", "seed_spread", "n_seeds"]

#: Columns of :func:`latent_sample_table`, in order.
SAMPLE_COLUMNS = ["model", "reduction", "part", "L", "temperature", "sample", "z", "m"]

# observable of a peak row -> reweighted moment columns it is built from
_PEAK_OBSERVABLES = ("chi_z", "chi_m")
# locate_peak's parabola through the grid maximum and its two neighbours (see thermo)
_PEAK_HALF_WIDTH = 1
# fewest distinct sizes for a fit of T_c, a and nu that leaves a degree of freedom
_FREE_NU_MIN_SIZES = 4


# --------------------------------------------------------------------------
# reductions of the code


def reduce_latent(latent, split, method: str, *, magnetization=None) -> np.ndarray:
    """One number per sample from a k-unit code: ``(n_T, n_samples)`` float64.

    ``latent``: ``(n_T, n_samples, k)`` (or ``(n_T, n_samples)`` for k = 1); ``split``:
    ``(n_T, n_samples)`` codes :data:`TRAIN`, :data:`VALIDATION`, :data:`TEST`.  ``method``:

    ``"mean"``
        the mean over the k units, the original study's reduction (Broomberg & Rabinovich 2019).
    ``"pc1"``
        the projection ``(z - zbar) . v`` on the first principal component ``v`` (largest
        eigenvalue of the covariance) of the TRAIN samples of every temperature, centred with
        their mean ``zbar``: the validation and test samples never enter the fit, so changing
        them changes only their own projections.  Sign: with ``magnetization`` (same shape as
        ``split``) the projection correlates positively with the signed m of the training
        samples; without it (or if that correlation is exactly 0) the largest-magnitude
        component of ``v`` is positive.  Centring removes a constant offset of the code, which
        would otherwise make |z| no order parameter; on the m -> -m symmetric ensemble of the
        sampler an odd code has zero mean and centring changes nothing.
    ``"norm"``
        the Euclidean norm ``|z| / sqrt(k)``, >= 0 (the RMS of the units).

    For k = 1: ``"mean"`` is z itself, ``"norm"`` is |z|, so the two give identical tables and
    estimates (only |z|, z^2, z^4 are used); ``"pc1"`` is ``+-(z - zbar_train)``, the same as
    those two exactly when the training mean of z is 0 and otherwise the offset-free code.

    Raises ValueError for an unknown method, mismatched shapes, non-finite codes, or (pc1)
    fewer than 2 training samples.  A training set without variance (a constant code) warns
    (RuntimeWarning): every projection is then 0.
    """
    if method not in REDUCTIONS:
        raise ValueError(f"method must be one of {REDUCTIONS}, got {method!r}")
    z = np.asarray(latent, dtype=np.float64)
    if z.ndim == 2:
        z = z[..., np.newaxis]
    split = np.asarray(split)
    if z.ndim != 3 or split.shape != z.shape[:2]:
        raise ValueError(f"latent must be (temperature, sample[, unit]) matching split {split.shape}, got {np.shape(latent)}")
    if not np.all(np.isfinite(z)):
        raise ValueError("latent contains NaN or inf")
    k = z.shape[-1]
    if method == "mean":
        return z.mean(axis=-1)
    if method == "norm":
        return np.sqrt(np.sum(z * z, axis=-1) / k)
    train = split == TRAIN
    codes = z[train]
    if codes.shape[0] < 2:
        raise ValueError(f"pc1 needs >= 2 training samples, got {codes.shape[0]}")
    centre = codes.mean(axis=0)
    covariance = np.atleast_2d(np.cov(codes, rowvar=False))
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    if not eigenvalues[-1] > 0:
        warnings.warn("pc1: the training codes have no variance; every projection is 0", RuntimeWarning, stacklevel=2)
    direction = eigenvectors[:, -1]
    projection = (z - centre) @ direction
    sign = 0.0
    if magnetization is not None:
        magnetization = np.asarray(magnetization, dtype=np.float64)
        if magnetization.shape != split.shape:
            raise ValueError(f"magnetization has shape {magnetization.shape}, split {split.shape}")
        sign = np.sign(np.sum(projection[train] * (magnetization[train] - magnetization[train].mean())))
    if sign == 0.0:
        sign = np.sign(direction[np.argmax(np.abs(direction))]) or 1.0
    return sign * projection


def _model_name(encoded) -> str:
    """``attrs["model"]`` if the caller set one (e.g. to tell code widths apart), else ``kind``."""
    return str(encoded.attrs.get("model", encoded.attrs.get("kind", "")))


def _check_part(part: str) -> int:
    if part not in PARTS:
        raise ValueError(f"part must be one of {tuple(PARTS)}, got {part!r}")
    return PARTS[part]


def _reduced(encoded, reduction: str):
    """``(T, split, energy, magnetization, z)`` as ``(n_T,)`` and ``(n_T, n_samples)`` arrays."""
    T = np.asarray(encoded["temperature"].values, dtype=float)
    split = np.asarray(encoded["split"].transpose("temperature", "sample").values)
    energy = np.asarray(encoded["energy"].transpose("temperature", "sample").values, dtype=float)
    magnetization = np.asarray(encoded["magnetization"].transpose("temperature", "sample").values, dtype=float)
    latent = encoded["latent"]
    latent = latent.transpose("temperature", "sample", "unit").values if "unit" in latent.dims else latent.values
    z = reduce_latent(latent, split, reduction, magnetization=magnetization)
    return T, split, energy, magnetization, z


def latent_sample_table(encoded, reduction: str, part: str = "test") -> pd.DataFrame:
    """The reduced code z and magnetisation m of every sample of one part, for scatter plots.

    Columns :data:`SAMPLE_COLUMNS`: ``model, reduction, part, L, temperature, sample, z, m``
    (``sample`` the index in the encoded dataset).
    """
    code = _check_part(part)
    T, split, _, magnetization, z = _reduced(encoded, reduction)
    where = np.nonzero(split == code)
    samples = np.asarray(encoded["sample"].values) if "sample" in encoded.coords else np.arange(split.shape[1])
    table = pd.DataFrame(
        {
            "model": _model_name(encoded),
            "reduction": reduction,
            "part": part,
            "L": int(encoded.attrs["L"]),
            "temperature": T[where[0]],
            "sample": samples[where[1]],
            "z": z[where],
            "m": magnetization[where],
        }
    )
    return table[SAMPLE_COLUMNS]


# --------------------------------------------------------------------------
# per-temperature phase table


def _delete_one(columns: np.ndarray):
    """Means of ``(n, p)`` per-sample columns and their ``n`` delete-one values ``(n, p)``."""
    n = columns.shape[0]
    total = columns.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return total / n, (total[None, :] - columns) / (n - 1)


def _spread(replicas: np.ndarray) -> np.ndarray:
    """Delete-one jackknife error of each column of ``replicas`` (NaN for < 2 replicas)."""
    n = replicas.shape[0]
    if n < 2:
        return np.full(replicas.shape[1:], math.nan)
    with np.errstate(invalid="ignore"):
        return np.sqrt((n - 1) / n * np.sum((replicas - replicas.mean(axis=0)) ** 2, axis=0))


def _phase_observables(means, n_sites: int, T: float) -> dict:
    """<|z|>, chi_z, U_z, <|m|>, chi_m from the means of |z|, z^2, z^4, |m|, m^2 (last axis)."""
    abs_z, z2, z4, abs_m, m2 = np.moveaxis(means, -1, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "abs_z": abs_z,
            "chi_z": n_sites * (z2 - abs_z**2) / T,
            "binder_z": 1.0 - z4 / (3.0 * z2 * z2),
            "abs_m": abs_m,
            "chi_m": n_sites * (m2 - abs_m**2) / T,
        }


def _pearson(x, y) -> float:
    """Pearson r of two samples; NaN for fewer than 2 points or a constant one."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2:
        return math.nan
    dx, dy = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(np.sum(dx * dx) * np.sum(dy * dy)))
    return float(np.sum(dx * dy) / denominator) if denominator > 0 else math.nan


def phase_table(encoded, reduction: str, part: str = "test") -> pd.DataFrame:
    """Latent and magnetic observables per temperature, on one part of the split only.

    ``encoded``: one L's encoded dataset (module docstring); ``reduction``: one of
    :data:`REDUCTIONS` (:func:`reduce_latent`; pc1 is fitted on the TRAIN samples whatever
    ``part`` is); ``part``: ``"train"``, ``"validation"`` or ``"test"``.

    Columns (:data:`PHASE_COLUMNS`), one row per temperature in increasing order:

    ============================  ==================================================
    ``model``, ``reduction``,     labels (``model``: ``attrs["model"]``, else ``kind``)
    ``part``
    ``L``, ``temperature``, ``n``  lattice size, T [J/k_B], samples of the part at T
    ``abs_z``, ``abs_m``          <|z|>, <|m|>
    ``chi_z``, ``chi_m``          (N / T) (<x^2> - <|x|>^2) [1/J] (x = z in code units)
    ``binder_z``                  U_z = 1 - <z^4> / (3 <z^2>^2), NaN where every z = 0
    ``corr_abs_z_abs_m``          Pearson r of |z| with |m| over the samples at T
    ============================  ==================================================

    Values are the plain estimators on the part's samples (their bias, ~chi/n, is far below the
    errors); each ``*_err`` is the delete-one jackknife error over those samples (independent:
    stored >= 2 tau_int apart), NaN for fewer than 2 samples.
    """
    code = _check_part(part)
    L = int(encoded.attrs["L"])
    T, split, _, magnetization, z = _reduced(encoded, reduction)
    rows = []
    for i in np.argsort(T, kind="stable"):
        mask = split[i] == code
        zi, mi = z[i][mask], magnetization[i][mask]
        abs_z, abs_m = np.abs(zi), np.abs(mi)
        z2 = zi * zi
        columns = np.column_stack([abs_z, z2, z2 * z2, abs_m, mi * mi])
        row = {"model": _model_name(encoded), "reduction": reduction, "part": part, "L": L, "temperature": float(T[i]), "n": int(mask.sum())}
        if columns.shape[0] == 0:
            row.update({name: math.nan for name in PHASE_COLUMNS[6:]})
        else:
            full, replicas = _delete_one(columns)
            values = _phase_observables(full, L * L, T[i])
            loo = _phase_observables(replicas, L * L, T[i])
            for name, value in values.items():
                row[name] = float(value)
                row[f"{name}_err"] = float(_spread(loo[name][:, None])[0])
            row["corr_abs_z_abs_m"] = _pearson(abs_z, abs_m)
        rows.append(row)
    return pd.DataFrame(rows, columns=PHASE_COLUMNS)


def phase_summary(encoded, reduction: str, part: str = "test") -> dict:
    """How well the code tracks the magnetisation on one part of the split, in three numbers.

    Returns a dict with ``model, reduction, part, L, n_temperatures, n_samples`` and

    ``r_samples_abs_z_abs_m``
        Pearson r of |z| with |m| over every sample of the part, all temperatures pooled: the
        direct test of Alexandrou et al. (2019)'s observation that z tracks m.
    ``r_curves_chi_z_chi_m``
        the original study's figure of merit (Broomberg & Rabinovich 2019): Pearson r between
        the curves chi_z(T) and chi_m(T) of :func:`phase_table`.  A weak test: any two curves
        peaked in the same temperature range correlate strongly, whether or not their peaks
        coincide -- compare the T_c of :func:`latent_critical_temperatures` instead.
    ``r_curves_abs_z_abs_m``
        Pearson r between the curves <|z|>(T) and <|m|>(T) (equally weak, for the same reason).

    NaN where undefined (a constant code, fewer than 2 points).
    """
    code = _check_part(part)
    _, split, _, magnetization, z = _reduced(encoded, reduction)
    mask = split == code
    table = phase_table(encoded, reduction, part)
    finite = table[["chi_z", "chi_m", "abs_z", "abs_m"]].notna().all(axis=1)
    return {
        "model": _model_name(encoded),
        "reduction": reduction,
        "part": part,
        "L": int(encoded.attrs["L"]),
        "n_temperatures": int(len(table)),
        "n_samples": int(mask.sum()),
        "r_samples_abs_z_abs_m": _pearson(np.abs(z[mask]), np.abs(magnetization[mask])),
        "r_curves_chi_z_chi_m": _pearson(table.loc[finite, "chi_z"], table.loc[finite, "chi_m"]),
        "r_curves_abs_z_abs_m": _pearson(table.loc[finite, "abs_z"], table.loc[finite, "abs_m"]),
    }


# --------------------------------------------------------------------------
# finite-size scaling


def _fit_result(nu, nu_err, n, note) -> dict:
    return {
        "T_c_inf": math.nan,
        "T_c_inf_err": math.nan,
        "a": math.nan,
        "a_err": math.nan,
        "nu": nu,
        "nu_err": nu_err,
        "chi2_dof": math.nan,
        "n": n,
        "note": note,
    }


def fit_finite_size(L, T, T_err, nu: float | None = None) -> dict:
    """Finite-size extrapolation ``T(L) = T_c + a L^(-1/nu)`` of pseudo-critical temperatures.

    ``L``, ``T``, ``T_err``: sizes, T(L) and their one-sigma errors (``T_err=None``: unweighted,
    the errors then come from the scatter of the residuals).  Points with a non-finite ``T`` or
    an error that is not finite and positive are dropped.

    ``nu`` given (the 2D Ising value is 1): a weighted straight line in ``x = L^(-1/nu)``, the
    covariance ``(A^T W A)^-1`` (errors taken as known); two sizes give the exact line through
    both points.  ``nu_err`` is 0 (fixed).

    ``nu=None``: T_c, a and nu free, by :func:`scipy.optimize.curve_fit` (Levenberg-Marquardt,
    ``absolute_sigma=True``, fitted in ``omega = 1/nu`` from the nu = 1 line), for at least 4
    distinct sizes.  With 3 sizes the three parameters would pass exactly through the three
    points: no degree of freedom is left to test the form, the solve exists only when the
    differences T(L1) - T(L2) and T(L2) - T(L3) have the same sign, and its linearised error
    misstates an error that is strongly non-linear in the noise -- so 3 sizes give NaN with a
    note instead.  ``nu_err`` is propagated from ``omega``'s.

    Either way every error is multiplied by the Particle Data Group factor ``sqrt(chi2/dof)``
    when it exceeds 1 (corrections to scaling that the statistical errors do not cover), as
    :func:`deeprenorm.thermo.critical_temperature_estimates` does.

    Returns ``dict(T_c_inf, T_c_inf_err, a, a_err, nu, nu_err, chi2_dof, n, note)``: ``n`` the
    points used, ``chi2_dof`` NaN without a degree of freedom (or unweighted), ``note`` what
    was fitted or why nothing could be.  Never raises for too few points (NaN values and a
    note); raises ValueError for a non-positive ``nu`` or mismatched lengths.
    """
    L = np.asarray(L, dtype=float).ravel()
    T = np.asarray(T, dtype=float).ravel()
    if L.shape != T.shape:
        raise ValueError(f"L and T differ in length ({L.size} vs {T.size})")
    if nu is not None and not (math.isfinite(nu) and nu > 0):
        raise ValueError(f"nu must be positive or None, got {nu}")
    usable = np.isfinite(L) & (L > 0) & np.isfinite(T)
    if T_err is not None:
        T_err = np.broadcast_to(np.asarray(T_err, dtype=float).ravel(), T.shape)
        usable &= np.isfinite(T_err) & (T_err > 0)
    L, T = L[usable], T[usable]
    sigma = None if T_err is None else T_err[usable]
    n = int(L.size)
    sizes = np.unique(L)
    listed = ", ".join(f"{size:g}" for size in sizes)
    fixed = nu is not None
    if fixed:
        if sizes.size < 2:
            return _fit_result(float(nu), 0.0, n, f"needs >= 2 sizes with T(L) and error, have {sizes.size}")
        coefficients, covariance, chi2, dof = _weighted_line(L ** (-1.0 / nu), T, sigma)
        scale = _pdg_scale(chi2, dof) if sigma is not None else 1.0
        result = _fit_result(float(nu), 0.0, n, f"weighted fit T(L) = T_c + a L^(-1/nu), nu = {nu:g} fixed, over L = {listed}")
        errors = np.sqrt(np.diag(covariance)) * scale
        result.update(T_c_inf=float(coefficients[0]), a=float(coefficients[1]), T_c_inf_err=float(errors[0]), a_err=float(errors[1]))
    else:
        if sizes.size < _FREE_NU_MIN_SIZES:
            return _fit_result(
                math.nan, math.nan, n, f"free nu needs >= {_FREE_NU_MIN_SIZES} sizes with T(L) and error, have {sizes.size}"
            )
        start, _, _, _ = _weighted_line(1.0 / L, T, sigma)

        def model(size, T_c, a, omega):
            return T_c + a * size ** (-omega)

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", OptimizeWarning)
                with np.errstate(all="ignore"):
                    parameters, covariance = curve_fit(
                        model, L, T, p0=(start[0], start[1], 1.0), sigma=sigma, absolute_sigma=sigma is not None, maxfev=20000
                    )
        except (RuntimeError, OptimizeWarning, ValueError) as reason:
            return _fit_result(math.nan, math.nan, n, f"free-nu fit over L = {listed} failed: {reason}")
        T_c, a, omega = (float(p) for p in parameters)
        if not (omega > 0 and np.all(np.isfinite(covariance))):
            return _fit_result(math.nan, math.nan, n, f"free-nu fit over L = {listed} found no positive nu (1/nu = {omega:.3g})")
        residual = T - model(L, *parameters)
        chi2 = float(np.sum((residual / sigma) ** 2)) if sigma is not None else math.nan
        dof = n - 3
        scale = _pdg_scale(chi2, dof) if sigma is not None else 1.0
        errors = np.sqrt(np.diag(covariance)) * scale
        result = _fit_result(1.0 / omega, float(errors[2] / omega**2), n, f"fit T(L) = T_c + a L^(-1/nu), nu free, over L = {listed}")
        result.update(T_c_inf=T_c, a=a, T_c_inf_err=float(errors[0]), a_err=float(errors[1]))
    if sigma is not None:
        result["chi2_dof"] = chi2 / dof if dof > 0 else math.nan
        if scale > 1.0:
            result["note"] += f"; errors scaled by sqrt(chi2/dof) = {scale:.2f}"
    else:
        result["note"] += "; unweighted, errors from the residuals"
    return result


# --------------------------------------------------------------------------
# T_c from the reweighted latent curves


def _latent_row(labels: dict, observable: str, method: str, **fields) -> dict:
    row = _row(method, **fields)
    row.update(labels, observable=observable, nu=fields.get("nu", math.nan), nu_err=fields.get("nu_err", math.nan))
    return row


def _not_located(row: dict, what: str, stacklevel: int = 3) -> dict:
    """Warn that ``row`` holds no estimate, naming ``what`` and the row's note (the warning
    points at the caller of the public function: ``stacklevel`` counts the frames in between)."""
    warnings.warn(f"{what}: {row['note']}; T_c estimate is NaN", RuntimeWarning, stacklevel=stacklevel)
    return row


def _peak(grid, values):
    """:func:`deeprenorm.stats.locate_peak` as ``(position, height)``, NaN where it finds none."""
    try:
        return tuple(locate_peak(grid, values, half_width=_PEAK_HALF_WIDTH))
    except ValueError:
        return math.nan, math.nan


_EXTRAPOLATIONS = (("_extrapolation", 1.0), ("_extrapolation_free_nu", None))


def _extrapolation_rows(labels: dict, peak_rows: list, label: str) -> list:
    """The nu = 1 and free-nu extrapolations of the peak rows of one observable."""
    rows = []
    for observable in _PEAK_OBSERVABLES:
        peaks = [r for r in peak_rows if r["observable"] == observable]
        if len(peaks) < 2:  # a model trained at one size: there is nothing to extrapolate
            continue
        sizes = np.array([r["L"] for r in peaks], dtype=float)
        T = np.array([r["T_c"] for r in peaks], dtype=float)
        errors = np.array([r["T_c_err"] for r in peaks], dtype=float)
        for suffix, nu in _EXTRAPOLATIONS:
            fit = fit_finite_size(sizes, T, errors, nu=nu)
            row = _latent_row(
                labels,
                observable,
                f"{observable}_peak{suffix}",
                T_c=fit["T_c_inf"],
                T_c_err=fit["T_c_inf_err"],
                slope=fit["a"],
                slope_err=fit["a_err"],
                chi2_dof=fit["chi2_dof"],
                nu=fit["nu"],
                nu_err=fit["nu_err"],
                note=fit["note"],
            )
            rows.append(row if math.isfinite(row["T_c"]) else _not_located(row, f"{label} {observable} peaks", stacklevel=4))
    return rows


def _part_arrays(encoded, reduction: str, code: int, part: str):
    """``(L, T, energy, magnetization, z)`` of one part, ``(n_T, n_part)`` arrays in sample order."""
    L = int(encoded.attrs["L"])
    T, split, energy, magnetization, z = _reduced(encoded, reduction)
    mask = split == code
    counts = mask.sum(axis=1)
    if counts.size and not np.all(counts == counts[0]):
        raise ValueError(
            f"L={L}: the {part} part has different sample counts per temperature ({counts.min()}..{counts.max()}); "
            "multi-histogram reweighting here needs equal counts (the split of deeprenorm.ml.split has them)"
        )
    n = int(counts[0]) if counts.size else 0
    order = np.argsort(T, kind="stable")
    pick = lambda values: values[mask].reshape(T.size, n)[order]  # noqa: E731 (row-major: sample order kept)
    return L, T[order], pick(energy), pick(magnetization), pick(z)


def _window_dataset(T, values) -> xr.Dataset:
    return xr.Dataset({"magnetization": (("temperature", "sample"), values)}, coords={"temperature": T})


def _default_window(parts) -> tuple[float, float] | None:
    """Union of :func:`deeprenorm.thermo.derived_window` on m and on z of every size."""
    windows = []
    for values in ("magnetization", "z"):
        datasets = [_window_dataset(p["T"], p[values]) for p in parts if p["T"].size and p["n"] > 0]
        if datasets:
            with np.errstate(invalid="ignore"):
                try:
                    windows.append(derived_window(datasets))
                except ValueError:  # no finite chi at all
                    pass
    if not windows:
        return None
    return min(w[0] for w in windows), max(w[1] for w in windows)


def latent_critical_temperatures(
    encoded_by_L,
    reduction: str,
    *,
    part: str = "test",
    window: tuple[float, float] | None = None,
    n_blocks: int = 20,
    grid_spacing: float = 1 / 300,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """T_c from multi-histogram reweighted chi_z(T), chi_m(T) and U_z(T) of one model.

    ``encoded_by_L``: encoded datasets of one model (the same ``model`` name, see
    :func:`phase_table`) at distinct L; ``reduction``: one of :data:`REDUCTIONS`; ``part``: the
    part of the split analysed (default the held-out TEST samples).  Each temperature's samples
    of one part are a random subset of independent samples, so the subset is itself valid input
    for :class:`deeprenorm.reweighting.MultiHistogram`, which needs the same count at every
    temperature: the split has exactly equal counts, anything else raises ValueError.  The
    reduced code of each sample reweights with its energy
    (:meth:`~deeprenorm.reweighting.MultiHistogram.expectations` of |z|, z^2, z^4, |m|, m^2,
    m^4), giving chi_z(T), chi_m(T) and U_z(T) on an even grid at most ``grid_spacing`` apart
    spanning the simulated temperatures inside ``window`` (never extrapolated).

    ``window``: ``(low, high)`` in J/k_B, or None: the union of the windows that
    :func:`deeprenorm.thermo.derived_window` derives from chi' (the magnetisation) and, by the
    same rule, from chi_z of the part's samples.  The chi' window alone is the magnetic
    analysis's; the union makes sure the window does not presuppose where the code's own peak
    is (a code that peaks far from T_c must be seen to, not be cut at the window's edge).

    Errors: blocked jackknife over ``n_blocks`` blocks of the part's samples (at most one block
    per sample), the same block left out at every temperature, the whole analysis (reweighting,
    peaks, crossings) repeated per block.

    Returns ``(estimates, curves)``.  ``estimates`` has :data:`LATENT_ESTIMATE_COLUMNS`
    (``n_bootstrap`` = the number of jackknife blocks, ``observable`` the curve the row comes
    from); rows (``method``):

    ``chi_z_peak``, ``chi_m_peak`` (one per L each)
        position T*(L) and height of the maximum of the reweighted curve
        (:func:`deeprenorm.stats.locate_peak` with ``half_width=1``: the parabola through the
        grid maximum and its neighbours, never the grid maximum itself).
    ``binder_z_crossing`` (one per successive pair L < L2)
        the zero of U_z(L) - U_z(L2) where the curves separate fastest (``select="steepest"``);
        each jackknife replica takes its zero nearest to it.
    ``chi_z_peak_extrapolation``, ``chi_m_peak_extrapolation``
        :func:`fit_finite_size` with nu = 1 over the located peaks; ``slope`` = a. Only for a
        model analysed at two or more sizes (one size has nothing to extrapolate: no row).
    ``chi_z_peak_extrapolation_free_nu``, ``chi_m_peak_extrapolation_free_nu``
        the same with nu free (>= 4 sizes); ``nu``, ``nu_err`` its exponent.

    ``curves``: :data:`LATENT_CURVE_COLUMNS`, the reweighted <|z|>, <|m|>, chi_z, chi_m, U_z
    with jackknife errors, one block of rows per L.

    Degenerate input never raises: fewer than two simulated temperatures in the window, fewer
    than 2 samples per temperature, a maximum on the edge of the grid, curves that do not cross,
    too few sizes for a fit give a NaN row whose ``note`` says why, and a ``RuntimeWarning``
    naming the model, the L (or pair) and the reason.
    """
    code = _check_part(part)
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if window is not None and not window[0] < window[1]:
        raise ValueError(f"window must be (low, high) with low < high, got {window}")
    if n_blocks < 2:
        raise ValueError(f"n_blocks must be >= 2, got {n_blocks}")
    if not grid_spacing > 0:
        raise ValueError(f"grid_spacing must be positive, got {grid_spacing}")
    encoded_by_L = list(encoded_by_L)
    models = sorted({_model_name(encoded) for encoded in encoded_by_L})
    if len(models) > 1:
        raise ValueError(f"encoded_by_L mixes models {models}; pass one model's datasets at a time")
    labels = {"model": models[0] if models else "", "reduction": reduction, "part": part}
    parts = []
    for encoded in encoded_by_L:
        L, T, energy, magnetization, z = _part_arrays(encoded, reduction, code, part)
        parts.append({"L": L, "T": T, "energy": energy, "magnetization": magnetization, "z": z, "n": energy.shape[1]})
    parts.sort(key=lambda p: p["L"])
    sizes = [p["L"] for p in parts]
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"encoded_by_L has repeated sizes: {sizes}")
    label = f"{labels['model']} ({reduction}, {part})"

    if window is None:
        window = _default_window(parts)
        described = "window derived from the data" if window is None else f"window ({window[0]:g}, {window[1]:g}), derived from the data"
    else:
        described = f"window ({window[0]:g}, {window[1]:g})"

    per_size, reasons = {}, {}
    for p in parts:
        size, T, n = p["L"], p["T"], p["n"]
        inside = np.zeros(T.size, dtype=bool) if window is None else (T >= window[0]) & (T <= window[1])
        if inside.sum() < 2 or n < 2:
            reasons[size] = (
                f"fewer than 2 samples per temperature in the {part} part ({n})"
                if n < 2
                else f"fewer than 2 simulated temperatures in the {described}"
            )
            continue
        energy, magnetization, z = p["energy"][inside], p["magnetization"][inside], p["z"][inside]
        z2, m2 = z * z, magnetization * magnetization
        columns = np.stack([np.abs(z), z2, z2 * z2, np.abs(magnetization), m2, m2 * m2], axis=-1)
        grid = temperature_grid_between(T[inside].min(), T[inside].max(), grid_spacing)
        full = solved_histogram(T[inside], energy, magnetization, size)
        blocks = min(n_blocks, n)
        edges = np.linspace(0, n, blocks + 1).astype(int)
        replicas = []
        for block in range(blocks):
            keep = np.r_[0 : edges[block], edges[block + 1] : n]
            replica = solved_histogram(T[inside], energy[:, keep], magnetization[:, keep], size, initial_log_z=full.log_z)
            replicas.append(_curve_observables(replica.expectations(grid, columns[:, keep].reshape(-1, 6)), size, grid))
        per_size[size] = (grid, _curve_observables(full.expectations(grid, columns.reshape(-1, 6)), size, grid), replicas, blocks)

    curves, peak_rows = [], []
    for size in sizes:
        if size not in per_size:
            for observable in _PEAK_OBSERVABLES:
                note = f"{observable} peak not located: {reasons[size]}"
                row = _latent_row(labels, observable, f"{observable}_peak", L=size, note=note)
                peak_rows.append(_not_located(row, f"{label} L={size}"))
            continue
        grid, full, replicas, blocks = per_size[size]
        curve = {**labels, "L": size, "temperature": grid}
        for name in ("abs_z", "abs_m", "chi_z", "chi_m", "binder_z"):
            curve[name] = full[name]
            curve[f"{name}_err"] = _spread(np.array([replica[name] for replica in replicas]))
        curves.append(pd.DataFrame(curve))
        for observable in _PEAK_OBSERVABLES:
            try:
                position, height = locate_peak(grid, full[observable], half_width=_PEAK_HALF_WIDTH)
            except ValueError as reason:
                note = f"{observable} peak not located for T in [{grid[0]:.6g}, {grid[-1]:.6g}] ({described}): {reason}"
                peak_rows.append(_not_located(_latent_row(labels, observable, f"{observable}_peak", L=size, note=note), f"{label} L={size}"))
                continue
            replica_peaks = np.array([_peak(grid, replica[observable]) for replica in replicas])
            peak_rows.append(
                _latent_row(
                    labels,
                    observable,
                    f"{observable}_peak",
                    L=size,
                    T_c=position,
                    T_c_err=_jackknife_error(replica_peaks[:, 0]),
                    peak_height=height,
                    peak_height_err=_jackknife_error(replica_peaks[:, 1]),
                    n_bootstrap=blocks,
                    note=f"pseudo-critical T*(L) of reweighted {observable}; jackknife error over {blocks} blocks",
                )
            )

    crossing_rows = []
    located = [size for size in sizes if size in per_size]
    for small, large in zip(located, located[1:]):
        pair = f"{label} L={small}, L2={large}"
        # replicas pair up block by block: both sizes' jackknife blocks are numbered alike
        crossing, replica_roots, n_roots, why = pair_crossing(
            per_size[small][:3], per_size[large][:3], "binder_z", grid_spacing, described
        )
        if why:
            note = f"U_z crossing not located{why}"
            crossing_rows.append(_not_located(_latent_row(labels, "binder_z", "binder_z_crossing", L=small, L2=large, note=note), pair))
            continue
        note = "zero of reweighted U_z(L) - U_z(L2); jackknife error"
        if n_roots > 1:
            note += f"; {n_roots} zeros, the steepest taken"
        crossing_rows.append(
            _latent_row(
                labels,
                "binder_z",
                "binder_z_crossing",
                L=small,
                L2=large,
                T_c=crossing,
                T_c_err=_jackknife_error(replica_roots),
                n_bootstrap=len(replica_roots),
                note=note,
            )
        )

    rows = peak_rows + crossing_rows + _extrapolation_rows(labels, peak_rows, label)
    estimates = _estimate_frame(rows, LATENT_ESTIMATE_COLUMNS)
    curves = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=LATENT_CURVE_COLUMNS)
    return estimates, curves[LATENT_CURVE_COLUMNS]


def _curve_observables(expectations: np.ndarray, L: int, grid: np.ndarray) -> dict:
    """Reweighted curves from the expectations of |z|, z^2, z^4, |m|, m^2, m^4 on ``grid``."""
    abs_z, z2, z4, abs_m, m2, _ = expectations.T
    n_sites = L * L
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "abs_z": abs_z,
            "abs_m": abs_m,
            "chi_z": n_sites * (z2 - abs_z**2) / grid,
            "chi_m": n_sites * (m2 - abs_m**2) / grid,
            "binder_z": 1.0 - z4 / (3.0 * z2 * z2),
        }


def _estimate_frame(rows: list, columns: list) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    frame["L"] = frame["L"].astype("Int64")
    frame["L2"] = frame["L2"].astype("Int64")
    return frame


# --------------------------------------------------------------------------
# several training seeds of one model

_GROUP = ["model", "reduction", "part", "observable", "method", "L", "L2"]


def combine_seeds(estimates_by_seed) -> pd.DataFrame:
    """One set of estimates from those of several training seeds of the same models.

    ``estimates_by_seed``: the ``estimates`` of :func:`latent_critical_temperatures`, one frame
    per training seed, all trained on the same split of the same data (several models,
    reductions and parts may be stacked in each frame).  For every per-L (or per-pair) row --
    same ``model, reduction, part, observable, method, L, L2`` -- over the seeds where it was
    located::

        T_c       = mean_i T_c,i
        T_c_err^2 = mean_i T_c_err,i^2  +  s^2 / n_seeds

    Why two terms.  Every seed's model is evaluated on the same test samples, so the data noise
    that the jackknife measures is common to all seeds: it does not average down, and
    ``T_c_err_jackknife = sqrt(mean_i T_c_err,i^2)`` is its typical size.  The seeds differ
    only by training noise (initialisation, minibatch order, dropout), independent between
    seeds: the seed-to-seed standard deviation ``s`` (``seed_spread``, ddof = 1; it contains no
    data noise, the data being the same) measures it, and its share of the mean's error is
    ``s / sqrt(n_seeds)``.  Not covered: the noise of the particular training samples, common to
    all seeds and measured by neither term (it would take retraining on resampled training
    sets).  With one located seed ``seed_spread`` is NaN and only the jackknife term is kept
    (noted).  ``peak_height`` is combined in the same way.  Magnetic rows (``chi_m_peak``) are
    the same for every seed, so ``s = 0`` and they pass through unchanged.

    The extrapolation rows of the input are dropped and refitted (:func:`fit_finite_size`, nu = 1
    and nu free) from the combined per-L peaks of each ``model, reduction, part, observable``;
    their ``T_c_err_jackknife`` and ``seed_spread`` are NaN and ``n_seeds`` is the fewest seeds
    behind any of their points.  Columns :data:`COMBINED_COLUMNS`; a row found in no seed is NaN
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
    stacked = pd.concat([frame[LATENT_ESTIMATE_COLUMNS].assign(_seed=i) for i, frame in enumerate(frames)], ignore_index=True)
    stacked = stacked[~stacked["method"].str.contains("_extrapolation")]
    if stacked.duplicated(_GROUP + ["_seed"]).any():
        raise ValueError("a (model, reduction, part, observable, method, L, L2) row is repeated within one seed's estimates")

    rows = []
    for key, group in stacked.groupby(_GROUP, dropna=False, sort=False):
        labels = dict(zip(_GROUP, key))
        fields = {name: (None if pd.isna(labels[name]) else int(labels[name])) for name in ("L", "L2")}
        T = group["T_c"].to_numpy(dtype=float)
        located = np.isfinite(T)
        n_seeds = int(located.sum())
        base = {name: labels[name] for name in ("model", "reduction", "part")}
        if n_seeds == 0:
            row = _latent_row(base, labels["observable"], labels["method"], **fields, note=f"not located for any of {len(group)} seed(s)")
            row.update(T_c_err_jackknife=math.nan, seed_spread=math.nan, n_seeds=0)
            rows.append(_not_located(row, f"{labels['model']} {labels['method']} L={fields['L']}"))
            continue
        combined, note = {}, f"mean over {n_seeds} seed(s)"
        for value_name, error_name in (("T_c", "T_c_err"), ("peak_height", "peak_height_err")):
            values = group[value_name].to_numpy(dtype=float)[located]
            errors = group[error_name].to_numpy(dtype=float)[located]
            jackknife = math.sqrt(np.nanmean(errors**2)) if np.any(np.isfinite(errors)) else math.nan
            spread = float(np.std(values, ddof=1)) if n_seeds > 1 else math.nan
            total = math.sqrt(jackknife**2 + (spread**2 / n_seeds if n_seeds > 1 else 0.0))
            combined[value_name] = (float(np.mean(values)) if np.all(np.isfinite(values)) else math.nan, total, jackknife, spread)
        T_c, T_c_err, jackknife, spread = combined["T_c"]
        if n_seeds == 1:
            note += "; one seed: no estimate of the training noise"
        else:
            note += "; error^2 = mean(jackknife^2) + seed_spread^2 / n_seeds"
        if n_seeds < len(group):
            note += f"; not located for {len(group) - n_seeds} seed(s)"
        row = _latent_row(
            base,
            labels["observable"],
            labels["method"],
            **fields,
            T_c=T_c,
            T_c_err=T_c_err,
            peak_height=combined["peak_height"][0],
            peak_height_err=combined["peak_height"][1],
            n_bootstrap=group["n_bootstrap"].max(),
            note=note,
        )
        row.update(T_c_err_jackknife=jackknife, seed_spread=spread, n_seeds=n_seeds)
        rows.append(row)

    per_L = [row for row in rows if row["method"] in ("chi_z_peak", "chi_m_peak")]
    for key in dict.fromkeys((row["model"], row["reduction"], row["part"]) for row in rows):
        labels = dict(zip(("model", "reduction", "part"), key))
        peaks = [row for row in per_L if (row["model"], row["reduction"], row["part"]) == key]
        for row in _extrapolation_rows(labels, peaks, f"{key[0]} ({key[1]}, {key[2]}), seeds combined"):
            used = [p["n_seeds"] for p in peaks if p["observable"] == row["observable"] and math.isfinite(p["T_c"]) and p["T_c_err"] > 0]
            row.update(T_c_err_jackknife=math.nan, seed_spread=math.nan, n_seeds=min(used) if used else 0)
            rows.append(row)
    frame = _estimate_frame(rows, COMBINED_COLUMNS)
    frame["n_seeds"] = frame["n_seeds"].astype(int)
    return frame


def study_tables(encodings, reductions=REDUCTIONS, *, window=None) -> dict[str, pd.DataFrame]:
    """Every latent table of the study from its encoded datasets.

    ``encodings`` maps ``(model, training_seed)`` to that model's encoded datasets, one per L.
    A one-unit code is analysed as itself (``"mean"``: the three reductions agree up to a sign,
    which no estimate sees); wider codes in each of ``reductions``. Returns the frames

    ``tc``
        :func:`combine_seeds` of the per-seed :func:`latent_critical_temperatures` on the test
        split: ``results/tables/tc_latent.csv``;
    ``tc_per_seed``
        the same before combining, with a ``training_seed`` column;
    ``phase``
        :func:`phase_table` of the test and the training split, per seed;
    ``summary``
        :func:`phase_summary` of both parts, per seed and L;
    ``curves``
        the reweighted test-split curves, per seed.
    """
    per_seed, phase, summary, curves = [], [], [], []
    for (model, seed), by_size in sorted(encodings.items()):
        width = int(by_size[0].sizes["unit"])
        for reduction in reductions if width > 1 else ("mean",):
            estimates, curve = latent_critical_temperatures(by_size, reduction, part="test", window=window)
            per_seed.append(estimates.assign(training_seed=seed))
            curves.append(curve.assign(training_seed=seed))
            for encoded in by_size:
                for part in ("test", "train"):
                    phase.append(phase_table(encoded, reduction, part).assign(training_seed=seed))
                    summary.append(phase_summary(encoded, reduction, part) | {"training_seed": seed})
    by_seed = {}
    for frame in per_seed:
        by_seed.setdefault(int(frame["training_seed"].iloc[0]), []).append(frame.drop(columns="training_seed"))
    combined = combine_seeds([pd.concat(frames, ignore_index=True) for frames in by_seed.values()])
    return {
        "tc": combined,
        "tc_per_seed": pd.concat(per_seed, ignore_index=True),
        "phase": pd.concat(phase, ignore_index=True),
        "summary": pd.DataFrame(summary),
        "curves": pd.concat(curves, ignore_index=True),
    }
