"""Helpers for the Harvest and generic emulator tests: a small hand-made company in SQLite (every value
known, so each filter's expected result is computed independently) behind the store interface the
emulators use, and calls straight to an emulator's `handle`."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta

from sandbox import company
from sandbox.routing import Request

BASE_URL = "http://127.0.0.1:8799"
HARVEST_HEADERS = {"Authorization": "Bearer sandbox-harvest-token", "Harvest-Account-Id": "1234567",
                   "User-Agent": "Sandbox Tests (tests@example.com)"}
GENERIC_HEADERS = {"Authorization": "Bearer sandbox-generic-token"}


class HandmadeStore:
    """The part of `sandbox.store.Store` the emulators use (`read()`, `version`, `count_request`), over one
    SQLite file; `write()` bumps the version like the real store."""

    def __init__(self, path):
        self.path = path
        self.version = 0
        self.counted: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def count_request(self, vendor: str, key: str) -> None:
        self.counted[vendor, key] += 1

    @contextmanager
    def read(self):
        connection = sqlite3.connect(self.path)
        connection.row_factory = sqlite3.Row
        try:
            yield connection
        finally:
            connection.close()

    @contextmanager
    def write(self):
        with self._lock:
            connection = sqlite3.connect(self.path)
            try:
                with connection:
                    yield connection
            finally:
                connection.close()
            self.version += 1

    def rows(self, sql: str, params=()) -> list[dict]:
        with self.read() as db:
            return [dict(row) for row in db.execute(sql, params)]


def insert(db: sqlite3.Connection, table: str, row: dict) -> None:
    db.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))


def stamp(day: date, hour: int, minute: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00Z"


def build_company(db: sqlite3.Connection) -> None:
    """3 clients, 4 projects, 3 tasks, 4 users (one inactive) with cost-rate histories, 57 time entries
    and 45 generic entries; updated_at values repeat on purpose so ties are broken by id."""
    company.create_schema(db)
    for n in range(3):
        insert(db, "harvest_clients", {"id": 100 + n, "name": f"Client {n}", "is_active": int(n != 2),
                                       "address": f"{n} Main St", "statement_key": f"key{n}", "currency": "USD",
                                       "customer_id": f"C-{n}", "created_at": stamp(date(2026, 1, 1), 8 + n),
                                       "updated_at": stamp(date(2026, 2, 1 + n), 9)})
    for n in range(4):
        insert(db, "harvest_projects", {
            "id": 200 + n, "client_id": 100 + n % 3, "name": f"Project {n}", "code": f"P-{1001 + n}",
            "is_active": int(n != 3), "is_billable": 1, "is_fixed_fee": 0, "bill_by": "Project",
            "budget": "1000.00", "budget_by": "project", "hourly_rate": "95.00", "cost_budget": None,
            "starts_on": "2026-01-01", "ends_on": None, "notes": None,
            "created_at": stamp(date(2026, 1, 2), 8 + n), "updated_at": stamp(date(2026, 3, 1 + n), 9)})
    for n, name in enumerate(("Install", "Maintain", "Admin")):
        insert(db, "harvest_tasks", {"id": 300 + n, "name": name, "billable_by_default": int(n < 2),
                                     "default_hourly_rate": "95.00" if n < 2 else None, "is_default": 0,
                                     "is_active": int(n != 2), "created_at": stamp(date(2026, 1, 3), 8),
                                     "updated_at": stamp(date(2026, 1, 3 + n), 8)})
    rate_id = 500
    for n in range(4):
        user_id = 400 + n
        insert(db, "harvest_users", {
            "id": user_id, "first_name": f"First{n}", "last_name": f"Last{n}", "email": f"u{n}@example.com",
            "telephone": "", "timezone": "Eastern Time (US & Canada)", "weekly_capacity": 144000,
            "is_contractor": 0, "is_active": int(n != 3), "default_hourly_rate": "95.00",
            "cost_rate": f"{40 + n}.00", "roles": json.dumps(["Technician"]), "employee_id": f"E-{n:04d}",
            "created_at": stamp(date(2026, 1, 4), 8 + n), "updated_at": stamp(date(2026, 4, 1 + n), 9)})
        # user n has n+1 rates; each ends the day before the next starts; inserted newest first
        starts = [date(2026, 1 + 3 * k, 1) for k in range(n + 1)]
        for k in reversed(range(n + 1)):
            end = (starts[k + 1] - timedelta(days=1)).isoformat() if k < n else None
            insert(db, "harvest_cost_rates", {
                "id": rate_id, "user_id": user_id, "amount": f"{30 + n + k}.50", "start_date": starts[k].isoformat(),
                "end_date": end, "created_at": stamp(starts[k], 7), "updated_at": stamp(starts[k], 7)})
            rate_id += 1
    for n in range(57):
        day = date(2026, 1, 5) + timedelta(days=(n * 7) % 40)
        insert(db, "harvest_time_entries", {
            "id": 1000 + n, "spent_date": day.isoformat(), "user_id": 400 + n % 4, "client_id": 100 + n % 3,
            "project_id": 200 + n % 3, "task_id": 300 + n % 3, "hours": f"{1 + n % 5}.{25 * (n % 4):02d}",
            "hours_without_timer": f"{1 + n % 5}.{25 * (n % 4):02d}", "rounded_hours": f"{1 + n % 5}.50",
            "notes": f"entry {n}", "is_locked": int(n % 6 == 0), "locked_reason": None, "is_closed": 0,
            "is_billed": int(n % 5 == 0), "timer_started_at": stamp(day, 9) if n % 19 == 0 else None,
            "started_time": "9:00am", "ended_time": None if n % 19 == 0 else "11:00am",
            "is_running": int(n % 19 == 0), "billable": int(n % 3 != 2), "budgeted": 1,
            "billable_rate": "95.00" if n % 3 != 2 else None, "cost_rate": f"{40 + n % 4}.00",
            "created_at": stamp(day, 18), "updated_at": stamp(day + timedelta(days=n % 3), 18 + n % 2)})
    for n in range(45):
        day = date(2026, 3, 1) + timedelta(days=n % 20)
        insert(db, "generic_entries", {
            "id": f"te_{n + 1}", "user_id": f"E-{n % 3:04d}", "user_name": f"Crew {n % 3}",
            "employee_id": f"E-{n % 3:04d}", "project_id": f"P-{1001 + n % 4}", "task_id": "install",
            "date": day.isoformat(), "hours": f"{1 + n % 4}.50", "billable": int(n % 2 == 0),
            "cost_rate": "35.00", "bill_rate": "95.00", "notes": f"crew entry {n}",
            "created_at": stamp(day, 17), "updated_at": stamp(day + timedelta(days=n % 5), 12)})
    company.create_indexes(db)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Answer:
    def __init__(self, response):
        self.status = response.status
        self.headers = response.headers
        self.body = json.loads(response.body) if response.body else None


def call(emulator, target: str, headers: dict | None = None, method: str = "GET") -> Answer:
    """One request straight to an emulator's `handle` (no sockets)."""
    return Answer(emulator.handle(Request.build(method, target, headers, base_url=BASE_URL)))


def relative(link: str) -> str:
    assert link.startswith(BASE_URL), link
    return link[len(BASE_URL):]


def follow(emulator, target: str, key: str, headers: dict) -> tuple[list[dict], int]:
    """Every record of a list, following `links.next` to the end; returns (records, requests made)."""
    records, requests = [], 0
    while target:
        answer = call(emulator, target, headers)
        assert answer.status == 200, answer.body
        requests += 1
        records.extend(answer.body[key])
        target = relative(answer.body["links"]["next"]) if answer.body["links"]["next"] else None
    return records, requests
