"""The verdict of the RG comparison: every coarse-graining map held to the same block-spin criteria.

One row per map at the study's network lattice size: the exact block-spin maps (majority rule for
b = 2 and 3, decimation), each learned map of each trained network (the conv code, its sign, the
majority-blocked reconstruction of a dense model) and, beside every learned map, the same
architecture with the untrained weights it started from (the control). Each criterion is a
number with an error and a threshold written in the table, so that the conclusion is read off
numbers, not pictures:

* ``fixed_point`` -- the flow's fixed point T* within :data:`T_STAR_TOLERANCE` of Onsager's T_c
  (the tolerance the majority rule meets on the default study's lattices);
* ``nu`` -- the exponent from the slope at T*, within :data:`NU_TOLERANCE` of the exact nu = 1;
* ``agreement`` -- the per-site agreement with the majority-rule block spins at T_c at least the
  decimation map's (a block spin that keeps one site of b^2 and knows nothing else);
* ``information`` -- the lower bound on the information a block variable keeps about its
  environment at T_c (RSMI) at least the decimation map's, within two combined errors;
* ``flow_direction`` -- the network flow (encode -> decode iterated; the sign of the
  reconstruction, for the continuous code the reconstruction itself) runs *away* from T_c on
  both sides, as an RG flow does from its critical fixed point (Iso et al. 2018 found trained
  networks flow towards it), read with the exact-energy thermometer;
* ``locality`` -- the receptive field of the map's block variable (a network's product of
  weight matrices to the code, or a conv code site's effective receptive field; the exact
  block itself for the block-spin rules) holds at least :data:`LOCALITY_THRESHOLD` of its weight
  in one b x b window (median over units; :mod:`deeprenorm.probes.locality`).

The same architectures trained on control data without Ising physics (noise, sine waves;
:mod:`deeprenorm.probes.controls`) and Mehta & Schwab's deep belief network add rows measured by
their locality alone: a receptive field as local from noise as from Ising configurations is no
evidence of block spins.

A criterion that cannot be measured for a map (no information bound for a dense model, no
network flow for a block-spin rule, the baseline criteria for decimation itself) is empty,
never counted as passed or failed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..exact import T_C

__all__ = [
    "T_STAR_TOLERANCE",
    "NU_TOLERANCE",
    "LOCALITY_THRESHOLD",
    "CRITERIA",
    "VERDICT_COLUMNS",
    "FlowEstimate",
    "Measurement",
    "NetworkFlowSummary",
    "MapMeasurements",
    "verdict_table",
    "conclusion",
]

#: |T* - T_c| / T_c at most this for the ``fixed_point`` criterion.
T_STAR_TOLERANCE = 0.02

#: |nu - 1| at most this for the ``nu`` criterion.
NU_TOLERANCE = 0.15

#: Median fraction of |receptive field| in the best b x b window for the ``locality`` criterion
#: (the majority rule's block: 1; a field spread uniformly over the lattice: b^2 / L^2).
LOCALITY_THRESHOLD = 0.5

#: Criterion -> its threshold, as written in the table.
CRITERIA = {
    "fixed_point": f"|T* - T_c| <= {100 * T_STAR_TOLERANCE:g} % of T_c",
    "nu": f"|nu - 1| <= {NU_TOLERANCE:g}",
    "agreement": "agreement with majority at T_c >= decimation's",
    "information": "information bound at T_c >= decimation's - 2 combined errors",
    "flow_direction": "network flow runs away from T_c (as RG does)",
    "locality": f"median fraction of |receptive field| in the best b x b window >= {LOCALITY_THRESHOLD:g}",
}

VERDICT_COLUMNS = [
    "map",
    "model",
    "weights",
    "b",
    "L",
    "T_star",
    "T_star_err",
    "nu",
    "nu_err",
    "agreement_tc",
    "agreement_tc_err",
    "information_tc_bits",
    "information_tc_bits_err",
    "flow_fixed_points",
    "flow_direction",
    "locality_window_fraction",
    *(f"{name}_ok" for name in CRITERIA),
    *(f"{name}_threshold" for name in CRITERIA),
    "criteria_passed",
    "criteria_measured",
    "conclusion",
]


class FlowEstimate(NamedTuple):
    """The fixed point T* of a map's block-spin flow and the exponent nu from the slope there,
    with their errors (NaN: the map has no flow, or none was located)."""

    T_star: float = math.nan
    T_star_err: float = math.nan
    nu: float = math.nan
    nu_err: float = math.nan


class Measurement(NamedTuple):
    """A value at T_c with its error (NaN: not measured)."""

    value: float = math.nan
    error: float = math.nan


class NetworkFlowSummary(NamedTuple):
    """The network flow of a map read with the energy thermometer: its fixed points as text
    (``"2.310 (unstable); ..."``, ``"none"``) and its direction; empty: no network flow."""

    fixed_points: str = ""
    direction: str = ""


@dataclass(frozen=True)
class MapMeasurements:
    """Everything one map's verdict row is judged on. A field left at its default is not
    measured for the map, and neither is the criterion that reads it.

    ``agreement_baseline`` and ``information_baseline`` are the decimation map's values at the
    same b, the bars of the ``agreement`` and ``information`` criteria.
    """

    flow: FlowEstimate = FlowEstimate()
    agreement: Measurement = Measurement()
    agreement_baseline: float = math.nan
    information: Measurement = Measurement()
    information_baseline: Measurement = Measurement()
    network: NetworkFlowSummary = NetworkFlowSummary()
    locality: float = math.nan


def _nearest(values: pd.Series, target: float):
    return values.iloc[int(np.argmin(np.abs(values.to_numpy(dtype=float) - target)))]


def _at_tc(frame: pd.DataFrame, value: str, error: str) -> Measurement:
    if frame.empty:
        return Measurement()
    temperature = _nearest(frame["temperature"], T_C)
    row = frame[frame["temperature"] == temperature].iloc[0]
    return Measurement(float(row[value]), float(row[error]))


def _flow_estimate(flow: pd.DataFrame) -> FlowEstimate:
    rows = flow[flow["observable"] == "binder"]
    if rows.empty:
        return FlowEstimate()
    row = rows.iloc[0]
    return FlowEstimate(*(float(row[key]) for key in FlowEstimate._fields))


def _network_flow(
    fixed_points: pd.DataFrame, directions: pd.DataFrame, model: str, weights: str, variant: str = "sign"
) -> NetworkFlowSummary:
    """The fixed points and the direction of the ``variant`` flow with the energy thermometer."""
    chosen = fixed_points[
        (fixed_points["model"] == model)
        & (fixed_points["weights"] == weights)
        & (fixed_points["variant"] == variant)
        & (fixed_points["thermometer"] == "energy")
    ]
    direction = directions[
        (directions["model"] == model)
        & (directions["weights"] == weights)
        & (directions["variant"] == variant)
        & (directions["thermometer"] == "energy")
    ]
    if direction.empty:
        return NetworkFlowSummary()
    points = "; ".join(f"{row.T_fixed:.3f} ({row.stability})" for row in chosen.itertuples()) or "none"
    return NetworkFlowSummary(points, str(direction.iloc[0]["direction"]))


def _criteria(measured: MapMeasurements) -> dict:
    """Per criterion True / False, or None where the map has no such measurement."""

    def known(*values):
        return all(isinstance(value, float) and math.isfinite(value) for value in values)

    T_star, nu, direction = measured.flow.T_star, measured.flow.nu, measured.network.direction
    agreement, information, baseline = measured.agreement.value, measured.information, measured.information_baseline
    return {
        "fixed_point": abs(T_star - T_C) <= T_STAR_TOLERANCE * T_C if known(T_star) else None,
        "nu": abs(nu - 1.0) <= NU_TOLERANCE if known(nu) else None,
        "agreement": agreement >= measured.agreement_baseline
        if known(agreement, measured.agreement_baseline)
        else None,
        "information": (
            information.value >= baseline.value - 2.0 * math.hypot(information.error, baseline.error)
            if known(*information, *baseline)
            else None
        ),
        "flow_direction": (direction == "away from T_c") if direction and direction != "undetermined" else None,
        "locality": measured.locality >= LOCALITY_THRESHOLD if known(measured.locality) else None,
    }


def verdict_table(
    block_flow: pd.DataFrame,
    learned_flow: pd.DataFrame,
    agreement: pd.DataFrame,
    information: pd.DataFrame,
    fixed_points: pd.DataFrame,
    directions: pd.DataFrame,
    L: int,
    locality: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The verdict table (:data:`VERDICT_COLUMNS`) at lattice size ``L``.

    ``locality``: the probes' locality table (``model``, ``weights``, ``probe``,
    ``window_fraction``; the exact block spins as ``weights = "exact"``), or None: the
    ``locality`` criterion is then not measured.

    ``block_flow``: the block-spin maps' flows (:data:`.study.FLOW_COLUMNS`); ``learned_flow``
    and ``agreement``: :mod:`.learned`'s tables of every model; ``information``: the
    information bounds (``map``, ``model``, ``weights``, ``b``, ``temperature``, ``bits``,
    ``bits_err``); ``fixed_points`` and ``directions``: the network flow's (``model``,
    ``weights``, ``variant``, ``thermometer`` and ``T_fixed``, ``slope``, ``stability`` /
    ``fraction_towards``, ``direction``).
    """
    # an empty model name (the exact maps) reads back from CSV as NaN
    information = information.fillna({"model": ""})
    rows = []
    decimation_agreement = {
        int(b): _at_tc(group, "agreement", "agreement_err").value
        for b, group in agreement[agreement["map"] == "decimation"].groupby("b")
    }

    for (map_name, b), flow in block_flow[block_flow["L"] == L].groupby(["map", "b"], sort=False):
        b = int(b)
        if map_name == "majority":
            agreement_tc = Measurement(1.0, 0.0)
        else:
            agreement_tc = _at_tc(
                agreement[(agreement["map"] == "decimation") & (agreement["b"] == b)], "agreement", "agreement_err"
            )
        # decimation is the baseline of the agreement and information criteria, not held to them
        held_to_baseline = map_name != "decimation"
        measured = MapMeasurements(
            flow=_flow_estimate(flow),
            agreement=agreement_tc,
            agreement_baseline=decimation_agreement.get(b, math.nan) if held_to_baseline else math.nan,
            information=_information_at_tc(information, map_name, "", "exact", b),
            information_baseline=(
                _information_at_tc(information, "decimation", "", "exact", b) if held_to_baseline else Measurement()
            ),
            locality=_locality_of(locality, map_name, "exact"),
        )
        rows.append(_row(map_name, "", "exact", b, L, measured))

    for (model, weights, map_name), flow in learned_flow.groupby(["model", "weights", "map"], sort=False):
        b = int(flow["b"].iloc[0])
        information_map = "code_sign" if map_name in ("code", "code_sign") else map_name
        measured = MapMeasurements(
            flow=_flow_estimate(flow),
            agreement=_learned_agreement_at_tc(agreement, model, weights, map_name),
            agreement_baseline=decimation_agreement.get(b, math.nan),
            information=_information_at_tc(information, information_map, model, weights, b),
            information_baseline=_information_at_tc(information, "decimation", "", "exact", b),
            # the continuous code is held to the flow that feeds the reconstruction back as it is
            network=_network_flow(
                fixed_points, directions, model, weights, "continuous" if map_name == "code" else "sign"
            ),
            locality=_locality_of(locality, model, weights),
        )
        rows.append(_row(map_name, model, weights, b, L, measured))
    # The far-from-T_c control has no learned-map row of its own: it enters through the flow.
    for (model, weights), _ in directions[directions["weights"] == "far"].groupby(["model", "weights"]):
        network = _network_flow(fixed_points, directions, model, weights)
        rows.append(_row("network flow only", model, weights, math.nan, L, MapMeasurements(network=network)))
    if locality is not None:
        rows.extend(_locality_only_rows(locality))
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def _locality_of(locality: pd.DataFrame | None, model: str, weights: str) -> float:
    """Median window fraction of the map's receptive field (the exact rules: of their block)."""
    if locality is None:
        return math.nan
    chosen = locality[
        (locality["model"] == model)
        & (locality["weights"] == weights)
        & (locality["probe"] == ("block" if weights == "exact" else "receptive_field"))
    ]
    return float(chosen["window_fraction"].median()) if len(chosen) else math.nan


