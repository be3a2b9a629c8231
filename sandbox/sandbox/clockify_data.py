"""The Clockify workspace of the synthetic company, derived row for row from its Harvest account.

The technicians track the same time in both tools, so Clockify's hours and `hours × cost rate` per
project-month equal Harvest's and the labour-cost reconciliation holds for either provider. What differs
is Clockify's shape: 24-hex-digit IDs, tasks that belong to a project, and entries with a UTC start and
end whose work date is the local date in the user's profile time zone (an evening entry on the West coast
starts on the next UTC day). Derived in SQL after the Harvest rows are written; no random draws, so the
rest of the company is unchanged.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

WORKSPACE_ID = "64a687e29ae1f428e7ebe303"
WORKSPACE_NAME = "Northwind Field Services"
CURRENCY = "USD"
# Harvest's time zone names → the IANA names of Clockify's profile settings.
TIME_ZONES = {"Eastern Time (US & Canada)": "America/New_York", "Pacific Time (US & Canada)": "America/Los_Angeles"}
# An ID is an 8-hex-digit prefix per kind and 16 decimal digits (hex digits too) of the Harvest ID.
USER_PREFIX, CLIENT_PREFIX, PROJECT_PREFIX, TASK_PREFIX, ENTRY_PREFIX = (
    "5a0ab5ac", "6b1fc3e2", "25b687e2", "54b377dd", "64c777dd")


def object_id(prefix: str, column: str) -> str:
    """The SQL expression of a Clockify-like ID from an integer column."""
    return f"'{prefix}' || printf('%016d', {column})"


@lru_cache(maxsize=None)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def utc_start(spent_date: str, clock: str, time_zone: str) -> str:
    """Harvest's work date and clock time (``"7:15am"``) in `time_zone` as a UTC timestamp."""
    local = datetime.strptime(f"{spent_date} {clock.upper()}", "%Y-%m-%d %I:%M%p").replace(tzinfo=_zone(time_zone))
    return local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def derive(db: sqlite3.Connection) -> None:
    """Fill the `clockify_*` tables from the `harvest_*` ones (same connection, same transaction)."""
    zones = " ".join(f"WHEN '{harvest}' THEN '{iana}'" for harvest, iana in TIME_ZONES.items())
    db.create_function("utc_start", 3, utc_start, deterministic=True)
    db.execute(f"""INSERT INTO clockify_users (id, name, email, status, time_zone, hourly_rate, cost_rate,
                   employee_id, updated_at)
                   SELECT {object_id(USER_PREFIX, 'id')}, first_name || ' ' || last_name, email,
                          CASE is_active WHEN 1 THEN 'ACTIVE' ELSE 'INACTIVE' END,
                          CASE timezone {zones} ELSE 'UTC' END, default_hourly_rate, cost_rate, employee_id,
                          updated_at
                   FROM harvest_users""")
    db.execute(f"""INSERT INTO clockify_clients (id, name, archived, address, note, currency_code, customer_id,
                   updated_at)
                   SELECT {object_id(CLIENT_PREFIX, 'id')}, name, 1 - is_active, address, statement_key, currency,
                          customer_id, updated_at
                   FROM harvest_clients""")
    db.execute(f"""INSERT INTO clockify_projects (id, client_id, name, note, billable, archived, hourly_rate,
                   cost_rate, color, updated_at)
                   SELECT {object_id(PROJECT_PREFIX, 'id')}, {object_id(CLIENT_PREFIX, 'client_id')}, name, code,
                          is_billable, 1 - is_active, hourly_rate, NULL, '#03A9F4', updated_at
                   FROM harvest_projects""")
    task_id = f"'{TASK_PREFIX}' || printf('%08d%08d', p.id % 100000000, t.id % 100000000)"
    db.execute(f"""INSERT INTO clockify_tasks (id, project_id, name, status, billable, hourly_rate, cost_rate,
                   updated_at)
                   SELECT {task_id}, {object_id(PROJECT_PREFIX, 'p.id')}, t.name,
                          CASE t.is_active WHEN 1 THEN 'ACTIVE' ELSE 'DONE' END, t.billable_by_default,
                          t.default_hourly_rate, NULL, MAX(p.updated_at, t.updated_at)
                   FROM harvest_projects p CROSS JOIN harvest_tasks t""")
    entry_task = f"'{TASK_PREFIX}' || printf('%08d%08d', e.project_id % 100000000, e.task_id % 100000000)"
    db.execute(f"""INSERT INTO clockify_time_entries (id, user_id, project_id, task_id, description, billable,
                   start, hours, hourly_rate, cost_rate, is_locked, created_at, updated_at)
                   SELECT {object_id(ENTRY_PREFIX, 'e.id')}, {object_id(USER_PREFIX, 'e.user_id')},
                          {object_id(PROJECT_PREFIX, 'e.project_id')}, {entry_task}, e.notes, e.billable,
                          utc_start(e.spent_date, e.started_time, CASE u.timezone {zones} ELSE 'UTC' END),
                          e.hours, e.billable_rate, e.cost_rate, e.is_locked, e.created_at, e.updated_at
                   FROM harvest_time_entries e JOIN harvest_users u ON u.id = e.user_id
                   ORDER BY e.id""")
