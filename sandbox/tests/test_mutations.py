"""Mutations: what tests do to the vendor's data, applied whole or not at all."""

from decimal import Decimal

import pytest

from sandbox.mutations import MutationError


def batch_balance(store, batch: int) -> Decimal:
    with store.read() as db:
        return sum((row[0] * Decimal(row[1]) for row in
                    db.execute("SELECT TR_TYPE, AMOUNT FROM glentry WHERE BATCHNO = ?", (batch,))), Decimal(0))


def all_truths(store) -> dict:
    names = ("glbatch", "glentry", "audithistory", "harvest_time_entries", "generic_entries", "customer")
    return {name: store.truth(name) for name in names}


def row(store, table: str, key: str, value):
    with store.read() as db:
        found = db.execute(f'SELECT * FROM "{table}" WHERE "{key}" = ?', (value,)).fetchone()
        return dict(found) if found else None


def test_update_by_count_stamps_now_and_picks_deterministically(store):
    before = store.now()
    first = store.mutate("customer", "update", count=2)
    assert len(first) == 2
    for key in first:
        updated = row(store, "customer", "RECORDNO", key)
        assert updated["WHENMODIFIED"] >= before and updated["NAME"].endswith("(edited)")
    store.reset()
    assert store.mutate("customer", "update", count=2) == first


def test_update_with_changes_validates_and_converts(store):
    [key] = store.mutate("harvest_time_entries", "update", count=1, changes={"hours": 3.5, "notes": "Re-done"})
    entry = row(store, "harvest_time_entries", "id", key)
    assert entry["hours"] == entry["hours_without_timer"] == entry["rounded_hours"] == "3.50"
    assert entry["notes"] == "Re-done" and entry["updated_at"] == store.now()


def test_time_entry_moved_to_another_day_keeps_the_rate_in_force(store):
    with store.read() as db:
        user, start = db.execute("SELECT user_id, start_date FROM harvest_cost_rates WHERE end_date IS NULL "
                                 "AND start_date > '2026-01-01' LIMIT 1").fetchone()
        old_rate, new_rate = [r[0] for r in db.execute(
            "SELECT amount FROM harvest_cost_rates WHERE user_id = ? ORDER BY start_date", (user,))]
        entry = db.execute("SELECT id FROM harvest_time_entries WHERE user_id = ? AND spent_date < ? LIMIT 1",
                           (user, start)).fetchone()[0]
    store.mutate("harvest_time_entries", "update", ids=[entry], changes={"spent_date": "2026-10-05"})
    assert row(store, "harvest_time_entries", "id", entry)["cost_rate"] == new_rate != old_rate


def test_insert_rows_fills_keys_and_timestamps(store):
    [key] = store.mutate("generic_entries", "insert", rows=[{
        "user_id": "E-0001", "user_name": "New Person", "employee_id": "E-0001", "project_id": "P-1001",
        "task_id": "install", "date": "2026-10-30", "hours": "2.25", "billable": True, "cost_rate": 40,
        "bill_rate": 100, "notes": "new"}])
    entry = row(store, "generic_entries", "id", key)
    assert key.startswith("te_") and entry["hours"] == "2.25" and entry["cost_rate"] == "40.00"
    assert entry["billable"] == 1 and entry["created_at"] == entry["updated_at"] == store.now()


def test_insert_count_generates_plausible_rows(store):
    keys = store.mutate("harvest_time_entries", "insert", count=3)
    for key in keys:
        entry = row(store, "harvest_time_entries", "id", key)
        assert entry["hours"] == entry["rounded_hours"] and entry["cost_rate"] and entry["updated_at"] == store.now()
    customers = store.mutate("customer", "insert", count=1)
    assert "-N" in row(store, "customer", "RECORDNO", customers[0])["CUSTOMERID"]


def test_gl_inserts_make_balanced_batches(store):
    batches = store.mutate("glbatch", "insert", count=2)
    for batch in batches:
        assert batch_balance(store, batch) == 0
        assert row(store, "glbatch", "RECORDNO", batch)["WHENMODIFIED"] == store.now()
    lines = store.mutate("glentry", "insert", count=5)
    with store.read() as db:
        [batch] = {r[0] for r in db.execute(f"SELECT BATCHNO FROM glentry WHERE RECORDNO IN ({','.join('?' * 5)})",
                                            lines)}
    assert batch_balance(store, batch) == 0


def test_inserted_gl_rows_must_balance(store):
    [batch] = store.mutate("glbatch", "insert", count=1)
    before = all_truths(store)
    lines = [{"BATCHNO": batch, "TR_TYPE": 1, "ACCOUNTNO": "6100", "AMOUNT": "10.00"},
             {"BATCHNO": batch, "TR_TYPE": -1, "ACCOUNTNO": "2000", "AMOUNT": "9.99"}]
    with pytest.raises(MutationError, match="do not balance"):
        store.mutate("glentry", "insert", rows=lines)
    assert all_truths(store) == before
    lines[1]["AMOUNT"] = "10.00"
    keys = store.mutate("glentry", "insert", rows=lines)
    assert batch_balance(store, batch) == 0
    assert row(store, "glentry", "RECORDNO", keys[0])["ACCOUNTTITLE"] == "Rent"


