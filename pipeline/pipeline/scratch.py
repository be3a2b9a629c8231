"""Every sync is read by PyAirbyte into a scratch DuckDB file first, then applied to staging by our own SQL.

The scratch file starts empty, so PyAirbyte writes it with its `replace` strategy: no reflection of the
staging tables and no MERGE per stream (most of its write time on small streams), and its DuckDB cache keeps
every digit. It is seeded with the connection's saved state, so the source resumes where the last sync
stopped. Applying it to staging (duckdb_apply for a DuckDB file, postgres_copy for PostgreSQL) then follows
PyAirbyte's `auto` semantics, with one difference PyAirbyte lacks: a stream with a primary key keeps ONE row
per key, the record the source emitted last (`newest_per_key`). A key emitted twice in one read (an entry
edited during the read comes again on a later page; an inclusive cursor re-reads a row) would otherwise be
stored twice by PyAirbyte's `replace`, and DuckDB's MERGE inserts both rows of a new key and updates an old
one with either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import duckdb  # the module PyAirbyte's DuckDB cache uses

from .connections import PipelineError
from .staging import Staging
from .warehouse import execute, quote, table_exists

if TYPE_CHECKING:
    from airbyte.caches import DuckDBCache

STATE_TABLE = "_airbyte_state"  # PyAirbyte's state table, the same layout in DuckDB and PostgreSQL
STATE_COLUMNS = "source_name, stream_name, table_name, state_json"
EXTRACTED_AT = "_airbyte_extracted_at"


@dataclass(frozen=True)
class StreamLoad:
    """How one stream's scratch table is applied: `method` is merge, append or replace (PyAirbyte's names)."""

    stream: str
    method: str
    primary_key: tuple[str, ...] = ()


def scratch_cache(path: Path, schema: str, table_prefix: str) -> "DuckDBCache":
    """The DuckDB cache a sync is read into (a file of its own, removed after the sync is applied)."""
    from airbyte.caches import DuckDBCache  # PyAirbyte takes seconds to import

    return DuckDBCache(db_path=path, schema_name=schema, table_prefix=table_prefix)


def seed_state(staging: Staging, scratch: "DuckDBCache", source_name: str, table_prefix: str) -> None:
    """Give the scratch cache the connection's saved state, so the read resumes from it."""
    from airbyte_protocol.models import AirbyteStateMessage  # the pydantic models PyAirbyte writes state with

    if staging.duckdb_path is not None and not staging.duckdb_path.exists():
        return
    with staging.connect() as db:
        if not table_exists(db, staging.schema, STATE_TABLE):
            return
        rows = execute(db, f"SELECT state_json FROM {quote(staging.schema)}.{STATE_TABLE} WHERE table_name LIKE %s "
                           "ESCAPE '\\'", [like_prefix(table_prefix)])
    writer = scratch.get_state_writer(source_name)
    for (state_json,) in rows:
        writer.write_state(AirbyteStateMessage.model_validate_json(state_json))


def scratch_row_counts(scratch_path: Path, schema: str, table_prefix: str, streams: Iterable[str]) -> dict[str, int]:
    """stream → records the sync read (the scratch tables hold every record read, duplicates included)."""
    with duckdb.connect(str(scratch_path), read_only=True) as db:
        tables = scratch_tables(db, schema)
        return {stream: db.execute(f"SELECT COUNT(*) FROM {quote(schema)}.{quote(table_prefix + stream)}").fetchone()[0]
                for stream in streams if table_prefix + stream in tables}


def scratch_tables(db: duckdb.DuckDBPyConnection, schema: str, catalog: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """table → [(column, DuckDB type)] in column order, of the scratch file (`catalog`: its ATTACH name)."""
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in db.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
            "AND table_catalog = coalesce(?, current_database()) ORDER BY table_name, ordinal_position",
            [schema, catalog]).fetchall():
        tables.setdefault(table, []).append((column, data_type))
    return tables


def rows_to_load(source: str, table: str, columns: list[str], load: StreamLoad) -> str:
    """The SELECT of the scratch table `table` (`source`: its qualified name) to apply: with a primary key, one row per key, the record the source
    emitted last — the newest `_airbyte_extracted_at` (the source's emission time), and of records emitted in
    the same millisecond the later one (the scratch table holds a read's records in the order they came:
    PyAirbyte inserts a stream's batch files in the order it wrote them). Ties never decide."""
    query = f"SELECT {', '.join(quote(name) for name in columns)} FROM {source}"
    if not load.primary_key:
        return query
    missing = [key for key in load.primary_key if key not in columns]
    if missing:
        raise PipelineError(f"{table}: primary key column(s) {', '.join(missing)} not in the loaded table")
    keys = ", ".join(quote(key) for key in load.primary_key)
    return query + f" QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {quote(EXTRACTED_AT)} DESC, rowid DESC) = 1"


def state_rows(db: duckdb.DuckDBPyConnection, table: str, table_prefix: str) -> list[tuple]:
    """The connection's state rows (source_name, stream_name, table_name, state_json) of a state table."""
    return db.execute(f"SELECT {STATE_COLUMNS} FROM {table} WHERE table_name LIKE ? ESCAPE '\\'",
                      [like_prefix(table_prefix)]).fetchall()


def write_state(db: Any, schema: str, rows: list[tuple]) -> None:
    """Replace the staging state rows of the same tables with `rows` (DuckDB or PostgreSQL, inside the caller's
    transaction, so the state is saved with the load)."""
    table = f"{quote(schema)}.{STATE_TABLE}"
    execute(db, f"CREATE TABLE IF NOT EXISTS {table} (source_name VARCHAR, stream_name VARCHAR, "
                "table_name VARCHAR NOT NULL PRIMARY KEY, state_json VARCHAR, last_updated TIMESTAMPTZ)")
    for source_name, stream_name, table_name, state_json in rows:
        execute(db, f"DELETE FROM {table} WHERE table_name = %s", [table_name])
        execute(db, f"INSERT INTO {table} ({STATE_COLUMNS}, last_updated) VALUES (%s, %s, %s, %s, now())",
                [source_name, stream_name, table_name, state_json])


def like_prefix(table_prefix: str) -> str:
    """A LIKE pattern for names starting with `table_prefix` (its `_` taken literally)."""
    return table_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
