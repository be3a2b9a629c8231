"""Northwind Field Services: the synthetic company every emulator serves, generated into SQLite.

Everything derives from `random.Random(seed)` drawn in a fixed order and from a fixed calendar
(2026-01-01 … 2026-10-31; every timestamp lies in [2026-01-01, 2026-11-01]), so the same (seed, scale) gives
byte-identical tables on any machine and any day. Rows stream into SQLite in chunks, so scale 500 (over a
million GL lines and a million time entries) never sits in memory.

Sizes are linear in `scale`: about 2,000 GL lines, 2,000 Harvest time entries and 300 generic entries per
unit. Money is handled in integer cents and stored as two-decimal text. Cost rates are whole dollars and
hours quarter-hours, so every `hours × cost_rate` is an exact amount in cents (no rounding rule can differ).

Reconciliation rule (what the dashboard checks): for every project and month, the payroll batch (journal
PYRL) has one debit line on account 5000 Direct Labour with that PROJECTID whose AMOUNT equals the sum of
`hours × cost_rate` over that project-month's Harvest and generic time entries.
"""

from __future__ import annotations

import calendar
import hashlib
import itertools
import math
import os
import random
import sqlite3
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from . import clockify_data, schema, toggl
from .schema import DATASETS

YEAR = 2026
FIRST_DAY = date(YEAR, 1, 1)
LAST_DAY = date(YEAR, 10, 31)
MONTHS = tuple(range(1, 11))  # the calendar's months with activity
LATEST_STAMP = datetime(YEAR, 11, 1)
CHUNK = 10_000

GL_LINES_PER_SCALE = 2000
HARVEST_ENTRIES_PER_SCALE = 2000
GENERIC_ENTRIES_PER_SCALE = 300
ENTRIES_PER_WORKER = 400  # time entries one worker logs over the calendar (about 93% of weekdays, 2 a day)

DIRECT_LABOUR = "5000"
ACCRUED_PAYROLL = "2100"

ENTITIES = (  # LOCATIONID, name, UTC offset of its office (hours), sub-locations
    ("US-EAST", "Northwind Field Services East", -5, (("E-BOS", "Boston"), ("E-NYC", "New York"))),
    ("US-WEST", "Northwind Field Services West", -8, (("W-SEA", "Seattle"), ("W-DEN", "Denver"))),
)
DEPARTMENTS = (  # DEPARTMENTID, title, parent
    ("OPS", "Field Operations", None), ("INST", "Installation", "OPS"), ("MAINT", "Maintenance", "OPS"),
    ("ENG", "Engineering", None), ("SALES", "Sales", None), ("ADMIN", "Administration", None),
    ("FIN", "Finance", "ADMIN"),
)
FIELD_DEPARTMENTS = ("INST", "MAINT", "ENG")
OFFICE_DEPARTMENTS = ("SALES", "ADMIN", "FIN")
CLASSES = (("COMM", "Commercial"), ("RESI", "Residential"), ("GOV", "Government"))
SERVICE_LINES = ("HVAC", "ELECTRICAL", "PLUMBING", "FIRE_SAFETY")
ACCOUNTS = (  # ACCOUNTNO, title, type, normal balance, category, require department/location/project
    ("1000", "Operating Cash", "balancesheet", "debit", "Cash", 0, 1, 0),
    ("1010", "Payroll Cash", "balancesheet", "debit", "Cash", 0, 1, 0),
    ("1100", "Accounts Receivable", "balancesheet", "debit", "Accounts Receivable", 0, 1, 0),
    ("1300", "Prepaid Expenses", "balancesheet", "debit", "Prepaid Expense", 0, 1, 0),
    ("1500", "Vehicles and Equipment", "balancesheet", "debit", "Fixed Assets", 0, 1, 0),
    ("1510", "Accumulated Depreciation", "balancesheet", "credit", "Accumulated Depreciation", 0, 1, 0),
    ("2000", "Accounts Payable", "balancesheet", "credit", "Accounts Payable", 0, 1, 0),
    ("2100", "Accrued Payroll", "balancesheet", "credit", "Accrued Liabilities", 0, 1, 0),
    ("2200", "Accrued Liabilities", "balancesheet", "credit", "Accrued Liabilities", 0, 1, 0),
    ("3000", "Common Stock", "balancesheet", "credit", "Common Stock", 0, 0, 0),
    ("3100", "Retained Earnings", "balancesheet", "credit", "Retained Earnings", 0, 0, 0),
    ("4000", "Installation Revenue", "incomestatement", "credit", "Revenue", 1, 1, 1),
    ("4100", "Maintenance Contract Revenue", "incomestatement", "credit", "Revenue", 1, 1, 1),
    ("4200", "Repair and Service Revenue", "incomestatement", "credit", "Revenue", 1, 1, 1),
    ("5000", "Direct Labour", "incomestatement", "debit", "Cost of Sales", 1, 1, 1),
    ("5100", "Materials and Parts", "incomestatement", "debit", "Cost of Sales", 1, 1, 1),
    ("5200", "Subcontractor Costs", "incomestatement", "debit", "Cost of Sales", 1, 1, 1),
    ("5300", "Vehicle and Fuel", "incomestatement", "debit", "Cost of Sales", 1, 1, 0),
    ("6000", "Office Salaries", "incomestatement", "debit", "Salaries", 1, 1, 0),
    ("6100", "Rent", "incomestatement", "debit", "Occupancy", 0, 1, 0),
    ("6200", "Utilities", "incomestatement", "debit", "Occupancy", 0, 1, 0),
    ("6300", "Insurance", "incomestatement", "debit", "Insurance", 0, 1, 0),
    ("6400", "Depreciation Expense", "incomestatement", "debit", "Depreciation", 0, 1, 0),
    ("6500", "Software and Subscriptions", "incomestatement", "debit", "Other Expense", 1, 1, 0),
    ("6600", "Travel and Meals", "incomestatement", "debit", "Travel", 1, 1, 0),
)
REVENUE_ACCOUNTS = ("4000", "4100", "4200")
COST_ACCOUNTS = ("5100", "5200", "5300")
OVERHEAD_ACCOUNTS = ("6100", "6200", "6300", "6500")
ITEMS = {"4000": "SVC-INSTALL", "4100": "SVC-MAINT", "4200": "SVC-REPAIR"}
JOURNALS = (  # SYMBOL, title, MODULE of its batches, adjustment journal
    ("GJ", "General Journal", "2.GL", 0), ("PYRL", "Payroll Journal", "2.GL", 0),
    ("AR", "Accounts Receivable Journal", "4.AR", 0), ("AP", "Accounts Payable Journal", "3.AP", 0),
    ("CRJ", "Cash Receipts Journal", "4.AR", 0), ("CDJ", "Cash Disbursements Journal", "11.CM", 0),
    ("ADJ", "Adjustments Journal", "2.GL", 1),
)
JOURNAL_MODULES = {symbol: module for symbol, _, module, _ in JOURNALS}
HARVEST_TASKS = (  # name, billable by default, default hourly rate (whole dollars), generic task id
    ("Installation", 1, 125, "install"), ("Maintenance", 1, 110, "maintain"), ("Repair", 1, 135, "repair"),
    ("Inspection", 1, 95, "inspect"), ("Travel", 0, None, "travel"), ("Admin", 0, None, "admin"),
)
TASK_WEIGHTS = (30, 25, 20, 10, 10, 5)
FIRST_NAMES = ("Ava", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jamal", "Kira", "Liam",
               "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Ximena",
               "Yusuf", "Zoe", "Marcus", "Nadia", "Omar", "Paula")
LAST_NAMES = ("Allen", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova", "Jones",
              "Kowalski", "Lopez", "Murphy", "Nguyen", "Okafor", "Patel", "Quintero", "Rossi", "Singh", "Tanaka",
              "Usman", "Varga", "Walsh", "Xu", "Young", "Zimmer")
