"""The signed-in user's date and time formats, as `readUserFormatting` reports them, written and read exactly.

Intacct writes every date and timestamp, and reads every filter value, in the formats of the Web Services
user (README, "Date and time formats"). `dateformat` is a separator (``/``, ``-``, ``.`` or a space)
followed by the order of month ``m``, day ``d`` and year (``Y``: four digits, ``y``: two), e.g. ``/mdY`` =
MM/DD/YYYY, ``-dmY`` = DD-MM-YYYY, ``.Ymd`` = YYYY.MM.DD; `clock` is ``24`` (``20:41:21``) or ``12``
(``08:41:21 PM``). Two-digit years are refused: ``31.12.26`` could be 1926 or 2026, and a row dated in
the wrong century is a silently wrong row.

A value that does not have exactly the user's format is an error, never a guess: in ``/dmY``,
``12/25/2026`` is not a date (there is no month 25) rather than Christmas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property

SEPARATORS = ("/", "-", ".", " ")
ORDERS = ("mdY", "dmY", "Ymd")
TWO_DIGIT_YEAR_ORDERS = ("mdy", "dmy", "ymd")
CLOCKS = ("12", "24")
_PART_PATTERNS = {"m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})", "Y": r"(?P<Y>\d{4})"}
_PART_NAMES = {"m": "MM", "d": "DD", "Y": "YYYY", "y": "YY"}
_TIME_PATTERNS = {
    "24": r"(?P<H>\d{1,2}):(?P<M>\d{2}):(?P<S>\d{2})",
    "12": r"(?P<H>\d{1,2}):(?P<M>\d{2}):(?P<S>\d{2}) (?P<p>[AaPp][Mm])",
}


class UnsupportedFormat(ValueError):
    """A `dateformat` or `clock` this connector cannot read without guessing."""


def _describe(code: str) -> str:
    """``-dmY`` → ``DD-MM-YYYY`` (the code itself when it is not a date format at all)."""
    if len(code) == 4 and code[0] in SEPARATORS and all(part in _PART_NAMES for part in code[1:]):
        return code[0].join(_PART_NAMES[part] for part in code[1:])
    return code


@dataclass(frozen=True)
class UserFormats:
    """The user's date format and clock: how dates and timestamps are written and read on the wire."""

    dateformat: str = "/mdY"
    clock: str = "24"

    def __post_init__(self):
        code = self.dateformat
        if len(code) == 4 and code[0] in SEPARATORS and code[1:] in TWO_DIGIT_YEAR_ORDERS:
            raise UnsupportedFormat(
                f"the date format '{code}' ({_describe(code)}) writes two-digit years, which cannot be "
                f"read without guessing the century; choose a date format with a four-digit year")
        if len(code) != 4 or code[0] not in SEPARATORS or code[1:] not in ORDERS:
            raise UnsupportedFormat(
                f"the date format '{code}' is not one Sage Intacct offers (a separator / - . or space followed by "
                f"{', '.join(ORDERS)})")
        if self.clock not in CLOCKS:
            raise UnsupportedFormat(f"the clock '{self.clock}' is neither 12 nor 24")

    @cached_property
    def _date_pattern(self) -> str:
        return re.escape(self.dateformat[0]).join(_PART_PATTERNS[part] for part in self.dateformat[1:])

    @cached_property
    def _date(self) -> re.Pattern:
        return re.compile(self._date_pattern, re.ASCII)

    @cached_property
    def _timestamp(self) -> re.Pattern:
        return re.compile(f"{self._date_pattern}(?: {_TIME_PATTERNS[self.clock]})?", re.ASCII)

    @property
    def description(self) -> str:
        """E.g. ``DD-MM-YYYY hh:MM:SS AM/PM``."""
        return f"{_describe(self.dateformat)} {'HH:MM:SS' if self.clock == '24' else 'hh:MM:SS AM/PM'}"

    # ------------------------------------------------------------ writing

    def date_text(self, day: date) -> str:
        parts = {"m": f"{day.month:02d}", "d": f"{day.day:02d}", "Y": f"{day.year:04d}"}
        return self.dateformat[0].join(parts[part] for part in self.dateformat[1:])

    def timestamp_text(self, local: datetime) -> str:
        if self.clock == "24":
            clock_time = f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
        else:
            clock_time = f"{local.hour % 12 or 12:02d}:{local.minute:02d}:{local.second:02d} " \
                         f"{'AM' if local.hour < 12 else 'PM'}"
        return f"{self.date_text(local.date())} {clock_time}"

    # ------------------------------------------------------------ reading (ValueError when the text does not fit)

    def read_date(self, text: str) -> date:
        match = self._date.fullmatch(text)
        if not match:
            raise ValueError(f"'{text}' is not a date in the user's format {_describe(self.dateformat)}")
        return _date_of(match, text, self.dateformat)

    def read_timestamp(self, text: str) -> datetime:
        """A naive user-time timestamp; a date alone means its midnight."""
        match = self._timestamp.fullmatch(text)
        if not match:
            raise ValueError(f"'{text}' is not a timestamp in the user's format {self.description}")
        year, month, day_of_month, hour, minute, second = match.group("Y", "m", "d", "H", "M", "S")
        if hour is not None and self.clock == "24":
            try:  # the usual case, one constructor; a value it refuses gets its precise message below
                return datetime(int(year), int(month), int(day_of_month), int(hour), int(minute), int(second))
            except ValueError:
                pass
        day = _date_of(match, text, self.dateformat)
        if hour is None:
            return datetime.combine(day, time())
        hour, minute, second = int(hour), int(minute), int(second)
        if self.clock == "12":
            if not 1 <= hour <= 12:
                raise ValueError(f"'{text}' has the hour {hour}, which a 12-hour clock does not have")
            hour = hour % 12 + (12 if match.group("p").upper() == "PM" else 0)
        try:
            return datetime.combine(day, time(hour, minute, second))
        except ValueError:
            raise ValueError(f"'{text}' is not a time of day") from None


def _date_of(match: re.Match, text: str, code: str) -> date:
    try:
        return date(int(match.group("Y")), int(match.group("m")), int(match.group("d")))
    except ValueError:
        raise ValueError(f"'{text}' is not a calendar date in the user's format {_describe(code)}") from None
