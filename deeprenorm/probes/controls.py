"""Control ensembles without Ising physics, written as Ising datasets so that the same models train on them.

Clusters in a network's activation or receptive-field maps are no evidence of renormalisation by
themselves: the original study (Broomberg & Rabinovich, "Deep Renormalization", 2019) trained its
models also on pure noise and on noisy 2D sine waves and found that the sine waves give
"clusters" as well.  This module makes both controls, and a third with spatial structure at the
Ising correlation length but no Ising physics:

* :func:`noise_configurations` -- independent +-1 spins, probability 1/2 each: the Ising model at
  infinite temperature, with no correlations at all.
* :func:`sine_configurations` -- thresholded noisy plane waves ``sign(sin(2 pi (k_x x + k_y y) /
  L + phase) + noise * N(0, 1))``: smooth, large domains at one length scale and orientation per
  configuration, long-range ordered along the wave, with nothing of the Ising ensemble's
  fluctuations at all scales.  The integer wave numbers make every wave periodic on the torus.
* :func:`smooth_configurations` -- a Gaussian random field thresholded to +-1 spins, with the
  exact 2D Ising correlation length and spontaneous magnetisation of each temperature slot
  (:func:`deeprenorm.exact.correlation_length`, :func:`deeprenorm.exact.yang_magnetization`):
  domains of the right size and imbalance, with the structure of a thresholded Gaussian field
  and none of the Ising model's interactions, critical power laws or fractal domain walls.
* :func:`control_dataset` -- a per-L dataset file of any control in the project's NetCDF
  schema (:mod:`deeprenorm.data`), which :func:`deeprenorm.data.open_dataset` and
  :class:`deeprenorm.data.SpinReader` read like an Ising dataset, so that splitting, training,
  encoding and the per-temperature analyses run on it unchanged.

**Temperatures are labels, except for ``"smooth"``.** The noise and sine controls have no
temperature.  A control dataset keeps the study's temperature grid as its ``temperature``
coordinate so that everything indexed by temperature works; for ``"noise"`` and ``"sine"`` each
slot is an independent draw of the same ensemble, and any dependence on "temperature" that an
analysis finds in it is noise or an artefact of the analysis.  For ``"smooth"`` the temperature
sets the slot's correlation length (capped at L/2) and magnetisation, matched to the Ising
model's, so an analysis may find in it whatever of its temperature dependence these two carry,
and nothing else.  The attributes say which (``control``, ``temperature_meaning``, and for
``"smooth"`` ``control_matched``).

**Seeds.** A dataset of kind ``kind`` draws from ``deeprenorm.seeding.stream(seed, "analysis", L,
CONTROL_STREAM_KEYS[kind])``, spawned into one child per temperature slot in increasing
temperature order.  The keys lie above 10^9, above every ``temperature_key`` of a temperature
below 1000, so they cannot coincide with an ``(L, temperature_key(T))`` key of another analysis
stream.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from statistics import NormalDist

import netCDF4
import numpy as np

from .. import exact
from ..arguments import check_integer, check_real, is_integer, is_real
from ..config import temperature_label
from ..data import write_dataset, write_simulation
from ..io import atomic_path
from ..ising.lattice import energy_magnetization
from ..ising.sampler import SampleSet
from ..seeding import stream

__all__ = [
    "CONTROL_KINDS",
    "CONTROL_STREAM_KEYS",
    "default_max_frequency",
    "noise_configurations",
    "sine_configurations",
    "smooth_configurations",
    "control_dataset",
]

#: The control ensembles :func:`control_dataset` writes.
CONTROL_KINDS = ("noise", "sine", "smooth")

#: Last key of the ``"analysis"`` stream of each kind (module docstring). Appending a kind is
#: safe; changing a key changes every dataset of that kind.
CONTROL_STREAM_KEYS = {"noise": 1_000_000_001, "sine": 1_000_000_002, "smooth": 1_000_000_003}


def _check_generator(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")


def default_max_frequency(L: int) -> int:
    """``max(1, L // 8)``: the largest wave number per axis of :func:`sine_configurations` by
    default.  The shortest wavelength, along a diagonal, is then ``L / (sqrt 2 L/8) ~ 5.7``
    lattice spacings and the narrowest domain ~2.8 spacings, wider than a 2 x 2 block, and
    the nearest-neighbour correlation stays near ``1 - 2 (|k_x| + |k_y|) / L >= 1/2``."""
    return max(1, int(L) // 8)


def noise_configurations(n: int, L: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` configurations of independent spins, +1 or -1 with probability 1/2 each.

    Returns int8 of shape (n, L, L).  Raises ValueError unless ``n >= 1`` and ``L >= 2`` are
    integers and ``rng`` is a ``numpy.random.Generator``.
    """
    n, L = check_integer("n", n, 1), check_integer("L", L, 2)
    _check_generator(rng)
    return (2 * rng.integers(0, 2, size=(n, L, L), dtype=np.int8) - 1).astype(np.int8)


def sine_configurations(
    n: int, L: int, rng: np.random.Generator, *, noise: float = 0.1, max_frequency: int | None = None
) -> np.ndarray:
    """``n`` thresholded noisy plane waves on the L x L torus, int8 +-1 of shape (n, L, L).

    Configuration i is ``sign(sin(2 pi (k_x x + k_y y) / L + phase) + noise * eps)`` with ``x``
    the column and ``y`` the row, ``eps`` independent standard normal per site, and a sign of
    exactly 0 taken as +1.  Per configuration, independently:

    * ``(k_x, k_y)`` uniform over the ``(2K + 1)^2 - 1`` integer pairs in ``[-K, K]^2`` other
      than (0, 0), ``K = max_frequency`` (default :func:`default_max_frequency`): integers, so
      the wave is periodic on the torus; both signs, so every orientation occurs;
    * ``phase`` uniform in ``[0, 2 pi)``, which makes the ensemble symmetric under s -> -s and
      translation invariant, so ``<m> = 0``.

    ``noise`` is the noise standard deviation relative to the wave's amplitude.  The amplitude
    itself is not drawn: ``sign(A (sin + noise eps)) = sign(sin + noise eps)`` for every A > 0,
    so a random amplitude would change no configuration.

    Raises ValueError for ``n < 1``, ``L < 2``, ``noise`` not finite and >= 0, ``max_frequency``
    not an integer in [1, L // 2] (higher wave numbers alias to lower ones on the lattice), or
    ``rng`` not a ``numpy.random.Generator``.
    """
    n, L = check_integer("n", n, 1), check_integer("L", L, 2)
    _check_generator(rng)
    noise = check_real("noise", noise, nonnegative=True)
    K = default_max_frequency(L) if max_frequency is None else max_frequency
    if not (is_integer(K) and 1 <= K <= L // 2):
        raise ValueError(f"max_frequency must be an integer in [1, L // 2 = {L // 2}], got {max_frequency!r}")
    axis = np.arange(-K, K + 1)
    pairs = np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)
    pairs = pairs[np.any(pairs != 0, axis=1)]
    k_x, k_y = pairs[rng.integers(pairs.shape[0], size=n)].T
    phase = rng.uniform(0.0, 2 * np.pi, size=n)
    y, x = np.indices((L, L))
    argument = 2 * np.pi * (k_x[:, None, None] * x + k_y[:, None, None] * y) / L + phase[:, None, None]
    field = np.sin(argument) + noise * rng.standard_normal((n, L, L))
    return np.where(field >= 0, 1, -1).astype(np.int8)


def smooth_configurations(
    n: int, L: int, rng: np.random.Generator, *, correlation_length: float, magnetization: float = 0.0
) -> np.ndarray:
    """``n`` thresholded Gaussian random fields on the L x L torus, int8 +-1 of shape (n, L, L).

    Configuration i is ``+-sign(phi - h)``: ``phi`` a periodic Gaussian random field, white noise
    filtered in Fourier space, and the overall sign drawn +1 or -1 with probability 1/2, so that
    the ensemble is symmetric under s -> -s like the Ising ensemble of a finite lattice.

    **Spectrum.** ``phi`` has the Ornstein-Zernike spectrum of the massive lattice Gaussian
    field, ``S(k) ~ 1 / (mu^2 + 4 - 2 cos k_x - 2 cos k_y)`` over the L^2 wave vectors of the
    torus, with ``mu^2 = 2 (cosh(1/xi) - 1)``: on the infinite lattice its covariance decays
    along an axis like ``exp(-r/xi) / sqrt(r)`` at large r, so ``xi`` is an exponential correlation
    length along an axis in the same sense as :func:`deeprenorm.exact.correlation_length`, and
    of the same form as the Ising correlations above T_c.  (A Gaussian spectrum would give a
    Gaussian covariance, whose length is a different quantity, and a field smooth on every scale.)
    Thresholding keeps ``xi``: the spins' connected correlation is a power series in the field's
    correlation coefficient starting with the linear term.  As ``xi -> 0`` the spectrum goes flat
    and the spins become independent.

    **Cap.** ``xi = min(correlation_length, L / 2)``: L/2 is the largest distance on the torus,
    and beyond it the uniform mode, not the requested length, would set the configurations (at
    ``xi = L/2`` its spectral weight is already ``~1 + pi^2 ~ 11`` times that of each lowest
    non-zero mode).  ``correlation_length`` may be ``inf`` (the Ising value at T_c), made L/2.

    **Threshold.** ``h = sigma Phi^-1((1 - magnetization) / 2)``, with ``sigma^2`` the field's
    exact variance per site (the mean of the spectrum) and ``Phi`` the standard normal
    distribution function: the threshold of the Gaussian marginal, not a quantile of each
    configuration's field, so every site is +1 with probability ``(1 + magnetization) / 2`` before
    the sign flip and ``|m|`` fluctuates from configuration to configuration by an amount the
    correlations set, as in a thermal ensemble, instead of being pinned to the same value.
    ``magnetization = 1`` (Yang's value rounds to 1 below T ~ 0.22) makes every configuration
    uniform.

    Raises ValueError for ``n < 1``, ``L < 2``, ``correlation_length`` not > 0 (``inf`` allowed),
    ``magnetization`` not in [0, 1], or ``rng`` not a ``numpy.random.Generator``.
    """
    n, L = check_integer("n", n, 1), check_integer("L", L, 2)
    _check_generator(rng)
    xi = (
        math.inf
        if correlation_length == math.inf
        else check_real("correlation_length", correlation_length, positive=True)
    )
    if not (is_real(magnetization) and 0 <= magnetization <= 1):
        raise ValueError(f"magnetization must be a finite number in [0, 1], got {magnetization!r}")
    xi = min(xi, L / 2)
    wave = 2 * np.pi * np.fft.fftfreq(L)
    laplacian = 4 - 2 * np.cos(wave)[:, None] - 2 * np.cos(wave)[None, :]
    # 1 / mu^2 written with exp(-1/xi), which underflows to 0 (white noise) instead of overflowing
    inverse_mass2 = math.exp(-1 / xi) / math.expm1(-1 / xi) ** 2
    spectrum = 1 / (1 + inverse_mass2 * laplacian)
    below = (1 - magnetization) / 2
    threshold = -math.inf if below == 0 else math.sqrt(spectrum.mean()) * NormalDist().inv_cdf(below)
    amplitude = np.sqrt(spectrum[:, : L // 2 + 1])
    field = np.fft.irfft2(np.fft.rfft2(rng.standard_normal((n, L, L))) * amplitude, s=(L, L))
    sign = (1 - 2 * rng.integers(0, 2, size=n, dtype=np.int8))[:, None, None]
    return (np.where(field > threshold, 1, -1) * sign).astype(np.int8)


def _draw(
    kind: str, n: int, L: int, rng: np.random.Generator, temperature: float, noise: float, max_frequency: int | None
) -> np.ndarray:
    if kind == "noise":
        return noise_configurations(n, L, rng)
    if kind == "smooth":
        return smooth_configurations(
            n,
            L,
            rng,
            correlation_length=exact.correlation_length(temperature),
            magnetization=exact.yang_magnetization(temperature),
        )
    return sine_configurations(n, L, rng, noise=noise, max_frequency=max_frequency)


def _slot(kind: str, spins: np.ndarray, temperature: float, seed: int) -> SampleSet:
    """One temperature slot as the :class:`SampleSet` of a chain of independent draws.

    Draws are independent by construction: tau_int is exactly 1/2 (with no error) in units of
    draws, which count as "sweeps" one apart; there was no thermalisation, no pilot and no
    timing (NaN)."""
    L = spins.shape[1]
    totals = np.array([energy_magnetization(configuration) for configuration in spins], dtype=np.float64)
    return SampleSet(
        spins=spins,
        energy=totals[:, 0] / L**2,
        magnetization=totals[:, 1] / L**2,
        L=L,
        T=temperature,
        algorithm=f"control:{kind}",
        seed=seed,
        chain=0,
        tau_int_abs_m=0.5,
        tau_int_abs_m_error=0.0,
        tau_int_energy=0.5,
        tau_int_energy_error=0.0,
        sweeps_between_samples=1,
        thermalization_sweeps=0,
        pilot_sweeps=0,
        cold_start=False,
        tau_int_samples_abs_m=0.5,
        tau_int_samples_energy=0.5,
        seconds_per_sweep=math.nan,
    )


def control_dataset(
    kind: str,
    L: int,
    n_samples: int,
    temperatures,
    seed: int,
    path: str | os.PathLike,
    *,
    noise: float = 0.1,
    max_frequency: int | None = None,
    config: str = "",
) -> None:
    """Write a control dataset of ``kind`` in the schema of ``results/datasets/L{L}.nc``.

    Parameters
    ----------
    kind
        One of :data:`CONTROL_KINDS`: ``"noise"`` (:func:`noise_configurations`), ``"sine"``
        (:func:`sine_configurations` with ``noise`` and ``max_frequency``, which the other kinds
        ignore) or ``"smooth"`` (:func:`smooth_configurations` with the exact correlation length
        and spontaneous magnetisation of each slot's temperature).
    L, n_samples
        Lattice size (integer >= 2) and configurations per temperature slot (>= 1).
    temperatures
        The study's temperature grid, used as labels only except by ``"smooth"`` (module
        docstring): finite, > 0 and distinct at the 4 decimals of the file names.  The file lists
        them in increasing order.
    seed
        The study's root seed; the configurations come from the streams of the module
        docstring, so the same arguments write the same spins, energies and magnetisations.
    path
        The dataset file (written atomically, like every writer of :mod:`deeprenorm.data`).
    config
        The YAML of the settings, stored as the ``config`` attribute like an Ising dataset's.

    Every slot is a :class:`deeprenorm.ising.sampler.SampleSet` of independent draws (tau_int
    1/2, one draw per "sweep", no timing) with its energy and magnetisation per spin computed
    from the spins, written by :func:`deeprenorm.data.write_simulation` to a temporary folder and
    stacked by :func:`deeprenorm.data.write_dataset`: the file has exactly the structure of an
    Ising dataset and passes the same checks.  The global attributes add ``control`` (the kind),
    ``temperature_meaning``, for ``"sine"`` also ``control_noise`` and
    ``control_max_frequency``, for ``"smooth"`` also ``control_matched`` and the
    ``control_correlation_length`` (after the cap) and ``control_magnetization`` of every slot in
    increasing temperature, and replace the title; ``algorithm`` is ``"control:<kind>"``.

    Raises ValueError for an unknown ``kind``, invalid sizes, seed or temperatures, and as the
    generators for ``noise`` and ``max_frequency``.
    """
    if kind not in CONTROL_KINDS:
        raise ValueError(f"kind must be one of {CONTROL_KINDS}, got {kind!r}")
    L, n_samples = check_integer("L", L, 2), check_integer("n_samples", n_samples, 1)
    seed = check_integer("seed", seed, 0)
    temperatures = np.sort(np.asarray(temperatures, dtype=np.float64).ravel())
    if temperatures.size == 0 or not np.all(np.isfinite(temperatures) & (temperatures > 0)):
        raise ValueError(f"temperatures must be a non-empty list of finite numbers > 0, got {temperatures.tolist()}")
    labels = [temperature_label(float(T)) for T in temperatures]
    if len(set(labels)) != len(labels):
        raise ValueError(f"temperatures must differ at the 4 decimals of the file names, got {labels}")
    slot_streams = stream(seed, "analysis", L, CONTROL_STREAM_KEYS[kind]).spawn(temperatures.size)
    path = Path(path)
    attrs = {
        "title": f"{kind} control configurations (no Ising physics), L = {L}",
        "control": kind,
        "temperature_meaning": (
            "the study's temperatures: each slot matches the exact correlation length (capped at L/2) and "
            "spontaneous magnetisation of the 2D Ising model at its temperature, and nothing else of it"
            if kind == "smooth"
            else "labels copied from the study's grid; every slot is an independent draw of the same ensemble"
        ),
    }
    if kind == "sine":
        attrs["control_noise"] = float(noise)
        attrs["control_max_frequency"] = int(default_max_frequency(L) if max_frequency is None else max_frequency)
    if kind == "smooth":
        attrs["control_matched"] = (
            "exact correlation length and spontaneous magnetisation of the 2D Ising model at each temperature slot"
        )
        attrs["control_correlation_length"] = np.minimum(exact.correlation_length(temperatures), L / 2)
        attrs["control_magnetization"] = exact.yang_magnetization(temperatures)
    with atomic_path(path) as temporary, tempfile.TemporaryDirectory(prefix="deeprenorm-control-") as folder:
        simulation_paths = []
        for temperature, label, slot_stream in zip(temperatures, labels, slot_streams):
            spins = _draw(
                kind, n_samples, L, np.random.default_rng(slot_stream), float(temperature), noise, max_frequency
            )
            simulation_paths.append(Path(folder) / f"T{label}.nc")
            write_simulation(_slot(kind, spins, float(temperature), seed), simulation_paths[-1], config)
        write_dataset(simulation_paths, temporary, config=config, algorithm=f"control:{kind}")
        with netCDF4.Dataset(temporary, "a") as dataset:
            dataset.setncatts(attrs)
