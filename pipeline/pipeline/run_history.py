"""Every run's health, appended to `analytics._pipeline_runs` and, per stream, `analytics._pipeline_stream_runs`.

The dashboard reads them next to the numbers; `python -m pipeline status` prints the last runs. Error texts
are stored after `redact` has removed every secret value of the configs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from .defaults import TARGET_SCHEMA
from .staging import Staging
from .summary import format_table
from .warehouse import execute, quote, table_exists

RUNS_TABLE = "_pipeline_runs"
STREAM_RUNS_TABLE = "_pipeline_stream_runs"
STATE_TABLE = "_airbyte_state"  # PyAirbyte's, in the staging schema: one row per stream table
REDACTED = "****"


@dataclass
class StreamRun:
    connection: str
    stream: str
    status: str  # "loaded", or "not loaded" (its connection stopped on a breaking schema change)
    rows_read: int = 0
    rows_written: int = 0  # rows of the staging table written by this run (new or replaced by the merge)
    state_before: str | None = None  # the stream's state JSON as PyAirbyte saved it
    state_after: str | None = None
    schema_changes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PipelineRun:
    run_id: str
    started_at: datetime
    ended_at: datetime | None = None
    status: str = "running"  # then "succeeded", "stopped" (a breaking schema change) or "failed" (an error)
    connections: list[str] = field(default_factory=list)
    streams: list[StreamRun] = field(default_factory=list)
    schema_changes: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def rows_read(self) -> int:
        return sum(stream.rows_read for stream in self.streams)

    @property
    def rows_written(self) -> int:
        return sum(stream.rows_written for stream in self.streams)


def stream_states(staging: Staging, table_prefix: str) -> dict[str, str]:
    """stream → the state JSON PyAirbyte keeps for the connection's table `<prefix><stream>`."""
    with staging.connect() as db:
        if not table_exists(db, staging.schema, STATE_TABLE):
            return {}
        rows = execute(db, f"SELECT stream_name, state_json FROM {quote(staging.schema)}.{STATE_TABLE} "
                           "WHERE table_name LIKE %s", (table_prefix + "%",))
    return {stream: state for stream, state in rows}


def latest_extraction(staging: Staging, table_prefix: str, streams: Iterable[str]) -> dict[str, Any]:
    """stream → the newest `_airbyte_extracted_at` of its staging table (absent: no table or no rows)."""
    latest = {}
    with staging.connect() as db:
        for stream in streams:
            if table_exists(db, staging.schema, table_prefix + stream):
                value = execute(db, f"SELECT MAX(_airbyte_extracted_at) FROM {_staging_table(staging, table_prefix, stream)}")[0][0]
                if value is not None:
                    latest[stream] = value
    return latest


def rows_written_after(staging: Staging, table_prefix: str, streams: Iterable[str], before: dict[str, Any]) -> dict[str, int]:
    """stream → rows of its staging table extracted after `before[stream]` (every row when it had none)."""
    written = {}
    with staging.connect() as db:
        for stream in streams:
            if not table_exists(db, staging.schema, table_prefix + stream):
                written[stream] = 0
                continue
            table = _staging_table(staging, table_prefix, stream)
            if stream in before:
                rows = execute(db, f"SELECT COUNT(*) FROM {table} WHERE _airbyte_extracted_at > %s", (before[stream],))
            else:
                rows = execute(db, f"SELECT COUNT(*) FROM {table}")
            written[stream] = int(rows[0][0])
    return written


def record_run(staging: Staging, run: PipelineRun) -> None:
    """Append the run and its streams (in one transaction on PostgreSQL)."""
    with staging.connect() as db:
        _ensure_tables(db)
        execute(db, "BEGIN")
        execute(db, f"INSERT INTO {quote(TARGET_SCHEMA)}.{RUNS_TABLE} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (run.run_id, run.started_at, run.ended_at, run.status, ",".join(run.connections), run.rows_read,
                 run.rows_written, json.dumps(run.schema_changes), run.error))
        for stream in run.streams:
            execute(db, f"INSERT INTO {quote(TARGET_SCHEMA)}.{STREAM_RUNS_TABLE} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (run.run_id, stream.connection, stream.stream, stream.status, stream.rows_read, stream.rows_written,
                     stream.state_before, stream.state_after, json.dumps(stream.schema_changes)))
        execute(db, "COMMIT")


