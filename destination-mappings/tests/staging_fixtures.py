"""Small staging fixtures: the sources' catalogs, hand-written rows, and loaders for both table shapes.

``pyairbyte`` shape: lower-cased column names, ``timestamp`` without time zone, ``json`` objects and an
empty ``_airbyte_meta``. ``platform`` shape (destination-postgres 3.x Direct Load): quoted case-kept names,
``timestamptz``, ``jsonb`` (DuckDB: JSON), ``_airbyte_meta`` with ``changes`` on some rows and
``_airbyte_generation_id``. Both shapes hold the same rows, except that rows marked ``changes`` exist only
in the platform shape (there they must be excluded and counted).
"""

from __future__ import annotations

import json
from typing import Any

from sqlglot import exp

S = {"type": ["null", "string"]}
I = {"type": ["null", "integer"]}
N = {"type": ["null", "number"]}
B = {"type": ["null", "boolean"]}
D = {"type": ["null", "string"], "format": "date"}
T = {"type": ["null", "string"], "format": "date-time"}
REF = {"type": ["null", "object"], "properties": {"id": I, "name": S}}
PROJECT = {"type": ["null", "object"], "properties": {"id": I, "name": S, "code": S}}
INVOICE = {"type": ["null", "object"], "properties": {"id": I, "number": S}}
DEC = {"type": ["null", "string"], "airbyte_type": "number"}  # an exact decimal as text (Toggl's amounts)

_AUDIT = {"WHENCREATED": T, "WHENMODIFIED": T, "CREATEDBY": I, "MODIFIEDBY": I}
STREAMS: dict[str, dict[str, tuple[dict, list[str]]]] = {
    "sage_gl": {
        "gl_accounts": ({"RECORDNO": I, "ACCOUNTNO": S, "TITLE": S, "ACCOUNTTYPE": S, **_AUDIT}, ["RECORDNO"]),
        "journal_entries": ({"RECORDNO": I, "BATCHNO": I, "BATCH_TITLE": S, "JOURNAL": S, "BATCH_DATE": D,
                             "STATE": S, **_AUDIT}, ["RECORDNO"]),
        "journal_entry_lines": ({
            "RECORDNO": I, "BATCHNO": I, "LINE_NO": I, "TR_TYPE": I, "ENTRY_DATE": D, "AMOUNT": N,
            "TRX_AMOUNT": N, "ACCOUNTNO": S, "ACCOUNTTITLE": S, "DEPARTMENT": S, "LOCATION": S, "CURRENCY": S,
            "BASECURR": S, "DESCRIPTION": S, "STATE": S, "CLASSID": S, "CUSTOMERID": S, "VENDORID": S,
            "EMPLOYEEID": S, "ITEMID": S, "PROJECTID": S, **_AUDIT, "MEGAENTITYKEY": I, "MEGAENTITYID": S,
            "MEGAENTITYNAME": S, "GLDIMSERVICE_LINE": S}, ["RECORDNO"]),
        "deleted_records": ({"ID": S, "OBJECTTYPE": S, "OBJECTKEY": S, "OBJECTDESC": S, "ACCESSMODE": S,
                             "ACCESSTIME": T, "USERID": S, "SOURCE": S}, ["ID"]),
    },
    "time_harvest": {
        "time_entries": ({
            "id": I, "spent_date": D, "user": REF, "client": REF, "project": PROJECT, "task": REF, "invoice": INVOICE, "hours": N,
            "rounded_hours": N, "notes": S, "is_locked": B, "is_closed": B, "is_billed": B, "is_running": B,
            "billable": B, "billable_rate": N, "cost_rate": N, "created_at": T, "updated_at": T}, ["id"]),
        "deleted_time_entries": ({"id": S, "work_date": D, "deleted_at": T}, ["id"]),
    },
    "time_clockify": {
        "time_entries": ({
            "id": S, "userId": S, "projectId": S, "taskId": S, "description": S, "billable": B, "isLocked": B,
            "work_date": D, "hours": N, "is_running": B, "hourly_rate": N, "cost_rate": N, "currency": S}, ["id"]),
        "projects": ({"id": S, "name": S, "note": S, "clientId": S, "clientName": S}, ["id"]),
        "users": ({"id": S, "name": S}, ["id"]),
        "tasks": ({"id": S, "name": S, "projectId": S}, ["id"]),
        "deleted_time_entries": ({"id": S, "work_date": D, "deleted_at": T}, ["id"]),
    },
    "time_generic": {
        "time_entries": ({
            "id": S, "user_id": S, "user_name": S, "project_id": S, "task_id": S, "date": D, "hours": N,
            "billable": B, "cost_rate": N, "bill_rate": N, "notes": S, "created_at": T, "updated_at": T}, ["id"]),
        "deleted_time_entries": ({"id": S, "work_date": D, "deleted_at": T}, ["id"]),
    },
    "time_quickbooks_time": {
        "time_entries": ({
            "id": I, "user_id": I, "jobcode_id": I, "date": D, "duration": I, "notes": S, "cost_rate": N,
            "user": {"type": ["null", "object"], "properties": {"id": I, "name": S}},
            "jobcode": {"type": ["null", "object"], "properties": {"id": I, "name": S, "short_code": S}},
            "created": T, "last_modified": T}, ["id"]),
        "deleted_time_entries": ({"id": S, "work_date": D, "deleted_at": T}, ["id"]),
    },
    "time_toggl": {
        "time_entries": ({
            "id": I, "workspace_id": I, "user_id": I, "username": S, "project_id": I, "task_id": I, "billable": B,
            "description": S, "project_name": S, "client_name": S, "task_name": S, "currency": S, "start": T,
            "stop": T, "at": T, "work_date": D, "seconds": I, "hourly_rate": DEC, "billable_amount": DEC,
            "labor_cost_rate": DEC, "labor_cost": DEC}, ["id"]),
        "deleted_time_entries": ({"id": S, "work_date": D, "deleted_at": T}, ["id"]),
    },
}


