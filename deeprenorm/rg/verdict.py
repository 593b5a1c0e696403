"""The verdict of the RG comparison: every map through every criterion, and a criterion votes only
once it has been shown to discriminate.

A criterion of "does this map do block-spin RG" means something only if exact RG passes it and a
map that does no RG fails it, measured the same way in the same run. So every criterion is
*calibrated* first (:func:`calibration_table`): it votes only if the exact majority rule (for
the network flow, which reads a reconstruction: the ideal block-spin autoencoder, majority-rule
encode and copy decode) passes it and the untrained weights of every learned architecture fail
it. A criterion that fails its calibration is still measured and shown, with ``votes`` false.

The criteria (:data:`CRITERIA`), each a number with its error, a reference and a written
threshold that counts the error (a value passes within a physical tolerance *plus* two of its
own standard errors):

* ``y_h``, ``y_t`` -- the exponents of the map itself by Monte Carlo RG (:mod:`.mcrg`): what a
  map does to the critical Hamiltonian, not what the input's magnetisation does;
* ``fixed_point``, ``nu`` -- T* and nu of the map's flow matched on U_4 against the direct L/b
  ensemble (:mod:`.flow`); every map at b = 2 on the same test configurations. These test
  little beyond the input's magnetisation (any map that keeps the distribution of m passes),
  which the controls show;
* ``short_range`` -- the same blocked samples matched on their nearest-neighbour correlation
  too: T'_nn - T'_U4 at T_c with its paired jackknife error (:func:`.flow.matching_mismatch`).
  The blocked lattice of an RG map looks like one Ising lattice, at one T', at short and long
  distances alike;
* ``information`` -- the information the block variable keeps about its environment beyond a
  buffer (RSMI, :mod:`.information`) minus decimation's, paired (the same split and bootstrap
  draws), at equal support (a map that reads beyond its block is compared at a buffer widened by
  its reach);
* ``locality`` -- the median fraction of the map's receptive field in one b x b window
  (:mod:`deeprenorm.probes.locality`);
* ``flow_direction`` -- the network flow (encode -> decode iterated, read with the exact-energy
  thermometer) runs away from T_c on both sides;
* ``agreement`` -- the per-site agreement with the majority rule at T_c, beside its ceiling
  (the majority rule with other tie draws) and the global-sign baseline (every block =
  sign(m)). Descriptive, never a vote: decimation is an exact RG map and disagrees with the
  majority rule.

Learned maps with several training seeds are combined (:func:`combine_seeds`). A learned map
whose measurement located nothing (no fixed point, complex MCRG eigenvalues) fails; an exact map
that has no such measurement is empty. A tautology (the majority rule's agreement with itself,
the locality of a rule that reads its own block) is shown as a reference value, not a pass.

:func:`conclusion` phrases the answer per criterion: which maps pass, and whether the controls
(untrained, noise-, sine-, smooth- and far-trained) pass too, in which case the property comes
from the architecture or from smooth data, not from Ising physics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..exact import NU, T_C
from ..stats import combine_training_seeds, student_t_factor

__all__ = [
    "Y_H_EXACT",
    "Y_T_EXACT",
    "Y_H_TOLERANCE",
    "Y_T_TOLERANCE",
    "T_STAR_TOLERANCE",
    "NU_TOLERANCE",
    "LOCALITY_THRESHOLD",
    "SIGMAS",
    "MCRG_MIN_COARSE",
    "CRITERIA",
    "WEIGHTS",
    "CONTROL_WEIGHTS",
    "VERDICT_COLUMNS",
    "CALIBRATION_COLUMNS",
    "VerdictInputs",
    "combine_seeds",
    "verdict_table",
    "calibration_table",
    "answer",
    "criterion_sentences",
    "conclusion",
]

#: The exact exponents of the 2D Ising model: y_h = 2 - beta / nu = 15/8, y_t = 1 / nu = 1.
Y_H_EXACT = 15.0 / 8.0
Y_T_EXACT = 1.0 / NU
#: Physical tolerances, relative to the exact value: the majority rule's MCRG y_h at b = 2 is
#: within 0.5 % of 15/8 and its y_t within 5 % of 1 at a coarse lattice of 16 (Swendsen, PRL 42,
#: 859 (1979); the study's calibration target).
Y_H_TOLERANCE = 0.005
Y_T_TOLERANCE = 0.05
#: |T* - T_c| within this fraction of T_c, plus the errors: the U_4 crossing of L and L/b shifts
#: from T_c by corrections to scaling of order 1 % at the study's smallest coarse lattices.
T_STAR_TOLERANCE = 0.01
#: |nu - 1| within this, plus the errors (the slope at T* carries the same corrections).
NU_TOLERANCE = 0.1
#: Median fraction of |receptive field| in the best b x b window (the majority rule's block: 1;
#: a field spread uniformly over the lattice: b^2 / L^2).
LOCALITY_THRESHOLD = 0.5
#: A difference passes within this many of its own standard errors (beside the tolerance).
SIGMAS = 2.0
#: The MCRG level judged: the deepest whose coarse lattice is at least this (the smallest
#: level where the truncation to a few operators is within the tolerances above).
MCRG_MIN_COARSE = 16


class Criterion(NamedTuple):
    """What a criterion measures, its written threshold, and whether it may vote at all."""

    measures: str
    threshold: str
    may_vote: bool = True


#: Criterion name -> :class:`Criterion`, in the order of the table.
CRITERIA = {
    "y_h": Criterion(
        "MCRG magnetic exponent of the map (Swendsen 1979)",
        f"|y_h - 15/8| <= {100 * Y_H_TOLERANCE:g} % + {SIGMAS:g} sigma",
    ),
    "y_t": Criterion("MCRG thermal exponent of the map", f"|y_t - 1| <= {100 * Y_T_TOLERANCE:g} % + {SIGMAS:g} sigma"),
    "fixed_point": Criterion(
        "fixed point T* of the U_4-matched flow",
        f"|T* - T_c| <= {100 * T_STAR_TOLERANCE:g} % of T_c + {SIGMAS:g} sigma",
    ),
    "nu": Criterion("nu from the slope of the flow at T*", f"|nu - 1| <= {NU_TOLERANCE:g} + {SIGMAS:g} sigma"),
    "short_range": Criterion(
        "T'_nn - T'_U4 at T_c: the blocked lattice's nearest-neighbour correlation and U_4 matched by one T' (paired)",
        f"|T'_nn - T'_U4| <= {100 * T_STAR_TOLERANCE:g} % of T_c + {SIGMAS:g} sigma",
    ),
    "information": Criterion(
        "information kept about the environment at T_c minus decimation's, paired, equal support (bits)",
        f">= -{SIGMAS:g} sigma (paired)",
    ),
    "locality": Criterion(
        "median fraction of |receptive field| in the best b x b window", f">= {LOCALITY_THRESHOLD:g}"
    ),
    "flow_direction": Criterion(
        "fraction of starting temperatures the network flow carries away from T_c (energy thermometer)",
        "runs away from T_c on both sides",
    ),
    "agreement": Criterion(
        "per-site agreement with the majority rule at T_c",
        f"above the global-sign baseline by {SIGMAS:g} sigma (descriptive: never votes)",
        may_vote=False,
    ),
}

#: The weights of a map: an exact rule, a network's trained and untrained weights, the same
#: architecture trained on control data (noise, sine waves, a thresholded Gaussian field with the
#: Ising correlation length, only far from T_c), and the RSMI coarse-grainer.
WEIGHTS = ("exact", "trained", "untrained", "noise-trained", "sine-trained", "smooth-trained", "far-trained", "rsmi")
#: The controls: weights that show what a criterion rewards without Ising physics in training.
CONTROL_WEIGHTS = ("untrained", "noise-trained", "sine-trained", "smooth-trained", "far-trained")

#: The table contract: one row per map, model, weights, b and criterion; ``passed`` True, False
#: or empty (not measurable, or a tautology shown as a reference); ``votes`` whether the
#: criterion passed its calibration; ``seeds`` the training seeds combined; ``note`` why a value
#: is missing, has no error, or what it is flagged for.
VERDICT_COLUMNS = [
    "map",
    "model",
    "weights",
    "b",
    "criterion",
    "value",
    "value_err",
    "reference",
    "threshold",
    "passed",
    "votes",
    "seeds",
    "note",
]

#: One row per criterion: its positive control(s) and their outcome, the untrained architectures
#: and how many failed, and whether it votes.
CALIBRATION_COLUMNS = [
    "criterion",
    "threshold",
    "positive_control",
    "positive_passed",
    "negative_controls",
    "negatives_failed",
    "negatives",
    "votes",
    "reason",
    "other_exact_maps",
]


@dataclass(frozen=True)
class VerdictInputs:
    """The tables the verdict reads, as the RG stages write them.

    ``block_flow``: ``rg_flow.csv`` (the exact maps at every b on all samples); ``learned_flow``,
    ``agreement``: the learned stage's (:func:`.learned.learned_rg_study`, every model's, the
    exact maps of b = 2 on the same test split among them); ``information`` and
    ``information_replicas``: :func:`.learned.information_study`'s; ``fixed_points``,
    ``directions``: the network flow's, the ideal block-spin autoencoder's among them
    (``weights = "exact"``); ``locality``: ``locality.csv``; ``exponents``: ``rg_exponents.csv``;
    ``L``: the lattice size of the network measurements.
    """

    block_flow: pd.DataFrame
    learned_flow: pd.DataFrame
    agreement: pd.DataFrame
    information: pd.DataFrame
    information_replicas: pd.DataFrame
    fixed_points: pd.DataFrame
    directions: pd.DataFrame
    locality: pd.DataFrame
    exponents: pd.DataFrame
    L: int


class Value(NamedTuple):
    """A measured value, its error (NaN: none could be computed, ``note`` says why), the seeds it
    combines and a note."""

    value: float = math.nan
    error: float = math.nan
    seeds: str = ""
    note: str = ""
    reference: str = ""
    #: False where a measurement was made and located nothing (a failure for a learned map)
    located: bool = True


def _finite(*values) -> bool:
    return all(isinstance(value, (float, int, np.floating, np.integer)) and math.isfinite(value) for value in values)


def combine_seeds(values, errors, seeds) -> Value:
    """One value from the measurements of several training seeds (same test data, same
    ensemble): :func:`deeprenorm.stats.combine_training_seeds`, their mean with the error
    sqrt((t_{n-1} s)^2 / n + mean(sigma_i^2)). The spread s of the seeds averages down as
    1/sqrt(n), widened by the Student t factor because a few seeds estimate it poorly; the
    statistical errors sigma_i do not, because every seed is measured on the same
    configurations. Not finite if any seed's value is not (a measurement that located nothing
    for one network fails for the map)."""
    values, errors = np.asarray(values, dtype=float), np.asarray(errors, dtype=float)
    label = ",".join(str(int(seed)) for seed in seeds)
    n = len(values)
    if n == 0:
        return Value(note="not measured")
    missing = int(np.sum(~np.isfinite(values)))
    if missing:
        return Value(seeds=label, note=f"{missing} of {n} networks located none", located=False)
    if n == 1:
        note = "" if np.isfinite(errors[0]) else "no error: too few samples for a jackknife or bootstrap"
        return Value(float(values[0]), float(errors[0]), label, note)
    combined = combine_training_seeds(values, errors if np.isfinite(errors).all() else np.full(n, math.nan))
    note = f"mean of {n} seeds (spread {combined.spread:.2g}, Student t factor {student_t_factor(n):.2f})"
    if not math.isfinite(combined.statistical):
        note += "; seed spread only"
    return Value(combined.mean, combined.error, label, note)


#: Criterion -> (exact value, tolerance): a value passes within the tolerance plus
#: :data:`SIGMAS` of its errors, and only if its error resolves the tolerance (an error larger
#: than it would let a value that says nothing pass).
_TOLERANCES = {
    "y_h": (Y_H_EXACT, Y_H_TOLERANCE * Y_H_EXACT),
    "y_t": (Y_T_EXACT, Y_T_TOLERANCE * Y_T_EXACT),
    "fixed_point": (T_C, T_STAR_TOLERANCE * T_C),
    "nu": (NU, NU_TOLERANCE),
    "short_range": (0.0, T_STAR_TOLERANCE * T_C),
}
#: The largest error of an information difference that can pass (bits): a tenth of a bit, the
#: majority rule's margin over decimation at T_c.
INFORMATION_RESOLUTION = 0.05


def _judge(criterion: str, value: Value) -> tuple[bool | None, str]:
    """Whether ``value`` passes ``criterion``, and why not where that is not in the numbers: None
    where nothing is measured; a map whose measurement located nothing fails; a value whose
    error exceeds the tolerance is not resolved and fails."""
    v, error = value.value, value.error
    if not _finite(v):
        # a map whose measurement located nothing fails; an exact map that has none is empty
        return (False, "") if not value.located else (None, "")
    error = error if _finite(error) else 0.0
    if criterion in _TOLERANCES:
        exact, tolerance = _TOLERANCES[criterion]
        if error > tolerance:
            return False, f"not resolved: the error exceeds the tolerance {tolerance:.3g}"
        return abs(v - exact) <= tolerance + SIGMAS * error, ""
    if criterion == "information":
        if error > INFORMATION_RESOLUTION:
            return False, f"not resolved: the error exceeds {INFORMATION_RESOLUTION:g} bits"
        return v >= -SIGMAS * error, ""
    if criterion == "locality":
        return v >= LOCALITY_THRESHOLD, ""
    raise ValueError(f"no rule for {criterion!r}")


# --------------------------------------------------------------------------------------------
# the maps of the verdict


class MapKey(NamedTuple):
    map: str
    model: str
    weights: str
    b: int


def _learned_maps(inputs: VerdictInputs) -> list[MapKey]:
    """One key per learned map and weights: a conv model's code sign (its continuous code is the
    same map read without the sign), a dense model's reconstruction, the RSMI coarse-grainer."""
    flow = inputs.learned_flow
    keys = []
    learned = flow[(flow["weights"] != "exact") & (flow["map"] != "code")]
    for (model, name, weights), group in learned.groupby(["model", "map", "weights"], sort=False):
        keys.append(MapKey(name, model, weights, int(group["b"].iloc[0])))
    order = {weights: k for k, weights in enumerate(WEIGHTS)}
    return sorted(keys, key=lambda key: (key.model.startswith("rsmi"), key.model, order.get(key.weights, 99)))


