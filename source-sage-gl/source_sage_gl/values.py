"""Typed values from Intacct's all-strings wire format, and the UTC ⇄ user-time conversion.

Intacct writes every value as text and every date/timestamp without a zone, in the formats and the
time zone of the signed-in user (`readUserFormatting`; `formats.py` writes and reads the formats).
Everything inside the connector (records, state, config) is UTC; conversion happens only here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Callable, Dict, Mapping, Optional

from source_sage_gl.formats import UserFormats

UTC = timezone.utc
_OFFSET = re.compile(r"^(?:GMT|UTC)?\s*([+-]?)(\d{1,2})(?::?(\d{2}))?(?:\.(\d+))?$")


class IntacctValueError(ValueError):
    """A value that does not have the type its field declares."""


def zone_from_gmtoffset(text: str) -> tzinfo:
    """`readUserFormatting`'s gmtoffset (`-08:00`, `-8`, `-0800`, `+5.5`) as a fixed-offset zone."""
    match = _OFFSET.match((text or "").strip())
    if not match:
        raise IntacctValueError(f"unrecognised gmtoffset '{text}'")
    sign, hours, minutes, fraction = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if fraction:
        delta += timedelta(hours=float(f"0.{fraction}"))
    return timezone(-delta if sign == "-" else delta)


class IntacctClock:
    """Converts between UTC and the wall-clock time, in the user's formats, that Intacct uses for this user."""

    def __init__(self, zone: tzinfo, formats: UserFormats = UserFormats()):
        self.zone = zone
        self.formats = formats

    def to_wire(self, moment: datetime) -> str:
        """A UTC moment as a filter value: the user's timestamp format, in the user's time zone."""
        return self.formats.timestamp_text(moment.astimezone(self.zone))

    def timestamp(self, text: str) -> str:
        """A timestamp in the user's format and time zone → `YYYY-MM-DDTHH:MM:SSZ` (UTC)."""
        try:
            local = self.formats.read_timestamp(text)
        except ValueError as error:
            raise IntacctValueError(str(error)) from None
        return local.replace(tzinfo=self.zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def date(self, text: str) -> str:
        """A date in the user's format → `YYYY-MM-DD`."""
        try:
            return self.formats.read_date(text).isoformat()
        except ValueError as error:
            raise IntacctValueError(str(error)) from None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise IntacctValueError(f"'{text}' is not an integer") from None


def _number(text: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise IntacctValueError(f"'{text}' is not a number") from None


_TRUE, _FALSE = {"true", "t", "1", "yes"}, {"false", "f", "0", "no"}


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise IntacctValueError(f"'{text}' is not a boolean")


def converter_for(schema: Mapping[str, Any], clock: IntacctClock) -> Callable[[str], Any]:
    """The text → value function for one JSON-schema property."""
    types = schema.get("type", "string")
    types = [types] if isinstance(types, str) else list(types)
    if "integer" in types:
        return _integer
    if "number" in types:
        return _number
    if "boolean" in types:
        return _boolean
    if schema.get("format") == "date-time":
        return clock.timestamp
    if schema.get("format") == "date":
        return clock.date
    return str


class RecordParser:
    """Turns the `<data>` children of a query result into typed records, as the stream's schema says."""

    def __init__(self, properties: Mapping[str, Mapping[str, Any]], clock: IntacctClock):
        self._converters: Dict[str, Callable[[str], Any]] = {
            name: converter_for(schema, clock) for name, schema in properties.items()
        }
        self._template: Dict[str, Optional[Any]] = {name: None for name in properties}

    def parse(self, element) -> Dict[str, Any]:
        record = dict(self._template)
        for child in element:
            text = child.text
            if text is None or not text.strip():
                continue  # Intacct writes a missing value as an empty element
            converter = self._converters.get(child.tag, str)
            try:
                record[child.tag] = converter(text.strip())
            except IntacctValueError as error:
                raise IntacctValueError(f"{element.tag}.{child.tag}: {error}") from None
        return record
