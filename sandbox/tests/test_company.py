"""The generated company: deterministic, balanced, reconciled, and shaped like the vendors' data."""

import hashlib
import re
import sqlite3
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from sandbox import company
from sandbox.schema import DATASETS

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("company") / "company.sqlite"
    company.generate(path, scale=1.0, seed=7)
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def dump_digest(path) -> str:
    with sqlite3.connect(path) as connection:
        return hashlib.sha256("\n".join(connection.iterdump()).encode()).hexdigest()


def test_same_seed_and_scale_give_identical_data_and_another_seed_does_not(tmp_path):
    digests = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        company.generate(tmp_path / f"{name}.sqlite", scale=0.3, seed=seed)
        digests[name] = dump_digest(tmp_path / f"{name}.sqlite")
    assert digests["a"] == digests["b"]
    assert digests["a"] != digests["c"]


def test_sizes_follow_the_scale(tmp_path):
    tiny = company.generate(tmp_path / "tiny.sqlite", scale=0.05, seed=7)
    unit = company.generate(tmp_path / "unit.sqlite", scale=1.0, seed=7)
    assert 20 <= tiny["glentry"] <= 150 and 20 <= tiny["harvest_time_entries"] <= 150
    assert 1800 <= unit["glentry"] <= 2300
    assert 1800 <= unit["harvest_time_entries"] <= 2300
    assert 200 <= unit["generic_entries"] <= 400


def test_bad_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="scale"):
        company.generate(tmp_path / "x.sqlite", scale=0, seed=7)


def test_every_table_of_the_schema_exists_with_its_columns(db):
    for dataset in DATASETS.values():
        columns = [row[1] for row in db.execute(f'PRAGMA table_info("{dataset.name}")')]
        assert columns == [column.name for column in dataset.columns], dataset.name


def test_every_gl_batch_balances_and_has_lines(db):
    totals = defaultdict(int)
    for row in db.execute("SELECT BATCHNO, TR_TYPE, AMOUNT FROM glentry"):
        assert row["TR_TYPE"] in (1, -1) and company.text_to_cents(row["AMOUNT"]) > 0
        totals[row["BATCHNO"]] += row["TR_TYPE"] * Decimal(row["AMOUNT"])
    batches = {row[0] for row in db.execute("SELECT RECORDNO FROM glbatch")}
    assert set(totals) == batches
    assert all(total == 0 for total in totals.values())


def test_payroll_labour_equals_time_cost_per_project_and_month(db):
    cost = defaultdict(Decimal)
    harvest = db.execute("SELECT p.code, t.spent_date, t.hours, t.cost_rate FROM harvest_time_entries t "
                         "JOIN harvest_projects p ON p.id = t.project_id")
    generic = db.execute("SELECT project_id, date, hours, cost_rate FROM generic_entries")
    for project, day, hours, rate in [*harvest, *generic]:
        cost[(project, day[:7])] += (Decimal(hours) * Decimal(rate)).quantize(Decimal("0.01"))
    payroll = defaultdict(Decimal)
    for row in db.execute("SELECT e.PROJECTID, b.BATCH_DATE, e.AMOUNT, e.TR_TYPE FROM glentry e "
                          "JOIN glbatch b ON b.RECORDNO = e.BATCHNO WHERE b.JOURNAL = 'PYRL' AND e.ACCOUNTNO = '5000'"):
        assert row["TR_TYPE"] == 1 and row["PROJECTID"]
        key = (row["PROJECTID"], row["BATCH_DATE"][:7])
        assert key not in payroll, "one labour line per project and month"
        payroll[key] = Decimal(row["AMOUNT"])
    assert payroll == cost
    assert len(cost) > 20


def test_pyrl_batches_credit_accrued_payroll(db):
    credits = db.execute("SELECT DISTINCT e.ACCOUNTNO FROM glentry e JOIN glbatch b ON b.RECORDNO = e.BATCHNO "
                         "WHERE b.JOURNAL = 'PYRL' AND e.TR_TYPE = -1").fetchall()
    assert [row[0] for row in credits] == ["2100"]


def test_time_entries_are_weekday_quarter_hours_at_the_rate_in_force(db):
    rates = defaultdict(list)
    for row in db.execute("SELECT user_id, amount, start_date, end_date FROM harvest_cost_rates"):
        rates[row["user_id"]].append((row["start_date"], row["end_date"] or "9999-12-31", row["amount"]))
    assert any(len(history) > 1 for history in rates.values()), "someone got a mid-year raise"
    for row in db.execute("SELECT * FROM harvest_time_entries"):
        day = date.fromisoformat(row["spent_date"])
        assert company.FIRST_DAY <= day <= company.LAST_DAY and day.weekday() < 5
        assert (Decimal(row["hours"]) * 4) % 1 == 0 and Decimal(row["hours"]) > 0
        [rate] = [amount for start, end, amount in rates[row["user_id"]] if start <= row["spent_date"] <= end]
        assert row["cost_rate"] == rate
        assert TIMESTAMP.match(row["created_at"]) and row["created_at"] <= row["updated_at"] <= "2026-11-01T00:00:00Z"
        assert row["is_running"] == 0
    per_day = db.execute("SELECT MAX(n) FROM (SELECT COUNT(*) n FROM harvest_time_entries "
                         "GROUP BY user_id, spent_date)").fetchone()[0]
    assert per_day <= 3
    variety = db.execute("SELECT COUNT(DISTINCT is_locked), COUNT(DISTINCT is_billed), COUNT(DISTINCT billable) "
                         "FROM harvest_time_entries").fetchone()
    assert tuple(variety) == (2, 2, 2)