NAME_WORDS = ("Harbor", "Summit", "Cedar", "Riverside", "Granite", "Lakeview", "Pioneer", "Beacon", "Maple",
              "Northgate", "Sterling", "Bayside", "Oakridge", "Crescent", "Evergreen", "Highland")
NAME_KINDS = ("Medical Center", "Logistics", "Property Group", "School District", "Hotels", "Foods",
              "Data Center", "Apartments", "Manufacturing", "County Offices", "Retail Park", "Labs")
VENDOR_KINDS = ("Supply Co", "Electric Wholesale", "Fleet Services", "Insurance", "Software", "Staffing",
                "Plumbing Supply", "Fuel Cards", "Properties", "Utilities")
LOCK_REASON = "Item Approved and Locked for this Time Period"
BILLED_REASON = "Item Invoiced and Approved and Locked for this Time Period"


def cents_to_text(cents: int) -> str:
    """Integer cents as the storage form of a decimal: ``-1234`` → ``"-12.34"``."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def text_to_cents(text: str) -> int:
    """The storage form of a decimal as integer cents (exact)."""
    whole, _, fraction = text.partition(".")
    negative = whole.startswith("-")
    cents = abs(int(whole)) * 100 + int((fraction + "00")[:2])
    return -cents if negative else cents


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def weekdays() -> list[date]:
    days = (FIRST_DAY + timedelta(n) for n in range((LAST_DAY - FIRST_DAY).days + 1))
    return [day for day in days if day.weekday() < 5]


def month_end(month: int) -> date:
    return date(YEAR, month, calendar.monthrange(YEAR, month)[1])


# -- the SQLite layout --------------------------------------------------------------------------------------
SQL_TYPES = {"integer": "INTEGER", "boolean": "INTEGER", "decimal": "TEXT", "text": "TEXT", "date": "TEXT",
             "timestamp": "TEXT"}
# Extra indexes the emulators' filters use, beyond (modified column, primary key) on every table.
EXTRA_INDEXES = {
    "glentry": (("BATCHNO", "LINE_NO"), ("WHENCREATED", "RECORDNO")),
    "glbatch": (("WHENCREATED", "RECORDNO"),),
    "audithistory": (("OBJECTTYPE", "ACCESSMODE", "ACCESSTIME", "ID"),),
    "harvest_time_entries": (("spent_date", "id"), ("user_id",), ("project_id",)),
    "harvest_cost_rates": (("user_id", "start_date"),),
    "generic_entries": (("date", "id"),),
    "clockify_time_entries": (("user_id", "start", "id"),),
    "qbtime_timesheets": (("date", "id"), ("user_id",), ("jobcode_id",)),
    "qbtime_timesheets_deleted": (("date", "id"),),
    "toggl_time_entries": (("start", "id"),),
}
GLDETAIL_VIEW = """
CREATE VIEW gldetail AS
SELECT e.BATCHNO || '-' || e.RECORDNO || '-' || e.LINE_NO || '--accrual' AS RECORDNO,
       e.BATCHNO AS BATCHKEY, e.RECORDNO AS GLENTRYKEY, 'ACCRUAL' AS BOOKID, b.BATCH_DATE, b.BATCH_TITLE,
       b.JOURNAL, e.ENTRY_DATE, e.ACCOUNTNO, e.ACCOUNTTITLE,
       CASE WHEN e.TR_TYPE = 1 THEN e.AMOUNT ELSE '0.00' END AS DEBITAMOUNT,
       CASE WHEN e.TR_TYPE = -1 THEN e.AMOUNT ELSE '0.00' END AS CREDITAMOUNT,
       CASE WHEN e.TR_TYPE = 1 THEN e.AMOUNT ELSE '-' || e.AMOUNT END AS AMOUNT,
       CASE WHEN e.TR_TYPE = 1 THEN e.TRX_AMOUNT ELSE '-' || e.TRX_AMOUNT END AS TRX_AMOUNT,
       e.CURRENCY, e.DESCRIPTION, 'gltransaction' AS RECORDTYPE, b.REFERENCENO AS RECORDID,
       b.MODULE AS MODULEKEY, b.STATE AS BATCH_STATE, e.STATE AS ENTRY_STATE, e.DEPARTMENT AS DEPARTMENTID,
       e.LOCATION AS LOCATIONID, e.PROJECTID, e.CUSTOMERID, e.VENDORID, e.EMPLOYEEID, e.CLASSID,
       e.WHENCREATED, e.WHENMODIFIED, e.MEGAENTITYKEY, e.MEGAENTITYID, e.MEGAENTITYNAME, e.GLDIMSERVICE_LINE
FROM glentry e JOIN glbatch b ON b.RECORDNO = e.BATCHNO
"""


def create_schema(db: sqlite3.Connection) -> None:
    for dataset in DATASETS.values():
        if dataset.name == "gldetail":
            continue
        columns = []
        for column in dataset.columns:
            definition = f'"{column.name}" {SQL_TYPES[column.type]}'
            if column.name == dataset.primary_key:
                definition += " PRIMARY KEY"
            columns.append(definition)
        db.execute(f'CREATE TABLE "{dataset.name}" ({", ".join(columns)})')
    db.execute(GLDETAIL_VIEW)


def create_indexes(db: sqlite3.Connection) -> None:
    for dataset in DATASETS.values():
        if dataset.name == "gldetail":
            continue
        indexes = [(dataset.modified, dataset.primary_key), *EXTRA_INDEXES.get(dataset.name, ())]
        for columns in indexes:
            name = f"ix_{dataset.name}__{'_'.join(columns).lower()}"
            db.execute(f'CREATE INDEX "{name}" ON "{dataset.name}" ({", ".join(f"{c!r}" for c in columns)})'
                       .replace("'", '"'))
    db.execute("ANALYZE")


class TableWriter:
    """Buffers rows (dicts keyed by column name) per table and writes them in chunks with executemany."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        self._buffers: dict[str, list[tuple]] = {}
        self._columns = {name: tuple(c.name for c in dataset.columns) for name, dataset in DATASETS.items()}
        self.counts: dict[str, int] = {}

    def add(self, table: str, row: dict) -> None:
        columns = self._columns[table]
        unknown = row.keys() - set(columns)
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        buffer = self._buffers.setdefault(table, [])
        buffer.append(tuple(row.get(column) for column in columns))
        if len(buffer) >= CHUNK:
            self._flush(table)

    def _flush(self, table: str) -> None:
        rows = self._buffers.pop(table, [])
        if rows:
            columns = self._columns[table]
            self._db.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(columns))})', rows)
            self.counts[table] = self.counts.get(table, 0) + len(rows)

    def close(self) -> None:
        for table in list(self._buffers):
            self._flush(table)


def generate(path: str | Path, *, scale: float = 1.0, seed: int = 7) -> dict[str, int]:
    """Write the company for (scale, seed) into a new SQLite file; returns the row count of each table."""
    if not isinstance(scale, (int, float)) or not 0 < scale <= 10_000:
        raise ValueError(f"scale must be a number in (0, 10000], got {scale!r}")
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists")
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA page_size = 8192")
        db.execute("BEGIN")
        create_schema(db)
        writer = TableWriter(db)
        CompanyGenerator(random.Random(seed), scale, writer).run()
        writer.close()
        quickbooks_time(db)
        toggl.derive(db)  # the technicians' time as Toggl holds it
        create_indexes(db)  # before the derived datasets: they read GL lines by batch
        clockify_data.derive(db)
        LedgerDocuments(db, random.Random(f"ledger-documents:{seed}"), writer).run()
        writer.close()
        db.execute("ANALYZE")
        db.execute("COMMIT")
    finally:
        db.close()
    return writer.counts


def cached(cache_dir: str | Path, *, scale: float, seed: int) -> Path:
    """The company file for (scale, seed) in `cache_dir`, generated on first use (for large scales).

    The name carries a digest of the generator's and the schema's source, so a changed generator never
    serves stale data; the file is written under a temporary name and renamed, so concurrent users are safe.
    """
    cache_dir = Path(cache_dir)
    digest = hashlib.sha256(b"".join(Path(module.__file__).read_bytes()
                                     for module in (sys.modules[__name__], schema, clockify_data, toggl))).hexdigest()[:12]
    path = cache_dir / f"company-{digest}-seed{seed}-scale{scale:g}.sqlite"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.unlink(missing_ok=True)
        generate(partial, scale=scale, seed=seed)
        os.replace(partial, path)
    return path


