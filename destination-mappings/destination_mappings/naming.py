"""Staging tables as the database has them: names resolved case-insensitively after the loaders' name rules.

PyAirbyte lower-cases column names (``RECORDNO`` → ``recordno``); destination-postgres 3.x keeps their case
in quoted identifiers (``"RECORDNO"``). Both replace characters outside ``[A-Za-z0-9_]`` with ``_`` and put
``_`` before a leading digit. So a field resolves to the one column whose name equals its normalized form,
ignoring case, and the same mapping works on either table shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable


def normalize_name(name: str) -> str:
    """A stream or field name as the loaders name its table or column (before any lower-casing)."""
    normalized = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return f"_{normalized}" if normalized[:1].isdigit() else normalized


class AmbiguousName(LookupError):
    pass


@dataclass
class Table:
    schema: str
    name: str
    columns: dict[str, list[str]] = field(default_factory=dict)  # lower-cased → the stored names

    def column(self, field_name: str) -> str | None:
        """The stored column for a top-level field, or None when the table has no such column."""
        normalized = normalize_name(field_name)
        candidates = self.columns.get(normalized.lower(), [])
        if normalized in candidates:
            return normalized
        if len(candidates) > 1:
            raise AmbiguousName(f"{self.name} has columns {candidates} that differ only by case; none is {normalized!r}")
        return candidates[0] if candidates else None


@dataclass
class SchemaCatalog:
    """The tables of one schema, from ``information_schema.columns``."""

    schema: str
    tables: dict[str, Table] = field(default_factory=dict)  # lower-cased name → table

    @classmethod
    def from_rows(cls, schema: str, rows: Iterable[tuple[str, str]]) -> "SchemaCatalog":
        """Build from (table name, column name) rows in ordinal order."""
        catalog = cls(schema)
        for table_name, column in rows:
            table = catalog.tables.setdefault(table_name.lower(), Table(schema, table_name))
            table.columns.setdefault(column.lower(), []).append(column)
        return catalog

    def table(self, name: str) -> Table | None:
        return self.tables.get(normalize_name(name).lower())
