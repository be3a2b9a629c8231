"""The SQL the compiler generates, as text, for PostgreSQL and DuckDB."""

from __future__ import annotations

import pytest

from destination_mappings.compiler import Compiler, Settings
from destination_mappings.models import Mapping
from destination_mappings.naming import SchemaCatalog
from destination_mappings.validation import LoadedMapping
from staging_fixtures import STREAMS

LINES = Mapping.model_validate({
    "target": {"table": "lines", "primary_key": ["line_id"], "columns": {
        "line_id": {"type": "bigint", "nullable": False}, "amount": {"type": "numeric(18,2)", "nullable": False},
        "batch_title": "text", "is_deleted": {"type": "boolean", "nullable": False}}},
    "sources": [{
        "connection": "sage_gl", "stream": "journal_entry_lines", "alias": "line", "primary_key": ["RECORDNO"],
        "joins": [{"stream": "journal_entries", "alias": "batch", "on": {"BATCHNO": "RECORDNO"}}],
        "field_mappings": {"RECORDNO": "line_id", "batch.BATCH_TITLE": "batch_title"},
        "expressions": {"amount": "TR_TYPE * AMOUNT"},
        "flags": {"is_deleted": {"stream": "deleted_records", "field": "OBJECTKEY", "filter": {"ACCESSMODE": "D"},
                                 "matches": ["CAST(RECORDNO AS TEXT) || '--GLENTRY'"]}},
        "filter": "STATE = 'Posted'"}],
})

META = ["_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta"]


def staging(shape: str) -> SchemaCatalog:
    """The staging schema's columns as information_schema would list them for one table shape."""
    rename = str.lower if shape == "pyairbyte" else str
    rows = [(f"{connection}__{stream}", rename(name))
            for connection, streams in STREAMS.items() for stream, (properties, _) in streams.items()
            for name in [*properties, *META]]
    return SchemaCatalog.from_rows("staging", rows)


def compile_lines(dialect: str, shape: str = "pyairbyte", catalog: str | None = None):
    compiler = Compiler(dialect, staging(shape), Settings(catalog=catalog))
    return compiler.compile(LoadedMapping("lines.yaml", LINES))


CREATE = ('CREATE TABLE "analytics"."lines" ("line_id" BIGINT NOT NULL, "amount" DECIMAL(18, 2) NOT NULL, '
          '"batch_title" TEXT, "is_deleted" BOOLEAN NOT NULL, PRIMARY KEY ("line_id"))')

ROWS_POSTGRES = (
    'SELECT CAST("line"."recordno" AS BIGINT) AS "line_id", CAST("line"."tr_type" * "line"."amount" AS DECIMAL(18, 2)) '
    'AS "amount", CAST("batch"."batch_title" AS TEXT) AS "batch_title", CAST(COALESCE(CAST("line"."recordno" AS TEXT) '
    '|| \'--GLENTRY\' IN (SELECT "_dm_is_deleted"."objectkey" FROM "staging"."sage_gl__deleted_records" AS '
    '"_dm_is_deleted" WHERE NOT "_dm_is_deleted"."objectkey" IS NULL AND "_dm_is_deleted"."accessmode" = \'D\'), '
    'FALSE) AS BOOLEAN) AS "is_deleted" '
    'FROM (SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "recordno" ORDER BY "_airbyte_extracted_at" DESC NULLS LAST) '
    'AS "_dm_row_number" FROM "staging"."sage_gl__journal_entry_lines") AS "_dm_ranked" WHERE "_dm_row_number" = 1) '
    'AS "line" LEFT JOIN "staging"."sage_gl__journal_entries" AS "batch" ON "line"."batchno" = "batch"."recordno" '
    'WHERE "line"."state" = \'Posted\' AND NOT COALESCE(JSONB_ARRAY_LENGTH(JSONB_EXTRACT_PATH(CAST('
    '"line"."_airbyte_meta" AS JSONB), \'changes\')), 0) > 0'
)


