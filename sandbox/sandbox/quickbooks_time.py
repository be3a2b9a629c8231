"""QuickBooks Time (TSheets) API v1 (read side), as its official docs describe it (the shared reference, §3.1).

- Served under `/quickbooks_time/api/v1` (the real API is `https://rest.tsheets.com/api/v1`; the folder keeps it
  apart from the other vendors' `/api…` paths on the one sandbox port). Every request needs
  `Authorization: Bearer <token>`, else 401.
- Errors have TSheets' body `{"error": {"code": …, "message": …, "description": …}}`; a list without one of
  its required filters is answered 417 Expectation Failed, a bad parameter 400.
- Lists page by `page` (from 1) and `limit` (1–200, default 200; more is a 400) and carry `"more": true` while
  pages follow. Records come as an object keyed by id string, ordered by id; an empty result is `[]`, as the
  PHP-encoded real API answers (`results.timesheets: []`).
- `GET /timesheets` needs one of `ids`, `start_date`, `modified_since`, `modified_before`; it filters on
  `end_date`, `user_ids`, `jobcode_ids`, `on_the_clock` (default `no`) and adds `supplemental_data` (the
  page's users and jobcodes) unless `supplemental_data=no`. `GET /timesheets_deleted` lists deleted
  timesheets with the same filters (`last_modified` is the moment of deletion). `GET /users`,
  `GET /jobcodes` (`parent_ids`, `active` yes/no/both) and `GET /current_user` (the token's admin) complete it.
- Throttling is the vendor's 429 with its error body, through the server's generic `rate_limit` fault.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .jsonapi import (BadParameter, ListEmulator, Ordering, Where, bearer_token, boolean, count_rows,
                      json_record, number, parse_date, parse_int, parse_timestamp, read_slice)
from .routing import Request, Response

TOKEN = "sandbox-quickbooks-time-token"
MAX_LIMIT = 200
ADMIN_USER_ID = 1_242_501  # the first technician doubles as the account admin the token belongs to
REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           417: "Expectation Failed", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}
_BY_ID = Ordering(("id",), descending=False)


def error(status: int, description: str) -> Response:
    """TSheets' error body."""
    return Response.json({"error": {"code": status, "message": REASONS.get(status, "Error"),
                                    "description": description}}, status)


def _offset_time(column: str) -> str:
    """A storage timestamp (`…Z`) as TSheets writes it (`…+00:00`)."""
    return f"replace({column}, 'Z', '+00:00')"


_TIMESHEET_FIELDS = {
    "id": "id", "user_id": "user_id", "jobcode_id": "jobcode_id", "start": "start", "end": "end",
    "duration": "duration", "date": "date", "tz": "tz", "tz_str": "tz_str", "type": "type", "location": "location",
    "on_the_clock": boolean("on_the_clock"), "locked": "locked", "notes": "coalesce(notes, '')",
    "customfields": "json('{}')", "attached_files": "json('[]')", "created": _offset_time("created"),
    "last_modified": _offset_time("last_modified"),
}
_USER = json_record({
    "id": "id", "first_name": "first_name", "last_name": "last_name", "display_name": "display_name",
    "group_id": "group_id", "active": boolean("active"), "employee_number": "employee_number",
    "salaried": boolean("salaried"), "exempt": boolean("exempt"), "username": "username", "email": "email",
    "pay_rate": number("pay_rate"), "pay_interval": "pay_interval", "created": _offset_time("created"),
    "last_modified": _offset_time("last_modified"),
})
_JOBCODE = json_record({
    "id": "id", "parent_id": "parent_id", "assigned_to_all": boolean("assigned_to_all"),
    "billable": boolean("billable"), "active": boolean("active"), "type": "type",
    "has_children": boolean("has_children"), "billable_rate": "coalesce(json(billable_rate), 0)",
    "short_code": "coalesce(short_code, '')", "name": "name", "created": _offset_time("created"),
    "last_modified": _offset_time("last_modified"),
})


