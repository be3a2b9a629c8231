"""Pieces shared by the JSON emulators (Harvest v2 and the generic API): query parsing, SQL filters,
counts and page boundaries cached per data version, and records rendered as JSON by SQLite itself.

Records are built with SQLite's `json_object` from the storage form of `schema.py` (decimals as numbers,
0/1 as booleans): a 2000-record page is then one query and a string join, about twice as fast as building
and encoding Python dicts, which matters when a benchmark reads a million entries.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

from .routing import Request, Response


class BadParameter(ValueError):
    """A query parameter the API rejects; the emulator turns it into its vendor's error response."""


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (None when absent or another scheme)."""
    scheme, _, token = (request.header("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def parse_timestamp(name: str, value: str) -> str:
    """An ISO 8601 date-time (or a date) as the storage form ``YYYY-MM-DDTHH:MM:SSZ`` usable with ``>=``.

    Fractions of a second round up: stored times have whole seconds, so ``t >= 10:00:00.5`` means
    ``t >= 10:00:01``. A value without an offset is read as UTC.
    """
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))  # a raw "+" decodes as a space
    except ValueError as error:
        raise BadParameter(f"{name} must be an ISO 8601 date-time, got {value!r}") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_unix_seconds(value: str) -> str:
    """Unix seconds (all digits) as the storage timestamp form."""
    return datetime.fromtimestamp(int(value), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(name: str, value: str) -> str:
    """A ``YYYY-MM-DD`` date (the storage form)."""
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError as error:
        raise BadParameter(f"{name} must be a date YYYY-MM-DD, got {value!r}") from error


def parse_int(name: str, value: str | None, *, default: int, minimum: int, maximum: int | None = None) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as error:
        raise BadParameter(f"{name} must be an integer, got {value!r}") from error
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise BadParameter(f"{name} must be {bound}, got {number}")
    return number


def parse_bool(name: str, value: str) -> int:
    """``true``/``false`` as the storage form 1/0."""
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise BadParameter(f"{name} must be true or false, got {value!r}")
    return int(lowered == "true")


def json_record(fields: dict[str, str]) -> str:
    """The SQL expression of a JSON object: {JSON key: SQL expression of its value}."""
    return "json_object(" + ", ".join(f"'{key}', {value}" for key, value in fields.items()) + ")"


def number(column: str) -> str:
    """A stored decimal (text such as ``"2.50"``) as a JSON number written with exactly those digits (NULL stays
    null); a REAL would round 12345678901234567.89 to 15 significant digits."""
    return f"json({column})"


def boolean(column: str) -> str:
    """A stored 0/1 as a JSON boolean (NULL stays null)."""
    return f"json(CASE {column} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)"


def nested(table: str, fields: dict[str, str], foreign_key: str) -> str:
    """A JSON object built from the row of `table` whose id is `foreign_key` (null when there is none)."""
    return f"json((SELECT {json_record(fields)} FROM {table} WHERE id = {foreign_key}))"


def json_response(key: str, records: list[str], envelope: dict, status: int = 200) -> Response:
    """A JSON object whose first member `key` is the array of records rendered by SQLite, then `envelope`."""
    members = [f'"{key}": [{",".join(records)}]'] + [f"{json.dumps(name)}: {json.dumps(value)}"
                                                     for name, value in envelope.items()]
    return Response(status, ("{" + ", ".join(members) + "}").encode(),
                    {"Content-Type": "application/json; charset=utf-8"})


def absolute_url(request: Request, params: dict[str, object]) -> str:
    """The URL of the request's own path with other query parameters (links in a response body)."""
    return f"{request.base_url}{request.path}?{urlencode(params)}"


@dataclass
class Where:
    """A conjunction of SQL conditions with their parameters; its `key` identifies the filter in caches."""

    clauses: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)

    def add(self, clause: str, *params: object) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return f"WHERE {' AND '.join(self.clauses)}" if self.clauses else ""

    @property
    def key(self) -> tuple:
        return tuple(self.clauses), tuple(self.params)


class VersionedCache:
    """A small map of values computed from the data (counts, page boundaries) that forgets everything
    as soon as the store's data version moves, so a cached value never outlives the rows it describes."""

    def __init__(self, max_entries: int = 4096):
        self._lock = threading.Lock()
        self._version: object = None
        self._values: dict = {}
        self._max_entries = max_entries

    def get(self, version: object, key: object):
        with self._lock:
            return self._values.get(key) if version == self._version else None

    def put(self, version: object, key: object, value: object) -> None:
        with self._lock:
            if version != self._version or len(self._values) >= self._max_entries:
                self._version, self._values = version, {}
            self._values[key] = value


class ListEmulator:
    """What every JSON vendor emulator holds: the store it reads, the faults it plays, and its lists' row counts
    and page boundaries cached per data version (`count_rows`, `read_slice`)."""

    def __init__(self, store, faults):
        self.store = store
        self.faults = faults
        self._counts = VersionedCache()
        self._boundaries = VersionedCache()


@dataclass(frozen=True)
class Ordering:
    """A total order of a table's rows: sort columns ending with a unique one (the primary key)."""

    columns: tuple[str, ...]
    descending: bool

    def sql(self) -> str:
        direction = " DESC" if self.descending else " ASC"
        return "ORDER BY " + ", ".join(column + direction for column in self.columns)

    def after(self) -> str:
        """The condition for rows that come after a boundary (the values of `columns`) in this order."""
        placeholders = ", ".join("?" for _ in self.columns)
        return f"({', '.join(self.columns)}) {'<' if self.descending else '>'} ({placeholders})"


def read_slice(connection, boundaries: VersionedCache, version: object, table: str, columns: str,
               where: Where, ordering: Ordering, offset: int, limit: int) -> list[tuple]:
    """Rows ``offset … offset+limit`` of a filtered, ordered table: `columns` (the record expression)
    followed by the sort columns.

    The slice is chosen by row id first and only its rows are rendered (SQLite would otherwise evaluate
    `columns` for every row it sorts). Clients read page after page, so the sort key of the last row of
    each slice is remembered (per filter and data version): the next slice then seeks to it through the
    index instead of skipping `offset` rows, which keeps the last page of a million-row read as cheap as
    the first.
    """
    boundary = boundaries.get(version, (table, where.key, ordering, offset)) if offset else None
    if boundary is not None:
        chosen = Where(where.clauses + [ordering.after()], where.params + list(boundary))
        window, window_params = "LIMIT ?", (limit,)
    else:
        chosen, window, window_params = where, "LIMIT ? OFFSET ?", (limit, offset)
    rows = connection.execute(
        f"SELECT {columns}, {', '.join(ordering.columns)} FROM {table} WHERE rowid IN"
        f" (SELECT rowid FROM {table} {chosen.sql()} {ordering.sql()} {window}) {ordering.sql()}",
        (*chosen.params, *window_params)).fetchall()
    if rows:
        last = tuple(rows[-1])[-len(ordering.columns):]
        boundaries.put(version, (table, where.key, ordering, offset + len(rows)), last)
    return rows


def count_rows(connection, counts: VersionedCache, version: object, table: str, where: Where) -> int:
    """How many rows match a filter, counted once per filter and data version."""
    cached = counts.get(version, (table, where.key))
    if cached is None:
        cached = connection.execute(f"SELECT COUNT(*) FROM {table} {where.sql()}", where.params).fetchone()[0]
        counts.put(version, (table, where.key), cached)
    return cached
