"""Validation before anything runs: shape, coverage, and fit with the sources' catalogs; all errors at once."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from destination_mappings import MappingValidationError, check_mappings, shipped_mappings_dir
from destination_mappings.cli import main

BASE = {
    "target": {"table": "lines", "primary_key": ["line_id"],
               "columns": {"line_id": {"type": "bigint", "nullable": False}, "date": {"type": "date", "nullable": False},
                           "account": "text", "project_code": "text"}},
    "sources": [{"connection": "sage_gl", "stream": "journal_entry_lines",
                 "field_mappings": {"RECORDNO": "line_id", "ENTRY_DATE": "date", "ACCOUNTNO": "account"}}],
}


def errors_of(tmp_path, mapping: dict, catalogs: dict) -> list[str]:
    path = tmp_path / "lines.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False))
    with pytest.raises(MappingValidationError) as raised:
        check_mappings([path], catalogs)
    return [str(error) for error in raised.value.errors]


def test_shipped_mappings_fit_the_sources_catalogs(catalogs):
    result = check_mappings(None, catalogs)
    assert [loaded.table for loaded in result.order] == ["financial_transactions", "time_entries", "labour_cost_vs_gl"]
    assert result.unchecked_connections == set()


def test_missing_stream(tmp_path, catalogs):
    mapping = copy.deepcopy(BASE)
    mapping["sources"][0]["stream"] = "journal_lines"
    [error] = errors_of(tmp_path, mapping, catalogs)
    assert error.startswith("lines.yaml: target lines / source sage_gl.journal_lines: stream 'journal_lines' is not "
                            "in the catalog of connection 'sage_gl' (streams: deleted_records, gl_accounts, ")


def test_missing_fields_top_level_nested_and_joined(tmp_path, catalogs):
    mapping = copy.deepcopy(BASE)
    mapping["sources"][0]["field_mappings"]["ACCOUNT_NO"] = mapping["sources"][0]["field_mappings"].pop("ACCOUNTNO")
    mapping["sources"] = [mapping["sources"][0], {
        "connection": "time_harvest", "stream": "time_entries",
        "joins": [{"stream": "deleted_time_entries", "alias": "gone", "on": {"id": "entry_id"}}],
        "field_mappings": {"id": "line_id", "spent_date": "date", "project.cod": "project_code", "gone.when": "account"}}]
    assert errors_of(tmp_path, mapping, catalogs) == [
        "lines.yaml: target lines / source sage_gl.journal_entry_lines / field 'ACCOUNT_NO': no field 'ACCOUNT_NO' in "
        "the stream's schema (did you mean ACCOUNTNO, ACCOUNTTITLE, AMOUNT?)",
        "lines.yaml: target lines / source time_harvest.time_entries / field 'project.cod': no field 'project.cod' "
        "in the stream's schema (did you mean code?)",
        "lines.yaml: target lines / source time_harvest.time_entries / field 'gone.when': no field 'when' in the "
        "stream's schema",
        "lines.yaml: target lines / source time_harvest.time_entries / field 'joins.gone': no field 'entry_id' in the "
        "stream's schema",
    ]


def test_impossible_casts(tmp_path, catalogs):
    mapping = copy.deepcopy(BASE)
    mapping["target"]["columns"]["project_code"] = "numeric(10,2)"
    mapping["target"]["columns"]["account"] = "date"
    mapping["sources"][0]["field_mappings"] = {"RECORDNO": "line_id", "ENTRY_DATE": "date", "AMOUNT": "account",
                                               "WHENCREATED": "project_code"}
    assert errors_of(tmp_path, mapping, catalogs) == [
        "lines.yaml: target lines / source sage_gl.journal_entry_lines / field 'AMOUNT': holds JSON number, which "
        "cannot be cast to date (column 'account')",
        "lines.yaml: target lines / source sage_gl.journal_entry_lines / field 'WHENCREATED': holds JSON date-time, "
        "which cannot be cast to numeric(10,2) (column 'project_code')",
    ]


def test_uncovered_primary_key_and_not_null_columns(tmp_path, catalogs):
    mapping = copy.deepcopy(BASE)
    mapping["sources"][0]["field_mappings"] = {"ACCOUNTNO": "account"}
    assert errors_of(tmp_path, mapping, catalogs) == [
        "lines.yaml: target lines / source sage_gl.journal_entry_lines / field 'line_id': primary key column is not "
        "filled by this source",
        "lines.yaml: target lines / source sage_gl.journal_entry_lines / field 'date': NOT NULL column is not filled "
        "by this source",
    ]


def test_structural_errors_are_reported_together(tmp_path, catalogs):
    mapping = copy.deepcopy(BASE)
    mapping["target"]["primary_key"] = ["line_id", "entry"]
    mapping["target"]["columns"]["account"] = "geometry"
    mapping["sources"][0]["constants"] = {"account": "x", "nowhere": 1}
    mapping["sources"][0]["expressions"] = {"project_code": "COALESCE(PROJECTID,"}
    errors = errors_of(tmp_path, mapping, catalogs)
    assert errors[0].startswith("lines.yaml: target lines / field 'account': unsupported column type 'GEOMETRY' (use")
    assert errors[1] == "lines.yaml: target lines / field 'entry': primary key column is not a column of the target"
    assert errors[2] == ("lines.yaml: target lines / source sage_gl.journal_entry_lines / field 'account': filled "
                         "twice (by field_mappings and constants)")
    assert errors[3] == ("lines.yaml: target lines / source sage_gl.journal_entry_lines / field 'nowhere': constants "
                         "fill 'nowhere', which is not a column of the target")
    assert errors[4].startswith("lines.yaml: target lines / source sage_gl.journal_entry_lines / field "
                                "'project_code': cannot parse 'COALESCE(PROJECTID,'")
    assert len(errors) == 5


def test_shape_errors_name_the_file_and_the_key(tmp_path, catalogs):
    mapping = copy.deepcopy(BASE)
    mapping["sources"][0]["feild_mappings"] = {}
    del mapping["target"]["table"]
    assert errors_of(tmp_path, mapping, catalogs) == [
        "lines.yaml: field 'target.table': Field required",
        "lines.yaml: field 'sources.0.feild_mappings': Extra inputs are not permitted",
    ]


def test_the_seed_form_is_accepted(tmp_path, catalogs):
    seed = {"from": "Sage GL", "to": "financial_transactions", "stream": "journal_entry_lines",
            "field_mappings": {"ENTRY_DATE": "date", "ACCOUNTNO": "account_code", "AMOUNT": "amount",
                               "DESCRIPTION": "description"}}
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    [loaded] = check_mappings([path], catalogs).order
    assert loaded.mapping.target.columns["amount"].type == "text"
    assert (loaded.mapping.sources[0].connection, loaded.mapping.sources[0].stream) == ("sage_gl", "journal_entry_lines")


def test_a_target_reading_an_undefined_target(tmp_path, catalogs):
    labour = yaml.safe_load((shipped_mappings_dir() / "labour_cost_vs_gl.yaml").read_text())
    assert errors_of(tmp_path, labour, catalogs) == [
        "lines.yaml: target labour_cost_vs_gl / source target time_entries: reads target 'time_entries', which no "
        "mapping defines",
        "lines.yaml: target labour_cost_vs_gl / source target financial_transactions: reads target "
        "'financial_transactions', which no mapping defines",
    ]


def test_cli_check_exits_non_zero_and_lists_every_error(tmp_path, capsys, catalogs):
    for connection, catalog in catalogs.items():
        (tmp_path / f"{connection}.json").write_text(json.dumps(catalog))
    mapping = copy.deepcopy(BASE)
    mapping["sources"][0]["stream"] = "nope"
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "lines.yaml").write_text(yaml.safe_dump(mapping))
    assert main(["check", "--catalog-dir", str(tmp_path), "--mappings", str(tmp_path / "m")]) == 2
    assert "stream 'nope' is not in the catalog of connection 'sage_gl'" in capsys.readouterr().err
    assert main(["check", "--catalog", f"sage_gl={tmp_path / 'sage_gl.json'}"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "3 mapping(s) valid: financial_transactions, time_entries, labour_cost_vs_gl",
        "no catalog given for time_clockify, time_generic, time_harvest, time_quickbooks_time, time_toggl: fields not checked"]