@dataclass(frozen=True)
class Listing:
    """One list endpoint: its table, its `results` key, record shape, filters and required filters."""

    key: str
    table: str
    record: str
    filters: tuple[str, ...]
    required: tuple[str, ...] = ()  # at least one of these must be given (else 417)


def _ids(name: str, value: str) -> list[int]:
    try:
        ids = [int(part) for part in value.split(",") if part.strip()]
    except ValueError as bad:
        raise BadParameter(f"{name} must be a comma-separated list of ids, got {value!r}") from bad
    if not ids:
        raise BadParameter(f"{name} must name at least one id")
    return ids


def _choice(name: str, value: str, column: str) -> tuple[str, list]:
    choice = value.strip().lower()
    if choice not in ("yes", "no", "both", "true", "false"):
        raise BadParameter(f"{name} must be yes, no or both, got {value!r}")
    return ("1 = 1", []) if choice == "both" else (f"{column} = ?", [int(choice in ("yes", "true"))])


def _filter(name: str, value: str) -> tuple[str, list]:
    """The SQL condition of one query parameter (`BadParameter` when its value is malformed)."""
    if name in ("ids", "user_ids", "jobcode_ids", "parent_ids"):
        ids = _ids(name, value)
        column = {"ids": "id", "user_ids": "user_id", "jobcode_ids": "jobcode_id", "parent_ids": "parent_id"}[name]
        return f"{column} IN ({', '.join('?' * len(ids))})", ids
    if name in ("modified_since", "modified_before"):
        return f"last_modified {'>=' if name == 'modified_since' else '<='} ?", [parse_timestamp(name, value)]
    if name in ("start_date", "end_date"):
        return f"date {'>=' if name == 'start_date' else '<='} ?", [parse_date(name, value)]
    if name == "on_the_clock":
        return _choice(name, value, "on_the_clock")
    if name == "active":
        return _choice(name, value, "active")
    raise AssertionError(name)


_TIMESHEET_FILTERS = ("ids", "start_date", "end_date", "modified_since", "modified_before", "user_ids",
                      "jobcode_ids", "on_the_clock")
LISTINGS = {
    "timesheets": Listing("timesheets", "qbtime_timesheets", json_record(_TIMESHEET_FIELDS), _TIMESHEET_FILTERS,
                          ("ids", "start_date", "modified_since", "modified_before")),
    "timesheets_deleted": Listing("timesheets_deleted", "qbtime_timesheets_deleted",
                                  json_record({k: v for k, v in _TIMESHEET_FIELDS.items()
                                               if k not in ("customfields", "attached_files", "locked")}),
                                  _TIMESHEET_FILTERS[:-1],
                                  ("ids", "start_date", "end_date", "modified_since", "modified_before")),
    "users": Listing("users", "qbtime_users", _USER, ("ids", "active", "modified_since", "modified_before")),
    "jobcodes": Listing("jobcodes", "qbtime_jobcodes", _JOBCODE,
                        ("ids", "parent_ids", "active", "modified_since", "modified_before")),
}
# Defaults the docs give for filters left out.
_DEFAULTS = {"timesheets": {"on_the_clock": "no"}}


