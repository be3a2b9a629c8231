"""`fields_read`: every stream field a mapping reads, wherever it appears, with the mapping that reads it."""

from __future__ import annotations

from destination_mappings import fields_read, load_mappings, shipped_mappings_dir


def uses_of(file: str) -> set[tuple[str, str, str, str]]:
    loaded, errors = load_mappings([shipped_mappings_dir() / file])
    assert not errors
    return {(use.connection, use.stream, use.field, use.used_as) for use in fields_read(loaded)}


def test_field_mappings_expressions_joins_and_flags_name_their_stream():
    uses = uses_of("financial_transactions.yaml")
    assert ("sage_gl", "journal_entry_lines", "DEPARTMENT", "department_id") in uses
    assert ("sage_gl", "journal_entries", "JOURNAL", "journal") in uses  # batch.JOURNAL: a joined stream
    assert ("sage_gl", "journal_entry_lines", "TR_TYPE", "amount") in uses  # in an expression
    assert ("sage_gl", "gl_accounts", "TITLE", "account_title") in uses  # a joined stream inside an expression
    assert ("sage_gl", "journal_entries", "RECORDNO", "joins.batch") in uses  # the joined side of `on`
    assert ("sage_gl", "journal_entry_lines", "BATCHNO", "joins.batch") in uses
    assert ("sage_gl", "deleted_records", "OBJECTKEY", "flag is_deleted") in uses
    assert ("sage_gl", "deleted_records", "ACCESSMODE", "flag is_deleted") in uses  # the flag's filter
    assert ("sage_gl", "journal_entry_lines", "RECORDNO", "primary_key") in uses


def test_sources_reading_other_targets_read_no_stream_field():
    loaded, _ = load_mappings([shipped_mappings_dir() / "labour_cost_vs_gl.yaml"])
    assert loaded and fields_read(loaded) == []
