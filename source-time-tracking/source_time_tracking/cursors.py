"""Cursor values and what a stream's state may claim, shared by both providers.

State always holds the cursor as a UTC ISO 8601 string, whatever the API's own format. The cursor is
inclusive (`>=`): rows on the boundary are read again and deduplicated downstream on the primary key.

Two checkpointing policies exist because the APIs order rows differently:
- `PerPageCursor`: the API sorts by the cursor (the generic API), so the highest value emitted so far is a
  safe checkpoint after every page.
- `EndOfReadCursor`: the API sorts by something else (Harvest sorts by `spent_date`), so a row with a
  smaller cursor may still come on a later page. The state moves only once the read has finished, and
  never past the moment the read started (minus a clock-skew allowance): a row changed while the read was
  running may have been paged over, and must come again next time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, Mapping, MutableMapping, Optional

import pendulum

CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)
_UNIX_SECONDS = re.compile(r"\d+(\.\d+)?")
_FORMATTED_WHOLE_SECOND = re.compile(r"[1-9]\d{3}-\d\d-\d\dT\d\d:\d\d:\d\dZ")  # `format_iso` of a whole second
OTHER_ISO_PARSES_REMEMBERED = 8192  # cursor texts parsed by pendulum kept: a few pages' worth, about 1.5 MB


def parse_datetime(value: Any, style: str = "iso8601") -> Optional[datetime]:
    """An API time as an aware UTC datetime; None for a missing value.

    Accepts ISO 8601 with any offset (without one it is UTC; a bare date is its midnight) and unix seconds
    (a JSON number or a string of digits, with an optional fraction). `style` is the form the API is
    configured to send (`incremental.format`) and is tried first: it settles a string of digits such as
    `20260305`, both an ISO basic date and a unix time. Raises ValueError when neither form fits.
    """
    if value is None or value == "":
        return None
    if value.__class__ is str and style != "unix":  # the usual case: ISO text
        parsed = _iso_text_as_utc(value)
        if parsed is not None:
            return parsed
    parsers = (_from_unix_seconds, _from_iso) if style == "unix" else (_from_iso, _from_unix_seconds)
    for parser in parsers:
        parsed = parser(value)
        if parsed is not None:
            return parsed
    raise ValueError(f"{value!r} is neither an ISO 8601 date-time nor unix seconds")


def _from_iso(value: Any) -> Optional[datetime]:
    return _iso_text_as_utc(value) if isinstance(value, str) else None


def _iso_text_as_utc(value: str) -> Optional[datetime]:
    """`datetime.fromisoformat` first (a C parser; it reads what the APIs send, in about 0.2 µs: cheaper than
    remembering its answers, as most cursor texts come once), pendulum for the ISO 8601 forms it does not read
    (`2026-03`, ordinal dates such as `2026-064`); both read the other forms alike."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return _other_iso_text_as_utc(value)
    if parsed.tzinfo is timezone.utc:  # `Z` or `+00:00`: already what is asked (`astimezone` would double the cost)
        return parsed
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


@lru_cache(maxsize=OTHER_ISO_PARSES_REMEMBERED)
def _other_iso_text_as_utc(value: str) -> Optional[datetime]:
    """An ISO 8601 form `fromisoformat` does not read, with pendulum (remembered: about 50 times slower, and a
    record's cursor is parsed to check its type, then when the cursor observes it and when Harvest asks whether
    it changed during the read)."""
    try:
        parsed = pendulum.parse(value, exact=True)
    except ValueError:
        return None
    if isinstance(parsed, datetime):
        return parsed.astimezone(timezone.utc)
    if isinstance(parsed, date):
        return datetime(parsed.year, parsed.month, parsed.day, tzinfo=timezone.utc)
    return None  # a bare time or a duration is not a point in time


