"""The study in numbers: one summary of every result table, as JSON, as Markdown and as the front
page of the Snakemake report, generated from the tables so that no number is typed by hand.

:func:`summarise` collects, from the tables the workflow wrote:

* ``critical_temperature`` -- Onsager's T_c; the thermodynamic estimates (chi' peaks per L, their
  1/L extrapolation, U4 crossings; ``tc_thermodynamic.csv``); the latent estimates of every model
  and reduction on the test split (chi_z and chi_m peaks per L, their extrapolations, the U4_z
  crossings; ``tc_latent.csv``);
* ``rg_flow`` -- T* and nu of every block-spin pair, map and observable (``rg_flow.csv``);
* ``dynamic_exponents`` -- z of every algorithm (``dynamic_exponents.csv``);
* ``width_sweep`` -- the latent-width table beside Broomberg & Rabinovich's rows
  (``latent_width_sweep.csv``);
* ``verdict`` -- every row of ``rg_verdict.csv``, and in words the ``answer`` and one sentence
  per criterion (``criteria``), both together the ``conclusion``
  (:mod:`deeprenorm.rg.verdict`); ``calibration`` -- every row of
  ``rg_verdict_calibration.csv``, whether each criterion votes and why;
* ``locality`` -- the median window fraction and spread of every receptive field
  (``locality.csv``); ``dbn`` -- the deep belief network per layer, trained and untrained: epochs,
  held-out reconstruction error, median locality with bootstrap errors, and the paired
  trained - untrained differences in standard errors (``probes/dbn/L{L}_layers.csv``);
* ``datasets`` -- per L: temperatures, samples per temperature, spins stored, bytes on disk;
* ``devices`` -- how many training and encoding jobs ran on each torch device
  (:func:`torch_devices`; the workflow adds it beside :func:`summarise`'s sections);
* ``performance`` -- per stage: jobs, summed wall and CPU seconds, the largest peak memory of a
  job (:func:`.benchmarks.stage_totals`); ``run``: how long the jobs took together, from the
  first one's start to the last one's end, and the machine's CPUs (:func:`.benchmarks.run_span`);
* ``software`` and ``config_sha256`` -- the versions of the packages that produced it and a hash
  of the validated config.

Each table-backed section is ``{"table": <path>, "rows": [...]}``, each row the table's own
values for the columns kept (NaN as null), so that every number can be traced to, and checked
against, the row it comes from.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import platform
from pathlib import Path

import pandas as pd
import yaml

from ..exact import T_C
from ..io import json_ready
from ..provenance import source_commit, source_version
from ..rg.verdict import CALIBRATION_COLUMNS, VERDICT_COLUMNS, answer, conclusion, criterion_sentences
from ..stats import format_value_error as value_error
from ..stats import format_with_systematic

__all__ = [
    "SECTIONS",
    "config_sha256",
    "software_versions",
    "summarise",
    "torch_devices",
    "key_numbers",
    "summary_markdown",
    "report_description",
    "dataset_record",
    "markdown_table",
    "tc_rows",
    "dbn_rows",
    "dbn_sentences",
    "DBN_SIGMA",
    "tc_value",
    "latent_tc_rows",
    "offset_rows",
    "MARKDOWN_SECTIONS",
]

# an estimate of T_c and, for an extrapolation, the systematic and the quality of its fit
_TC_COLUMNS = ["method", "L", "L2", "T_c", "T_c_err", "T_c_err_sys", "chi2_dof", "dof"]

#: Table-backed sections: section -> (table file name, columns kept; None: every column).
SECTIONS = {
    "tc_thermodynamic": ("tc_thermodynamic.csv", [*_TC_COLUMNS, "deviation_from_onsager", "deviation_sigma"]),
    "tc_latent": (
        "tc_latent.csv",
        [
            "model",
            "reduction",
            "observable",
            *_TC_COLUMNS,
            "seed_spread",
            "n_seeds",
            "seeds_trained",
            "nu",
            "nu_err",
            "offset_from_chi_m",
            "offset_from_chi_m_err",
            "note",
        ],
    ),
    "rg_flow": (
        "rg_flow.csv",
        ["L", "L_coarse", "b", "map", "observable", "T_star", "T_star_err", "T_star_deviation_percent", "nu", "nu_err"],
    ),
    "dynamic_exponents": ("dynamic_exponents.csv", ["algorithm", "observable", "z", "z_err", "z_literature", "sizes"]),
    "width_sweep": (
        "latent_width_sweep.csv",
        [
            "reference",
            "reference_T_peak",
            "model",
            "latent",
            "regularisation",
            "L",
            "n_seeds",
            "test_loss",
            "T_c_mean",
            "T_c_mean_err",
            "deviation_percent",
            "r_chi",
        ],
    ),
    "verdict": ("rg_verdict.csv", VERDICT_COLUMNS),
    "calibration": ("rg_verdict_calibration.csv", CALIBRATION_COLUMNS),
    # every column: the layer table (deeprenorm.probes.study.DBN_LAYER_COLUMNS) is its summary
    "dbn": ("probes/dbn/L{L}_layers.csv", None),
}

#: |sigma| from which the DBN's trained - untrained difference of a locality measure counts
#: (:func:`dbn_sentences`): 3 standard errors, a chance of 0.3 % for a Gaussian error.
DBN_SIGMA = 3.0

_PACKAGES = ("deeprenorm", "numpy", "numba", "torch", "scipy", "pandas", "xarray", "netCDF4", "matplotlib", "snakemake")


def config_sha256(config: dict) -> str:
    """SHA-256 of the validated config as canonical YAML (sorted keys): the same study, the same hash."""
    return hashlib.sha256(yaml.safe_dump(config, sort_keys=True).encode()).hexdigest()


def software_versions() -> dict[str, str]:
    """Python's and every pinned package's version, as installed."""
    versions = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _rows(table: pd.DataFrame, columns: list[str] | None) -> list[dict]:
    kept = list(table.columns) if columns is None else [column for column in columns if column in table.columns]
    return json_ready(table[kept].to_dict("records"))


def _locality_rows(locality: pd.DataFrame) -> list[dict]:
    """Median window fraction and spread of every receptive field and DBN layer, per model and weights."""
    fields = locality[
        locality["probe"].isin(["receptive_field", "block"]) | locality["probe"].astype(str).str.startswith("layer")
    ]
    medians = (
        fields.groupby(["model", "weights", "probe", "b"], sort=False)
        .agg(
            units=("window_fraction", "size"),
            window_fraction=("window_fraction", "median"),
            spread=("spread", "median"),
        )
        .reset_index()
    )
    return _rows(medians, ["model", "weights", "probe", "b", "units", "window_fraction", "spread"])


def summarise(
    tables: dict[str, pd.DataFrame],
    table_paths: dict[str, str],
    datasets: list[dict],
    stages: pd.DataFrame,
    config: dict,
    *,
    headline_model: str,
    locality: pd.DataFrame | None = None,
    run: dict | None = None,
) -> dict:
    """The summary of the module docstring.

    ``tables``: section name of :data:`SECTIONS` -> its table (a missing section is left out);
    ``table_paths``: the same keys -> the path the table was read from (written into the
    summary); ``datasets``: one dict per dataset (``L``, ``temperatures``,
    ``samples_per_temperature``, ``spins``, ``bytes``, ``algorithm``); ``stages``:
    :func:`.benchmarks.stage_totals`; ``config``: the validated config; ``headline_model``: the
    model whose T_c the one-line answer quotes; ``locality``: ``locality.csv``, or None;
    ``run``: the row of ``performance_run.csv``, or None.
    """

    summary = {
        "question": "Does a deep autoencoder trained on equilibrium 2D Ising configurations learn block-spin renormalisation?",
        "config_sha256": config_sha256(config),
        "seed": config["seed"],
        "version": source_version(),
        "commit": source_commit(),
        "headline_model": headline_model,
        "onsager_T_c": T_C,
        "datasets": datasets,
    }
    for section, (_filename, columns) in SECTIONS.items():
        if section in tables:
            summary[section] = {"table": table_paths[section], "rows": _rows(tables[section], columns)}
    if "verdict" in tables:
        summary["answer"] = answer(tables["verdict"])
        summary["criteria"] = criterion_sentences(tables["verdict"])
        summary["conclusion"] = conclusion(tables["verdict"])
    if locality is not None:
        summary["locality"] = {
            "table": table_paths.get("locality", "results/tables/locality.csv"),
            "rows": _locality_rows(locality),
        }
    summary["performance"] = {"rows": _rows(stages, ["stage", "jobs", "wall_s", "cpu_s", "max_rss_mb", "wall_share"])}
    if run is not None:
        summary["performance"]["run"] = json_ready(run)
    summary["software"] = software_versions()
    json.dumps(summary, allow_nan=False)  # a NaN that slipped through would make invalid JSON
    return summary


# --- reading the summary back in words ----------------------------------------------------------


def _select(summary: dict, section: str, **keys) -> list[dict]:
    return [
        row
        for row in summary.get(section, {}).get("rows", [])
        if all(row.get(key) == value for key, value in keys.items())
    ]


def _one(summary: dict, section: str, **keys) -> dict | None:
    rows = _select(summary, section, **keys)
    return rows[0] if rows else None


def tc_value(row: dict) -> str:
    """A T_c estimate as value ± statistical error, then the systematic error of an
    extrapolation's form and its fit quality where it has them:
    ``2.2633 ± 0.0059 (stat) ± 0.0115 (sys); χ²/dof 1.1, 2 dof``."""
    if row.get("T_c") is None:
        return "not located"
    text = format_with_systematic(row["T_c"], row["T_c_err"], row.get("T_c_err_sys"))
    if row.get("T_c_err_sys") is None and row.get("method", "").endswith("_extrapolation"):
        text += " (stat), no sys: fewer than 3 sizes"
    if row.get("dof") is not None and row.get("chi2_dof") is not None:
        text += f"; χ²/dof {row['chi2_dof']:.2g}, {row['dof']:g} dof"
    elif row.get("dof") is not None and row.get("method", "").endswith(
        ("extrapolation", "_correction", "_smallest", "_nu")
    ):
        text += f"; {row['dof']:g} dof"
    return text


def key_numbers(summary: dict) -> dict[str, str]:
    """The handful of numbers the answer quotes, formatted: thermodynamic and headline latent
    T_c(inf) with their statistical and systematic errors, the majority rule's T* and nu at the
    largest pair, the dataset size and run cost."""
    numbers = {}
    thermodynamic = _one(summary, "tc_thermodynamic", method="chi_prime_peak_extrapolation")
    if thermodynamic:
        numbers["T_c thermodynamic (chi' peaks, 1/L extrapolation)"] = tc_value(thermodynamic)
    crossing = _one(summary, "tc_thermodynamic", method="binder_crossing_mean")
    if crossing:
        numbers["T_c thermodynamic (U4 crossings, mean)"] = value_error(crossing["T_c"], crossing["T_c_err"])
    latent = _one(
        summary, "tc_latent", model=summary["headline_model"], reduction="mean", method="chi_z_peak_extrapolation"
    )
    if latent:
        numbers[
            f"T_c latent ({summary['headline_model']}, {latent['n_seeds']} seeds, chi_z peaks, 1/L extrapolation)"
        ] = tc_value(latent)
    majority = _select(summary, "rg_flow", map="majority", observable="binder", b=2)
    if majority:
        largest = max(majority, key=lambda row: row["L"])
        numbers[f"majority rule T* ({largest['L']} -> {largest['L_coarse']}, U4 matched)"] = value_error(
            largest["T_star"], largest["T_star_err"]
        )
        numbers[f"majority rule nu ({largest['L']} -> {largest['L_coarse']})"] = value_error(
            largest["nu"], largest["nu_err"]
        )
    if summary["datasets"]:
        spins = sum(dataset["spins"] for dataset in summary["datasets"])
        configurations = sum(d["temperatures"] * d["samples_per_temperature"] for d in summary["datasets"])
        numbers["configurations stored"] = f"{configurations:,} ({spins / 1e6:.1f} million spins)"
    total = _one(summary, "performance", stage="total")
    if total:
        numbers["jobs, summed job time"] = (
            f"{total['jobs']} jobs, {total['wall_s'] / 60:.1f} core-minutes, largest job {total['max_rss_mb']:.0f} MB"
        )
    return numbers


def markdown_table(rows: list[dict], columns: list[tuple[str, object]]) -> list[str]:
    """``columns``: (heading, key or callable(row) -> str)."""
    lines = ["| " + " | ".join(heading for heading, _ in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for _, how in columns:
            value = how(row) if callable(how) else row.get(how)
            text = "" if value is None else (f"{value:.4g}" if isinstance(value, float) else str(value))
            # a threshold such as |T* - T_c| would end the cell
            cells.append(text.replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def tc_rows(summary: dict) -> list[dict]:
    """The thermodynamic estimates, every one of them, for the critical-temperature table."""
    return [
        {
            "estimate": f"thermodynamic {row['method']}"
            + (f" L = {row['L']:g}" if row.get("L") is not None else "")
            + (f"/{row['L2']:g}" if row.get("L2") is not None else ""),
            "T_c": tc_value(row),
        }
        for row in summary.get("tc_thermodynamic", {}).get("rows", [])
    ]


def _seeds(row: dict) -> str:
    trained = row.get("seeds_trained")
    located = row.get("n_seeds") or 0
    if trained is None:
        return f"{located}"
    return f"{located} of {trained}"


def latent_tc_rows(summary: dict) -> list[dict]:
    """Every latent estimator of every model's (mean) code on the test split, favourable or not:
    the nu = 1 extrapolation with its variants, the free-nu fit and the U_z crossings; for a
    model trained at one L, its chi_z peak there (or why none was located)."""
    rows = [row for row in summary.get("tc_latent", {}).get("rows", []) if row["reduction"] == "mean"]
    sizes = {}
    for row in rows:
        if row["method"] == "chi_z_peak":
            sizes.setdefault(row["model"], set()).add(row["L"])
    shown = []
    for row in rows:
        method = row["method"]
        single_size = len(sizes.get(row["model"], ())) == 1
        if not (
            method.startswith("chi_z_peak_extrapolation")
            or method == "binder_z_crossing"
            or (single_size and method == "chi_z_peak")
        ):
            continue
        where = ""
        if row.get("L") is not None:
            where = f" L = {row['L']:g}" + (f"/{row['L2']:g}" if row.get("L2") is not None else "")
        value, seeds = tc_value(row), _seeds(row)
        if row.get("T_c") is None:
            # why, in the note's first clause (a fit's reason; a peak's is per seed, in the table)
            reason = str(row.get("note") or "").split(";")[0]
            if reason and not reason.startswith("not located"):
                value += f" ({reason})"
            seeds = f"0 of {row['seeds_trained']}" if row.get("seeds_trained") is not None else ""
        shown.append({"model": row["model"], "estimate": method + where, "T_c": value, "seeds": seeds})
    return shown


def offset_rows(summary: dict) -> list[dict]:
    """T*_z(L) - T*_m(L) per model (mean code) and L, with its paired error: one row per model
    (``seeds``: its training seeds), one column per L (a cell says where fewer seeds located
    both peaks, or which peak is missing)."""
    by_model = {}
    for row in summary.get("tc_latent", {}).get("rows", []):
        if row["reduction"] != "mean" or row["method"] != "chi_z_peak":
            continue
        if row.get("T_c") is None:
            cell = "no χ_z peak"
        elif row.get("offset_from_chi_m") is None:
            cell = "no χ_m peak"
        else:
            cell = value_error(row["offset_from_chi_m"], row["offset_from_chi_m_err"])
            if row.get("seeds_trained") is not None and row["n_seeds"] < row["seeds_trained"]:
                cell += f" ({row['n_seeds']} of {row['seeds_trained']} seeds)"
        seeds = row.get("seeds_trained") or row.get("n_seeds")
        by_model.setdefault(row["model"], {"model": row["model"], "seeds": seeds})[f"L = {row['L']:g}"] = cell
    return list(by_model.values())


def _offset_table(summary: dict) -> list[str] | None:
    rows = offset_rows(summary)
    if not rows:
        return None
    sizes = sorted({key for row in rows for key in row if key.startswith("L = ")}, key=lambda k: float(k[4:]))
    return markdown_table(rows, [("model", "model"), ("seeds", "seeds"), *((size, size) for size in sizes)])


def dbn_rows(summary: dict) -> list[dict]:
    """The deep belief network's layers, trained beside untrained, formatted: the epochs trained
    and whether the held-out error had flattened by then (else the cap stopped it), the held-out
    reconstruction error and the median window fraction and spread, each with its error."""
    rows = []
    for row in summary.get("dbn", {}).get("rows", []):
        epochs = str(row["epochs"])
        if row["weights"] == "trained":
            epochs += " (flattened)" if str(row["flattened"]).lower() == "true" else " (cap)"
        rows.append(
            {
                "layer": row["probe"].removeprefix("layer"),
                "b": row["b"],
                "weights": row["weights"],
                "units": row["units"],
                "epochs": epochs,
                "error": value_error(row["reconstruction_error"], row["reconstruction_error_err"]),
                "window_fraction": value_error(row["window_fraction"], row["window_fraction_err"]),
                "spread": value_error(row["spread"], row["spread_err"]),
            }
        )
    return rows


def dbn_sentences(summary: dict) -> list[str]:
    """Per layer of the deep belief network: are its trained fields more local than its untrained
    initial weights, by how many (paired bootstrap) standard errors of the difference of the
    medians; more (less) local where the window fraction is higher (lower) and the spread lower
    (higher) by at least :data:`DBN_SIGMA`."""
    sentences = []
    for row in summary.get("dbn", {}).get("rows", []):
        if row["weights"] != "trained":
            continue
        sigma_f, sigma_s = row["window_fraction_sigma"], row["spread_sigma"]
        if sigma_f is None or sigma_s is None:
            word = "not measurable (no error: a single unit)"
        elif sigma_f >= DBN_SIGMA and sigma_s <= -DBN_SIGMA:
            word = "more local than its untrained initial weights"
        elif sigma_f <= -DBN_SIGMA and sigma_s >= DBN_SIGMA:
            word = "less local than its untrained initial weights"
        else:
            word = f"not more local than its untrained initial weights by {DBN_SIGMA:g} sigma in both measures"
        difference_f = value_error(row["window_fraction_difference"], row["window_fraction_difference_err"])
        difference_s = value_error(row["spread_difference"], row["spread_difference_err"])
        sigmas = (
            f" ({sigma_f:+.1f} sigma), spread {difference_s} ({sigma_s:+.1f} sigma)"
            if sigma_f is not None and sigma_s is not None
            else f", spread {difference_s}"
        )
        block_spread = math.sqrt((row["b"] ** 2 - 1) / 6)
        sentences.append(
            f"DBN {row['probe'].replace('layer', 'layer ')} (L = {row['L']}, b = {row['b']}): trained - untrained "
            f"median window fraction {difference_f}{sigmas}, errors over the units of one network (not over "
            f"training seeds): {word} (trained "
            f"{value_error(row['window_fraction'], row['window_fraction_err'])} and "
            f"{value_error(row['spread'], row['spread_err'])}; one b x b block spin: 1 and {block_spread:.2f})."
        )
    return sentences


def _verdict_table(summary: dict) -> list[str]:
    """Maps by criteria: each cell the value with its error and the outcome (pass, FAIL, or
    ``ref`` for a reference value or a tautology), the criteria that vote marked in the header."""
    rows = summary["verdict"]["rows"]
    criteria = list(dict.fromkeys(row["criterion"] for row in rows))
    votes = {row["criterion"]: str(row["votes"]).lower() == "true" for row in rows}
    maps = {}
    for row in rows:
        key = (row["map"], row["model"] or "", row["weights"], row["b"])
        maps.setdefault(key, {"seeds": ""})[row["criterion"]] = row
        if isinstance(row.get("seeds"), str) and len(row["seeds"]) > len(maps[key]["seeds"]):
            maps[key]["seeds"] = row["seeds"]

    def cell(row) -> str:
        if row is None:
            return "·"
        outcome = {"true": "pass", "false": "FAIL"}.get(str(row["passed"]).lower(), "ref")
        if row["value"] is None:
            # a learned map whose measurement located nothing fails; otherwise not measurable
            return "none located FAIL" if outcome == "FAIL" else "·"
        return f"{value_error(row['value'], row['value_err'])} {outcome}"

    table = [
        {
            "map": map_name if weights != "rsmi" else "RSMI",
            "model": model,
            "weights": weights + (f" ({len(cells['seeds'].split(','))} seeds)" if "," in cells["seeds"] else ""),
            "b": b,
            **{criterion: cell(cells.get(criterion)) for criterion in criteria},
        }
        for (map_name, model, weights, b), cells in maps.items()
    ]
    columns = [("map", "map"), ("model", "model"), ("weights", "weights"), ("b", "b")]
    columns += [(f"{criterion}{' (votes)' if votes[criterion] else ''}", criterion) for criterion in criteria]
    return markdown_table(table, columns)


def _calibration_table(summary: dict) -> list[str]:
    return markdown_table(
        summary["calibration"]["rows"],
        [
            ("criterion", "criterion"),
            ("threshold", "threshold"),
            ("positive control", lambda r: f"{r['positive_control']}: {_outcome(r['positive_passed'])}"),
            ("untrained architectures failing", lambda r: f"{r['negatives_failed']} of {r['negatives']}"),
            ("votes", lambda r: "yes" if str(r["votes"]).lower() == "true" else "no"),
            ("why", "reason"),
            ("other exact maps", "other_exact_maps"),
        ],
    )


def _outcome(passed) -> str:
    return {"true": "passes", "false": "fails"}.get(str(passed).lower(), "not measured")


#: The sections of :func:`summary_markdown`, in order: name -> (heading, writer(summary) -> lines,
#: or None where the summary lacks what the section needs).
MARKDOWN_SECTIONS = {
    "answer": (
        "Answer",
        lambda s: [s["answer"], "", *(f"* {sentence}" for sentence in s["criteria"])] if "answer" in s else None,
    ),
    "key_numbers": (
        "Key numbers",
        lambda s: (
            markdown_table(
                [{"what": k, "value": v} for k, v in key_numbers(s).items()], [("quantity", "what"), ("value", "value")]
            )
            + ["", f"Onsager T_c = {s['onsager_T_c']:.6f} J/k_B."]
        ),
    ),
    "critical_temperature": (
        "Critical temperature",
        lambda s: markdown_table(tc_rows(s), [("estimate", "estimate"), ("T_c [J/k_B]", "T_c")]),
    ),
    "latent_critical_temperature": (
        "Latent T_c: every estimator (test split; value ± stat ± sys; seeds that located it)",
        lambda s: (
            markdown_table(
                latent_tc_rows(s),
                [("model", "model"), ("estimate", "estimate"), ("T_c [J/k_B]", "T_c"), ("seeds", "seeds")],
            )
            + [
                "",
                "Errors are the jackknife over the test samples (common to every seed) and the seed-to-seed "
                "spread widened by Student's t; they leave out the noise of the particular training samples, "
                "which every seed shares (one split of the data). `sys` is the largest shift of T_c(∞), beyond "
                "the shift's own statistical noise, when the fit drops the smallest L or adds a 1/L² term "
                "(0 where every shift is within its noise). A `@L24` model is one network trained at L = 24 "
                "and applied at every L with the same weights.",
            ]
            if "tc_latent" in s
            else None
        ),
    ),
    "latent_offset": (
        "Does the code's peak track the magnetisation's? T*_z(L) − T*_m(L) on the same samples [J/k_B]",
        lambda s: _offset_table(s) if "tc_latent" in s else None,
    ),
    "rg_flow": (
        "Block-spin RG flow (fixed point T* and nu)",
        lambda s: (
            markdown_table(
                s["rg_flow"]["rows"],
                [
                    ("L → L/b", lambda r: f"{r['L']} → {r['L_coarse']}"),
                    ("b", "b"),
                    ("map", "map"),
                    ("observable", "observable"),
                    ("T* [J/k_B]", lambda r: value_error(r["T_star"], r["T_star_err"])),
                    ("nu", lambda r: value_error(r["nu"], r["nu_err"])),
                ],
            )
            if "rg_flow" in s
            else None
        ),
    ),
    "dynamic_exponents": (
        "Dynamic exponents",
        lambda s: (
            markdown_table(
                s["dynamic_exponents"]["rows"],
                [
                    ("algorithm", "algorithm"),
                    ("observable", "observable"),
                    ("z", lambda r: value_error(r["z"], r["z_err"])),
                    ("sizes", "sizes"),
                ],
            )
            if "dynamic_exponents" in s
            else None
        ),
    ),
    "width_sweep": (
        "Latent width sweep",
        lambda s: (
            markdown_table(
                s["width_sweep"]["rows"],
                [
                    ("reference", "reference"),
                    ("model", "model"),
                    ("L", "L"),
                    ("test loss", "test_loss"),
                    ("T_c (mean code) [J/k_B]", lambda r: value_error(r["T_c_mean"], r["T_c_mean_err"])),
                    ("r_chi", "r_chi"),
                ],
            )
            if "width_sweep" in s
            else None
        ),
    ),
    "calibration": (
        "Calibration: a criterion votes only if exact RG passes it and untrained weights fail it",
        lambda s: _calibration_table(s) if "calibration" in s else None,
    ),
    "verdict": (
        "Verdict: every map through every criterion (value(error), pass / FAIL / ref: a reference value)",
        lambda s: _verdict_table(s) if "verdict" in s else None,
    ),
    "locality": (
        "Locality of the receptive fields (median over the units of one network; no error: the spread over "
        "units is in locality.csv, and the DBN's layers have bootstrap errors in their own section)",
        lambda s: (
            markdown_table(
                s["locality"]["rows"],
                [
                    ("model", "model"),
                    ("weights", "weights"),
                    ("probe", "probe"),
                    ("b", "b"),
                    ("units", "units"),
                    ("window fraction", "window_fraction"),
                    ("spread", "spread"),
                ],
            )
            if "locality" in s
            else None
        ),
    ),
    "dbn": (
        "Deep belief network (Mehta & Schwab) beside its untrained initial weights, on held-out configurations",
        lambda s: (
            [f"* {sentence}" for sentence in dbn_sentences(s)]
            + [""]
            + markdown_table(
                dbn_rows(s),
                [
                    ("layer", "layer"),
                    ("b", "b"),
                    ("weights", "weights"),
                    ("units", "units"),
                    ("epochs", "epochs"),
                    ("held-out reconstruction error", "error"),
                    ("window fraction (median)", "window_fraction"),
                    ("spread (median)", "spread"),
                ],
            )
            if "dbn" in s
            else None
        ),
    ),
    "datasets": (
        "Datasets",
        lambda s: markdown_table(
            s["datasets"],
            [
                ("L", "L"),
                ("temperatures", "temperatures"),
                ("samples per T", "samples_per_temperature"),
                ("algorithm", "algorithm"),
                ("MB on disk", lambda r: f"{r['bytes'] / 1e6:.1f}"),
            ],
        ),
    ),
    "performance": (
        "Run time and memory per stage (from the benchmark files)",
        lambda s: (
            _run_sentence(s["performance"].get("run"))
            + markdown_table(
                s["performance"]["rows"],
                [
                    ("stage", "stage"),
                    ("jobs", "jobs"),
                    ("summed wall time (s)", lambda r: f"{r['wall_s']:.0f}"),
                    ("CPU time (s)", lambda r: "" if r["cpu_s"] is None else f"{r['cpu_s']:.0f}"),
                    ("largest job (MB)", lambda r: "" if r["max_rss_mb"] is None else f"{r['max_rss_mb']:.0f}"),
                ],
            )
        ),
    ),
    "provenance": (
        "Provenance",
        lambda s: (
            [
                f"seed {s['seed']}, config SHA-256 `{s['config_sha256']}`, deeprenorm {s['version']}"
                + (f" (commit `{s['commit']}`)" if s.get("commit") else " (no git checkout: no commit)"),
                "",
            ]
            + markdown_table(
                [{"package": k, "version": v} for k, v in s["software"].items()],
                [("package", "package"), ("version", "version")],
            )
        ),
    ),
}


def format_duration(seconds: float) -> str:
    """``seconds`` as people say a run's length: ``"48 s"``, ``"10 min 39 s"``, ``"2 h 05 min"``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _run_sentence(run: dict | None) -> list[str]:
    if not run or run.get("elapsed_s") is None:
        return []
    return [
        f"The last run made {run['jobs']} of the study's {run['of_jobs']} jobs in {format_duration(run['elapsed_s'])}, "
        f"from the first one's start ({run['first_started']}) to the last one's end, at most {run['max_parallel_jobs']} "
        f"at once on a machine with {run['machine_cpus']} CPUs; the summed wall time below is what every job of the "
        "study would take one after another.",
        "",
    ]


