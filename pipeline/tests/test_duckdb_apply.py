"""A sync's scratch DuckDB file applied to DuckDB staging (pipeline/duckdb_apply.py).

The scratch files are built here as PyAirbyte leaves them (its column types, its `_airbyte_state` rows, a
read's records in the order the source emitted them); the whole path through the sandbox is
integration_tests/test_duplicate_keys.py and test_end_to_end.py.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipeline.duckdb_apply import apply_to_duckdb
from pipeline.scratch import StreamLoad
from pipeline.staging import Staging

PREFIX = "conn__"
COLUMNS = ("id BIGINT, code VARCHAR, amount DECIMAL(38, 9), _airbyte_raw_id VARCHAR, _airbyte_extracted_at TIMESTAMP, "
           "_airbyte_meta JSON")  # PyAirbyte's DuckDB types
STATE = "CREATE TABLE staging._airbyte_state (source_name VARCHAR, stream_name VARCHAR, table_name VARCHAR PRIMARY KEY, " \
        "state_json VARCHAR, last_updated TIMESTAMP WITH TIME ZONE)"
LOADS = [StreamLoad("lines", "merge", ("id",)), StreamLoad("events", "append"), StreamLoad("periods", "replace", ("id",))]


def _scratch(path: Path, tables: dict[str, list[tuple]], cursor: str, columns: str = COLUMNS) -> Path:
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE SCHEMA staging")
        db.execute(STATE)
        for stream, rows in tables.items():
            db.execute(f"CREATE TABLE staging.{PREFIX}{stream} ({columns})")
            for row in rows:  # one by one: the order the source emitted them
                db.execute(f"INSERT INTO staging.{PREFIX}{stream} VALUES ({', '.join('?' * len(row))})", list(row))
            db.execute("INSERT INTO staging._airbyte_state VALUES ('source-x', ?, ?, ?, now())",
                       [stream, PREFIX + stream, json.dumps({"cursor": cursor})])
    return path


def _row(id_: int, code: str, amount: str, at: str, *extra) -> tuple:
    return (id_, code, amount, f"raw-{id_}-{code}", f"2026-02-01 {at}", "{}", *extra)


def _rows(staging: Staging, stream: str, columns: str = "id, code, amount") -> list[tuple]:
    with duckdb.connect(str(staging.duckdb_path), read_only=True) as db:
        return db.execute(f"SELECT {columns} FROM staging.{PREFIX}{stream} ORDER BY id, code").fetchall()


def _cursors(staging: Staging) -> dict[str, str]:
    with duckdb.connect(str(staging.duckdb_path), read_only=True) as db:
        return {stream: json.loads(state)["cursor"]
                for stream, state in db.execute("SELECT stream_name, state_json FROM staging._airbyte_state").fetchall()}


def test_one_row_per_key_the_record_emitted_last_even_in_the_same_millisecond(tmp_path):
    staging = Staging(duckdb_path=tmp_path / "warehouse.duckdb")
    first = {"lines": [_row(1, "a old", "1", "10:00:00"), _row(2, "b", "2", "10:00:00"), _row(1, "a new", "1.5", "10:00:01")],
             "events": [_row(1, "e1", "1", "10:00:00")],
             "periods": [_row(1, "p1 old", "1", "10:00:00"), _row(1, "p1 new", "1", "10:00:00")]}  # a tie
    apply_to_duckdb(staging, _scratch(tmp_path / "1.duckdb", first, "one"), PREFIX, LOADS)
    assert _rows(staging, "lines") == [(1, "a new", Decimal("1.5")), (2, "b", Decimal(2))]
    assert _rows(staging, "periods", "id, code") == [(1, "p1 new")]

    # Key 2 twice in the same millisecond (the later wins), key 3 new; a new column; events appended.
    columns = COLUMNS + ", extra VARCHAR"
    second = {"lines": [_row(2, "b old", "2.5", "11:00:00", "x"), _row(3, "c", "3", "11:00:00", "x"),
                        _row(2, "b new", "2.75", "11:00:00", "y")],
              "events": [_row(1, "e1 again", "1", "11:00:00", "x")], "periods": [_row(2, "p2", "2", "11:00:00", "x")]}
    apply_to_duckdb(staging, _scratch(tmp_path / "2.duckdb", second, "two", columns), PREFIX, LOADS)
    assert _rows(staging, "lines", "id, code, amount, extra") == [
        (1, "a new", Decimal("1.5"), None), (2, "b new", Decimal("2.75"), "y"), (3, "c", Decimal(3), "x")]
    assert _rows(staging, "events", "id, code") == [(1, "e1"), (1, "e1 again")]
    assert _rows(staging, "periods", "id, code") == [(2, "p2")]
    assert _cursors(staging) == {"lines": "two", "events": "two", "periods": "two"}


def test_a_failing_load_leaves_every_table_and_the_state_as_they_were(tmp_path):
    staging = Staging(duckdb_path=tmp_path / "warehouse.duckdb")
    first = {"periods": [_row(1, "p1", "1", "10:00:00")], "lines": [_row(1, "a", "1", "10:00:00")]}
    apply_to_duckdb(staging, _scratch(tmp_path / "1.duckdb", first, "one"), PREFIX, LOADS)
    with duckdb.connect(str(staging.duckdb_path)) as db:  # a column that can no longer take the source's values
        db.execute(f"ALTER TABLE staging.{PREFIX}lines ALTER COLUMN code TYPE DATE USING NULL")
    before = {stream: _rows(staging, stream) for stream in first}

    # `periods` (replaced) is applied before `lines` fails: the transaction must undo it too.
    second = {"periods": [_row(9, "p9", "9", "11:00:00")], "lines": [_row(1, "not a date", "5", "11:00:00")]}
    with pytest.raises(duckdb.ConversionException):
        apply_to_duckdb(staging, _scratch(tmp_path / "2.duckdb", second, "two"), PREFIX,
                        [StreamLoad("periods", "replace", ("id",)), StreamLoad("lines", "merge", ("id",))])
    assert {stream: _rows(staging, stream) for stream in first} == before
    assert _cursors(staging) == {"periods": "one", "lines": "one"}
