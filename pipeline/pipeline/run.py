"""`run`: every configured connection synced into staging, then the mappings rebuilt from it.

The order gives "validation before anything runs": configs are checked against the specs and the
catalogs discovered for all connections first, then the mappings are validated against those catalogs,
and only then is anything loaded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from destination_mappings import ApplyReport, MappingValidationError, apply_mappings, check_mappings

from .connections import Connection, PipelineError
from .defaults import DEFAULT_CATALOG_DIR
from .staging import Staging
from .summary import SyncSummary, format_sync_summary
from .sync import prepare_source, read_into_staging


@dataclass(frozen=True)
class RunResult:
    syncs: tuple[SyncSummary, ...]
    mappings: ApplyReport
    seconds: float

    def rows_by_stream(self) -> dict[tuple[str, str], int]:
        """(connection, stream) → rows read in this run."""
        return {(sync.connection, stream): rows for sync in self.syncs for stream, rows in sync.rows_by_stream().items()}


def run_pipeline(configs: dict[Connection, dict[str, Any]], staging: Staging, *, out: TextIO,
                 full_refresh: bool = False, catalog_dir: Path = DEFAULT_CATALOG_DIR,
                 mappings: Path | None = None) -> RunResult:
    started = time.monotonic()
    prepared = [prepare_source(connection, config, catalog_dir) for connection, config in configs.items()]
    catalogs = {source.connection.name: source.catalog_path for source in prepared}
    locations = [mappings] if mappings else None
    try:
        check_mappings(locations, catalogs)
    except MappingValidationError as error:
        raise PipelineError(f"the mappings do not fit the sources' catalogs (nothing was loaded):\n{error}") from None

    syncs = []
    for source in prepared:
        syncs.append(read_into_staging(source, staging, full_refresh=full_refresh))
        print(format_sync_summary(syncs[-1]), file=out, flush=True)

    try:
        report = apply_mappings(staging.url(), catalogs=catalogs, mappings=locations, staging_schema=staging.schema,
                                prefixes={connection.name: connection.table_prefix for connection in configs},
                                variables=mapping_variables(configs))
    except MappingValidationError as error:
        raise PipelineError(f"the mappings do not fit the staging tables (targets left as they were):\n{error}") from None
    print(report.summary(), file=out, flush=True)
    return RunResult(tuple(syncs), report, time.monotonic() - started)


def mapping_variables(configs: dict[Connection, dict[str, Any]]) -> dict[str, str]:
    """Values the shipped mappings ask for: the Harvest account id becomes `time_entries.source_account_id`."""
    for connection, config in configs.items():
        if connection.name == "time_harvest" and config.get("provider", {}).get("account_id"):
            return {"harvest_account_id": str(config["provider"]["account_id"])}
    return {}
