"""Edits, inserts and deletes fired between the pages of a read (sandbox path triggers, no timing): nothing is lost.

For each incremental stream of each provider, the sync that saw the writes plus the next incremental sync
(from its final states) must hold every time entry the sandbox holds at the end, with its final values, and
`deleted_time_entries` must list every deleted entry that the README promises it reports: one whose work
date lies inside the window and that an earlier sync saw there (so each test starts with a baseline sync).
Harvest pages hold 2,000 entries, so these tests use a sandbox with several Harvest pages (`paged_sandbox`).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, Iterable

import pytest
from airbyte_cdk.models import SyncMode

from integration_tests.test_sandbox_reads import DATASET, ENTRIES_PATH, MODIFIED_SINCE, WORK_DATE, final_state, run_read
from source_time_tracking.cursors import parse_datetime, utc_today
from source_time_tracking.deletions import DeletionWindow

STREAMS = ["time_entries", "deleted_time_entries"]
WINDOW_DAYS = 366  # the whole seeded year: the window re-read is several pages too
GENERIC_PAGE_SIZE = 40  # several pages at the paged sandbox's scale, as Harvest's 2,000 are


def resilience_config(sandbox: Any, provider: str) -> dict:
    """The provider's config over every seeded entry, with pages small enough for writes to fall between them."""
    config = {**sandbox.credentials[provider], "start_date": "2020-01-01T00:00:00Z",
              "deletion_window_days": WINDOW_DAYS}
    if provider == "generic":
        config["provider"] = {**config["provider"], "pagination": {"page_size": GENERIC_PAGE_SIZE}}
    return config


def deletable_ids(control: Any, provider: str, count: int) -> list:
    """Ids of `count` entries spread over those whose work date lies well inside the deletion window (two days
    from either edge, so a sync that crosses midnight UTC still sees them inside)."""
    window = DeletionWindow(WINDOW_DAYS - 2, utc_today() - timedelta(days=2))
    inside = [row["id"] for row in control.truth(DATASET[provider], rows=True)["rows"]
              if row[WORK_DATE[provider]] in window]
    assert len(inside) >= count, f"{provider}: only {len(inside)} entries inside the window"
    return [inside[(2 * n + 1) * len(inside) // (2 * count)] for n in range(count)]


def emitted(output: Any) -> list[tuple[str, dict]]:
    """(stream, record) of every RECORD an in-process read emitted, in order."""
    return [(message.record.stream, message.record.data) for message in output.records]


def final_states(output: Any) -> dict[str, dict]:
    return {stream: final_state(output, stream) for stream in STREAMS
            if any(m.state.stream.stream_descriptor.name == stream for m in output.state_messages)}


def latest_by_id(deliveries: Iterable[list[tuple[str, dict]]], stream: str) -> dict[str, dict]:
    """The last value each id was emitted with, over the syncs' (stream, record) lists in order."""
    return {str(record["id"]): record for delivered in deliveries for name, record in delivered if name == stream}


def same_values(provider: str, record: dict, row: dict) -> bool:
    """The emitted entry carries the row's final values: work date, hours (exact), notes and `updated_at`."""
    work_date = WORK_DATE[provider]
    return (str(record[work_date])[:10] == row[work_date]
            and Decimal(str(record["hours"])) == Decimal(row["hours"])
            and record.get("notes") == row["notes"]
            and parse_datetime(record["updated_at"]) == parse_datetime(row["updated_at"]))


def assert_union_equals_truth(control: Any, provider: str, deliveries: list, deleted_ids: Iterable) -> dict:
    """Every entry the sandbox holds is in the union with its final values; every delete is a tombstone.

    Returns the figures (rows, duplicates, tombstones) for the test to print."""
    truth = control.truth(DATASET[provider], rows=True)["rows"]
    latest = latest_by_id(deliveries, "time_entries")
    missing = sorted({str(row["id"]) for row in truth} - set(latest))
    assert not missing, f"{provider}: {len(missing)} of {len(truth)} entries in no sync: {missing[:10]}"
    stale = [row["id"] for row in truth if not same_values(provider, latest[str(row["id"])], row)]
    assert not stale, f"{provider}: {len(stale)} entries delivered only with old values: {stale[:10]}"
    tombstones = latest_by_id(deliveries, "deleted_time_entries")
    unreported = sorted({str(i) for i in deleted_ids} - set(tombstones))
    assert not unreported, f"{provider}: deletes inside the window never reported: {unreported}"
    delivered = sum(1 for syncs in deliveries for name, _ in syncs if name == "time_entries")
    return {"truth": len(truth), "delivered": delivered, "duplicates": delivered - len(latest),
            "tombstones": len(tombstones)}


def _writes(control: Any, provider: str, stream: str, baseline: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    """(nth request to the entries path, mutation). The read of `time_entries` is request 1 onwards; with
    `deleted_time_entries` alone, the window re-read is. Before request 2 (the second page): edits of
    entries the first page returned (under page or offset paging they shift later rows onto pages already
    read), an insert and deletes inside the window; before request 3, more edits and a delete (before request 2
    too when Harvest's two-page window is read alone: its request 3 comes after the re-read)."""
    dataset = DATASET[provider]
    later = 2 if (provider, stream) == ("harvest", "deleted_time_entries") else 3
    first_page = [record["id"] for name, record in baseline if name == "time_entries"][:5]
    deleted = deletable_ids(control, provider, 3)
    return [(2, {"dataset": dataset, "op": "update", "ids": first_page}),
            (2, {"dataset": dataset, "op": "insert", "count": 2}),
            (2, {"dataset": dataset, "op": "delete", "ids": deleted[:2]}),
            (later, {"dataset": dataset, "op": "update", "count": 4}),
            (later, {"dataset": dataset, "op": "delete", "ids": deleted[2:]})]


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("provider", MODIFIED_SINCE)
def test_writes_between_pages_lose_no_entry(paged_sandbox: Any, provider: str, stream: str) -> None:
    control = paged_sandbox.control
    control.reset()
    config = resilience_config(paged_sandbox, provider)
    # The baseline: what the window held, so deletes can be reported (and the first page's entries, to edit).
    baseline = run_read(config, STREAMS, SyncMode.incremental)
    states = final_states(baseline)
    if stream == "time_entries":
        states.pop("time_entries")  # a full first read of time entries, many pages, with the writes between
    for nth, mutation in _writes(control, provider, stream, emitted(baseline)):
        control.arm_trigger(path=ENTRIES_PATH[provider], nth=nth, mutation=mutation)

    first = run_read(config, STREAMS if stream == "time_entries" else [stream], SyncMode.incremental, states)
    triggers = control.triggers()
    assert all(trigger["fired"] and trigger["error"] is None for trigger in triggers), triggers
    second = run_read(config, STREAMS, SyncMode.incremental, {**final_states(baseline), **final_states(first)})

    deleted = [i for trigger in triggers if trigger["mutation"]["op"] == "delete" for i in trigger["ids"]]
    assert len(deleted) == 3
    # The baseline counts only where `first` did not read time entries: an entry `first` skipped must fail.
    syncs = [first, second] if stream == "time_entries" else [baseline, first, second]
    figures = assert_union_equals_truth(control, provider, [emitted(sync) for sync in syncs], deleted)
    print(f"{provider} {stream}: {figures}")
