"""Toggl Track: API v9 (workspace entities) and Reports API v3 (everyone's time entries), read side, as in
the shared reference §3.3.

- Paths as the real API under its root (`https://api.track.toggl.com`): `/api/v9/me`,
  `/api/v9/workspaces/{wid}`, `…/workspace_users`, `…/clients`, `…/projects`, `…/tasks`, and
  `POST /reports/api/v3/workspace/{wid}/search/time_entries`.
- Auth: HTTP Basic with the API token as user name and the literal `api_token` as password; anything else
  is 403 with Toggl's plain-text body. A workspace the token cannot see is 403 as well.
- Errors are plain text (a JSON string for 400s of the Reports API), as Toggl answers them.
- Reports v3: the body's `start_date` (required) and `end_date` (default: a year on) are dates in the
  workspace's time zone, at most 366 days apart; `user_ids`, `project_ids`, `time_entry_ids`, `page_size`
  (1–50, default 50); `enrich_response: true` adds `project_name`, `client_name` and `task_name` to each row.
  Rows are ungrouped (one entry each), ordered by (`start`, `id`); a page that has more answers the headers
  `X-Next-ID`, `X-Next-Row-Number` and `X-Next-Timestamp`, which the next request sends back as
  `first_id`, `first_row_number`, `first_timestamp`. No modified-since filter, and a deleted entry is
  simply gone (there is no tombstone), so a reader re-reads a window of work dates.
- Times are rendered in the workspace's time zone, a fixed UTC-05:00 (`TIME_ZONE`): every technician's
  entry then falls on its Harvest `spent_date`. Money: `hourly_rate_in_cents`/`billable_amount_in_cents`
  and (labour cost, the profitability add-on; field names unverified) `labor_cost_rate_in_cents`/
  `labor_cost_in_cents`, integer cents in the workspace currency.
- v9 lists: `workspace_users` and `clients` are bare arrays; `projects` pages with `page`/`per_page` (≤ 200)
  and takes `since` (unix seconds, modified since); `tasks` answers `{"data", "page", "per_page",
  "total_count"}` and takes the same.
- Quota (since 2025-09): `toggl_quota` requests per sliding window per token (default `600/3600`, the
  Premium plan), then HTTP 402 with `X-Toggl-Quota-Remaining: 0` and `X-Toggl-Quota-Resets-In: <seconds>`;
  every answer carries both headers. The legacy leaky bucket, `toggl_rate_limit` (default `off`, e.g.
  `1/1`), answers 429. Both change with `POST /_sandbox/settings` and go back to the start setting on reset.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
import time
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from .jsonapi import (BadParameter, ListEmulator, Ordering, Where, boolean, count_rows, json_record, number,
                      parse_int, parse_unix_seconds, read_slice)
from .rate_limiting import SlidingWindowRateLimit
from .routing import Request, Response

TOKEN = "sandbox-toggl-api-token"
WORKSPACE_ID = 6676428
ORGANIZATION_ID = 5512345
ME_ID = 8775000  # the token's owner: a workspace admin who tracks no time
TIME_ZONE = timedelta(hours=-5)  # the workspace's (and the token owner's) time zone, without DST
CURRENCY = "USD"
MAX_PAGE_SIZE = 50
MAX_PER_PAGE = 200
MAX_RANGE_DAYS = 366
DEFAULT_QUOTA = "600/3600"
# Toggl ids of the objects derived from Harvest's: Harvest id + offset (tasks are numbered afresh).
USER_OFFSET, WORKSPACE_USER_OFFSET, CLIENT_OFFSET, PROJECT_OFFSET, ENTRY_OFFSET = (
    7_000_000, 3_000_000, 60_000_000, 180_000_000, 2_000_000_000)
FIRST_TASK_ID = 90_000_001
_OFFSETS = {"Eastern Time (US & Canada)": -5, "Pacific Time (US & Canada)": -8}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(am|pm)$")


# -- the dataset: Harvest's technicians, as Toggl holds them -----------------------------------------------
def derive(db: sqlite3.Connection) -> None:
    """Fill the toggl_* tables from the harvest_* ones (run once by `company.generate`): same people, clients,
    projects and entries, so each project-month has the same hours and `hours × labour cost`."""
    db.execute(f"""INSERT INTO toggl_workspace_users
        SELECT id + {WORKSPACE_USER_OFFSET}, id + {USER_OFFSET}, {WORKSPACE_ID}, first_name || ' ' || last_name,
               email, is_active, 0, 'user', default_hourly_rate, cost_rate, employee_id, updated_at
        FROM harvest_users ORDER BY id""")
    db.execute(f"""INSERT INTO toggl_clients
        SELECT id + {CLIENT_OFFSET}, {WORKSPACE_ID}, name, 1 - is_active, address, customer_id, updated_at
        FROM harvest_clients ORDER BY id""")
    db.execute(f"""INSERT INTO toggl_projects
        SELECT id + {PROJECT_OFFSET}, {WORKSPACE_ID}, client_id + {CLIENT_OFFSET}, code || ' ' || name, is_active,
               is_billable, 0, hourly_rate, '{CURRENCY}', created_at, updated_at
        FROM harvest_projects ORDER BY id""")
    # One Toggl task per (project, Harvest task) that has time: Toggl's tasks belong to a project.
    db.execute(f"""INSERT INTO toggl_tasks
        SELECT {FIRST_TASK_ID - 1} + ROW_NUMBER() OVER (ORDER BY p.project_id, p.task_id), t.name,
               p.project_id + {PROJECT_OFFSET}, {WORKSPACE_ID}, t.is_active, NULL, t.updated_at
        FROM (SELECT DISTINCT project_id, task_id FROM harvest_time_entries) p
        JOIN harvest_tasks t ON t.id = p.task_id""")
    tasks = {(project, name): task for task, project, name in
             db.execute("SELECT id, project_id, name FROM toggl_tasks")}
    rows = []
    for entry in db.execute("""SELECT e.id, e.user_id, e.project_id, e.spent_date, e.started_time, e.hours,
                                      e.billable, e.billable_rate, e.cost_rate, e.notes, e.updated_at, u.timezone,
                                      t.name AS task_name
                               FROM harvest_time_entries e JOIN harvest_users u ON u.id = e.user_id
                               JOIN harvest_tasks t ON t.id = e.task_id ORDER BY e.id"""):
        (entry_id, user_id, project_id, spent_date, started_time, hours, billable, billable_rate, cost_rate,
         notes, updated_at, zone, task_name) = entry
        start = _utc_start(spent_date, started_time, _OFFSETS.get(zone, -5))
        project = project_id + PROJECT_OFFSET
        rows.append((entry_id + ENTRY_OFFSET, WORKSPACE_ID, user_id + USER_OFFSET, project,
                     tasks[project, task_name], notes, billable, start, hours,
                     billable_rate if billable else None, cost_rate, CURRENCY, "[]", updated_at))
    db.executemany(f"INSERT INTO toggl_time_entries VALUES ({', '.join('?' * 14)})", rows)


def _utc_start(spent_date: str, clock: str, utc_offset: int) -> str:
    """The UTC moment of a Harvest clock time such as ``"7:15am"`` on `spent_date` in the office's zone."""
    match = _CLOCK.match(clock or "")
    hour, minute = (int(match.group(1)) % 12 + (12 if match.group(3) == "pm" else 0), int(match.group(2))) \
        if match else (9, 0)
    local = datetime.combine(date.fromisoformat(spent_date), datetime.min.time()) + timedelta(hours=hour,
                                                                                                minutes=minute)
    return (local - timedelta(hours=utc_offset)).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- rendering ------------------------------------------------------------------------------------------------
