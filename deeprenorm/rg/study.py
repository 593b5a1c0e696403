"""The block-spin RG stage of a study: every (L -> L/b) pair blocked, matched and tabulated.

For each pair (L, b) (:attr:`deeprenorm.plan.StudyPlan.rg_pairs`: L/b an even integer >= 4) and each
block-spin map of :data:`.blocking.MAPS`, the L x L dataset is read one temperature at a time and
blocked (:func:`block_dataset`; the majority rule's ties drawn from
:func:`.blocking.tie_breaking_rng`), keeping per sample the magnetisation and the
nearest-neighbour correlation of the blocked configuration.  From these, :func:`rg_study` makes
three tables:

* ``flow`` (:data:`FLOW_COLUMNS`) -- the phenomenological renormalisation (Nightingale, Physica A
  83, 561 (1976); with U_4 as the matched observable, Binder, Z. Phys. B 43, 119 (1981)) of each
  (pair, map, observable) against the direct L/b dataset, the coarse ensemble reweighted with the
  L x L energies (:func:`.flow.phenomenological_renormalization`): the fixed point T*, its
  deviation from Onsager's T_c, the slope dT'/dT there, y_t and nu;
* ``curves`` (:data:`FLOW_CURVE_COLUMNS`) -- the T'(T) tables of those flows;
* ``block_spins`` (:data:`BLOCK_SPIN_COLUMNS`) -- blocked against direct <|m|>, U_4 and
  <s s_nn> at the simulated temperature nearest T_c, per pair and map (``part = "comparison"``:
  Kadanoff's construction says the blocked L ensemble at T_c is the direct L/b one), and the
  b = 2 majority rule applied again and again to the largest L, down to 4 x 4, at the simulated
  temperatures nearest :data:`REPEATED_TEMPERATURES` (``part = "repeated"``): below T_c the
  blocked lattices flow towards the ordered fixed point (<s s_nn>, <|m|> -> 1, U_4 -> 2/3),
  above it towards the disordered one (-> 0), at T_c they stay put.

Errors are blocked jackknife errors over 20 blocks of samples throughout
(:func:`.observables.ensemble_summary`, :func:`.flow.phenomenological_renormalization`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..data import SpinReader, open_dataset
from ..ensemble import Ensemble
from ..exact import T_C
from .blocking import MAPS, majority, tie_breaking_rng
from .flow import OBSERVABLES, TABLE_COLUMNS, phenomenological_renormalization
from .observables import ensemble_summary, magnetization, nearest_neighbour_correlation
from .window import default_window

__all__ = [
    "REPEATED_TEMPERATURES",
    "SMALLEST_BLOCKED_SIZE",
    "FLOW_COLUMNS",
    "FLOW_CURVE_COLUMNS",
    "BLOCK_SPIN_COLUMNS",
    "SUMMARY_OBSERVABLES",
    "flow_row",
    "nearest_temperature_indices",
    "blocked_samples",
    "block_dataset",
    "repeated_blocking",
    "rg_study",
]

logger = logging.getLogger(__name__)


#: Temperatures (J/k_B) of the repeated blocking: the simulated ones nearest these, two on
#: each side of T_c and T_c itself.
REPEATED_TEMPERATURES = (2.0, 2.2, T_C, 2.35, 2.5)

#: The repeated b = 2 blocking stops at this size (the smallest lattice the project simulates).
SMALLEST_BLOCKED_SIZE = 4

#: Observables of the block-spin table, as :func:`.observables.ensemble_summary` names them.
SUMMARY_OBSERVABLES = ("abs_m", "binder", "nn")

_PAIR_COLUMNS = ["L", "L_coarse", "b", "map", "observable"]

#: Columns of the ``flow`` table, in order (``window_*``: the temperatures that entered;
#: ``T_star_deviation_*``: T* - T_c in % of T_c and in units of T_star_err).
FLOW_COLUMNS = [
    *_PAIR_COLUMNS,
    "window_low",
    "window_high",
    "T_star",
    "T_star_err",
    "T_star_deviation_percent",
    "T_star_deviation_sigma",
    "slope",
    "slope_err",
    "y_t",
    "y_t_err",
    "nu",
    "nu_err",
    "note",
]

#: Columns of the ``curves`` table: the pair, map and observable, then :data:`.flow.TABLE_COLUMNS`.
FLOW_CURVE_COLUMNS = [*_PAIR_COLUMNS, *TABLE_COLUMNS]

#: Columns of the ``block_spins`` table.  ``level``: how often the map was applied (0: the
#: unblocked L x L lattice), ``b``: the total scale factor L / L_coarse; ``blocked``: the
#: observable of the blocked lattices, ``direct``: of the direct L_coarse simulation at the same
#: temperature (NaN at level 0 and where the study has no such dataset); ``pull``: their
#: difference in units of the combined error.
BLOCK_SPIN_COLUMNS = [
    "part",
    "L",
    "b",
    "level",
    "L_coarse",
    "map",
    "temperature",
    "observable",
    "blocked",
    "blocked_err",
    "direct",
    "direct_err",
    "pull",
]


def nearest_temperature_indices(temperatures, targets) -> list[int]:
    """Indices of the temperatures nearest each target, sorted and without repeats (on a
    coarse grid two targets can share their nearest temperature)."""
    T = np.asarray(temperatures, dtype=float)
    if T.ndim != 1 or T.size == 0:
        raise ValueError(f"temperatures must be a non-empty 1-D array, got shape {T.shape}")
    return sorted({int(np.argmin(np.abs(T - target))) for target in targets})


def blocked_samples(spins, L: int, b: int, temperature: float, block_map: str, seed: int) -> dict[str, np.ndarray]:
    """Per-sample ``{"m", "nn"}`` of the L x L ``spins`` (int8, ``(n, L, L)``) at ``temperature``
    blocked by ``block_map`` (a name of :data:`.blocking.MAPS`) with factor ``b``: the
    magnetisation per spin and the nearest-neighbour correlation of each blocked lattice.  The
    majority rule breaks ties with ``tie_breaking_rng(seed, L, b, temperature)``."""
    if block_map not in MAPS:
        raise ValueError(f"block_map must be one of {tuple(MAPS)}, got {block_map!r}")
    if block_map == "majority":
        blocked = majority(spins, b, tie_breaking_rng(seed, L, b, temperature))
    else:
        blocked = MAPS[block_map](spins, b)
    return {"m": magnetization(blocked), "nn": nearest_neighbour_correlation(blocked)}


def block_dataset(
    path, factors: Sequence[int], maps: Sequence[str], seed: int
) -> dict[tuple[int, str], dict[str, np.ndarray]]:
    """Every sample of the dataset ``path`` blocked by each factor and map, one temperature's
    spins in memory at a time: ``{(b, map): {"m": (n_T, n), "nn": (n_T, n)}}`` in the order of
    the dataset's temperatures (see :func:`blocked_samples`)."""
    unknown = [name for name in maps if name not in MAPS]
    if unknown:
        raise ValueError(f"maps must be names of {tuple(MAPS)}, got {list(maps)}")
    with SpinReader(path) as reader:
        shape = (reader.n_temperatures, reader.n_samples)
        blocked = {(b, name): {"m": np.empty(shape), "nn": np.empty(shape)} for b in factors for name in maps}
        for index, temperature in enumerate(reader.temperatures):
            spins = reader.read(index)
            for (b, name), values in blocked.items():
                for key, per_sample in blocked_samples(spins, reader.L, b, temperature, name, seed).items():
                    values[key][index] = per_sample
    return blocked


