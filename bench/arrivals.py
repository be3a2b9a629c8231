"""When a measured program's records reach the bench, and the steady rate that can honestly be read from it.

A CDK source does not write a record when it makes it: its `PrintBuffer` holds stdout and flushes it at the
first write 0.1 s after the last flush, so its records arrive in deliveries, one every 0.1 s (the parse-only
limit's arrive in 8 KiB blocks, page by page). The steady span therefore starts after the first delivery:
the records that arrive with the first one were made before the span began (they are counted in the start),
and a record arriving later was made later. The span ends at the last record (a CDK source flushes as it
ends). It gives a rate only when it is long and spread enough that no delivery weighs much in it: at least
`MIN_SPAN_SECONDS`, and no wait between two arrivals longer than `MAX_WAIT_SHARE` of it, so at least five
deliveries (half a second of a CDK source's records); otherwise the rate is not given, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

RECORD_PREFIX = b'{"type":"RECORD"'
MIN_SPAN_SECONDS = 0.25
MAX_WAIT_SHARE = 0.2
# Reads this close together are one delivery: the pieces of one write that a pipe passes on as it drains.
SAME_DELIVERY_SECONDS = 0.002


@dataclass(frozen=True)
class Steady:
    """The steady span of one run: the records after the first delivery, the seconds from that delivery to
    the last record, and the longest wait between two arrivals in it."""

    records: int = 0
    seconds: float = 0.0
    longest_wait: float = 0.0

    @property
    def measurable(self) -> bool:
        return (self.records > 0 and self.seconds >= MIN_SPAN_SECONDS
                and self.longest_wait <= MAX_WAIT_SHARE * self.seconds)

    @property
    def per_second(self) -> Optional[float]:
        """Records/s over the span, or None when the span is too short or comes in too few deliveries."""
        return self.records / self.seconds if self.measurable else None

    def why_not(self) -> str:
        """Why `per_second` is None, in a few words (the span and its longest wait)."""
        if not self.records:
            return "no record after the first delivery"
        return f"{self.seconds:.2f} s, wait {self.longest_wait:.2f} s"


class Arrivals:
    """Fed each read of a program's stdout as it arrives (`add`), counts its RECORD lines and times them.

    `full`: the read filled the pipe, so the writer was still in the middle of a write (the same delivery
    goes on, however late the next read comes)."""

    def __init__(self):
        self.records = 0
        self.first_record = 0.0  # when the first RECORD line arrived
        self._partial = b""  # the start of a line whose end has not arrived yet
        self._first_delivery_open = False
        self._span_start = self._last = 0.0  # the end of the first delivery; the last record's arrival
        self._span_records = 0
        self._longest_wait = 0.0
        self._previous_read = 0.0
        self._previous_full = False

    def add(self, data: bytes, at: float, full: bool = False) -> None:
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        records = sum(line.startswith(RECORD_PREFIX) for line in lines)
        same_delivery = self._previous_full or at - self._previous_read <= SAME_DELIVERY_SECONDS
        self._previous_read, self._previous_full = at, full
        if self._first_delivery_open and not same_delivery:
            self._first_delivery_open = False
        if records and not self.records:
            self.first_record, self._first_delivery_open = at, True
        if self._first_delivery_open:
            self._span_start = at
        elif records:
            self._longest_wait = max(self._longest_wait, at - (self._last or self._span_start))
            self._last = at
            self._span_records += records
        self.records += records

    def finish(self) -> None:
        """The end of the output: a last line without its newline still counts."""
        if self._partial:
            self.add(b"\n", self._previous_read, self._previous_full)

    @property
    def steady(self) -> Steady:
        if not self._span_records:
            return Steady()
        return Steady(self._span_records, self._last - self._span_start, self._longest_wait)