_SHIFT = f"'{int(TIME_ZONE.total_seconds() // 3600)} hours'"
_ZONE = "-05:00"


def _local(expression: str) -> str:
    """A stored UTC timestamp expression rendered in the workspace's time zone (RFC 3339 with offset)."""
    return f"strftime('%Y-%m-%dT%H:%M:%S', {expression}, {_SHIFT}) || '{_ZONE}'"


def _cents(column: str) -> str:
    return f"CAST(REPLACE({column}, '.', '') AS INTEGER)"


_SECONDS = f"({_cents('hours')} * 36)"  # hours are stored with two decimals: cents of an hour × 36 s
_STOP = f"datetime(start, '+' || {_SECONDS} || ' seconds')"
_ROW = json_record({
    "user_id": "user_id",
    "username": "(SELECT name FROM toggl_workspace_users u WHERE u.user_id = toggl_time_entries.user_id)",
    "project_id": "project_id", "task_id": "task_id", "billable": boolean("billable"),
    "description": "description", "tag_ids": "json(tag_ids)",
    "billable_amount_in_cents": f"CASE WHEN billable = 1 THEN CAST(ROUND({_cents('hourly_rate')} * {_SECONDS}"
                                f" / 3600.0) AS INTEGER) END",
    "hourly_rate_in_cents": _cents("hourly_rate"),
    "labor_cost_rate_in_cents": _cents("labor_cost"),
    "labor_cost_in_cents": f"CAST(ROUND({_cents('labor_cost')} * {_SECONDS} / 3600.0) AS INTEGER)",
    "currency": "currency",
    "time_entries": "json_array(json_object('id', id, 'seconds', " + _SECONDS + ", 'start', " + _local("start")
                    + ", 'stop', " + _local(_STOP) + ", 'at', " + _local("at") + "))",
})
_ENRICHED = json_record({  # `enrich_response: true` adds the names of the row's project, client and task
    "project_name": "(SELECT name FROM toggl_projects p WHERE p.id = toggl_time_entries.project_id)",
    "client_name": "(SELECT c.name FROM toggl_projects p JOIN toggl_clients c ON c.id = p.client_id "
                   "WHERE p.id = toggl_time_entries.project_id)",
    "task_name": "(SELECT name FROM toggl_tasks t WHERE t.id = toggl_time_entries.task_id)",
})
_WORKSPACE_USER = json_record({
    "id": "id", "user_id": "user_id", "uid": "user_id", "workspace_id": "workspace_id", "wid": "workspace_id",
    "name": "name", "email": "email", "active": boolean("active"), "inactive": "json(CASE active WHEN 1 THEN "
    "'false' ELSE 'true' END)", "admin": boolean("admin"), "role": "role", "rate": number("rate"),
    "labour_cost": number("labour_cost"), "at": _local("at"), "group_ids": "json('[]')",
})
_CLIENT = json_record({"id": "id", "wid": "wid", "name": "name", "archived": boolean("archived"),
                       "notes": "notes", "at": _local("at")})
