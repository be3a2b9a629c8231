"""One connection's sync: the installed source run by PyAirbyte into staging.

The incremental state is kept in staging (PyAirbyte's `_airbyte_state`, keyed by table prefix + stream), so
a second sync resumes from where the first stopped. PyAirbyte reads each sync into a scratch DuckDB file,
which is then applied to staging in one transaction (scratch, duckdb_apply, postgres_copy): streams with a
primary key are merged on it, one row per key. The records of each stream are counted in the scratch tables
(no private PyAirbyte attribute), and a line per connection says rows and rows/s when its read is done.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, TextIO

import airbyte as ab
from airbyte.exceptions import PyAirbyteDataLossWarning
from airbyte.logs import get_global_file_logger
from airbyte.shared.catalog_providers import CatalogProvider
from airbyte.strategies import WriteStrategy

from .connections import Connection, PipelineError
from .defaults import DEFAULT_CATALOG_DIR
from .duckdb_apply import apply_to_duckdb
from .postgres_copy import copy_into_postgres
from .run_history import stream_states
from .scratch import StreamLoad, scratch_cache, scratch_row_counts, seed_state
from .spec_store import load_spec
from .staging import Staging
from .summary import StreamSummary, SyncSummary


@dataclass(frozen=True)
class PreparedSource:
    """A source whose config passed its spec and whose catalog is discovered and saved: ready to read."""

    connection: Connection
    source: ab.Source
    catalog_path: Path
    spec: dict[str, Any]  # the config spec (connectionSpecification), saved or read by `spec` (spec_store)


def prepare_source(connection: Connection, config: dict[str, Any], catalog_dir: Path = DEFAULT_CATALOG_DIR) -> PreparedSource:
    """Validate the config against the source's spec (the saved one while the connector is unchanged), discover,
    and save the catalog for the mappings."""
    return _prepare(connection, config, _get_source(connection), catalog_dir)


def prepare_sources(configs: dict[Connection, dict[str, Any]], catalog_dir: Path = DEFAULT_CATALOG_DIR,
                    prepared: list[PreparedSource] | None = None) -> list[PreparedSource]:
    """`prepare_source` of every connection, appended to `prepared` in the order of `configs`; the first
    connection's error in that order is raised. Their `spec` and `discover` subprocesses run side by side
    (each is mostly a connector starting up); the PyAirbyte sources are made one by one first, as each
    sets up the log file of its connector's logger."""
    prepared = [] if prepared is None else prepared
    sources = {connection: _get_source(connection) for connection in configs}
    with ThreadPoolExecutor(max_workers=max(1, len(configs))) as pool:
        futures = [pool.submit(_prepare, connection, config, sources[connection], catalog_dir)
                   for connection, config in configs.items()]
        for future in futures:
            prepared.append(future.result())
    return prepared


def _get_source(connection: Connection) -> ab.Source:
    return ab.get_source(connection.source, local_executable=connection.executable())


def _prepare(connection: Connection, config: dict[str, Any], source: ab.Source, catalog_dir: Path) -> PreparedSource:
    spec = load_spec(connection, catalog_dir, lambda: source.config_spec)
    check_config(connection, config, spec)
    source.set_config(config, validate=False)
    return PreparedSource(connection, source, save_catalog(connection, source, catalog_dir), spec)


def read_into_staging(prepared: PreparedSource, staging: Staging, *, streams: list[str] | None = None,
                      full_refresh: bool = False, full_refresh_streams: frozenset[str] = frozenset()) -> SyncSummary:
    """Read the streams into staging, incrementally from the state saved there by the previous sync.

    Incremental runs follow PyAirbyte's `auto` strategy, which merges every stream that has a primary key
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
    resumed = not full_refresh and bool(stream_states(staging, connection.table_prefix))
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
    selected = source.get_selected_streams()
    started = time.monotonic()
    with _connector_progress(source, connection, selected):
        rows = _read_via_scratch(source, staging, connection.table_prefix, selected, full_refresh)
    seconds = time.monotonic() - started
    print(f"{connection.name}: {sum(rows.values()):,} rows read in {seconds:.1f}s "
          f"({_per_second(sum(rows.values()), seconds)} rows/s)", file=sys.stderr, flush=True)
    return {stream: StreamSummary(stream, rows.get(stream, 0), None) for stream in selected}


def _read_via_scratch(source: ab.Source, staging: Staging, table_prefix: str, selected: list[str],
                      full_refresh: bool) -> dict[str, int]:
    """Read into a scratch DuckDB file seeded with the connection's state, then apply it to staging in one
    transaction (see scratch): duckdb_apply for a DuckDB file, postgres_copy (exact COPY) for PostgreSQL.
    Returns stream → records read. The scratch tables start empty, so `replace` writes them: what appending
    would, without PyAirbyte's reflection and MERGE of each table."""
    catalog = CatalogProvider(source.get_configured_catalog())
    loads = [StreamLoad(stream, "replace" if full_refresh else catalog.resolve_write_method(stream, WriteStrategy.AUTO).value,
                        tuple(catalog.get_primary_keys(stream))) for stream in selected]
    with tempfile.TemporaryDirectory(prefix="pipeline-sync-") as workdir:
        scratch_path = Path(workdir) / "sync.duckdb"
        with scratch_cache(scratch_path, staging.schema, table_prefix) as scratch:
            seed_state(staging, scratch, source.name, table_prefix)
            _read_with(source, scratch, "replace", full_refresh)
        rows = scratch_row_counts(scratch_path, staging.schema, table_prefix, selected)
        apply = apply_to_duckdb if staging.dsn is None else copy_into_postgres
        apply(staging, scratch_path, table_prefix, loads)
    return rows


def _read_with(source: ab.Source, cache: Any, write_strategy: str, full_refresh: bool) -> None:
    """`source.read` into `cache`. `replace` on an incremental read is only asked for the empty scratch tables,
    so PyAirbyte's warning about replacing without a full refresh (possible data loss) does not apply."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PyAirbyteDataLossWarning)
        source.read(
            cache,
            write_strategy=write_strategy,
            force_full_refresh=full_refresh,
            skip_validation=True,  # done by check_config, which never echoes a value
        )


def _per_second(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


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


@contextmanager
def _connector_progress(source: ab.Source, connection: Connection, streams: list[str]) -> Iterator[None]:
    """Without a terminal, echo the connector's own lines about the streams read (its page lines with rows so
    far, its per-stream summary) to stderr, prefixed with the connection, while it reads. PyAirbyte hands the
    connector's log messages to the logger `airbyte.<source name>` (its log file)."""
    if sys.stderr.isatty():
        yield
        return
    handler = _StreamLines(sys.stderr, connection.name, streams)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    logger = logging.getLogger(f"airbyte.{source.name}")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


class _StreamLines(logging.StreamHandler):
    """The connector's lines that start with a stream's name ("journal_entry_lines: page 3: …"), not the CDK's."""

    def __init__(self, stream: TextIO, connection: str, streams: list[str]):
        super().__init__(stream)
        self.connection, self.prefixes = connection, tuple(f"{name}: " for name in streams)

    def filter(self, record: logging.LogRecord) -> bool:
        return str(record.msg).startswith(self.prefixes) and super().filter(record)

    def format(self, record: logging.LogRecord) -> str:
        return f"{self.formatter.formatTime(record, self.formatter.datefmt)} {self.connection}: {record.getMessage()}"


class _ProgressLines(logging.StreamHandler):
    """PyAirbyte's progress messages, without its JSON metrics records (the summary shows them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("{") and super().filter(record)
