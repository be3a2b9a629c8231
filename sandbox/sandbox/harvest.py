"""Harvest API v2 (read side), as documented at help.getharvest.com/api-v2 (see the shared reference, §2).

- Every request needs a `User-Agent` (else 400), a token (`Authorization: Bearer …` or `?access_token=`;
  else 401 with Harvest's OAuth error body) and the account (`Harvest-Account-Id` or `?account_id=`;
  a wrong or missing one gives 404).
- Lists carry Harvest's pagination envelope. `time_entries`, `projects` and `tasks` page by number
  (`page`/`per_page`); `users`, `clients` and `cost_rates` by an opaque keyset cursor
  (`links.next` = `…?cursor=<base64 {"after": {...}}>&per_page=…&ref=next_cursor`), and still accept the
  deprecated `page`. `per_page` is 1–2000 (default 2000); anything else gives 422.
- Time entries are sorted by `spent_date` descending (then `id` descending), the list shape of the current
  docs (no `user_assignment`/`task_assignment`); nested `user`, `client`, `project`, `task` objects.
- Throttling: 100 requests per 15 s per account, answered 429 with `Retry-After` (`rate_limiting`).
  The setting is `off` or `<requests>/<seconds>`: at start `python -m sandbox serve --harvest-rate-limit`
  (or `running_sandbox(harvest_rate_limit=...)`; the environment variable `SANDBOX_HARVEST_RATE_LIMIT`
  is the fallback), while running `POST /_sandbox/settings {"harvest_rate_limit": ...}`
  (`SandboxControl.update_settings`). `POST /_sandbox/reset` restores the start setting.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Callable

from .jsonapi import (BadParameter, ListEmulator, Ordering, Where, absolute_url, bearer_token, boolean,
                      count_rows, json_record, json_response, nested, number, parse_bool, parse_date, parse_int,
                      parse_timestamp, read_slice)
from .rate_limiting import ThrottledEmulator
from .routing import Request, Response

ACCOUNT_ID = "1234567"
TOKEN = "sandbox-harvest-token"
MAX_PER_PAGE = 2000
RATE_LIMIT_VARIABLE = "SANDBOX_HARVEST_RATE_LIMIT"
COMPANY = {
    "base_uri": "https://northwind-field-services.harvestapp.com",
    "full_domain": "northwind-field-services.harvestapp.com",
    "name": "Northwind Field Services",
    "is_active": True,
    "week_start_day": "Monday",
    "wants_timestamp_timers": False,
    "time_format": "decimal",
    "date_format": "%Y-%m-%d",
    "plan_type": "business-v4",
    "clock": "12h",
    "currency_code_display": "iso_code_none",
    "currency_symbol_display": "symbol_before",
    "decimal_symbol": ".",
    "thousands_separator": ",",
    "color_scheme": "orange",
    "weekly_capacity": 144000,
    "expense_feature": False,
    "invoice_feature": True,
    "estimate_feature": False,
    "approval_feature": True,
    "team_feature": True,
}
# The query parameters of a list request that its response's links replace rather than copy.
_PAGING_PARAMS = {"page", "per_page", "cursor", "ref"}


def error(status: int, message: str) -> Response:
    """Harvest's generic error body (`{"status": …, "error": …}`) with a human-readable message."""
    reasons = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
               422: "Unprocessable Entity", 429: "Too Many Requests"}
    return Response.json({"status": status, "error": reasons.get(status, "Server Error"), "message": message},
                         status)


def invalid_token() -> Response:
    """Harvest's 401 body for a missing or wrong token (the OAuth2 error shape)."""
    return Response.json({"error": "invalid_token", "error_description": "The access token provided is expired,"
                          " revoked, malformed or invalid for other reasons."}, 401)


