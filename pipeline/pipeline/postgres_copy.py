"""Exact PostgreSQL staging: PyAirbyte loads a sync into a scratch DuckDB file, then COPY brings it over.

PyAirbyte's own PostgresCache reads its batch files with pandas `read_json`, which rounds decimals of more
than 15 significant digits and turns numeric-looking text ("0100") into numbers. Its DuckDB cache is exact,
so a sync into PostgreSQL runs in three steps:

1. a fresh DuckDB file holds the sync, seeded with the connection's state from PostgreSQL's `_airbyte_state`
   (so the source resumes where the last sync stopped), written with PyAirbyte's `append` strategy (every
   record read, the cheapest write path);
2. each stream's rows leave DuckDB as CSV (decimals as their exact text, empty text quoted so it stays
   distinct from NULL);
3. one PostgreSQL transaction per connection applies them with PyAirbyte's own `auto` semantics
   (`CatalogProvider.resolve_write_method`): merge on the primary key (the newest record of a key wins, as
   PyAirbyte's merge does), append for a cursor without a key, replace otherwise or when the read is a full
   refresh; new columns are added, columns the source no longer sends stay (NULL in new rows), and the state
   rows are written in the same transaction. A failure anywhere leaves every table and the state as they were.

Tables are typed from the catalog as PyAirbyte types them in DuckDB: numeric(38,9) for `airbyte_type`
number, text for strings, jsonb for objects and arrays, timestamptz (UTC; PyAirbyte's DuckDB tables hold
zone-less UTC timestamps), date and time as declared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import duckdb  # the module PyAirbyte's DuckDB cache uses
import psycopg

from .connections import PipelineError
from .staging import Staging
from .warehouse import execute, quote, table_exists

if TYPE_CHECKING:
    from airbyte.caches import DuckDBCache

STATE_TABLE = "_airbyte_state"  # PyAirbyte's state table, the same layout in DuckDB and PostgreSQL
COPY_BLOCK_BYTES = 1 << 20
EXTRACTED_AT = "_airbyte_extracted_at"

# DuckDB column type (as information_schema spells it) → PostgreSQL column type.
_POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "BOOLEAN": "boolean",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "DATE": "date",
    "TIME": "time",
    "TIME WITH TIME ZONE": "timetz",
    "TIMESTAMP": "timestamptz",  # PyAirbyte's DuckDB DDL drops the zone it asks for; the values are UTC
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "JSON": "jsonb",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


@dataclass(frozen=True)
class StreamLoad:
    """How one stream's scratch table is applied: `method` is merge, append or replace (PyAirbyte's names)."""

    stream: str
    method: str
    primary_key: tuple[str, ...] = ()


def scratch_cache(path: Path, schema: str, table_prefix: str) -> "DuckDBCache":
    """The DuckDB cache a PostgreSQL sync is read into (a file of its own, removed after the copy)."""
    from airbyte.caches import DuckDBCache

    return DuckDBCache(db_path=path, schema_name=schema, table_prefix=table_prefix)


def seed_state(staging: Staging, scratch: "DuckDBCache", source_name: str, table_prefix: str) -> None:
    """Give the scratch cache the connection's saved state, so the read resumes from it."""
    from airbyte_protocol.models import AirbyteStateMessage  # the pydantic models PyAirbyte writes state with

    with psycopg.connect(staging.dsn) as db:
        if not table_exists(db, staging.schema, STATE_TABLE):
            return
        rows = execute(db, f"SELECT state_json FROM {quote(staging.schema)}.{STATE_TABLE} WHERE table_name LIKE %s "
                           "ESCAPE '\\'", [_like_prefix(table_prefix)])
    writer = scratch.get_state_writer(source_name)
    for (state_json,) in rows:
        writer.write_state(AirbyteStateMessage.model_validate_json(state_json))


def scratch_row_counts(scratch_path: Path, schema: str, table_prefix: str, streams: Iterable[str]) -> dict[str, int]:
    """stream → records the sync read (the scratch tables are appended to: one row per record)."""
    with duckdb.connect(str(scratch_path), read_only=True) as db:
        tables = _scratch_tables(db, schema)
        return {stream: db.execute(f"SELECT COUNT(*) FROM {quote(schema)}.{quote(table_prefix + stream)}").fetchone()[0]
                for stream in streams if table_prefix + stream in tables}


def copy_into_postgres(staging: Staging, scratch_path: Path, table_prefix: str, loads: list[StreamLoad]) -> None:
    """Apply the scratch tables of `loads` and the connection's state to PostgreSQL in one transaction."""
    schema = staging.schema
    with duckdb.connect(str(scratch_path), read_only=True) as scratch, psycopg.connect(staging.dsn) as db:
        scratch.execute("SET TimeZone = 'UTC'")
        tables = _scratch_tables(scratch, schema)
        with db.transaction():
            db.execute("SET LOCAL TIME ZONE 'UTC'")  # DuckDB's zone-less timestamps are UTC
            db.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            for load in loads:
                table = table_prefix + load.stream
                if table in tables:
                    _apply_stream(scratch, db, schema, table, load, tables[table])
            _copy_state(scratch, db, schema, table_prefix)


