"""The connector over real HTTP against the sandbox's Harvest and generic emulators.

Each test starts from the seeded data (`reset()`), reads with the connector in-process, and compares what
it emitted with the sandbox's ground truth (`truth()`), its request counts (`requests()`) and its faults.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import subprocess
import sys
from typing import Any, Optional

import pytest
from airbyte_cdk.models import FailureType, Status, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.state_builder import StateBuilder
from sandbox import running_sandbox

from integration_tests.conftest import CONNECTOR_ROOT, SEED, with_wrong_secrets
from source_time_tracking import SourceTimeTracking
from source_time_tracking.connector_config import parse_config
from source_time_tracking.generic import GenericTimeEntries
from source_time_tracking.cursors import parse_datetime
from source_time_tracking.provider import Provider
from source_time_tracking.providers import PROVIDERS
from source_time_tracking.deletions import DeletionWindow

# Each registered provider's time entries in the sandbox: dataset, emulator path, work-date field.
DATASET = {"harvest": "harvest_time_entries", "generic": "generic_entries", "clockify": "clockify_time_entries",
           "quickbooks_time": "qbtime_timesheets", "toggl": "toggl_time_entries"}
ENTRIES_PATH = {"harvest": "/v2/time_entries", "generic": "/v1/entries",  # clockify: the first technician's list
                "clockify": "/api/v1/workspaces/64a687e29ae1f428e7ebe303/user/5a0ab5ac0000000001782001/time-entries",
                "quickbooks_time": "/quickbooks_time/api/v1/timesheets",
                "toggl": "/reports/api/v3/workspace/6676428/search/time_entries"}
WORK_DATE = {"harvest": "spent_date", "generic": "date", "quickbooks_time": "date"}  # clockify: the local date of
# `start` (test_clockify_sandbox)
# The cursor (record field and dataset column) and the field holding the time worked, of each provider's entries.
CURSOR = {"harvest": "updated_at", "generic": "updated_at", "quickbooks_time": "last_modified"}
HOURS = {"harvest": "hours", "generic": "hours", "quickbooks_time": "duration"}
# The providers whose API filters time entries by modification (with a stored work date), so every change at
# any work date comes in an incremental sync; the suites that mutate rows anywhere loop over these. Clockify
# and Toggl cannot: they re-read a rolling window of work dates, and their own suites
# (test_clockify_sandbox.py, test_toggl_sandbox_reads.py) test incremental syncs and deletes within it.
BY_MODIFICATION = [provider for provider in PROVIDERS if provider in CURSOR]
# Of those, the providers whose `deleted_time_entries` re-reads a window of work dates (the others list deletes).
WINDOWED = [name for name, provider in PROVIDERS.items()
            if name in BY_MODIFICATION and type(provider).deleted_time_entries is Provider.deleted_time_entries]


pytestmark = pytest.mark.usefixtures("seeded")  # the sandbox as seeded, before and after each test


def run_read(config: dict, streams: list[str], sync_mode: SyncMode = SyncMode.full_refresh,
             state: Optional[dict[str, dict]] = None) -> EntrypointOutput:
    catalog = CatalogBuilder()
    for stream in streams:
        catalog.with_stream(stream, sync_mode)
    state_builder = StateBuilder()
    for stream, stream_state in (state or {}).items():
        state_builder.with_stream_state(stream, stream_state)
    output = read(SourceTimeTracking(), config, catalog.build(), state_builder.build() if state else None)
    assert not output.errors, [error.trace.error.message for error in output.errors]
    return output


def ids_of(output: EntrypointOutput, stream: str) -> list[str]:
    return [str(message.record.data["id"]) for message in output.records if message.record.stream == stream]


def checksum(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def final_state(output: EntrypointOutput, stream: str) -> dict[str, Any]:
    states = [m.state.stream for m in output.state_messages if m.state.stream.stream_descriptor.name == stream]
    return dict(states[-1].stream_state.__dict__)


@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_full_refresh_equals_the_vendors_rows(sandbox: Any, provider: str) -> None:
    output = run_read(sandbox.credentials[provider], ["time_entries"])

    ids = ids_of(output, "time_entries")
    truth = sandbox.control.truth(DATASET[provider])
    assert len(ids) == truth["count"]
    assert checksum(ids) == truth["checksum"]


def test_harvest_entity_streams_equal_the_vendors_rows(sandbox: Any) -> None:
    streams = {"users": "harvest_users", "projects": "harvest_projects", "clients": "harvest_clients",
               "tasks": "harvest_tasks", "user_cost_rates": "harvest_cost_rates"}

    output = run_read(sandbox.credentials["harvest"], list(streams))

    for stream, dataset in streams.items():
        assert checksum(ids_of(output, stream)) == sandbox.control.truth(dataset)["checksum"], stream
    user_ids = {row["id"]: row["user_id"] for row in sandbox.control.truth("harvest_cost_rates", rows=True)["rows"]}
    assert all(m.record.data["user_id"] == user_ids[m.record.data["id"]]
               for m in output.records if m.record.stream == "user_cost_rates")


@pytest.mark.parametrize("provider", BY_MODIFICATION)
def test_incremental_after_mutations_returns_exactly_the_changed_rows(sandbox: Any, provider: str) -> None:
    config = sandbox.credentials[provider]
    first = run_read(config, ["time_entries"], SyncMode.incremental)
    state = final_state(first, "time_entries")
    cursor = parse_datetime(state[CURSOR[provider]])
    # The cursor is inclusive: rows stamped exactly at the cursor are read again (and deduplicated downstream).
    on_boundary = {str(row["id"]) for row in sandbox.control.truth(DATASET[provider], rows=True)["rows"]
                   if parse_datetime(row[CURSOR[provider]]) >= cursor}

    updated = sandbox.control.mutate(DATASET[provider], "update", count=4)
    inserted = sandbox.control.mutate(DATASET[provider], "insert", count=3)
    second = run_read(config, ["time_entries"], SyncMode.incremental, state={"time_entries": state})

    assert set(ids_of(second, "time_entries")) == {str(i) for i in updated + inserted} | on_boundary
    assert len(on_boundary) <= 2


@pytest.mark.parametrize("provider", WINDOWED)
def test_deletes_within_the_window_appear_in_deleted_time_entries(sandbox: Any, provider: str) -> None:
    config = sandbox.credentials[provider]
    first = run_read(config, ["deleted_time_entries"], SyncMode.incremental)
    assert ids_of(first, "deleted_time_entries") == []
    window = DeletionWindow(60, parse_datetime(final_state(first, "deleted_time_entries")["read_started_at"]).date())
    rows = sandbox.control.truth(DATASET[provider], rows=True)["rows"]
    inside = [row for row in rows if row[WORK_DATE[provider]] in window][:3]
    outside = [row for row in rows if row[WORK_DATE[provider]] not in window][:1]
    assert len(inside) == 3 and outside
    sandbox.control.mutate(DATASET[provider], "delete", ids=[row["id"] for row in inside + outside])

    second = run_read(config, ["deleted_time_entries"], SyncMode.incremental,
                      state={"deleted_time_entries": final_state(first, "deleted_time_entries")})

    tombstones = [message.record.data for message in second.records]
    assert {(t["id"], t["work_date"]) for t in tombstones} == {(str(r["id"]), r[WORK_DATE[provider]]) for r in inside}
    # A third sync reports nothing new: the deleted ids left the state.
    third = run_read(config, ["deleted_time_entries"], SyncMode.incremental,
                     state={"deleted_time_entries": final_state(second, "deleted_time_entries")})
    assert ids_of(third, "deleted_time_entries") == []


def test_generic_text_ids_with_a_newline_or_empty_or_non_ascii_keep_their_deletes_exact(sandbox: Any) -> None:
    """Text ids as a generic API may send them. Joined by newlines in the state, "te_x\nte_y" came back as
    "te_x" and "te_y", both then reported deleted; now only the entries really deleted are."""
    config = sandbox.credentials["generic"]
    first = run_read(config, ["deleted_time_entries"], SyncMode.incremental)
    window = DeletionWindow(60, parse_datetime(final_state(first, "deleted_time_entries")["read_started_at"]).date())
    row = sandbox.control.truth("generic_entries", rows=True)["rows"][0]
    template = {key: value for key, value in row.items() if key not in ("id", "created_at", "updated_at")}
    odd_ids = ["te_x\nte_y", "", "é-ü", "te_5\n"]
    sandbox.control.mutate("generic_entries", "insert",
                           rows=[{**template, "id": entry_id, "date": window.last} for entry_id in odd_ids])
    second = run_read(config, ["deleted_time_entries"], SyncMode.incremental,
                      state={"deleted_time_entries": final_state(first, "deleted_time_entries")})
    assert ids_of(second, "deleted_time_entries") == []
    sandbox.control.mutate("generic_entries", "delete", ids=["", "é-ü"])

    third = run_read(config, ["deleted_time_entries"], SyncMode.incremental,
                     state={"deleted_time_entries": final_state(second, "deleted_time_entries")})

    assert sorted(ids_of(third, "deleted_time_entries")) == ["", "é-ü"]


def test_generic_entries_edited_between_pages_are_read_by_the_next_sync(sandbox: Any) -> None:
    """Two entries of page 1 are edited before page 2 is fetched: they move to the end, every later row moves
    up by two, and one row slides past the page border unread. The read notices it (page 2 does not start
    with page 1's last row), keeps its state at that row's cursor, and the next sync reads the skipped row."""
    config = {**sandbox.credentials["generic"], "start_date": "2026-01-01T00:00:00Z"}
    config["provider"] = {**config["provider"], "pagination": {"page_size": 20}}
    parsed = parse_config(config)
    first = GenericTimeEntries(parsed.provider, parsed.start_date)
    records = iter(first.read_records(SyncMode.incremental, stream_state={}))
    page_1 = [next(records) for _ in range(20)]
    sandbox.control.mutate("generic_entries", "update", ids=[page_1[0]["id"], page_1[1]["id"]],
                           changes={"notes": "edited during the read"})
    first_ids = {record["id"] for record in page_1} | {record["id"] for record in records}
    truth = sandbox.control.truth("generic_entries", rows=True)
    skipped = {row["id"] for row in truth["rows"]} - first_ids
    assert len(skipped) == 1  # offsets alone lose it; its updated_at is older than the edited rows'
    assert first.state == {"updated_at": page_1[-1]["updated_at"]}

    second = GenericTimeEntries(parsed.provider, parsed.start_date)
    second_ids = {record["id"] for record in second.read_records(SyncMode.incremental, stream_state=first.state)}

    assert skipped <= second_ids
    assert checksum(list(first_ids | second_ids)) == truth["checksum"]


def test_an_entry_moved_out_of_the_window_is_not_reported_deleted(sandbox: Any) -> None:
    config = sandbox.credentials["harvest"]
    first = run_read(config, ["deleted_time_entries"], SyncMode.incremental)
    window = DeletionWindow(60, parse_datetime(final_state(first, "deleted_time_entries")["read_started_at"]).date())
    moved = next(row for row in sandbox.control.truth("harvest_time_entries", rows=True)["rows"]
                 if row["spent_date"] in window)
    sandbox.control.mutate("harvest_time_entries", "update", ids=[moved["id"]], changes={"spent_date": "2026-03-02"})

    second = run_read(config, ["deleted_time_entries"], SyncMode.incremental,
                      state={"deleted_time_entries": final_state(first, "deleted_time_entries")})

    assert ids_of(second, "deleted_time_entries") == []


@pytest.fixture(scope="module")
def large() -> Any:
    """A sandbox with more than two pages of Harvest time entries (2,000 per page)."""
    with running_sandbox(scale=3, seed=SEED) as running:
        yield running


def test_harvest_reads_n_entries_in_at_most_ceil_n_over_2000_plus_one_requests(large: Any) -> None:
    large.control.reset()
    entries = large.control.truth("harvest_time_entries")["count"]
    large.control.clear_requests()

    output = run_read(large.credentials["harvest"], ["time_entries"])

    assert len(ids_of(output, "time_entries")) == entries > 4000
    assert large.control.requests()["by_path"]["/v2/time_entries"] <= math.ceil(entries / 2000) + 1


def assert_a_delete_between_pages_is_read_again(sandbox: Any, provider: str) -> None:
    """Deleting an entry of page 1 before page 2 is fetched moves every later row up by one: the first row
    of page 2 slides onto page 1 unread. The read must notice and keep its state, so that the next sync
    reads the skipped row."""
    parsed = parse_config({**sandbox.credentials[provider], "start_date": "2026-01-01T00:00:00Z"})
    state = {CURSOR[provider]: "2026-01-01T00:00:00Z"}
    first = PROVIDERS[provider].time_entries(parsed.provider, parsed.start_date)
    first.state = state
    records = iter(first.read_records(SyncMode.incremental, stream_state=state))
    page_1 = [next(records) for _ in range(first.page_size)]
    sandbox.control.mutate(DATASET[provider], "delete", ids=[page_1[0]["id"]])
    first_ids = {str(record["id"]) for record in page_1[1:]} | {str(record["id"]) for record in records}
    truth = sandbox.control.truth(DATASET[provider], rows=True)
    skipped = {str(row["id"]) for row in truth["rows"]} - first_ids
    assert len(skipped) == 1  # page numbers alone lose it
    assert first.state == state  # held: the read noticed

    second = PROVIDERS[provider].time_entries(parsed.provider, parsed.start_date)
    second_ids = {str(record["id"]) for record in second.read_records(SyncMode.incremental, stream_state=first.state)}

    assert skipped <= second_ids
    assert checksum(list(first_ids | second_ids)) == truth["checksum"]


def test_harvest_entry_deleted_between_pages_leaves_the_state_so_nothing_is_lost(large: Any) -> None:
    """Harvest's read notices the delete by `total_entries` changing between pages."""
    large.control.reset()
    assert_a_delete_between_pages_is_read_again(large, "harvest")


@pytest.mark.parametrize("provider, path", [(provider, ENTRIES_PATH[provider]) for provider in PROVIDERS])
@pytest.mark.parametrize("fault", [
    {"kind": "rate_limit", "count": 1, "seconds": 1},
    {"kind": "status", "status": 503, "count": 2},
    {"kind": "truncated", "count": 1},
])
def test_faults_are_recovered_without_losing_rows(sandbox: Any, provider: str, path: str, fault: dict) -> None:
    settings = dict(fault)
    sandbox.control.set_fault(settings.pop("kind"), paths=[path], **settings)

    output = run_read(sandbox.credentials[provider], ["time_entries"])

    assert checksum(ids_of(output, "time_entries")) == sandbox.control.truth(DATASET[provider])["checksum"]
    assert sandbox.control.requests()["by_path"][path] > 1


@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_bad_credentials_fail_the_read_as_config_error(sandbox: Any, provider: str) -> None:
    config = json.loads(json.dumps(sandbox.credentials[provider]))
    if provider == "harvest":  # Harvest's wrong account id: a 404, which is a config error too
        config["provider"]["account_id"] = "7654321"
    else:
        config = with_wrong_secrets(config)

    output = read(SourceTimeTracking(), config, CatalogBuilder().with_stream("time_entries", SyncMode.full_refresh).build(),
                  expecting_exception=True)

    assert output.records == []
    assert output.errors[0].trace.error.failure_type == FailureType.config_error
    status = SourceTimeTracking().check(logging.getLogger("airbyte"), config)
    assert status.status == Status.FAILED


def test_main_py_check_and_read_from_the_connector_folder(sandbox: Any, tmp_path: Any) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sandbox.credentials["harvest"]))
    catalog = CONNECTOR_ROOT / "integration_tests" / "configured_catalog_harvest.json"

    def main(*args: str) -> list[dict]:
        done = subprocess.run([sys.executable, "main.py", *args], cwd=CONNECTOR_ROOT, capture_output=True, text=True,
                              check=True, timeout=120)
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    statuses = [m["connectionStatus"]["status"] for m in main("check", "--config", str(config)) if m["type"] == "CONNECTION_STATUS"]
    messages = main("read", "--config", str(config), "--catalog", str(catalog))

    assert statuses == ["SUCCEEDED"]
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert sum(r["stream"] == "time_entries" for r in records) == sandbox.control.truth("harvest_time_entries")["count"]
    assert any(m["type"] == "STATE" for m in messages)