def test_postgres_statements_exactly():
    plan = compile_lines("postgres")
    create, insert = plan.sql("postgres")
    assert create == CREATE
    assert insert == (
        'INSERT INTO "analytics"."lines" ("line_id", "amount", "batch_title", "is_deleted") '
        'SELECT CAST("line_id" AS BIGINT) AS "line_id", CAST("amount" AS DECIMAL(18, 2)) AS "amount", '
        'CAST("batch_title" AS TEXT) AS "batch_title", CAST("is_deleted" AS BOOLEAN) AS "is_deleted" '
        f'FROM ({ROWS_POSTGRES}) AS "_dm_rows"')
    assert plan.sources[0].excluded.sql("postgres", identify=True).startswith(
        'SELECT COUNT(*) FROM (SELECT * FROM (SELECT *, ROW_NUMBER() OVER')
    assert plan.sources[0].excluded.sql("postgres", identify=True).endswith(
        'WHERE "line"."state" = \'Posted\' AND COALESCE(JSONB_ARRAY_LENGTH(JSONB_EXTRACT_PATH(CAST('
        '"line"."_airbyte_meta" AS JSONB), \'changes\')), 0) > 0')


def test_duckdb_statements_exactly():
    plan = compile_lines("duckdb", catalog="staging")
    create, insert = plan.sql("duckdb")
    assert create == CREATE.replace('"analytics"."lines"', '"staging"."analytics"."lines"')
    rows = (ROWS_POSTGRES
            .replace('"staging"."sage_gl', '"staging"."staging"."sage_gl')
            .replace(" DESC NULLS LAST)", " DESC)")  # DuckDB sorts NULLs last by default
            .replace('COALESCE(JSONB_ARRAY_LENGTH(JSONB_EXTRACT_PATH(CAST("line"."_airbyte_meta" AS JSONB), '
                     '\'changes\')), 0)',
                     'COALESCE(JSON_ARRAY_LENGTH(CAST("line"."_airbyte_meta" AS JSON), \'$.changes\'), 0)'))
    assert insert == (
        'INSERT INTO "staging"."analytics"."lines" ("line_id", "amount", "batch_title", "is_deleted") '
        'SELECT CAST("line_id" AS BIGINT) AS "line_id", CAST("amount" AS DECIMAL(18, 2)) AS "amount", '
        'CAST("batch_title" AS TEXT) AS "batch_title", CAST("is_deleted" AS BOOLEAN) AS "is_deleted" '
        f'FROM ({rows}) AS "_dm_rows"')


def test_platform_shape_resolves_case_kept_names():
    _, insert = compile_lines("postgres", shape="platform").sql("postgres")
    for fragment in ['CAST("line"."RECORDNO" AS BIGINT)', 'CAST("line"."TR_TYPE" * "line"."AMOUNT" AS DECIMAL(18, 2))',
                     'CAST("batch"."BATCH_TITLE" AS TEXT)', 'PARTITION BY "RECORDNO"',
                     'ON "line"."BATCHNO" = "batch"."RECORDNO"', '"_dm_is_deleted"."ACCESSMODE" = \'D\'',
                     'WHERE "line"."STATE" = \'Posted\'']:
        assert fragment in insert
    assert '"recordno"' not in insert


@pytest.mark.parametrize("dialect, extraction", [
    ("postgres", 'JSONB_EXTRACT_PATH_TEXT(CAST("time_entries"."project" AS JSONB), \'code\')'),
    ("duckdb", 'JSON_EXTRACT_STRING("time_entries"."project", \'$.code\')'),
])
def test_nested_fields_read_the_json_column(dialect, extraction):
    mapping = Mapping.model_validate({
        "target": {"table": "codes", "columns": {"code": "text"}},
        "sources": [{"connection": "time_harvest", "stream": "time_entries", "field_mappings": {"project.code": "code"}}],
    })
    plan = Compiler(dialect, staging("pyairbyte"), Settings()).compile(LoadedMapping("codes.yaml", mapping))
    assert f"SELECT CAST({extraction} AS TEXT) AS \"code\" FROM" in plan.sql(dialect)[1]
