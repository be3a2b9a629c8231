"""`review`: what changed between the catalog synced with and the discovered one, and what is breaking."""

from __future__ import annotations

import copy

from destination_mappings import FieldUse

from pipeline.schema_changes import NOT_IN_SOURCE, catalog_to_keep, review

SYNCED = {"streams": [
    {"name": "lines", "json_schema": {"type": "object", "properties": {
        "RECORDNO": {"type": "integer"}, "AMOUNT": {"type": ["null", "number"]}, "DEPT": {"type": ["null", "string"]},
        "MEMO": {"type": ["null", "string"]}, "CREW": {"type": ["null", "integer"]}, "WHEN": {"type": "string", "format": "date-time"}}},
     "source_defined_primary_key": [["RECORDNO"]], "default_cursor_field": ["WHEN"]},
    {"name": "accounts", "json_schema": {"properties": {"NO": {"type": "string"}}}, "source_defined_primary_key": [["NO"]]},
]}
USES = [FieldUse("gl", "lines", "DEPT", "facts", "facts.yaml", "department"),
        FieldUse("gl", "lines", "AMOUNT", "facts", "facts.yaml", "amount")]


def changed(edit) -> dict:
    catalog = copy.deepcopy(SYNCED)
    edit({entry["name"]: entry for entry in catalog["streams"]})
    return catalog


def kinds(result) -> list[tuple]:
    return [(c.stream, c.kind, c.field, c.breaking) for c in result.changes]


def test_first_run_and_unchanged_catalog_have_no_changes():
    assert review("gl", None, SYNCED, USES).changes == []
    assert review("gl", SYNCED, copy.deepcopy(SYNCED), USES).changes == []


def test_additive_changes_are_applied_without_stopping():
    def edit(streams):
        streams["lines"]["json_schema"]["properties"]["POOL"] = {"type": ["null", "string"]}
        streams["lines"]["json_schema"]["properties"]["CREW"] = {"type": ["null", "number"]}
        del streams["lines"]["json_schema"]["properties"]["MEMO"]  # removed, but no mapping reads it
    result = review("gl", SYNCED, changed(edit), USES)
    assert sorted(kinds(result)) == [("lines", "field_added", "POOL", False), ("lines", "field_removed", "MEMO", False),
                                     ("lines", "type_widened", "CREW", False)]
    assert not result.blocked and result.widened_columns() == [("lines", "CREW")]


def test_a_removed_mapped_field_is_breaking_and_names_the_mapping():
    result = review("gl", SYNCED, changed(lambda s: s["lines"]["json_schema"]["properties"].pop("DEPT")), USES)
    assert kinds(result) == [("lines", "field_removed", "DEPT", True)]
    assert result.blocked
    message = result.stop_message()
    assert "gl.lines: field DEPT removed; read by mapping facts (facts.yaml, department)" in message
    assert "--accept-schema-changes" in message
    assert not review("gl", SYNCED, changed(lambda s: s["lines"]["json_schema"]["properties"].pop("DEPT")), USES,
                      accept=True).blocked


def test_narrowing_types_keys_and_cursors_are_breaking_and_need_a_full_refresh_when_accepted():
    def edit(streams):
        streams["lines"]["json_schema"]["properties"]["AMOUNT"] = {"type": ["null", "integer"]}
        streams["accounts"]["source_defined_primary_key"] = [["NO"], ["ENTITY"]]
        streams["lines"]["default_cursor_field"] = ["RECORDNO"]
    result = review("gl", SYNCED, changed(edit), USES)
    assert sorted(kinds(result)) == [("accounts", "primary_key_changed", None, True),
                                     ("lines", "cursor_changed", None, True), ("lines", "type_changed", "AMOUNT", True)]
    assert result.full_refresh_streams() == set()  # blocked: nothing is loaded
    accepted = review("gl", SYNCED, changed(edit), USES, accept=True)
    assert accepted.full_refresh_streams() == {"accounts", "lines"}


def test_streams_added_and_removed():
    def edit(streams):
        streams["lines"]["name"] = "new_lines"
    assert sorted(kinds(review("gl", SYNCED, changed(edit), USES))) == [
        ("lines", "stream_removed", None, True), ("new_lines", "stream_added", None, False)]


def test_a_field_the_source_keeps_but_marks_not_sent_is_removed():
    def edit(streams):
        streams["lines"]["json_schema"]["properties"]["DEPT"][NOT_IN_SOURCE] = True
    assert kinds(review("gl", SYNCED, changed(edit), USES)) == [("lines", "field_removed", "DEPT", True)]


def test_removed_fields_are_kept_marked_and_reported_once():
    discovered = changed(lambda s: s["lines"]["json_schema"]["properties"].pop("DEPT"))
    accepted = review("gl", SYNCED, discovered, USES, accept=True)
    kept = catalog_to_keep(SYNCED, discovered, accepted)
    assert kept["streams"][0]["json_schema"]["properties"]["DEPT"][NOT_IN_SOURCE] is True
    assert review("gl", kept, discovered, USES).changes == []
