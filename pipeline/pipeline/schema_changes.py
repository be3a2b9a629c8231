"""Schema changes between the catalog a connection last synced with and the one discovered now.

Handled as Airbyte's "propagate" setting does: additive changes (new streams, new fields, integer → number)
are applied on their own; breaking ones (a removed field or stream that a mapping reads, a type change that
cannot widen, a changed primary key or cursor) stop the connection before it loads anything, unless they are
accepted (`accept_schema_changes`), which loads the stream anyway (a key, cursor or type change by a full
refresh of that stream).

A field the source stops sending is removed, whether it disappears from the catalog or stays in it marked
`NOT_IN_SOURCE` (source-sage-gl keeps a packaged field that `lookup` no longer lists that way, always null).
Removed fields stay in staging (PyAirbyte never drops a column; new rows hold NULL there), so the catalog
kept for a connection is the discovered one plus its removed fields, marked the same way: the mappings are
checked against what staging really holds, and a removal is reported once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from destination_mappings import FieldUse
from destination_mappings.catalog import as_streams

from .staging import Staging
from .warehouse import execute, quote

NOT_IN_SOURCE = "x-not-in-source"  # a field in the schema (and staging) that the source does not send
WIDENINGS = {("integer", "number")}  # (old kind, new kind) a staging column takes in place
# PyAirbyte's column type for a JSON number (airbyte.types), the type a widened integer column becomes.
NUMBER_COLUMN_TYPE = "DECIMAL(38, 9)"


@dataclass(frozen=True)
class SchemaChange:
    connection: str
    stream: str
    kind: str  # stream_added, stream_removed, field_added, field_removed, type_widened, type_changed,
    #            primary_key_changed, cursor_changed
    field: str | None = None
    before: str | None = None
    after: str | None = None
    breaking: bool = False
    used_by: tuple[str, ...] = ()  # "<target> (<file>, <how>)" of every mapping that reads the field or stream

    @property
    def needs_full_refresh(self) -> bool:
        """Accepting it means reloading the stream: its key, cursor or a column's type no longer fits staging."""
        return self.kind in ("type_changed", "primary_key_changed", "cursor_changed")

    def describe(self) -> str:
        what = {
            "stream_added": "new stream",
            "stream_removed": "stream removed",
            "field_added": f"new field {self.field} ({self.after})",
            "field_removed": f"field {self.field} removed",
            "type_widened": f"field {self.field} widened {self.before} → {self.after}",
            "type_changed": f"field {self.field} changed type {self.before} → {self.after}",
            "primary_key_changed": f"primary key changed {self.before} → {self.after}",
            "cursor_changed": f"cursor changed {self.before} → {self.after}",
        }[self.kind]
        text = f"{self.connection}.{self.stream}: {what}"
        if self.used_by:
            text += f"; read by mapping {', '.join(self.used_by)}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"connection": self.connection, "stream": self.stream, "kind": self.kind, "field": self.field,
                "before": self.before, "after": self.after, "breaking": self.breaking, "used_by": list(self.used_by)}


@dataclass
class SchemaReview:
    """One connection's changes and what the run does about them."""

    connection: str
    changes: list[SchemaChange] = field(default_factory=list)
    accepted: bool = False

    @property
    def breaking(self) -> list[SchemaChange]:
        return [change for change in self.changes if change.breaking]

    @property
    def blocked(self) -> bool:
        """Breaking changes not accepted: the connection is not loaded."""
        return bool(self.breaking) and not self.accepted

    def full_refresh_streams(self) -> set[str]:
        return {change.stream for change in self.changes if change.needs_full_refresh and not self.blocked}

    def widened_columns(self) -> list[tuple[str, str]]:
        """(stream, field) of integer columns to widen to NUMBER_COLUMN_TYPE before loading."""
        if self.blocked:
            return []
        refreshed = self.full_refresh_streams()
        return [(change.stream, change.field) for change in self.changes
                if change.kind == "type_widened" and change.stream not in refreshed]

    def stop_message(self) -> str:
        """Why the connection was not loaded, and what to do: one paragraph per breaking change."""
        lines = [f"{self.connection}: breaking schema change(s), nothing of this connection was loaded:"]
        for change in self.breaking:
            lines.append(f"  - {change.describe()}")
            lines.append(f"    what to do: {_advice(change)}")
        return "\n".join(lines)


def _advice(change: SchemaChange) -> str:
    accept = "rerun with --accept-schema-changes (accept_schema_changes=True)"
    if change.kind == "field_removed":
        return (f"update the mapping(s) that read {change.field}, or {accept} to load without it "
                f"(staging keeps the column; new rows hold NULL in it)")
    if change.kind == "stream_removed":
        return f"update the mapping(s) that read stream {change.stream}, or {accept} to keep its last loaded rows"
    return f"{accept}: stream {change.stream} is then reloaded by a full refresh"


