"""`make demo`: the whole flow on the embedded sandbox, then a second, incremental sync after a few changes.

The sandbox is generated from its seed every time it starts, so the demo starts from an empty workdir (a
staging kept from an earlier sandbox would hold rows the new one never had): in every run the first sync
is a full load (no saved state) and the second reads only what the sandbox changed in between, from the
state PyAirbyte saved in the same DuckDB file.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, TextIO

from destination_mappings.apply import BUILDS_TABLE
from sandbox import running_sandbox

from .connections import CONNECTIONS, Connection, provider_window_settings, time_tracking_providers
from .defaults import TARGET_SCHEMA
from .plot import plot_labour_vs_gl
from .report import (checks_against_truth, format_checks, format_monthly_labour, largest_variances, monthly_labour,
                     table_counts)
from .run import RunResult, run_pipeline
from .staging import Staging
from .summary import format_table

START_DATE = "2026-01-01T00:00:00Z"  # the sandbox's calendar runs from 2026-01-01 to 2026-10-31
MAX_DELETION_WINDOW_DAYS = 366  # source-time-tracking's maximum
LABOUR_ACCOUNT = "5000 Direct Labour"  # the account the shipped labour_cost_vs_gl mapping reads in the GL
# A few edits as the company's users would make them, between the two syncs: in the GL, and in the time
# entries of each time-tracking provider the demo loads.
GL_CHANGES = (
    ("glbatch", "insert", 2),  # new journal entries (balanced lines)
    ("glentry", "update", 3),  # edited memo lines
    ("glbatch", "delete", 1),  # a deleted journal entry (Intacct audits it, with its lines)
)
TIME_ENTRY_CHANGES = (("insert", 4), ("update", 3), ("delete", 2))  # an update changes the hours


def demo_changes(time_entries: Iterable[str]) -> list[tuple[str, str, int]]:
    """(dataset, op, count) of every change the demo makes; `time_entries`: the loaded providers' datasets."""
    return [*GL_CHANGES, *((dataset, op, count) for dataset in time_entries for op, count in TIME_ENTRY_CHANGES)]


def demo_time_providers(credentials: dict[str, Any], chosen: str | None = None) -> list[str]:
    """The time-tracking providers the demo loads: every registered provider but those the sandbox fills with
    another's time (`same_time_as`: Clockify, QuickBooks Time and Toggl hold Harvest's technicians), which
    would count those hours twice in labour_cost_vs_gl. A `chosen` one of those takes the place of the
    provider whose time it holds (Clockify in Harvest's place)."""
    mirrors = credentials.get("same_time_as", {})
    providers = [chosen if provider == mirrors.get(chosen) else provider
                 for provider in time_tracking_providers() if provider not in mirrors]
    return providers if chosen is None or chosen in providers else [*providers, chosen]


def demo_configs(credentials: dict[str, Any], today: date | None = None,
                 time_providers: Iterable[str] | None = None) -> dict[Connection, dict[str, Any]]:
    """The configs of the GL connection and of the time-tracking providers named (by default
    `demo_time_providers`), from the sandbox's credentials (its `info` line; each provider's under its
    `provider_type`).

    The time-tracking deletion window, and the window of work dates a provider re-reads where its API cannot
    filter by modification, reach back to the calendar's first day (as far as the source allows), so
    deleting or editing any sandbox time entry shows up in the second sync.
    """
    today = today or datetime.now(timezone.utc).date()
    window = max(1, min(MAX_DELETION_WINDOW_DAYS, (today - date.fromisoformat(START_DATE[:10])).days + 1))
    time_tracking = {"start_date": START_DATE, "deletion_window_days": window}
    if time_providers is None:
        time_providers = demo_time_providers(credentials)
    return {
        CONNECTIONS["sage_gl"]: {**credentials["intacct"], "start_date": START_DATE},
        **{CONNECTIONS[f"time_{provider}"]: {
            **credentials[provider], **time_tracking,
            "provider": {**credentials[provider]["provider"], **dict.fromkeys(provider_window_settings(provider), window)}}
           for provider in time_providers},
    }


