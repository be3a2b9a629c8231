"""Typed values from Intacct's all-strings wire format, and the UTC ⇄ user-time conversion.

Intacct writes every value as text and every date/timestamp without a zone, in the formats and the
time zone of the signed-in user (`readUserFormatting`; `formats.py` writes and reads the formats).
Everything inside the connector (records, state, config) is UTC; conversion happens only here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, Mapping, Optional

from source_sage_gl.formats import UserFormats

_OFFSET = re.compile(r"^(?:GMT|UTC)?\s*([+-]?)(\d{1,2})(?::?(\d{2}))?(?:\.(\d+))?$")
# Every time zone in use lies between UTC-12:00 and UTC+14:00.
_WIDEST_OFFSETS = (timedelta(hours=-12), timedelta(hours=14))
# A decimal travels as its exact text: a JSON number would come back as a float in PyAirbyte (15-17
# significant digits; 12345678901234567.89 has 19). `airbyte_type: number` makes PyAirbyte type the column
# DECIMAL(38,9), the type destination-postgres gives numbers too; a value that type cannot hold fails here.
DECIMAL_SCHEMA = {"type": ["null", "string"], "airbyte_type": "number"}
DECIMAL_DIGITS = (29, 9)  # DECIMAL(38,9): digits before and after the point
# A decimal already in the plain form `format(Decimal(text), "f")` writes (no commas, exponent, `+` or leading
# zeros), with at most 29 digits before the point and 9 after: the usual amount, returned as it is.
_PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,28})(?:\.[0-9]{1,9})?")
REMEMBERED_TEXTS = 4096  # converted date or timestamp texts kept per kind (a few pages' worth)


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
    delta = -delta if sign == "-" else delta
    if not _WIDEST_OFFSETS[0] <= delta <= _WIDEST_OFFSETS[1]:
        raise IntacctValueError(f"gmtoffset '{text}' is outside UTC-12:00 to UTC+14:00")
    return timezone(delta)


class IntacctClock:
    """Converts between UTC and the wall-clock time, in the user's formats, that Intacct uses for this user."""

    def __init__(self, zone: tzinfo, formats: UserFormats = UserFormats()):
        self.zone = zone
        self.formats = formats
        # The lines of one journal entry share its dates and timestamps: converted texts are remembered.
        self._timestamps: Dict[str, str] = {}
        self._dates: Dict[str, str] = {}

    def to_wire(self, moment: datetime) -> str:
        """A UTC moment as a filter value: the user's timestamp format, in the user's time zone."""
        return self.formats.timestamp_text(moment.astimezone(self.zone))

    def timestamp(self, text: str) -> str:
        """A timestamp in the user's format and time zone → `YYYY-MM-DDTHH:MM:SSZ` (UTC)."""
        utc = self._timestamps.get(text)
        return utc if utc is not None else _remember(self._timestamps, text, self._utc_text(text))

    def date(self, text: str) -> str:
        """A date in the user's format → `YYYY-MM-DD`."""
        day = self._dates.get(text)
        if day is not None:
            return day
        try:
            return _remember(self._dates, text, self.formats.read_date(text).isoformat())
        except ValueError as error:
            raise IntacctValueError(str(error)) from None

    def _utc_text(self, text: str) -> str:
        try:
            local = self.formats.read_timestamp(text)
        except ValueError as error:
            raise IntacctValueError(str(error)) from None
        # What `astimezone(timezone.utc)` computes (the local time minus the zone's offset at it), formatted naive:
        # a third of the time of converting and formatting an aware datetime, the same text to the second.
        return (local - self.zone.utcoffset(local)).isoformat(timespec="seconds") + "Z"


def _remember(memo: Dict[str, str], text: str, value: str) -> str:
    """Keep `value` as `text`'s conversion; a full memo is emptied at once (it holds a few pages' texts)."""
    if len(memo) >= REMEMBERED_TEXTS:
        memo.clear()
    memo[text] = value
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise IntacctValueError(f"'{text}' is not an integer") from None


def is_decimal(schema: Mapping[str, Any]) -> bool:
    """Whether a JSON-schema property holds a decimal (as `DECIMAL_SCHEMA` declares it)."""
    return schema.get("airbyte_type") == "number"


def fits_decimal_38_9(value: Decimal) -> bool:
    """Whether DECIMAL(38,9) holds the value without rounding (trailing zeros after the point do not count)."""
    _, digits, exponent = value.as_tuple()
    if -DECIMAL_DIGITS[1] <= exponent <= 0 and len(digits) + exponent <= DECIMAL_DIGITS[0]:
        return True  # fits even with its trailing zeros: the usual case, decided without looking at the digits
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return True  # zero
    exponent += len(digits) - len(significant)
    return len(significant) + exponent <= DECIMAL_DIGITS[0] and -exponent <= DECIMAL_DIGITS[1]


def exact_decimal(text: str) -> str:
    """A wire number (`1,234.50`, `-0.1`, `1E+3`) as its exact plain decimal text; never NaN or infinite."""
    if _PLAIN_DECIMAL.fullmatch(text):
        return text  # already its own plain text, and DECIMAL(38,9) holds it: what `Decimal` would give back
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise IntacctValueError(f"'{text}' is not a number") from None
    if not value.is_finite():
        raise IntacctValueError(f"'{text}' is not a finite number")
    if not fits_decimal_38_9(value):
        raise IntacctValueError(f"'{text}' has more digits than DECIMAL(38,9), the type decimals load into, holds")
    return format(value, "f")


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
    if is_decimal(schema):
        return exact_decimal
    if "boolean" in types:
        return _boolean
    if schema.get("format") == "date-time":
        return clock.timestamp
    if schema.get("format") == "date":
        return clock.date
    return str


class RecordParser:
    """Turns the `<data>` children of a query result into typed records, as the stream's schema says.

    A value that does not convert, or a record without its primary key, fails the read: the error names
    the record (its key, else its position on the page) and the field.
    """

    def __init__(self, properties: Mapping[str, Mapping[str, Any]], clock: IntacctClock,
                 primary_key: Optional[str] = None):
        self._converters: Dict[str, Callable[[str], Any]] = {  # text fields have none: their text is the value
            name: converter for name, schema in properties.items()
            if (converter := converter_for(schema, clock)) is not str
        }
        self._template: Dict[str, Optional[Any]] = {name: None for name in properties}
        self._primary_key = primary_key

    def parse(self, element, position: int = 1) -> Dict[str, Any]:
        """One record; `position` (1-based, on its page) names it when its key is missing."""
        record = dict(self._template)
        converters = self._converters
        for child in element:
            text = child.text
            if text is None:
                continue
            text = text.strip()
            if not text:
                continue  # Intacct writes a missing value as an empty element
            tag = child.tag
            converter = converters.get(tag)
            if converter is None:  # a string, or a field the schema does not declare: the text as it is
                record[tag] = text
                continue
            try:
                record[tag] = converter(text)
            except IntacctValueError as error:
                raise IntacctValueError(f"{self._describe(element, position)}, field {tag}: {error}") from None
        if self._primary_key and record.get(self._primary_key) is None:
            raise IntacctValueError(f"{self._describe(element, position)} has no {self._primary_key} (its primary key)")
        return record

    def _describe(self, element, position: int) -> str:
        key = (element.findtext(self._primary_key) or "").strip() if self._primary_key else ""
        return f"{element.tag} {self._primary_key} {key}" if key else f"{element.tag} record {position} of the page"