class QuickBooksTimeEmulator(ListEmulator):
    prefix = "/quickbooks_time/api/v1"

    def __init__(self, store, faults, token: str = TOKEN):
        super().__init__(store, faults)
        self.token = token

    def handle(self, request: Request) -> Response:
        if bearer_token(request) != self.token:
            return error(401, "The access token is missing, expired or invalid.")
        resource = request.path.removeprefix(self.prefix).strip("/")
        if resource not in LISTINGS and resource != "current_user":
            return error(404, f"No such endpoint: {request.path}")
        if request.method != "GET":
            return error(405, f"{request.method} is not supported by the sandbox")
        try:
            if resource == "current_user":
                return self._current_user()
            return self._list(request, LISTINGS[resource])
        except BadParameter as bad:
            return error(400, str(bad))

    def fault_response(self, kind: str, status: int) -> Response:
        """TSheets' error body for the server's generic `status` and `rate_limit` faults."""
        if kind == "rate_limit":
            return error(429, "The rate limit has been exceeded; retry later.")
        return error(status, "The service is unavailable, try again later.")

    def _current_user(self) -> Response:
        with self.store.read() as db:
            rows = db.execute(f"SELECT id, {_USER} FROM qbtime_users WHERE id = ?", (ADMIN_USER_ID,)).fetchall()
        return _json_response(f'{{"results": {{"users": {_keyed(rows)}}}, "supplemental_data": {{}}}}')

    def _list(self, request: Request, listing: Listing) -> Response:
        given = {**_DEFAULTS.get(listing.key, {}),
                 **{name: request.arg(name) for name in listing.filters if request.arg(name)}}
        if listing.required and not any(name in given for name in listing.required):
            return error(417, f"One of {', '.join(repr(name) for name in listing.required)} must be set.")
        limit = parse_int("limit", request.arg("limit"), default=MAX_LIMIT, minimum=1, maximum=MAX_LIMIT)
        page = parse_int("page", request.arg("page"), default=1, minimum=1)
        supplemental = (request.arg("supplemental_data") or "yes").strip().lower()
        if supplemental not in ("yes", "no", "true", "false"):
            raise BadParameter(f"supplemental_data must be yes or no, got {supplemental!r}")
        where = Where()
        for name, value in given.items():
            clause, params = _filter(name, value)
            where.add(clause, *params)
        self.store.count_request("quickbooks_time", listing.key)
        version = self.store.version
        before = (page - 1) * limit
        with self.store.read() as db:
            total = count_rows(db, self._counts, version, listing.table, where)
            rows = read_slice(db, self._boundaries, version, listing.table, listing.record, where, _BY_ID,
                              before, limit) if before < total else []
            extra = self._supplemental(db, listing, rows) if supplemental in ("yes", "true") else "{}"
        more = before + len(rows) < total
        if self.faults.take("lying_counters", request.path):  # `more` stays true past the last page
            more = True
        response = _json_response(f'{{"results": {{"{listing.key}": {_keyed([(row[1], row[0]) for row in rows])}}}, '
                                  f'"more": {json.dumps(more)}, "supplemental_data": {extra}}}')
        kept = tuple(sorted((name, value[-1]) for name, value in request.query.items() if name not in ("page", "limit")))
        return self.faults.repeat_page(request.path, (request.path, kept), response)

    @staticmethod
    def _supplemental(db, listing: Listing, rows: list) -> str:
        """The users and jobcodes the page's timesheets refer to, keyed by id string like the results."""
        if listing.key not in ("timesheets", "timesheets_deleted") or not rows:
            return "{}"
        ids = [row[1] for row in rows]
        marks = ", ".join("?" * len(ids))
        members = []
        for key, table, column, record in (("users", "qbtime_users", "user_id", _USER),
                                           ("jobcodes", "qbtime_jobcodes", "jobcode_id", _JOBCODE)):
            found = db.execute(f"SELECT id, {record} FROM {table} WHERE id IN (SELECT {column} FROM "
                               f"{listing.table} WHERE id IN ({marks})) ORDER BY id", ids).fetchall()
            members.append(f'"{key}": {_keyed(found)}')
        return "{" + ", ".join(members) + "}"


def _keyed(rows: list) -> str:
    """(id, record JSON as SQLite wrote it) pairs as an object keyed by id string, or `[]` when there are
    none (the PHP-encoded empty array); the records' text is kept, so decimals keep every digit."""
    if not rows:
        return "[]"
    return "{" + ", ".join(f'"{record_id}": {record}' for record_id, record in rows) + "}"


def _json_response(body: str) -> Response:
    return Response(200, body.encode(), {"Content-Type": "application/json; charset=utf-8"})
