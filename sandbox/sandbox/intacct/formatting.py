"""The sandbox user's formatting, and the wire form of stored values.

Intacct renders every value as a string and every date and timestamp without a time zone, in the
formats and the time zone of the signed-in user, which `readUserFormatting` reports: `dateformat` is a
separator (``/ - .`` or a space) followed by the order of month ``m``, day ``d`` and year (``Y`` four
digits, ``y`` two), e.g. ``/mdY`` = MM/DD/YYYY, ``-dmY`` = DD-MM-YYYY, ``.ymd`` = YY.MM.DD; `clock` is
``24`` (``HH:MM:SS``) or ``12`` (``hh:MM:SS AM``); `gmtoffset` is ``±hh:mm`` (developer.intacct.com/api/
company-console/users, "List User Date and Time Formatting Preferences"; the 24 date formats and the two
clocks are those of Intacct's user preferences, see the sandbox README).

The default user is a Pacific user on a fixed UTC-8 offset with ``/mdY`` and a 24-hour clock, so a client
that ignores `gmtoffset` is off by eight hours. Filter values are read strictly in the user's formats: a
value in any other format is an invalid value (a query error), never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable

from sandbox.schema import ColumnType

LOCALE = "en_US"
SEPARATORS = ("/", "-", ".", " ")
ORDERS = ("mdY", "dmY", "Ymd", "mdy", "dmy", "ymd")  # Intacct offers these three orders, each with YY or YYYY
CLOCKS = ("12", "24")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_TIME_24 = re.compile(r"^(\d{2}):(\d{2}):(\d{2})$")
_TIME_12 = re.compile(r"^(\d{2}):(\d{2}):(\d{2}) (AM|PM)$")


def utc_from_storage(stored: str) -> datetime:
    """A stored timestamp (``YYYY-MM-DDTHH:MM:SSZ``) as an aware UTC datetime."""
    return datetime.fromisoformat(stored.removesuffix("Z")).replace(tzinfo=timezone.utc)


def storage_from_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_offset(text: str) -> timezone:
    match = _OFFSET.match(text.strip()) if isinstance(text, str) else None
    if not match or int(match.group(3)) >= 60 or int(match.group(2)) > 14:
        raise ValueError(f"a gmtoffset must be '+hh:mm' or '-hh:mm' (at most 14 hours), got {text!r}")
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


@dataclass(frozen=True)
class UserFormatting:
    """What `readUserFormatting` answers, and how values are written and read in it."""

    dateformat: str = "/mdY"
    clock: str = "24"
    offset: timezone = timezone(timedelta(hours=-8))

    @classmethod
    def from_settings(cls, dateformat: str | None = None, clock: str | int | None = None,
                      gmtoffset: str | None = None) -> "UserFormatting":
        """The formatting the settings describe (None: the default's); raises ValueError naming a bad one."""
        default = cls()
        dateformat = default.dateformat if dateformat is None else dateformat
        if not isinstance(dateformat, str) or len(dateformat) != 4 \
                or dateformat[0] not in SEPARATORS or dateformat[1:] not in ORDERS:
            raise ValueError(f"a dateformat is a separator ({' '.join(repr(s) for s in SEPARATORS)}) followed by "
                             f"one of {', '.join(ORDERS)}, e.g. '/mdY' or '-dmY'; got {dateformat!r}")
        clock = default.clock if clock is None else str(clock)
        if clock not in CLOCKS:
            raise ValueError(f"a clock is '12' or '24', got {clock!r}")
        offset = default.offset if gmtoffset is None else _parse_offset(gmtoffset)
        return cls(dateformat, clock, offset)

    @property
    def gmtoffset(self) -> str:
        """The offset as `readUserFormatting` reports it, e.g. ``-08:00`` (parses with ``%z``)."""
        return datetime(2026, 1, 1, tzinfo=self.offset).isoformat()[-6:]

    def settings(self) -> dict:
        return {"intacct_dateformat": self.dateformat, "intacct_clock": self.clock,
                "intacct_gmtoffset": self.gmtoffset}

    def iso_local(self, moment: datetime) -> str:
        """A UTC moment as the session timestamps show it: ISO 8601 with the user's offset."""
        return moment.astimezone(self.offset).replace(microsecond=0).isoformat()

    # -- writing -------------------------------------------------------------------------------------------
    def date_text(self, day: date) -> str:
        parts = {"m": f"{day.month:02d}", "d": f"{day.day:02d}", "Y": f"{day.year:04d}", "y": f"{day.year % 100:02d}"}
        return self.dateformat[0].join(parts[part] for part in self.dateformat[1:])

    def time_text(self, local: datetime) -> str:
        if self.clock == "24":
            return f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
        hour = local.hour % 12 or 12
        return f"{hour:02d}:{local.minute:02d}:{local.second:02d} {'AM' if local.hour < 12 else 'PM'}"

    def converter(self, column_type: ColumnType) -> Callable[[object], str]:
        """How a stored (non-NULL) value of a column type is written on the wire; NULL is written as ""."""
        if column_type == "timestamp":
            return lambda stored: _timestamp(self, stored)
        if column_type == "date":
            return lambda stored: _date(self, stored)
        if column_type == "boolean":
            return _boolean
        return str

    # -- reading -------------------------------------------------------------------------------------------
    def parse_date(self, text: str) -> date:
        """A date in exactly the user's format (one- or two-digit month and day); ValueError otherwise."""
        separator, order = self.dateformat[0], self.dateformat[1:]
        parts = text.split(separator)
        if len(parts) != 3 or not all(part.isdigit() for part in parts):
            raise ValueError(f"{text!r} is not a date in the format {self.dateformat}")
        values = dict(zip(order, parts))
        if "Y" in values:
            if len(values["Y"]) != 4:
                raise ValueError(f"{text!r} is not a date in the format {self.dateformat}")
            year = int(values["Y"])
        else:
            if len(values["y"]) != 2:
                raise ValueError(f"{text!r} is not a date in the format {self.dateformat}")
            year = 2000 + int(values["y"])  # the sandbox's company lives in this century
        if len(values["m"]) > 2 or len(values["d"]) > 2:
            raise ValueError(f"{text!r} is not a date in the format {self.dateformat}")
        return date(year, int(values["m"]), int(values["d"]))

    def parse_timestamp(self, text: str) -> datetime:
        """A user-time timestamp (or a date alone, meaning midnight) as an aware datetime in the user's offset."""
        date_part, _, time_part = text.partition(" ") if self.dateformat[0] != " " else _split_spaced(text)
        day = self.parse_date(date_part)
        if not time_part:
            return datetime(day.year, day.month, day.day, tzinfo=self.offset)
        match = (_TIME_24 if self.clock == "24" else _TIME_12).match(time_part)
        if not match:
            expected = "HH:MM:SS" if self.clock == "24" else "hh:MM:SS AM/PM"
            raise ValueError(f"{text!r} does not have a time of the form {expected}")
        hour, minute, second = (int(group) for group in match.groups()[:3])
        if self.clock == "12":
            if not 1 <= hour <= 12:
                raise ValueError(f"{text!r}: a 12-hour clock has hours 01 to 12")
            hour = hour % 12 + (12 if match.group(4) == "PM" else 0)
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=self.offset)

    def parse(self, column_type: ColumnType, text: str):
        """A filter value in the user's formats as the stored value it compares with.

        Raises ValueError when the text is not a value of the column's type in the user's formats.
        """
        text = text.strip()
        if column_type == "timestamp":
            return storage_from_utc(self.parse_timestamp(text))
        if column_type == "date":
            return self.parse_date(text).isoformat()
        if column_type == "integer":
            return int(text)
        if column_type == "boolean":
            lowered = text.lower()
            if lowered not in ("true", "false"):
                raise ValueError(f"{text!r} is not a boolean")
            return 1 if lowered == "true" else 0
        if column_type == "decimal":
            return float(text)
        return text


def _split_spaced(text: str) -> tuple[str, str, str]:
    """With a space as the date separator, the date is the first three space-separated words."""
    words = text.split(" ")
    return " ".join(words[:3]), " ", " ".join(words[3:])


@lru_cache(maxsize=65536)  # the lines of a journal entry share their timestamps
def _timestamp(formatting: UserFormatting, stored: str) -> str:
    local = utc_from_storage(stored).astimezone(formatting.offset)
    return f"{formatting.date_text(local.date())} {formatting.time_text(local)}"


@lru_cache(maxsize=4096)
def _date(formatting: UserFormatting, stored: str) -> str:
    return formatting.date_text(date.fromisoformat(stored))


def _boolean(stored: int) -> str:
    return "true" if stored else "false"
