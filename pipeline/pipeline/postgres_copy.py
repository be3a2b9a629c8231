"""Exact PostgreSQL staging: the sync's scratch DuckDB file (see scratch) is brought over with COPY.

PyAirbyte's own PostgresCache reads its batch files with pandas `read_json`, which rounds decimals of more
than 15 significant digits and turns numeric-looking text ("0100") into numbers. Its DuckDB cache is exact,
so the sync is read into a scratch DuckDB file (scratch), then:

1. each stream's rows leave DuckDB as CSV (decimals as their exact text, empty text quoted so it stays
   distinct from NULL), one row per primary key (`scratch.rows_to_load`: the record the source emitted last);
2. one PostgreSQL transaction per connection applies them with PyAirbyte's own `auto` semantics
   (`CatalogProvider.resolve_write_method`): merge on the primary key, append for a cursor without a key,
   replace otherwise or when the read is a full refresh; new columns are added, columns the source no longer
   sends stay (NULL in new rows), and the state rows are written in the same transaction. A failure anywhere
   leaves every table and the state as they were.

Tables are typed from the catalog as PyAirbyte types them in DuckDB: numeric(38,9) for `airbyte_type`
number, text for strings, jsonb for objects and arrays, timestamptz (UTC; PyAirbyte's DuckDB tables hold
zone-less UTC timestamps), date and time as declared.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import duckdb  # the module PyAirbyte's DuckDB cache uses
import psycopg

from .scratch import STATE_TABLE, StreamLoad, rows_to_load, scratch_tables, state_rows, write_state
from .staging import Staging
from .warehouse import quote, table_exists

COPY_BLOCK_BYTES = 1 << 20

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


def copy_into_postgres(staging: Staging, scratch_path: Path, table_prefix: str, loads: list[StreamLoad]) -> None:
    """Apply the scratch tables of `loads` and the connection's state to PostgreSQL in one transaction."""
    schema = staging.schema
    with duckdb.connect(str(scratch_path), read_only=True) as scratch, psycopg.connect(staging.dsn) as db:
        scratch.execute("SET TimeZone = 'UTC'")
        tables = scratch_tables(scratch, schema)
        with db.transaction():
            db.execute("SET LOCAL TIME ZONE 'UTC'")  # DuckDB's zone-less timestamps are UTC
            db.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            for load in loads:
                table = table_prefix + load.stream
                if table in tables:
                    _apply_stream(scratch, db, schema, table, load, tables[table])
            if STATE_TABLE in tables:
                write_state(db, schema, state_rows(scratch, f"{quote(schema)}.{STATE_TABLE}", table_prefix))


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
    query = rows_to_load(f"{quote(schema)}.{quote(table)}", table, names, load)
    if load.method != "merge":
        _copy(scratch, db, query, f"COPY {target} ({column_list}) FROM STDIN (FORMAT csv)")
        return
    db.execute(f"CREATE TEMPORARY TABLE _pipeline_batch (LIKE {target}) ON COMMIT DROP")
    _copy(scratch, db, query, f"COPY _pipeline_batch ({column_list}) FROM STDIN (FORMAT csv)")
    matches = " AND ".join(f"{target}.{quote(key)} = _pipeline_batch.{quote(key)}" for key in load.primary_key)
    db.execute(f"DELETE FROM {target} USING _pipeline_batch WHERE {matches}")
    db.execute(f"INSERT INTO {target} ({column_list}) SELECT {column_list} FROM _pipeline_batch")
    db.execute("DROP TABLE _pipeline_batch")


def _copy(scratch: duckdb.DuckDBPyConnection, db: psycopg.Connection, query: str, copy_sql: str) -> None:
    """Stream `query`'s rows from DuckDB to PostgreSQL as CSV: every value quoted, so an unquoted empty field is
    NULL and `""` an empty string on both sides; decimals are written as their exact text."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        scratch.execute(f"COPY ({query}) TO '{file.name}' (FORMAT csv, HEADER false, FORCE_QUOTE *)")
        with db.cursor().copy(copy_sql) as copy, open(file.name, "rb") as rows:
            while block := rows.read(COPY_BLOCK_BYTES):
                copy.write(block)


def _postgres_type(duck_type: str) -> str:
    decimal = _DECIMAL.fullmatch(duck_type)
    if decimal:
        return f"numeric({decimal[1]},{decimal[2]})"
    return _POSTGRES_TYPES.get(duck_type, "text")


def _postgres_columns(db: psycopg.Connection, schema: str, table: str) -> set[str]:
    return {row[0] for row in db.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                                         "AND table_name = %s", [schema, table]).fetchall()}