def _apply_stream(scratch: duckdb.DuckDBPyConnection, db: psycopg.Connection, schema: str, table: str,
                  load: StreamLoad, columns: list[tuple[str, str]]) -> None:
    target = f"{quote(schema)}.{quote(table)}"
    definitions = [(name, _postgres_type(duck_type)) for name, duck_type in columns]
    if load.method == "replace" or not table_exists(db, schema, table):
        db.execute(f"DROP TABLE IF EXISTS {target}")
        db.execute(f"CREATE TABLE {target} ({', '.join(f'{quote(name)} {kind}' for name, kind in definitions)})")
    else:
        existing = _postgres_columns(db, schema, table)
        for name, kind in definitions:
            if name not in existing:
                db.execute(f"ALTER TABLE {target} ADD COLUMN {quote(name)} {kind}")
    names = [name for name, _ in columns]
    column_list = ", ".join(quote(name) for name in names)
    query = f"SELECT {column_list} FROM {quote(schema)}.{quote(table)}"
    if load.method != "merge":
        _copy(scratch, db, query, f"COPY {target} ({column_list}) FROM STDIN (FORMAT csv)")
        return
    missing = [key for key in load.primary_key if key not in names]
    if missing:
        raise PipelineError(f"{table}: primary key column(s) {', '.join(missing)} not in the loaded table")
    keys = ", ".join(quote(key) for key in load.primary_key)
    # The newest record of a key wins, as in PyAirbyte's merge.
    query += f" QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {quote(EXTRACTED_AT)} DESC, rowid DESC) = 1"
    db.execute(f"CREATE TEMPORARY TABLE _pipeline_batch (LIKE {target}) ON COMMIT DROP")
    _copy(scratch, db, query, f"COPY _pipeline_batch ({column_list}) FROM STDIN (FORMAT csv)")
    matches = " AND ".join(f"{target}.{quote(key)} = _pipeline_batch.{quote(key)}" for key in load.primary_key)
    db.execute(f"DELETE FROM {target} USING _pipeline_batch WHERE {matches}")
    db.execute(f"INSERT INTO {target} ({column_list}) SELECT {column_list} FROM _pipeline_batch")
    db.execute("DROP TABLE _pipeline_batch")


def _copy(scratch: duckdb.DuckDBPyConnection, db: psycopg.Connection, query: str, copy_sql: str) -> None:
    """Stream `query`'s rows from DuckDB to PostgreSQL as CSV: every value quoted, so an unquoted empty field is
    NULL and `""` an empty string on both sides; decimals are written as their exact text."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        scratch.execute(f"COPY ({query}) TO '{file.name}' (FORMAT csv, HEADER false, FORCE_QUOTE *)")
        with db.cursor().copy(copy_sql) as copy, open(file.name, "rb") as rows:
            while block := rows.read(COPY_BLOCK_BYTES):
                copy.write(block)


def _copy_state(scratch: duckdb.DuckDBPyConnection, db: psycopg.Connection, schema: str, table_prefix: str) -> None:
    """The connection's state rows, as the scratch cache holds them after the read, replace PostgreSQL's."""
    rows = scratch.execute(f"SELECT source_name, stream_name, table_name, state_json FROM {quote(schema)}.{STATE_TABLE} "
                           "WHERE table_name LIKE ? ESCAPE '\\'", [_like_prefix(table_prefix)]).fetchall()
    db.execute(f"CREATE TABLE IF NOT EXISTS {quote(schema)}.{STATE_TABLE} (source_name VARCHAR, stream_name VARCHAR, "
               "table_name VARCHAR NOT NULL PRIMARY KEY, state_json VARCHAR, last_updated TIMESTAMPTZ)")
    for source_name, stream_name, table_name, state_json in rows:
        db.execute(f"DELETE FROM {quote(schema)}.{STATE_TABLE} WHERE table_name = %s", [table_name])
        db.execute(f"INSERT INTO {quote(schema)}.{STATE_TABLE} VALUES (%s, %s, %s, %s, now())",
                   [source_name, stream_name, table_name, state_json])


def _scratch_tables(scratch: duckdb.DuckDBPyConnection, schema: str) -> dict[str, list[tuple[str, str]]]:
    """table → [(column, DuckDB type)] in column order."""
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in scratch.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
            "ORDER BY table_name, ordinal_position", [schema]).fetchall():
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _postgres_type(duck_type: str) -> str:
    decimal = _DECIMAL.fullmatch(duck_type)
    if decimal:
        return f"numeric({decimal[1]},{decimal[2]})"
    return _POSTGRES_TYPES.get(duck_type, "text")


def _postgres_columns(db: psycopg.Connection, schema: str, table: str) -> set[str]:
    return {row[0] for row in db.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                                         "AND table_name = %s", [schema, table]).fetchall()}


def _like_prefix(table_prefix: str) -> str:
    """A LIKE pattern for names starting with `table_prefix` (its `_` taken literally)."""
    return table_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
