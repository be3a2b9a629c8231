"""Keyset paging over a frozen window: where a pass stands, the filter that continues after it, and the guards.

A pass is ordered by `(order field, primary key)`; each page asks, inside the window, for the rows after the
last key read — `order > last OR (order = last AND key > last key)` — at offset 0. Rows edited, inserted or
deleted meanwhile can then neither shift a later row onto a page already read (as offsets did) nor be read
out of order: a row that stays in the window keeps its place in the order, and the next page starts after
the last row actually read.

Keys are compared as the gateway sorts them: timestamps as instants, integer record numbers as numbers, and
string record numbers (GLDETAIL's `"<batch>-<line>-<n>--accrual"`) as plain strings. This assumes the
gateway's `greaterthan` on a string field uses the collation of its `orderby` (true of any SQL database);
the client-side guard below compares them by code point, which agrees with every collation on the digits,
dashes and lower-case letters GLDETAIL record numbers are made of.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Optional, Tuple

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from lxml import etree

from source_sage_gl import xml_envelope as xml
from source_sage_gl.config import parse_utc


@dataclass(frozen=True)
class Position:
    """The last row a pass has read: its order-field value (UTC ISO text) and its primary key."""

    order_value: str
    key: Any

    def sort_key(self) -> Tuple[datetime, Any]:
        return parse_utc(self.order_value, what="A keyset position"), self.key

    def as_state(self, query_pass: str) -> Mapping[str, Any]:
        return {"pass": query_pass, "cursor": self.order_value, "key": self.key}

    @classmethod
    def from_state(cls, saved: Optional[Mapping[str, Any]], query_pass: str) -> Optional["Position"]:
        """The position a saved state holds for `query_pass` (None for states without one, as 0.1.x saved)."""
        if not isinstance(saved, Mapping) or saved.get("pass") != query_pass:
            return None
        if saved.get("cursor") is None or saved.get("key") is None:
            return None
        return cls(str(saved["cursor"]), saved["key"])


def after(position: Position, order_field: str, key_field: str, to_wire) -> etree._Element:
    """`order > last OR (order = last AND key > last key)`; `to_wire` renders the UTC value for the gateway."""
    value = to_wire(parse_utc(position.order_value, what="A keyset position"))
    return xml.any_of(
        xml.compare("greaterthan", order_field, value),
        xml.all_of(xml.compare("equalto", order_field, value), xml.compare("greaterthan", key_field, str(position.key))),
    )


class NoProgress(AirbyteTracedException):
    """The gateway answered a page that does not move past the rows already read."""


class PastTheTotal(AirbyteTracedException):
    """The gateway keeps sending rows far past the total it announced for the pass."""


@dataclass
class PassProgress:
    """One pass of one stream: the loop guard and the progress lines."""

    stream: str
    object_name: str
    query_pass: str
    order_field: str
    key_field: str
    position: Optional[Position]
    logger: logging.Logger
    page_size: int
    pages: int = 0
    rows: int = 0
    announced: Optional[int] = None  # the `totalcount` of the pass's first page

    def accept(self, records: list, num_remaining: int, total_count: int,
               rows_before_in_stream: int) -> Optional[Position]:
        """Check that the page's keys rise strictly past the last row read and that the pass stays within the
        total it announced; log the page; return its last key."""
        self.pages += 1
        self._check_total(len(records), num_remaining, total_count)
        previous = self.position.sort_key() if self.position else None
        for record in records:
            position = self.position_of(record)
            current = position.sort_key()
            if previous is not None and not current > previous:
                raise NoProgress(
                    message=(f"Sage Intacct returned {self.object_name} rows that do not move past the rows already "
                             f"read (page {self.pages} of the {self.query_pass} pass of {self.stream}: "
                             f"{self.key_field} {position.key} at {self.order_field} {position.order_value} after "
                             f"{self.key_field} {self.position.key} at {self.position.order_value}); stopping the "
                             f"stream instead of reading the same rows again."),
                    failure_type=FailureType.system_error)
            previous, self.position = current, position
        self.rows += len(records)
        remaining = f", {num_remaining} still to read" if num_remaining > 0 else ""
        self.logger.info(f"{self.stream}: {self.query_pass} pass, page {self.pages}: {len(records)} rows, "
                         f"{self.rows} rows of this pass so far{remaining}; "
                         f"{rows_before_in_stream + len(records)} rows of the stream so far.")
        return self.position

    def rows_allowed(self) -> int:
        """The most rows the pass can hold: those its first page announced, each once more (a row edited during
        the read moves to the end of the order and is read again; keyset pages never shift), and one page."""
        return 2 * self.announced + self.page_size

    def _check_total(self, page_rows: int, num_remaining: int, total_count: int) -> None:
        """A gateway that keeps sending full pages and saying more remain would otherwise be read for ever."""
        if self.announced is None:
            self.announced = total_count
        if self.rows + page_rows > self.rows_allowed():
            raise PastTheTotal(
                message=(f"Sage Intacct keeps sending {self.object_name} rows past the total it announced: page "
                         f"{self.pages} of the {self.query_pass} pass of {self.stream} brings the pass to "
                         f"{self.rows + page_rows} rows, but its first page announced {self.announced} rows "
                         f"(at most {self.rows_allowed()} can come, counting rows edited during the read twice), "
                         f"and the gateway still says {num_remaining} remain; stopping the stream instead of "
                         f"reading on."),
                failure_type=FailureType.system_error)

    def position_of(self, record: Mapping[str, Any]) -> Position:
        order_value, key = record.get(self.order_field), record.get(self.key_field)
        if order_value is None or key is None:
            raise AirbyteTracedException(
                message=(f"Sage Intacct returned a {self.object_name} row without {self.order_field} or "
                         f"{self.key_field} ({self.key_field} {key!r}) to the {self.query_pass} pass of "
                         f"{self.stream}, whose filter requires both."),
                failure_type=FailureType.system_error)
        return Position(str(order_value), key)


@dataclass
class StreamProgress:
    """A stream's totals, for the one-line summary at its end."""

    stream: str
    logger: logging.Logger
    started: float = field(default_factory=lambda: time.monotonic())
    passes: list = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(progress.rows for progress in self.passes)

    def summary(self) -> None:
        pages = sum(progress.pages for progress in self.passes)
        per_pass = ", ".join(f"{p.query_pass} pass {p.rows} rows in {p.pages} pages" for p in self.passes)
        self.logger.info(f"{self.stream}: done, {self.rows} rows in {pages} pages ({per_pass}) "
                         f"in {time.monotonic() - self.started:.1f} s.")