def test_updating_a_line_amount_keeps_its_batch_balanced(store):
    with store.read() as db:
        key, batch = db.execute("SELECT RECORDNO, BATCHNO FROM glentry WHERE LINE_NO = 1 LIMIT 1").fetchone()
    store.mutate("glentry", "update", ids=[key], changes={"AMOUNT": "123456.78"})
    assert row(store, "glentry", "RECORDNO", key)["TRX_AMOUNT"] == "123456.78"
    assert batch_balance(store, batch) == 0
    assert row(store, "glbatch", "RECORDNO", batch)["WHENMODIFIED"] == store.now()


def test_delete_writes_audit_rows_and_cascades_batch_lines(store):
    audits_before = store.truth("audithistory")["count"]
    [batch] = store.mutate("glbatch", "delete", count=1)
    with store.read() as db:
        assert db.execute("SELECT COUNT(*) FROM glentry WHERE BATCHNO = ?", (batch,)).fetchone()[0] == 0
        audits = db.execute("SELECT OBJECTTYPE, OBJECTKEY, ACCESSMODE, ACCESSTIME FROM audithistory "
                            "WHERE ACCESSTIME = ? ORDER BY CAST(ID AS INTEGER)", (store.now(),)).fetchall()
    assert row(store, "glbatch", "RECORDNO", batch) is None
    assert ("glbatch", f"{batch}--GLBATCH", "D") in [tuple(a)[:3] for a in audits]
    line_audits = [a for a in audits if a[0] == "glentry"]
    assert len(line_audits) >= 2 and all(a[1].endswith("--GLENTRY") for a in line_audits)
    assert store.truth("audithistory")["count"] == audits_before + len(audits)


def test_deleting_a_gl_line_rebalances_its_batch(store):
    [line] = store.mutate("glentry", "delete", count=1)
    with store.read() as db:
        audit = db.execute("SELECT OBJECTKEY FROM audithistory WHERE OBJECTKEY = ?", (f"{line}--GLENTRY",)).fetchone()
    assert audit is not None
    # the picked line came from a batch of 3+ lines, whose remaining lines still balance
    with store.read() as db:
        batches = [r[0] for r in db.execute("SELECT DISTINCT BATCHNO FROM glentry WHERE WHENMODIFIED = ?",
                                            (store.now(),))]
    assert batches and all(batch_balance(store, b) == 0 for b in batches)


def test_harvest_deletes_leave_no_trace(store):
    before = store.truth("audithistory")
    keys = store.mutate("harvest_time_entries", "delete", count=4)
    assert all(row(store, "harvest_time_entries", "id", key) is None for key in keys)
    assert store.truth("audithistory") == before


@pytest.mark.parametrize("arguments, message", [
    (("nope", "insert"), {"count": 1}, ),
    (("glentry", "upsert"), {"count": 1}),
    (("gldetail", "delete"), {"count": 1}),
    (("customer", "update"), {"count": 1, "changes": {"COLOUR": "red"}}),
    (("customer", "update"), {"count": 1, "changes": {"RECORDNO": 5}}),
    (("customer", "update"), {"ids": [999999]}),
    (("customer", "update"), {"count": 0}),
    (("customer", "delete"), {"count": 10_000}),
    (("harvest_time_entries", "update"), {"count": 1, "changes": {"hours": "two"}}),
    (("harvest_time_entries", "update"), {"count": 1, "changes": {"spent_date": "03/04/2026"}}),
    (("harvest_time_entries", "update"), {"count": 1, "changes": {"hours": "1.005"}}),
    (("glentry", "update"), {"count": 1, "changes": {"TR_TYPE": 2}}),
    (("glentry", "update"), {"count": 1, "changes": {"AMOUNT": "-5.00"}}),
    (("glentry", "insert"), {"count": 1}),
    (("glentry", "insert"), {"rows": [{"BATCHNO": 1, "TR_TYPE": 1, "ACCOUNTNO": "6100", "AMOUNT": "1.00"}]}),
    (("customer", "insert"), {"rows": [{"RECORDNO": 101, "CUSTOMERID": "DUP"}]}),
    (("customer", "insert"), {"count": 1, "ids": [101]}),
])
def test_bad_mutations_are_rejected_and_change_nothing(store, arguments, message):
    dataset, op = arguments
    before = all_truths(store)
    with pytest.raises(MutationError) as error:
        store.mutate(dataset, op, **message)
    assert dataset in str(error.value) or "dataset" in str(error.value)
    assert all_truths(store) == before


def test_a_failure_part_way_rolls_back_earlier_rows(store):
    before = all_truths(store)
    good = {"CUSTOMERID": "C-NEW", "NAME": "Fine"}
    with pytest.raises(MutationError, match="CREDITLIMIT"):
        store.mutate("customer", "insert", rows=[good, {"CUSTOMERID": "C-BAD", "CREDITLIMIT": "lots"}])
    assert all_truths(store) == before
