"""`run`: every configured connection synced into staging, then the mappings rebuilt from it.

The order gives "validation before anything runs": configs are checked against the specs and the
catalogs discovered for all connections first, each catalog is compared with the one the connection last
synced with (schema_changes), then the mappings are validated against the catalogs staging will hold, and
only then is anything loaded. A connection with a breaking schema change that is not accepted is not loaded
at all; the others are. Every run, failed or not, is appended to the run history (run_history) and, when a
webhook URL is given, summarised to it (notify).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from destination_mappings import ApplyReport, MappingValidationError, apply_mappings, check_mappings, fields_read, load_mappings

from .catalog_store import latest_catalog, save_catalog_version
from .connections import Connection, PipelineError
from .defaults import DEFAULT_CATALOG_DIR
from .notify import post_summary, run_summary
from .run_history import (PipelineRun, StreamRun, latest_extraction, record_run, redact, rows_written_after,
                          secret_values, stream_states)
from .schema_changes import SchemaReview, catalog_to_keep, review, widen_columns
from .staging import Staging
from .summary import SyncSummary, format_sync_summary
from .sync import PreparedSource, prepare_sources, read_into_staging


@dataclass(frozen=True)
class RunResult:
    syncs: tuple[SyncSummary, ...]
    mappings: ApplyReport
    seconds: float
    schema_reviews: tuple[SchemaReview, ...] = ()
    stopped: dict[str, str] = field(default_factory=dict)  # connection → why it was not loaded
    run_id: str = ""

    @property
    def ok(self) -> bool:
        """False when a breaking schema change stopped a connection (the CLI exits non-zero)."""
        return not self.stopped

    def schema_changes(self) -> list:
        return [change for schema_review in self.schema_reviews for change in schema_review.changes]

    def rows_by_stream(self) -> dict[tuple[str, str], int]:
        """(connection, stream) → rows read in this run."""
        return {(sync.connection, stream): rows for sync in self.syncs for stream, rows in sync.rows_by_stream().items()}


def run_pipeline(configs: dict[Connection, dict[str, Any]], staging: Staging, *, out: TextIO,
                 full_refresh: bool = False, catalog_dir: Path = DEFAULT_CATALOG_DIR,
                 mappings: Path | None = None, accept_schema_changes: bool = False,
                 webhook_url: str | None = None) -> RunResult:
    """Sync every connection, then rebuild the targets; the run is recorded whatever happens.

    `accept_schema_changes` applies breaking schema changes (the CLI's `--accept-schema-changes`);
    `webhook_url` receives the run's JSON summary. Raises PipelineError or PyAirbyte's errors on failure.
    """
    run = PipelineRun(uuid.uuid4().hex, datetime.now(timezone.utc), connections=[c.name for c in configs])
    prepared: list[PreparedSource] = []
    stopped: dict[str, str] = {}
    try:
        result = _run(configs, staging, out, run, prepared, stopped, full_refresh=full_refresh, catalog_dir=catalog_dir,
                      mappings=mappings, accept=accept_schema_changes)
        run.status = "stopped" if stopped else "succeeded"
        run.error = "\n".join(stopped.values()) or None
        return result
    except BaseException as error:
        run.status = "failed"
        run.error = redact(f"{type(error).__name__}: {error}", _secrets(configs, prepared))
        raise
    finally:
        run.ended_at = datetime.now(timezone.utc)
        _finish(staging, run, stopped, webhook_url, out)


def _run(configs: dict[Connection, dict[str, Any]], staging: Staging, out: TextIO, run: PipelineRun,
         prepared: list[PreparedSource], stopped: dict[str, str], *, full_refresh: bool, catalog_dir: Path,
         mappings: Path | None, accept: bool) -> RunResult:
    started = time.monotonic()
    prepare_sources(configs, catalog_dir, prepared)
    locations = [mappings] if mappings else None
    uses = fields_read(load_mappings(locations)[0])  # files that do not load are reported by check_mappings

    reviews, kept, catalogs = [], {}, {}
    for source in prepared:
        name = source.connection.name
        synced = latest_catalog(staging, name)
        discovered = json.loads(source.catalog_path.read_text(encoding="utf-8"))
        schema_review = review(name, synced, discovered, uses, accept=accept)
        reviews.append(schema_review)
        run.schema_changes += [change.as_dict() for change in schema_review.changes]
        if schema_review.blocked:
            stopped[name] = schema_review.stop_message()
            catalogs[name] = synced  # staging keeps what it held
        else:
            kept[name] = catalog_to_keep(None if full_refresh else synced, discovered, schema_review)
            catalogs[name] = kept[name]
    print(format_schema_changes(reviews), file=out, flush=True)
    try:
        check_mappings(locations, catalogs)
    except MappingValidationError as error:
        raise PipelineError(f"the mappings do not fit the sources' catalogs (nothing was loaded):\n{error}") from None

    syncs = []
    for source, schema_review in zip(prepared, reviews):
        if schema_review.blocked:
            print(stopped[source.connection.name], file=out, flush=True)
            run.streams += _untouched_streams(staging, source, schema_review)
            continue
        syncs.append(_load(source, staging, schema_review, run, full_refresh=full_refresh))
        save_catalog_version(staging, source.connection.name, kept[source.connection.name], run.run_id)
        print(format_sync_summary(syncs[-1]), file=out, flush=True)

    try:
        report = apply_mappings(staging.url(), catalogs=catalogs, mappings=locations, staging_schema=staging.schema,
                                prefixes={connection.name: connection.table_prefix for connection in configs},
                                variables=mapping_variables(configs))
    except MappingValidationError as error:
        raise PipelineError(f"the mappings do not fit the staging tables (targets left as they were):\n{error}") from None
    print(report.summary(), file=out, flush=True)
    return RunResult(tuple(syncs), report, time.monotonic() - started, tuple(reviews), dict(stopped), run.run_id)


def _load(source: PreparedSource, staging: Staging, schema_review: SchemaReview, run: PipelineRun, *,
          full_refresh: bool) -> SyncSummary:
    """One connection's read, with its schema changes applied first and its streams' history recorded."""
    prefix = source.connection.table_prefix
    streams = source.source.get_available_streams()
    widen_columns(staging, prefix, schema_review.widened_columns())
    states_before = stream_states(staging, prefix)
    extracted_before = {} if full_refresh else latest_extraction(staging, prefix, streams)
    refreshed = schema_review.full_refresh_streams()
    # Reloaded streams are replaced whole: every row is written again.
    extracted_before = {stream: value for stream, value in extracted_before.items() if stream not in refreshed}
    summary = read_into_staging(source, staging, full_refresh=full_refresh, full_refresh_streams=frozenset(refreshed))
    states_after = stream_states(staging, prefix)
    written = rows_written_after(staging, prefix, streams, extracted_before)
    rows = summary.rows_by_stream()
    for stream in streams:
        run.streams.append(StreamRun(
            source.connection.name, stream, "loaded", rows.get(stream, 0), written.get(stream, 0),
            states_before.get(stream), states_after.get(stream), _changes_of(schema_review, stream)))
    return summary


def _untouched_streams(staging: Staging, source: PreparedSource, schema_review: SchemaReview) -> list[StreamRun]:
    states = stream_states(staging, source.connection.table_prefix)
    return [StreamRun(source.connection.name, stream, "not loaded", 0, 0, states.get(stream), states.get(stream),
                      _changes_of(schema_review, stream))
            for stream in source.source.get_available_streams()]


def _changes_of(schema_review: SchemaReview, stream: str) -> list[dict[str, Any]]:
    return [change.as_dict() for change in schema_review.changes if change.stream == stream]


def format_schema_changes(reviews: list[SchemaReview]) -> str:
    """Every change, marked applied, accepted or breaking (the connection then is not loaded)."""
    changes = [(schema_review, change) for schema_review in reviews for change in schema_review.changes]
    if not changes:
        return "schema changes: none"
    lines = ["schema changes:"]
    for schema_review, change in changes:
        if not change.breaking:
            status = "applied"
        elif schema_review.accepted:
            status = "BREAKING, accepted: full refresh of the stream" if change.needs_full_refresh else "BREAKING, accepted"
        else:
            status = "BREAKING, connection not loaded"
        lines.append(f"  [{status}] {change.describe()}")
    return "\n".join(lines)


def _finish(staging: Staging, run: PipelineRun, stopped: dict[str, str], webhook_url: str | None, out: TextIO) -> None:
    """Record the run and send the webhook; neither may hide the run's own outcome or error."""
    try:
        record_run(staging, run)
    except Exception as error:  # noqa: BLE001 - a run history that cannot be written must not mask the run's error
        print(f"warning: the run could not be recorded in the run history ({type(error).__name__})", file=out)
    if webhook_url:
        print(post_summary(webhook_url, run_summary(run, stopped)), file=out, flush=True)


def _secrets(configs: dict[Connection, dict[str, Any]], prepared: list[PreparedSource]) -> list[str]:
    """Secret values of the configs; every string value of a config whose spec is not known yet."""
    specs = {source.connection: source.spec for source in prepared}
    secrets: list[str] = []
    for connection, config in configs.items():
        if connection in specs:
            secrets += secret_values(config, specs[connection])
        else:
            secrets += [value for value in _strings(config) if len(value) >= 4]
    return secrets


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [found for sub in value.values() for found in _strings(sub)]
    if isinstance(value, list):
        return [found for sub in value for found in _strings(sub)]
    return [value] if isinstance(value, str) else []


# The config keys that name the account or workspace a time-tracking provider reads (never a secret).
ACCOUNT_KEYS = ("account_id", "workspace_id")


def mapping_variables(configs: dict[Connection, dict[str, Any]]) -> dict[str, str]:
    """Values the shipped mappings ask for: each time-tracking provider's account or workspace id becomes its
    `time_entries.source_account_id`, as the variable `<provider_type>_<key>` (`harvest_account_id`,
    `clockify_workspace_id`, `toggl_workspace_id`); a provider without one keeps the mapping's default."""
    variables = {}
    for config in configs.values():
        provider = config.get("provider")
        if not isinstance(provider, dict):
            continue  # not a time-tracking config
        for key in ACCOUNT_KEYS:
            if provider.get(key):
                variables[f"{provider['provider_type']}_{key}"] = str(provider[key])
    return variables
