"""Sandbox → source-time-tracking's QuickBooks Time provider (PyAirbyte) → DuckDB staging → mappings: the
time entries equal the emulator's timesheets (a delete flagged), and per project and month they hold the
hours of the Harvest technicians whose time the emulator serves (the labour-cost reconciliation per
provider: QuickBooks Time keeps no rate history, so its cost is at each user's current hourly rate)."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from decimal import Decimal

import pipeline  # noqa: F401  (sets PyAirbyte's offline mode before anything imports it)
from sandbox import running_sandbox
from sandbox.company import QBTIME_TIMESHEET_OFFSET

from pipeline.demo import demo_configs
from pipeline.run import run_pipeline
from pipeline.staging import Staging

SCALE = 0.1
SEED = 11


def test_quickbooks_time_through_the_pipeline_reconciles_with_harvest_per_project_month(tmp_path):
    staging = Staging(duckdb_path=tmp_path / "warehouse.duckdb")
    with running_sandbox(scale=SCALE, seed=SEED) as sandbox:
        configs = demo_configs(sandbox.credentials, time_providers=("quickbooks_time",))
        run_pipeline(configs, staging, out=io.StringIO(), catalog_dir=tmp_path / "catalogs")
        [deleted] = sandbox.control.mutate("qbtime_timesheets", "delete", count=1)
        run_pipeline(configs, staging, out=io.StringIO(), catalog_dir=tmp_path / "catalogs")
        sheets = sandbox.control.truth("qbtime_timesheets", rows=True)["rows"]
        harvest = sandbox.control.truth("harvest_time_entries", rows=True)["rows"]
        projects = {row["id"]: row["code"] for row in sandbox.control.truth("harvest_projects", rows=True)["rows"]}
        rates = {row["id"]: Decimal(row["cost_rate"]) for row in sandbox.control.truth("harvest_users", rows=True)["rows"]}

    with staging.connect() as db:
        live = db.execute("SELECT source_entry_id, hours FROM analytics.time_entries "
                          "WHERE source_system = 'quickbooks_time' AND NOT is_deleted").fetchall()
        flagged = db.execute("SELECT source_entry_id FROM analytics.time_entries "
                             "WHERE source_system = 'quickbooks_time' AND is_deleted").fetchall()
        labour = db.execute("SELECT project_code, month, hours, time_entry_cost FROM analytics.labour_cost_vs_gl "
                            "WHERE hours <> 0").fetchall()

    assert sorted(entry_id for entry_id, _ in live) == sorted(str(row["id"]) for row in sheets)
    assert sum(Decimal(hours) for _, hours in live) == sum(Decimal(row["duration"]) for row in sheets) / 3600
    assert flagged == [(str(deleted),)]
    hours, cost = Counter(), Counter()
    for entry in harvest:
        if entry["id"] - QBTIME_TIMESHEET_OFFSET != deleted:  # the same technicians' time, the delete aside
            month = date.fromisoformat(entry["spent_date"]).replace(day=1)
            hours[projects[entry["project_id"]], month] += Decimal(entry["hours"])
            cost[projects[entry["project_id"]], month] += Decimal(entry["hours"]) * rates[entry["user_id"]]
    assert {(code, month): Decimal(h) for code, month, h, _ in labour} == dict(hours) and len(hours) >= 10
    assert {(code, month): Decimal(c) for code, month, _, c in labour} == {key: value.quantize(Decimal("0.01"))
                                                                          for key, value in cost.items()}
