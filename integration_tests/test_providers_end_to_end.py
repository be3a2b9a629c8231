"""Sandbox → source-time-tracking with each provider that serves Harvest's technicians (`same_time_as` in the
sandbox's JSON line: Clockify, QuickBooks Time, Toggl), beside Sage GL and the generic crew, as
`make demo --time-provider <provider>` loads it → DuckDB staging → mappings.

Per provider: its time entries equal what its emulator holds, a delete there is flagged on the next sync,
and per project and month its hours and labour cost are Harvest's (the labour-cost reconciliation per
provider), so its labour cost matches the payroll the GL posted.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pipeline  # noqa: F401  (sets PyAirbyte's offline mode before anything imports it)
import pytest
from conftest import CENT, SCALE, SEED, Observed, observe
from sandbox import running_sandbox
from sandbox.server import sandbox_info

from pipeline.demo import demo_configs, demo_time_providers
from pipeline.run import run_pipeline
from pipeline.staging import Staging

MIRRORS = sandbox_info("http://127.0.0.1:1")["credentials"]["same_time_as"]
# QuickBooks Time keeps no rate history: its cost is at each user's current hourly rate, where Harvest (and
# the GL's payroll) cost each entry at the rate of its date.
CURRENT_RATE_ONLY = {"quickbooks_time"}


@dataclass(frozen=True)
class ProviderRun:
    provider: str
    connections: set[str]
    before: Observed  # after the first sync
    after: Observed  # after the delete and the second sync
    entries: list[tuple]  # (project_code, work_date, hours, cost_amount) of the provider's live entries, first sync
    truth_ids: set[str]  # the emulator's time entries after the delete
    truth_hours: Decimal
    deleted: str
    harvest: list[dict]  # the time Harvest holds (the provider's, seen through Harvest)
    project_codes: dict[int, str]
    current_rates: dict[int, Decimal]


@pytest.fixture(scope="module", params=sorted(MIRRORS))
def provider_run(request, tmp_path_factory) -> ProviderRun:
    provider = request.param
    workdir = tmp_path_factory.mktemp(provider)
    staging = Staging(duckdb_path=workdir / "warehouse.duckdb")
    with running_sandbox(scale=SCALE, seed=SEED) as sandbox:
        control, dataset = sandbox.control, sandbox.info["time_entries"][provider]
        configs = demo_configs(sandbox.credentials, time_providers=demo_time_providers(sandbox.credentials, provider))
        run_pipeline(configs, staging, out=io.StringIO(), catalog_dir=workdir / "catalogs")
        before = observe(staging)
        with staging.connect() as db:
            entries = [tuple(row) for row in db.execute(
                "SELECT project_code, work_date, hours, cost_amount FROM analytics.time_entries "
                "WHERE source_system = ? AND NOT is_deleted", [provider]).fetchall()]
        [deleted] = control.mutate(dataset, "delete", count=1)
        run_pipeline(configs, staging, out=io.StringIO(), catalog_dir=workdir / "catalogs")
        rows = control.truth(dataset, rows=True)["rows"]
        harvest = control.truth("harvest_time_entries", rows=True)["rows"]
        projects = {row["id"]: row["code"] for row in control.truth("harvest_projects", rows=True)["rows"]}
        rates = {row["id"]: Decimal(row["cost_rate"]) for row in control.truth("harvest_users", rows=True)["rows"]}
    return ProviderRun(provider, {connection.name for connection in configs}, before, observe(staging), entries,
                       {str(row["id"]) for row in rows}, sum((_hours(row) for row in rows), Decimal(0)), str(deleted),
                       harvest, projects, rates)


def test_the_provider_is_loaded_in_the_place_of_the_one_whose_time_it_serves(provider_run):
    assert provider_run.connections == {"sage_gl", "time_generic", f"time_{provider_run.provider}"}
    assert MIRRORS[provider_run.provider] == "harvest" and set(provider_run.before.time_totals) == {
        "generic", provider_run.provider}


def test_time_entries_equal_the_emulators_and_a_delete_is_flagged(provider_run):
    after, provider = provider_run.after, provider_run.provider
    count, hours, _ = after.time_totals[provider]
    assert (count, hours) == (len(provider_run.truth_ids), provider_run.truth_hours)
    assert after.deleted_entry_ids == {provider: {provider_run.deleted}}
    assert provider_run.before.time_totals[provider][0] == count + 1


def test_hours_and_labour_cost_per_project_month_are_harvests(provider_run):
    hours, cost = Counter(), Counter()
    for entry in provider_run.harvest:
        key = (provider_run.project_codes[entry["project_id"]], entry["spent_date"][:7])
        rate = (provider_run.current_rates[entry["user_id"]] if provider_run.provider in CURRENT_RATE_ONLY
                else Decimal(entry["cost_rate"]))
        hours[key] += Decimal(entry["hours"])
        cost[key] += (Decimal(entry["hours"]) * rate).quantize(CENT, ROUND_HALF_UP)
    observed_hours, observed_cost = Counter(), Counter()
    for code, work_date, entry_hours, entry_cost in provider_run.entries:
        observed_hours[code, f"{work_date:%Y-%m}"] += Decimal(entry_hours)
        observed_cost[code, f"{work_date:%Y-%m}"] += Decimal(entry_cost)
    assert dict(observed_hours) == dict(hours) and len(hours) >= 10
    assert dict(observed_cost) == dict(cost)


def test_labour_cost_matches_the_payroll_the_gl_posted(provider_run):
    if provider_run.provider in CURRENT_RATE_ONLY:
        assert provider_run.before.labour_differences != []  # a rate that changed in the year shows
    else:
        assert provider_run.before.labour_differences == []
    time_cost, gl_labour = provider_run.before.labour_totals
    assert gl_labour > 0 and time_cost > 0


def _hours(row: dict) -> Decimal:
    """An emulator's entry in hours: its `hours`, or its `duration` in seconds (QuickBooks Time)."""
    return Decimal(row["hours"]) if "hours" in row else Decimal(row["duration"]) / 3600
