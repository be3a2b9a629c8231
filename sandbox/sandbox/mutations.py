"""Changes to the live data that tests make through `POST /_sandbox/mutate`, as a vendor's users would.

`apply` runs inside the store's write transaction: any `MutationError` rolls everything back, so a bad
request changes nothing. Semantics:
- every insert and update stamps the dataset's modified column with `now`;
- rows are picked deterministically by `count` (evenly spread over the primary-key order), or named by `ids`;
- deleting an Intacct record writes an AUDITHISTORY row with ACCESSMODE 'D'; deleting a GLBATCH, APBILL or
  ARINVOICE deletes (and audits) its lines too; Harvest, Clockify, generic and Toggl deletes leave no trace, as on the
  real APIs; a deleted QuickBooks Time timesheet moves to `qbtime_timesheets_deleted` (what `/timesheets_deleted` lists);
- bills, invoices and budget items change on their own: the sandbox does not re-post their GL batch;
- every GL batch stays balanced: inserted lines must balance per batch, generated batches balance, and an
  update or delete that changes a line's amount moves the difference onto another line of the same batch;
- a time entry's derived fields follow its hours (`hours_without_timer`, `rounded_hours`) and its
  `cost_rate` stays the user's rate in force on `spent_date`; a timesheet's `end` follows its `start` and `duration`.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from . import clockify_data
from .company import cents_to_text, text_to_cents
from .schema import DATASETS, Column, Dataset

OPS = ("insert", "update", "delete")
MAX_COUNT = 100_000
AUDIT_USER = "Admin"
AUDIT_SOURCE = "Web Services"
# The business identifier a copied master-data row must not share with its template.
ID_COLUMNS = {"glaccount": "ACCOUNTNO", "gljournal": "SYMBOL", "reportingperiod": "NAME",
              "department": "DEPARTMENTID", "location": "LOCATIONID", "class": "CLASSID", "project": "PROJECTID",
              "customer": "CUSTOMERID", "vendor": "VENDORID", "employee": "EMPLOYEEID"}
# The column a default update (no `changes` given) edits.
DEFAULT_EDIT = {"glaccount": "TITLE", "gljournal": "TITLE", "reportingperiod": "HEADER2", "glbatch": "BATCH_TITLE",
                "glentry": "DESCRIPTION", "department": "TITLE", "location": "NAME", "class": "NAME",
                "project": "NAME", "customer": "NAME", "vendor": "NAME", "employee": "TITLE",
                "audithistory": "OBJECTDESC", "harvest_users": "telephone", "harvest_cost_rates": "amount",
                "harvest_clients": "address", "harvest_projects": "notes", "harvest_tasks": "name",
                "harvest_time_entries": "hours", "generic_entries": "hours", "apbill": "DESCRIPTION",
                "apbillitem": "ENTRYDESCRIPTION", "arinvoice": "DESCRIPTION", "arinvoiceitem": "ENTRYDESCRIPTION",
                "glbudgetitem": "NOTE", "clockify_users": "name", "clockify_clients": "address",
                "clockify_projects": "name", "clockify_tasks": "name", "clockify_time_entries": "hours",
                "qbtime_users": "email", "qbtime_jobcodes": "name", "qbtime_timesheets": "duration",
                "qbtime_timesheets_deleted": "notes", "toggl_workspace_users": "name", "toggl_clients": "name",
                "toggl_projects": "name", "toggl_tasks": "name", "toggl_time_entries": "hours"}
# Text keys with a number inside: (prefix, zero-padded width of the number; 0: not padded).
TEXT_KEYS = {"generic_entries": ("te_", 0), "clockify_users": (clockify_data.USER_PREFIX, 16),
             "clockify_clients": (clockify_data.CLIENT_PREFIX, 16),
             "clockify_projects": (clockify_data.PROJECT_PREFIX, 16), "clockify_tasks": (clockify_data.TASK_PREFIX, 16),
             "clockify_time_entries": (clockify_data.ENTRY_PREFIX, 16)}
TIME_ENTRIES = ("harvest_time_entries", "generic_entries", "clockify_time_entries", "toggl_time_entries")
# The memo column of each dataset of time entries (the others': `notes`).
MEMO = {"clockify_time_entries": "description", "toggl_time_entries": "description"}
# The creation-time columns an insert stamps (APBILL's and ARINVOICE's WHENCREATED is a date: AUWHENCREATED).
CREATED_COLUMNS = ("WHENCREATED", "AUWHENCREATED", "created_at")
# A document's lines: (line dataset, the line column holding the document's key); they go when it goes.
LINES = {"glbatch": ("glentry", "BATCHNO"), "apbill": ("apbillitem", "RECORDKEY"),
         "arinvoice": ("arinvoiceitem", "RECORDKEY")}
# Decimal columns of the time-tracking datasets that no real entry can hold below zero.
NON_NEGATIVE = {"hours", "hours_without_timer", "rounded_hours", "cost_rate", "billable_rate", "bill_rate",
                "labor_cost", "default_hourly_rate", "hourly_rate", "amount", "budget", "cost_budget"}


def timesheet_end(start: str | None, duration: int | None) -> str | None:
    """A QuickBooks Time timesheet's `end`: its local `start` plus `duration` seconds, in the same offset."""
    if not start or duration is None:
        return None
    try:
        return (datetime.fromisoformat(start) + timedelta(seconds=duration)).isoformat()
    except ValueError:
        raise MutationError(f"qbtime_timesheets.start: {start!r} is not an ISO 8601 date-time") from None


