"""The Toggl Track provider over real HTTP against the sandbox's Toggl emulator (v9 + Reports v3).

Each test starts from the seeded data and compares what the connector emitted with the sandbox's ground
truth: full refresh, incremental after mutations inside the re-read window, deletes, the quota (402) and
the generic faults, bad credentials.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from airbyte_cdk.models import FailureType, Status, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read

from integration_tests.test_sandbox_reads import checksum, final_state, ids_of, run_read
from source_time_tracking import SourceTimeTracking
from source_time_tracking.cursors import parse_datetime
from source_time_tracking.deletions import DeletionWindow

ENTRIES = "toggl_time_entries"
ENTITIES = {"users": "toggl_workspace_users", "clients": "toggl_clients", "projects": "toggl_projects",
            "tasks": "toggl_tasks"}


pytestmark = pytest.mark.usefixtures("seeded")  # the sandbox as seeded, before and after each test


def config(sandbox: Any) -> dict:
    return json.loads(json.dumps(sandbox.credentials["toggl"]))


def local_date(row: dict) -> str:
    """The work date Toggl shows: the stored UTC start in the workspace's zone (UTC-05:00)."""
    return (parse_datetime(row["start"]) - timedelta(hours=5)).date().isoformat()


def test_full_refresh_equals_the_vendors_rows_and_amounts(sandbox: Any) -> None:
    output = run_read(config(sandbox), ["time_entries", *ENTITIES])

    truth = sandbox.control.truth(ENTRIES, rows=True)
    entries = [m.record.data for m in output.records if m.record.stream == "time_entries"]
    assert len(entries) == truth["count"] > 100
    assert checksum([str(entry["id"]) for entry in entries]) == truth["checksum"]
    by_id = {row["id"]: row for row in truth["rows"]}
    for entry in entries:
        row = by_id[entry["id"]]
        assert entry["seconds"] == int(Decimal(row["hours"]) * 3600)
        assert entry["work_date"] == local_date(row)
        assert Decimal(entry["labor_cost"]) == Decimal(row["hours"]) * Decimal(row["labor_cost"])
        assert entry["labor_cost_rate"] == row["labor_cost"] and entry["currency"] == "USD"
    for stream, dataset in ENTITIES.items():
        assert checksum(ids_of(output, stream)) == sandbox.control.truth(dataset)["checksum"], stream


def test_incremental_after_mutations_returns_the_changed_rows_of_the_window(sandbox: Any) -> None:
    first = run_read(config(sandbox), ["time_entries"], SyncMode.incremental)
    state = final_state(first, "time_entries")
    window_start = (parse_datetime(state["at"]).date() - timedelta(days=60)).isoformat()
    rows = sandbox.control.truth(ENTRIES, rows=True)["rows"]
    inside = [row for row in rows if local_date(row) >= window_start]
    cursor = parse_datetime(state["at"])
    on_boundary = {str(row["id"]) for row in inside if parse_datetime(row["at"]) >= cursor}
    updated = sandbox.control.mutate(ENTRIES, "update", ids=[row["id"] for row in inside[:4]])
    template = {key: value for key, value in inside[5].items() if key not in ("id", "at")}
    inserted = sandbox.control.mutate(ENTRIES, "insert", rows=[template, {**template, "description": "second"}])

    second = run_read(config(sandbox), ["time_entries"], SyncMode.incremental, state={"time_entries": state})

    assert set(ids_of(second, "time_entries")) == {str(i) for i in updated + inserted} | on_boundary
    assert len(on_boundary) <= 2


def test_deletes_are_reported_and_a_moved_entry_is_not(sandbox: Any) -> None:
    first = run_read(config(sandbox), ["deleted_time_entries"], SyncMode.incremental)
    assert ids_of(first, "deleted_time_entries") == []
    window = DeletionWindow(60, parse_datetime(final_state(first, "deleted_time_entries")["read_started_at"]).date())
    rows = sandbox.control.truth(ENTRIES, rows=True)["rows"]
    inside = [row for row in rows if local_date(row) in window]
    deleted, moved = inside[:3], inside[3]
    sandbox.control.mutate(ENTRIES, "delete", ids=[row["id"] for row in deleted])
    sandbox.control.mutate(ENTRIES, "update", ids=[moved["id"]], changes={"start": "2026-03-02T14:00:00Z"})
    sandbox.control.clear_requests()

    second = run_read(config(sandbox), ["deleted_time_entries"], SyncMode.incremental,
                      state={"deleted_time_entries": final_state(first, "deleted_time_entries")})

    tombstones = {(record["id"], record["work_date"]) for record in (m.record.data for m in second.records)}
    assert tombstones == {(str(row["id"]), local_date(row)) for row in deleted}
    third = run_read(config(sandbox), ["deleted_time_entries"], SyncMode.incremental,
                     state={"deleted_time_entries": final_state(second, "deleted_time_entries")})
    assert ids_of(third, "deleted_time_entries") == []


@pytest.mark.parametrize("fault", [
    {"kind": "status", "status": 503, "count": 2},
    {"kind": "rate_limit", "count": 1, "seconds": 1},
    {"kind": "truncated", "count": 1},
])
def test_faults_are_recovered_without_losing_rows(sandbox: Any, fault: dict) -> None:
    settings = dict(fault)
    sandbox.control.set_fault(settings.pop("kind"), paths=["/reports/api/v3"], **settings)

    output = run_read(config(sandbox), ["time_entries"])

    assert checksum(ids_of(output, "time_entries")) == sandbox.control.truth(ENTRIES)["checksum"]
    assert sandbox.control.requests()["toggl"]["search/time_entries"] > 1


def test_the_hourly_quota_is_waited_out_when_it_resets_soon(sandbox: Any) -> None:
    response = requests.post(f"{sandbox.base_url}/_sandbox/settings", json={"toggl_quota": "4/2"}, timeout=30)
    assert response.status_code == 200

    output = run_read(config(sandbox), ["time_entries"])

    assert checksum(ids_of(output, "time_entries")) == sandbox.control.truth(ENTRIES)["checksum"]
    assert sandbox.control.requests()["toggl"]["over_quota"] >= 1


def test_bad_credentials_fail_the_read_and_check_as_config_error(sandbox: Any) -> None:
    for change in ({"api_token": "wrong-token"}, {"workspace_id": 1}):
        bad = config(sandbox)
        bad["provider"].update(change)
        output = read(SourceTimeTracking(), bad, CatalogBuilder().with_stream("time_entries", SyncMode.full_refresh)
                      .build(), expecting_exception=True)
        assert output.records == []
        assert output.errors[0].trace.error.failure_type == FailureType.config_error
        assert SourceTimeTracking().check(logging.getLogger("airbyte"), bad).status == Status.FAILED
    assert SourceTimeTracking().check(logging.getLogger("airbyte"), config(sandbox)).status == Status.SUCCEEDED
