"""Sandbox → source-time-tracking's Toggl provider (with Sage GL and the generic crew) → DuckDB → mappings:
the labour cost of Toggl's time equals the payroll the GL posted, project by project and month by month.

The sandbox's Toggl workspace holds Harvest's technicians (`same_time_as`), so this run loads Toggl in
Harvest's place; the demo scenario (conftest.py) loads Harvest.
"""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal

import pipeline  # noqa: F401  (sets PyAirbyte's offline mode before anything imports it)
import pytest
from conftest import CENT, SCALE, SEED, observe
from sandbox import running_sandbox

from pipeline.demo import demo_configs
from pipeline.run import run_pipeline
from pipeline.staging import Staging


@pytest.fixture(scope="module")
def toggl_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("toggl")
    staging = Staging(duckdb_path=workdir / "warehouse.duckdb")
    with running_sandbox(scale=SCALE, seed=SEED) as sandbox:
        configs = demo_configs(sandbox.credentials, time_providers=("toggl", "generic"))  # Toggl in Harvest's place
        result = run_pipeline(configs, staging, out=io.StringIO(), catalog_dir=workdir / "catalogs")
        rows = sandbox.control.truth("toggl_time_entries", rows=True)["rows"]
    return result, observe(staging), rows


def test_toggl_time_reconciles_with_the_gl_payroll(toggl_run):
    result, observed, _ = toggl_run
    assert {connection for connection, _ in result.rows_by_stream()} == {"sage_gl", "time_toggl", "time_generic"}
    assert observed.labour_differences == []
    time_cost, gl_labour = observed.labour_totals
    assert time_cost == gl_labour > 0


def test_toggl_time_entries_equal_the_sandbox_truth(toggl_run):
    _, observed, rows = toggl_run
    hours = sum((Decimal(row["hours"]) for row in rows), Decimal(0))
    cost = sum(((Decimal(row["hours"]) * Decimal(row["labor_cost"])).quantize(CENT, ROUND_HALF_UP) for row in rows),
               Decimal(0))
    assert observed.time_totals["toggl"] == (len(rows), hours, cost)
    assert "harvest" not in observed.time_totals
