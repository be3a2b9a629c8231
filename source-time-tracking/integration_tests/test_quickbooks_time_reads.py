"""The QuickBooks Time provider over real HTTP against the sandbox's emulator, beyond what the registry-wide
suites (test_sandbox_reads, test_malformed_values, test_writes_during_read, test_crash_resume) check for every
provider: users and jobcodes, the request budget, the reconciliation with Harvest, the cost rate's digits,
deletes from `/timesheets_deleted`, a delete between pages, and a lying `more`."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read

from integration_tests.test_sandbox_reads import (
    assert_a_delete_between_pages_is_read_again, checksum, final_state, ids_of, run_read,
)
from source_time_tracking import SourceTimeTracking

PATH = "/quickbooks_time/api/v1/timesheets"


pytestmark = pytest.mark.usefixtures("seeded")  # the sandbox as seeded, before and after each test


def config(sandbox: Any) -> dict:
    return sandbox.credentials["quickbooks_time"]


def test_full_refresh_equals_the_vendors_rows_in_pages_of_200(sandbox: Any) -> None:
    sandbox.control.clear_requests()
    output = run_read(config(sandbox), ["time_entries", "users", "jobcodes"])

    truth = sandbox.control.truth("qbtime_timesheets")
    assert len(ids_of(output, "time_entries")) == truth["count"] > 200
    assert checksum(ids_of(output, "time_entries")) == truth["checksum"]
    assert checksum(ids_of(output, "users")) == sandbox.control.truth("qbtime_users")["checksum"]
    assert checksum(ids_of(output, "jobcodes")) == sandbox.control.truth("qbtime_jobcodes")["checksum"]
    requests = sandbox.control.requests()["by_path"]
    assert requests[PATH] == math.ceil(truth["count"] / 200)
    assert requests[PATH + "_deleted"] == 1  # the one check for deletes during the read


def test_hours_and_cost_per_project_month_reconcile_with_harvest(sandbox: Any) -> None:
    """The same hours per project and month as Harvest's entries; the cost at each user's current hourly rate
    (QuickBooks Time keeps no rate history) equals Harvest's hours at the users' current cost rates."""
    output = run_read(config(sandbox), ["time_entries"])
    hours, cost = Counter(), Counter()
    for message in output.records:
        entry = message.record.data
        key = (entry["jobcode"]["short_code"], entry["date"][:7])
        hours[key] += Decimal(entry["duration"]) / 3600
        cost[key] += Decimal(entry["duration"]) * Decimal(entry["cost_rate"]) / 3600
    projects = {row["id"]: row["code"] for row in sandbox.control.truth("harvest_projects", rows=True)["rows"]}
    rates = {row["id"]: Decimal(row["cost_rate"]) for row in sandbox.control.truth("harvest_users", rows=True)["rows"]}
    harvest_hours, harvest_cost = Counter(), Counter()
    for row in sandbox.control.truth("harvest_time_entries", rows=True)["rows"]:
        key = (projects[row["project_id"]], row["spent_date"][:7])
        harvest_hours[key] += Decimal(row["hours"])
        harvest_cost[key] += Decimal(row["hours"]) * rates[row["user_id"]]
    assert hours == harvest_hours and len(hours) >= 10  # ten months at least
    assert cost == harvest_cost


def test_an_hourly_pay_rate_arrives_as_the_cost_rate_with_every_digit(sandbox: Any) -> None:
    user = sandbox.control.truth("qbtime_users", rows=True)["rows"][0]["id"]
    sandbox.control.mutate("qbtime_users", "update", ids=[user], changes={"pay_rate": "12345678901234567.89"})

    output = run_read(config(sandbox), ["time_entries"])

    rates = {m.record.data["cost_rate"] for m in output.records if m.record.data["user_id"] == user}
    assert rates == {"12345678901234567.89"}


def test_deletes_appear_in_deleted_time_entries_once(sandbox: Any) -> None:
    first = run_read(config(sandbox), ["deleted_time_entries"], SyncMode.incremental)
    assert ids_of(first, "deleted_time_entries") == []
    rows = sandbox.control.truth("qbtime_timesheets", rows=True)["rows"]
    deleted = [rows[0], rows[len(rows) // 2], rows[-1]]  # any work date: no window limits what is reported
    sandbox.control.mutate("qbtime_timesheets", "delete", ids=[row["id"] for row in deleted])

    second = run_read(config(sandbox), ["deleted_time_entries"], SyncMode.incremental,
                      state={"deleted_time_entries": final_state(first, "deleted_time_entries")})

    assert {(m.record.data["id"], m.record.data["work_date"]) for m in second.records} == {
        (str(row["id"]), row["date"]) for row in deleted}
    third = run_read(config(sandbox), ["deleted_time_entries"], SyncMode.incremental,
                     state={"deleted_time_entries": final_state(second, "deleted_time_entries")})
    # The cursor is inclusive: only deletes stamped exactly at the state's second may come again.
    assert set(ids_of(third, "deleted_time_entries")) <= {str(row["id"]) for row in deleted}
    assert all(m.record.data["deleted_at"] == second.records[-1].record.data["deleted_at"] for m in third.records)


def test_a_timesheet_deleted_between_pages_leaves_the_state_so_nothing_is_lost(sandbox: Any) -> None:
    """QuickBooks Time's read notices the delete by `/timesheets_deleted` listing one since the read began."""
    assert_a_delete_between_pages_is_read_again(sandbox, "quickbooks_time")


def test_a_lying_more_flag_fails_the_read_instead_of_looping(sandbox: Any) -> None:
    sandbox.control.set_fault("lying_counters", paths=[PATH])

    output = read(SourceTimeTracking(), config(sandbox),
                  CatalogBuilder().with_stream("time_entries", SyncMode.full_refresh).build(), expecting_exception=True)

    assert "an empty page says more pages follow" in output.errors[0].trace.error.message