_PROJECT = json_record({
    "id": "id", "workspace_id": "workspace_id", "wid": "workspace_id", "client_id": "client_id",
    "cid": "client_id", "name": "name", "active": boolean("active"), "billable": boolean("billable"),
    "is_private": boolean("is_private"), "rate": number("rate"), "currency": "currency",
    "created_at": _local("created_at"), "at": _local("at"), "server_deleted_at": "NULL",
})
_TASK = json_record({"id": "id", "name": "name", "project_id": "project_id", "workspace_id": "workspace_id",
                     "active": boolean("active"), "estimated_seconds": "estimated_seconds", "at": _local("at")})
_BY_ID = Ordering(("id",), descending=False)
_ENTRY_ORDER = Ordering(("start", "id"), descending=False)
_WORKSPACE = re.compile(r"^/api/v9/workspaces/(\d+)(?:/(workspace_users|clients|projects|tasks))?$")
_SEARCH = re.compile(r"^/reports/api/v3/workspace/(\d+)/search/time_entries$")


def text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Toggl's plain-text error answer."""
    return Response(status, message.encode(), {"Content-Type": "text/plain; charset=utf-8", **(headers or {})})


def json_text(status: int, message: str) -> Response:
    """The Reports API's 400: the message as a JSON string."""
    return Response.json(message, status)