# -- QuickBooks Time: the technicians' time once more, as a QuickBooks Time company would hold it -----------
# Its ids are Harvest's moved into ranges of their own, so a provider mix-up never matches by accident.
QBTIME_USER_OFFSET = 1_782_001 - 1_242_501
QBTIME_CUSTOMER_OFFSET = 10_000_000
QBTIME_PROJECT_OFFSET = 3_000_000
QBTIME_TIMESHEET_OFFSET = 1_000_000_001 - 135_000_001
QBTIME_ZONES = {"Eastern Time (US & Canada)": (-5, "tsET"), "Pacific Time (US & Canada)": (-8, "tsPT")}


def local_time(day: str, clock: str, utc_offset: int) -> str:
    """Harvest's work day and clock time ("3:30pm") as QuickBooks Time's ``2026-03-04T15:30:00-05:00``."""
    moment = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %I:%M%p")
    return f"{moment:%Y-%m-%dT%H:%M:%S}{utc_offset:+03d}:00"


def quickbooks_time(db: sqlite3.Connection) -> None:
    """Derive the QuickBooks Time datasets from Harvest's: the same technicians, projects (as jobcodes under
    their customers' jobcodes) and time entries, hour for hour. QuickBooks Time has no cost rate history, so a
    user's `pay_rate` is the rate in force at the end of the calendar (Harvest's current `cost_rate`)."""
    db.create_function("qbtime_local", 3, local_time, deterministic=True)
    zone = "CASE u.timezone " + " ".join(f"WHEN '{name}' THEN {{}}" for name in QBTIME_ZONES) + " END"
    offset = zone.format(*(str(offset) for offset, _ in QBTIME_ZONES.values()))
    tz_str = zone.format(*(f"'{name}'" for _, name in QBTIME_ZONES.values()))
    db.execute(f"""INSERT INTO qbtime_users SELECT id - {QBTIME_USER_OFFSET}, first_name, last_name,
        first_name || ' ' || last_name, 0, is_active, id - 1782000, 0, 0, lower(first_name || '.' || last_name),
        email, cost_rate, 'hour', employee_id, created_at, updated_at FROM harvest_users""")
    db.execute(f"""INSERT INTO qbtime_jobcodes SELECT id + {QBTIME_CUSTOMER_OFFSET}, 0, 1, 0, is_active, 'regular',
        1, NULL, NULL, name, created_at, updated_at FROM harvest_clients""")
    db.execute(f"""INSERT INTO qbtime_jobcodes SELECT id + {QBTIME_PROJECT_OFFSET},
        client_id + {QBTIME_CUSTOMER_OFFSET}, 1, is_billable, is_active, 'regular', 0, hourly_rate, code, name,
        created_at, updated_at FROM harvest_projects""")
    db.execute(f"""INSERT INTO qbtime_timesheets SELECT e.id - {QBTIME_TIMESHEET_OFFSET}, e.user_id - {QBTIME_USER_OFFSET},
        e.project_id + {QBTIME_PROJECT_OFFSET}, qbtime_local(e.spent_date, e.started_time, {offset}),
        qbtime_local(e.spent_date, e.ended_time, {offset}), CAST(ROUND(CAST(e.hours AS REAL) * 3600) AS INTEGER),
        e.spent_date, {offset}, {tz_str}, 'regular', NULL, 0, e.is_locked, e.notes, e.created_at, e.updated_at
        FROM harvest_time_entries e JOIN harvest_users u ON u.id = e.user_id""")


# -- the company ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entity:
    key: int  # the entity location's RECORDNO (MEGAENTITYKEY)
    id: str
    name: str
    utc_offset: int
    locations: tuple[str, ...]

    def columns(self) -> dict:
        return {"MEGAENTITYKEY": self.key, "MEGAENTITYID": self.id, "MEGAENTITYNAME": self.name}


@dataclass(frozen=True)
class Project:
    project_id: str
    harvest_id: int
    name: str
    customer_id: str
    harvest_client_id: int
    entity: Entity
    department: str
    location: str
    class_id: str
    service_line: str
    billable: bool
    hourly_rate: int  # whole dollars


@dataclass(frozen=True)
class Worker:
    employee_id: str
    name: str
    entity: Entity
    department: str
    location: str
    projects: tuple[Project, ...]
    rates: tuple[tuple[date, int], ...]  # (effective from, whole-dollar cost rate), ascending
    harvest_id: int | None  # None: a subcontractor crew member (logs time in the generic tool)

    def rate_on(self, day: date) -> int:
        rate = self.rates[0][1]
        for start, amount in self.rates:
            if start <= day:
                rate = amount
        return rate


