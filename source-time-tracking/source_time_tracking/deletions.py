"""`deleted_time_entries`: tombstones for time entries that vanished, found by re-reading a window.

Neither API reports deletes (Harvest hard-deletes; a deleted entry never shows up under `updated_since`).
So every sync re-reads the time entries whose work date lies in the last `deletion_window_days` days
(`from`/`to` on the work date) and compares their ids with the ids the previous sync saw in that window.

- Where the seen ids live: in this stream's own state, per work date, each date's ids sorted and
  zlib-compressed (base64; integer ids as gaps between them), and only for dates inside the window, so the state stays bounded by the
  window's size whatever the account's history.
- Safety: the window's ids are compared only once the re-read has completed (a failed page raises before
  anything is compared or the state moves). An id that is gone from the window but was updated since the
  previous re-read started (e.g. its work date moved out of the window) is checked with one
  `updated_since` read and is not reported; where the API looks many entries up in one request (Toggl's
  `time_entry_ids`), the gone ids are asked for instead, over every work date. When rows moved while the window was paged (`pages_shifted`),
  a missing id may only have been paged over: where the API can look one entry up (Harvest), each missing
  id is asked for (at most `MAX_LOOKUPS`; a 404 is a delete); otherwise nothing is reported and the next
  sync compares again.
- A first sync (no seen ids yet) reports nothing and records what it saw.
"""

from __future__ import annotations

import base64
import itertools
import time
import zlib
from datetime import date, datetime, timedelta
from typing import Any, Iterable, List, Mapping, MutableMapping, Optional

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams import CheckpointMixin, Stream

from source_time_tracking.cursors import CLOCK_SKEW_ALLOWANCE, format_iso, parse_datetime, utc_now
from source_time_tracking.streams import TimeTrackingStream

MAX_LOOKUPS = 100  # missing ids confirmed one request each after a shifted re-read; more: compare next sync


def _is_integer_text(value: str) -> bool:
    return value.isdigit() and (value == "0" or not value.startswith("0"))


def encode_ids(ids: Iterable[str]) -> str:
    """A set of ids as compact text: zlib + base64 of the sorted ids.

    Integer ids (Harvest) are stored as gaps between sorted values (`d` prefix), which compress to a
    fraction of a byte per id; other ids (`s` prefix) as sorted, newline-joined strings.
    """
    unique = set(ids)
    if unique and all(_is_integer_text(value) for value in unique):
        numbers = sorted(int(value) for value in unique)
        text = "d" + ",".join(str(current - previous) for previous, current in zip([0, *numbers], numbers))
    else:
        text = "s" + "\n".join(sorted(unique))
    return base64.b64encode(zlib.compress(text.encode(), 9)).decode()


def decode_ids(blob: str) -> set[str]:
    text = zlib.decompress(base64.b64decode(blob)).decode()
    kind, body = text[:1], text[1:]
    if not body:
        return set()
    if kind == "d":
        return {str(value) for value in itertools.accumulate(int(gap) for gap in body.split(","))}
    return set(body.split("\n"))


class DeletionWindow:
    """The work dates re-read by a sync: [today - days, today], as ISO dates."""

    def __init__(self, days: int, today: date) -> None:
        self.first = (today - timedelta(days=days)).isoformat()
        self.last = today.isoformat()

    def __contains__(self, work_date: str) -> bool:
        return self.first <= work_date <= self.last

    def as_slice(self) -> dict[str, str]:
        return {"work_date_from": self.first, "work_date_to": self.last}


