"""The catalogs each connection synced with, versioned, in the warehouse next to PyAirbyte's state.

Table `<staging schema>._pipeline_catalogs` (connection, version, saved_at, run_id, catalog as JSON text):
kept in the same database as the staged rows and their state, so the catalog compared with always
describes the tables it was loaded into (a DuckDB file and a PostgreSQL warehouse each have their own).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from .staging import Staging
from .warehouse import execute, quote

TABLE = "_pipeline_catalogs"


def latest_catalog(staging: Staging, connection: str) -> dict[str, Any] | None:
    """The catalog of the connection's last load, or None before its first."""
    with staging.connect() as db:
        _ensure_table(db, staging.schema)
        rows = execute(db, f"SELECT catalog FROM {_table(staging)} WHERE connection = %s ORDER BY version DESC LIMIT 1",
                       (connection,))
    return json.loads(rows[0][0]) if rows else None


def save_catalog_version(staging: Staging, connection: str, catalog: dict[str, Any], run_id: str) -> int:
    """Append the catalog a load used as the connection's next version; returns the version number."""
    with staging.connect() as db:
        _ensure_table(db, staging.schema)
        version = execute(db, f"SELECT COALESCE(MAX(version), 0) + 1 FROM {_table(staging)} WHERE connection = %s",
                          (connection,))[0][0]
        execute(db, f"INSERT INTO {_table(staging)} VALUES (%s, %s, %s, %s, %s)",
                (connection, version, datetime.now(timezone.utc), run_id, json.dumps(catalog, sort_keys=True)))
    return int(version)


def _table(staging: Staging) -> str:
    return f"{quote(staging.schema)}.{TABLE}"


def _ensure_table(db: Any, schema: str) -> None:
    execute(db, f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
    execute(db, f"CREATE TABLE IF NOT EXISTS {quote(schema)}.{TABLE} (connection TEXT NOT NULL, version INTEGER NOT NULL, "
                "saved_at TIMESTAMPTZ NOT NULL, run_id TEXT NOT NULL, catalog TEXT NOT NULL, PRIMARY KEY (connection, version))")