def test_generic_entries_use_intacct_ids(db):
    employees = {row[0] for row in db.execute("SELECT EMPLOYEEID FROM employee")}
    projects = {row[0] for row in db.execute("SELECT PROJECTID FROM project")}
    for row in db.execute("SELECT * FROM generic_entries"):
        assert re.match(r"^te_\d+$", row["id"])
        assert row["user_id"] in employees and row["employee_id"] == row["user_id"]
        assert row["project_id"] in projects
        assert row["updated_at"] <= "2026-11-01T00:00:00Z"


def test_harvest_links_to_intacct(db):
    assert {r[0] for r in db.execute("SELECT code FROM harvest_projects")} == \
        {r[0] for r in db.execute("SELECT PROJECTID FROM project")}
    assert {r[0] for r in db.execute("SELECT customer_id FROM harvest_clients")} == \
        {r[0] for r in db.execute("SELECT CUSTOMERID FROM customer")}
    employees = {r[0] for r in db.execute("SELECT EMPLOYEEID FROM employee")}
    assert {r[0] for r in db.execute("SELECT employee_id FROM harvest_users")} <= employees


def test_gl_lines_carry_dimensions_and_entities(db):
    entities = {row[0] for row in db.execute("SELECT DISTINCT MEGAENTITYID FROM glentry")}
    assert entities == {"US-EAST", "US-WEST"}
    filled = db.execute("SELECT COUNT(PROJECTID), COUNT(CUSTOMERID), COUNT(VENDORID), COUNT(EMPLOYEEID), "
                        "COUNT(CLASSID), COUNT(GLDIMSERVICE_LINE), COUNT(DEPARTMENT), COUNT(LOCATION), COUNT(*) "
                        "FROM glentry").fetchone()
    assert all(filled[:6]) and filled[6] == filled[7] == filled[8]
    journals = {row[0] for row in db.execute("SELECT DISTINCT JOURNAL FROM glbatch")}
    assert {"GJ", "PYRL", "AR", "AP", "CRJ", "CDJ"} <= journals
    assert db.execute("SELECT COUNT(*) FROM reportingperiod WHERE START_DATE LIKE '2026-%'").fetchone()[0] == 12


def test_some_rows_have_no_whenmodified_and_some_were_modified_later(db):
    nulls = db.execute("SELECT COUNT(*) FROM glentry WHERE WHENMODIFIED IS NULL AND WHENCREATED IS NOT NULL")
    assert nulls.fetchone()[0] > 0
    assert db.execute("SELECT COUNT(*) FROM glbatch WHERE WHENMODIFIED IS NULL").fetchone()[0] > 0
    assert db.execute("SELECT COUNT(*) FROM glbatch WHERE WHENMODIFIED > WHENCREATED").fetchone()[0] > 0
    latest = db.execute("SELECT MAX(WHENMODIFIED) FROM glentry").fetchone()[0]
    assert TIMESTAMP.match(latest) and latest <= "2026-11-01T00:00:00Z"


def test_seeded_deletes_are_audited_and_gone(db):
    deletes = db.execute("SELECT OBJECTTYPE, OBJECTKEY FROM audithistory WHERE ACCESSMODE = 'D'").fetchall()
    assert {row[0] for row in deletes} == {"glbatch", "glentry"}
    for object_type, key in deletes:
        record, _, object_name = key.partition("--")
        assert object_name == object_type.upper()
        assert db.execute(f"SELECT 1 FROM {object_type} WHERE RECORDNO = ?", (int(record),)).fetchone() is None


def test_gldetail_is_a_view_with_string_keys(db):
    assert db.execute("SELECT type FROM sqlite_master WHERE name = 'gldetail'").fetchone()[0] == "view"
    row = db.execute("SELECT * FROM gldetail ORDER BY GLENTRYKEY LIMIT 1").fetchone()
    entry = db.execute("SELECT * FROM glentry WHERE RECORDNO = ?", (row["GLENTRYKEY"],)).fetchone()
    assert row["RECORDNO"] == f"{entry['BATCHNO']}-{entry['RECORDNO']}-{entry['LINE_NO']}--accrual"
    assert db.execute("SELECT COUNT(*) FROM gldetail").fetchone()[0] == \
        db.execute("SELECT COUNT(*) FROM glentry").fetchone()[0]
    sums = db.execute("SELECT SUM(CAST(DEBITAMOUNT AS REAL)) - SUM(CAST(CREDITAMOUNT AS REAL)) FROM gldetail")
    assert abs(sums.fetchone()[0]) < 0.005


def test_modified_columns_are_indexed(db):
    plan = db.execute("EXPLAIN QUERY PLAN SELECT * FROM glentry WHERE WHENMODIFIED >= '2026-05-01T00:00:00Z' "
                      "ORDER BY WHENMODIFIED, RECORDNO LIMIT 100").fetchall()
    assert any("ix_glentry__whenmodified_recordno" in row[-1] for row in plan)
    assert not any("TEMP B-TREE" in row[-1] for row in plan)


def test_cached_company_is_generated_once_and_matches_a_fresh_one(tmp_path):
    first = company.cached(tmp_path / "cache", scale=0.1, seed=4)
    stamp = first.stat().st_mtime_ns
    assert company.cached(tmp_path / "cache", scale=0.1, seed=4) == first and first.stat().st_mtime_ns == stamp
    company.generate(tmp_path / "fresh.sqlite", scale=0.1, seed=4)
    assert dump_digest(first) == dump_digest(tmp_path / "fresh.sqlite")
    assert company.cached(tmp_path / "cache", scale=0.1, seed=5) != first
