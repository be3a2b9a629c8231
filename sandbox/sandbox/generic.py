"""The design example's generic time-tracking API: ``GET /v1/entries`` with a Bearer token and offset paging.

Its wire format is the project's own design (see the shared reference, section 1): the envelope
``{"data": [...], "offset", "limit", "total"}``, entries sorted by ``updated_at`` then ``id`` ascending (a
total order, so entries edited during an incremental read move behind it), an inclusive ``updated_since``
(ISO 8601, or unix seconds when the value is all digits), ``from``/``to`` on the work ``date``, and JSON
errors (401 for a bad token, 400 for a bad parameter).
"""

from __future__ import annotations

from .jsonapi import (BadParameter, ListEmulator, Ordering, Where, bearer_token, boolean, count_rows,
                      json_record, json_response, number, parse_date, parse_int, parse_timestamp,
                      parse_unix_seconds, read_slice)
from .routing import Request, Response

TOKEN = "sandbox-generic-token"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
TABLE = "generic_entries"
ORDERING = Ordering(("updated_at", "id"), descending=False)
# An entry as the API returns it (`employee_id` is a sandbox-only link and is not part of the API).
ENTRY = json_record({
    "id": "id", "user_id": "user_id", "user_name": "user_name", "project_id": "project_id", "task_id": "task_id",
    "date": "date", "hours": number("hours"), "billable": boolean("billable"), "cost_rate": number("cost_rate"),
    "bill_rate": number("bill_rate"), "notes": "notes", "created_at": "created_at", "updated_at": "updated_at"})


def error(status: int, code: str, message: str) -> Response:
    return Response.json({"error": code, "message": message}, status)


class GenericEmulator(ListEmulator):
    prefix = "/v1"

    def __init__(self, store, faults, token: str = TOKEN):
        super().__init__(store, faults)
        self.token = token

    def handle(self, request: Request) -> Response:
        if request.path.rstrip("/") != "/v1/entries":
            return error(404, "not_found", f"no such endpoint: {request.path}")
        if request.method != "GET":
            return error(405, "method_not_allowed", f"{request.method} is not allowed on /v1/entries")
        if bearer_token(request) != self.token:
            return error(401, "unauthorized", "missing or invalid bearer token")
        try:
            offset = parse_int("offset", request.arg("offset"), default=0, minimum=0)
            limit = parse_int("limit", request.arg("limit"), default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
            where = self._filter(request)
        except BadParameter as bad:
            return error(400, "invalid_parameter", str(bad))
        start = 0 if self.faults.take("lying_counters", request.path) else offset  # lying: offset ignored
        version = self.store.version
        with self.store.read() as db:
            total = count_rows(db, self._counts, version, TABLE, where)
            rows = read_slice(db, self._boundaries, version, TABLE, ENTRY, where, ORDERING, start,
                              limit) if start < total else []
        response = json_response("data", [row[0] for row in rows], {"offset": offset, "limit": limit, "total": total})
        return self.faults.repeat_page(request.path, (request.path, where.key), response)

    def fault_response(self, kind: str, status: int) -> Response:
        """The API's JSON error body for the server's generic `status` and `rate_limit` faults."""
        if kind == "rate_limit":
            return error(429, "rate_limited", "too many requests; retry after the Retry-After delay")
        return error(status, "server_error", f"the service answered {status}")

    @staticmethod
    def _filter(request: Request) -> Where:
        where = Where()
        since = request.arg("updated_since")
        if since:
            where.add("updated_at >= ?", parse_unix_seconds(since) if since.strip().isdigit()
                      else parse_timestamp("updated_since", since))
        if request.arg("from"):
            where.add("date >= ?", parse_date("from", request.arg("from")))
        if request.arg("to"):
            where.add("date <= ?", parse_date("to", request.arg("to")))
        return where