def summary_markdown(summary: dict, sections=None, *, level: int = 2, title: bool = True) -> str:
    """The summary as Markdown (``results/summary.md``): the :data:`MARKDOWN_SECTIONS` named in
    ``sections`` (default: all), each under a heading of ``level``; with ``title`` the document's
    title and the question first."""
    lines = ["# deeprenorm: summary of the study", "", f"*{summary['question']}*", ""] if title else []
    for name in sections or MARKDOWN_SECTIONS:
        heading, writer = MARKDOWN_SECTIONS[name]
        body = writer(summary)
        if body is not None:
            lines += ["#" * level + " " + heading, "", *body, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def report_description(summary: dict, method_text: str) -> str:
    """The front page of the Snakemake report (reStructuredText): ``method_text`` (the question
    and the method, ``workflow/report/workflow.rst``) followed by the answer and its key numbers
    from ``summary``.  Jinja braces are left out of the generated part, which Snakemake renders
    as a template."""
    lines = [method_text.rstrip(), "", "Answer", "------", ""]
    if "answer" in summary:
        # braces would be template syntax, |...| a reStructuredText substitution
        for text in (summary["answer"], *summary["criteria"]):
            lines += [text.replace("{", "(").replace("}", ")").replace("|", "\\|"), ""]
    for what, value in key_numbers(summary).items():
        lines.append(f"* {what}: {value}")
    lines += [
        "",
        f"Onsager's T_c = {summary['onsager_T_c']:.6f} J/k_B. Every number here is generated from the result tables "
        f"(``results/summary.json``, ``results/summary.md``); config SHA-256 ``{summary['config_sha256'][:16]}``.",
        "",
    ]
    return "\n".join(lines)


def dataset_record(path: str | Path) -> dict:
    """One entry of ``datasets``: the size of a dataset file, from its header only."""
    import xarray as xr

    with xr.open_dataset(path) as dataset:
        n_temperatures, n_samples, L, _ = dataset["spins"].shape
        return {
            "L": int(L),
            "temperatures": int(n_temperatures),
            "samples_per_temperature": int(n_samples),
            "spins": int(n_temperatures * n_samples * L * L),
            "bytes": Path(path).stat().st_size,
            "algorithm": str(dataset.attrs.get("algorithm", "")),
        }


def torch_devices(sidecars, encodings) -> dict[str, dict[str, int]]:
    """``{"train": {device: jobs}, "encode": {device: jobs}}``: on which torch device (``cpu``,
    ``cuda``) each training job ran, from its checkpoint's JSON sidecar (``sidecars``), and each
    encoding job, from its encoding's ``device`` attribute (``encodings``), counted. With
    ``autoencoder.device: auto`` this is where the study says whether it found a GPU."""
    import xarray as xr

    trained = [json.loads(Path(path).read_text())["device"] for path in sidecars]
    encoded = []
    for path in encodings:
        with xr.open_dataset(path) as encoding:
            encoded.append(str(encoding.attrs["device"]))
    return {
        kind: {device: devices.count(device) for device in sorted(set(devices))}
        for kind, devices in (("train", trained), ("encode", encoded))
    }
