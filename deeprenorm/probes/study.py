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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data import SpinReader
from ..exact import T_C
from ..ml import TEST, Autoencoder
from ..seeding import stream
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
    the deep belief network's layers (``dbn``, the locality of :func:`dbn_study` without its
    ``temperature`` and ``reconstruction_error``)."""
    references = [
        locality_rows({"block": m}, L=L, b=b, model=name, weights="exact") for name, m in reference_maps(L, b).items()
    ]
    parts = [pd.concat(references), *tables]
    if dbn is not None and len(dbn):
        parts.append(dbn.drop(columns=["temperature", "reconstruction_error"]))
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


def dbn_study(
    spins: np.ndarray, layers: int, seed, **training
) -> tuple[object, list[pd.DataFrame], pd.DataFrame, list[np.ndarray]]:
    """Mehta & Schwab's deep belief network on ``spins`` (int8 ``(n, L, L)``): ``layers`` RBMs,
    each 4 times narrower than the one below (L^2 -> L^2/4 -> ...), trained greedily
    (:func:`.dbn.train_dbn` with ``training``); their receptive fields (products of the weight
    matrices) and the locality of each layer's fields measured with the block of the scale that
    layer would have as a block-spin step (b = 2^l), and the mean squared reconstruction error
    of the spins from each layer.

    Returns ``(network, histories, locality, fields)``: ``locality`` has one row per (layer,
    unit) (:data:`LOCALITY_COLUMNS`, ``model = "dbn"``, ``probe = "layer<l>"``, and the layer's
    ``reconstruction_error``)."""
    from .dbn import dbn_receptive_fields, reconstruct_from_layer, spins_to_visible, train_dbn

    L = spins.shape[-1]
    widths = [L * L // 4**layer for layer in range(layers + 1)]
    data = spins_to_visible(spins)
    network, histories = train_dbn(data, widths, seed=seed, **training)
    fields = dbn_receptive_fields(network, L)
    tables = []
    for layer, stack in enumerate(fields, start=1):
        block = min(2**layer, L)
        tables.append(locality_rows({f"layer{layer}": stack}, L=L, b=block, model="dbn", weights="trained"))
        error = float(((reconstruct_from_layer(network, data, layer) - data) ** 2).mean())
        tables[-1]["reconstruction_error"] = error
    return network, histories, pd.concat(tables, ignore_index=True), fields