class MutationError(ValueError):
    """A mutation request that cannot be applied; the message names the dataset and the field."""


def apply(db: sqlite3.Connection, dataset: str, op: str, *, rows=None, ids=None, count=None, changes=None,
          now: str) -> list:
    spec = DATASETS.get(dataset)
    if spec is None:
        raise MutationError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    if dataset == "gldetail":
        raise MutationError("gldetail is a reporting view over glentry and glbatch; mutate those instead")
    if op not in OPS:
        raise MutationError(f"{dataset}: unknown op {op!r}; expected insert, update or delete")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT):
        raise MutationError(f"{dataset}: count must be an integer between 1 and {MAX_COUNT}, got {count!r}")
    mutation = Mutation(db, spec, now)
    if op == "insert":
        if (rows is None) == (count is None) or ids is not None or changes is not None:
            raise MutationError(f"{dataset}: insert takes either 'rows' or 'count' (and nothing else)")
        return mutation.insert_rows(rows) if rows is not None else mutation.insert_generated(count)
    if (ids is None) == (count is None) or rows is not None:
        raise MutationError(f"{dataset}: {op} takes either 'ids' or 'count'")
    if op == "delete" and changes is not None:
        raise MutationError(f"{dataset}: delete takes no 'changes'")
    keys = mutation.existing(ids) if ids is not None else mutation.pick(count, op)
    return mutation.update(keys, changes) if op == "update" else mutation.delete(keys)


def coerce(spec: Dataset, column: Column, value):
    """A JSON value as the storage form of `column` (see schema.py), or a MutationError naming it."""
    where = f"{spec.name}.{column.name}"
    if value is None:
        return None
    try:
        if column.type == "integer":
            if isinstance(value, bool) or (isinstance(value, (float, Decimal)) and value != int(value)):
                raise ValueError
            return int(value)
        if column.type == "boolean":
            if isinstance(value, bool) or value in (0, 1):
                return int(value)
            return {"true": 1, "false": 0}[str(value).lower()]
        if column.type == "decimal":
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value))
            if not number.is_finite():
                raise MutationError(f"{where}: {value!r} is not a finite decimal")
            if number < 0 and column.name in NON_NEGATIVE:
                raise MutationError(f"{where}: {value!r} is negative; it must be zero or more")
            if number != number.quantize(Decimal("0.01")):
                raise MutationError(f"{where}: {value!r} has more than two decimals")
            return cents_to_text(int(number * 100))
        if column.type == "date":
            return date.fromisoformat(str(value)).isoformat()
        if column.type == "timestamp":
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError
            return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return str(value)
    except MutationError:
        raise  # already names the field and the problem
    except (ValueError, KeyError, TypeError, OverflowError, InvalidOperation):
        expected = {"timestamp": "an ISO 8601 date-time with a time zone", "date": "a YYYY-MM-DD date"}
        raise MutationError(f"{where}: {value!r} is not {expected.get(column.type, 'a valid ' + column.type)}")