def run_demo(*, scale: float, seed: int, workdir: Path, out: TextIO, time_provider: str | None = None) -> bool:
    """Run the demo (with `time_provider` as `demo_time_providers` places it); False when the targets do not
    match the sandbox's data."""
    staging = Staging(duckdb_path=workdir / "warehouse.duckdb")
    catalog_dir = workdir / "catalogs"
    plot_path = workdir / "labour_cost_vs_gl.png"
    _start_clean(staging, catalog_dir, plot_path)

    with running_sandbox(scale=scale, seed=seed) as sandbox:
        providers = demo_time_providers(sandbox.credentials, time_provider)
        time_entries = {provider: sandbox.info["time_entries"][provider] for provider in providers}
        configs = demo_configs(sandbox.credentials, time_providers=providers)
        _heading(out, f"1. First sync: sandbox (scale {scale:g}, seed {seed}) → {staging.describe()}; Sage Intacct GL and "
                      f"time tracking from {', '.join(providers)}; no saved state, so a full load")
        first = run_pipeline(configs, staging, out=out, catalog_dir=catalog_dir)
        counts_after_first = _counts(staging)
        with staging.connect() as connection:
            months_after_first = monthly_labour(connection, TARGET_SCHEMA)

        _heading(out, "2. Changes in the sandbox")
        for dataset, op, count in demo_changes(time_entries.values()):
            ids = sandbox.control.mutate(dataset, op, count=count)
            print(f"  {op} {count} {dataset}: ids {', '.join(map(str, ids[:8]))}{' …' if len(ids) > 8 else ''}", file=out)

        _heading(out, "3. Second sync: incremental, from the state the first sync saved in staging")
        second = run_pipeline(configs, staging, out=out, catalog_dir=catalog_dir)
        with staging.connect() as connection:
            checks = checks_against_truth(connection, TARGET_SCHEMA, sandbox.control.truth, time_entries)

    _heading(out, "4. Report")
    print("Rows read per stream (the second sync reads only what changed, plus the window of work dates a "
          "provider without a modification filter re-reads):", file=out)
    print(_indent(_rows_read(first, second)), file=out)
    print("\nRows per table:", file=out)
    print(_indent(_counts_table(counts_after_first, _counts(staging))), file=out)
    with staging.connect() as connection:
        months = monthly_labour(connection, TARGET_SCHEMA)
        variances = largest_variances(connection, TARGET_SCHEMA)
    print("\nLabour cost from time entries vs labour expense in the GL (account 5000), per month, after the second "
          "sync;\n'difference before' is the difference after the first sync, before the changes of step 2 (the "
          "sandbox posts\neach month's payroll as exactly the cost of its time entries):", file=out)
    print(_indent(format_monthly_labour(months, earlier=months_after_first)), file=out)
    plot_labour_vs_gl(months, variances, plot_path, account=LABOUR_ACCOUNT,
                      title="Northwind Field Services (sandbox): labour cost from time entries vs the GL")
    print(f"\nPlot: {plot_path}", file=out)
    print("\nThe targets against the sandbox's own data:", file=out)
    print(_indent(format_checks(checks)), file=out)
    print(f"\nTimings: first sync + mappings {first.seconds:.1f}s, second sync + mappings {second.seconds:.1f}s", file=out)
    return all(check.ok for check in checks)


def _start_clean(staging: Staging, catalog_dir: Path, plot_path: Path) -> None:
    """Remove what an earlier demo left in the workdir (only the files the demo writes), but the connectors'
    saved specs: they depend on the connectors' code only, and spec_store runs `spec` again when that changed."""
    catalogs = [path for path in catalog_dir.glob("*.json") if not path.name.endswith(".spec.json")]
    for path in (staging.duckdb_path, Path(f"{staging.duckdb_path}.wal"), plot_path, *catalogs):
        path.unlink(missing_ok=True)


def _counts(staging: Staging) -> dict[str, int]:
    with staging.connect() as connection:
        counts = table_counts(connection, staging.schema) + table_counts(connection, TARGET_SCHEMA)
    return {f"{count.schema}.{count.table}": count.rows for count in counts if count.table != BUILDS_TABLE}


def _rows_read(first: RunResult, second: RunResult) -> str:
    second_rows = second.rows_by_stream()
    rows = [[connection, stream, rows, second_rows.get((connection, stream), 0)]
            for (connection, stream), rows in first.rows_by_stream().items()]
    rows.append(["total", "", sum(r[2] for r in rows), sum(r[3] for r in rows)])
    return format_table(["connection", "stream", "first sync", "second sync"], rows)


def _counts_table(before: dict[str, int], after: dict[str, int]) -> str:
    return format_table(["table", "after first sync", "after second sync"],
                        [[table, before.get(table, 0), rows] for table, rows in after.items()])


def _heading(out: TextIO, text: str) -> None:
    print(f"\n=== {text}", file=out, flush=True)


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