class TogglEmulator(ListEmulator):
    """`/api/v9/…`; `reports` is the same emulator answering `/reports/api/v3/…` (one quota for both)."""

    prefix = "/api/v9"

    def __init__(self, store, faults, *, quota: str | None = None, rate_limit: str | None = None,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(store, faults)
        self._start_settings = {"toggl_quota": quota if quota is not None else DEFAULT_QUOTA,
                                "toggl_rate_limit": rate_limit if rate_limit is not None else "off"}
        self.quota = SlidingWindowRateLimit("toggl_quota", DEFAULT_QUOTA, clock)
        self.bucket = SlidingWindowRateLimit("toggl_rate_limit", "off", clock)
        self.apply_settings(self._start_settings)
        self._clock = clock
        self.reports = _ReportsPrefix(self)

    # -- settings -------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.apply_settings(self._start_settings)

    def settings(self) -> dict:
        return {"toggl_quota": self.quota.setting(), "toggl_rate_limit": self.bucket.setting()}

    def apply_settings(self, settings: dict) -> None:
        if "toggl_quota" in settings:
            self.quota.apply(settings["toggl_quota"])
        if "toggl_rate_limit" in settings:
            self.bucket.apply(settings["toggl_rate_limit"])

    # -- the request pipeline -------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if _basic_user(request) != TOKEN:
            return text(403, "Incorrect username and/or password")
        if self.bucket.retry_after(TOKEN) is not None:
            self.store.count_request("toggl", "throttled")
            return text(429, "Too Many Requests")
        wait = self.quota.retry_after(TOKEN)
        if wait is not None:
            self.store.count_request("toggl", "over_quota")
            return text(402, f"You have hit your hourly limit for API calls. Your quota will reset in {wait} "
                             f"seconds.", {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": str(wait)})
        response = self._route(request)
        response.headers.update(self._quota_headers())
        return response

    def fault_response(self, kind: str, status: int) -> Response:
        if kind == "rate_limit":
            return text(429, "Too Many Requests")
        return text(status, "Service Unavailable" if status == 503 else "Internal Server Error")

    def _quota_headers(self) -> dict[str, str]:
        remaining, resets_in = self.quota.remaining(TOKEN)
        if remaining is None:
            return {}
        return {"X-Toggl-Quota-Remaining": str(remaining), "X-Toggl-Quota-Resets-In": str(resets_in)}

    def _route(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        search = _SEARCH.match(path)
        if search:
            if request.method != "POST":
                return text(405, "Method Not Allowed")
            if int(search.group(1)) != WORKSPACE_ID:
                return text(403, "User does not have access to this resource.")
            return self._search(request)
        if request.method != "GET":
            return text(405, "Method Not Allowed")
        if path == "/api/v9/me":
            return Response.json({"id": ME_ID, "email": "admin@northwind-fs.example", "fullname": "Sandbox Admin",
                                  "timezone": "America/Bogota", "default_workspace_id": WORKSPACE_ID,
                                  "beginning_of_week": 1, "at": "2026-01-01T00:00:00+00:00"})
        match = _WORKSPACE.match(path)
        if not match:
            return text(404, "Not Found")
        if int(match.group(1)) != WORKSPACE_ID:
            return text(403, "User does not have access to this resource.")
        try:
            return self._workspace(request, match.group(2))
        except BadParameter as bad:
            return text(400, str(bad))

    def _workspace(self, request: Request, resource: str | None) -> Response:
        if resource is None:
            return Response.json({"id": WORKSPACE_ID, "organization_id": ORGANIZATION_ID,
                                  "name": "Northwind Field Services", "default_currency": CURRENCY,
                                  "premium": True, "business_ws": True, "rounding": 0, "rounding_minutes": 0})
        where = Where()
        since = request.arg("since")
        if since and resource in ("projects", "tasks"):
            if not since.strip().isdigit():
                raise BadParameter(f"since must be a unix timestamp in seconds, got {since!r}")
            where.add("at >= ?", parse_unix_seconds(since.strip()))
        table, record = {"workspace_users": ("toggl_workspace_users", _WORKSPACE_USER),
                         "clients": ("toggl_clients", _CLIENT), "projects": ("toggl_projects", _PROJECT),
                         "tasks": ("toggl_tasks", _TASK)}[resource]
        if resource in ("workspace_users", "clients"):
            return self._array(table, record, where, 0, None)
        per_page = parse_int("per_page", request.arg("per_page"), default=MAX_PER_PAGE if resource == "projects"
                             else 50, minimum=1, maximum=MAX_PER_PAGE)
        page = parse_int("page", request.arg("page"), default=1, minimum=1)
        offset = 0 if self.faults.take("lying_counters", request.path) else (page - 1) * per_page
        if resource == "projects":
            response = self._array(table, record, where, offset, per_page)
        else:
            with self.store.read() as db:
                total = count_rows(db, self._counts, self.store.version, table, where)
            rows = self._rows(table, record, where, offset, per_page)
            body = f'{{"data": [{",".join(rows)}], "page": {page}, "per_page": {per_page}, ' \
                   f'"sort_field": "name", "sort_order": "ASC", "total_count": {total}}}'
            response = Response(200, body.encode(), {"Content-Type": "application/json; charset=utf-8"})
        return self.faults.repeat_page(request.path, (request.path, where.key, per_page), response)

    def _rows(self, table: str, record: str, where: Where, offset: int, limit: int | None) -> list[str]:
        version = self.store.version
        with self.store.read() as db:
            total = count_rows(db, self._counts, version, table, where)
            if offset >= total:
                return []
            return [row[0] for row in read_slice(db, self._boundaries, version, table, record, where, _BY_ID,
                                                 offset, limit or total)]

    def _array(self, table: str, record: str, where: Where, offset: int, limit: int | None) -> Response:
        rows = self._rows(table, record, where, offset, limit)
        return Response(200, f"[{','.join(rows)}]".encode(), {"Content-Type": "application/json; charset=utf-8"})

    # -- Reports v3 ------------------------------------------------------------------------------------------
    def _search(self, request: Request) -> Response:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return json_text(400, "Invalid JSON input")
        if not isinstance(body, dict):
            return json_text(400, "Invalid JSON input")
        try:
            where, first_row, size = self._search_filter(body)
        except BadParameter as bad:
            return json_text(400, str(bad))
        if self.faults.take("lying_counters", request.path):
            where, first_row = self._search_filter({**body, "first_id": None, "first_timestamp": None,
                                                    "first_row_number": None})[:2]
        self.store.count_request("toggl", "search/time_entries")
        version = self.store.version
        with self.store.read() as db:
            record = f"json_patch({_ROW}, {_ENRICHED})" if body.get("enrich_response") is True else _ROW
            rows = read_slice(db, self._boundaries, version, "toggl_time_entries",
                              f"{record}, id, CAST(strftime('%s', start) AS INTEGER)", where, _ENTRY_ORDER, 0,
                              size + 1)
        page = rows[:size]
        records = [json.loads(row[0]) | {"row_number": first_row + n} for n, row in enumerate(page)]
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if len(rows) > size:
            following = rows[size]
            headers.update({"X-Next-ID": str(following[1]), "X-Next-Row-Number": str(first_row + size),
                            "X-Next-Timestamp": str(following[2])})
        response = Response(200, json.dumps(records).encode(), headers)
        key = (request.path, tuple(sorted((k, json.dumps(v)) for k, v in body.items() if not k.startswith("first_"))))
        return self.faults.repeat_page(request.path, key, response)

    @staticmethod
    def _search_filter(body: dict) -> tuple[Where, int, int]:
        """The SQL filter, the first row's number and the page size of a search body."""
        start = _body_date(body, "start_date")
        if start is None:
            raise BadParameter("start_date is required")
        end = _body_date(body, "end_date") or start + timedelta(days=MAX_RANGE_DAYS - 1)
        if end < start:
            raise BadParameter("end_date must not be earlier than start_date")
        if (end - start).days >= MAX_RANGE_DAYS:
            raise BadParameter(f"the date range must not exceed {MAX_RANGE_DAYS} days")
        size = _body_int(body, "page_size", default=MAX_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
        id_filters = []
        for name, column in (("user_ids", "user_id"), ("project_ids", "project_id"), ("time_entry_ids", "id")):
            ids = body.get(name)
            if ids is None:
                continue
            if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
                raise BadParameter(f"{name} must be an array of integers")
            id_filters.append((f"{column} IN ({', '.join('?' * len(ids))})" if ids else "0", ids))
        first_row = _body_int(body, "first_row_number", default=1, minimum=1)
        first_id = _body_int(body, "first_id", default=0, minimum=0)
        first_timestamp = _body_int(body, "first_timestamp", default=0, minimum=0)
        # The position the previous page's headers named (keyset), if any.
        keyset = datetime.fromtimestamp(first_timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") \
            if first_id and first_timestamp else None
        where = Where()
        # SQLite bounds the index range by this `start >=` alone, not by the row value below: it starts at the
        # keyset's moment, else each page would scan every row before it (a read quadratic in its length).
        where.add("start >= ?", max(_utc(start), keyset) if keyset else _utc(start))
        where.add("start < ?", _utc(end + timedelta(days=1)))
        for clause, ids in id_filters:
            where.add(clause, *ids)
        if keyset:
            where.add("(start, id) >= (?, ?)", keyset, first_id)
        elif first_row > 1:  # only a row number: skip that many rows
            where.add("rowid IN (SELECT rowid FROM toggl_time_entries " + where.sql() + " " + _ENTRY_ORDER.sql()
                      + " LIMIT -1 OFFSET ?)", *where.params, first_row - 1)
        return where, first_row, size


class _ReportsPrefix:
    """The Toggl emulator under the Reports API's prefix (the server routes by one prefix per emulator)."""

    prefix = "/reports/api/v3"

    def __init__(self, toggl: TogglEmulator):
        self.toggl = toggl

    def handle(self, request: Request) -> Response:
        return self.toggl.handle(request)

    def fault_response(self, kind: str, status: int) -> Response:
        return self.toggl.fault_response(kind, status)


def _basic_user(request: Request) -> str | None:
    """The user name of HTTP Basic auth when the password is the literal `api_token` (a token login)."""
    scheme, _, encoded = (request.header("authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user if password == "api_token" else None


def _body_date(body: dict, name: str) -> date | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as bad:
        raise BadParameter(f"{name} must be a date YYYY-MM-DD, got {value!r}") from bad


def _body_int(body: dict, name: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (maximum and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum else f"at least {minimum}"
        raise BadParameter(f"{name} must be an integer {bound}, got {value!r}")
    return value


def _utc(day: date) -> str:
    """Midnight of a workspace-local date, as a stored UTC timestamp."""
    return (datetime.combine(day, datetime.min.time()) - TIME_ZONE).strftime("%Y-%m-%dT%H:%M:%SZ")
