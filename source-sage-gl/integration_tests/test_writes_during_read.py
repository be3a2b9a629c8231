"""Edits, inserts and deletes fired between the pages of a read (sandbox triggers, no timing): nothing is lost.

For each incremental stream, the sync that saw the writes plus the next incremental sync (from its final
state) must hold every row the sandbox holds at the end, with its final values, and list every delete in
`deleted_records`. With offset paging this fails: an edited row leaves the window and the rows after it
slide onto pages already read.
"""

import pytest
from airbyte_cdk.models import SyncMode
from sandbox.schema import DATASETS

from integration_tests.conftest import sandbox_config
from integration_tests.test_sandbox_sync import DATASET_OF_STREAM, _final_states, _read, _storage_form

# The dataset a stream's writes go to: GLDETAIL is a view over the lines, the audit trail grows by deletes.
WRITTEN_DATASET = {**DATASET_OF_STREAM, "gl_details": "glentry", "deleted_records": "glentry"}


def _writes(control, dataset: str) -> list:
    """(nth query of the stream's object, mutation): an insert before the first page of the modified pass; then,
    before its second page, edits of the rows the first page read (which shift the later rows onto pages
    already read under offset paging), edits spread over the rest, and a delete. Nothing before the second
    page can shrink the window, so the second page is always asked, whatever the clock."""
    spec = DATASETS[dataset]
    rows = control.truth(dataset, rows=True)["rows"]
    share = max(1, len(rows) // 5)
    in_order = sorted((row for row in rows if row[spec.modified] is not None),
                      key=lambda row: (row[spec.modified], row[spec.primary_key]))
    first_read = [row[spec.primary_key] for row in in_order[:share]]
    return [(2, {"dataset": dataset, "op": "insert", "count": 2}),  # GL lines come in balanced pairs
            (3, {"dataset": dataset, "op": "update", "ids": first_read}),
            (3, {"dataset": dataset, "op": "update", "count": share}),
            (3, {"dataset": dataset, "op": "delete", "count": 1})]


def emitted(output):
    """(stream, record) of every RECORD an in-process read emitted, in order."""
    return [(message.record.stream, message.record.data) for message in output.records]


def latest_by_key(deliveries, stream, key):
    """The last value each key was emitted with, over the syncs' (stream, record) lists in order."""
    return {record[key]: record for delivered in deliveries for name, record in delivered if name == stream}


def assert_union_equals_truth(control, stream, deliveries, deleted_ids, written_object):
    """Every row the sandbox holds is in the union with its final values; every delete is in deleted_records."""
    dataset_name = DATASET_OF_STREAM[stream]
    dataset = DATASETS[dataset_name]
    key = dataset.primary_key
    truth = control.truth(dataset_name, rows=True)["rows"]
    if dataset_name == "audithistory":
        truth = [row for row in truth if row["ACCESSMODE"] == "D"]
    latest = latest_by_key(deliveries, stream, key)
    missing = sorted({row[key] for row in truth} - set(latest), key=str)
    assert not missing, f"{stream}: {len(missing)} of {len(truth)} rows in neither sync: {missing[:10]}"
    for row in truth:
        assert _storage_form(dataset, latest[row[key]]) == row, (stream, row[key])
    deletes = {record["OBJECTKEY"] for record in latest_by_key(deliveries, "deleted_records", "ID").values()}
    assert {f"{i}--{written_object}" for i in deleted_ids} <= deletes


@pytest.mark.parametrize("stream", sorted(DATASET_OF_STREAM))
def test_writes_between_pages_lose_no_row(sandbox, control, stream):
    written = WRITTEN_DATASET[stream]
    object_name = DATASETS[DATASET_OF_STREAM[stream]].object_name
    rows = control.truth(DATASET_OF_STREAM[stream])["count"]
    config = sandbox_config(sandbox, page_size=max(1, rows // 6), lookback_minutes=0)  # no overlap to hide a gap
    writes = _writes(control, written)
    if stream == "deleted_records":
        writes = [(nth, mutation) for nth, mutation in writes if mutation["op"] == "delete"] + [
            (2, {"dataset": written, "op": "delete", "count": 1})]
    for nth, mutation in writes:
        control.arm_trigger(vendor="intacct", operation=f"query:{object_name}", nth=nth, mutation=mutation)
    catalog = [stream] if stream == "deleted_records" else [stream, "deleted_records"]

    first = _read(config, catalog, SyncMode.incremental)
    triggers = control.triggers()
    assert all(trigger["fired"] and trigger["error"] is None for trigger in triggers), triggers
    second = _read(config, catalog, SyncMode.incremental, _final_states(first))

    assert not first.errors and not second.errors
    deleted = [i for trigger in triggers if trigger["mutation"]["op"] == "delete" for i in trigger["ids"]]
    assert deleted
    assert_union_equals_truth(control, stream, [emitted(first), emitted(second)], deleted,
                              DATASETS[written].object_name)
