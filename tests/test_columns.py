"""deeprenorm.columns: the column dictionary agrees with the column lists the writers use, keeps one
error suffix, and docs/tables.md is its current rendering. (tests/test_workflow.py checks it
against every CSV file of the tiny study.)"""

from pathlib import Path

import pytest

from deeprenorm.columns import TABLES, describe, render

DOCS = Path(__file__).resolve().parents[1] / "docs" / "tables.md"


def test_docs_tables_md_is_the_rendered_dictionary():
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/tables.md is out of date: run `python -m deeprenorm.columns docs/tables.md`"
    )


def _writers() -> dict[str, list[str]]:
    """Table -> the columns its writer declares, for every table whose writer has such a list
    (the default study's files have exactly these)."""
    from deeprenorm import dynamics, sweep, thermo
    from deeprenorm.latent import critical, phase, seeds
    from deeprenorm.ml import train
    from deeprenorm.probes import dbn
    from deeprenorm.probes import study as probes
    from deeprenorm.rg import learned, mcrg, rsmi, study, verdict

    return {
        "thermodynamics": thermo.THERMODYNAMIC_COLUMNS,
        "tc_thermodynamic": thermo.ESTIMATE_COLUMNS,
        "thermodynamics_reweighted": thermo.CURVE_COLUMNS,
        "autocorrelation": dynamics.AUTOCORRELATION_COLUMNS,
        "training_history": train.HISTORY_COLUMNS,
        "tc_latent": seeds.COMBINED_COLUMNS,
        # the latent study appends the training seed to these (deeprenorm.latent.study)
        "tc_latent_per_seed": [*critical.LATENT_ESTIMATE_COLUMNS, "training_seed"],
        "latent_phase": [*phase.PHASE_COLUMNS, "training_seed"],
        "latent_curves": [*critical.LATENT_CURVE_COLUMNS, "training_seed"],
        "latent_reconstruction": sweep.RECONSTRUCTION_COLUMNS,
        "latent_unit_correlations": sweep.UNIT_COLUMNS,
        "latent_width_sweep": sweep.SWEEP_COLUMNS,
        "rg_flow": study.FLOW_COLUMNS,
        "rg_flow_curves": study.FLOW_CURVE_COLUMNS,
        "block_spins": study.BLOCK_SPIN_COLUMNS,
        "rg_exponents": mcrg.TABLE_COLUMNS,
        "rg_agreement": learned.AGREEMENT_COLUMNS,
        "rg_learned_flow": learned.LEARNED_FLOW_COLUMNS,
        "rg_learned_curves": ["model", "weights", "seed", *study.FLOW_CURVE_COLUMNS],
        "rg_information": [*learned.INFORMATION_COLUMNS, "rank"],
        "rg_information_replicas": learned.INFORMATION_REPLICA_COLUMNS,
        "network_flow": learned.NETWORK_FLOW_COLUMNS,
        "network_flow_fixed_points": learned.NETWORK_FIXED_POINT_COLUMNS,
        "network_flow_directions": learned.NETWORK_DIRECTION_COLUMNS,
        "rsmi_history": rsmi.HISTORY_COLUMNS,
        "rg_verdict": verdict.VERDICT_COLUMNS,
        "rg_verdict_calibration": verdict.CALIBRATION_COLUMNS,
        "locality": probes.LOCALITY_COLUMNS,
        # workflow/scripts/dbn.py appends the configurations' temperature, and the layer to the history
        "dbn_locality": [*probes.DBN_LOCALITY_COLUMNS, "temperature"],
        "dbn_layers": [*probes.DBN_LAYER_COLUMNS, "temperature"],
        "dbn_history": [*dbn.HISTORY_COLUMNS, "layer"],
    }


def test_every_declared_column_list_is_documented_in_its_order():
    writers = _writers()
    differ = {
        name: {
            "undocumented": [c for c in columns if c not in names],
            "documented, not written": [c for c in names if c not in columns],
        }
        for name, columns in writers.items()
        if (names := [column.name for column in TABLES[name].columns]) != list(columns)
    }
    assert not differ, f"the dictionary and the writers' column lists differ: {differ}"
    # tables without a declared list: checked against the tiny study's files only
    assert set(TABLES) - set(writers) == {
        "dynamic_exponents",
        "latent_summary",
        "performance",
        "performance_stages",
        "performance_run",
    }


def test_one_error_suffix_and_every_column_described():
    for table in TABLES.values():
        names = [column.name for column in table.columns]
        assert len(set(names)) == len(names), f"{table.name}: a column twice"
        for column in table.columns:
            assert column.meaning and column.unit, f"{table.name}.{column.name}: no meaning or unit"
            if column.name.endswith("_err"):
                value = column.name.removesuffix("_err")
                assert value in names, f"{table.name}.{column.name}: the error of no column of the table"
                assert column.unit == TABLES[table.name].columns[names.index(value)].unit
                assert names.index(column.name) == names.index(value) + 1, (
                    f"{table.name}.{column.name}: not after {value}"
                )
        # "error" alone or as a suffix is spelled _err; the reconstruction errors are quantities
        errors = [name for name in names if name == "error" or name.endswith("_error")]
        assert set(errors) <= {"reconstruction_error", "held_out_error"}, f"{table.name}: {errors}"


def test_a_column_name_has_one_unit_across_tables():
    units = {}
    for table in TABLES.values():
        for column in table.columns:
            units.setdefault(column.name.removesuffix("_err"), set()).add(column.unit)
    # slope: a T_c extrapolation's a (J/k_B) and a flow's dT'/dT; value: an MCRG exponent and a
    # verdict criterion's measurement
    assert {name for name, found in units.items() if len(found) > 1} == {"slope", "value"}
    temperatures = [name for name in units if name.startswith("T_") and "deviation" not in name]
    assert temperatures and all(units[name] == {"J/k_B"} for name in temperatures), temperatures


def test_describe_gives_a_tables_columns_in_file_order():
    frame = describe("rg_verdict")
    assert list(frame.columns) == ["name", "meaning", "unit"]
    assert frame["name"].tolist()[4:7] == ["criterion", "value", "value_err"]
    row = frame.set_index("name").loc["value_err"]
    assert row["meaning"].endswith("standard error of value") and row["unit"] == "per criterion"
    assert describe("thermodynamics").set_index("name").loc["temperature", "unit"] == "J/k_B"
    with pytest.raises(KeyError, match="no table 'nope'.*known: thermodynamics, tc_thermodynamic"):
        describe("nope")