def _information_at_tc(information: pd.DataFrame, map_name: str, model: str, weights: str, b: int) -> Measurement:
    chosen = information[
        (information["map"] == map_name)
        & (information["model"] == model)
        & (information["weights"] == weights)
        & (information["b"] == b)
    ]
    return _at_tc(chosen, "bits", "bits_err")


def _learned_agreement_at_tc(agreement: pd.DataFrame, model: str, weights: str, map_name: str) -> Measurement:
    chosen = agreement[
        (agreement["model"] == model) & (agreement["weights"] == weights) & (agreement["map"] == map_name)
    ]
    # The continuous code has no block spin of its own: its sign's agreement is the code's.
    if chosen.empty and map_name == "code":
        chosen = agreement[
            (agreement["model"] == model) & (agreement["weights"] == weights) & (agreement["map"] == "code_sign")
        ]
    return _at_tc(chosen, "agreement", "agreement_err")


def _locality_only_rows(locality: pd.DataFrame) -> list[dict]:
    """The rows measured by their locality alone: one per layer of Mehta & Schwab's deep belief
    network, one per architecture trained on control data without Ising physics."""
    rows = []
    dbn = locality[locality["model"] == "dbn"]
    for probe, layer in sorted(dbn.groupby("probe"), key=lambda item: int(item[0][5:])):
        measured = MapMeasurements(locality=float(layer["window_fraction"].median()))
        rows.append(_row(probe, "dbn", "trained", int(layer["b"].iloc[0]), int(layer["L"].iloc[0]), measured))
    controls = locality[
        locality["weights"].astype(str).str.endswith("-trained") & (locality["probe"] == "receptive_field")
    ]
    for (model, weights), maps in controls.groupby(["model", "weights"], sort=False):
        measured = MapMeasurements(locality=float(maps["window_fraction"].median()))
        rows.append(
            _row("receptive field only", model, weights, int(maps["b"].iloc[0]), int(maps["L"].iloc[0]), measured)
        )
    return rows