def repeated_blocking(
    spins, L: int, temperature: float, seed: int, *, smallest: int = SMALLEST_BLOCKED_SIZE
) -> list[dict[str, np.ndarray]]:
    """Per-sample ``{"m", "nn"}`` of the L x L ``spins`` at ``temperature`` and of the b = 2
    majority blocks of the blocks ..., while the next lattice is at least ``smallest`` wide:
    entry k is after k steps (entry 0: the unblocked lattice).  One generator,
    ``tie_breaking_rng(seed, L, 2, temperature)``, breaks the ties of every step in turn, so the
    first step is the blocking of :func:`blocked_samples` with b = 2."""
    rng = tie_breaking_rng(seed, L, 2, temperature)
    levels = [{"m": magnetization(spins), "nn": nearest_neighbour_correlation(spins)}]
    size = int(L)
    while size % 2 == 0 and size // 2 >= smallest:
        spins = majority(spins, 2, rng)
        size //= 2
        levels.append({"m": magnetization(spins), "nn": nearest_neighbour_correlation(spins)})
    return levels


def _summary(samples: dict[str, np.ndarray], n_blocks: int):
    return ensemble_summary({"m": samples["m"], "nn": samples["nn"]}, n_blocks=n_blocks)


def _comparison_rows(part, L, b, level, L_coarse, name, temperature, blocked, direct) -> list[dict]:
    """One row per observable of :data:`SUMMARY_OBSERVABLES`; ``direct`` may be None."""
    rows = []
    for observable in SUMMARY_OBSERVABLES:
        value, error = blocked[observable]
        reference, reference_error = direct[observable] if direct else (math.nan, math.nan)
        combined = math.hypot(error, reference_error)
        rows.append(
            {
                "part": part,
                "L": L,
                "b": b,
                "level": level,
                "L_coarse": L_coarse,
                "map": name,
                "temperature": temperature,
                "observable": observable,
                "blocked": value,
                "blocked_err": error,
                "direct": reference,
                "direct_err": reference_error,
                "pull": (value - reference) / combined if combined > 0 else math.nan,
            }
        )
    return rows