class DeletedTimeEntries(Stream, CheckpointMixin):
    """Emits `{"id", "work_date", "deleted_at"}` for each entry seen before in the window and gone now."""

    name = "deleted_time_entries"
    primary_key = "id"
    cursor_field = "deleted_at"

    def __init__(
        self,
        entries: TimeTrackingStream,
        work_date_field: str,
        entry_id_field: str,
        window_days: int,
    ) -> None:
        self._entries = entries  # a stream of its own: reading it here never touches `time_entries` state
        self._work_date_field = work_date_field
        self._entry_id_field = entry_id_field
        self._window_days = window_days
        self._state: dict[str, Any] = {}

    def ends_the_run(self) -> bool:
        return self._entries.ends_the_run()

    @property
    def state(self) -> MutableMapping[str, Any]:
        return dict(self._state)

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state = dict(value or {})

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: Optional[List[str]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        started_at, clock_started = utc_now(), time.monotonic()
        window = DeletionWindow(self._window_days, started_at.date())
        previous = self._seen_before(window)
        current = self._read_window(window)  # complete, or it raised: nothing below runs on a partial read
        present = set().union(*current.values()) if current else set()
        gone = {entry_id: work_date for work_date, ids in previous.items() for entry_id in ids - present}
        if self._entries.pages_shifted:
            confirmed = self._entries.present_ids(gone) if len(gone) <= MAX_LOOKUPS else None
            if confirmed is None:
                self._postpone(window, previous, current)
                return
            for entry_id, work_date in confirmed.items():  # paged over or moved, not deleted: seen where it is now
                del gone[entry_id]
                if work_date in window:
                    current.setdefault(work_date, set()).add(entry_id)
        if gone and self._entries.looks_up_many:  # asked for directly, wherever their work date is now
            for entry_id, work_date in self._entries.present_ids(gone).items():
                del gone[entry_id]
                if work_date in window:
                    current.setdefault(work_date, set()).add(entry_id)
        elif gone:
            for entry_id in self._updated_since(parse_datetime(self._state.get("read_started_at"))):
                gone.pop(entry_id, None)
        deleted_at = format_iso(started_at.replace(microsecond=0))
        for entry_id, work_date in sorted(gone.items(), key=lambda item: (item[1], len(item[0]), item[0])):
            yield {"id": entry_id, "work_date": work_date, "deleted_at": deleted_at}
        self._state = {
            "window_first_date": window.first,
            "window_last_date": window.last,
            "read_started_at": format_iso(started_at),
            "seen_ids": {work_date: encode_ids(ids) for work_date, ids in sorted(current.items())},
        }
        self.logger.info(
            f"{self.name}: done, window {window.first}..{window.last}: {len(present)} entries now, "
            f"{sum(len(ids) for ids in previous.values())} seen before, {len(gone)} deleted, "
            f"{time.monotonic() - clock_started:.1f} s"
        )

    def _postpone(self, window: DeletionWindow, previous: dict[str, set[str]], current: dict[str, set[str]]) -> None:
        """Rows moved between the re-read's pages, so an entry may have been paged over, not deleted.

        Report nothing this time: keep every id seen before or now (and the earlier `read_started_at`, so
        the next `updated_since` check still covers this sync), and let the next sync decide.
        """
        kept = {date_: previous.get(date_, set()) | current.get(date_, set()) for date_ in {*previous, *current}}
        self._state = {
            **self._state,
            "window_first_date": window.first,
            "window_last_date": window.last,
            "seen_ids": {work_date: encode_ids(ids) for work_date, ids in sorted(kept.items()) if work_date in window},
        }
        self.logger.warning(
            f"{self.name}: rows moved while the window {window.first}..{window.last} was re-read; "
            "no deletes are reported this sync, the next sync compares again"
        )

    def _seen_before(self, window: DeletionWindow) -> dict[str, set[str]]:
        """Previously seen ids whose work date is still inside this sync's window."""
        seen = self._state.get("seen_ids") or {}
        return {work_date: decode_ids(blob) for work_date, blob in seen.items() if work_date in window}

    def _read_window(self, window: DeletionWindow) -> dict[str, set[str]]:
        ids_by_date: dict[str, set[str]] = {}
        self._entries.progress.label = f"{self.name}: re-read of {self._entries.name} {window.first}..{window.last}"
        for record in self._entries.read_records(SyncMode.full_refresh, stream_slice=window.as_slice(), stream_state={}):
            work_date = str(record.get(self._work_date_field) or "")[:10]
            ids_by_date.setdefault(work_date, set()).add(str(record[self._entry_id_field]))
        return ids_by_date

    def _updated_since(self, since: Optional[datetime]) -> set[str]:
        """Ids of entries updated since `since`: they exist, wherever their work date is now."""
        if since is None:
            return set()
        state = {self._entries.cursor_field: format_iso(since - CLOCK_SKEW_ALLOWANCE)}
        self._entries.progress.label = f"{self.name}: {self._entries.name} updated since {state[self._entries.cursor_field]}"
        return {
            str(record[self._entry_id_field])
            for record in self._entries.read_records(SyncMode.incremental, stream_slice={}, stream_state=state)
        }
