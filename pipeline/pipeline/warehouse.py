"""Small SQL helpers for the pipeline's own bookkeeping tables, the same on DuckDB and PostgreSQL."""

from __future__ import annotations

from typing import Any, Sequence

import psycopg


def execute(db: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Run `sql` with `%s` placeholders (psycopg's; DuckDB's `?` is substituted) and return the rows, if any."""
    if isinstance(db, psycopg.Connection):
        cursor = db.execute(sql, list(params))
    else:
        cursor = db.execute(sql.replace("%s", "?"), list(params))
    return [tuple(row) for row in cursor.fetchall()] if cursor.description else []


def table_exists(db: Any, schema: str, table: str) -> bool:
    return bool(execute(db, "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                        (schema, table)))


def quote(name: str) -> str:
    """A double-quoted identifier (both databases)."""
    return '"' + name.replace('"', '""') + '"'