def last_runs(staging: Staging, limit: int = 10) -> list[tuple]:
    """(started_at, ended_at, status, connections, rows_read, rows_written, changes, error) of the newest runs."""
    with staging.connect() as db:
        if not table_exists(db, TARGET_SCHEMA, RUNS_TABLE):
            return []
        return execute(db, f"SELECT started_at, ended_at, status, connections, rows_read, rows_written, schema_changes, "
                           f"error FROM {quote(TARGET_SCHEMA)}.{RUNS_TABLE} ORDER BY started_at DESC LIMIT %s", (limit,))


def format_runs(rows: list[tuple]) -> str:
    if not rows:
        return "no runs recorded yet"
    table = []
    for started, ended, status, connections, read, written, changes, error in rows:
        seconds = (ended - started).total_seconds() if ended and started else None
        table.append([f"{_utc(started):%Y-%m-%d %H:%M:%S}", "" if seconds is None else f"{seconds:.1f}s", status,
                      connections, read, written, len(json.loads(changes or "[]")), _first_line(error)])
    return format_table(["started (UTC)", "took", "status", "connections", "rows read", "rows written",
                         "schema changes", "error"], table)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value replaced (longest first, so no part of a longer one survives)."""
    for secret in sorted({value for value in secrets if value}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def secret_values(config: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """The config's values under keys the source's spec marks `airbyte_secret`, at any depth."""
    secret_keys: set[str] = set()

    def collect_keys(schema: Any) -> None:
        if isinstance(schema, dict):
            for name, sub in (schema.get("properties") or {}).items():
                if isinstance(sub, dict) and sub.get("airbyte_secret"):
                    secret_keys.add(name)
            for value in schema.values():
                collect_keys(value)
        elif isinstance(schema, list):
            for value in schema:
                collect_keys(value)

    def collect_values(value: Any, key: str | None = None) -> list[str]:
        if isinstance(value, dict):
            return [found for name, sub in value.items() for found in collect_values(sub, name)]
        if isinstance(value, list):
            return [found for sub in value for found in collect_values(sub, key)]
        return [str(value)] if key in secret_keys and value not in (None, "") else []

    collect_keys(spec.get("connectionSpecification", spec))
    return collect_values(config)


def _staging_table(staging: Staging, table_prefix: str, stream: str) -> str:
    return f"{quote(staging.schema)}.{quote(table_prefix + stream)}"


def _utc(moment: datetime) -> datetime:
    """Both drivers return TIMESTAMPTZ in the session's time zone; the table shows UTC."""
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment


def _first_line(text: str | None) -> str:
    if not text:
        return ""
    line = text.strip().splitlines()[0]
    return line if len(line) <= 80 else line[:77] + "..."


def _ensure_tables(db: Any) -> None:
    schema = quote(TARGET_SCHEMA)
    execute(db, f"CREATE SCHEMA IF NOT EXISTS {schema}")
    execute(db, f"CREATE TABLE IF NOT EXISTS {schema}.{RUNS_TABLE} (run_id TEXT PRIMARY KEY, started_at TIMESTAMPTZ NOT NULL, "
                "ended_at TIMESTAMPTZ, status TEXT NOT NULL, connections TEXT NOT NULL, rows_read BIGINT NOT NULL, "
                "rows_written BIGINT NOT NULL, schema_changes TEXT NOT NULL, error TEXT)")
    execute(db, f"CREATE TABLE IF NOT EXISTS {schema}.{STREAM_RUNS_TABLE} (run_id TEXT NOT NULL, connection TEXT NOT NULL, "
                "stream TEXT NOT NULL, status TEXT NOT NULL, rows_read BIGINT NOT NULL, rows_written BIGINT NOT NULL, "
                "state_before TEXT, state_after TEXT, schema_changes TEXT NOT NULL, PRIMARY KEY (run_id, connection, stream))")