def _from_unix_seconds(value: Any) -> Optional[datetime]:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return None
    text = str(value).strip()
    if not _UNIX_SECONDS.fullmatch(text):
        return None
    seconds = Decimal(text)  # exact: a float would blur the microseconds of a large timestamp
    whole = int(seconds)
    fraction = timedelta(microseconds=int((seconds - whole) * 1_000_000))
    try:
        return datetime.fromtimestamp(whole, tz=timezone.utc) + fraction
    except (OverflowError, OSError, ValueError):
        return None  # beyond the calendar, e.g. milliseconds sent as seconds


def format_iso(value: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`, keeping sub-seconds only when present."""
    value = value.astimezone(timezone.utc)
    if value.year >= 1000:  # `isoformat` (C) writes the same text, `+00:00` for `Z`, several times faster
        return value.isoformat()[:-6] + "Z"
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_iso_text(value: Any, style: str = "iso8601") -> Optional[str]:
    """`format_iso` of `parse_datetime(value, style)`, None for a missing value. The usual text, already what
    `format_iso` writes (a whole second in UTC), is checked and returned as it came, not parsed and written again."""
    if value.__class__ is str and _FORMATTED_WHOLE_SECOND.fullmatch(value):
        try:
            datetime.fromisoformat(value)  # a real date and time (not `2026-02-30`)
            return value
        except ValueError:
            pass  # not a real one: `parse_datetime` decides (and fails, naming the value)
    parsed = parse_datetime(value, style)
    return format_iso(parsed) if parsed else None  # an empty string is no time


def format_filter(value: datetime, style: str) -> str:
    """The value of an `updated_since`-like parameter: ISO 8601 seconds (floored) or unix seconds."""
    value = value.astimezone(timezone.utc)
    if style == "unix":
        return str(int(value.timestamp()))
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def utc_today() -> date:
    return utc_now().date()


class UpdatedAtCursor:
    """The lower bound of the next read (state) and the highest cursor value seen in this read."""

    def __init__(self, cursor_field: str, start_date: Optional[datetime]) -> None:
        self.cursor_field = cursor_field
        self._start_date = start_date
        self._checkpoint: Optional[datetime] = None
        self._max_seen: Optional[datetime] = None
        self._max_seen_text: Any = None  # the cursor value `_max_seen` was parsed from, as the record holds it
        self._checkpoint_text: tuple[Optional[datetime], str] = (None, "")  # the checkpoint formatted last

    @property
    def state(self) -> MutableMapping[str, Any]:
        # A fresh dict every time: the CDK hands this object to `request_params` as the read's frozen state. The CDK
        # asks for it after every record: the checkpoint is formatted once for each value it takes, and when it is
        # the highest value seen (a new one with almost every record of a list sorted by the cursor), from the
        # record's own text, which `utc_iso_text` returns as it is when it is already the state's.
        if not self._checkpoint:
            return {}
        if self._checkpoint_text[0] is not self._checkpoint:
            text = (utc_iso_text(self._max_seen_text) if self._checkpoint is self._max_seen
                    else format_iso(self._checkpoint))
            self._checkpoint_text = (self._checkpoint, text)
        return {self.cursor_field: self._checkpoint_text[1]}

    @state.setter
    def state(self, value: Mapping[str, Any]) -> None:
        self._checkpoint = parse_datetime((value or {}).get(self.cursor_field))

    def lower_bound(self, stream_state: Optional[Mapping[str, Any]]) -> Optional[datetime]:
        """The filter of a read: its frozen state's cursor, or `start_date` on a first sync."""
        from_state = parse_datetime((stream_state or {}).get(self.cursor_field))
        candidates = [value for value in (from_state, self._start_date) if value is not None]
        return max(candidates) if candidates else None

    def observe(self, record: Mapping[str, Any]) -> None:
        text = record.get(self.cursor_field)
        value = parse_datetime(text)
        if value is not None and (self._max_seen is None or value > self._max_seen):
            self._max_seen, self._max_seen_text = value, text
            self._on_new_max(value)

    def open_read(self) -> None:
        """Hook: a read begins (`TimeTrackingStream.start_read`)."""

    def close_read(self) -> None:
        """Hook: a read has finished, every page read (`TimeTrackingStream.finish_read`)."""

    def _on_new_max(self, value: datetime) -> None:
        """Hook: what a new highest value does to the checkpoint."""

    def _advance(self, value: Optional[datetime]) -> None:
        if value is not None and (self._checkpoint is None or value > self._checkpoint):
            self._checkpoint = value


class PerPageCursor(UpdatedAtCursor):
    """Checkpoint = the highest value emitted; safe at any page boundary when the API sorts by the cursor.

    `hold_at` caps the checkpoint for the rest of a read: after an offset shift (rows moved between two
    pages) rows after the cap may have been paged over, and the next sync must read them again.
    """

    def __init__(self, cursor_field: str, start_date: Optional[datetime]) -> None:
        super().__init__(cursor_field, start_date)
        self._hold: Optional[datetime] = None

    def open_read(self) -> None:
        self._max_seen = None
        self._hold = None

    def hold_at(self, value: datetime) -> None:
        if self._hold is None or value < self._hold:
            self._hold = value

    def _on_new_max(self, value: datetime) -> None:
        self._advance(value if self._hold is None else min(value, self._hold))


class EndOfReadCursor(UpdatedAtCursor):
    """Checkpoint moves only in `close_read`, to min(highest value seen, read start - skew allowance)."""

    def __init__(self, cursor_field: str, start_date: Optional[datetime]) -> None:
        super().__init__(cursor_field, start_date)
        self._read_started_at: Optional[datetime] = None
        self._held = False

    def open_read(self) -> None:
        self._read_started_at = utc_now()
        self._max_seen = None
        self._held = False

    def changed_during_read(self, record: Mapping[str, Any]) -> bool:
        """The record was updated after this read began (minus the skew allowance)."""
        value = parse_datetime(record.get(self.cursor_field))
        started = self._read_started_at
        return value is not None and started is not None and value >= started - CLOCK_SKEW_ALLOWANCE

    def hold(self) -> None:
        """Rows may have been paged over in this read: `close_read` leaves the state where it was."""
        self._held = True

    def close_read(self) -> None:
        if self._max_seen is None or self._read_started_at is None or self._held:
            return
        self._advance(min(self._max_seen, self._read_started_at - CLOCK_SKEW_ALLOWANCE))


class WorkDateCursor(UpdatedAtCursor):
    """A cursor on the work date, for an API that cannot filter by modification (Clockify).

    State is the latest work date read (`YYYY-MM-DD`); each read starts `window_days` before it, so edits
    and deletes of entries in that window are read again (older ones only by a full refresh), and no sync
    reads the whole history twice. The state moves only when a read has finished: lists are not sorted
    by work date across users.
    """

    def __init__(self, cursor_field: str, start_date: Optional[datetime], window_days: int) -> None:
        super().__init__(cursor_field, start_date)
        self._window = timedelta(days=window_days)

    @property
    def state(self) -> MutableMapping[str, Any]:
        return {self.cursor_field: self._checkpoint.date().isoformat()} if self._checkpoint else {}

    @state.setter
    def state(self, value: Mapping[str, Any]) -> None:
        self._checkpoint = parse_datetime((value or {}).get(self.cursor_field))

    def lower_bound(self, stream_state: Optional[Mapping[str, Any]]) -> Optional[datetime]:
        latest = parse_datetime((stream_state or {}).get(self.cursor_field))
        # By date, at midnight UTC (pendulum's arithmetic would drop a stdlib time zone).
        from_state = (datetime.combine(latest.date() - self._window, datetime.min.time(), timezone.utc)
                      if latest is not None else None)
        candidates = [value for value in (from_state, self._start_date) if value is not None]
        return max(candidates) if candidates else None

    def open_read(self) -> None:
        self._max_seen = None

    def close_read(self) -> None:
        self._advance(self._max_seen)