def catalog(connection: str) -> dict:
    """The connection's catalog as `discover` prints it."""
    return {"streams": [{"name": name, "json_schema": {"type": "object", "properties": properties},
                         "supported_sync_modes": ["full_refresh", "incremental"],
                         "source_defined_primary_key": [[key] for key in primary_key]}
                        for name, (properties, primary_key) in STREAMS[connection].items()]}


def _line(recordno, batch, line_no, tr_type, date, amount, account, project=None, **extra):
    return {"RECORDNO": recordno, "BATCHNO": batch, "LINE_NO": line_no, "TR_TYPE": tr_type, "ENTRY_DATE": date,
            "AMOUNT": amount, "TRX_AMOUNT": amount, "ACCOUNTNO": account, "ACCOUNTTITLE": f"acct {account}",
            "CURRENCY": "USD", "BASECURR": "USD", "DESCRIPTION": f"line {recordno}", "STATE": "Posted",
            "PROJECTID": project, "DEPARTMENT": "D-OPS", "LOCATION": "US-EAST", "MEGAENTITYID": "US-EAST",
            "MEGAENTITYNAME": "Northwind East", "GLDIMSERVICE_LINE": "Install",
            "WHENCREATED": "2026-03-01T08:00:00Z", "WHENMODIFIED": "2026-03-02T09:30:00Z", **extra}


def _harvest(entry_id, date, project, hours, cost_rate, **extra):
    code, name, project_id = project
    return {"id": entry_id, "spent_date": date, "user": {"id": 1, "name": "Ann Tech"},
            "client": {"id": 7, "name": "Acme Utilities"}, "project": {"id": project_id, "name": name, "code": code},
            "task": {"id": 3, "name": "Install"}, "hours": hours, "rounded_hours": hours, "notes": f"entry {entry_id}",
            "is_locked": False, "is_closed": True, "is_billed": False, "is_running": False, "billable": True,
            "billable_rate": 95.0, "cost_rate": cost_rate, "created_at": f"{date}T17:00:00Z",
            "updated_at": f"{date}T18:00:00Z", **extra}


def _generic(entry_id, date, project, hours, cost_rate, **extra):
    return {"id": entry_id, "user_id": "E-0007", "user_name": "Crew Seven", "project_id": project,
            "task_id": "install", "date": date, "hours": hours, "billable": True, "cost_rate": cost_rate,
            "bill_rate": 80.0, "notes": None, "created_at": f"{date}T16:00:00Z", "updated_at": f"{date}T16:30:00Z",
            **extra}