class Mutation:
    """One mutation of one dataset inside an open write transaction."""

    def __init__(self, db: sqlite3.Connection, spec: Dataset, now: str):
        self.db = db
        self.spec = spec
        self.table = spec.name
        self.key = spec.primary_key
        self.now = now
        self.rng = random.Random(f"{spec.name}:{self.next_key_number()}")  # plausible values, repeatable

    # -- reading helpers -------------------------------------------------------------------------------------
    def rows_of(self, keys: list) -> list[dict]:
        marks = ", ".join("?" * len(keys))
        found = self.db.execute(f'SELECT * FROM "{self.table}" WHERE "{self.key}" IN ({marks})', keys).fetchall()
        by_key = {row[self.key]: dict(row) for row in found}
        return [by_key[key] for key in keys]

    def created_columns(self) -> list[str]:
        return [column.name for column in self.spec.columns
                if column.name in CREATED_COLUMNS and column.type == "timestamp"]

    def key_is_text(self) -> bool:
        return self.spec.column(self.key).type == "text"

    def next_key_number(self) -> int:
        if self.table in TEXT_KEYS:
            start = len(TEXT_KEYS[self.table][0]) + 1
            sql = f"""SELECT MAX(CAST(SUBSTR("{self.key}", {start}) AS INTEGER)) FROM "{self.table}" """
        elif self.key_is_text():
            sql = f"""SELECT MAX(CAST("{self.key}" AS INTEGER)) FROM "{self.table}" """
        else:
            sql = f'SELECT MAX("{self.key}") FROM "{self.table}"'
        return (self.db.execute(sql).fetchone()[0] or 0) + 1

    def new_key(self):
        number = self.next_key_number()
        if self.table in TEXT_KEYS:
            prefix, width = TEXT_KEYS[self.table]
            return f"{prefix}{number:0{width}d}"
        return str(number) if self.key_is_text() else number

    def existing(self, ids) -> list:
        if not isinstance(ids, list) or not ids:
            raise MutationError(f"{self.table}: 'ids' must be a non-empty list of {self.key} values")
        keys = [coerce(self.spec, self.spec.column(self.key), value) for value in ids]
        if len(set(keys)) != len(keys):
            raise MutationError(f"{self.table}: 'ids' lists the same {self.key} twice")
        marks = ", ".join("?" * len(keys))
        found = {row[0] for row in self.db.execute(
            f'SELECT "{self.key}" FROM "{self.table}" WHERE "{self.key}" IN ({marks})', keys)}
        missing = [key for key in keys if key not in found]
        if missing:
            raise MutationError(f"{self.table}: no row with {self.key} {', '.join(map(str, missing[:10]))}")
        return keys

    def pick(self, count: int, op: str) -> list:
        """`count` rows spread evenly over the key order (for GL line deletes: last lines of 3+ line batches)."""
        if self.table == "glentry" and op == "delete":
            sql = "SELECT MAX(RECORDNO) FROM glentry GROUP BY BATCHNO HAVING COUNT(*) >= 3 ORDER BY 1"
        else:
            sql = f'SELECT "{self.key}" FROM "{self.table}" ORDER BY "{self.key}"'
        candidates = [row[0] for row in self.db.execute(sql)]
        if count > len(candidates):
            raise MutationError(f"{self.table}: count {count} is more than the {len(candidates)} rows that can be "
                                f"picked for {op}")
        return [candidates[(2 * n + 1) * len(candidates) // (2 * count)] for n in range(count)]

    # -- insert ----------------------------------------------------------------------------------------------
    def insert_rows(self, rows) -> list:
        if not isinstance(rows, list) or not rows or not all(isinstance(row, dict) for row in rows):
            raise MutationError(f"{self.table}: 'rows' must be a non-empty list of objects")
        keys = [self.insert(self.validated(row, allow_key=True)) for row in rows]
        if self.table == "glentry":
            self.check_balanced({row["BATCHNO"] for row in self.rows_of(keys)})
        return keys

    def insert_generated(self, count: int) -> list:
        if self.table == "glbatch":
            return [self.generated_batch(2)[0] for _ in range(count)]
        if self.table == "glentry":
            if count < 2:
                raise MutationError("glentry: a GL insert needs at least 2 lines to balance")
            return self.generated_batch(count)[1]
        templates = self.pick(count, "insert")
        return [self.insert(self.copied(template)) for template in self.rows_of(templates)]

    def insert(self, row: dict):
        """Insert one validated row: a new key if none given, stamped, derived fields filled."""
        row = {**row}
        if row.get(self.key) is None:
            row[self.key] = self.new_key()
        elif self.db.execute(f'SELECT 1 FROM "{self.table}" WHERE "{self.key}" = ?', (row[self.key],)).fetchone():
            raise MutationError(f"{self.table}: a row with {self.key} {row[self.key]} already exists")
        for created in self.created_columns():
            row[created] = row.get(created) or self.now
        row[self.spec.modified] = self.now
        self.complete(row)
        columns = ", ".join(f'"{name}"' for name in row)
        self.db.execute(f'INSERT INTO "{self.table}" ({columns}) VALUES ({", ".join("?" * len(row))})',
                        list(row.values()))
        return row[self.key]

    def copied(self, template: dict) -> dict:
        """A plausible new row modelled on an existing one (new key, new business ID, fresh timestamps)."""
        row = {**template, self.key: None, **{created: None for created in self.created_columns()}}
        number = self.next_key_number()
        if self.table in ID_COLUMNS:
            row[ID_COLUMNS[self.table]] = f"{template[ID_COLUMNS[self.table]]}-N{number}"
        if self.table in TIME_ENTRIES:
            row["hours"] = cents_to_text(self.rng.randint(1, 16) * 25)
            for derived in ("hours_without_timer", "rounded_hours"):
                if derived in row:
                    row[derived] = row["hours"]
            memo = MEMO.get(self.table, "notes")
            row[memo] = f"Added: {template[memo]}"
        if self.table == "qbtime_timesheets":
            row["duration"] = self.rng.randint(1, 16) * 900
            row["end"] = None
            row["notes"] = f"Added: {template['notes']}"
        return row

    def complete(self, row: dict) -> None:
        """Fill the fields that follow from others, as the vendor's application would."""
        if self.table == "qbtime_timesheets" and row.get("end") is None:
            row["end"] = timesheet_end(row.get("start"), row.get("duration"))
        if self.table == "harvest_time_entries":
            if row.get("hours") is not None:
                row.setdefault("hours_without_timer", row["hours"])
                row.setdefault("rounded_hours", row["hours"])
            if row.get("cost_rate") is None and row.get("user_id") and row.get("spent_date"):
                row["cost_rate"] = self.cost_rate(row["user_id"], row["spent_date"])
        if self.table == "glentry":
            batch = self.db.execute("SELECT * FROM glbatch WHERE RECORDNO = ?", (row.get("BATCHNO"),)).fetchone()
            if batch is None:
                raise MutationError(f"glentry.BATCHNO: no glbatch with RECORDNO {row.get('BATCHNO')!r}")
            if row.get("TR_TYPE") not in (1, -1):
                raise MutationError(f"glentry.TR_TYPE: must be 1 (debit) or -1 (credit), got {row.get('TR_TYPE')!r}")
            if row.get("AMOUNT") is None or text_to_cents(row["AMOUNT"]) <= 0:
                raise MutationError(f"glentry.AMOUNT: must be a positive amount, got {row.get('AMOUNT')!r}")
            account = self.db.execute("SELECT TITLE FROM glaccount WHERE ACCOUNTNO = ?",
                                      (row.get("ACCOUNTNO"),)).fetchone()
            if account is None:
                raise MutationError(f"glentry.ACCOUNTNO: no glaccount {row.get('ACCOUNTNO')!r}")
            line_no = self.db.execute("SELECT COALESCE(MAX(LINE_NO), 0) + 1 FROM glentry WHERE BATCHNO = ?",
                                      (row["BATCHNO"],)).fetchone()[0]
            defaults = {"LINE_NO": line_no, "ENTRY_DATE": batch["BATCH_DATE"], "TRX_AMOUNT": row["AMOUNT"],
                        "ACCOUNTTITLE": account[0], "CURRENCY": "USD", "BASECURR": "USD", "STATE": batch["STATE"],
                        "MEGAENTITYKEY": batch["MEGAENTITYKEY"], "MEGAENTITYID": batch["MEGAENTITYID"],
                        "MEGAENTITYNAME": batch["MEGAENTITYNAME"]}
            for name, value in defaults.items():
                if row.get(name) is None:
                    row[name] = value
            self.touch_batches({row["BATCHNO"]})

    def generated_batch(self, lines: int) -> tuple[int, list[int]]:
        """A new balanced batch: `lines - 1` expense debits and one payable credit; returns (batch, line keys)."""
        entity = self.db.execute("SELECT RECORDNO, LOCATIONID, NAME FROM location WHERE ENTITY = 1 "
                                 "ORDER BY RECORDNO").fetchall()[self.rng.randrange(2)]
        vendor = self.db.execute("SELECT VENDORID FROM vendor ORDER BY RECORDNO LIMIT 1").fetchone()
        number = self.db.execute("SELECT COALESCE(MAX(BATCHNO), 0) + 1 FROM glbatch WHERE JOURNAL = 'GJ'").fetchone()[0]
        record = self.db.execute("SELECT COALESCE(MAX(RECORDNO), 0) + 1 FROM glbatch").fetchone()[0]
        title = f"Sandbox adjustment {record}"
        batches = Mutation(self.db, DATASETS["glbatch"], self.now)
        entries = Mutation(self.db, DATASETS["glentry"], self.now)
        batches.insert({"RECORDNO": record, "BATCHNO": number, "BATCH_TITLE": title, "JOURNAL": "GJ",
                      "BATCH_DATE": self.now[:10], "MODULE": "2.GL", "REFERENCENO": f"ADJ-{record}", "STATE": "Posted",
                      "BASELOCATION_NO": entity["LOCATIONID"], "CREATEDBY": 1, "MODIFIEDBY": 1,
                      "RECORD_URL": f"https://www.intacct.com/ia/acct/ur.phtml?.r=GLBATCH{record}",
                      "MEGAENTITYKEY": entity["RECORDNO"], "MEGAENTITYID": entity["LOCATIONID"],
                      "MEGAENTITYNAME": entity["NAME"]})
        debits = [self.rng.randint(100, 500_000) for _ in range(lines - 1)]
        line_keys = []
        for cents, tr_type, account in [*((c, 1, "6500") for c in debits), (sum(debits), -1, "2000")]:
            line_keys.append(entries.insert({"BATCHNO": record, "TR_TYPE": tr_type, "ACCOUNTNO": account,
                                          "AMOUNT": cents_to_text(cents), "DESCRIPTION": title,
                                          "DEPARTMENT": "ADMIN", "VENDORID": vendor[0] if vendor else None,
                                          "CREATEDBY": 1, "MODIFIEDBY": 1}))
        return record, line_keys

    # -- update ----------------------------------------------------------------------------------------------
    def update(self, keys: list, changes) -> list:
        if changes is None:
            column = DEFAULT_EDIT[self.table]
            for row in self.rows_of(keys):
                self.set(row, self.default_edit(column, row[column]))
        else:
            changes = self.validated(changes, allow_key=False)
            if not changes:
                raise MutationError(f"{self.table}: 'changes' must name at least one column")
            if self.table == "glentry" and "BATCHNO" in changes:
                raise MutationError("glentry.BATCHNO: lines cannot move between batches; delete and insert instead")
            for row in self.rows_of(keys):
                self.set(row, changes)
        if self.table == "glentry":
            batches = {row["BATCHNO"] for row in self.rows_of(keys)}
            self.rebalance(batches, keep=set(keys))
            self.touch_batches(batches)
        return keys

    def default_edit(self, column: str, value) -> dict:
        if column == "hours":
            return {"hours": cents_to_text(text_to_cents(value) + 25)}
        if column == "amount":
            return {"amount": cents_to_text(text_to_cents(value) + 100)}
        if column == "duration":
            return {"duration": value + 900}
        return {column: f"{value or ''} (edited)".strip()}

    def set(self, row: dict, changes: dict) -> None:
        values = {**changes, self.spec.modified: self.now}
        if self.table == "harvest_time_entries":
            if "hours" in changes:
                values.setdefault("hours_without_timer", changes["hours"])
                values.setdefault("rounded_hours", changes["hours"])
            if ("user_id" in changes or "spent_date" in changes) and "cost_rate" not in changes:
                values["cost_rate"] = self.cost_rate(values.get("user_id", row["user_id"]),
                                                     values.get("spent_date", row["spent_date"]))
        if self.table == "qbtime_timesheets" and ("start" in changes or "duration" in changes) and "end" not in changes:
            values["end"] = timesheet_end(values.get("start", row["start"]), values.get("duration", row["duration"]))
        if self.table == "glentry":
            if values.get("TR_TYPE", row["TR_TYPE"]) not in (1, -1):
                raise MutationError("glentry.TR_TYPE: must be 1 (debit) or -1 (credit)")
            if "AMOUNT" in values:
                if values["AMOUNT"] is None or text_to_cents(values["AMOUNT"]) <= 0:
                    raise MutationError(f"glentry.AMOUNT: must be a positive amount, got {values['AMOUNT']!r}")
                values.setdefault("TRX_AMOUNT", values["AMOUNT"])
        assignments = ", ".join(f'"{name}" = ?' for name in values)
        self.db.execute(f'UPDATE "{self.table}" SET {assignments} WHERE "{self.key}" = ?',
                        [*values.values(), row[self.key]])

    def cost_rate(self, user_id: int, spent_date: str) -> str | None:
        rate = self.db.execute("SELECT amount FROM harvest_cost_rates WHERE user_id = ? AND start_date <= ? "
                               "AND (end_date IS NULL OR end_date >= ?) ORDER BY start_date DESC LIMIT 1",
                               (user_id, spent_date, spent_date)).fetchone()
        return rate[0] if rate else None

    # -- delete ----------------------------------------------------------------------------------------------
    def delete(self, keys: list) -> list:
        rows = self.rows_of(keys)
        if self.table in LINES:
            table, parent = LINES[self.table]
            marks = ", ".join("?" * len(keys))
            lines = self.db.execute(f'SELECT * FROM "{table}" WHERE "{parent}" IN ({marks}) ORDER BY RECORDNO',
                                    keys).fetchall()
            for line in lines:
                self.audit_delete(DATASETS[table], dict(line))
            self.db.execute(f'DELETE FROM "{table}" WHERE "{parent}" IN ({marks})', keys)
        for row in rows:
            if self.spec.vendor == "intacct" and self.table != "audithistory":
                self.audit_delete(self.spec, row)
            if self.table == "qbtime_timesheets":
                columns = ", ".join(f'"{name}"' for name in row)
                self.db.execute(f"INSERT OR REPLACE INTO qbtime_timesheets_deleted ({columns}) "
                                f"VALUES ({', '.join('?' * len(row))})", [*{**row, "last_modified": self.now}.values()])
        self.db.execute(f'DELETE FROM "{self.table}" WHERE "{self.key}" IN ({", ".join("?" * len(keys))})', keys)
        if self.table == "glentry":
            batches = {row["BATCHNO"] for row in rows}
            self.rebalance(batches, keep=set())
            self.touch_batches(batches)
        return keys

    def audit_delete(self, spec: Dataset, row: dict) -> None:
        number = self.db.execute("SELECT COALESCE(MAX(CAST(ID AS INTEGER)), 0) + 1 FROM audithistory").fetchone()[0]
        description = next((str(row[c]) for c in ("BATCH_TITLE", "DESCRIPTION", "ENTRYDESCRIPTION", "NAME", "TITLE",
                                                  "CONTACT_NAME", "ACCTTITLE")
                            if row.get(c)), "")
        self.db.execute("INSERT INTO audithistory (ID, OBJECTTYPE, OBJECTKEY, OBJECTDESC, ACCESSMODE, ACCESSTIME, "
                        "USERID, SOURCE) VALUES (?, ?, ?, ?, 'D', ?, ?, ?)",
                        (str(number), spec.object_name.lower(), f"{row[spec.primary_key]}--{spec.object_name}",
                         description, self.now, AUDIT_USER, AUDIT_SOURCE))

    # -- GL balance ------------------------------------------------------------------------------------------
    def check_balanced(self, batches: set[int]) -> None:
        for batch in sorted(batches):
            off = self.imbalance(batch)
            if off:
                raise MutationError(f"glentry: the lines of batch {batch} do not balance "
                                    f"(debits minus credits = {cents_to_text(off)})")

    def imbalance(self, batch: int) -> int:
        return sum(row[0] * text_to_cents(row[1]) for row in self.db.execute(
            "SELECT TR_TYPE, AMOUNT FROM glentry WHERE BATCHNO = ?", (batch,)))

    def rebalance(self, batches: set[int], keep: set) -> None:
        """Move each batch's imbalance onto its last line not in `keep` (flipping debit/credit if needed)."""
        for batch in sorted(batches):
            off = self.imbalance(batch)
            if not off:
                continue
            line = self.db.execute(
                f"SELECT RECORDNO, TR_TYPE, AMOUNT FROM glentry WHERE BATCHNO = ? AND RECORDNO NOT IN "
                f"({', '.join('?' * len(keep))}) ORDER BY LINE_NO DESC LIMIT 1", (batch, *keep)).fetchone()
            signed = line[1] * text_to_cents(line[2]) - off if line else 0
            if not signed:
                raise MutationError(f"glentry: batch {batch} cannot stay balanced after this change; "
                                    "change or delete the whole glbatch instead")
            amount = cents_to_text(abs(signed))
            self.db.execute("UPDATE glentry SET TR_TYPE = ?, AMOUNT = ?, TRX_AMOUNT = ?, WHENMODIFIED = ? "
                            "WHERE RECORDNO = ?", (1 if signed > 0 else -1, amount, amount, self.now, line[0]))

    def touch_batches(self, batches: set[int]) -> None:
        for batch in batches:
            self.db.execute("UPDATE glbatch SET WHENMODIFIED = ? WHERE RECORDNO = ?", (self.now, batch))

    # -- validation ------------------------------------------------------------------------------------------
    def validated(self, row: dict, *, allow_key: bool) -> dict:
        if not isinstance(row, dict):
            raise MutationError(f"{self.table}: expected an object of column values, got {row!r}")
        names = {column.name for column in self.spec.columns}
        unknown = [name for name in row if name not in names]
        if unknown:
            raise MutationError(f"{self.table} has no column {', '.join(map(repr, unknown))}")
        if not allow_key and self.key in row:
            raise MutationError(f"{self.table}.{self.key}: the primary key cannot be changed")
        return {name: coerce(self.spec, self.spec.column(name), value) for name, value in row.items()}