def review(connection: str, synced: dict[str, Any] | None, discovered: dict[str, Any],
           uses: list[FieldUse], *, accept: bool = False) -> SchemaReview:
    """Compare the catalog last synced with (None: first run) with the discovered one."""
    result = SchemaReview(connection, accepted=accept)
    if synced is None:
        return result
    old, new = as_streams(synced), as_streams(discovered)
    used = _uses_by_field(connection, uses)

    def change(stream: str, kind: str, field_name: str | None = None, before: Any = None, after: Any = None,
               breaking: bool = False) -> None:
        readers = used.get((stream, field_name), ()) if field_name else tuple(
            sorted({reader for (name, _), readers in used.items() if name == stream for reader in readers}))
        result.changes.append(SchemaChange(connection, stream, kind, field_name, _text(before), _text(after),
                                           breaking, readers))

    for stream in sorted(new.keys() - old.keys()):
        change(stream, "stream_added")
    for stream in sorted(old.keys() - new.keys()):
        change(stream, "stream_removed", breaking=any(name == stream for name, _ in used))
    for stream in sorted(old.keys() & new.keys()):
        old_fields, new_fields = _fields(old[stream].json_schema), _fields(new[stream].json_schema)
        for name in sorted(new_fields.keys() - old_fields.keys()):
            change(stream, "field_added", name, after=_kinds(new[stream], name))
        for name in sorted(old_fields.keys() - new_fields.keys()):
            change(stream, "field_removed", name, breaking=(stream, name) in used)
        for name in sorted(old_fields.keys() & new_fields.keys()):
            before, after = _kinds(old[stream], name), _kinds(new[stream], name)
            if before != after:
                widened = (before, after) in WIDENINGS
                change(stream, "type_widened" if widened else "type_changed", name, before, after, breaking=not widened)
        if old[stream].primary_key != new[stream].primary_key:
            change(stream, "primary_key_changed", before=old[stream].primary_key, after=new[stream].primary_key,
                   breaking=True)
        old_cursor, new_cursor = _cursor(synced, stream), _cursor(discovered, stream)
        if old_cursor != new_cursor:
            change(stream, "cursor_changed", before=old_cursor, after=new_cursor, breaking=True)
    return result


def catalog_to_keep(synced: dict[str, Any] | None, discovered: dict[str, Any], schema_review: SchemaReview) -> dict[str, Any]:
    """What staging holds after loading with `discovered`: the discovered catalog plus the fields the source
    removed (marked), except in streams reloaded by a full refresh (their tables are rebuilt)."""
    kept = copy.deepcopy(discovered)
    if synced is None:
        return kept
    refreshed = schema_review.full_refresh_streams()
    old_entries = {_stream(entry)["name"]: _stream(entry) for entry in synced.get("streams", [])}
    for entry in kept.get("streams", []):
        stream = _stream(entry)
        old = old_entries.get(stream["name"])
        if old is None or stream["name"] in refreshed:
            continue
        properties = stream.setdefault("json_schema", {}).setdefault("properties", {})
        for name, schema in old.get("json_schema", {}).get("properties", {}).items():
            if name not in properties:
                properties[name] = {**schema, NOT_IN_SOURCE: True}
    return kept


def _uses_by_field(connection: str, uses: list[FieldUse]) -> dict[tuple[str, str], tuple[str, ...]]:
    by_field: dict[tuple[str, str], set[str]] = {}
    for use in uses:
        if use.connection == connection:
            by_field.setdefault((use.stream, use.field), set()).add(f"{use.target} ({use.file}, {use.used_as})")
    return {key: tuple(sorted(readers)) for key, readers in by_field.items()}


def _stream(entry: dict[str, Any]) -> dict[str, Any]:
    return entry.get("stream", entry)


def _fields(json_schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields the source sends."""
    return {name: schema for name, schema in json_schema.get("properties", {}).items() if not schema.get(NOT_IN_SOURCE)}


def _kinds(stream, name: str) -> str:
    kinds = stream.field_kinds([name])
    return "/".join(sorted(kinds)) if kinds else "any"


def _cursor(catalog: dict[str, Any], stream_name: str) -> list[str] | None:
    for entry in catalog.get("streams", []):
        stream = _stream(entry)
        if stream["name"] == stream_name:
            return stream.get("default_cursor_field") or None
    return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ", ".join(map(str, value)) or "(none)"


def widen_columns(staging: Staging, table_prefix: str, columns: list[tuple[str, str]]) -> None:
    """ALTER the staging columns of fields that widened from integer to number, before the load writes
    decimals into them (a BIGINT column would round them). Columns not created yet need nothing."""
    with staging.connect() as db:
        for stream, field_name in columns:
            table = table_prefix + stream
            found = execute(db, "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                                "AND table_name = %s AND lower(column_name) = lower(%s)", (staging.schema, table, field_name))
            if found:
                execute(db, f"ALTER TABLE {quote(staging.schema)}.{quote(table)} ALTER COLUMN {quote(found[0][0])} "
                            f"TYPE {NUMBER_COLUMN_TYPE}")