class CompanyGenerator:
    """Draws the company from one seeded random stream, in a fixed order, writing rows as it goes."""

    def __init__(self, rng: random.Random, scale: float, writer: TableWriter):
        self.rng = rng
        self.scale = scale
        self.out = writer
        # Aim 1.5% high: random attendance and seeded deletes must not leave a size below its promise.
        self.harvest_target = max(1, round(HARVEST_ENTRIES_PER_SCALE * scale * 1.015))
        self.generic_target = max(1, round(GENERIC_ENTRIES_PER_SCALE * scale * 1.015))
        self.gl_target = max(1, round(GL_LINES_PER_SCALE * scale * 1.015))
        self.weekdays = weekdays()
        # Below scale 0.5 the books skip the fixed monthly entries (depreciation, accruals and their
        # reversals, payroll disbursements, office salaries) so tiny datasets stay a few dozen rows.
        self.full_books = scale >= 0.5
        self.force_unmodified = False
        self.labour_cents: dict[tuple[str, int], int] = {}  # (PROJECTID, month) → cost of its time entries
        self.audit_id = 0

    # shared helpers ------------------------------------------------------------------------------------------
    def moment(self, day: date, start_hour: int = 7, end_hour: int = 23) -> datetime:
        """A random UTC time on `day` between the given hours."""
        seconds = self.rng.randrange(start_hour * 3600, end_hour * 3600)
        return datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)

    def audit_columns(self, created: datetime) -> dict:
        """WHENCREATED/WHENMODIFIED: about 1% never modified (empty), 10% modified days later."""
        draw = self.rng.random()
        if draw < 0.01:
            modified = None
        elif draw < 0.11:
            modified = stamp(min(created + timedelta(days=self.rng.randint(1, 40), seconds=self.rng.randrange(86400)),
                                 LATEST_STAMP))
        else:
            modified = stamp(created)
        user = self.rng.choice((1, 2, 5))
        return {"WHENCREATED": stamp(created), "WHENMODIFIED": modified, "CREATEDBY": user,
                "MODIFIEDBY": user if modified in (None, stamp(created)) else self.rng.choice((1, 2, 5))}

    def setup_moment(self) -> datetime:
        """When master data was entered: the first working days of the calendar."""
        return self.moment(FIRST_DAY + timedelta(days=self.rng.randint(0, 4)), 14, 23)

    def person_name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def org_name(self, kinds: tuple[str, ...]) -> str:
        return f"{self.rng.choice(NAME_WORDS)} {self.rng.choice(kinds)}"

    def delete_audit(self, object_name: str, record_no: int, description: str, when: datetime) -> None:
        self.audit_id += 1
        self.out.add("audithistory", {
            "ID": str(self.audit_id), "OBJECTTYPE": object_name.lower(), "OBJECTKEY": f"{record_no}--{object_name}",
            "OBJECTDESC": description, "ACCESSMODE": "D", "ACCESSTIME": stamp(when), "USERID": "jmorgan",
            "SOURCE": "User Interface"})

    # the steps -----------------------------------------------------------------------------------------------
    def run(self) -> None:
        self.dimensions()
        self.chart_of_accounts()
        self.parties()
        self.projects()
        self.workforce()
        self.harvest_catalogue()
        self.time_entries()
        self.ledger()

    def dimensions(self) -> None:
        record = 0
        self.entities: list[Entity] = []
        for entity_id, name, offset, subs in ENTITIES:
            record += 1
            entity = Entity(record, entity_id, name, offset, tuple(code for code, _ in subs))
            self.entities.append(entity)
            self.out.add("location", {"RECORDNO": record, "LOCATIONID": entity_id, "NAME": name, "PARENTID": None,
                                      "ENTITY": 1, "CURRENCY": "USD", "STATUS": "active",
                                      **self.audit_columns(self.setup_moment()), **entity.columns()})
        for entity, (_, _, _, sublocations) in zip(self.entities, ENTITIES):
            for code, city in sublocations:
                record += 1
                self.out.add("location", {"RECORDNO": record, "LOCATIONID": code, "NAME": f"{city} Branch",
                                          "PARENTID": entity.id, "ENTITY": 0, "CURRENCY": "USD", "STATUS": "active",
                                          **self.audit_columns(self.setup_moment()), **entity.columns()})
        self.entity_of_location = {code: entity for entity in self.entities for code in entity.locations}
        for number, (department_id, title, parent) in enumerate(DEPARTMENTS, start=1):
            self.out.add("department", {"RECORDNO": number, "DEPARTMENTID": department_id, "TITLE": title,
                                        "PARENTID": parent, "SUPERVISORID": None, "STATUS": "active",
                                        **self.audit_columns(self.setup_moment())})
        for number, (class_id, name) in enumerate(CLASSES, start=1):
            self.out.add("class", {"RECORDNO": number, "CLASSID": class_id, "NAME": name, "PARENTID": None,
                                   "STATUS": "active", **self.audit_columns(self.setup_moment())})
        for month in range(1, 13):
            start = date(YEAR, month, 1)
            self.out.add("reportingperiod", {
                "RECORDNO": month, "NAME": f"Month Ended {start:%B %Y}", "HEADER1": "Month Ended",
                "HEADER2": f"{start:%B %Y}", "START_DATE": start.isoformat(), "END_DATE": month_end(month).isoformat(),
                "BUDGETING": 1, "STATUS": "active", **self.audit_columns(self.setup_moment())})

    def chart_of_accounts(self) -> None:
        self.account_titles = {number: title for number, title, *_ in ACCOUNTS}
        for record, (number, title, kind, balance, category, dept, loc, proj) in enumerate(ACCOUNTS, start=1):
            self.out.add("glaccount", {
                "RECORDNO": record, "ACCOUNTNO": number, "TITLE": title, "ACCOUNTTYPE": kind,
                "NORMALBALANCE": balance,
                "CLOSINGTYPE": "closing account" if kind == "incomestatement" else "non-closing account",
                "CLOSINGACCOUNTNO": "3100" if kind == "incomestatement" else None, "STATUS": "active",
                "CATEGORY": category, "ALTERNATIVEACCOUNT": "None", "REQUIREDEPT": dept, "REQUIRELOC": loc,
                "REQUIREPROJECT": proj, **self.audit_columns(self.setup_moment())})
        for record, (symbol, title, _, adjustment) in enumerate(JOURNALS, start=1):
            self.out.add("gljournal", {"RECORDNO": record, "SYMBOL": symbol, "TITLE": title, "STATUS": "active",
                                       "BOOKID": "ACCRUAL", "ADJ": adjustment,
                                       **self.audit_columns(self.setup_moment())})

    def parties(self) -> None:
        self.customers: list[tuple[str, str, int]] = []  # (CUSTOMERID, name, harvest client id)
        for n in range(max(2, round(6 * self.scale))):
            customer_id, name, client_id = f"C-{1001 + n}", self.org_name(NAME_KINDS), 5_735_001 + n
            created = self.setup_moment()
            self.customers.append((customer_id, name, client_id))
            self.out.add("customer", {
                "RECORDNO": 101 + n, "CUSTOMERID": customer_id, "NAME": name,
                "CUSTTYPE": self.rng.choice(("Commercial", "Public Sector", "Residential")),
                "TERMNAME": self.rng.choice(("Net 30", "Net 45", "Net 15")), "CURRENCY": "USD",
                "CREDITLIMIT": cents_to_text(self.rng.randint(20, 200) * 500_000), "STATUS": "active",
                **self.audit_columns(created)})
            self.out.add("harvest_clients", {
                "id": client_id, "name": name, "is_active": 1,
                "address": f"{self.rng.randint(10, 9999)} {self.rng.choice(NAME_WORDS)} Street",
                "statement_key": f"{self.rng.getrandbits(128):032x}", "currency": "USD", "customer_id": customer_id,
                "created_at": stamp(created), "updated_at": stamp(created)})
        self.vendors: list[str] = []
        for n in range(max(2, round(4 * self.scale))):
            vendor_id = f"V-{2001 + n}"
            self.vendors.append(vendor_id)
            self.out.add("vendor", {
                "RECORDNO": 201 + n, "VENDORID": vendor_id, "NAME": self.org_name(VENDOR_KINDS),
                "VENDTYPE": self.rng.choice(("Supplier", "Service Provider", "Subcontractor")),
                "TERMNAME": self.rng.choice(("Net 30", "Net 15", "Due on Receipt")), "CURRENCY": "USD",
                "STATUS": "active", **self.audit_columns(self.setup_moment())})

    def projects(self) -> None:
        self.all_projects: list[Project] = []
        for n in range(max(2, round(10 * self.scale))):
            customer_id, customer_name, client_id = self.customers[n % len(self.customers)]
            entity = self.entities[n % len(self.entities)]
            service = self.rng.choice(SERVICE_LINES)
            fixed_fee = self.rng.random() < 0.3
            project = Project(
                project_id=f"P-{1001 + n}", harvest_id=14_307_001 + n,
                name=f"{customer_name} {service.replace('_', ' ').title()} {1001 + n}", customer_id=customer_id,
                harvest_client_id=client_id, entity=entity, department=self.rng.choice(FIELD_DEPARTMENTS),
                location=self.rng.choice(entity.locations), class_id=self.rng.choice(CLASSES)[0],
                service_line=service, billable=self.rng.random() < 0.85, hourly_rate=self.rng.randint(90, 160))
            self.all_projects.append(project)
            created = self.setup_moment()
            begin = date(2025, self.rng.randint(1, 12), 1)
            budget_cents = self.rng.randint(40, 400) * 100_000
            self.out.add("project", {
                "RECORDNO": 301 + n, "PROJECTID": project.project_id, "NAME": project.name,
                "CUSTOMERID": customer_id, "CUSTOMERNAME": customer_name,
                "PROJECTCATEGORY": "Contract" if project.billable else "Internal", "PROJECTSTATUS": "In Progress",
                "BEGINDATE": begin.isoformat(), "ENDDATE": date(2027, self.rng.randint(1, 12), 1).isoformat(),
                "BUDGETAMOUNT": cents_to_text(budget_cents), "DEPARTMENTID": project.department,
                "LOCATIONID": project.location, "STATUS": "active", **self.audit_columns(created),
                **entity.columns(), "CONTRACT_TYPE": "Fixed fee" if fixed_fee else "Time and materials"})
            self.out.add("harvest_projects", {
                "id": project.harvest_id, "client_id": client_id, "name": project.name, "code": project.project_id,
                "is_active": 1, "is_billable": int(project.billable), "is_fixed_fee": int(fixed_fee),
                "bill_by": ("Project" if project.billable else "none"), "budget": cents_to_text(budget_cents // 120),
                "budget_by": "project", "hourly_rate": cents_to_text(project.hourly_rate * 100),
                "cost_budget": None, "starts_on": begin.isoformat(), "ends_on": None,
                "notes": f"{service} work for {customer_name}", "created_at": stamp(created),
                "updated_at": stamp(created)})
        self.projects_by_entity = {entity.id: [p for p in self.all_projects if p.entity == entity]
                                   for entity in self.entities}

    def new_worker(self, number: int, harvest_id: int | None, kind: str, rate_range: tuple[int, int]) -> Worker:
        entity = self.rng.choice(self.entities)
        pool = self.projects_by_entity[entity.id] or self.all_projects
        projects = tuple(self.rng.sample(pool, min(len(pool), self.rng.randint(2, 4))))
        rate = self.rng.randint(*rate_range)
        rates = [(FIRST_DAY, rate)]
        if self.rng.random() < 0.4 or number == 1:  # a mid-year raise (always for the first technician)
            rates.append((date(YEAR, self.rng.randint(4, 8), 1), rate + self.rng.randint(1, 4)))
        worker = Worker(employee_id=f"E-{number:04d}", name=self.person_name(), entity=entity,
                        department=self.rng.choice(FIELD_DEPARTMENTS), location=self.rng.choice(entity.locations),
                        projects=projects, rates=tuple(rates), harvest_id=harvest_id)
        self.employee(number, worker.employee_id, worker.name, kind, worker.department, worker.location)
        return worker

    def employee(self, number: int, employee_id: str, name: str, kind: str, department: str, location: str) -> None:
        entity = self.entity_of_location[location]
        hired = date(self.rng.randint(2015, 2025), self.rng.randint(1, 12), self.rng.randint(1, 28))
        self.out.add("employee", {
            "RECORDNO": 500 + number, "EMPLOYEEID": employee_id, "CONTACT_NAME": name,
            "TITLE": {"Full Time": "Field Technician", "Contractor": "Subcontract Technician"}.get(kind, "Office Staff"),
            "DEPARTMENTID": department, "LOCATIONID": location, "EMPLOYEETYPE": kind,
            "STARTDATE": hired.isoformat(), "ENDDATE": None, "STATUS": "active",
            **self.audit_columns(self.setup_moment()), **entity.columns()})

    def workforce(self) -> None:
        technicians = max(1, math.ceil(self.harvest_target / ENTRIES_PER_WORKER))
        crew = max(1, math.ceil(self.generic_target / ENTRIES_PER_WORKER))
        self.technicians = [self.new_worker(n + 1, 1_782_001 + n, "Full Time", (28, 48)) for n in range(technicians)]
        self.crew = [self.new_worker(technicians + n + 1, None, "Contractor", (40, 65)) for n in range(crew)]
        self.office: list[tuple[str, str, str, int]] = []  # (EMPLOYEEID, department, location, monthly cents)
        for n in range(max(2, math.ceil((technicians + crew) * 0.15))):
            number = technicians + crew + n + 1
            entity = self.entities[n % len(self.entities)]
            department, location = self.rng.choice(OFFICE_DEPARTMENTS), self.rng.choice(entity.locations)
            self.employee(number, f"E-{number:04d}", self.person_name(), "Salaried", department, location)
            self.office.append((f"E-{number:04d}", department, location, self.rng.randint(45, 90) * 10_000))

    def harvest_catalogue(self) -> None:
        self.tasks = []
        for n, (name, billable, rate, generic_id) in enumerate(HARVEST_TASKS):
            task_id = 8_083_001 + n
            self.tasks.append((task_id, name, billable, rate, generic_id))
            created = stamp(self.setup_moment())
            self.out.add("harvest_tasks", {
                "id": task_id, "name": name, "billable_by_default": billable,
                "default_hourly_rate": cents_to_text(rate * 100) if rate else None, "is_default": int(n < 4),
                "is_active": 1, "created_at": created, "updated_at": created})
        rate_id = 900_001
        for worker in self.technicians:
            first, last = worker.name.split(" ", 1)
            created = self.setup_moment()
            updated = created
            for index, (start, amount) in enumerate(worker.rates):
                following = worker.rates[index + 1][0] if index + 1 < len(worker.rates) else None
                entered = created if index == 0 else self.moment(start - timedelta(days=self.rng.randint(1, 10)), 14, 22)
                updated = max(updated, entered)
                self.out.add("harvest_cost_rates", {
                    "id": rate_id, "user_id": worker.harvest_id, "amount": cents_to_text(amount * 100),
                    "start_date": start.isoformat(),
                    "end_date": (following - timedelta(days=1)).isoformat() if following else None,
                    "created_at": stamp(entered), "updated_at": stamp(entered)})
                rate_id += 1
            self.out.add("harvest_users", {
                "id": worker.harvest_id, "first_name": first, "last_name": last,
                "email": f"{first}.{last}.{worker.harvest_id}@northwind-fs.example".lower(),
                "telephone": f"+1 555 {self.rng.randint(100, 999)} {self.rng.randint(1000, 9999)}",
                "timezone": "Eastern Time (US & Canada)" if worker.entity.utc_offset == -5 else "Pacific Time (US & Canada)",
                "weekly_capacity": 144000, "is_contractor": 0, "is_active": 1,
                "default_hourly_rate": cents_to_text(self.rng.randint(95, 150) * 100),
                "cost_rate": cents_to_text(worker.rates[-1][1] * 100), "roles": '["Technician"]',
                "employee_id": worker.employee_id, "created_at": stamp(created), "updated_at": stamp(updated)})

    # time ----------------------------------------------------------------------------------------------------
    def time_entries(self) -> None:
        entry_id = 1_000_000_001
        for worker in self.technicians:
            for day, hours_quarters, project, task, started, ended in self.workdays(worker, self.harvest_target,
                                                                                      len(self.technicians)):
                task_id, _, task_billable, _, _ = task
                billable = project.billable and bool(task_billable)
                created, updated = self.entry_stamps(day, worker.entity)
                billed = billable and day.month <= 7 and self.rng.random() < 0.9
                locked = billed or day.month <= 8
                rate = worker.rate_on(day)
                hours = cents_to_text(hours_quarters * 25)
                self.out.add("harvest_time_entries", {
                    "id": entry_id, "spent_date": day.isoformat(), "user_id": worker.harvest_id,
                    "client_id": project.harvest_client_id, "project_id": project.harvest_id, "task_id": task_id,
                    "hours": hours, "hours_without_timer": hours, "rounded_hours": hours,
                    "notes": f"{task[1]} at {project.name}", "is_locked": int(locked),
                    "locked_reason": (BILLED_REASON if billed else LOCK_REASON) if locked else None,
                    "is_closed": int(locked), "is_billed": int(billed), "timer_started_at": None,
                    "started_time": started, "ended_time": ended, "is_running": 0, "billable": int(billable),
                    "budgeted": 1, "billable_rate": cents_to_text(project.hourly_rate * 100) if billable else None,
                    "cost_rate": cents_to_text(rate * 100), "created_at": created, "updated_at": updated})
                self.add_labour(project, day, hours_quarters, rate)
                entry_id += 1
        entry_number = 1
        for worker in self.crew:
            for day, hours_quarters, project, task, _, _ in self.workdays(worker, self.generic_target, len(self.crew)):
                _, task_name, task_billable, _, generic_task = task
                billable = project.billable and bool(task_billable)
                created, updated = self.entry_stamps(day, worker.entity)
                rate = worker.rate_on(day)
                self.out.add("generic_entries", {
                    "id": f"te_{entry_number}", "user_id": worker.employee_id, "user_name": worker.name,
                    "employee_id": worker.employee_id, "project_id": project.project_id, "task_id": generic_task,
                    "date": day.isoformat(), "hours": cents_to_text(hours_quarters * 25), "billable": int(billable),
                    "cost_rate": cents_to_text(rate * 100),
                    "bill_rate": cents_to_text(project.hourly_rate * 100) if billable else None,
                    "notes": f"{task_name} at {project.name}", "created_at": created, "updated_at": updated})
                self.add_labour(project, day, hours_quarters, rate)
                entry_number += 1

    def workdays(self, worker: Worker, target: int, workers: int):
        """(day, quarter-hours, project, task, started, ended) for each entry a worker logs."""
        attendance = min(1.0, target / (workers * len(self.weekdays) * 2))
        for day in self.weekdays:
            if self.rng.random() >= attendance:
                continue
            clock = 7 * 4 + self.rng.randint(0, 6)  # in quarter-hours since midnight
            for _ in range(self.rng.choice((1, 2, 2, 3))):
                quarters = self.rng.randint(2, 16)
                task = self.rng.choices(self.tasks, TASK_WEIGHTS)[0]
                yield (day, quarters, self.rng.choice(worker.projects), task, clock_text(clock),
                       clock_text(clock + quarters))
                clock += quarters + self.rng.randint(0, 2)

    def entry_stamps(self, day: date, entity: Entity) -> tuple[str, str]:
        """created_at: the evening of the work day, office time, in UTC; some entries edited days later."""
        created = self.moment(day, 16, 20) - timedelta(hours=entity.utc_offset)
        updated = created
        if self.rng.random() < 0.15:
            updated = min(created + timedelta(days=self.rng.randint(1, 20), seconds=self.rng.randrange(86400)),
                          LATEST_STAMP)
        return stamp(created), stamp(updated)

    def add_labour(self, project: Project, day: date, quarters: int, rate: int) -> None:
        key = (project.project_id, day.month)
        self.labour_cents[key] = self.labour_cents.get(key, 0) + quarters * rate * 25

    # the ledger ----------------------------------------------------------------------------------------------
    def ledger(self) -> None:
        self.batch_record = 1000
        self.entry_record = 10000
        self.batch_numbers = {symbol: 0 for symbol, *_ in JOURNALS}
        self.deleted_batches = 0
        fixed_lines = len(self.labour_cents) + len(MONTHS) * len(self.entities)
        if self.full_books:
            fixed_lines += len(MONTHS) * (len(self.entities) * 8 + len(self.office))
        per_month = max(2, (self.gl_target - fixed_lines) // len(MONTHS))
        pending_reversals: list[tuple] = []
        previous_payroll: dict[str, int] = {}
        for month in MONTHS:
            batches = [(self.business_day(month, 2, 6), "reversal", spec) for spec in pending_reversals]
            batches += [(self.business_day(month, 3, 8), "payroll_payment", (entity, cents))
                        for entity, cents in previous_payroll.items()]
            self.force_unmodified = month == 2  # at least one batch (and its lines) with an empty WHENMODIFIED
            lines = 0
            while lines < per_month:
                kind = self.rng.choices(("invoice", "bill", "receipt", "payment", "expense"), (35, 30, 15, 10, 10))[0]
                count = {"invoice": self.rng.randint(2, 4), "bill": self.rng.randint(2, 4)}.get(kind, 2)
                batches.append((self.business_day(month, 1, 28), kind, count))
                lines += count
            batches.sort(key=lambda batch: batch[0])
            for day, kind, detail in batches:
                self.write_batch(*getattr(self, f"{kind}_batch")(day, detail))
            end = month_end(month)
            pending_reversals = []
            for entity in self.entities if self.full_books else ():
                self.write_batch(*self.depreciation_batch(end, entity))
                accrual = self.accrual_batch(end, entity, month)
                pending_reversals.append((self.batch_record + 1, accrual))
                self.write_batch(*accrual)
            previous_payroll = {}
            for entity in self.entities:
                payroll = self.payroll_batch(end, entity, month)
                if payroll is not None:
                    previous_payroll[entity.id] = self.write_batch(*payroll)
            if not self.full_books:
                previous_payroll = {}

    def business_day(self, month: int, first: int, last: int) -> date:
        """A random weekday of `month` between the day numbers `first` and `last`."""
        days = [date(YEAR, month, n) for n in range(first, last + 1)]
        return self.rng.choice([day for day in days if day.weekday() < 5])

    def line(self, tr_type: int, account: str, cents: int, memo: str, **dimensions) -> dict:
        return {"TR_TYPE": tr_type, "ACCOUNTNO": account, "cents": cents, "DESCRIPTION": memo, **dimensions}

    def write_batch(self, day: date, journal: str, title: str, reference: str, entity: Entity, location: str,
                    lines: list[dict], reversal_of: int | None = None, reversed_on: date | None = None) -> int:
        """Write one balanced batch and its lines; returns its total debit in cents.

        About one operational batch in 200 is written as deleted instead: its record numbers are used up and
        AUDITHISTORY holds the deletes, as when someone deleted a draft entry in the UI.
        """
        balance = sum(line["TR_TYPE"] * line["cents"] for line in lines)
        if balance:
            raise AssertionError(f"batch {title} does not balance ({balance} cents)")
        self.batch_record += 1
        record = self.batch_record
        created = self.moment(day, 13, 23)
        columns = self.audit_columns(created)
        doomed = self.rng.random() < 0.005
        if journal in ("AR", "AP") and (doomed or not self.deleted_batches):
            self.deleted_batches += 1
            when = min(created + timedelta(days=self.rng.randint(1, 10)), LATEST_STAMP)
            self.delete_audit("GLBATCH", record, title, when)
            for _ in lines:
                self.entry_record += 1
                self.delete_audit("GLENTRY", self.entry_record, title, when)
            return 0
        if self.force_unmodified:
            columns.update(WHENMODIFIED=None, MODIFIEDBY=columns["CREATEDBY"])
            self.force_unmodified = False
        self.batch_numbers[journal] += 1
        self.out.add("glbatch", {
            "RECORDNO": record, "BATCHNO": self.batch_numbers[journal], "BATCH_TITLE": title, "JOURNAL": journal,
            "BATCH_DATE": day.isoformat(), "MODULE": JOURNAL_MODULES[journal], "REFERENCENO": reference,
            "REVERSED": reversed_on.isoformat() if reversed_on else None, "REVERSEDKEY": reversal_of,
            "STATE": "Posted", "BASELOCATION_NO": entity.id,
            "RECORD_URL": f"https://www.intacct.com/ia/acct/ur.phtml?.r=GLBATCH{record}", **columns,
            **entity.columns()})
        for number, line in enumerate(lines, start=1):
            self.entry_record += 1
            dimensions = {key: value for key, value in line.items() if key not in ("TR_TYPE", "ACCOUNTNO", "cents")}
            amount = cents_to_text(line["cents"])
            self.out.add("glentry", {
                "RECORDNO": self.entry_record, "BATCHNO": record, "LINE_NO": number, "TR_TYPE": line["TR_TYPE"],
                "ENTRY_DATE": day.isoformat(), "AMOUNT": amount, "TRX_AMOUNT": amount, "ACCOUNTNO": line["ACCOUNTNO"],
                "ACCOUNTTITLE": self.account_titles[line["ACCOUNTNO"]], "LOCATION": location, "CURRENCY": "USD",
                "BASECURR": "USD", "STATE": "Posted", **dimensions, **columns, **entity.columns()})
        return sum(line["cents"] for line in lines if line["TR_TYPE"] == 1)

    def split(self, total: int, parts: int) -> list[int]:
        """`total` cents in `parts` positive amounts that add up exactly."""
        cuts = sorted(self.rng.sample(range(1, total), parts - 1)) if parts > 1 else []
        return [b - a for a, b in zip([0, *cuts], [*cuts, total])]

    def invoice_batch(self, day: date, count: int):
        project = self.rng.choice(self.all_projects)
        total = self.rng.randint(500, 25_000) * 100 + self.rng.choice((0, 50, 25))
        reference = f"INV-{10000 + self.batch_record}"
        shared = {"CUSTOMERID": project.customer_id, "PROJECTID": project.project_id,
                  "DEPARTMENT": project.department, "CLASSID": project.class_id,
                  "GLDIMSERVICE_LINE": project.service_line}
        lines = [self.line(1, "1100", total, f"Invoice {reference}", CUSTOMERID=project.customer_id,
                           DEPARTMENT=project.department)]
        for cents in self.split(total, count - 1):
            account = self.rng.choice(REVENUE_ACCOUNTS)
            lines.append(self.line(-1, account, cents, f"{self.account_titles[account]} {reference}",
                                   ITEMID=ITEMS[account], **shared))
        return (day, "AR", f"Invoice {reference} {project.name}", reference, project.entity, project.location,
                lines)

    def bill_batch(self, day: date, count: int):
        vendor = self.rng.choice(self.vendors)
        project = self.rng.choice(self.all_projects)
        total = self.rng.randint(100, 12_000) * 100 + self.rng.randint(0, 99)
        reference = f"BILL-{20000 + self.batch_record}"
        lines = []
        for cents in self.split(total, count - 1):
            account = self.rng.choice(COST_ACCOUNTS + OVERHEAD_ACCOUNTS)
            on_project = account in COST_ACCOUNTS
            lines.append(self.line(1, account, cents, f"{self.account_titles[account]} {reference}", VENDORID=vendor,
                                   DEPARTMENT=project.department if on_project else self.rng.choice(OFFICE_DEPARTMENTS),
                                   PROJECTID=project.project_id if on_project else None,
                                   CLASSID=project.class_id if on_project else None,
                                   GLDIMSERVICE_LINE=project.service_line if on_project else None))
        lines.append(self.line(-1, "2000", total, f"Bill {reference}", VENDORID=vendor, DEPARTMENT="FIN"))
        return day, "AP", f"Bill {reference} {vendor}", reference, project.entity, project.location, lines

    def receipt_batch(self, day: date, _count: int):
        customer_id = self.rng.choice(self.customers)[0]
        entity = self.rng.choice(self.entities)
        total = self.rng.randint(500, 20_000) * 100
        reference = f"RCPT-{30000 + self.batch_record}"
        lines = [self.line(1, "1000", total, f"Receipt {reference}", CUSTOMERID=customer_id, DEPARTMENT="FIN"),
                 self.line(-1, "1100", total, f"Receipt {reference}", CUSTOMERID=customer_id, DEPARTMENT="FIN")]
        return day, "CRJ", f"Customer receipt {reference}", reference, entity, entity.locations[0], lines

    def payment_batch(self, day: date, _count: int):
        vendor = self.rng.choice(self.vendors)
        entity = self.rng.choice(self.entities)
        total = self.rng.randint(100, 10_000) * 100 + self.rng.randint(0, 99)
        reference = f"PAY-{40000 + self.batch_record}"
        lines = [self.line(1, "2000", total, f"Payment {reference}", VENDORID=vendor, DEPARTMENT="FIN"),
                 self.line(-1, "1000", total, f"Payment {reference}", VENDORID=vendor, DEPARTMENT="FIN")]
        return day, "CDJ", f"Vendor payment {reference}", reference, entity, entity.locations[0], lines

    def expense_batch(self, day: date, _count: int):
        worker = self.rng.choice(self.technicians + self.crew)
        total = self.rng.randint(20, 900) * 100 + self.rng.randint(0, 99)
        reference = f"EXP-{50000 + self.batch_record}"
        lines = [self.line(1, "6600", total, f"Travel and meals {worker.name}", EMPLOYEEID=worker.employee_id,
                           DEPARTMENT=worker.department),
                 self.line(-1, "2200", total, f"Expense report {reference}", EMPLOYEEID=worker.employee_id,
                           DEPARTMENT=worker.department)]
        return day, "GJ", f"Expense report {reference} {worker.name}", reference, worker.entity, worker.location, lines

    def depreciation_batch(self, end: date, entity: Entity):
        total = self.rng.randint(3_000, 9_000) * 100
        memo = f"Depreciation {end:%B %Y}"
        lines = [self.line(1, "6400", total, memo, DEPARTMENT="OPS"), self.line(-1, "1510", total, memo, DEPARTMENT="OPS")]
        return end, "GJ", f"{memo} {entity.id}", f"DEP-{end:%Y%m}-{entity.id}", entity, entity.locations[0], lines

    def accrual_batch(self, end: date, entity: Entity, month: int):
        total = self.rng.randint(1_000, 6_000) * 100 + self.rng.randint(0, 99)
        memo = f"Utilities accrual {end:%B %Y}"
        reverses_on = date(YEAR, month + 1, 1) if month < 12 else None
        lines = [self.line(1, "6200", total, memo, DEPARTMENT="ADMIN"),
                 self.line(-1, "2200", total, memo, DEPARTMENT="ADMIN")]
        return (end, "ADJ", f"{memo} {entity.id}", f"ACR-{end:%Y%m}-{entity.id}", entity, entity.locations[0], lines,
                None, reverses_on)

    def reversal_batch(self, day: date, original: tuple):
        record, (_, journal, title, reference, entity, location, lines, _, _) = original
        flipped = [{**line, "TR_TYPE": -line["TR_TYPE"], "DESCRIPTION": f"Reversal: {line['DESCRIPTION']}"}
                   for line in lines]
        return day, journal, f"Reversal of {title}", f"REV-{reference}", entity, location, flipped, record

    def payroll_batch(self, end: date, entity: Entity, month: int):
        """Direct labour per project (= the cost of that project-month's time) plus office salaries."""
        lines = []
        for project in self.projects_by_entity[entity.id]:
            cents = self.labour_cents.get((project.project_id, month), 0)
            if cents:
                lines.append(self.line(1, DIRECT_LABOUR, cents, f"Direct labour {project.project_id} {end:%B %Y}",
                                       PROJECTID=project.project_id, CUSTOMERID=project.customer_id,
                                       DEPARTMENT=project.department, CLASSID=project.class_id,
                                       GLDIMSERVICE_LINE=project.service_line))
        if not lines:
            return None
        for employee_id, department, location, cents in self.office if self.full_books else ():
            if self.entity_of_location[location] == entity:
                lines.append(self.line(1, "6000", cents, f"Salary {employee_id} {end:%B %Y}",
                                       EMPLOYEEID=employee_id, DEPARTMENT=department))
        total = sum(line["cents"] for line in lines)
        lines.append(self.line(-1, ACCRUED_PAYROLL, total, f"Payroll accrual {end:%B %Y}", DEPARTMENT="FIN"))
        reference = f"PR-{end:%Y-%m}-{entity.id}"
        return end, "PYRL", f"Payroll {end:%B %Y} {entity.id}", reference, entity, entity.locations[0], lines

    def payroll_payment_batch(self, day: date, detail: tuple[str, int]):
        entity_id, total = detail
        entity = next(entity for entity in self.entities if entity.id == entity_id)
        memo = f"Payroll disbursement {day:%B %Y}"
        lines = [self.line(1, ACCRUED_PAYROLL, total, memo, DEPARTMENT="FIN"),
                 self.line(-1, "1010", total, memo, DEPARTMENT="FIN")]
        return day, "CDJ", f"{memo} {entity.id}", f"PRPAY-{day:%Y%m}-{entity.id}", entity, entity.locations[0], lines



# -- the subledger documents and the budget, derived from the finished ledger ----------------------------------
# Bills and invoices are where AP and AR batches come from in Intacct. They are derived afterwards from the
# stored GL, with a random stream of their own, so every table above stays byte-identical for a seed.
DOCUMENT_KINDS = (  # dataset, item dataset, JOURNAL, MODULEKEY, RECORDTYPE, TR_TYPE of the items, party column
    ("apbill", "apbillitem", "AP", "3.AP", "apbill", 1, "VENDORID"),
    ("arinvoice", "arinvoiceitem", "AR", "4.AR", "arinvoice", -1, "CUSTOMERID"),
)
PAYMENT_TERMS = (("Net 15", 15), ("Net 30", 30), ("Net 45", 45))
BUDGET_ID = "FY2026"


class LedgerDocuments:
    """One bill (invoice) per posted AP (AR) batch, its items = the batch's expense (revenue) lines; budgets.

    A document's PRBATCHKEY is its batch's RECORDNO and its total the batch's payable (receivable) line;
    each item copies one line (account, amount, date, dimensions, audit columns), so documents tie to the
    GL exactly. Budgets: one GLBUDGETITEM per income-statement account with activity and per reporting
    period, about the account's actual activity of that month (90–110%, whole hundreds).
    """

    def __init__(self, db: sqlite3.Connection, rng: random.Random, writer: TableWriter):
        self.db = db
        self.rng = rng
        self.out = writer

    def run(self) -> None:
        names = {"VENDORID": dict(self.db.execute("SELECT VENDORID, NAME FROM vendor")),
                 "CUSTOMERID": dict(self.db.execute("SELECT CUSTOMERID, NAME FROM customer"))}
        for kind in DOCUMENT_KINDS:
            self.documents(*kind, names[kind[-1]])
        self.budgets()

    def documents(self, dataset: str, item_dataset: str, journal: str, module: str, record_type: str,
                  item_side: int, party: str, party_names: dict) -> None:
        batches = self.db.execute("SELECT * FROM glbatch WHERE JOURNAL = ? ORDER BY RECORDNO", (journal,))
        batch_columns = [column[0] for column in batches.description]
        lines = self.db.execute("SELECT e.* FROM glentry e JOIN glbatch b ON b.RECORDNO = e.BATCHNO "
                                "WHERE b.JOURNAL = ? ORDER BY e.BATCHNO, e.LINE_NO", (journal,))
        line_columns = [column[0] for column in lines.description]
        lines_by_batch = itertools.groupby((dict(zip(line_columns, line)) for line in lines),
                                           key=lambda line: line["BATCHNO"])
        item_record = 0
        for number, (values, (batch_no, batch_lines)) in enumerate(zip(batches, lines_by_batch), start=1):
            batch = dict(zip(batch_columns, values))
            if batch_no != batch["RECORDNO"]:
                raise AssertionError(f"{journal} batch {batch['RECORDNO']} has no lines")
            lines = list(batch_lines)
            offsets = [line for line in lines if line["TR_TYPE"] != item_side]
            if len(offsets) != 1:
                raise AssertionError(f"{journal} batch {batch['RECORDNO']} has {len(offsets)} offset lines")
            total, party_id = offsets[0]["AMOUNT"], offsets[0][party]
            term, days = self.rng.choice(PAYMENT_TERMS)
            posted = date.fromisoformat(batch["BATCH_DATE"])
            entity = {name: batch[name] for name in ("MEGAENTITYKEY", "MEGAENTITYID", "MEGAENTITYNAME")}
            self.out.add(dataset, {
                "RECORDNO": number, "RECORDTYPE": record_type, "RECORDID": batch["REFERENCENO"],
                party: party_id, party.replace("ID", "NAME"): party_names.get(party_id),
                "DOCNUMBER": f"{party_id}-{self.rng.randint(1000, 99999)}", "DESCRIPTION": batch["BATCH_TITLE"],
                "TERMNAME": term, "WHENCREATED": posted.isoformat(), "WHENPOSTED": posted.isoformat(),
                "WHENDUE": (posted + timedelta(days=days)).isoformat(), "WHENPAID": None, "STATE": "Posted",
                "BASECURR": "USD", "CURRENCY": "USD", "TOTALENTERED": total, "TOTALPAID": "0.00",
                "TOTALDUE": total, "TRX_TOTALENTERED": total, "PRBATCH": batch["BATCH_TITLE"],
                "PRBATCHKEY": batch["RECORDNO"], "MODULEKEY": module, "AUWHENCREATED": batch["WHENCREATED"],
                "WHENMODIFIED": batch["WHENMODIFIED"], "CREATEDBY": batch["CREATEDBY"],
                "MODIFIEDBY": batch["MODIFIEDBY"],
                "RECORD_URL": f"https://www.intacct.com/ia/acct/ur.phtml?.r={record_type.upper()}{number}",
                **entity})
            items = [line for line in lines if line["TR_TYPE"] == item_side]
            for line_no, line in enumerate(items, start=1):
                item_record += 1
                item = {"RECORDNO": item_record, "RECORDKEY": number, "LINE_NO": line_no,
                        "ACCOUNTNO": line["ACCOUNTNO"], "ACCOUNTTITLE": line["ACCOUNTTITLE"],
                        "OFFSETGLACCOUNTNO": offsets[0]["ACCOUNTNO"], "ENTRY_DATE": line["ENTRY_DATE"],
                        "AMOUNT": line["AMOUNT"], "TRX_AMOUNT": line["TRX_AMOUNT"], "CURRENCY": line["CURRENCY"],
                        "BASECURR": line["BASECURR"], "ENTRYDESCRIPTION": line["DESCRIPTION"],
                        "DEPARTMENTID": line["DEPARTMENT"], "LOCATIONID": line["LOCATION"],
                        "PROJECTID": line["PROJECTID"], "CLASSID": line["CLASSID"], "STATE": line["STATE"],
                        party: line[party] or party_id, "WHENCREATED": line["WHENCREATED"],
                        "WHENMODIFIED": line["WHENMODIFIED"], "CREATEDBY": line["CREATEDBY"],
                        "MODIFIEDBY": line["MODIFIEDBY"], **entity}
                if item_dataset == "arinvoiceitem":
                    item["ITEMID"] = line["ITEMID"]
                self.out.add(item_dataset, item)

    def budgets(self) -> None:
        activity = {(account, int(month)): abs(cents) for account, month, cents in self.db.execute(
            "SELECT e.ACCOUNTNO, substr(e.ENTRY_DATE, 6, 2), "
            "SUM(e.TR_TYPE * CAST(REPLACE(e.AMOUNT, '.', '') AS INTEGER)) FROM glentry e "
            "JOIN glaccount a ON a.ACCOUNTNO = e.ACCOUNTNO WHERE a.ACCOUNTTYPE = 'incomestatement' "
            "GROUP BY 1, 2")}
        accounts = self.db.execute("SELECT ACCOUNTNO, TITLE, ACCOUNTTYPE, NORMALBALANCE FROM glaccount "
                                   "WHERE ACCOUNTTYPE = 'incomestatement' ORDER BY ACCOUNTNO").fetchall()
        periods = self.db.execute("SELECT RECORDNO, NAME, START_DATE, END_DATE FROM reportingperiod "
                                  "ORDER BY RECORDNO").fetchall()
        record = 0
        for account, title, account_type, normal_balance in accounts:
            months = [activity.get((account, month), 0) for month in MONTHS]
            if not any(months):
                continue
            typical = sum(months) // len(MONTHS)
            for period, name, start, end in periods:
                record += 1
                actual = activity.get((account, date.fromisoformat(start).month)) or typical
                cents = actual * self.rng.randint(90, 110) // 100 // 10_000 * 10_000
                created = datetime(YEAR, 1, 2) + timedelta(seconds=self.rng.randrange(4 * 86400))
                modified = created + timedelta(days=self.rng.randint(1, 60)) if self.rng.random() < 0.1 else created
                user = self.rng.choice((1, 2, 5))
                self.out.add("glbudgetitem", {
                    "RECORDNO": record, "BUDGETKEY": 1, "BUDGETID": BUDGET_ID, "PERIODKEY": period,
                    "PERIODNAME": name, "PSTARTDATE": start, "PENDDATE": end, "ACCT_NO": account,
                    "ACCTTITLE": title, "ACCOUNT_TYPE": account_type, "NORMALBALANCE": normal_balance,
                    "AMOUNT": cents_to_text(cents), "CURRENCY": "USD", "BASEDON": "Budget",
                    "WHENCREATED": stamp(created), "WHENMODIFIED": stamp(modified), "CREATEDBY": user,
                    "MODIFIEDBY": user})


def clock_text(quarters: int) -> str:
    """Quarter-hours since midnight as Harvest's clock time, e.g. 62 → "3:30pm"."""
    hour, minute = divmod(quarters * 15, 60)
    hour %= 24
    return f"{(hour - 1) % 12 + 1}:{minute:02d}{'am' if hour < 12 else 'pm'}"