def _row(map_name: str, model: str, weights: str, b, L: int, measurements: MapMeasurements) -> dict:
    """The verdict row (:data:`VERDICT_COLUMNS`) of the map ``map_name`` of ``model`` with
    ``weights`` (``model`` empty for an exact block-spin rule) at block size ``b``."""
    criteria = _criteria(measurements)
    measured = [name for name, passed in criteria.items() if passed is not None]
    passed = [name for name in measured if criteria[name]]
    row = {
        "map": map_name,
        "model": model,
        "weights": weights,
        "b": b,
        "L": L,
        **measurements.flow._asdict(),
        "agreement_tc": measurements.agreement.value,
        "agreement_tc_err": measurements.agreement.error,
        "information_tc_bits": measurements.information.value,
        "information_tc_bits_err": measurements.information.error,
        "flow_fixed_points": measurements.network.fixed_points,
        "flow_direction": measurements.network.direction,
        "locality_window_fraction": measurements.locality,
        "criteria_passed": len(passed),
        "criteria_measured": len(measured),
    }
    for name, threshold in CRITERIA.items():
        row[f"{name}_ok"] = "" if criteria[name] is None else ("yes" if criteria[name] else "no")
        row[f"{name}_threshold"] = threshold
    failed = [name for name in measured if not criteria[name]]
    label = f"{map_name} (b = {b:g})" if not model else f"{model} {map_name}, {weights} weights"
    if not measured:
        row["conclusion"] = f"{label}: nothing measured"
    elif not failed:
        row["conclusion"] = f"{label} behaves like block-spin RG on all {len(measured)} criteria measured"
    else:
        row["conclusion"] = f"{label} passes {len(passed)} of {len(measured)} criteria; fails {', '.join(failed)}"
    return row


