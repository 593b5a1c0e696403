"""The probes stage of a study: every picture of what a network learned, with a number on it.

For one trained model and, measured the same way, the same architecture with the untrained
weights its training started from (:func:`deeprenorm.ml.initial_weights`), on the held-out test
split of its dataset:

* ``receptive_field`` -- Mehta & Schwab's product of the weight matrices down to the code
  (:func:`.fields.product_fields`, one map per code unit) of a dense model; for a conv model the
  effective receptive field of one code site (:func:`.fields.effective_receptive_field`);
* ``first_layer`` -- the first layer's weights (dense models; the first 16 units);
* ``activation_max`` -- Broomberg & Rabinovich's activation maximisation of every code unit
  (at most 16; :func:`.fields.activation_maps`), the input that drives the unit to saturation;
* ``saliency_T<T>`` -- |dz/dx| per code unit averaged over the test configurations at the
  simulated temperatures nearest below, at and above T_c (:func:`.fields.saliency`).

Each map's locality (:func:`.locality.locality_table` of |map|: spread about its centroid on the
torus, the fraction of its weight in the best b x b window, the prototype score) goes into one
table, beside the exact majority-rule block (uniform on b x b: fraction 1) and decimation (one
site), the references a block spin is measured against. Maps are kept for the figures.

Mehta & Schwab's deep belief network (:func:`dbn_study`) is trained on data of its own
(:func:`dbn_configurations`: one Wolff chain at their L and T), split into a contiguous training
part and a held-out tail (:func:`held_out_split`), and measured by one function
(:func:`measure_dbn`) twice: trained, and with the initial weights its training started from
(the untrained control).  Per layer, the median locality of each with a bootstrap error over
hidden units and the paired trained - untrained difference in standard errors
(:func:`dbn_layer_table`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..arguments import check_integer, check_real
from ..data import SpinReader
from ..exact import T_C
from ..ising.sampler import SampleSet, sample
from ..ml import TEST, Autoencoder
from ..seeding import child, seed_sequence, stream
from ..stats import binning_error, resampling_block_length
from .fields import activation_maps, effective_receptive_field, layer_units, product_fields, saliency
from .locality import SUMMARY_COLUMNS, locality_table

__all__ = [
    "PROBE_TEMPERATURES",
    "MAX_UNITS",
    "LOCALITY_COLUMNS",
    "reference_maps",
    "probe_maps",
    "locality_rows",
    "study_locality",
    "reconstruction_rows",
    "DBN_LOCALITY_COLUMNS",
    "DBN_LAYER_COLUMNS",
    "DBNStudy",
    "dbn_configurations",
    "held_out_split",
    "measure_dbn",
    "dbn_layer_table",
    "dbn_study",
]

#: Temperatures (J/k_B) of the saliency maps: the simulated ones nearest these.
PROBE_TEMPERATURES = (2.0, T_C, 2.6)

#: At most this many units of a layer are mapped (the original study's 4 x 4 grid).
MAX_UNITS = 16

#: Columns of the locality table: what was probed, then :data:`.locality.SUMMARY_COLUMNS`.
LOCALITY_COLUMNS = ["L", "b", "model", "weights", "probe", "unit", *SUMMARY_COLUMNS]

_SALIENCY_SAMPLES = 50


def reference_maps(L: int, b: int) -> dict[str, np.ndarray]:
    """The block-spin references as ``(1, L, L)`` maps: the majority rule (uniform weight on one
    b x b block) and decimation (one site)."""
    block = np.zeros((1, L, L))
    block[0, :b, :b] = 1.0
    site = np.zeros((1, L, L))
    site[0, 0, 0] = 1.0
    return {"majority": block, "decimation": site}


def _test_configurations(reader: SpinReader, labels: np.ndarray, t: int, n: int) -> np.ndarray:
    return reader.read(t)[np.flatnonzero(labels[t] == TEST)[:n]]


def probe_maps(
    model: Autoencoder, reader: SpinReader, labels: np.ndarray, seed: int, *, steps: int = 200
) -> dict[str, np.ndarray]:
    """The maps of the module docstring for one network, each ``(units, L, L)`` float64."""
    units = min(layer_units(model)[-1], MAX_UNITS)
    maps = {}
    if model.spec.is_convolutional:
        spins = _test_configurations(
            reader, labels, int(np.argmin(np.abs(np.asarray(reader.temperatures) - T_C))), _SALIENCY_SAMPLES
        )
        middle = model.L // model.spec.block // 2  # a site in the middle, drawn away from the edges
        maps["receptive_field"] = effective_receptive_field(model, spins, (middle, middle))[None]
    else:
        fields = product_fields(model)
        maps["first_layer"] = fields[0][:MAX_UNITS]
        maps["receptive_field"] = fields[-1][:units]
    maps["activation_max"] = activation_maps(
        model,
        -1,
        list(range(units)),
        steps=steps,
        seed=stream(seed, "analysis", model.L, model.spec.code_width(model.L)),
    ).inputs
    grid = np.asarray(reader.temperatures, dtype=float)
    for target in PROBE_TEMPERATURES:
        t = int(np.argmin(np.abs(grid - target)))
        spins = _test_configurations(reader, labels, t, _SALIENCY_SAMPLES)
        maps[f"saliency_T{grid[t]:.4f}"] = np.stack([saliency(model, spins, unit).absolute for unit in range(units)])
    return maps


def locality_rows(maps: dict[str, np.ndarray], *, L: int, b: int, model: str, weights: str) -> pd.DataFrame:
    """The locality of every map of ``maps`` (:func:`.locality.locality_table` of |map|), one
    row per (probe, unit), :data:`LOCALITY_COLUMNS`."""
    tables = []
    for probe, stack in maps.items():
        magnitude = np.abs(stack)
        # a map that is zero everywhere (a dead unit) has no locality: it is left out
        alive = magnitude.reshape(len(magnitude), -1).sum(axis=1) > 0
        if not alive.any():
            continue
        table = locality_table(magnitude[alive], b)
        table["unit"] = np.flatnonzero(alive)
        tables.append(table.assign(L=L, b=b, model=model, weights=weights, probe=probe))
    if not tables:
        return pd.DataFrame(columns=LOCALITY_COLUMNS)
    return pd.concat(tables, ignore_index=True)[LOCALITY_COLUMNS]


def study_locality(tables: Sequence[pd.DataFrame], *, L: int, b: int, dbn: pd.DataFrame | None = None) -> pd.DataFrame:
    """The locality table of a study, the one the verdict reads: the exact block-spin references
    (:func:`reference_maps` at L and b, weights ``"exact"``), then ``tables`` (the
    :func:`locality_rows` of every probed network, trained, untrained and control-trained), then
    the deep belief network's layers, trained and untrained (``dbn``, the locality of
    :func:`dbn_study` without its own columns)."""
    references = [
        locality_rows({"block": m}, L=L, b=b, model=name, weights="exact") for name, m in reference_maps(L, b).items()
    ]
    parts = [pd.concat(references), *tables]
    if dbn is not None and len(dbn):
        parts.append(dbn[LOCALITY_COLUMNS])
    return pd.concat(parts, ignore_index=True)


def reconstruction_rows(
    reader: SpinReader,
    labels: np.ndarray,
    models: dict[str, Autoencoder],
    seed: int,
    *,
    b: int = 2,
    temperatures=PROBE_TEMPERATURES,
) -> list[tuple[float, list[tuple[str, np.ndarray]]]]:
    """One test configuration at the simulated temperature nearest each of ``temperatures``,
    beside its majority-rule block spins (ties broken by the study's stream,
    :func:`deeprenorm.rg.blocking.tie_breaking_rng`), and for each model of ``models`` (name ->
    network) its code (conv models: an (L/b) x (L/b) image) and its reconstruction.

    Returns ``[(T, [(label, image), ...]), ...]``, the rows of
    :func:`deeprenorm.plots.probes.plot_reconstructions`."""
    import torch

    from ..rg.blocking import majority, tie_breaking_rng

    grid = np.asarray(reader.temperatures, dtype=float)
    rows = []
    with torch.no_grad():
        for target in temperatures:
            t = int(np.argmin(np.abs(grid - target)))
            spins = _test_configurations(reader, labels, t, 1)
            x = torch.from_numpy(spins.astype(np.float32))
            panels = [
                ("input", spins[0]),
                ("majority blocks", majority(spins, b, tie_breaking_rng(seed, reader.L, b, grid[t]))[0]),
            ]
            for name, model in models.items():
                reconstruction, code = model.eval()(x)
                if model.spec.is_convolutional:
                    panels.append((f"{name} code", code[0].numpy()))
                panels.append((f"{name} output", reconstruction[0].numpy()))
            rows.append((float(grid[t]), panels))
    return rows


#: Columns of the deep belief network's locality (:func:`measure_dbn`): :data:`LOCALITY_COLUMNS`
#: per (weights, layer, unit), and the mean squared reconstruction error of the held-out
#: configurations from that layer with its standard error.
DBN_LOCALITY_COLUMNS = [*LOCALITY_COLUMNS, "reconstruction_error", "reconstruction_error_err"]

#: Columns of :func:`dbn_layer_table`, one row per (layer, weights): medians over the layer's
#: units of the window fraction and spread with their bootstrap errors, the held-out
#: reconstruction error, the epochs trained and whether the last one met the stopping rule
#: (:func:`.dbn.flattened`); on the trained rows the paired differences trained - untrained of the
#: two medians, their bootstrap errors and the differences in units of them (NaN on the untrained
#: rows).  A positive ``window_fraction_sigma`` and a negative ``spread_sigma`` say: more local.
DBN_LAYER_COLUMNS = [
    "L",
    "b",
    "probe",
    "weights",
    "units",
    "window_fraction",
    "window_fraction_err",
    "spread",
    "spread_err",
    "reconstruction_error",
    "reconstruction_error_err",
    "epochs",
    "flattened",
    "window_fraction_difference",
    "window_fraction_difference_err",
    "window_fraction_sigma",
    "spread_difference",
    "spread_difference_err",
    "spread_sigma",
]

_DBN_WEIGHTS = ("trained", "untrained")


class DBNStudy(NamedTuple):
    """What :func:`dbn_study` returns: the trained ``network`` and the ``untrained`` one (its
    initial weights), one training history per layer, the locality of every unit
    (:data:`DBN_LOCALITY_COLUMNS`), the per-layer comparison (:data:`DBN_LAYER_COLUMNS`) and the
    receptive fields per weights (``"trained"``, ``"untrained"``), one ``(units, L, L)`` array
    per layer."""

    network: object
    untrained: object
    histories: list[pd.DataFrame]
    locality: pd.DataFrame
    layers: pd.DataFrame
    fields: dict[str, list[np.ndarray]]


def dbn_configurations(L: int, T: float, n: int, seed: int, **sampling) -> SampleSet:
    """``n`` configurations of the L x L Ising model at ``T`` for the deep belief network: one
    Wolff chain of the study's sampler (:func:`deeprenorm.ising.sample`, with its thermalisation
    and its spacing of ``sampling["spacing_factor"]`` tau_int between stored samples; ``sampling``:
    its keyword arguments), chain 0 of purpose ``"dbn"``: the stream ``stream(seed, "dbn", L,
    temperature_key(T), 0)``, independent of every simulation of the study."""
    return sample(L, T, n, "wolff", seed, chain=0, purpose="dbn", **sampling)


def held_out_split(n: int, fraction: float) -> int:
    """How many of ``n`` configurations of one chain train (the first ones) when a ``fraction``
    in (0, 1) of them is held out (the last ``max(1, round(fraction n))``); ValueError unless both
    parts keep at least one.

    Contiguous rather than a random subset: stored samples are about two tau_int apart, so each
    is slightly correlated with its neighbours in the chain, and a contiguous tail shares only one
    such neighbour with the training part, where a random subset would sit between training
    configurations all along the chain."""
    n = check_integer("n", n, 2)
    fraction = check_real("fraction", fraction, positive=True)
    if fraction >= 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction!r}")
    held = max(1, round(fraction * n))
    if held >= n:
        raise ValueError(f"holding out {fraction:g} of {n} configurations leaves none to train on")
    return n - held


def measure_dbn(network, held_out, L: int, weights: str) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """The receptive fields of every layer of ``network`` (:func:`.dbn.dbn_receptive_fields`),
    their locality with the block of the scale the layer would have as a block-spin step (b =
    2^l, at most L), and the mean squared error of the mean-field reconstruction of ``held_out``
    (visible units ``(m, L^2)``) from each layer, with its standard error over configurations
    (binned in contiguous blocks of the chain, :func:`deeprenorm.stats.resampling_block_length`).

    The one measurement of a DBN: :func:`dbn_study` calls it for the trained network and for its
    untrained initial weights alike.  Returns ``(locality, fields)``: one row per (layer, unit)
    (:data:`DBN_LOCALITY_COLUMNS`, ``model = "dbn"``, ``weights``, ``probe = "layer<l>"``) and
    one ``(units, L, L)`` array per layer."""
    from .dbn import dbn_receptive_fields, reconstruct_from_layer

    fields = dbn_receptive_fields(network, L)
    tables = []
    for layer, stack in enumerate(fields, start=1):
        table = locality_rows({f"layer{layer}": stack}, L=L, b=min(2**layer, L), model="dbn", weights=weights)
        squared = ((reconstruct_from_layer(network, held_out, layer) - held_out) ** 2).mean(dim=1).double().numpy()
        table["reconstruction_error"] = float(squared.mean())
        # held-out configurations are a stretch of one chain: their errors are binned in
        # contiguous blocks no shorter than the series' tau_int
        table["reconstruction_error_err"] = (
            binning_error(squared, resampling_block_length(squared)) if squared.size > 1 else math.nan
        )
        tables.append(table)
    return pd.concat(tables, ignore_index=True)[DBN_LOCALITY_COLUMNS], fields


def _paired_bootstrap(trained: np.ndarray, untrained: np.ndarray, n_bootstrap: int, rng) -> tuple[float, ...]:
    """Bootstrap standard errors of the medians of ``trained`` and ``untrained`` (values of the
    same units) and of the difference of the medians, resampling units jointly; NaN for one unit,
    whose resamples are all the same."""
    if trained.size < 2:
        return math.nan, math.nan, math.nan
    draws = rng.integers(0, trained.size, size=(n_bootstrap, trained.size))
    first, second = np.median(trained[draws], axis=1), np.median(untrained[draws], axis=1)
    return first.std(ddof=1), second.std(ddof=1), (first - second).std(ddof=1)


def dbn_layer_table(locality: pd.DataFrame, histories: Sequence[pd.DataFrame], n_bootstrap: int, seed) -> pd.DataFrame:
    """Per layer, the trained DBN beside its untrained initial weights (:data:`DBN_LAYER_COLUMNS`).

    ``locality``: :func:`measure_dbn` of both (``weights`` ``trained`` and ``untrained``);
    ``histories``: the trained layers' histories; ``n_bootstrap`` (>= 2) resamples of ``seed``
    (an int or a ``SeedSequence``, one child stream per layer).

    The error of a median over a layer's units is the standard deviation of the median over
    bootstrap resamples of the units.  Unit j of the trained layer started from unit j of the
    untrained one, so the units are resampled jointly and the difference of the two medians is
    computed per resample: a paired error, which the overlap of the two marginal errors would
    overstate where the pairs are correlated.  It is the spread of this one network's units, not
    of networks trained from other seeds.  Units dead in either (an all-zero field, no locality)
    are left out of both.  A layer of one unit has no errors and, like a difference whose error
    is zero, no sigma (NaN).
    """
    n_bootstrap = check_integer("n_bootstrap", n_bootstrap, 2)
    root = seed_sequence(seed)
    rows = []
    for layer, history in enumerate(histories, start=1):
        probe = f"layer{layer}"
        parts = {
            weights: locality[(locality["probe"] == probe) & (locality["weights"] == weights)].set_index("unit")
            for weights in _DBN_WEIGHTS
        }
        units = parts["trained"].index.intersection(parts["untrained"].index)
        if units.empty:
            continue
        rng = np.random.default_rng(child(root, layer))
        errors = {}
        for column in ("window_fraction", "spread"):
            values = [parts[weights].loc[units, column].to_numpy(dtype=float) for weights in _DBN_WEIGHTS]
            errors[column] = _paired_bootstrap(*values, n_bootstrap, rng), [float(np.median(v)) for v in values]
        for index, weights in enumerate(_DBN_WEIGHTS):
            first = parts[weights].iloc[0]
            row = {
                "L": int(first["L"]),
                "b": int(first["b"]),
                "probe": probe,
                "weights": weights,
                "units": int(units.size),
                "reconstruction_error": float(first["reconstruction_error"]),
                "reconstruction_error_err": float(first["reconstruction_error_err"]),
                "epochs": len(history) if weights == "trained" else 0,
                "flattened": bool(weights == "trained" and len(history) and history["flattened"].iloc[-1]),
            }
            for column, ((trained_err, untrained_err, difference_err), medians) in errors.items():
                row[column] = medians[index]
                row[f"{column}_err"] = float((trained_err, untrained_err)[index])
                difference = medians[0] - medians[1] if weights == "trained" else math.nan
                row[f"{column}_difference"] = difference
                row[f"{column}_difference_err"] = float(difference_err) if weights == "trained" else math.nan
                # a difference without spread over resamples (b = L: every window fraction 1) has no sigma
                row[f"{column}_sigma"] = difference / difference_err if difference_err > 0 else math.nan
            rows.append(row)
    return pd.DataFrame(rows, columns=DBN_LAYER_COLUMNS)


def dbn_study(
    spins: np.ndarray,
    layers: int,
    seed,
    *,
    held_out: float,
    n_bootstrap: int,
    patience: int | None = None,
    tolerance: float = 0.01,
    device="cpu",
    **training,
) -> DBNStudy:
    """Mehta & Schwab's deep belief network on ``spins`` (int8 ``(n, L, L)``, one chain in chain
    order, :func:`dbn_configurations`): ``layers`` RBMs, each 4 times narrower than the one below
    (L^2 -> L^2/4 -> ...), trained greedily (:func:`.dbn.train_dbn` with ``training``) on the
    first configurations, with the last ``held_out`` fraction (:func:`held_out_split`) held out:
    each layer stops once its held-out reconstruction error has flattened (``patience``,
    ``tolerance``; :func:`.dbn.flattened`), or after ``training["epochs"]``.  It trains on
    ``device`` and is measured on the CPU.

    The trained network and the same widths with the initial weights its training started from
    (:meth:`.dbn.DeepBeliefNetwork.from_widths` of the training stream) go through the same
    :func:`measure_dbn` on the held-out configurations, then :func:`dbn_layer_table` with
    ``n_bootstrap`` resamples.

    ``seed``: the network's stream (an int or a ``SeedSequence``; the workflow's is
    ``stream(seed, "dbn", L, temperature_key(T))``).  Its child 0 is the stream of the
    configurations' chain (:func:`dbn_configurations`), child 1 trains, child 2 the bootstrap.
    """
    from .dbn import DeepBeliefNetwork, spins_to_visible, train_dbn

    L = spins.shape[-1]
    widths = [L * L // 4**layer for layer in range(layers + 1)]
    data = spins_to_visible(spins)
    n_training = held_out_split(len(data), held_out)
    held = data[n_training:]
    root = seed_sequence(seed)
    network, histories = train_dbn(
        data[:n_training],
        widths,
        seed=child(root, 1),
        held_out=held,
        patience=patience,
        tolerance=tolerance,
        device=device,
        **training,
    )
    network.cpu()
    untrained = DeepBeliefNetwork.from_widths(widths, seed=child(root, 1))
    tables, fields = [], {}
    for weights, measured in zip(_DBN_WEIGHTS, (network, untrained)):
        table, fields[weights] = measure_dbn(measured, held, L, weights)
        tables.append(table)
    locality = pd.concat(tables, ignore_index=True)
    return DBNStudy(
        network,
        untrained,
        histories,
        locality,
        dbn_layer_table(locality, histories, n_bootstrap, child(root, 2)),
        fields,
    )
