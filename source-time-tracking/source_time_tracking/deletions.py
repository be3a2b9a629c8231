"""`deleted_time_entries`: tombstones for time entries that vanished, found by re-reading a window.

Neither API reports deletes (Harvest hard-deletes; a deleted entry never shows up under `updated_since`).
So every sync re-reads the time entries whose work date lies in the last `deletion_window_days` days
(`from`/`to` on the work date) and compares their ids with the ids the previous sync saw in that window.

- Where the seen ids live: in this stream's own state, per work date, each date's ids sorted and
  zlib-compressed (base64; integer ids as gaps between them, hex ids as their bytes), and only for dates inside
  the window, so the state stays bounded by the window's size whatever the account's history. While a sync
  compares them, each date's ids are an `IdSet`: integer ids as a sorted array of 64-bit integers (8 bytes an
  id, not a ~60-byte string in a set), lower-case hex ids (Clockify's) at their binary size (12 bytes, in a
  memory map per date, handed back whole when the date is done), other ids packed in one bytes object per
  date, so a window of a million entries, seen before and now, stays within a few tens of MB.
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
import json
import mmap
import time
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Set
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Iterator, List, Mapping, MutableMapping, Optional

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams import CheckpointMixin, Stream

from source_time_tracking.cursors import CLOCK_SKEW_ALLOWANCE, format_iso, parse_datetime, utc_now
from source_time_tracking.streams import TimeTrackingStream

MAX_LOOKUPS = 100  # missing ids confirmed one request each after a shifted re-read; more: compare next sync


MAX_NUMBER_DIGITS = 18  # integer ids up to 18 digits fit a signed 64-bit integer; longer ones are kept as text
MAX_NUMBER = 10**MAX_NUMBER_DIGITS - 1


def _is_number(value: str) -> bool:
    """An id that is a plain non-negative integer written without leading zeros (it round-trips as a number)."""
    return value.isascii() and value.isdigit() and len(value) <= MAX_NUMBER_DIGITS and (value == "0" or not value.startswith("0"))


def _hex_bytes(text: str) -> Optional[bytes]:
    """The bytes a lower-case hex id of even length stands for (12 for Clockify's 24 characters), or None for
    any other id: upper-case hex or an odd length would not come back as written."""
    if not text or len(text) % 2 or not text.isascii():
        return None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    return raw if raw.hex() == text else None  # `fromhex` also takes upper case and spaces


class HexIds:
    """Lower-case hex ids of one length at their binary size (12 bytes a Clockify id), in an anonymous memory map
    of their own, sorted in place (each id once) when the set is next read.

    Not in a heap buffer: a window's dates grow side by side while it is re-read, so their heap buffers ended up
    scattered among the pages' objects, and once freed left holes that the end of the sync (the new state
    serialized, a few MB in one piece) could not reuse, so the peak RSS grew with the window beyond its 12
    bytes an id. A map outgrown or let go is handed back to the system whole.
    """

    __slots__ = ("_width", "_map", "_length", "_sorted")

    def __init__(self, width: int, ordered: bytes | bytearray = b"") -> None:
        self._width = width  # bytes an id
        self._map = mmap.mmap(-1, _pages_for(len(ordered)))
        self._map[:len(ordered)] = ordered
        self._length = len(ordered)  # bytes in use
        self._sorted = True

    def add(self, raw: bytes) -> None:
        end = self._length + len(raw)
        if end > len(self._map):
            self._remap(end + end // 8)
        self._map[self._length:end] = raw
        self._length, self._sorted = end, False

    def _remap(self, size: int) -> None:
        """The ids in use moved to a new map of at least `size` bytes; the old map goes back to the system (a
        copy: `mremap` is Linux's only)."""
        moved = mmap.mmap(-1, _pages_for(size))
        with memoryview(self._map)[:self._length] as in_use:
            moved[:self._length] = in_use
        self._map = moved

    def buffer(self) -> bytes:
        """Every id, sorted and each once, `width` bytes an id (a copy: the map stays this set's)."""
        return self._map[:self._settled()]

    def _settled(self) -> int:
        """Sorts the ids in place if some were added since; the bytes in use."""
        if not self._sorted:
            ordered = b"".join(sorted(set(self._chunks(self._map[:self._length]))))
            self._map[:len(ordered)] = ordered
            self._length, self._sorted = len(ordered), True
            if len(self._map) > _pages_for(self._length):
                self._remap(self._length)  # the growth's slack handed back
        return self._length

    def _chunks(self, buffer: bytes) -> Iterator[bytes]:
        width = self._width
        return (buffer[start:start + width] for start in range(0, len(buffer), width))

    def _item(self, index: int) -> bytes:
        return self._map[index * self._width:(index + 1) * self._width]

    def __len__(self) -> int:
        return self._settled() // self._width

    def __iter__(self) -> Iterator[str]:
        return (raw.hex() for raw in self._chunks(self.buffer()))

    def __contains__(self, raw: bytes) -> bool:
        count = len(self)
        position = bisect_left(range(count), raw, key=self._item)
        return position < count and self._item(position) == raw

    def missing_from(self, other: Optional["HexIds"]) -> Iterator[str]:
        """The ids of this set that `other` lacks, in one walk over both in order."""
        mine = self.buffer()
        theirs = other.buffer() if other is not None else b""
        if mine == theirs:  # a date whose ids did not change
            return
        yield from (raw.hex() for raw in _missing_in_order(self._chunks(mine), self._chunks(theirs)))


def _missing_in_order(mine: Iterable[bytes], theirs: Iterable[bytes]) -> Iterator[bytes]:
    """The items of sorted `mine` that sorted `theirs` lacks, in one walk over both."""
    theirs = iter(theirs)
    other = next(theirs, None)
    for item in mine:
        while other is not None and other < item:
            other = next(theirs, None)
        if other != item:
            yield item


def _pages_for(size: int) -> int:
    """`size` bytes rounded up to whole pages, at least one (a memory map cannot be empty)."""
    return max(1, -(-size // mmap.PAGESIZE)) * mmap.PAGESIZE


class PackedTexts:
    """Distinct strings in one `bytes` (UTF-8), in order, with an array of where each starts, where a set of `str`
    costs ~60 bytes more a string. Added strings wait in one `bytearray` until the set is next read."""

    __slots__ = ("_blob", "_starts", "_added", "_added_ends")

    def __init__(self) -> None:
        self._blob, self._starts = b"", array("I", [0])
        self._added, self._added_ends = bytearray(), array("I")

    def add(self, text: str) -> None:
        self._added += text.encode("utf-8", "surrogatepass")
        self._added_ends.append(len(self._added))

    def _item(self, index: int) -> bytes:
        return self._blob[self._starts[index]:self._starts[index + 1]]

    def _settled(self) -> int:
        """Merges what was added; the number of strings."""
        if self._added_ends:
            added = bytes(self._added)
            parts = {added[start:end] for start, end in zip([0, *self._added_ends], self._added_ends)}
            parts.update(map(self._item, range(len(self._starts) - 1)))
            ordered = sorted(parts)
            self._blob = b"".join(ordered)
            self._starts = array("I", itertools.accumulate(map(len, ordered), initial=0))
            self._added, self._added_ends = bytearray(), array("I")
        return len(self._starts) - 1

    def __len__(self) -> int:
        return self._settled()

    def __iter__(self) -> Iterator[str]:
        for index in range(self._settled()):
            yield self._item(index).decode("utf-8", "surrogatepass")

    def __contains__(self, text: str) -> bool:
        count, wanted = self._settled(), text.encode("utf-8", "surrogatepass")
        position = bisect_left(range(count), wanted, key=self._item)
        return position < count and self._item(position) == wanted

    def missing_from(self, other: "PackedTexts") -> Iterator[str]:
        """The strings of this set that `other` lacks, in one walk over both in order."""
        mine = map(self._item, range(self._settled()))
        theirs = map(other._item, range(other._settled()))
        return (item.decode("utf-8", "surrogatepass") for item in _missing_in_order(mine, theirs))


class IdSet(Set):
    """The ids of one work date, held compactly: ids that are integers (Harvest, Toggl, a generic API's numeric
    ids) in a sorted `array('q')` (8 bytes an id), lower-case hex ids (Clockify's) in `HexIds` by length (12
    bytes an id), any other id in `PackedTexts`. Ids go in and come out as text."""

    __slots__ = ("_numbers", "_sorted", "_hex", "_texts")

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._numbers = array("q")
        self._sorted = True
        self._hex: dict[int, HexIds] = {}
        self._texts = PackedTexts()
        for entry_id in ids:
            self.add(entry_id)

    @classmethod
    def of_sorted_numbers(cls, numbers: array) -> "IdSet":
        ids = cls()
        ids._numbers = numbers
        return ids

    @classmethod
    def of_sorted_hex(cls, width: int, ordered: bytes | bytearray) -> "IdSet":
        """Hex ids of `width` bytes each, as `HexIds.buffer()` gave them."""
        ids = cls()
        ids._hex[width] = HexIds(width, ordered)
        return ids

    def add(self, entry_id: str | int) -> None:
        """One id, as text or as the integer an API sent (the same id either way: 5 is "5")."""
        if type(entry_id) is int and 0 <= entry_id <= MAX_NUMBER:
            self._numbers.append(entry_id)
        elif _is_number(text := str(entry_id)):
            self._numbers.append(int(text))
        elif (raw := _hex_bytes(text)) is not None:
            if len(raw) not in self._hex:
                self._hex[len(raw)] = HexIds(len(raw))
            self._hex[len(raw)].add(raw)
            return
        else:
            self._texts.add(text)
            return
        self._sorted = False

    def numbers(self) -> array:
        """The integer ids, sorted and each once."""
        if not self._sorted:
            self._numbers = array("q", sorted(set(self._numbers)))
            self._sorted = True
        return self._numbers

    def hex_ids(self) -> dict[int, HexIds]:
        """The lower-case hex ids, by their length in bytes."""
        return self._hex

    def texts(self) -> PackedTexts:
        """Every other id."""
        return self._texts

    def __contains__(self, entry_id: object) -> bool:
        if not isinstance(entry_id, str):
            return False
        if _is_number(entry_id):
            numbers, number = self.numbers(), int(entry_id)
            position = bisect_left(numbers, number)
            return position < len(numbers) and numbers[position] == number
        if (raw := _hex_bytes(entry_id)) is not None:
            return len(raw) in self._hex and raw in self._hex[len(raw)]
        return entry_id in self._texts

    def __iter__(self) -> Iterator[str]:
        yield from map(str, self.numbers())
        for hex_ids in self._hex.values():
            yield from hex_ids
        yield from self._texts

    def __len__(self) -> int:
        return len(self.numbers()) + sum(map(len, self._hex.values())) + len(self._texts)

    def missing_from(self, other: "IdSet") -> Iterator[str]:
        """The ids of this set that `other` lacks, compared as numbers where they are numbers."""
        others = other.numbers()
        for number in self.numbers():
            position = bisect_left(others, number)
            if position == len(others) or others[position] != number:
                yield str(number)
        for width, hex_ids in self._hex.items():
            yield from hex_ids.missing_from(other.hex_ids().get(width))
        yield from self._texts.missing_from(other.texts())


def encode_ids(ids: Iterable[str]) -> str:
    """A set of ids as compact text: zlib + base64 of the sorted ids.

    Integer ids (Harvest) are stored as gaps between sorted values (`d` prefix), which compress to a
    fraction of a byte per id; lower-case hex ids of one length alone (Clockify's) as their bytes, sorted,
    column by column (`x` prefix, the length in bytes and a colon: every id's first byte, then every second
    byte...: the bytes sorted ids share, such as an ObjectId's time, compress to next to nothing); any other
    set (`j` prefix) as a sorted JSON array of strings, which gives back every string as it was: a newline or
    a comma inside an id, an empty id, non-ASCII text and lone surrogates (a JSON `\\ud800` escape) included.
    """
    unique = ids if isinstance(ids, IdSet) else IdSet(ids)
    numbers, hex_ids = unique.numbers(), unique.hex_ids()
    if numbers and not hex_ids and not unique.texts():
        gaps = ",".join(str(current - previous) for previous, current in zip([0, *numbers], numbers))
        payload = f"d{gaps}".encode()
    elif len(hex_ids) == 1 and not numbers and not unique.texts():
        [(width, only)] = hex_ids.items()
        ordered = only.buffer()
        payload = f"x{width}:".encode() + b"".join(ordered[column::width] for column in range(width))
    else:
        payload = ("j" + json.dumps(sorted(unique), separators=(",", ":"))).encode()  # ASCII only: surrogates escaped
    return base64.b64encode(zlib.compress(payload, 9)).decode()


def decode_ids(blob: str) -> IdSet:
    """The ids `encode_ids` stored; also the `s` blobs of earlier versions (newline-joined text ids, which
    cannot hold an id with a newline or an empty id: those states were written that way)."""
    payload = zlib.decompress(base64.b64decode(blob))
    if payload.startswith(b"x"):
        width_text, _, columns = payload[1:].partition(b":")
        width = int(width_text)
        count, ordered = len(columns) // width, bytearray(len(columns))
        for column in range(width):
            ordered[column::width] = columns[column * count:(column + 1) * count]
        return IdSet.of_sorted_hex(width, ordered)
    text = payload.decode()
    kind, body = text[:1], text[1:]
    if kind == "j":
        return IdSet(json.loads(body))
    if not body:
        return IdSet()
    if kind == "d":
        return IdSet.of_sorted_numbers(array("q", itertools.accumulate(int(gap) for gap in body.split(","))))
    return IdSet(body.split("\n"))


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
        gone, seen_count = _missing(previous, current)
        if self._entries.pages_shifted:
            confirmed = self._entries.present_ids(gone) if len(gone) <= MAX_LOOKUPS else None
            if confirmed is None:
                self._postpone(window, previous, current)
                return
            for entry_id, work_date in confirmed.items():  # paged over or moved, not deleted: seen where it is now
                del gone[entry_id]
                if work_date in window:
                    current.setdefault(work_date, IdSet()).add(entry_id)
        if gone and self._entries.looks_up_many:  # asked for directly, wherever their work date is now
            for entry_id, work_date in self._entries.present_ids(gone).items():
                del gone[entry_id]
                if work_date in window:
                    current.setdefault(work_date, IdSet()).add(entry_id)
        elif gone:
            for entry_id in self._updated_since(parse_datetime(self._state.get("read_started_at"))):
                gone.pop(entry_id, None)
        deleted_at = format_iso(started_at.replace(microsecond=0))
        for entry_id, work_date in sorted(gone.items(), key=lambda item: (item[1], len(item[0]), item[0])):
            yield {"id": entry_id, "work_date": work_date, "deleted_at": deleted_at}
        current_count = sum(len(ids) for ids in current.values())
        self._state = {
            "window_first_date": window.first,
            "window_last_date": window.last,
            "read_started_at": format_iso(started_at),
            # each date's ids are let go once encoded: the window is not held twice, decoded and encoded
            "seen_ids": {work_date: encode_ids(current.pop(work_date)) for work_date in sorted(current)},
        }
        self.logger.info(
            f"{self.name}: done, window {window.first}..{window.last}: {current_count} entries now, "
            f"{seen_count} seen before, {len(gone)} deleted, "
            f"{time.monotonic() - clock_started:.1f} s"
        )

    def _postpone(self, window: DeletionWindow, previous: dict[str, str], current: dict[str, IdSet]) -> None:
        """Rows moved between the re-read's pages, so an entry may have been paged over, not deleted.

        Report nothing this time: keep every id seen before or now (and the earlier `read_started_at`, so
        the next `updated_since` check still covers this sync), and let the next sync decide.
        """
        kept = {}
        for work_date in sorted({*previous, *current}):  # one date's ids decoded at a time
            if work_date in window:
                seen = decode_ids(previous[work_date]) if work_date in previous else IdSet()
                kept[work_date] = encode_ids(seen | current.get(work_date, IdSet()))
        self._state = {**self._state, "window_first_date": window.first, "window_last_date": window.last,
                       "seen_ids": kept}
        self.logger.warning(
            f"{self.name}: rows moved while the window {window.first}..{window.last} was re-read; "
            "no deletes are reported this sync, the next sync compares again"
        )

    def _seen_before(self, window: DeletionWindow) -> dict[str, str]:
        """Previously seen ids whose work date is still inside this sync's window, as the state holds them
        (`encode_ids`): each date is decoded only when it is compared, so the window's ids seen before are not
        held decoded while it is re-read (a million Clockify ids: 12 MB decoded, 1.7 MB encoded)."""
        seen = self._state.get("seen_ids") or {}
        return {work_date: blob for work_date, blob in seen.items() if work_date in window}

    def _read_window(self, window: DeletionWindow) -> dict[str, IdSet]:
        ids_by_date: dict[str, IdSet] = {}
        self._entries.progress.label = f"{self.name}: re-read of {self._entries.name} {window.first}..{window.last}"
        for record in self._entries.read_records(SyncMode.full_refresh, stream_slice=window.as_slice(), stream_state={}):
            work_date = str(record.get(self._work_date_field) or "")[:10]
            ids = ids_by_date.get(work_date)
            if ids is None:
                ids = ids_by_date[work_date] = IdSet()
            ids.add(record[self._entry_id_field])
        return ids_by_date

    def _updated_since(self, since: Optional[datetime]) -> Iterator[str]:
        """Ids of entries updated since `since`: they exist, wherever their work date is now."""
        if since is None:
            return
        state = {self._entries.cursor_field: format_iso(since - CLOCK_SKEW_ALLOWANCE)}
        self._entries.progress.label = f"{self.name}: {self._entries.name} updated since {state[self._entries.cursor_field]}"
        for record in self._entries.read_records(SyncMode.incremental, stream_slice={}, stream_state=state):
            yield str(record[self._entry_id_field])


def _missing(previous: dict[str, str], current: dict[str, IdSet]) -> tuple[dict[str, str], int]:
    """Ids seen before (`encode_ids` blobs by date) and absent now, each with its earlier work date; and how
    many were seen before. Each id is looked for under its own date first (one date decoded at a time);
    only the ones missing there are then looked for across the whole window (an entry whose work date moved
    inside it), in one pass over the window's ids."""
    empty, missing, seen_count = IdSet(), {}, 0
    for work_date, blob in previous.items():
        ids = decode_ids(blob)
        seen_count += len(ids)
        missing.update((entry_id, work_date) for entry_id in ids.missing_from(current.get(work_date, empty)))
    if missing:
        for ids in current.values():
            for entry_id in ids:
                missing.pop(entry_id, None)
    return missing, seen_count