def _clockify(entry_id, date, hours, cost_rate, **extra):
    return {"id": entry_id, "userId": "c-u1", "projectId": "c-p1", "taskId": "c-t3", "description": f"entry {entry_id}",
            "billable": True, "isLocked": False, "work_date": date, "hours": hours, "is_running": False,
            "hourly_rate": 95.0, "cost_rate": cost_rate, "currency": "USD", **extra}


def _timesheet(sheet_id, date, seconds, cost_rate, **extra):
    return {"id": sheet_id, "user_id": 2, "jobcode_id": 60, "date": date, "duration": seconds, "notes": "",
            "cost_rate": cost_rate, "user": {"id": 2, "name": "Bo Field"},
            "jobcode": {"id": 60, "name": "Pump Four", "short_code": "P-4"}, "created": f"{date}T15:00:00+00:00",
            "last_modified": f"{date}T15:00:00+00:00", **extra}


def _toggl(entry_id, date, seconds, labor_cost, billable_amount, **extra):
    return {"id": entry_id, "workspace_id": 6676428, "user_id": 8782001, "username": "Quinn Jones",
            "project_id": 194307003, "task_id": 90000003, "billable": billable_amount is not None,
            "description": f"entry {entry_id}", "project_name": "P-3 Storm Repairs", "client_name": "Acme Utilities",
            "task_name": "Repair", "currency": "USD", "start": f"{date}T13:00:00Z", "stop": f"{date}T15:00:00Z",
            "at": f"{date}T20:00:00Z", "work_date": date, "seconds": seconds, "hourly_rate": "80.00",
            "billable_amount": billable_amount, "labor_cost_rate": "30.00", "labor_cost": labor_cost, **extra}


P1, P2 = ("P-1", "Substation One", 50), ("P-2", "Feeder Two", 51)
EARLY, LATE = "2026-03-05T10:00:00Z", "2026-03-06T10:00:00Z"  # _airbyte_extracted_at of repeats

