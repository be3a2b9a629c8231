"""`python -m pipeline sync|run|status|demo`: argument parsing and error reporting; the work is in the modules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .connections import (CONNECTIONS, PipelineError, configured_connections, get_connection, pipeline_settings,
                          read_config, time_tracking_providers)
from .defaults import DEFAULT_CATALOG_DIR, DEFAULT_DUCKDB_PATH
from .staging import Staging
from .summary import format_sync_summary


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sync = commands.add_parser("sync", help="sync one connection into staging")
    sync.add_argument("--connection", "--source", dest="connection", required=True, choices=sorted(CONNECTIONS),
                      type=lambda name: name.replace("-", "_"),
                      help="the connection to sync (also `--source sage-gl`: hyphens are read as underscores)")
    sync.add_argument("--config", required=True, type=Path, help="the source's config (JSON file)")
    _add_staging_arguments(sync)
    sync.add_argument("--streams", nargs="+", metavar="STREAM",
                      help="only these streams (space- or comma-separated; default: all)")

    run = commands.add_parser("run", help="sync every configured connection, then apply the mappings")
    run.add_argument("--configs", type=Path, default=Path("secrets"),
                     help="directory with <connection>.json configs (default: secrets/)")
    _add_staging_arguments(run)
    run.add_argument("--mappings", type=Path, default=None,
                     help="directory or file of mapping definitions (default: the shipped mappings)")
    run.add_argument("--accept-schema-changes", action="store_true",
                     help="apply breaking schema changes (a removed field a mapping reads, a type that cannot widen, a "
                          "changed primary key or cursor: that stream is reloaded by a full refresh) instead of stopping")

    status = commands.add_parser("status", help="the last runs recorded in analytics._pipeline_runs")
    target = status.add_mutually_exclusive_group()
    target.add_argument("--dsn", help="the PostgreSQL warehouse (postgresql://user:password@host:port/db)")
    target.add_argument("--duckdb", type=Path, help=f"the DuckDB file (default: {DEFAULT_DUCKDB_PATH})")
    status.add_argument("--limit", type=int, default=10, help="how many runs, newest first (default: 10)")

    demo = commands.add_parser("demo", help="the whole flow on the embedded sandbox, with a report and a plot")
    demo.add_argument("--scale", type=float, default=1.0, help="sandbox data scale (1 ≈ 2,000 GL lines)")
    demo.add_argument("--seed", type=int, default=7, help="sandbox seed (default: 7)")
    demo.add_argument("--workdir", type=Path, default=Path(".data/demo"),
                      help="where the DuckDB file, catalogs, report and plot go (default: .data/demo)")
    demo.add_argument("--time-provider", choices=time_tracking_providers(),
                      help="load this time-tracking provider, in the place of the one whose time the sandbox "
                           "serves through it (its `same_time_as`); default: the providers that serve their own time")
    return parser


def _add_staging_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--dsn", help="load into PostgreSQL (postgresql://user:password@host:port/db)")
    target.add_argument("--duckdb", type=Path, help=f"load into this DuckDB file (default: {DEFAULT_DUCKDB_PATH})")
    parser.add_argument("--full-refresh", action="store_true", help="ignore the saved state and replace the tables")
    parser.add_argument("--catalog-dir", type=Path, default=DEFAULT_CATALOG_DIR,
                        help=f"where discovered catalogs are saved (default: {DEFAULT_CATALOG_DIR})")


def stream_names(values: list[str] | None) -> list[str] | None:
    """`--streams a b,c` → ["a", "b", "c"]; None when not given (all streams)."""
    if not values:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "sync":
            return _sync(args)
        if args.command == "run":
            return _run(args)
        if args.command == "status":
            return _status(args)
        return _demo(args)
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        from airbyte.exceptions import PyAirbyteError  # loaded by then: only the sync modules raise it

        if not isinstance(error, PyAirbyteError):
            raise
        print(f"error: {error}", file=sys.stderr)  # a connector failure, with its log lines
        return 1


def _sync(args: argparse.Namespace) -> int:
    from .sync import sync_connection  # imports PyAirbyte: keep `--help` fast

    staging = Staging.from_args(args.duckdb, args.dsn)
    staging.verify()
    summary = sync_connection(
        get_connection(args.connection), read_config(args.config), staging,
        streams=stream_names(args.streams), full_refresh=args.full_refresh, catalog_dir=args.catalog_dir,
    )
    print(format_sync_summary(summary))
    return 0


def _run(args: argparse.Namespace) -> int:
    from .run import run_pipeline

    staging = Staging.from_args(args.duckdb, args.dsn)
    staging.verify()
    configs = {connection: read_config(path) for connection, path in configured_connections(args.configs).items()}
    result = run_pipeline(configs, staging, full_refresh=args.full_refresh,
                          catalog_dir=args.catalog_dir, mappings=args.mappings, out=sys.stdout,
                          accept_schema_changes=args.accept_schema_changes,
                          webhook_url=pipeline_settings(args.configs).get("webhook_url"))
    rows = sum(result.rows_by_stream().values())
    print(f"run finished in {result.seconds:.1f}s: {rows:,} rows read from {len(result.syncs)} connection(s), "
          f"{len(result.mappings.targets)} target(s) rebuilt")
    if result.ok:
        return 0
    for message in result.stopped.values():
        print(f"error: {message}", file=sys.stderr)
    return 3


def _status(args: argparse.Namespace) -> int:
    from .run_history import format_runs, last_runs

    print(format_runs(last_runs(Staging.from_args(args.duckdb, args.dsn), args.limit)))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    if run_demo(scale=args.scale, seed=args.seed, workdir=args.workdir, out=sys.stdout,
                time_provider=args.time_provider):
        return 0
    print("error: the targets do not match the sandbox's data (see the checks above)", file=sys.stderr)
    return 1
