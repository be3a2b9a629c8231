"""The sandbox user's formatting, and the wire form of stored values.

Intacct renders every value as a string and every date and timestamp without a time zone, in the
formats and the time zone of the signed-in user (`readUserFormatting`). The sandbox user is a Pacific
user on a fixed UTC-8 offset, so a client that ignores `gmtoffset` is off by eight hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable

from sandbox.schema import ColumnType

USER_OFFSET = timezone(timedelta(hours=-8))
LOCALE = "en_US"
DATE_FORMAT = "/mdY"  # Intacct's code for MM/DD/YYYY
CLOCK = "24"

_WIRE_TIMESTAMP = "%m/%d/%Y %H:%M:%S"
_WIRE_DATE = "%m/%d/%Y"


def gmtoffset() -> str:
    """The offset as `readUserFormatting` reports it, e.g. ``-08:00`` (parses with ``%z``)."""
    return datetime(2026, 1, 1, tzinfo=USER_OFFSET).isoformat()[-6:]


def iso_local(moment: datetime) -> str:
    """A UTC moment as the session timestamps show it: ISO 8601 with the user's offset."""
    return moment.astimezone(USER_OFFSET).replace(microsecond=0).isoformat()


def utc_from_storage(stored: str) -> datetime:
    """A stored timestamp (``YYYY-MM-DDTHH:MM:SSZ``) as an aware UTC datetime."""
    return datetime.fromisoformat(stored.removesuffix("Z")).replace(tzinfo=timezone.utc)


def storage_from_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=65536)  # the lines of a journal entry share their timestamps
def _timestamp(stored: str) -> str:
    local = utc_from_storage(stored).astimezone(USER_OFFSET)
    return (f"{local.month:02d}/{local.day:02d}/{local.year:04d} "
            f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}")


@lru_cache(maxsize=4096)
def _date(stored: str) -> str:
    return f"{stored[5:7]}/{stored[8:10]}/{stored[0:4]}"


def _boolean(stored: int) -> str:
    return "true" if stored else "false"


_CONVERTERS = {"timestamp": _timestamp, "date": _date, "boolean": _boolean}


def converter(column_type: ColumnType) -> Callable[[object], str]:
    """How a stored (non-NULL) value of a column type is written on the wire; NULL is written as ""."""
    return _CONVERTERS.get(column_type, str)


def parse(column_type: ColumnType, text: str):
    """A filter value in the user's formats as the stored value it compares with.

    Raises ValueError when the text is not a value of the column's type.
    """
    text = text.strip()
    if column_type == "timestamp":
        try:
            local = datetime.strptime(text, _WIRE_TIMESTAMP)
        except ValueError:
            local = datetime.strptime(text, _WIRE_DATE)
        return storage_from_utc(local.replace(tzinfo=USER_OFFSET))
    if column_type == "date":
        return datetime.strptime(text, _WIRE_DATE).date().isoformat()
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