# (connection, stream) → rows. Keys starting with "_" are loader instructions: `_extracted_at` (default
# LATE), `_changes` (only in the platform shape, with these _airbyte_meta changes).
ROWS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("sage_gl", "gl_accounts"): [
        {"RECORDNO": 1, "ACCOUNTNO": "5000", "TITLE": "Direct Labour", "ACCOUNTTYPE": "incomestatement",
         "WHENCREATED": "2026-01-01T00:00:00Z"},
        {"RECORDNO": 2, "ACCOUNTNO": "2100", "TITLE": "Accrued Payroll", "ACCOUNTTYPE": "balancesheet",
         "WHENCREATED": "2026-01-01T00:00:00Z"},
        {"RECORDNO": 3, "ACCOUNTNO": "1000", "TITLE": "Cash", "ACCOUNTTYPE": "balancesheet",
         "WHENCREATED": "2026-01-01T00:00:00Z"},
    ],
    ("sage_gl", "journal_entries"): [
        {"RECORDNO": 10, "BATCHNO": 1, "BATCH_TITLE": "Payroll January", "JOURNAL": "PYRL", "BATCH_DATE": "2026-01-31"},
        {"RECORDNO": 11, "BATCHNO": 2, "BATCH_TITLE": "Payroll February", "JOURNAL": "PYRL", "BATCH_DATE": "2026-02-28"},
        {"RECORDNO": 12, "BATCHNO": 3, "BATCH_TITLE": "Reclass", "JOURNAL": "GJ", "BATCH_DATE": "2026-02-10"},
    ],
    ("sage_gl", "journal_entry_lines"): [
        _line(100, 10, 1, 1, "2026-01-31", 350.00, "5000", "P-1"),
        _line(101, 10, 2, 1, "2026-01-31", 200.00, "5000", "P-2"),
        _line(102, 10, 3, -1, "2026-01-31", 550.00, "2100", WHENMODIFIED=None),
        _line(103, 11, 1, 1, "2026-02-28", 100.00, "5000", "P-1", _extracted_at=EARLY),  # replaced below
        _line(103, 11, 1, 1, "2026-02-28", 120.00, "5000", "P-1"),
        _line(104, 11, 2, -1, "2026-02-28", 120.00, "2100"),
        _line(105, 12, 1, 1, "2026-02-10", 75.00, "1000"),  # its journal entry is deleted
        _line(106, 12, 2, -1, "2026-02-10", 75.00, "5000", "P-2"),  # its journal entry is deleted
        _line(107, 11, 3, 1, "2026-02-28", 10.00, "5000", "P-2"),  # deleted on its own
        _line(108, 11, 4, -1, "2026-02-28", None, "5000", "P-2",
              _changes=[{"field": "AMOUNT", "change": "NULLED", "reason": "DESTINATION_SERIALIZATION_ERROR"}]),
    ],
    ("sage_gl", "deleted_records"): [
        {"ID": "a1", "OBJECTTYPE": "glbatch", "OBJECTKEY": "12--GLBATCH", "ACCESSMODE": "D",
         "ACCESSTIME": "2026-03-03T12:00:00Z"},
        {"ID": "a2", "OBJECTTYPE": "glentry", "OBJECTKEY": "107--GLENTRY", "ACCESSMODE": "D",
         "ACCESSTIME": "2026-03-03T12:00:00Z"},
        {"ID": "a3", "OBJECTTYPE": "glentry", "OBJECTKEY": "101--GLENTRY", "ACCESSMODE": "U",
         "ACCESSTIME": "2026-03-03T12:00:00Z"},
    ],
    ("time_harvest", "time_entries"): [
        _harvest(9001, "2026-01-05", P1, 2.5, 40.0, invoice={"id": 13150403, "number": "1001"}),
        _harvest(9002, "2026-01-20", P1, 3.25, 40.0, billable=False),
        _harvest(9003, "2026-01-21", P2, 1.5, 50.0),  # deleted
        _harvest(9004, "2026-02-03", P1, 3.0, 40.0),
        _harvest(9006, "2026-02-05", P1, 0.5, 40.0, is_running=True),  # a running timer: no labour cost yet
        _harvest(9005, "2026-02-04", P1, None, 40.0,
                 _changes=[{"field": "hours", "change": "NULLED", "reason": "DESTINATION_SERIALIZATION_ERROR"}]),
    ],
    ("time_harvest", "deleted_time_entries"): [
        {"id": "9003", "work_date": "2026-01-21", "deleted_at": "2026-03-04T00:00:00Z"},
    ],
    ("time_generic", "time_entries"): [
        _generic("te_1", "2026-01-15", "P-2", 4.0, 35.0),
        _generic("te_2", "2026-01-16", "P-2", 9.0, 35.0, _extracted_at=EARLY),  # replaced below
        _generic("te_2", "2026-01-16", "P-2", 1.25, 35.0, billable=False),
        _generic("te_3", "2026-02-20", "P-3", 2.0, 30.0),
    ],
    ("time_clockify", "time_entries"): [
        _clockify("c-1", "2026-01-06", 2.0, 40.0),
        _clockify("c-2", "2026-02-10", 1.0, 40.0),  # deleted
        _clockify("c-3", "2026-02-11", None, 40.0, is_running=True),  # a running timer: no hours yet
    ],
    ("time_clockify", "projects"): [
        {"id": "c-p1", "name": "Substation One", "note": "P-1", "clientId": "c-c7", "clientName": "Acme Utilities"}],
    ("time_clockify", "users"): [{"id": "c-u1", "name": "Ann Tech"}],
    ("time_clockify", "tasks"): [{"id": "c-t3", "name": "Install", "projectId": "c-p1"}],
    ("time_clockify", "deleted_time_entries"): [
        {"id": "c-2", "work_date": "2026-02-10", "deleted_at": "2026-03-04T00:00:00Z"},
    ],
    ("time_quickbooks_time", "time_entries"): [
        _timesheet(7001, "2026-03-10", 5400, 42.0),  # 1.5 h
        _timesheet(7002, "2026-03-11", 1000, 36.0),  # 0.2777… h: hours rounded to 4 places, cost exact (10.00)
        _timesheet(7003, "2026-03-12", 3600, 36.0),  # deleted
    ],
    ("time_quickbooks_time", "deleted_time_entries"): [
        {"id": "7003", "work_date": "2026-03-12", "deleted_at": "2026-03-13T00:00:00Z"},
    ],
    ("time_toggl", "time_entries"): [
        _toggl(3000000001, "2026-02-21", 7200, "60.00", "160.00"),
        _toggl(3000000002, "2026-02-22", 3600, "30.00", None),  # deleted
    ],
    ("time_toggl", "deleted_time_entries"): [
        {"id": "3000000002", "work_date": "2026-02-22", "deleted_at": "2026-03-04T00:00:00Z"},
    ],
    # ("time_generic", "deleted_time_entries"): no table in the PyAirbyte shape (nothing deleted yet); an
    # empty one in the platform shape.
}
EMPTY_IN_PLATFORM_SHAPE = [("time_generic", "deleted_time_entries")]

