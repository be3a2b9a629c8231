"""The Prefect flow `nightly_sync`: every connection synced, then the dashboard tables rebuilt from staging.

`mode: airbyte` syncs the configured Airbyte connections concurrently (one task each), waits for all of
them, and applies `destination-mappings` to the warehouse only when every sync succeeded. `mode: local`
runs the project's `pipeline run` instead (PyAirbyte → DuckDB/PostgreSQL → the same mappings).
"""

from __future__ import annotations

import io
from dataclasses import asdict
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.futures import wait

from .config import DUCKDB_SCHEME, AirbyteSettings, OrchestrationConfig, load_config


class NightlySyncFailed(RuntimeError):
    """At least one sync failed: the mappings were not applied."""


@task(task_run_name="airbyte sync {name}")
def airbyte_sync(settings: AirbyteSettings, name: str, connection_id: str) -> dict:
    """One connection's sync on the platform, waited for (secrets resolved here, never task parameters)."""
    from .airbyte_jobs import open_workspace, sync_and_wait  # PyAirbyte takes seconds to import

    outcome = sync_and_wait(open_workspace(settings), name, connection_id, poll_seconds=settings.poll_seconds,
                            timeout_seconds=settings.timeout_minutes * 60, log=get_run_logger())
    return asdict(outcome)


@task(task_run_name="apply mappings")
def apply_warehouse_mappings(config: OrchestrationConfig, prefixes: dict[str, str]) -> dict[str, int | None]:
    """Rebuild the targets from the staging tables the syncs wrote; the rows written per target."""
    from destination_mappings import apply_mappings

    settings = config.mappings
    report = apply_mappings(config.warehouse.resolve_dsn(), mappings=settings.paths or None,
                            staging_schema=settings.staging_schema, target_schema=settings.target_schema,
                            prefixes=prefixes, variables=settings.variables)
    get_run_logger().info(report.summary())
    return {target.table: target.rows_written for target in report.targets}


@task(task_run_name="pipeline run")
def local_pipeline_run(config: OrchestrationConfig) -> dict:
    """`pipeline run`: the sources read by PyAirbyte into the warehouse's staging schema, then the mappings."""
    import pipeline  # noqa: F401  (sets PyAirbyte's offline mode before it is imported)
    from pipeline.connections import configured_connections, read_config
    from pipeline.run import run_pipeline
    from pipeline.staging import Staging

    dsn = config.warehouse.resolve_dsn()
    staging = (Staging(duckdb_path=Path(dsn.removeprefix(DUCKDB_SCHEME))) if dsn.startswith(DUCKDB_SCHEME)
               else Staging(dsn=dsn))
    configs = {connection: read_config(path)
               for connection, path in configured_connections(config.local.configs_dir).items()}
    out = io.StringIO()
    result = run_pipeline(configs, staging, out=out, full_refresh=config.local.full_refresh,
                          catalog_dir=config.local.catalog_dir,
                          mappings=config.mappings.paths[0] if config.mappings.paths else None,
                          accept_schema_changes=config.local.accept_schema_changes)
    get_run_logger().info(out.getvalue())
    if not result.ok:  # a breaking schema change stopped a connection: the night failed, say why
        raise RuntimeError("pipeline run stopped by breaking schema change(s):\n" + "\n".join(result.stopped.values()))
    return {"rows_read": {f"{connection}.{stream}": rows for (connection, stream), rows in result.rows_by_stream().items()},
            "targets": {target.table: target.rows_written for target in result.mappings.targets},
            "schema_changes": [f"{change.connection}.{change.stream}: {change.describe()}"
                               for change in result.schema_changes()]}


@flow(name="nightly_sync")
def nightly_sync(config_path: str) -> dict:
    """Sync every connection (concurrently, each with a timeout), then apply the mappings if all succeeded."""
    config = load_config(config_path)
    if config.mode == "local":
        return local_pipeline_run(config)
    settings = config.airbyte
    futures = {name: airbyte_sync.submit(settings, name, connection_id)
               for name, connection_id in settings.connections.items()}
    wait(list(futures.values()))
    failures = [f"- {name}: {future.result(raise_on_failure=False)}" for name, future in futures.items()
                if not future.state.is_completed()]
    if failures:
        raise NightlySyncFailed("the mappings were not applied because a sync did not succeed:\n"
                                + "\n".join(failures))
    syncs = {name: future.result() for name, future in futures.items()}
    targets = apply_warehouse_mappings(config, {name: sync["table_prefix"] for name, sync in syncs.items()})
    return {"syncs": syncs, "targets": targets}