def _encode_cursor(boundary: dict) -> str:
    payload = json.dumps({"after": boundary}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")  # unpadded: nothing to escape in a URL


def _decode_cursor(cursor: str, ordering: Ordering) -> list:
    try:
        after = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["after"]
        return [after[column] for column in ordering.columns]
    except (binascii.Error, ValueError, KeyError, TypeError) as bad:
        raise BadParameter(f"cursor {cursor!r} is not a valid cursor") from bad


@dataclass(frozen=True)
class Listing:
    """One list endpoint: its table, envelope key, record shape, pagination style, order and filters."""

    key: str  # the envelope's array name, e.g. "time_entries"
    table: str
    record: str  # the SQL expression rendering one row as Harvest's JSON object
    cursor_style: bool  # cursor (keyset) links instead of page-number links
    ordering: Ordering
    filters: tuple[str, ...]  # the query parameters it filters on (see `_FILTERS`)


def _parse_id(name: str, value: str) -> int:
    return parse_int(name, value, default=0, minimum=1)


# query parameter -> (SQL condition, parser)
_FILTERS: dict[str, tuple[str, Callable[[str, str], object]]] = {
    "updated_since": ("updated_at >= ?", parse_timestamp),
    "from": ("spent_date >= ?", parse_date),
    "to": ("spent_date <= ?", parse_date),
    "user_id": ("user_id = ?", _parse_id),
    "client_id": ("client_id = ?", _parse_id),
    "project_id": ("project_id = ?", _parse_id),
    "task_id": ("task_id = ?", _parse_id),
    "is_running": ("is_running = ?", parse_bool),
    "is_billed": ("is_billed = ?", parse_bool),
    "is_active": ("is_active = ?", parse_bool),
}
_TIME_ENTRY = json_record({
    "id": "id", "spent_date": "spent_date",
    "user": nested("harvest_users", {"id": "id", "name": "first_name || ' ' || last_name"},
                   "harvest_time_entries.user_id"),
    "client": nested("harvest_clients", {"id": "id", "name": "name", "currency": "currency"},
                     "harvest_time_entries.client_id"),
    "project": nested("harvest_projects", {"id": "id", "name": "name", "code": "code"},
                      "harvest_time_entries.project_id"),
    "task": nested("harvest_tasks", {"id": "id", "name": "name"}, "harvest_time_entries.task_id"),
    "hours": number("hours"), "hours_without_timer": number("hours_without_timer"),
    "rounded_hours": number("rounded_hours"), "notes": "notes", "created_at": "created_at",
    "updated_at": "updated_at", "is_locked": boolean("is_locked"), "locked_reason": "locked_reason",
    "is_closed": boolean("is_closed"), "is_billed": boolean("is_billed"), "timer_started_at": "timer_started_at",
    "started_time": "started_time", "ended_time": "ended_time", "is_running": boolean("is_running"),
    "invoice": "NULL", "external_reference": "NULL", "billable": boolean("billable"),
    "budgeted": boolean("budgeted"), "billable_rate": number("billable_rate"), "cost_rate": number("cost_rate"),
})
# `employee_id` (users) and `customer_id` (clients) are sandbox-only links, not Harvest fields.
_USER = json_record({
    "id": "id", "first_name": "first_name", "last_name": "last_name", "email": "email", "telephone": "telephone",
    "timezone": "timezone", "weekly_capacity": "weekly_capacity", "is_contractor": boolean("is_contractor"),
    "is_active": boolean("is_active"), "default_hourly_rate": number("default_hourly_rate"),
    "cost_rate": number("cost_rate"), "roles": "json(coalesce(roles, '[]'))", "created_at": "created_at",
    "updated_at": "updated_at",
})
_CLIENT = json_record({
    "id": "id", "name": "name", "is_active": boolean("is_active"), "address": "address",
    "statement_key": "statement_key", "currency": "currency", "created_at": "created_at", "updated_at": "updated_at",
})
_PROJECT = json_record({
    "id": "id",
    "client": nested("harvest_clients", {"id": "id", "name": "name", "currency": "currency"},
                     "harvest_projects.client_id"),
    "name": "name", "code": "code", "is_active": boolean("is_active"), "is_billable": boolean("is_billable"),
    "is_fixed_fee": boolean("is_fixed_fee"), "bill_by": "bill_by", "budget": number("budget"),
    "budget_by": "budget_by", "hourly_rate": number("hourly_rate"), "cost_budget": number("cost_budget"),
    "starts_on": "starts_on", "ends_on": "ends_on", "notes": "notes", "created_at": "created_at",
    "updated_at": "updated_at",
})
_TASK = json_record({
    "id": "id", "name": "name", "billable_by_default": boolean("billable_by_default"),
    "default_hourly_rate": number("default_hourly_rate"), "is_default": boolean("is_default"),
    "is_active": boolean("is_active"), "created_at": "created_at", "updated_at": "updated_at",
})
_COST_RATE = json_record({
    "id": "id", "amount": number("amount"), "start_date": "start_date", "end_date": "end_date",
    "created_at": "created_at", "updated_at": "updated_at",
})
_NEWEST_FIRST = Ordering(("id",), descending=True)  # "sorted by creation date, most recent first"
LISTINGS = {
    "time_entries": Listing("time_entries", "harvest_time_entries", _TIME_ENTRY, False,
                            Ordering(("spent_date", "id"), True),
                            ("updated_since", "from", "to", "user_id", "client_id", "project_id", "task_id",
                             "is_running", "is_billed")),
    "projects": Listing("projects", "harvest_projects", _PROJECT, False, _NEWEST_FIRST,
                        ("updated_since", "client_id", "is_active")),
    "tasks": Listing("tasks", "harvest_tasks", _TASK, False, _NEWEST_FIRST, ("updated_since", "is_active")),
    "users": Listing("users", "harvest_users", _USER, True, _NEWEST_FIRST, ("updated_since", "is_active")),
    "clients": Listing("clients", "harvest_clients", _CLIENT, True, _NEWEST_FIRST, ("updated_since", "is_active")),
    # "sorted by start_date, with the oldest starting cost rates appearing first"
    "cost_rates": Listing("cost_rates", "harvest_cost_rates", _COST_RATE, True, Ordering(("start_date", "id"), False),
                          ()),
}
_COST_RATES_PATH = re.compile(r"^/v2/users/(\d+)/cost_rates$")
_ONE_PATH = re.compile(r"^/v2/(time_entries|projects|tasks|users|clients)/(\d+)$")


class HarvestEmulator(ListEmulator, ThrottledEmulator):
    prefix = "/v2"
    RATE_LIMIT_SETTING = "harvest_rate_limit"  # the start setting: `serve --harvest-rate-limit`, else the variable
    RATE_LIMIT_VARIABLE = RATE_LIMIT_VARIABLE
    RATE_LIMIT_DEFAULT = "100/15"  # as documented

    def __init__(self, store, faults, *, rate_limit: str | None = None,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(store, faults)
        self.start_rate_limit(rate_limit, clock)

    # -- the request pipeline ------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if not request.header("user-agent"):
            return error(400, "a User-Agent header is required, e.g. 'MyApp (you@example.com)'")
        if (bearer_token(request) or request.arg("access_token")) != TOKEN:
            return invalid_token()
        account = request.header("harvest-account-id") or request.arg("account_id")
        if account != ACCOUNT_ID:
            return error(404, "the account is unknown or the Harvest-Account-Id header is missing")
        wait = self.rate_limit.retry_after(account)
        if wait is not None:
            self.store.count_request("harvest", "throttled")
            return self._throttled(wait)
        if request.method != "GET":
            return error(405, f"{request.method} is not supported by the sandbox")
        try:
            return self._route(request)
        except BadParameter as bad:
            return error(422, str(bad))

    def fault_response(self, kind: str, status: int) -> Response:
        """Harvest's JSON error body for the server's generic `status` and `rate_limit` faults."""
        if kind == "rate_limit":
            return error(429, "API rate limit exceeded; retry after the Retry-After delay")
        return error(status, "the service is unavailable, try again later")

    @staticmethod
    def _throttled(seconds: int) -> Response:
        response = error(429, f"API rate limit exceeded; retry in {seconds} seconds")
        response.headers["Retry-After"] = str(seconds)
        return response

    def _route(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/v2/company":
            return Response.json(COMPANY)
        resource = path.removeprefix("/v2/")
        if resource in LISTINGS and resource != "cost_rates":
            return self._list(request, LISTINGS[resource], Where())
        match = _COST_RATES_PATH.match(path)
        if match:
            user_id = int(match.group(1))
            if not self._exists("harvest_users", user_id):
                return error(404, f"no user {user_id}")
            where = Where()
            where.add("user_id = ?", user_id)
            return self._list(request, LISTINGS["cost_rates"], where)
        match = _ONE_PATH.match(path)
        if match:
            return self._one(LISTINGS[match.group(1)], int(match.group(2)))
        return error(404, f"no such endpoint: {request.path}")

    # -- lists ---------------------------------------------------------------------------------------------
    def _list(self, request: Request, listing: Listing, where: Where) -> Response:
        per_page = parse_int("per_page", request.arg("per_page"), default=MAX_PER_PAGE, minimum=1,
                             maximum=MAX_PER_PAGE)
        for name in listing.filters:
            value = request.arg(name)
            if value:
                condition, parse = _FILTERS[name]
                where.add(condition, parse(name, value))
        cursor = request.arg("cursor") if listing.cursor_style else None
        version = self.store.version
        with self.store.read() as db:
            total = count_rows(db, self._counts, version, listing.table, where)
            if cursor:
                boundary = _decode_cursor(cursor, listing.ordering)
                seek = Where(where.clauses + [listing.ordering.after()], where.params + boundary)
                before = total - count_rows(db, self._counts, version, listing.table, seek)
                page = before // per_page + 1
                rows = read_slice(db, self._boundaries, version, listing.table, listing.record, seek,
                                  listing.ordering, 0, per_page)
            else:
                page = parse_int("page", request.arg("page"), default=1, minimum=1)
                before = (page - 1) * per_page
                rows = read_slice(db, self._boundaries, version, listing.table, listing.record,
                                  self._planned(db, listing, where, total, version), listing.ordering,
                                  before, per_page) if before < total else []
        more = before + len(rows) < total
        total_pages = math.ceil(total / per_page)
        kept = {name: value[-1] for name, value in request.query.items() if name not in _PAGING_PARAMS}

        def link(ref: str, **position) -> str:
            """A link keeping the request's filters; only cursor-style endpoints' links carry `ref`."""
            extra = {"ref": ref} if listing.cursor_style else {}
            return absolute_url(request, {**kept, **position, "per_page": per_page, **extra})

        if more and listing.cursor_style:
            boundary = dict(zip(listing.ordering.columns, tuple(rows[-1])[1:]))  # the sort columns follow the record
            next_link = link("next_cursor", cursor=_encode_cursor(boundary))
        else:
            next_link = link("next", page=page + 1) if more else None
        lying = self.faults.take("lying_counters", request.path)
        if lying:  # `links.next` and `next_page` point to this very page
            next_link = absolute_url(request, {name: value[-1] for name, value in request.query.items()})
        response = json_response(listing.key, [row[0] for row in rows], {
            "per_page": per_page,
            "total_pages": total_pages,
            "total_entries": total,
            "next_page": page if lying else page + 1 if more else None,
            "previous_page": page - 1 if page > 1 else None,
            "page": page,
            "links": {
                "first": link("first", page=1),
                "next": next_link,
                "previous": link("previous", page=page - 1) if page > 1 else None,
                "last": link("last", page=max(total_pages, 1)),
            },
        })
        return self.faults.repeat_page(request.path, (request.path, tuple(sorted(kept.items()))), response)

    def _planned(self, db, listing: Listing, where: Where, total: int, version: int) -> Where:
        """Steer SQLite's plan for a broad `updated_since`: when a tenth of the rows or more match, walking
        the sort index and testing `updated_at` per row beats sorting every match for each page
        (``+column`` keeps SQLite from choosing the `updated_at` index)."""
        condition = _FILTERS["updated_since"][0]
        if condition not in where.clauses:
            return where
        if total * 10 < count_rows(db, self._counts, version, listing.table, Where()):
            return where
        return Where(["+" + clause if clause == condition else clause for clause in where.clauses], where.params)

    def _one(self, listing: Listing, record_id: int) -> Response:
        with self.store.read() as db:
            row = db.execute(f"SELECT {listing.record} FROM {listing.table} WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            return error(404, f"no {listing.key.removesuffix('s')} {record_id}")
        return Response(200, row[0].encode(), {"Content-Type": "application/json; charset=utf-8"})

    def _exists(self, table: str, record_id: int) -> bool:
        with self.store.read() as db:
            return db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (record_id,)).fetchone() is not None