def flow_row(L, b, name, observable, window, flow) -> dict:
    """One row of :data:`FLOW_COLUMNS`: a :class:`~deeprenorm.rg.flow.Flow` of the map ``name``
    from L to L/b, matched by ``observable`` in ``window``."""
    deviation = flow.T_star - T_C
    return {
        "L": L,
        "L_coarse": L // b,
        "b": b,
        "map": name,
        "observable": observable,
        "window_low": window[0],
        "window_high": window[1],
        "T_star": flow.T_star,
        "T_star_err": flow.T_star_err,
        "T_star_deviation_percent": 100.0 * deviation / T_C,
        "T_star_deviation_sigma": deviation / flow.T_star_err if flow.T_star_err > 0 else math.nan,
        "slope": flow.slope,
        "slope_err": flow.slope_err,
        "y_t": flow.y_t,
        "y_t_err": flow.y_t_err,
        "nu": flow.nu,
        "nu_err": flow.nu_err,
        "note": flow.note,
    }


def _scalars_on_one_grid(datasets: Mapping[int, str], pairs) -> tuple[dict, np.ndarray]:
    """L -> the temperatures, energies and magnetisations of each dataset, and the temperature
    grid the blocked sizes share; ValueError where the grids disagree."""
    scalars = {}
    for L, path in datasets.items():
        with open_dataset(path) as dataset:
            scalars[int(L)] = {
                "temperature": dataset["temperature"].values.astype(float),
                "energy": dataset["energy"].values,
                "magnetization": dataset["magnetization"].values,
            }
    # the blocked sizes share one grid; a block lattice that is only a direct ensemble may hold
    # a part of it (the workflow simulates those at the flow's window only)
    blocked_sizes = sorted({L for L, _ in pairs} | {max(datasets)})
    grid = scalars[blocked_sizes[0]]["temperature"]
    differing = sorted(L for L in blocked_sizes if not np.array_equal(scalars[L]["temperature"], grid))
    outside = sorted(L for L, values in scalars.items() if not np.isin(values["temperature"], grid).all())
    if differing or outside:
        raise ValueError(
            f"the datasets of L = {differing or outside} have other temperatures than the rest: the blocked sizes "
            "need one grid, the direct ones a part of it"
        )
    return scalars, grid


def _direct_summary(scalars: dict, L: int, temperature: float, n_blocks: int):
    """The direct ensemble of L at ``temperature``, or None where L was not simulated there."""
    values = scalars[L]
    matches = np.flatnonzero(values["temperature"] == temperature)
    if not matches.size:
        return None
    index = matches[0]
    return ensemble_summary(
        {"m": values["magnetization"][index], "nn": -0.5 * values["energy"][index]}, n_blocks=n_blocks
    )