SHAPES = ("pyairbyte", "platform")


def _column_type(schema: dict, shape: str, dialect: str) -> str:
    types = set(schema["type"]) - {"null"}
    if "object" in types or "array" in types:
        return "JSONB" if shape == "platform" and dialect == "postgres" else "JSON"
    if schema.get("format") == "date-time":
        return "TIMESTAMPTZ" if shape == "platform" else "TIMESTAMP"
    if schema.get("format") == "date":
        return "DATE"
    return {"integer": "BIGINT", "number": "DECIMAL(38, 9)", "boolean": "BOOLEAN"}.get(types.pop(), "VARCHAR")


def _meta_columns(shape: str, dialect: str) -> dict[str, str]:
    json_type = "JSONB" if shape == "platform" and dialect == "postgres" else "JSON"
    columns = {"_airbyte_raw_id": "VARCHAR", "_airbyte_extracted_at": "TIMESTAMPTZ" if shape == "platform" else "TIMESTAMP",
               "_airbyte_meta": json_type}
    if shape == "platform":
        columns["_airbyte_generation_id"] = "BIGINT"
    return columns


def _value(value: Any, column_type: str, shape: str) -> exp.Expression:
    if value is None:
        return exp.null()
    if isinstance(value, (dict, list)):
        return exp.cast(exp.Literal.string(json.dumps(value)), column_type)
    if isinstance(value, str) and column_type.startswith("TIMESTAMP"):
        text = value if shape == "platform" else value.rstrip("Z").replace("T", " ")
        return exp.cast(exp.Literal.string(text), column_type)
    return exp.cast(exp.convert(value), column_type)


def load_staging(execute, dialect: str, shape: str, schema: str = "staging", catalog: str | None = None) -> None:
    """Create the staging tables of one shape and fill them (``execute`` runs one SQL string).

    ``catalog`` qualifies names on DuckDB when the database file is named like the schema.
    """
    qualified = exp.Table(this=exp.to_identifier(schema, quoted=True),
                          db=exp.to_identifier(catalog, quoted=True) if catalog else None)
    execute(exp.Create(this=qualified, kind="SCHEMA", exists=True).sql(dialect))
    tables = dict(ROWS)
    if shape == "platform":
        tables.update({key: [] for key in EMPTY_IN_PLATFORM_SHAPE})
    for (connection, stream), rows in tables.items():
        properties = STREAMS[connection][stream][0]
        rename = str.lower if shape == "pyairbyte" else str
        columns = {rename(name): _column_type(schema_, shape, dialect) for name, schema_ in properties.items()}
        columns.update(_meta_columns(shape, dialect))
        table = exp.Table(this=exp.to_identifier(f"{connection}__{stream}", quoted=True),
                          db=exp.to_identifier(schema, quoted=True),
                          catalog=exp.to_identifier(catalog, quoted=True) if catalog else None)
        definitions = [exp.ColumnDef(this=exp.to_identifier(name, quoted=True), kind=exp.DataType.build(kind, dialect=dialect))
                       for name, kind in columns.items()]
        execute(exp.Create(this=exp.Schema(this=table, expressions=definitions), kind="TABLE").sql(dialect))
        for number, row in enumerate(rows):
            changes = row.get("_changes", [])
            if changes and shape != "platform":
                continue
            values = {rename(name): row.get(name) for name in properties}
            values["_airbyte_raw_id"] = f"{stream}-{number}"
            values["_airbyte_extracted_at"] = row.get("_extracted_at", LATE)
            values["_airbyte_meta"] = {"sync_id": 1, "changes": changes} if shape == "platform" else {}
            if shape == "platform":
                values["_airbyte_generation_id"] = 1
            literals = [_value(values[name], kind, shape) for name, kind in columns.items()]
            insert = exp.insert(exp.select(*literals), table,
                                columns=[exp.to_identifier(name, quoted=True) for name in columns])
            execute(insert.sql(dialect))
