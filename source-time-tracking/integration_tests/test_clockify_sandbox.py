"""The Clockify provider over real HTTP against the sandbox's Clockify emulator.

Each test starts from the seeded data (`reset()`), reads with the connector in-process and compares what it
emitted with the sandbox's ground truth: the vendor's rows, and the Harvest account the Clockify workspace
mirrors (the same hours and labour cost per project and month, dated in the users' time zones).
"""

from __future__ import annotations

import base64
import json
import logging
import zlib
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from airbyte_cdk.models import FailureType, Status, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read

from integration_tests.test_sandbox_reads import checksum, final_state, ids_of, run_read
from source_time_tracking import SourceTimeTracking
from source_time_tracking.deletions import decode_ids

ENTITIES = {"users": "clockify_users", "projects": "clockify_projects", "clients": "clockify_clients",
            "tasks": "clockify_tasks"}


pytestmark = pytest.mark.usefixtures("seeded")  # the sandbox as seeded, before and after each test


def local_dates(sandbox: Any) -> dict[str, str]:
    """Entry id → its work date in its user's time zone, from the vendor's rows."""
    zones = {row["id"]: ZoneInfo(row["time_zone"]) for row in sandbox.control.truth("clockify_users", rows=True)["rows"]}
    return {row["id"]: datetime.strptime(row["start"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
            .astimezone(zones[row["user_id"]]).date().isoformat()
            for row in sandbox.control.truth("clockify_time_entries", rows=True)["rows"]}


def records(output: Any, stream: str) -> list[dict]:
    return [message.record.data for message in output.records if message.record.stream == stream]


def test_full_refresh_equals_the_vendors_rows(sandbox: Any) -> None:
    output = run_read(sandbox.credentials["clockify"], ["time_entries", *ENTITIES])

    truth = sandbox.control.truth("clockify_time_entries")
    assert len(ids_of(output, "time_entries")) == truth["count"]
    assert checksum(ids_of(output, "time_entries")) == truth["checksum"]
    for stream, dataset in ENTITIES.items():
        assert checksum(ids_of(output, stream)) == sandbox.control.truth(dataset)["checksum"], stream
    dates = local_dates(sandbox)
    assert all(record["work_date"] == dates[record["id"]] for record in records(output, "time_entries"))


def test_labour_cost_per_project_month_equals_harvests(sandbox: Any) -> None:
    """The reconciliation holds for Clockify: hours and hours × cost rate per (PROJECTID, month of the work
    date) from the connector's records equal the Harvest account's, to the cent."""
    output = run_read(sandbox.credentials["clockify"], ["time_entries", "projects"])
    codes = {record["id"]: record["note"] for record in records(output, "projects")}
    clockify: Counter = Counter()
    for record in records(output, "time_entries"):
        key = (codes[record["projectId"]], record["work_date"][:7])
        clockify[key + ("hours",)] += Decimal(record["hours"])
        clockify[key + ("cost",)] += Decimal(record["hours"]) * Decimal(record["cost_rate"])
    harvest_codes = {row["id"]: row["code"] for row in sandbox.control.truth("harvest_projects", rows=True)["rows"]}
    harvest: Counter = Counter()
    for row in sandbox.control.truth("harvest_time_entries", rows=True)["rows"]:
        key = (harvest_codes[row["project_id"]], row["spent_date"][:7])
        harvest[key + ("hours",)] += Decimal(row["hours"])
        harvest[key + ("cost",)] += Decimal(row["hours"]) * Decimal(row["cost_rate"])

    assert clockify == harvest and len(harvest) >= 20


def test_incremental_rereads_the_rolling_window_with_its_changes(sandbox: Any) -> None:
    config = sandbox.credentials["clockify"]
    first = run_read(config, ["time_entries"], SyncMode.incremental)
    state = final_state(first, "time_entries")
    dates = local_dates(sandbox)
    assert state == {"work_date": max(dates.values())}
    window_start = (date.fromisoformat(state["work_date"]) - timedelta(days=60)).isoformat()
    inside = sorted(entry for entry, work_date in dates.items() if work_date >= window_start)
    older = sorted(entry for entry, work_date in dates.items() if work_date < window_start)

    updated = sandbox.control.mutate("clockify_time_entries", "update", ids=inside[:2] + older[:1])
    template = sandbox.control.truth("clockify_time_entries", rows=True)["rows"][0]
    inserted = sandbox.control.mutate("clockify_time_entries", "insert", rows=[{
        **{key: template[key] for key in ("user_id", "project_id", "task_id", "billable", "cost_rate")},
        "description": "Emergency call-out", "start": "2026-10-30T18:00:00Z", "hours": "1.25"}])
    second = run_read(config, ["time_entries"], SyncMode.incremental, state={"time_entries": state})

    read_again = {record["id"]: record for record in records(second, "time_entries")}
    assert set(read_again) == set(inside) | set(inserted)  # never the whole history twice
    assert updated[0] in read_again and older[0] not in read_again  # an edit before the window: full refresh only
    assert read_again[inserted[0]]["hours"] == "1.25"


def test_deletes_within_the_window_appear_in_deleted_time_entries(sandbox: Any) -> None:
    config = sandbox.credentials["clockify"]
    first = run_read(config, ["deleted_time_entries"], SyncMode.incremental)
    assert ids_of(first, "deleted_time_entries") == []
    state = final_state(first, "deleted_time_entries")
    dates = local_dates(sandbox)
    inside = sorted(entry for entry, work_date in dates.items() if work_date >= state["window_first_date"])[:3]
    outside = sorted(entry for entry, work_date in dates.items() if work_date < state["window_first_date"])[:1]
    assert len(inside) == 3 and outside
    sandbox.control.mutate("clockify_time_entries", "delete", ids=inside + outside)

    second = run_read(config, ["deleted_time_entries"], SyncMode.incremental, state={"deleted_time_entries": state})

    assert {(t["id"], t["work_date"]) for t in records(second, "deleted_time_entries")} == {
        (entry, dates[entry]) for entry in inside}
    third = run_read(config, ["deleted_time_entries"], SyncMode.incremental,
                     state={"deleted_time_entries": final_state(second, "deleted_time_entries")})
    assert ids_of(third, "deleted_time_entries") == []


def test_deletes_stay_exact_for_ids_with_leading_zeros_and_after_an_upgrade(sandbox: Any) -> None:
    """Ids held at their binary size come back as written (leading zeros too), and a next sync from a state
    written by 0.3.2 and before (each date's ids as a sorted JSON array, kind `j`) reports the same deletes."""
    config = sandbox.credentials["clockify"]
    window_last = final_state(run_read(config, ["deleted_time_entries"], SyncMode.incremental),
                              "deleted_time_entries")["window_last_date"]
    template = sandbox.control.truth("clockify_time_entries", rows=True)["rows"][0]
    zero_ids = ["000000000000000000000001", "00000000000000000000abcd"]
    sandbox.control.mutate("clockify_time_entries", "insert", rows=[{
        **{key: template[key] for key in ("user_id", "project_id", "task_id", "billable", "cost_rate")},
        "id": entry_id, "description": "Zero id", "start": f"{window_last}T00:30:00Z", "hours": "1.00"}
        for entry_id in zero_ids])
    state = final_state(run_read(config, ["deleted_time_entries"], SyncMode.incremental), "deleted_time_entries")
    written_by_0_3_2 = {**state, "seen_ids": {work_date: base64.b64encode(zlib.compress(
        ("j" + json.dumps(sorted(decode_ids(blob)), separators=(",", ":"))).encode(), 9)).decode()
        for work_date, blob in state["seen_ids"].items()}}
    dates = local_dates(sandbox)
    inside = sorted(entry for entry, work_date in dates.items() if work_date >= state["window_first_date"])
    deleted = [zero_ids[0], *inside[len(zero_ids):len(zero_ids) + 2]]
    sandbox.control.mutate("clockify_time_entries", "delete", ids=deleted)

    for seen in (state, written_by_0_3_2):
        second = run_read(config, ["deleted_time_entries"], SyncMode.incremental, state={"deleted_time_entries": seen})
        assert {(t["id"], t["work_date"]) for t in records(second, "deleted_time_entries")} == {
            (entry, dates[entry]) for entry in deleted}
        kept = set().union(*map(decode_ids, final_state(second, "deleted_time_entries")["seen_ids"].values()))
        assert zero_ids[1] in kept and not kept & set(deleted)


@pytest.mark.parametrize("fault", [
    {"kind": "rate_limit", "count": 1, "seconds": 1},
    {"kind": "status", "status": 503, "count": 2},
    {"kind": "truncated", "count": 1},
    {"kind": "lying_counters", "count": 2},
])
def test_faults_on_time_entries_are_recovered_or_stop_the_read(sandbox: Any, fault: dict) -> None:
    settings = dict(fault)
    path = "/api/v1/workspaces/64a687e29ae1f428e7ebe303/user/"
    sandbox.control.set_fault(settings.pop("kind"), paths=[path], **settings)

    output = read(SourceTimeTracking(), sandbox.credentials["clockify"],
                  CatalogBuilder().with_stream("time_entries", SyncMode.full_refresh).build())

    if fault["kind"] == "lying_counters":  # page 2 answered as page 1: the loop guard stops, nothing is half-read
        assert "does not make progress" in output.errors[0].trace.error.message
        return
    assert not output.errors
    assert checksum(ids_of(output, "time_entries")) == sandbox.control.truth("clockify_time_entries")["checksum"]


def test_the_per_second_throttle_is_waited_out(sandbox: Any) -> None:
    """One request a second: the users list's second page (asked right after the first) is answered 429
    without Retry-After, waited out and asked again."""
    settings = requests.post(f"{sandbox.base_url}/_sandbox/settings", json={"clockify_rate_limit": "1/1"},
                             timeout=10).json()
    assert settings["clockify_rate_limit"] == "1/1"

    output = run_read(sandbox.credentials["clockify"], ["users"])

    assert checksum(ids_of(output, "users")) == sandbox.control.truth("clockify_users")["checksum"]
    assert sandbox.control.requests()["clockify"]["throttled"] >= 1


@pytest.mark.parametrize("change, hint", [({"api_key": "wrong-key"}, "Api key does not exist"),
                                          ({"workspace_id": "5b715612b079875110791111"}, "check workspace_id")])
def test_a_bad_key_or_workspace_fails_as_config_error(sandbox: Any, change: dict, hint: str) -> None:
    config = json.loads(json.dumps(sandbox.credentials["clockify"]))
    config["provider"].update(change)

    output = read(SourceTimeTracking(), config, CatalogBuilder().with_stream("time_entries", SyncMode.full_refresh).build(),
                  expecting_exception=True)

    assert output.records == []
    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.config_error and hint in error.message
    assert SourceTimeTracking().check(logging.getLogger("airbyte"), config).status == Status.FAILED
    assert "wrong-key" not in json.dumps([message.log.message for message in output.logs])
