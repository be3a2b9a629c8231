"""One connection's sync: the installed source run by PyAirbyte into the staging cache.

PyAirbyte keeps the incremental state in the cache (`_airbyte_state`, keyed by table prefix + stream), so
a second sync resumes from where the first stopped. Streams with a primary key are merged on it.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import airbyte as ab
from airbyte.logs import get_global_file_logger

from .connections import Connection, PipelineError
from .defaults import DEFAULT_CATALOG_DIR
from .staging import Staging
from .summary import StreamSummary, SyncSummary


@dataclass(frozen=True)
class PreparedSource:
    """A source whose config passed its spec and whose catalog is discovered and saved: ready to read."""

    connection: Connection
    source: ab.Source
    catalog_path: Path


def prepare_source(connection: Connection, config: dict[str, Any], catalog_dir: Path = DEFAULT_CATALOG_DIR) -> PreparedSource:
    """Validate the config against the source's spec, discover, and save the catalog for the mappings."""
    source = ab.get_source(connection.source, local_executable=connection.executable())
    check_config(connection, config, source.config_spec)
    source.set_config(config, validate=False)
    return PreparedSource(connection, source, save_catalog(connection, source, catalog_dir))


def read_into_staging(prepared: PreparedSource, staging: Staging, *, streams: list[str] | None = None,
                      full_refresh: bool = False, full_refresh_streams: frozenset[str] = frozenset()) -> SyncSummary:
    """Read the streams into staging, incrementally from the state saved there by the previous sync.

    Incremental runs use PyAirbyte's `auto` strategy, which merges every stream that has a primary key
    (and appends or replaces the others). A full refresh ignores the saved state and replaces the
    tables, like Airbyte's "Full refresh | Overwrite". `full_refresh_streams` are reloaded that way in
    a first read, the others incrementally in a second (an accepted key, cursor or type change).
    """
    started = time.monotonic()
    connection, source = prepared.connection, prepared.source
    _select(source, streams)
    selected = source.get_selected_streams()
    reloaded = [] if full_refresh else [stream for stream in selected if stream in full_refresh_streams]
    _show_progress_lines()
    with staging.cache(connection.table_prefix) as cache:
        resumed = not full_refresh and bool(cache.get_state_provider(source.name).known_stream_names)
    summaries: dict[str, StreamSummary] = {}
    for part, replace in ((reloaded, True), ([stream for stream in selected if stream not in reloaded], full_refresh)):
        if part:
            source.select_streams(part)
            summaries.update(_read(source, staging, connection, replace))
    return SyncSummary(
        connection=connection.name,
        mode=_mode(full_refresh, resumed, reloaded),
        destination=staging.describe(),
        table_prefix=connection.table_prefix,
        streams=tuple(summaries[stream] for stream in selected),
        seconds=time.monotonic() - started,
    )


def _mode(full_refresh: bool, resumed: bool, reloaded: list[str]) -> str:
    if full_refresh:
        return "full refresh"
    mode = "incremental" if resumed else "incremental, no saved state yet"
    return f"{mode}; full refresh of {', '.join(reloaded)}" if reloaded else mode


def _read(source: ab.Source, staging: Staging, connection: Connection, full_refresh: bool) -> dict[str, StreamSummary]:
    # Closed at the end: a DuckDB file stays locked (in this process too) while PyAirbyte's engine is open.
    with staging.cache(connection.table_prefix) as cache:
        result = source.read(
            cache,
            write_strategy="replace" if full_refresh else "auto",
            force_full_refresh=full_refresh,
            skip_validation=True,  # done by check_config, which never echoes a value
        )
    return {summary.stream: summary for summary in _stream_summaries(result, source.get_selected_streams())}


def sync_connection(connection: Connection, config: dict[str, Any], staging: Staging, *,
                    streams: list[str] | None = None, full_refresh: bool = False,
                    catalog_dir: Path = DEFAULT_CATALOG_DIR) -> SyncSummary:
    """`prepare_source` then `read_into_staging`: one connection's whole sync."""
    prepared = prepare_source(connection, config, catalog_dir)
    return read_into_staging(prepared, staging, streams=streams, full_refresh=full_refresh)


def check_config(connection: Connection, config: dict[str, Any], spec: dict[str, Any]) -> None:
    """Check the config with the source's own `config_check` (each source is installed in this environment, see
    `Connection.executable`), so `pipeline` says exactly what the connector's `check` says: every problem with
    its field and fix, unknown keys with the closest valid one, never a secret value."""
    checker = importlib.import_module(f"{connection.source.replace('-', '_')}.config_check")
    problems = checker.config_problems(config, spec) + checker.unknown_key_problems(config, spec)
    if problems:
        raise PipelineError(f"{connection.name} config for {connection.source}: {' '.join(problems)}")


def save_catalog(connection: Connection, source: ab.Source, catalog_dir: Path) -> Path:
    """Write the discovered catalog to `<catalog_dir>/<connection>.json` for the mappings' validation."""
    catalog_dir.mkdir(parents=True, exist_ok=True)
    path = catalog_dir / f"{connection.name}.json"
    path.write_text(source.discovered_catalog.model_dump_json(exclude_none=True, indent=1), encoding="utf-8")
    return path


def _select(source: ab.Source, streams: list[str] | None) -> None:
    if not streams:
        source.select_all_streams()
        return
    unknown = sorted(set(streams) - set(source.get_available_streams()))
    if unknown:
        raise PipelineError(
            f"{source.name} has no stream {', '.join(unknown)}; available: {', '.join(source.get_available_streams())}"
        )
    source.select_streams(streams)


def _show_progress_lines() -> None:
    """Without a terminal, PyAirbyte's live view would print once at the end: echo its per-stream progress
    log lines ("Read started/completed on stream …") to stderr as they happen instead."""
    if sys.stderr.isatty():
        return
    os.environ["NO_LIVE_PROGRESS"] = "1"
    logger = get_global_file_logger() or logging.getLogger("airbyte")
    if any(isinstance(handler, _ProgressLines) for handler in logger.handlers):
        return
    handler = _ProgressLines(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    logger.addHandler(handler)


class _ProgressLines(logging.StreamHandler):
    """PyAirbyte's progress messages, without its JSON metrics records (the summary shows them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("{") and super().filter(record)


def _stream_summaries(result: ab.ReadResult, selected: list[str]) -> tuple[StreamSummary, ...]:
    # PyAirbyte exposes per-stream counts and times only on the read's progress tracker.
    tracker = result._progress_tracker  # noqa: SLF001
    summaries = []
    for stream in selected:
        start = tracker.stream_read_start_times.get(stream)
        end = tracker.stream_read_end_times.get(stream)
        seconds = end - start if start is not None and end is not None else None
        summaries.append(StreamSummary(stream, tracker.stream_read_counts.get(stream, 0), seconds))
    return tuple(summaries)