def _exact_maps(inputs: VerdictInputs) -> list[MapKey]:
    block = inputs.block_flow[inputs.block_flow["L"] == inputs.L]
    learned = inputs.learned_flow[inputs.learned_flow["weights"] == "exact"]
    pairs = [*zip(learned["map"], learned["b"]), *zip(block["map"], block["b"])]
    keys = [MapKey(name, "", "exact", int(b)) for name, b in dict.fromkeys((name, int(b)) for name, b in pairs)]
    directions = inputs.directions[inputs.directions["weights"] == "exact"]
    keys += [MapKey("block-spin autoencoder", model, "exact", 2) for model in directions["model"].unique()]
    if (inputs.agreement["map"] == "global_sign").any():
        keys.append(
            MapKey(
                "global_sign", "", "exact", int(inputs.agreement[inputs.agreement["map"] == "global_sign"]["b"].iloc[0])
            )
        )
    return keys


# --------------------------------------------------------------------------------------------
# the measurements of one map


def _nearest_tc(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    temperatures = frame["temperature"].to_numpy(dtype=float)
    return frame[temperatures == temperatures[np.argmin(np.abs(temperatures - T_C))]]


def _learned_flow_rows(inputs: VerdictInputs, key: MapKey, observable: str) -> pd.DataFrame:
    """The learned stage's flow rows of one map and observable: every seed of a network; an
    exact map once (it is measured beside each network, the same every time)."""
    flow = inputs.learned_flow
    chosen = flow[
        (flow["map"] == key.map)
        & (flow["weights"] == key.weights)
        & (flow["b"] == key.b)
        & (flow["observable"] == observable)
        & ((flow["model"] == key.model) if key.weights != "exact" else True)
    ]
    return chosen.drop_duplicates("map") if key.weights == "exact" else chosen


def _flow_value(inputs: VerdictInputs, key: MapKey, column: str) -> Value:
    """T* or nu of the map's U_4 (binder) flow; the exact maps of b = 2 on the learned stage's
    test split (as the networks), of other b on all samples."""
    chosen = _learned_flow_rows(inputs, key, "binder")
    if key.weights == "exact":
        if chosen.empty:
            block = inputs.block_flow
            chosen = block[
                (block["L"] == inputs.L)
                & (block["map"] == key.map)
                & (block["b"] == key.b)
                & (block["observable"] == "binder")
            ]
            if chosen.empty:
                return Value(note="no flow of this map")
            return Value(
                float(chosen[column].iloc[0]),
                float(chosen[f"{column}_err"].iloc[0]),
                note="all samples (no learned map at this b)",
            )
        row = chosen.iloc[0]
        note = "the test split, as the networks"
        if not _finite(float(row[column])) and isinstance(row.get("note"), str):
            note = row["note"]
        return Value(float(row[column]), float(row[f"{column}_err"]), note=note)
    if chosen.empty:
        return Value(note="no flow of this map")
    return combine_seeds(chosen[column], chosen[f"{column}_err"], chosen["seed"])


def _mismatch_value(inputs: VerdictInputs, key: MapKey) -> Value:
    """T'_nn - T'_U4 at T_c of the map's flow (the learned stage's ``nn`` row), with its paired
    error, combined over seeds."""
    if "mismatch_tc" not in inputs.learned_flow:
        return Value(note="not measured")
    chosen = _learned_flow_rows(inputs, key, "nn")
    if chosen.empty:
        return Value(note="not measured at this b (the short-distance matching runs beside the networks, at b = 2)")
    if key.weights == "exact":
        row = chosen.iloc[0]
        located = math.isfinite(float(row["mismatch_tc"]))
        return Value(
            float(row["mismatch_tc"]),
            float(row["mismatch_tc_err"]),
            note="the test split, as the networks" if located else "no T' matches the nearest-neighbour correlation",
            located=located,
        )
    return combine_seeds(chosen["mismatch_tc"], chosen["mismatch_tc_err"], chosen["seed"])


def _mcrg_level(exponents: pd.DataFrame) -> int | None:
    if exponents.empty:
        return None
    deep = exponents[exponents["L_coarse"] >= MCRG_MIN_COARSE]
    return int(deep["level"].max()) if len(deep) else int(exponents["level"].min())


def _exponent_value(inputs: VerdictInputs, key: MapKey, exponent: str) -> Value:
    table = inputs.exponents.fillna({"model": ""})
    level = _mcrg_level(table)
    chosen = table[
        (table["map"] == key.map)
        & (table["model"] == key.model)
        & (table["weights"] == key.weights)
        & (table["b"] == key.b)
        & (table["exponent"] == exponent)
        & (table["level"] == level)
    ]
    if chosen.empty:
        if key.map == "reconstruction":
            return Value(note="a dense reconstruction has no block lattice of its own to block again")
        return Value(note="not on the MCRG ensemble (blocked at b = 2 by maps that yield +-1 block spins)")
    chosen = chosen[chosen["operators"] == chosen["operators"].max()]
    value = combine_seeds(chosen["value"], chosen["value_err"], chosen["seed"])
    coarse = int(chosen["L_coarse"].iloc[0])
    where = f"level {level} (L = {int(chosen['L'].iloc[0])} -> {coarse}), {int(chosen['operators'].iloc[0])} operators"
    asymmetry = float(chosen["reversal_asymmetry"].max())
    if asymmetry > 0:
        where += f"; reversal asymmetry {asymmetry:.3g}"
    return value._replace(note="; ".join(filter(None, [value.note, where])))


def _information_value(inputs: VerdictInputs, key: MapKey) -> tuple[Value, str]:
    """The paired difference of the map's information bound at T_c to decimation's at the same
    b and buffer, combined over seeds; and the reference text."""
    table = _nearest_tc(inputs.information.fillna({"model": ""}))
    mine = table[
        (table["map"] == key.map)
        & (table["model"] == key.model)
        & (table["weights"] == key.weights)
        & (table["b"] == key.b)
    ]
    if key.weights == "exact":
        # an exact rule reads its own block: its buffer is b (the wider ones serve the networks)
        mine = mine[mine["buffer"] == key.b]
    if mine.empty:
        return Value(note="no information bound of this map (measured for maps with one +-1 variable per block)"), ""
    replicas = inputs.information_replicas.fillna({"model": ""})
    differences, errors, seeds, buffers, bits, spreads = [], [], [], set(), [], []
    for row in mine.itertuples():
        reference = table[(table["map"] == "decimation") & (table["b"] == key.b) & (table["buffer"] == row.buffer)]
        if reference.empty:
            return Value(note=f"no decimation bound at buffer {row.buffer}"), ""
        difference, error, spread = _paired(replicas, row, reference.iloc[0])
        differences.append(difference)
        # the split of the probe's data moves the difference too: its spread joins the error
        errors.append(math.hypot(error, spread) if _finite(spread) else error)
        spreads.append(spread)
        seeds.append(row.seed)
        buffers.add(int(row.buffer))
        bits.append(row.bits)
    value = combine_seeds(differences, errors, seeds)
    decimation = table[(table["map"] == "decimation") & (table["b"] == key.b) & (table["buffer"] == min(buffers))].iloc[
        0
    ]
    reference = (
        f"I(map) = {np.mean(bits):.3f} bits, I(decimation) = {decimation['bits']:.3f}({_digits(decimation['bits_err'])}) "
        f"bits at buffer {min(buffers)}, T = {decimation['temperature']:.4f}"
    )
    if "bits_given_sign" in mine:
        # beside it, what the environment knows beyond the global sign (not judged)
        reference += (
            f"; given sign(m): I(map) = {mine['bits_given_sign'].mean():.3f}, "
            f"I(decimation) = {decimation['bits_given_sign']:.3f} bits"
        )
    split_note = f"split spread {np.nanmean(spreads):.2g} (in the error)" if np.isfinite(spreads).any() else "one split"
    return value._replace(
        note="; ".join(filter(None, [value.note, "paired: same split and bootstrap draws", split_note]))
    ), reference


def _paired(replicas: pd.DataFrame, row, reference: pd.Series) -> tuple[float, float, float]:
    """The map's bound minus the reference's at the row's (b, buffer, temperature): the
    difference, its error from the shared bootstrap draws, and the spread of the difference
    over the other splits of the probe's data (NaN with one split)."""

    def rows_of(map_name, model, weights, seed):
        return replicas[
            (replicas["map"] == map_name)
            & (replicas["model"] == model)
            & (replicas["weights"] == weights)
            & (replicas["seed"] == seed)
            & (replicas["b"] == row.b)
            & (replicas["buffer"] == row.buffer)
            & (replicas["temperature"] == row.temperature)
        ]

    mine = rows_of(row.map, row.model, row.weights, row.seed)
    theirs = rows_of("decimation", "", "exact", -1)
    split = mine["split"] if "split" in mine else pd.Series(0, index=mine.index)
    their_split = theirs["split"] if "split" in theirs else pd.Series(0, index=theirs.index)
    difference = float(row.bits - reference["bits"])
    draws = mine[split == 0].sort_values("replica")["bits"].to_numpy(dtype=float)
    their_draws = theirs[their_split == 0].sort_values("replica")["bits"].to_numpy(dtype=float)
    error = (
        float(np.std(draws - their_draws, ddof=1)) if len(draws) >= 2 and len(draws) == len(their_draws) else math.nan
    )
    others = mine[split > 0].set_index(split[split > 0])["bits"]
    their_others = theirs[their_split > 0].set_index(their_split[their_split > 0])["bits"]
    per_split = [difference, *(others - their_others.reindex(others.index)).to_numpy(dtype=float)]
    spread = float(np.std(per_split, ddof=1)) if len(per_split) > 1 else math.nan
    return difference, error, spread


def _digits(error: float) -> str:
    return f"{error:.2g}" if _finite(error) else "no error"


def _agreement_value(inputs: VerdictInputs, key: MapKey) -> tuple[Value, str, float]:
    """The agreement at T_c (combined over seeds), the reference text, and the fraction of
    configurations the map blocks to a uniform lattice."""
    table = _nearest_tc(inputs.agreement)
    if key.map == "majority" and key.weights == "exact":
        return Value(1.0, 0.0, note="1 by construction: the reference itself"), "", math.nan
    if key.weights == "exact":
        chosen = table[(table["map"] == key.map) & (table["b"] == key.b)]
    else:
        chosen = table[(table["map"] == key.map) & (table["model"] == key.model) & (table["weights"] == key.weights)]
    if chosen.empty:
        return Value(note="no agreement of this map"), "", math.nan
    value = combine_seeds(
        chosen["agreement"], chosen["agreement_err"], chosen["seed"] if key.weights != "exact" else []
    )
    if key.weights == "exact":
        value = Value(float(chosen["agreement"].iloc[0]), float(chosen["agreement_err"].iloc[0]))
    uniform = float(chosen["uniform_fraction"].mean()) if "uniform_fraction" in chosen else math.nan
    references = []
    for name, label in (("majority_retied", "ceiling"), ("global_sign", "global sign"), ("decimation", "decimation")):
        row = table[(table["map"] == name) & (table["b"] == key.b)]
        if len(row):
            references.append(f"{label} {row['agreement'].iloc[0]:.4f}({_digits(row['agreement_err'].iloc[0])})")
    return value, ", ".join(references), uniform


def _agreement_passes(inputs: VerdictInputs, key: MapKey, value: Value) -> bool | None:
    if key.map in ("majority", "majority_retied", "global_sign") or not _finite(value.value):
        return None
    baseline = _nearest_tc(inputs.agreement)
    baseline = baseline[(baseline["map"] == "global_sign") & (baseline["b"] == key.b)]
    if baseline.empty:
        return None
    bar, bar_error = float(baseline["agreement"].iloc[0]), float(baseline["agreement_err"].iloc[0])
    error = value.error if _finite(value.error) else 0.0
    return value.value > bar + SIGMAS * math.hypot(error, bar_error if _finite(bar_error) else 0.0)


def _locality_value(inputs: VerdictInputs, key: MapKey) -> Value:
    if key.weights == "exact" or key.weights == "rsmi":
        if key.map in ("majority", "decimation", "rsmi", "block-spin autoencoder"):
            return Value(1.0, 0.0, note="1 by construction: the map reads its own b x b block only")
        return Value(note="not a map with a receptive field")
    locality = inputs.locality
    chosen = locality[
        (locality["model"] == key.model)
        & (locality["weights"] == key.weights)
        & (locality["probe"] == "receptive_field")
    ]
    if chosen.empty:
        return Value(note="receptive field not probed for these weights")
    return Value(
        float(chosen["window_fraction"].median()),
        note="median over code units; no error: one network (the first training seed); the spread over units is in locality.csv",
    )


def _direction_value(inputs: VerdictInputs, key: MapKey) -> tuple[Value, bool | None, str]:
    directions = inputs.directions
    if key.map in ("majority", "decimation", "global_sign") or key.weights == "rsmi":
        return (
            Value(note="no decoder: a coarse-graining rule's autoencoder form is the block-spin autoencoder row"),
            None,
            "",
        )
    chosen = directions[
        (directions["model"] == key.model)
        & (directions["weights"] == key.weights)
        & (directions["variant"] == "sign")
        & (directions["thermometer"] == "energy")
    ]
    ideal = directions[
        (directions["weights"] == "exact") & (directions["variant"] == "sign") & (directions["thermometer"] == "energy")
    ]
    reference = f"ideal block-spin autoencoder: {ideal['direction'].iloc[0]}" if len(ideal) else ""
    if chosen.empty:
        return Value(note="no network flow of these weights"), None, reference
    words = sorted(set(chosen["direction"]))
    if "undetermined" in words:
        return Value(note="direction undetermined"), None, reference
    passed = all(word == "away from T_c" for word in chosen["direction"])
    seeds = ",".join(str(int(seed)) for seed in chosen["seed"])
    note = "; ".join(words) + "; no error: a count of starting temperatures"
    return Value(float(chosen["fraction_away"].mean()), math.nan, seeds, note), passed, reference


# --------------------------------------------------------------------------------------------
# the table


def verdict_table(inputs: VerdictInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The verdict (:data:`VERDICT_COLUMNS`) and its calibration (:data:`CALIBRATION_COLUMNS`)."""
    rows = []
    for key in _exact_maps(inputs) + _learned_maps(inputs):
        for criterion, definition in CRITERIA.items():
            reference, passed, why = "", None, ""
            if key.map == "global_sign" and criterion != "agreement":
                continue
            if key.map == "block-spin autoencoder" and criterion != "flow_direction":
                continue
            if criterion in ("y_h", "y_t"):
                value = _exponent_value(inputs, key, criterion)
                reference = "15/8" if criterion == "y_h" else "1"
                passed, why = _judge(criterion, value)
            elif criterion in ("fixed_point", "nu"):
                value = _flow_value(inputs, key, "T_star" if criterion == "fixed_point" else "nu")
                reference = f"T_c = {T_C:.6f}" if criterion == "fixed_point" else "nu = 1"
                passed, why = _judge(criterion, value)
            elif criterion == "short_range":
                value = _mismatch_value(inputs, key)
                reference = "0: one T' for both observables"
                passed, why = _judge(criterion, value)
            elif criterion == "information":
                if key.map == "decimation":
                    value = Value(0.0, 0.0, note="the reference itself")
                else:
                    value, reference = _information_value(inputs, key)
                    passed, why = _judge(criterion, value)
            elif criterion == "locality":
                value = _locality_value(inputs, key)
                by_construction = value.note.startswith("1 by construction")
                passed, why = (None, "") if by_construction else _judge(criterion, value)
                reference = "the block itself: 1" if not by_construction else ""
            elif criterion == "flow_direction":
                value, passed, reference = _direction_value(inputs, key)
            else:
                value, reference, uniform = _agreement_value(inputs, key)
                passed = _agreement_passes(inputs, key, value)
                if uniform > 0.5:
                    value = value._replace(
                        note="; ".join(
                            filter(
                                None,
                                [
                                    value.note,
                                    f"a uniform block lattice in {100 * uniform:.0f} % of configurations (no spatial variance)",
                                ],
                            )
                        )
                    )
            rows.append(
                {
                    "map": key.map,
                    "model": key.model,
                    "weights": key.weights,
                    "b": key.b,
                    "criterion": criterion,
                    "value": value.value,
                    "value_err": value.error,
                    "reference": reference or value.reference,
                    "threshold": definition.threshold,
                    "passed": passed,
                    "votes": False,
                    "seeds": value.seeds,
                    "note": "; ".join(filter(None, [value.note, why])),
                }
            )
    verdict = _without_repeated_controls(pd.DataFrame(rows, columns=VERDICT_COLUMNS))
    calibration = calibration_table(verdict)
    votes = dict(zip(calibration["criterion"], calibration["votes"]))
    verdict["votes"] = verdict["criterion"].map(votes).fillna(False).map(_written)
    verdict["passed"] = verdict["passed"].map(_written)
    calibration["votes"] = calibration["votes"].map(_written)
    calibration["positive_passed"] = calibration["positive_passed"].map(_written)
    return verdict, calibration


def _written(value) -> str:
    """A boolean cell as the table writes it: ``true``, ``false`` or empty."""
    outcome = _passed(value)
    return "" if outcome is None else "true" if outcome else "false"


def _without_repeated_controls(verdict: pd.DataFrame) -> pd.DataFrame:
    """Each untrained control once: models that differ only in their regulariser start from the
    same weights, so their untrained rows agree wherever both are measured (a model the probes
    skip has fewer numbers); keep the one with the most numbers and say so in its note."""
    untrained = verdict[verdict["weights"] == "untrained"]
    groups = [
        (name, model, rows.set_index("criterion")["value"].astype(float))
        for (name, model), rows in untrained.groupby(["map", "model"], sort=False)
    ]
    groups.sort(key=lambda group: -int(np.isfinite(group[2]).sum()))
    kept, drop = [], set()
    for name, model, values in groups:
        twin = next((other for other in kept if other[0] == name and _same_numbers(other[2], values)), None)
        if twin is None:
            kept.append((name, model, values))
            continue
        drop.add((name, model))
        mask = (verdict["weights"] == "untrained") & (verdict["model"] == twin[1]) & (verdict["map"] == name)
        verdict.loc[mask, "note"] = verdict.loc[mask, "note"].map(
            lambda note, model=model: "; ".join(filter(None, [note, f"also {model}'s (the same initial weights)"]))
        )
    dropped = [
        (row.map, row.model) in drop and row.weights == "untrained"
        for row in verdict[["map", "model", "weights"]].itertuples()
    ]
    return verdict[~np.array(dropped, dtype=bool)].reset_index(drop=True)


def _same_numbers(first: pd.Series, second: pd.Series) -> bool:
    both = np.isfinite(first) & np.isfinite(second.reindex(first.index))
    return bool(both.any()) and np.allclose(first[both], second.reindex(first.index)[both], rtol=0, atol=1e-12)


def calibration_table(verdict: pd.DataFrame) -> pd.DataFrame:
    """Per criterion (:data:`CALIBRATION_COLUMNS`): the positive control (the majority rule at
    b = 2; the ideal block-spin autoencoder for the network flow) judged by the criterion's own
    rule, tautologies included (a rule that reads its own block is local), and every untrained
    architecture, each of which must fail. A criterion votes only if both hold."""
    rows = []
    for criterion, definition in CRITERIA.items():
        rows_of = verdict[verdict["criterion"] == criterion]
        positive_name = "block-spin autoencoder" if criterion == "flow_direction" else "majority"
        positive = rows_of[(rows_of["map"] == positive_name) & (rows_of["weights"] == "exact") & (rows_of["b"] == 2)]
        positive_passed = _positive_outcome(criterion, positive)
        # an architecture the criterion cannot measure at all (no MCRG step for a dense
        # reconstruction) is no negative control of it; one that located nothing failed
        untrained = rows_of[rows_of["weights"] == "untrained"]
        applicable = [_finite(float(row.value)) or _passed(row.passed) is False for row in untrained.itertuples()]
        negatives = untrained[applicable]
        outcomes = [_passed(passed) is False for passed in negatives["passed"]]
        failed = int(sum(outcomes))
        others = rows_of[(rows_of["weights"] == "exact") & ~((rows_of["map"] == positive_name) & (rows_of["b"] == 2))]
        other_text = "; ".join(
            f"{row.map} b = {row.b}: {_outcome_word(_passed(row.passed))}"
            for row in others.itertuples()
            if row.map != "global_sign"
        )
        if not definition.may_vote:
            votes, reason = False, "descriptive: decimation, an exact RG map, disagrees with the majority rule"
        elif positive_passed is not True:
            votes, reason = (
                False,
                f"the positive control ({positive_name}) {'fails' if positive_passed is False else 'is not measured'}",
            )
        elif len(negatives) == 0:
            votes, reason = False, "no untrained network measured: the criterion cannot be shown to fail"
        elif failed < len(negatives):
            passing = ", ".join(negatives[[_passed(passed) is not False for passed in negatives["passed"]]]["model"])
            votes, reason = False, f"untrained weights pass or are not measured: {passing}"
        else:
            votes, reason = True, "the positive control passes and every untrained architecture fails"
        rows.append(
            {
                "criterion": criterion,
                "threshold": definition.threshold,
                "positive_control": f"{positive_name} (b = 2)",
                "positive_passed": positive_passed,
                "negative_controls": ", ".join(f"{row.model} {row.map}" for row in negatives.itertuples()),
                "negatives_failed": failed,
                "negatives": len(negatives),
                "votes": votes,
                "reason": reason,
                "other_exact_maps": other_text,
            }
        )
    return pd.DataFrame(rows, columns=CALIBRATION_COLUMNS)


def _positive_outcome(criterion: str, positive: pd.DataFrame) -> bool | None:
    if positive.empty:
        return None
    row = positive.iloc[0]
    if _passed(row["passed"]) is not None:
        return _passed(row["passed"])
    # a tautology is shown as a reference, but the criterion's rule still applies to it
    if criterion == "locality" and _finite(row["value"]):
        return bool(row["value"] >= LOCALITY_THRESHOLD)
    if criterion == "agreement":
        return True
    return None


def _counts_as_pass(row) -> bool:
    return row.passed is True or (row.passed is None and _by_construction(row))


def _by_construction(row) -> bool:
    return isinstance(row.note, str) and row.note.startswith("1 by construction")


def _outcome_word(passed) -> str:
    return "passes" if passed is True else "fails" if passed is False else "not measured"


# --------------------------------------------------------------------------------------------
# the answer in words


def _label(row) -> str:
    seeds = str(row.seeds) if isinstance(row.seeds, str) else ""
    count = len(seeds.split(",")) if seeds else 0
    if row.weights == "exact":
        return f"{row.map} (b = {row.b})"
    if row.map == "rsmi":
        return f"the RSMI coarse-grainer (b = {row.b})"
    return f"{row.model} {row.map} ({row.weights}" + (f", {count} seeds)" if count > 1 else ")")


def _passed(value) -> bool | None:
    """A ``passed`` cell as True / False / None (CSV reads an empty cell as NaN and booleans as
    text)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _normalised(verdict: pd.DataFrame) -> pd.DataFrame:
    verdict = verdict.fillna({"model": "", "seeds": ""})
    return verdict.assign(
        passed=verdict["passed"].map(_passed), votes=verdict["votes"].map(lambda value: _passed(value) is True)
    )


def _voting(verdict: pd.DataFrame) -> list[str]:
    return [name for name in CRITERIA if verdict[verdict["criterion"] == name]["votes"].any()]


def answer(verdict: pd.DataFrame) -> str:
    """The answer in a few sentences, from the table: the trained maps that pass every voting
    criterion, whether their controls pass the same criteria, and how the RSMI coarse-grainer,
    the learned positive control, fares."""
    verdict = _normalised(verdict)
    voting = _voting(verdict)
    trained = verdict[verdict["weights"] == "trained"]
    controls = verdict[verdict["weights"].isin(CONTROL_WEIGHTS)]
    full, by_controls = [], []
    for (model, _map_name), rows in trained.groupby(["model", "map"], sort=False):
        judged = rows[rows["criterion"].isin(voting)]
        if judged.empty or not all(passed is True for passed in judged["passed"]):
            continue
        label = _label(next(judged.itertuples()))
        full.append(label)
        shared = [
            name
            for name in judged["criterion"]
            if any(
                passed is True
                for passed in controls[(controls["model"] == model) & (controls["criterion"] == name)]["passed"]
            )
        ]
        if shared:
            by_controls.append(f"{label}: its controls pass {', '.join(shared)} too")
    if not voting:
        text = "No criterion passed its calibration, so the verdict has no vote."
    elif not full:
        text = f"No trained network passes every calibrated criterion ({', '.join(voting)})."
    else:
        text = f"Trained maps that pass every calibrated criterion ({', '.join(voting)}): {', '.join(full)}."
    if by_controls:
        text += (
            " But "
            + "; ".join(by_controls)
            + ": there the property comes from the architecture or from smooth data, not from Ising physics."
        )
    for (_model, _map_name), rows in trained.groupby(["model", "map"], sort=False):
        judged = rows[rows["criterion"].isin(voting)]
        passed = [row.criterion for row in judged.itertuples() if row.passed is True]
        failed = [row.criterion for row in judged.itertuples() if row.passed is False]
        if passed and failed:
            b = next(judged.itertuples()).b
            exact_fails = {
                row.criterion
                for row in verdict[(verdict["map"] == "decimation") & (verdict["b"] == b)].itertuples()
                if row.passed is False
            }
            shared = [name for name in failed if name in exact_fails]
            text += f" {_label(next(judged.itertuples()))} passes {', '.join(passed)} and fails {', '.join(failed)}" + (
                f" (decimation, an exact RG map, fails {', '.join(shared)} too)." if shared else "."
            )
    complete_controls = [
        _label(next(rows.itertuples()))
        for _, rows in controls[controls["criterion"].isin(voting)].groupby(["model", "map", "weights"], sort=False)
        if all(_counts_as_pass(row) for row in rows.itertuples())
    ]
    if complete_controls:
        text += (
            f" Controls that pass every calibrated criterion: {', '.join(complete_controls)}: what these criteria"
            " measure is reached without Ising configurations in training."
        )
    rsmi = verdict[(verdict["weights"] == "rsmi") & verdict["criterion"].isin(voting)]
    if len(rsmi):
        passed = [row.criterion for row in rsmi.itertuples() if row.passed is True]
        failed = [row.criterion for row in rsmi.itertuples() if row.passed is False]
        tautologies = [row.criterion for row in rsmi.itertuples() if row.passed is None and _by_construction(row)]
        judged = len(passed) + len(failed)
        text += f" The RSMI coarse-grainer, the learned positive control, passes {len(passed)} of {judged}" + (
            f" (fails {', '.join(failed)})" if failed else ""
        )
        text += f"; {', '.join(tautologies)} by construction." if tautologies else "."
    return text


def criterion_sentences(verdict: pd.DataFrame) -> list[str]:
    """One sentence per criterion, generated from the table: for a voting one, the exact maps'
    outcomes, which trained maps pass and fail, the RSMI coarse-grainer's, and which controls
    pass too; for one that does not vote, why."""
    verdict = _normalised(verdict)
    voting = _voting(verdict)
    sentences = []
    for name in voting:
        rows = verdict[verdict["criterion"] == name]
        trained = rows[rows["weights"] == "trained"]
        passing = [_label(row) for row in trained.itertuples() if row.passed is True]
        failing = [_label(row) for row in trained.itertuples() if row.passed is False]
        rsmi = [
            f"RSMI {'by construction' if _by_construction(row) else _outcome_word(row.passed)}"
            for row in rows[rows["weights"] == "rsmi"].itertuples()
        ]
        control_pass = [
            _label(row) for row in rows[rows["weights"].isin(CONTROL_WEIGHTS)].itertuples() if row.passed is True
        ]
        exact = [
            f"{row.map} b = {row.b} {_outcome_word(row.passed)}"
            for row in rows[rows["weights"] == "exact"].itertuples()
            if row.passed is not None
        ]
        parts = [
            ", ".join(exact),
            "trained maps passing: " + (", ".join(passing) or "none"),
            "failing: " + ", ".join(failing) if failing else "",
            ", ".join(rsmi),
            "controls passing too: " + ", ".join(control_pass) if control_pass else "no control passes",
        ]
        sentences.append(f"{name} ({CRITERIA[name].threshold}): " + "; ".join(filter(None, parts)) + ".")
    silent = [
        f"{name} does not vote ({_why_silent(verdict, name)})."
        for name in CRITERIA
        if name not in voting and (verdict["criterion"] == name).any()
    ]
    return [*sentences, *silent]


def conclusion(verdict: pd.DataFrame) -> str:
    """The verdict in words: the :func:`answer`, then :func:`criterion_sentences`."""
    return " ".join([answer(verdict), *criterion_sentences(verdict)])


def _why_silent(verdict: pd.DataFrame, name: str) -> str:
    if not CRITERIA[name].may_vote:
        return "descriptive"
    rows = verdict[verdict["criterion"] == name]
    positive_name = "block-spin autoencoder" if name == "flow_direction" else "majority"
    positive = rows[(rows["map"] == positive_name) & (rows["weights"] == "exact")]
    if len(positive) and positive["passed"].iloc[0] is False:
        return f"the {positive_name} fails it"
    untrained = rows[rows["weights"] == "untrained"]
    passing = [row.model for row in untrained.itertuples() if row.passed is not False]
    if passing:
        return "untrained weights pass it or are not measured: " + ", ".join(passing)
    return "its positive control is not measured"