def _measured(outcome) -> bool:
    """Whether a criterion cell says yes or no (empty: not measured; NaN when read from CSV)."""
    return outcome in ("yes", "no")


def conclusion(verdict: pd.DataFrame) -> str:
    """The verdict in words, from the table: which trained maps with an RG flow (T* and nu
    measured) pass every criterion they were measured on, and whether their untrained controls
    pass the same ones (then those criteria say nothing about learning)."""
    sentences = []
    exact = verdict[verdict["weights"] == "exact"]
    for row in exact.itertuples():
        sentences.append(f"{row.map} (b = {row.b:g}): {row.criteria_passed}/{row.criteria_measured} criteria")
    trained = verdict[verdict["weights"] == "trained"]
    untrained = verdict[verdict["weights"] == "untrained"]
    for row in trained.itertuples():
        control = untrained[(untrained["model"] == row.model) & (untrained["map"] == row.map)]
        text = f"{row.model} {row.map}: {row.criteria_passed}/{row.criteria_measured}"
        if not control.empty:
            text += f" (untrained: {control.iloc[0].criteria_passed}/{control.iloc[0].criteria_measured})"
        sentences.append(text)
    controls = verdict[verdict["weights"].astype(str).str.endswith("-trained")]
    if not controls.empty:
        sentences.append(
            "locality of the same architectures trained on control data: "
            + ", ".join(
                f"{row.model} {row.weights} f = {row.locality_window_fraction:.2f} ({row.locality_ok if _measured(row.locality_ok) else 'not measured'})"
                for row in controls.itertuples()
            )
        )
    # a locality that training on noise reaches as well belongs to the architecture, not to Ising physics
    architectural = sorted(
        {
            row.model
            for row in trained.itertuples()
            if row.locality_ok == "yes" and (controls[(controls["model"] == row.model)]["locality_ok"] == "yes").any()
        }
    )
    # a map behaves like block-spin RG only if it has a flow to measure (T* and nu) and passes
    # everything measured; the DBN layers, measured on locality alone, cannot
    full = [
        f"{row.model} {row.map}"
        for row in trained.itertuples()
        if _measured(row.fixed_point_ok) and _measured(row.nu_ok) and row.criteria_passed == row.criteria_measured
    ]
    answer = (
        "No trained network behaves like block-spin RG on every criterion measured."
        if not full
        else f"Trained maps that pass every criterion measured: {', '.join(full)}."
    )
    if architectural:
        answer += (
            f" The locality of {', '.join(architectural)} is reached by training on control data without Ising physics"
            " as well: it comes from the architecture, not from what the network learned."
        )
    return answer + " Criteria passed per map: " + "; ".join(sentences) + "."
