"""Clockify API v1 (read side), as documented at docs.clockify.me (see the shared reference, §3.2).

- Every request needs `X-Api-Key` (else 401); a workspace the key's user is not a member of gives 403.
  Errors are JSON `{"message": …, "code": <the HTTP status>}`.
- Served under `/api/v1/workspaces`: the workspace list, and per workspace `users`, `clients`, `projects`,
  `projects/{id}/tasks`, `user/{id}/time-entries` and one entry `time-entries/{id}` (404 once deleted). Every list is a bare JSON array paged by `page`
  (from 1) and `page-size` (1–5000, default 50); a client stops at a short page.
- Time entries: per user, newest first (`timeInterval.start` descending, then `id`), filtered by `start`
  and `end` (ISO 8601; both bound the entry's start; a value without an offset is read in the user's
  profile time zone), `project`, `task` and `in-progress`. There is no modified-since filter and no
  modification time; a deleted entry is simply gone. `hourlyRate`/`costRate` are `{amount, currency}`
  with the amount in cents; `timeInterval.duration` is an ISO 8601 duration (`PT2H30M`).
- Throttling: 50 requests per second per API key (the paid plans' limit), answered 429
  `{"message": "Too many requests", "code": 429}` without `Retry-After`. The setting is `off` or
  `<requests>/<seconds>`: `running_sandbox(clockify_rate_limit=...)`, else the environment variable
  `SANDBOX_CLOCKIFY_RATE_LIMIT`; while running `POST /_sandbox/settings {"clockify_rate_limit": ...}`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from .clockify_data import CURRENCY, WORKSPACE_ID, WORKSPACE_NAME
from .jsonapi import (BadParameter, ListEmulator, Ordering, Where, boolean, count_rows, json_record, parse_bool,
                      parse_int, read_slice)
from .rate_limiting import ThrottledEmulator
from .routing import Request, Response

API_KEY = "sandbox-clockify-api-key"
API_ROOT = "/api/v1"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 5000
RATE_LIMIT_VARIABLE = "SANDBOX_CLOCKIFY_RATE_LIMIT"
WORKSPACE = {
    "id": WORKSPACE_ID, "name": WORKSPACE_NAME, "hourlyRate": {"amount": 0, "currency": CURRENCY},
    "costRate": {"amount": 0, "currency": CURRENCY}, "memberships": [], "imageUrl": "",
    "featureSubscriptionType": "PRO",
    "workspaceSettings": {"timeRoundingInReports": False, "onlyAdminsSeeBillableRates": True,
                          "projectPickerSpecialFilter": False, "forceProjects": True, "forceTasks": True},
    "currencies": [{"id": "5b641568b07987035750505e", "code": CURRENCY, "isDefault": True}],
}


def error(status: int, message: str) -> Response:
    return Response.json({"message": message, "code": status}, status)


def money(column: str) -> str:
    """A stored dollar decimal as Clockify's `{"amount": <cents>, "currency": …}` (NULL stays null); exact,
    since the storage form always has two decimals."""
    return (f"json(CASE WHEN {column} IS NULL THEN NULL ELSE json_object('amount', "
            f"CAST(REPLACE({column}, '.', '') AS INTEGER), 'currency', '{CURRENCY}') END)")


_SECONDS = "(CAST(REPLACE(hours, '.', '') AS INTEGER) * 36)"  # hours are stored with two decimals; `||` binds first
_DURATION = (f"CASE WHEN {_SECONDS} = 0 THEN 'PT0S' ELSE 'PT'"
             f" || CASE WHEN {_SECONDS} >= 3600 THEN ({_SECONDS} / 3600) || 'H' ELSE '' END"
             f" || CASE WHEN {_SECONDS} % 3600 >= 60 THEN ({_SECONDS} % 3600 / 60) || 'M' ELSE '' END"
             f" || CASE WHEN {_SECONDS} % 60 > 0 THEN ({_SECONDS} % 60) || 'S' ELSE '' END END")
_EMPTY = "json('[]')"
_TIME_ENTRY = json_record({
    "id": "id", "description": "description", "tagIds": _EMPTY, "userId": "user_id", "billable": boolean("billable"),
    "taskId": "task_id", "projectId": "project_id", "workspaceId": f"'{WORKSPACE_ID}'",
    "timeInterval": json_record({"start": "start",
                                 "end": f"strftime('%Y-%m-%dT%H:%M:%SZ', start, '+' || {_SECONDS} || ' seconds')",
                                 "duration": _DURATION}),
    "customFieldValues": _EMPTY, "type": "'REGULAR'", "kioskId": "NULL", "hourlyRate": money("hourly_rate"),
    "costRate": money("cost_rate"), "isLocked": boolean("is_locked"),
})
_SETTINGS = json_record({"weekStart": "'MONDAY'", "timeZone": "time_zone", "timeFormat": "'HOUR12'",
                         "dateFormat": "'MM/DD/YYYY'"})
_USER = json_record({
    "id": "id", "email": "email", "name": "name", "profilePicture": "''", "activeWorkspace": f"'{WORKSPACE_ID}'",
    "defaultWorkspace": f"'{WORKSPACE_ID}'", "settings": _SETTINGS, "status": "status", "customFields": _EMPTY,
})
_MEMBERSHIP = json_record({"userId": "id", "hourlyRate": money("hourly_rate"), "costRate": money("cost_rate"),
                           "targetId": f"'{WORKSPACE_ID}'", "membershipType": "'WORKSPACE'",
                           "membershipStatus": "status"})
_USER_WITH_MEMBERSHIPS = _USER[:-1] + f", 'memberships', json_array({_MEMBERSHIP}))"
_USER = _USER[:-1] + f", 'memberships', {_EMPTY})"
_CLIENT = json_record({
    "id": "id", "name": "name", "workspaceId": f"'{WORKSPACE_ID}'", "archived": boolean("archived"),
    "address": "address", "note": "note", "email": "NULL", "currencyCode": "currency_code",
})
_PROJECT = json_record({
    "id": "id", "name": "name", "hourlyRate": money("hourly_rate"), "costRate": money("cost_rate"),
    "clientId": "client_id",
    "clientName": "(SELECT name FROM clockify_clients c WHERE c.id = clockify_projects.client_id)",
    "workspaceId": f"'{WORKSPACE_ID}'", "billable": boolean("billable"), "memberships": _EMPTY, "color": "color",
    "estimate": "json_object('estimate', 'PT0S', 'type', 'AUTO')", "archived": boolean("archived"), "note": "note",
    "template": "json('false')", "public": "json('true')",
})
_TASK = json_record({
    "id": "id", "name": "name", "projectId": "project_id", "assigneeIds": _EMPTY, "assigneeId": "NULL",
    "userGroupIds": _EMPTY, "estimate": "'PT0S'", "status": "status", "billable": boolean("billable"),
    "hourlyRate": money("hourly_rate"), "costRate": money("cost_rate"),
})
_BY_NAME = Ordering(("name", "id"), descending=False)
_WORKSPACE_PATH = re.compile(r"^/api/v1/workspaces/([^/]+)(/.*)?$")
_TASKS_PATH = re.compile(r"^/projects/([^/]+)/tasks$")
_ENTRIES_PATH = re.compile(r"^/user/([^/]+)/time-entries$")
_ENTRY_PATH = re.compile(r"^/time-entries/([^/]+)$")


@dataclass(frozen=True)
class Listing:
    table: str
    record: str
    ordering: Ordering


LISTINGS = {
    "users": Listing("clockify_users", _USER, _BY_NAME),
    "clients": Listing("clockify_clients", _CLIENT, _BY_NAME),
    "projects": Listing("clockify_projects", _PROJECT, _BY_NAME),
    "tasks": Listing("clockify_tasks", _TASK, _BY_NAME),
    "time-entries": Listing("clockify_time_entries", _TIME_ENTRY, Ordering(("start", "id"), descending=True)),
}


class ClockifyEmulator(ListEmulator, ThrottledEmulator):
    prefix = API_ROOT + "/workspaces"
    RATE_LIMIT_SETTING = "clockify_rate_limit"
    RATE_LIMIT_VARIABLE = RATE_LIMIT_VARIABLE
    RATE_LIMIT_DEFAULT = "50/1"  # the paid plans' limit per API key

    def __init__(self, store, faults, *, rate_limit: str | None = None,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(store, faults)
        self.start_rate_limit(rate_limit, clock)

    def fault_response(self, kind: str, status: int) -> Response:
        """Clockify's JSON error body for the server's generic `status` and `rate_limit` faults."""
        if kind == "rate_limit":
            return error(429, "Too many requests")
        return error(status, "Service unavailable, try again later")

    # -- the request pipeline ------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        key = request.header("x-api-key")
        if key != API_KEY:
            return error(401, "Full authentication is required to access this resource" if not key
                         else "Api key does not exist")
        if self.rate_limit.retry_after(key) is not None:
            self.store.count_request("clockify", "throttled")
            return error(429, "Too many requests")
        if request.method != "GET":
            return error(405, f"Request method '{request.method}' is not supported")
        try:
            return self._route(request)
        except BadParameter as bad:
            return error(400, str(bad))

    def _route(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == self.prefix:
            return Response.json([WORKSPACE])
        match = _WORKSPACE_PATH.match(path)
        if match is None:
            return error(404, f"No static resource {request.path}")
        if match.group(1) != WORKSPACE_ID:
            return error(403, "Access Denied")
        resource = match.group(2) or ""
        if resource in ("/users", "/clients", "/projects"):
            return self._list(request, resource[1:], self._filters(request, resource[1:]))
        tasks = _TASKS_PATH.match(resource)
        if tasks:
            if not self._exists("clockify_projects", tasks.group(1)):
                return error(404, "Project not found")
            where = self._filters(request, "tasks")
            where.add("project_id = ?", tasks.group(1))
            return self._list(request, "tasks", where)
        entries = _ENTRIES_PATH.match(resource)
        if entries:
            user = self._user_time_zone(entries.group(1))
            if user is None:
                return error(400, "User doesn't belong to Workspace")
            where = self._entry_filters(request, user)
            where.add("user_id = ?", entries.group(1))
            return self._list(request, "time-entries", where)
        entry = _ENTRY_PATH.match(resource)
        if entry:
            return self._entry(entry.group(1))
        return error(404, f"No static resource {request.path}")

    # -- filters -------------------------------------------------------------------------------------------
    @staticmethod
    def _filters(request: Request, resource: str) -> Where:
        where = Where()
        if resource == "users":
            status = (request.arg("status") or "ALL").upper()
            if status not in ("ACTIVE", "INACTIVE", "PENDING", "DECLINED", "ALL"):
                raise BadParameter(f"status must be ACTIVE, INACTIVE, PENDING, DECLINED or ALL, got {status!r}")
            if status != "ALL":
                where.add("status = ?", status)
        if resource in ("clients", "projects") and request.arg("archived"):
            where.add("archived = ?", parse_bool("archived", request.arg("archived")))
        if resource == "projects" and request.arg("billable"):
            where.add("billable = ?", parse_bool("billable", request.arg("billable")))
        if resource == "tasks" and request.arg("is-active"):
            where.add("status = ?", "ACTIVE" if parse_bool("is-active", request.arg("is-active")) else "DONE")
        return where

    @staticmethod
    def _entry_filters(request: Request, time_zone: str) -> Where:
        where = Where()
        for name, condition in (("start", "start >= ?"), ("end", "start <= ?")):
            value = request.arg(name)
            if value:
                where.add(condition, _moment(name, value, time_zone))
        for name, column in (("project", "project_id"), ("task", "task_id")):
            if request.arg(name):
                where.add(f"{column} = ?", request.arg(name))
        if request.arg("in-progress") and parse_bool("in-progress", request.arg("in-progress")):
            where.add("0")  # the sandbox has no running timers
        return where

    # -- lists ---------------------------------------------------------------------------------------------
    def _list(self, request: Request, resource: str, where: Where) -> Response:
        listing = LISTINGS[resource]
        record = listing.record
        if resource == "users" and (request.arg("memberships") or "NONE").upper() in ("WORKSPACE", "ALL"):
            record = _USER_WITH_MEMBERSHIPS
        page = parse_int("page", request.arg("page"), default=1, minimum=1)
        size = parse_int("page-size", request.arg("page-size"), default=DEFAULT_PAGE_SIZE, minimum=1,
                         maximum=MAX_PAGE_SIZE)
        if self.faults.take("lying_counters", request.path):  # the page number is ignored: page 1 again
            page = 1
        offset = (page - 1) * size
        version = self.store.version
        with self.store.read() as db:
            total = count_rows(db, self._counts, version, listing.table, where)
            rows = read_slice(db, self._boundaries, version, listing.table, record, where, listing.ordering,
                              offset, size) if offset < total else []
        response = Response(200, ("[" + ",".join(row[0] for row in rows) + "]").encode(),
                            {"Content-Type": "application/json"})
        return self.faults.repeat_page(request.path, (request.path, where.key, record), response)

    def _entry(self, entry_id: str) -> Response:
        with self.store.read() as db:
            row = db.execute(f"SELECT {_TIME_ENTRY} FROM clockify_time_entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            return error(404, "TimeEntry with id " + entry_id + " doesn't exist")
        return Response(200, row[0].encode(), {"Content-Type": "application/json"})

    def _exists(self, table: str, record_id: str) -> bool:
        with self.store.read() as db:
            return db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (record_id,)).fetchone() is not None

    def _user_time_zone(self, user_id: str) -> str | None:
        with self.store.read() as db:
            row = db.execute("SELECT time_zone FROM clockify_users WHERE id = ?", (user_id,)).fetchone()
        return row[0] if row else None


def _moment(name: str, value: str, time_zone: str) -> str:
    """An ISO 8601 date-time as the storage form; without an offset it is read in the user's time zone."""
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))  # a raw "+" decodes as a space
    except ValueError as bad:
        raise BadParameter(f"{name} must be a date-time in yyyy-MM-ddThh:mm:ssZ format, got {value!r}") from bad
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(time_zone))
    if moment.microsecond:  # stored starts have whole seconds: `start >= 10:00:00.5` means `>= 10:00:01`
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
