"""DuckDB staging: the sync's scratch DuckDB file (see scratch) applied to the staging file with plain SQL.

The scratch file is ATTACHed read-only and, in one transaction per connection, each stream is applied with
PyAirbyte's `auto` semantics (`CatalogProvider.resolve_write_method`), as postgres_copy does for PostgreSQL:
replace (a full refresh, or a table that does not exist yet) creates the table from the scratch table, merge
deletes the staging rows of the keys read and inserts the read's rows, append inserts them; one row per
primary key (`scratch.rows_to_load`). New columns are added with the scratch table's type, columns the
source no longer sends stay (NULL in new rows), and the state rows are written in the same transaction: a
failure leaves every table and the state as they were. The values are copied DuckDB to DuckDB, exactly.
"""

from __future__ import annotations

from pathlib import Path

import duckdb  # the module PyAirbyte's DuckDB cache uses

from .scratch import STATE_TABLE, StreamLoad, rows_to_load, scratch_tables, state_rows, write_state
from .staging import Staging
from .warehouse import quote

SCRATCH = "pipeline_scratch"  # the ATTACH name of the scratch file


def apply_to_duckdb(staging: Staging, scratch_path: Path, table_prefix: str, loads: list[StreamLoad]) -> None:
    """Apply the scratch tables of `loads` and the connection's state to the DuckDB staging file in one transaction."""
    schema = staging.schema
    staging.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(staging.duckdb_path)) as db:
        db.execute(f"ATTACH '{_literal(scratch_path)}' AS {SCRATCH} (READ_ONLY)")
        tables = scratch_tables(db, schema, SCRATCH)
        db.execute("BEGIN TRANSACTION")
        try:
            db.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            for load in loads:
                table = table_prefix + load.stream
                if table in tables:
                    _apply_stream(db, schema, table, load, tables[table])
            if STATE_TABLE in tables:
                write_state(db, schema, state_rows(db, f"{SCRATCH}.{quote(schema)}.{STATE_TABLE}", table_prefix))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.execute(f"DETACH {SCRATCH}")


def _apply_stream(db: duckdb.DuckDBPyConnection, schema: str, table: str, load: StreamLoad,
                  columns: list[tuple[str, str]]) -> None:
    target = f"{quote(schema)}.{quote(table)}"
    names = [name for name, _ in columns]
    rows = rows_to_load(f"{SCRATCH}.{quote(schema)}.{quote(table)}", table, names, load)
    existing = _staging_columns(db, schema, table)
    if load.method == "replace" or not existing:
        db.execute(f"CREATE OR REPLACE TABLE {target} AS {rows}")
        return
    for name, duck_type in columns:
        if name not in existing:
            db.execute(f"ALTER TABLE {target} ADD COLUMN {quote(name)} {duck_type}")
    column_list = ", ".join(quote(name) for name in names)
    if load.method != "merge":
        db.execute(f"INSERT INTO {target} ({column_list}) {rows}")
        return
    db.execute(f"CREATE OR REPLACE TEMPORARY TABLE _pipeline_batch AS {rows}")
    matches = " AND ".join(f"{target}.{quote(key)} = _pipeline_batch.{quote(key)}" for key in load.primary_key)
    db.execute(f"DELETE FROM {target} USING _pipeline_batch WHERE {matches}")
    db.execute(f"INSERT INTO {target} ({column_list}) SELECT {column_list} FROM _pipeline_batch")
    db.execute("DROP TABLE _pipeline_batch")


def _staging_columns(db: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    """The columns of the staging table (none: no such table); not of the attached scratch file's namesake."""
    return {row[0] for row in db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = ? AND table_name = ?", [schema, table]).fetchall()}


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
