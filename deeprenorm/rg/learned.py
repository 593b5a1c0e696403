"""Learned coarse-grainings through the block-spin measurement: what a trained network does to a
configuration, held against the majority rule and against the same network untrained.

A trained autoencoder defines a coarse-graining map C from L x L configurations to
(L/b) x (L/b) spins in two ways:

* a ``conv`` model (:mod:`deeprenorm.ml.models`) has a code field on the block lattice itself:
  ``"code_sign"`` takes its sign as the block spin (Broomberg & Rabinovich 2019 read its code
  this way), ``"code"`` keeps the continuous value (only U_4, a ratio of moments, is free of the
  code's arbitrary scale, so only the ``binder`` flow is measured for it);
* a dense model has no block lattice: ``"reconstruction"`` is the majority rule applied to the
  sign of its reconstruction, so that the network's output is read at the scale of a block spin
  and compared, site by site, with the majority rule applied to its input.

For each map, at every temperature of the dataset, on the held-out test split:

* the *per-site agreement* with the majority-rule block spins of the same configuration, up to
  one global sign per network (a code may learn either sign of the order parameter: the sign is
  fixed once, from all samples, so that a per-configuration choice cannot inflate chance
  agreement above 1/2);
* the *flow* of :func:`.flow.phenomenological_renormalization` against the direct L/b ensemble:
  T*, the slope and nu, exactly as the block-spin maps are measured in :mod:`.study`.

Every number is measured for the trained network and for the *control* that differs from it only
in training: the same architecture with the weights training started from
(:func:`deeprenorm.ml.initial_weights`). The decimation map gives the baseline of the agreement
(a block spin that keeps one site of b^2).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import torch

from ..data import SpinReader, open_dataset
from ..ensemble import Ensemble
from ..exact import T_C
from ..ml import TEST, Autoencoder, build_model, module_device
from ..seeding import stream, temperature_key
from ..stats import resampling_block_length
from .blocking import decimation, majority, tie_breaking_rng
from .flow import OBSERVABLES, matching_mismatch, phenomenological_renormalization
from .information import block_environment, information_bound
from .mcrg import TABLE_COLUMNS as EXPONENT_TABLE_COLUMNS
from .mcrg import mcrg_exponents, reversal_asymmetry
from .network_flow import (
    ENSEMBLE_COLUMNS,
    FIXED_POINT_COLUMNS,
    ensemble_temperatures,
    flow_direction,
    flow_map_fixed_points,
    iterate_flow,
)
from .observables import energy as energy_per_spin
from .rsmi import RSMICoarseGrainer, rsmi_block_spins
from .study import FLOW_COLUMNS, FLOW_CURVE_COLUMNS, flow_row
from .window import default_window

__all__ = [
    "LEARNED_MAPS",
    "AGREEMENT_COLUMNS",
    "learned_coarse_variables",
    "site_agreement",
    "LEARNED_FLOW_COLUMNS",
    "learned_rg_study",
    "EXACT_REFERENCE_MAPS",
    "INFORMATION_COLUMNS",
    "INFORMATION_REPLICA_COLUMNS",
    "support_margin",
    "information_study",
    "FLOW_VARIANTS",
    "NETWORK_FLOW_COLUMNS",
    "NETWORK_FIXED_POINT_COLUMNS",
    "NETWORK_DIRECTION_COLUMNS",
    "monotone_prefix",
    "network_steps",
    "block_spin_autoencoder_steps",
    "network_flow_study",
    "code_sign_step",
    "network_exponents",
]

logger = logging.getLogger(__name__)

#: Map name -> what it is, per model kind (see the module docstring).
LEARNED_MAPS = {
    "code_sign": "sign of the conv code field, one block spin per b x b block",
    "rsmi": "sign of the RSMI filter's field on each b x b block (the learned positive control)",
    "code": "continuous conv code field (U_4 matching only: its scale is arbitrary)",
    "reconstruction": "majority rule applied to the sign of a dense model's reconstruction",
}

#: The exact maps of the agreement table (``weights = "exact"``, ``model`` the map's name):
#: decimation, an exact RG map that keeps one site of b^2; the majority rule with other tie
#: draws, the ceiling of any deterministic map's agreement (a tied block is a coin flip); every
#: block set to sign(m), the agreement of a map that knows only the global sign.
EXACT_REFERENCE_MAPS = {
    "decimation": "one site of each b x b block",
    "majority_retied": "the majority rule with independent tie draws (the ceiling of agreement)",
    "global_sign": "every block spin = sign(m) of its configuration (the global-sign baseline)",
}

#: Columns of the agreement table: per (map, weights, training seed, temperature), the fraction
#: of block sites where the map's block spin equals the majority rule's (``sign``: the global
#: sign applied; ``seed``: the network's training seed, -1 for an exact map; ``uniform_fraction``:
#: the fraction of configurations the map blocks to a uniform lattice, one spin everywhere).
AGREEMENT_COLUMNS = [
    "L",
    "b",
    "model",
    "map",
    "weights",
    "seed",
    "temperature",
    "agreement",
    "agreement_err",
    "sign",
    "n_samples",
    "uniform_fraction",
]

_BATCH = 512


@torch.no_grad()
def learned_coarse_variables(
    model: Autoencoder, spins: np.ndarray, b: int, rng: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """The learned coarse variables of int8 ``spins`` ``(n, L, L)``: ``{"rsmi"}`` (int8 block
    spins) for an RSMI coarse-grainer (:mod:`.rsmi`) of block b; ``{"code_sign", "code"}``
    (float32 ``(n, L/b, L/b)``; the sign as +-1, 0 mapped to +1) for a conv model of block b,
    ``{"reconstruction"}`` (int8 block spins) for a dense one, whose reconstruction's sign
    (0 mapped to +1) is blocked by :func:`.blocking.majority` with ties from ``rng``."""
    if isinstance(model, RSMICoarseGrainer):
        if model.block != b:
            raise ValueError(f"the RSMI filter has block {model.block}, asked for b = {b}")
        return {"rsmi": rsmi_block_spins(model, spins)}
    convolutional = model.spec.is_convolutional
    model.eval()
    device = module_device(model)
    outputs = []
    for begin in range(0, len(spins), _BATCH):
        x = torch.from_numpy(np.asarray(spins[begin : begin + _BATCH], dtype=np.float32)).to(device)
        outputs.append((model.encode(x) if convolutional else model(x)[0]).cpu().numpy())
    values = np.concatenate(outputs) if outputs else np.empty((0,) + spins.shape[1:], dtype=np.float32)
    if convolutional:
        if model.spec.block != b:
            raise ValueError(f"the conv model has block {model.spec.block}, asked for b = {b}")
        return {"code_sign": np.where(values >= 0, 1, -1).astype(np.int8), "code": values}
    signs = np.where(values >= 0, 1, -1).astype(np.int8)
    return {"reconstruction": majority(signs, b, rng)}


def site_agreement(
    blocks: Sequence[np.ndarray], reference: Sequence[np.ndarray], *, n_blocks: int = 20
) -> tuple[int, np.ndarray, np.ndarray]:
    """Per-site agreement of block spins with reference block spins, one global sign.

    ``blocks`` and ``reference``: per temperature, arrays ``(n, l, l)`` of +-1. Returns
    ``(sign, agreement, error)``: the global sign (+1 or -1, whichever agrees on more sites over
    all temperatures) and per temperature the fraction of sites where ``sign * blocks`` equals
    ``reference`` with a blocked-jackknife error over ``n_blocks`` blocks of configurations.
    """
    if len(blocks) != len(reference):
        raise ValueError(f"blocks has {len(blocks)} temperatures, reference {len(reference)}")
    per_sample = []
    for mine, theirs in zip(blocks, reference):
        mine, theirs = np.asarray(mine), np.asarray(theirs)
        if mine.shape != theirs.shape:
            raise ValueError(f"block spins of shape {mine.shape} against reference of shape {theirs.shape}")
        per_sample.append((np.sign(mine) == np.sign(theirs)).mean(axis=(1, 2)))
    overall = np.concatenate(per_sample).mean() if per_sample else 1.0
    sign = 1 if overall >= 0.5 else -1
    agreement, errors = [], []
    for fractions in per_sample:
        fractions = fractions if sign == 1 else 1.0 - fractions
        agreement.append(fractions.mean())
        errors.append(_jackknife_mean_error(fractions, n_blocks))
    return sign, np.array(agreement), np.array(errors)


def _jackknife_mean_error(values: np.ndarray, n_blocks: int) -> float:
    blocks = np.array_split(values, min(n_blocks, len(values)))
    if len(blocks) < 2:
        return math.nan
    total, count = values.sum(), len(values)
    means = np.array([(total - block.sum()) / (count - len(block)) for block in blocks])
    return float(np.sqrt((len(blocks) - 1) * np.mean((means - means.mean()) ** 2)))


def _test_samples(labels: np.ndarray) -> list[np.ndarray]:
    index = [np.flatnonzero(row == TEST) for row in labels]
    if len({len(samples) for samples in index}) != 1:
        raise ValueError("the test split has different sizes at different temperatures: the flow needs one size")
    return index


def _blocked_test_samples(networks: dict, dataset: str, test: list, b: int, seed: int):
    """``(L, reference, exact, coarse)``: per temperature, the majority-rule blocks of the test
    samples; per exact map of :data:`EXACT_REFERENCE_MAPS`, its blocks; and per ``(weights,
    seed, map)``, each network's coarse variables."""
    coarse, exact = {}, {name: [] for name in EXACT_REFERENCE_MAPS}
    reference = []
    with SpinReader(dataset) as reader:
        L = reader.L
        if L % b or (L // b) % 2:
            raise ValueError(f"L = {L} and b = {b}: L/b must be an even integer")
        for t, temperature in enumerate(reader.temperatures):
            spins = reader.read(t)[test[t]]
            reference.append(majority(spins, b, tie_breaking_rng(seed, L, b, temperature)))
            exact["decimation"].append(decimation(spins, b))
            # the same rule with other tie draws: the most any deterministic map can agree
            retie = np.random.default_rng(stream(seed, "agreement_ceiling", L, b, temperature_key(temperature)))
            exact["majority_retied"].append(majority(spins, b, retie))
            exact["global_sign"].append(_global_sign_blocks(spins, b))
            for (weights, training_seed), network in networks.items():
                rng = np.random.default_rng(stream(seed, "learned_blocking", L, b, temperature_key(temperature)))
                for name, values in learned_coarse_variables(network, spins, b, rng).items():
                    coarse.setdefault((weights, training_seed, name), []).append(values)
    return L, reference, exact, coarse


def _global_sign_blocks(spins: np.ndarray, b: int) -> np.ndarray:
    """Every block spin set to the sign of its configuration's magnetisation (0 -> +1): what a
    map that reconstructs a uniform lattice of sign(m) agrees with the majority rule."""
    n, L = spins.shape[0], spins.shape[-1]
    signs = np.where(spins.reshape(n, -1).sum(axis=1, dtype=np.int64) >= 0, 1, -1).astype(np.int8)
    return np.broadcast_to(signs[:, None, None], (n, L // b, L // b)).copy()


def _agreement_rows(blocks, reference, grid, n_blocks: int, **labels) -> tuple[int, list[dict]]:
    """The sign that aligns ``blocks`` with the majority rule and one :data:`AGREEMENT_COLUMNS`
    row per temperature (``labels``: L, b, model, map, weights, seed, n_samples)."""
    sign, fractions, errors = site_agreement(blocks, reference, n_blocks=n_blocks)
    rows = [
        {
            **labels,
            "temperature": temperature,
            "agreement": value,
            "agreement_err": error,
            "sign": sign,
            "uniform_fraction": _uniform_fraction(values),
        }
        for temperature, value, error, values in zip(grid, fractions, errors, blocks)
    ]
    return sign, rows


def _uniform_fraction(blocks: np.ndarray) -> float:
    flat = np.asarray(blocks).reshape(len(blocks), -1)
    return float(np.mean(np.all(flat == flat[:, :1], axis=1))) if len(flat) else math.nan


def _nearest_neighbour_correlation(blocks: np.ndarray) -> np.ndarray:
    """<s s_nn> of each block configuration, ``(n_T, n, l, l)`` -> ``(n_T, n)``: the mean over
    the 2 l^2 bonds of the periodic block lattice."""
    spins = blocks.astype(np.float64)
    return 0.5 * (
        (spins * np.roll(spins, 1, axis=-1)).mean(axis=(-2, -1))
        + (spins * np.roll(spins, 1, axis=-2)).mean(axis=(-2, -1))
    )


#: Columns of the learned flow table: :data:`.study.FLOW_COLUMNS` with the model, its weights and
#: training seed; on a map's ``nn`` row, ``mismatch_tc``: T'_nn - T'_U4 at the table's
#: temperature nearest T_c, with its paired jackknife error (:func:`.flow.matching_mismatch`).
LEARNED_FLOW_COLUMNS = ["model", "weights", "seed", *FLOW_COLUMNS, "mismatch_tc", "mismatch_tc_err"]


def learned_rg_study(
    networks: dict[tuple[str, int], Autoencoder],
    dataset: str,
    labels: np.ndarray,
    direct_dataset: str,
    b: int,
    seed: int,
    *,
    model_name: str,
    observables: Sequence[str] = ("binder", "abs_m"),
    window: tuple[float, float] | None = None,
    n_blocks: int = 20,
    grid_spacing: float = 1 / 300,
) -> dict[str, pd.DataFrame]:
    """The flow and agreement tables of the learned maps of one model on the test split.

    ``networks``: ``(weights label, training seed)`` -> model (``("trained", 0)``,
    ``("untrained", 0)``, ``("noise-trained", 0)``, ...), all of one architecture; ``dataset``:
    the L x L dataset they were trained on, ``labels`` its split; ``direct_dataset``: the L/b
    dataset, on the same temperature grid or a part of it; ``seed``: the study's root seed (the
    majority rule's tie breaks, :func:`.blocking.tie_breaking_rng`). ``observables`` and
    ``window`` as in :func:`.study.rg_study` (``code`` is matched by ``binder`` only); every
    map of +-1 block spins is matched on its nearest-neighbour correlation too (``nn``), and that
    row carries the paired mismatch of the two T' at T_c (:data:`LEARNED_FLOW_COLUMNS`).

    The majority rule and decimation go through the same flow on the same test samples with the
    same jackknife blocks (``weights = "exact"``, ``seed = -1``), so that a learned map and the
    exact ones are measured alike.

    Returns ``{"flow"}`` (:data:`LEARNED_FLOW_COLUMNS`; ``map`` is a name of :data:`LEARNED_MAPS`, or ``majority`` / ``decimation``), ``{"curves"}``
    (:data:`.study.FLOW_CURVE_COLUMNS` plus ``model``, ``weights``, ``seed``) and
    ``{"agreement"}`` (:data:`AGREEMENT_COLUMNS`; the maps of :data:`EXACT_REFERENCE_MAPS` with
    ``weights = "exact"``).
    """
    unknown = [name for name in observables if name not in OBSERVABLES or name == "nn"]
    if unknown:
        raise ValueError(f"observables must be among ('binder', 'abs_m'), got {list(observables)}")
    with open_dataset(direct_dataset) as direct:
        direct_T = direct["temperature"].values.astype(float)
        direct_E = direct["energy"].values
        direct_M = direct["magnetization"].values
    test = _test_samples(np.asarray(labels))
    # a jackknife block needs a sample: small test splits get fewer blocks
    n_blocks = min(n_blocks, len(test[0]))
    with open_dataset(dataset) as fine:
        grid = fine["temperature"].values.astype(float)
        energy = np.stack([fine["energy"].values[t, index] for t, index in enumerate(test)])
    if not np.isin(direct_T, grid).all():
        raise ValueError(
            f"{direct_dataset} holds temperatures that {dataset} does not: the direct grid must be a part of the blocked one"
        )
    window = tuple(window) if window is not None else default_window(grid)

    L, reference, exact, coarse = _blocked_test_samples(networks, dataset, test, b, seed)
    L_direct = L // b
    direct = Ensemble(L_direct, direct_T, direct_E, direct_M)
    shared = {"L": L, "b": b, "n_samples": len(test[0])}
    agreement = []
    for name, blocks in exact.items():
        agreement += _agreement_rows(
            blocks, reference, grid, n_blocks, model=name, map=name, weights="exact", seed=-1, **shared
        )[1]
    maps = {("exact", -1, "majority"): reference, ("exact", -1, "decimation"): exact["decimation"]} | coarse
    flows, curves = [], []
    for (weights, training_seed, name), per_temperature in maps.items():
        learned = weights != "exact"
        labels = {"model": model_name if learned else "", "weights": weights, "seed": training_seed}
        sign = 1
        if learned:
            sign, rows = _agreement_rows(per_temperature, reference, grid, n_blocks, map=name, **labels, **shared)
            agreement += rows
        per_temperature = np.stack(per_temperature)
        m = per_temperature.reshape(per_temperature.shape[:2] + (-1,)).mean(axis=2, dtype=np.float64)
        # a map of +-1 block spins is also matched on their nearest-neighbour correlation
        matched = ("binder",) if name == "code" else (*observables, "nn")
        flows_of = {}
        for observable in matched:
            flow = phenomenological_renormalization(
                grid,
                _nearest_neighbour_correlation(per_temperature) if observable == "nn" else sign * m,
                direct,
                b,
                coarse_energy=energy,
                observable=observable,
                window=window,
                n_blocks=n_blocks,
                grid_spacing=grid_spacing,
            )
            logger.info(
                "%s (%s, seed %d) L = %d -> %d, %s, %s: %s",
                labels["model"] or name,
                weights,
                training_seed,
                L,
                L_direct,
                name,
                observable,
                flow.described(),
            )
            flows_of[observable] = flow
            mismatch = {}
            if observable == "nn" and "binder" in flows_of:
                _, difference, error = matching_mismatch(flows_of["binder"], flow, T_C)
                mismatch = {"mismatch_tc": difference, "mismatch_tc_err": error}
            flows.append(flow_row(L, b, name, observable, window, flow) | labels | mismatch)
            curves.append(flow.table.assign(L=L, L_coarse=L_direct, b=b, map=name, observable=observable, **labels))
    return {
        "flow": pd.DataFrame(flows, columns=LEARNED_FLOW_COLUMNS),
        "curves": pd.concat(curves, ignore_index=True)[["model", "weights", "seed", *FLOW_CURVE_COLUMNS]],
        "agreement": pd.DataFrame(agreement, columns=AGREEMENT_COLUMNS),
    }


# What identifies one bound: the map, its weights and seed, at (L, b, buffer, temperature).
_INFORMATION_KEYS = ["L", "b", "buffer", "map", "model", "weights", "seed", "temperature"]

#: Columns of the information table (:func:`information_study`); ``bits``: the lower bound on
#: I(block variable : environment) in bits, ``bits_given_sign``: the bound on the information
#: conditioned on the sign of the configuration's magnetisation (what the environment knows
#: beyond the global sign), ``entropy_bits``: H of the block variable;
#: ``buffer``: the environment starts beyond this many sites from the block; ``seed``: the
#: network's training seed (-1 for an exact map).
INFORMATION_COLUMNS = [
    *_INFORMATION_KEYS,
    "bits",
    "bits_err",
    "bits_given_sign",
    "bits_given_sign_err",
    "entropy_bits",
    "cross_entropy_bits",
    "n_train",
    "n_eval",
    "shell",
]
#: ``rank`` (1: the most bits at that temperature and buffer) follows these columns in the table.

#: Columns of the bootstrap replicas of the information table: every map at one (L, b, buffer,
#: temperature) shares the split and the draws, so that differences are paired. ``split`` 0 holds
#: the bootstrap replicas of the table's split (``replica`` 0, 1, ...); ``split`` k >= 1 the bound
#: of the k-th other split of the probe's data (``replica`` -1), shared by every map too.
INFORMATION_REPLICA_COLUMNS = [*_INFORMATION_KEYS, "split", "replica", "bits"]


@torch.no_grad()
def support_margin(network, b: int) -> int:
    """How many sites beyond its own b x b block a block variable of ``network`` reads: the
    Chebyshev reach of the nonzero entries of the Jacobian of one code site with respect to the
    input (0 for a map that reads its block only; 1 for a conv code whose 3 x 3 convolution
    precedes the b x b one). Measured with the weights, so an exactly zero weight reads nothing."""
    L = network.L if hasattr(network, "L") else 4 * b
    with torch.enable_grad():
        x = torch.zeros((1, L, L), dtype=torch.float32, device=module_device(network), requires_grad=True)
        code = network.encode(x) if hasattr(network, "encode") else network.field(x)
        centre = code.shape[-1] // 2
        code[0, centre, centre].backward()
    reads = np.argwhere(x.grad[0].abs().cpu().numpy() > 0)
    if not len(reads):
        return 0
    origin = b * centre
    below = origin - reads.min(axis=0)
    above = reads.max(axis=0) - (origin + b - 1)
    return int(max(0, below.max(), above.max()))


def information_study(
    dataset: str,
    labels: np.ndarray,
    networks: dict[tuple[str, str, int], object],
    block_factors: Sequence[int],
    temperatures: Sequence[float],
    seed: int,
    *,
    shell: int = 2,
    n_bootstrap: int = 200,
    n_splits: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The information bound (:func:`.information.information_bound`) of every map that gives
    one variable per block, on the test split of ``dataset`` at the simulated temperatures
    nearest ``temperatures``: the majority rule and decimation for each b of ``block_factors``
    (``model = ""``, ``weights = "exact"``), and the block spin of each network of ``networks``
    (``(model, weights, training seed)`` -> a conv autoencoder, whose code's sign it takes, or
    an RSMI coarse-grainer).

    The environment lies beyond a buffer of width b around the block, ``shell`` sites wide. A
    map whose block variable reads beyond its block (:func:`support_margin`) is measured with
    the buffer widened by its margin, so that it cannot read its environment directly, and the
    exact maps are measured at that buffer too: maps are compared at equal support. An (L, b,
    buffer) whose window b + 2 (buffer + shell) exceeds L is skipped with a log line.

    Every map at one (b, buffer, temperature) shares the probe's split and bootstrap draws, in
    blocks of consecutive test configurations whose length
    (:func:`deeprenorm.stats.resampling_block_length`) comes from the test samples' |m| and
    energy at that temperature, the same for every map; and
    ``n_splits - 1`` other splits of the probe's data (streams ``seed, "information", L, b, T,
    k``), which show how much the bound moves with the split. Returns the table
    (:data:`INFORMATION_COLUMNS` and ``rank``) and the bootstrap replicas and other splits
    (:data:`INFORMATION_REPLICA_COLUMNS`), so that differences can be paired."""
    test = _test_samples(np.asarray(labels))
    margins = {key: support_margin(network, _block_of(network)) for key, network in networks.items()}
    buffers = {
        b: sorted({b} | {b + margin for key, margin in margins.items() if _block_of(networks[key]) == b})
        for b in block_factors
    }
    rows, replicas = [], []
    with SpinReader(dataset) as reader:
        L = reader.L
        grid = np.asarray(reader.temperatures, dtype=float)
        chosen = sorted({int(np.argmin(np.abs(grid - target))) for target in temperatures})
        for t in chosen:
            temperature = float(grid[t])
            spins = reader.read(t)[test[t]]
            total = spins.reshape(len(spins), -1).sum(axis=1, dtype=np.int64)
            global_sign = np.where(total >= 0, 1, -1)
            block_length = resampling_block_length(np.abs(total) / L**2, energy_per_spin(spins))
            variables = {}
            for b in block_factors:
                variables[b] = [
                    ("majority", "", "exact", -1, majority(spins, b, tie_breaking_rng(seed, L, b, temperature))),
                    ("decimation", "", "exact", -1, decimation(spins, b)),
                ]
            for (model, weights, training_seed), network in networks.items():
                b = _block_of(network)
                if b in variables:
                    name, blocks = _block_variable(network, spins, b)
                    variables[b].append((name, model, weights, training_seed, blocks))
            for b, maps in variables.items():
                for buffer in buffers[b]:
                    window = b + 2 * (buffer + shell)
                    if window > L:
                        logger.info(
                            "information: L = %d, b = %d, buffer %d skipped: the window %d exceeds L",
                            L,
                            b,
                            buffer,
                            window,
                        )
                        continue
                    for name, model, weights, training_seed, blocks in maps:
                        margin = 0 if weights == "exact" else margins[(model, weights, training_seed)]
                        if weights != "exact" and buffer != b + margin:
                            continue
                        h, environment, groups = block_environment(spins, blocks, b, buffer=buffer, shell=shell)
                        options = {
                            "n_bootstrap": n_bootstrap,
                            "block_length": block_length,
                            "seed": stream(seed, "information", L, b, temperature_key(temperature)),
                        }
                        bound = information_bound(h, environment, groups, **options)
                        given = information_bound(h, environment, groups, condition=global_sign[groups], **options)
                        labels = {
                            "L": L,
                            "b": b,
                            "buffer": buffer,
                            "map": name,
                            "model": model,
                            "weights": weights,
                            "seed": training_seed,
                            "temperature": temperature,
                        }
                        logger.info(
                            "information %s: %.4f(%.4f) bits of H = %.4f",
                            labels,
                            bound.bits,
                            bound.bits_err,
                            bound.entropy_bits,
                        )
                        rows.append(
                            labels
                            | {
                                "bits": bound.bits,
                                "bits_err": bound.bits_err,
                                "bits_given_sign": given.bits,
                                "bits_given_sign_err": given.bits_err,
                                "entropy_bits": bound.entropy_bits,
                                "cross_entropy_bits": bound.cross_entropy_bits,
                                "n_train": bound.n_train,
                                "n_eval": bound.n_eval,
                                "shell": shell,
                            }
                        )
                        replicas.append(
                            pd.DataFrame(
                                labels | {"split": 0, "replica": np.arange(len(bound.replicas)), "bits": bound.replicas}
                            )
                        )
                        for split in range(1, n_splits):
                            # another split of the probe's data: its bound only (no bootstrap needed)
                            other = information_bound(
                                h,
                                environment,
                                groups,
                                n_bootstrap=2,
                                seed=stream(seed, "information", L, b, temperature_key(temperature), split),
                            )
                            replicas.append(
                                pd.DataFrame([labels | {"split": split, "replica": -1, "bits": other.bits}])
                            )
    table = pd.DataFrame(rows, columns=INFORMATION_COLUMNS)
    # the ranking of the maps: 1 keeps the most information, per temperature and buffer
    table["rank"] = (
        table.groupby(["temperature", "buffer"])["bits"].rank(ascending=False, method="min").astype(int)
        if len(table)
        else []
    )
    replica_table = (
        pd.concat(replicas, ignore_index=True) if replicas else pd.DataFrame(columns=INFORMATION_REPLICA_COLUMNS)
    )
    return table, replica_table[INFORMATION_REPLICA_COLUMNS]


def _block_of(network) -> int:
    return network.block if hasattr(network, "block") else network.spec.block


def _block_variable(network, spins: np.ndarray, b: int) -> tuple[str, np.ndarray]:
    """The map's name and its +-1 block variable of ``spins``."""
    name, values = next(iter(learned_coarse_variables(network, spins, b).items()))
    return name, values.astype(np.int8)


#: Variant of the network flow -> what one step does to a configuration x.
FLOW_VARIANTS = {
    "sign": "x -> sign(decode(encode(x))): the reconstruction read as Ising spins",
    "continuous": "x -> decode(encode(x)): the reconstruction fed back as it is",
}
_FLOW_KEYS = ["model", "weights", "seed", "variant"]
#: Top of the thermometers' range (:func:`.network_flow.ensemble_temperatures`' default t_max).
THERMOMETER_T_MAX = 50.0
#: Columns of the network-flow table: per (weights, variant, starting temperature), one row per step.
NETWORK_FLOW_COLUMNS = [*_FLOW_KEYS, "temperature", *ENSEMBLE_COLUMNS]
#: Columns of the fixed points of the one-step maps T_n -> T_{n+1} (per thermometer).
NETWORK_FIXED_POINT_COLUMNS = [*_FLOW_KEYS, "thermometer", *FIXED_POINT_COLUMNS]
#: Columns of the flow directions (:func:`.network_flow.flow_direction` of the one-step map).
NETWORK_DIRECTION_COLUMNS = [*_FLOW_KEYS, "thermometer", "fraction_towards", "fraction_away", "direction", "n_used"]


def monotone_prefix(temperatures, curve) -> tuple[np.ndarray, np.ndarray]:
    """The longest run of ``(temperatures, curve)`` from the lowest temperature on which the
    curve is strictly decreasing: the part of a measured <|m|>(T) a thermometer can invert (deep
    in the disordered phase <|m|> ~ 1/L flattens and its statistical noise can reverse it)."""
    temperatures, curve = np.asarray(temperatures, dtype=float), np.asarray(curve, dtype=float)
    steps = np.diff(curve) < 0
    stop = len(curve) if steps.all() else int(np.argmin(steps)) + 1
    return temperatures[:stop], curve[:stop]


def _flow_step(network: Autoencoder, variant: str):
    device = module_device(network)

    @torch.no_grad()
    def step(x: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.asarray(x, dtype=np.float32)).to(device)
        reconstruction = network(x)[0].cpu().numpy().astype(np.float64)
        return np.where(reconstruction >= 0, 1.0, -1.0) if variant == "sign" else reconstruction

    return step


def network_steps(network: Autoencoder) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Variant of :data:`FLOW_VARIANTS` -> one step of ``network``'s flow (in eval mode)."""
    network.eval()
    return {variant: _flow_step(network, variant) for variant in FLOW_VARIANTS}


def block_spin_autoencoder_steps(b: int, seed: int) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """The flow steps of the ideal block-spin autoencoder, exact RG in an autoencoder's shape:
    encode by the majority rule of b x b blocks (ties from a stream of ``seed``), decode by
    copying each block spin onto its b x b block (``"sign"``); its continuous version encodes by
    the block mean and copies that (``"continuous"``). The positive control of the network-flow
    criterion: a criterion that fails this map cannot tell RG from its absence."""
    rng = np.random.default_rng(stream(seed, "learned_blocking", 0, b))

    def copy_back(blocks: np.ndarray) -> np.ndarray:
        return np.repeat(np.repeat(blocks, b, axis=-2), b, axis=-1).astype(np.float64)

    def sign_step(x: np.ndarray) -> np.ndarray:
        return copy_back(majority(np.where(x >= 0, 1, -1).astype(np.int8), b, rng))

    def continuous_step(x: np.ndarray) -> np.ndarray:
        n, L = x.shape[0], x.shape[-1]
        return copy_back(x.reshape(n, L // b, b, L // b, b).mean(axis=(2, 4)))

    return {"sign": sign_step, "continuous": continuous_step}


def network_flow_study(
    steps_of: dict[tuple[str, int], dict[str, Callable[[np.ndarray], np.ndarray]]],
    dataset: str,
    labels: np.ndarray,
    seed: int,
    *,
    model_name: str,
    steps: int,
    samples: int,
    n_bootstrap: int = 100,
) -> dict[str, pd.DataFrame]:
    """The network flow of each map of ``steps_of`` (``(weights label, training seed)`` -> its
    steps per variant of :data:`FLOW_VARIANTS`, e.g. :func:`network_steps` of a network or
    :func:`block_spin_autoencoder_steps`), from the first ``samples`` test configurations of
    ``dataset`` at every temperature, ``steps`` steps.

    Each ensemble is read by the exact-energy thermometer and by the <|m|> thermometer of the
    dataset's own <|m|>(T) (:func:`monotone_prefix` of it) with bootstrap errors
    (:func:`.network_flow.ensemble_temperatures`, seeded by ``seeding.stream(seed,
    "network_flow", L, temperature)``). The one-step map is read off steps 0 -> 1: the input's
    reading T_0 (sorted) against T_1; its fixed points and their stability
    (:func:`.network_flow.flow_map_fixed_points`) and its direction relative to T_c
    (:func:`.network_flow.flow_direction`) per weights, seed, variant and thermometer.

    Returns ``{"flow", "fixed_points", "directions"}`` with :data:`NETWORK_FLOW_COLUMNS`,
    :data:`NETWORK_FIXED_POINT_COLUMNS`, :data:`NETWORK_DIRECTION_COLUMNS`.
    """
    test = _test_samples(np.asarray(labels))
    with open_dataset(dataset) as data:
        grid = data["temperature"].values.astype(float)
        abs_m_curve = monotone_prefix(grid, np.abs(data["magnetization"].values).mean(axis=1))
    rows = []
    with SpinReader(dataset) as reader:
        L = reader.L
        for t, temperature in enumerate(grid):
            spins = reader.read(t)[test[t][:samples]]
            for (weights, training_seed), variants in steps_of.items():
                for variant, step in variants.items():
                    ensembles = iterate_flow(step, spins, steps)
                    table = ensemble_temperatures(
                        ensembles,
                        abs_m_curve=abs_m_curve,
                        n_bootstrap=n_bootstrap,
                        seed=stream(seed, "network_flow", L, temperature_key(temperature)),
                    )
                    rows.append(
                        table.assign(
                            model=model_name,
                            weights=weights,
                            seed=training_seed,
                            variant=variant,
                            temperature=temperature,
                        )
                    )
    flow = pd.concat(rows, ignore_index=True)[NETWORK_FLOW_COLUMNS]
    fixed_points, directions = [], []
    for (weights, training_seed, variant), group in flow.groupby(["weights", "seed", "variant"], sort=False):
        for thermometer in ("energy", "abs_m"):
            before = group[group["step"] == 0].set_index("temperature")[f"T_{thermometer}"]
            after = group[group["step"] == 1].set_index("temperature")[[f"T_{thermometer}", f"T_{thermometer}_err"]]
            pairs = pd.DataFrame({"T_n": before, "T_next": after.iloc[:, 0], "T_next_err": after.iloc[:, 1]})
            pairs = pairs[np.isfinite(pairs["T_n"])].sort_values("T_n").drop_duplicates("T_n")
            # a reading off the hot end is hotter than the thermometer's top: there it locates a
            # crossing of the diagonal (an unstable fixed point where T_1 jumps to infinity)
            hot = np.isinf(pairs["T_next"])
            pairs.loc[hot, "T_next"], pairs.loc[hot, "T_next_err"] = THERMOMETER_T_MAX, np.nan
            keys = {
                "model": model_name,
                "weights": weights,
                "seed": training_seed,
                "variant": variant,
                "thermometer": thermometer,
            }
            errors = pairs["T_next_err"].to_numpy()
            points = flow_map_fixed_points(
                pairs["T_n"].to_numpy(),
                pairs["T_next"].to_numpy(),
                errors if np.isfinite(errors).all() and (errors > 0).all() else None,
            )
            pairs.loc[hot, "T_next"] = np.inf
            fixed_points += [keys | row for row in points.to_dict("records")]
            direction = flow_direction(pairs["T_n"].to_numpy(), pairs["T_next"].to_numpy())
            directions.append(keys | direction._asdict() | {"direction": direction.word})
            logger.info(
                "network flow %s (%s, seed %d, %s, %s thermometer): fixed points %s; %s (of %d: %.2f towards T_c, %.2f away)",
                model_name,
                weights,
                training_seed,
                variant,
                thermometer,
                ", ".join(f"{row['T_fixed']:.3f} {row['stability']}" for row in points.to_dict("records")) or "none",
                direction.word,
                direction.n_used,
                direction.fraction_towards,
                direction.fraction_away,
            )
    return {
        "flow": flow,
        "fixed_points": pd.DataFrame(fixed_points, columns=NETWORK_FIXED_POINT_COLUMNS),
        "directions": pd.DataFrame(directions, columns=NETWORK_DIRECTION_COLUMNS),
    }


# --------------------------------------------------------------------------
# the exponents of a learned map, by Monte Carlo renormalisation group


def code_sign_step(model: Autoencoder):
    """One step of a conv model's ``"code_sign"`` map at any L: the sign of its code field (0 ->
    +1) as int8 block spins. The network is rebuilt for the size of its input with the same
    weights (its convolutions do not depend on L), so the map can block its own output again."""
    if not model.spec.is_convolutional:
        raise ValueError(
            f"{model.spec.name} has no code field on a block lattice: only a conv model maps spins to spins"
        )
    state, device = model.state_dict(), module_device(model)

    def step(spins: np.ndarray) -> np.ndarray:
        network = build_model(model.spec, spins.shape[-1]).to(device)
        network.load_state_dict(state)
        return learned_coarse_variables(network, spins, model.spec.block)["code_sign"]

    return step


def network_exponents(
    configurations: np.ndarray,
    networks: dict[tuple[str, int], Autoencoder],
    levels: int,
    *,
    model_name: str,
    n_blocks: int = 20,
) -> pd.DataFrame:
    """y_t and y_h of the ``"code_sign"`` map of every network of ``networks`` (``(weights
    label, training seed)`` -> conv model), each blocking the same critical ``configurations`` ``levels`` times
    (:func:`.mcrg.mcrg_exponents`): the exponents of the map itself, measured exactly as those of
    the majority rule and decimation (:func:`.mcrg.map_exponents`), with each map's
    :func:`.mcrg.reversal_asymmetry` on the configurations. Returns :data:`.mcrg.TABLE_COLUMNS`."""
    L = configurations.shape[-1]
    frames = []
    for (weights, training_seed), network in networks.items():
        b = network.spec.block
        step = code_sign_step(network)
        table = mcrg_exponents(configurations, step, b, levels=levels, n_blocks=n_blocks)
        asymmetry = reversal_asymmetry(step, configurations)
        frames.append(
            table.assign(
                map="code_sign",
                model=model_name,
                weights=weights,
                seed=training_seed,
                b=b,
                L=L,
                reversal_asymmetry=asymmetry,
            )
        )
    return pd.concat(frames, ignore_index=True)[EXPONENT_TABLE_COLUMNS]
