"""The copy of a sync's scratch DuckDB tables into PostgreSQL staging (pipeline/postgres_copy.py), on a real server.

The scratch tables are built here with the column types PyAirbyte's DuckDB cache gives them, holding the
values that PyAirbyte's own PostgresCache gets wrong (a 19-digit decimal, numeric-looking text, an empty
string next to a NULL); what PostgreSQL holds afterwards is read back with its types. The full path (sandbox →
sources → PyAirbyte → copy → mappings) is test_exact_values.py and test_end_to_end.py.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb
import psycopg
import pytest

from pipeline.connections import PipelineError
from pipeline.postgres_copy import copy_into_postgres
from pipeline.scratch import StreamLoad, scratch_cache, seed_state
from pipeline.staging import Staging

PREFIX = "conn__"
COLUMNS = ("id BIGINT, code VARCHAR, amount DECIMAL(38, 9), detail JSON, posted DATE, active BOOLEAN, "
           "_airbyte_raw_id VARCHAR, _airbyte_extracted_at TIMESTAMP, _airbyte_meta JSON")  # PyAirbyte's DuckDB types
STATE = "CREATE TABLE staging._airbyte_state (source_name VARCHAR, stream_name VARCHAR, table_name VARCHAR PRIMARY KEY, " \
        "state_json VARCHAR, last_updated TIMESTAMP WITH TIME ZONE)"


@pytest.fixture()
def staging(postgres_dsn, request) -> Staging:
    name = "copy_" + request.node.name.removeprefix("test_")[:40]
    with psycopg.connect(postgres_dsn, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name}")
        db.execute(f"CREATE DATABASE {name}")
        db.execute(f"ALTER DATABASE {name} SET timezone TO 'America/New_York'")  # not UTC, as many servers
    return Staging(dsn=urlunsplit(urlsplit(postgres_dsn)._replace(path=f"/{name}")))


def _scratch(path: Path, tables: dict[str, list[tuple]], states: dict[str, str], columns: str = COLUMNS) -> Path:
    """A scratch file as PyAirbyte leaves it: `<prefix><stream>` tables and its `_airbyte_state` rows."""
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE SCHEMA staging")
        db.execute(STATE)
        for stream, rows in tables.items():
            db.execute(f"CREATE TABLE staging.{PREFIX}{stream} ({columns})")
            for row in rows:
                db.execute(f"INSERT INTO staging.{PREFIX}{stream} VALUES ({', '.join('?' * len(row))})", list(row))
        for stream, cursor in states.items():
            db.execute("INSERT INTO staging._airbyte_state VALUES ('source-x', ?, ?, ?, now())",
                       [stream, PREFIX + stream, json.dumps({"type": "STREAM", "stream": {"cursor": cursor}})])
    return path


def _row(id_: int, code: str | None, amount: str, at: str, **extra) -> tuple:
    detail = json.dumps(extra.get("detail", {"tags": ["a", "b"], "n": 1}))
    return (id_, code, amount, detail, "2026-01-31", True, f"raw-{id_}-{at}", f"2026-02-01 {at}", "{}")  # UTC


def _query(staging: Staging, sql: str) -> list[tuple]:
    with psycopg.connect(staging.dsn) as db:
        return [tuple(row) for row in db.execute(sql).fetchall()]


def _states(staging: Staging) -> dict[str, str]:
    return dict(_query(staging, "SELECT stream_name, state_json FROM staging._airbyte_state"))


def test_values_arrive_exactly_and_typed_from_the_catalog(staging, tmp_path):
    rows = [_row(1, "0100", "12345678901234567.89", "10:00:00"),
            _row(2, "", "0.10", "10:00:01"),
            _row(3, None, "-0.000000001", "10:00:02"),
            _row(4, 'a "quoted", two-line\ntext: Zürich', "0", "10:00:03", detail={"q": "\"x\"", "nested": {"k": None}})]
    scratch = _scratch(tmp_path / "s.duckdb", {"lines": rows}, {"lines": "2026-02-01"})
    copy_into_postgres(staging, scratch, PREFIX, [StreamLoad("lines", "merge", ("id",))])

    held = _query(staging, f"SELECT id, code, amount, detail, posted, active, _airbyte_extracted_at FROM staging.{PREFIX}lines ORDER BY id")
    assert [row[:3] for row in held] == [(1, "0100", Decimal("12345678901234567.89")), (2, "", Decimal("0.10")),
                                         (3, None, Decimal("-0.000000001")), (4, 'a "quoted", two-line\ntext: Zürich', Decimal(0))]
    assert held[3][3] == {"q": "\"x\"", "nested": {"k": None}}
    assert held[0][4:] == (date(2026, 1, 31), True, datetime(2026, 2, 1, 10, 0, tzinfo=timezone.utc))
    types = dict(_query(staging, "SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema.columns c "
                                 "JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass "
                                 f"AND a.attname = c.column_name WHERE table_name = '{PREFIX}lines'"))
    assert types == {"id": "bigint", "code": "text", "amount": "numeric(38,9)", "detail": "jsonb", "posted": "date",
                     "active": "boolean", "_airbyte_raw_id": "text", "_airbyte_extracted_at": "timestamp with time zone",
                     "_airbyte_meta": "jsonb"}
    assert _states(staging) == {"lines": json.dumps({"type": "STREAM", "stream": {"cursor": "2026-02-01"}})}


def test_merge_append_and_replace_as_pyairbyte_auto_does(staging, tmp_path):
    first = {"lines": [_row(1, "a", "1", "10:00:00"), _row(2, "b", "2", "10:00:00")],
             "events": [_row(1, "e1", "1", "10:00:00")], "periods": [_row(1, "p1", "1", "10:00:00")]}
    loads = [StreamLoad("lines", "merge", ("id",)), StreamLoad("events", "append"), StreamLoad("periods", "replace")]
    copy_into_postgres(staging, _scratch(tmp_path / "1.duckdb", first, {}), PREFIX, loads)

    # The source sends a new column (`extra`) and stops sending `active`; key 2 twice in one sync, key 3 new.
    columns = COLUMNS.replace("active BOOLEAN, ", "") + ", extra VARCHAR"
    second = {stream: [(*row[:5], *row[6:], "x") for row in rows] for stream, rows in {
        "lines": [_row(2, "b old", "2.5", "11:00:00"), _row(2, "b new", "2.75", "11:00:01"), _row(3, "c", "3", "11:00:00")],
        "events": [_row(1, "e1 again", "1", "11:00:00")], "periods": [_row(2, "p2", "2", "11:00:00")]}.items()}
    copy_into_postgres(staging, _scratch(tmp_path / "2.duckdb", second, {}, columns), PREFIX, loads)

    assert _query(staging, f"SELECT id, code, amount, active, extra FROM staging.{PREFIX}lines ORDER BY id") == [
        (1, "a", Decimal(1), True, None), (2, "b new", Decimal("2.75"), None, "x"), (3, "c", Decimal(3), None, "x")]
    assert _query(staging, f"SELECT id, code FROM staging.{PREFIX}events ORDER BY code") == [(1, "e1"), (1, "e1 again")]
    assert _query(staging, f"SELECT id, code FROM staging.{PREFIX}periods") == [(2, "p2")]


def test_a_failing_copy_leaves_every_table_and_the_state_as_they_were(staging, tmp_path):
    loads = [StreamLoad("lines", "merge", ("id",)), StreamLoad("periods", "replace")]
    first = {"lines": [_row(1, "a", "1", "10:00:00")], "periods": [_row(1, "p1", "1", "10:00:00")]}
    copy_into_postgres(staging, _scratch(tmp_path / "1.duckdb", first, {"lines": "one", "periods": "one"}), PREFIX, loads)
    before = {table: _query(staging, f"SELECT * FROM staging.{PREFIX}{table} ORDER BY id") for table in ("lines", "periods")}
    with psycopg.connect(staging.dsn) as db:  # a column that can no longer take the source's values
        db.execute(f"ALTER TABLE staging.{PREFIX}lines ALTER COLUMN code TYPE date USING NULL")
    before["lines"] = _query(staging, f"SELECT * FROM staging.{PREFIX}lines ORDER BY id")

    # `periods` (replaced) is applied before `lines` fails: the transaction must undo it too.
    second = {"periods": [_row(9, "p9", "9", "11:00:00")], "lines": [_row(1, "not a date", "5", "11:00:00")]}
    with pytest.raises(psycopg.errors.InvalidDatetimeFormat):
        copy_into_postgres(staging, _scratch(tmp_path / "2.duckdb", second, {"lines": "two", "periods": "two"}), PREFIX,
                           [StreamLoad("periods", "replace"), StreamLoad("lines", "merge", ("id",))])

    assert {table: _query(staging, f"SELECT * FROM staging.{PREFIX}{table} ORDER BY id") for table in before} == before
    assert {stream: json.loads(state)["stream"]["cursor"] for stream, state in _states(staging).items()} == \
        {"lines": "one", "periods": "one"}


def test_a_primary_key_missing_from_the_table_is_named(staging, tmp_path):
    scratch = _scratch(tmp_path / "s.duckdb", {"lines": [_row(1, "a", "1", "10:00:00")]}, {})
    with pytest.raises(PipelineError, match="conn__lines: primary key column.s. recordno not in the loaded table"):
        copy_into_postgres(staging, scratch, PREFIX, [StreamLoad("lines", "merge", ("recordno",))])


def test_the_saved_state_seeds_the_scratch_cache_for_the_connection_only(staging, tmp_path):
    def state(stream: str, cursor: str) -> str:
        return json.dumps({"type": "STREAM", "stream": {"stream_descriptor": {"name": stream},
                                                        "stream_state": {"cursor": cursor}}})

    with psycopg.connect(staging.dsn) as db:
        db.execute("CREATE SCHEMA staging")
        db.execute(STATE.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"))
        db.execute("INSERT INTO staging._airbyte_state VALUES ('source-x', 'lines', 'conn__lines', %s, now()), "
                   "('source-x', 'lines', 'connx_lines', %s, now())", [state("lines", "saved"), state("lines", "other")])
    with scratch_cache(tmp_path / "scratch.duckdb", "staging", PREFIX) as scratch:
        seed_state(staging, scratch, "source-x", PREFIX)
        provider = scratch.get_state_provider("source-x")
        assert provider.known_stream_names == {"lines"}
        assert json.loads(provider.to_state_input_file_text())[0]["stream"]["stream_state"] == {"cursor": "saved"}