def _repeated_blocking_rows(datasets: Mapping[int, str], scalars: dict, grid, seed: int, n_blocks: int) -> list[dict]:
    """The ``"repeated"`` rows of the block-spin table: the largest L blocked again and again by
    the majority rule at :data:`REPEATED_TEMPERATURES`, beside the direct ensembles."""
    rows = []
    largest = max(datasets)
    with SpinReader(datasets[largest]) as reader:
        for index in nearest_temperature_indices(grid, REPEATED_TEMPERATURES):
            levels = repeated_blocking(reader.read(index), largest, grid[index], seed)
            for level, samples in enumerate(levels):
                size = largest // 2**level
                direct = _direct_summary(scalars, size, grid[index], n_blocks) if level and size in scalars else None
                summary = _summary(samples, n_blocks)
                rows += _comparison_rows(
                    "repeated", largest, 2**level, level, size, "majority", grid[index], summary, direct
                )
    return rows


def rg_study(
    datasets: Mapping[int, str],
    pairs: Sequence[tuple[int, int]],
    maps: Sequence[str],
    observables: Sequence[str],
    seed: int,
    *,
    window: tuple[float, float] | None = None,
    n_blocks: int = 20,
    grid_spacing: float = 1 / 300,
) -> dict[str, pd.DataFrame]:
    """The three tables of the module docstring, ``{"flow", "curves", "block_spins"}``.

    ``datasets``: L -> path of ``results/datasets/L{L}.nc``, holding both ends of every pair and
    the L of the repeated blocking (the largest L given), all on one temperature grid.
    ``pairs``: (L, b) with L/b given too; ``maps`` and ``observables``: names of
    :data:`.blocking.MAPS` and :data:`.flow.OBSERVABLES`; ``seed``: the study's root seed (of
    the majority rule's tie breaks).  ``window``: (low, high) of the flow's temperatures, None:
    :func:`default_window` of the grid.  ``n_blocks`` and ``grid_spacing`` go to
    :func:`.flow.phenomenological_renormalization`.

    A flow whose fixed point cannot be located has NaN estimates and says why in ``note``
    (with a RuntimeWarning); malformed arguments raise ValueError.
    """
    pairs = [(int(L), int(b)) for L, b in pairs]
    missing = sorted({size for L, b in pairs for size in (L, L // b)} - set(datasets))
    if missing:
        raise ValueError(f"datasets lacks L = {missing}, needed by pairs {pairs}")
    unknown = [name for name in observables if name not in OBSERVABLES]
    if unknown:
        raise ValueError(f"observables must be names of {tuple(OBSERVABLES)}, got {list(observables)}")
    if not datasets:
        raise ValueError("datasets is empty: the repeated blocking needs at least one L")

    scalars, grid = _scalars_on_one_grid(datasets, pairs)
    window = tuple(window) if window is not None else default_window(grid)
    critical = nearest_temperature_indices(grid, [T_C])[0]

    flows, curves, block_spins = [], [], []
    for L in sorted({L for L, _ in pairs}):
        factors = [b for fine, b in pairs if fine == L]
        blocked = block_dataset(datasets[L], factors, maps, seed)
        for (b, name), samples in blocked.items():
            direct = scalars[L // b]
            for observable in observables:
                flow = phenomenological_renormalization(
                    grid,
                    samples["nn" if observable == "nn" else "m"],
                    Ensemble(L // b, direct["temperature"], direct["energy"], direct["magnetization"]),
                    b,
                    coarse_energy=scalars[L]["energy"],
                    observable=observable,
                    window=window,
                    n_blocks=n_blocks,
                    grid_spacing=grid_spacing,
                )
                logger.info("L = %d -> %d, %s, %s: %s", L, L // b, name, observable, flow.described())
                flows.append(flow_row(L, b, name, observable, window, flow))
                curves.append(flow.table.assign(L=L, L_coarse=L // b, b=b, map=name, observable=observable))
            at_critical = {key: values[critical] for key, values in samples.items()}
            block_spins += _comparison_rows(
                "comparison",
                L,
                b,
                1,
                L // b,
                name,
                grid[critical],
                _summary(at_critical, n_blocks),
                _direct_summary(scalars, L // b, grid[critical], n_blocks),
            )

    block_spins += _repeated_blocking_rows(datasets, scalars, grid, seed, n_blocks)
    return {
        "flow": pd.DataFrame(flows, columns=FLOW_COLUMNS),
        "curves": pd.concat(curves, ignore_index=True)[FLOW_CURVE_COLUMNS]
        if curves
        else pd.DataFrame(columns=FLOW_CURVE_COLUMNS),
        "block_spins": pd.DataFrame(block_spins, columns=BLOCK_SPIN_COLUMNS),
    }
