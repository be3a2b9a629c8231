"""Record values in the types their stream declares: exact decimals, and a clear failure for anything else.

A response body is parsed with every non-integer JSON number (and `NaN`/`Infinity`) as a `Decimal`
(`errors.json_body`), so a decimal reaches the record as the API wrote it. A decimal field is emitted as
its exact text with `airbyte_type: number`: a JSON float would round it (12345678901234567.89 has 19
digits, a double holds 15-17), and PyAirbyte types such a column DECIMAL(38,9) (29 digits before the
point, 9 after; a decimal with more fails here rather than being rounded by a loader). A value that does not have its declared type, or a record without its primary key, fails
the read naming the stream, the record (its key, else its position on the page) and the field; nothing
is emitted as null or as sent. Fields the schema does not declare pass as sent (their decimals as JSON
numbers, as before).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_time_tracking.cursors import parse_datetime
from source_time_tracking.errors import request_line

if TYPE_CHECKING:
    from source_time_tracking.normalise import RecordNormaliser

DECIMAL_SCHEMA = {"type": ["null", "string"], "airbyte_type": "number"}
DECIMAL_DIGITS = (29, 9)  # DECIMAL(38,9), what PyAirbyte and destination-postgres load numbers into


class ValueTypeError(ValueError):
    """A value that does not have its field's declared type; the message says what it should be."""


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


def exact_decimal(value: Any) -> str:
    """A JSON number, or a string holding one, as its exact plain decimal text; never NaN or infinite."""
    if type(value) is Decimal:  # the usual case: a JSON number with a fraction (`errors.json_body`)
        number = value
    elif isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueTypeError("not a decimal number")
    else:
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueTypeError("not a decimal number") from None
    if not number.is_finite():
        raise ValueTypeError("not a finite number")
    text = str(number)  # its plain text, unless written with an exponent (`E`)
    if "E" in text and -DECIMAL_DIGITS[1] <= number.adjusted() < DECIMAL_DIGITS[0]:
        text = format(number, "f")  # written out only when about as long as its digits (never 1E+1000000)
    if "E" not in text:
        point = text.find(".")
        # At most 29 characters before the point and 9 after: it fits, whatever its digits (the usual case).
        if len(text) <= DECIMAL_DIGITS[0] if point < 0 else (
                point <= DECIMAL_DIGITS[0] and len(text) - point - 1 <= DECIMAL_DIGITS[1]):
            return text
    if not fits_decimal_38_9(number):
        raise ValueTypeError("more digits than DECIMAL(38,9), the type decimals load into, holds")
    return format(number, "f")


def as_identifier(value: Any) -> str:
    """An id as text: strings unchanged, integers (also `12.0`) in decimal."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))  # `12.0`: JSON bodies carry non-integer numbers as Decimal
    raise ValueError(f"{value!r} is not a string or an integer")


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise ValueTypeError("not an integer")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueTypeError("not true or false")


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueTypeError("not a string")


def _date(value: Any) -> str:
    try:
        if isinstance(value, str) and len(value) == 10 and date.fromisoformat(value):
            return value
    except ValueError:
        pass
    raise ValueTypeError("not a date (YYYY-MM-DD)")


def _date_time(value: Any) -> str:
    try:
        if isinstance(value, str) and parse_datetime(value) is not None:
            return value
    except ValueError:
        pass
    raise ValueTypeError("not an ISO 8601 date-time")


def _object(value: Any) -> dict:
    if isinstance(value, dict):
        return plain_json(value)
    raise ValueTypeError("not a JSON object")


def _array(value: Any) -> list:
    if isinstance(value, list):
        return plain_json(value)
    raise ValueTypeError("not a JSON array")


_UNCHANGED = frozenset({str, int, bool, type(None)})  # leaves that pass as they are


def plain_json(value: Any) -> Any:
    """A value whose decimals the schema does not declare, with those decimals as JSON numbers (floats)."""
    if type(value) in _UNCHANGED:
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        if _UNCHANGED.issuperset(map(type, value.values())):
            return value  # the usual nested object (`{"id": 1, "name": "…"}`): checked in C, not copied
        return {key: item if type(item) in _UNCHANGED else plain_json(item) for key, item in value.items()}
    if isinstance(value, list):
        if _UNCHANGED.issuperset(map(type, value)):
            return value
        return [item if type(item) in _UNCHANGED else plain_json(item) for item in value]
    return value


_NO_PLAN = object()  # `RecordTypes._plans` has not seen the shape yet (None: a shape that cannot pass)
# The type each converter returns its value unchanged in.
_AS_IS = {_string: str, _integer: int, _boolean: bool, as_identifier: str}


def converter_for(schema: Mapping[str, Any]) -> Callable[[Any], Any]:
    """The check-and-convert function of one JSON-schema property (its non-null type)."""
    if schema.get("airbyte_type") == "number":
        return exact_decimal
    types = schema.get("type", "string")
    types = {types} if isinstance(types, str) else set(types)
    for name, converter in (("integer", _integer), ("boolean", _boolean), ("object", _object), ("array", _array)):
        if name in types:
            return converter
    if "string" in types:
        return {"date": _date, "date-time": _date_time}.get(schema.get("format"), _string)
    return plain_json


class RecordTypes:
    """Checks one stream's records against its JSON schema and converts decimals to their exact text.

    A record's *shape* (its fields in order, with the type of each value) decides which of its values need a
    check beyond their type: the plan for a shape is made once, so a record of a known shape costs one copy and
    the calls of its plan (decimals, dates, nested objects), not a lookup per field. A stream's normaliser (the
    generic API's ids and times) converts its fields in the same pass, in place of their schema's check."""

    MAX_PLANS = 1024  # shapes remembered; a stream of ever-new shapes is checked field by field past that

    def __init__(self, stream_name: str, schema: Mapping[str, Any], primary_key: str,
                 normaliser: Optional[RecordNormaliser] = None) -> None:
        properties = schema.get("properties", {})
        self._stream = stream_name
        self._primary_key = primary_key
        self._normaliser = normaliser
        self._converters = {name: converter_for(prop) for name, prop in properties.items()}
        if normaliser is not None:
            self._converters.update(normaliser.conversions())
        # Fields whose value passes unchanged when it has exactly this type (most of a record): no call at all.
        self._as_is = {name: _AS_IS[converter] for name, converter in self._converters.items() if converter in _AS_IS}
        # Declared non-null besides the key (a missing or null key has its own message).
        self._required = {name for name, prop in properties.items() if not _allows_null(prop)} - {primary_key}
        self._plans: dict[tuple, Optional[tuple[tuple[str, Callable[[Any], Any]], ...]]] = {}

    def typed(self, record: Mapping[str, Any], position: int, request: requests.PreparedRequest) -> dict[str, Any]:
        """The record with every declared field checked (decimals as text); fails naming record and field."""
        shape = (*record, *map(type, record.values()))
        plan = self._plans.get(shape, _NO_PLAN)
        if plan is _NO_PLAN:
            plan = self._plan(record)
            if len(self._plans) < self.MAX_PLANS:
                self._plans[shape] = plan
        if plan is None:  # a null that must not be, or no key: `_checked` names it
            return self._checked(record, position, request)
        typed = dict(record)
        try:
            for field, converter in plan:
                typed[field] = converter(typed[field])
        except ValueError:  # a `ValueTypeError`, or a value the normaliser cannot convert
            return self._checked(record, position, request)  # fails, naming the field
        return typed

    def _plan(self, record: Mapping[str, Any]) -> Optional[tuple[tuple[str, Callable[[Any], Any]], ...]]:
        """The calls a record of this shape needs (in `_checked`'s order); None when such a record cannot pass."""
        if record.get(self._primary_key) is None:
            return None
        plan = []
        for field, value in record.items():
            if value is None:
                if field in self._required:
                    return None
                continue
            if type(value) is self._as_is.get(field):
                continue
            converter = self._converters.get(field)
            if converter is None and type(value) in _UNCHANGED:
                continue
            plan.append((field, converter or plain_json))
        return tuple(plan)

    def _checked(self, record: Mapping[str, Any], position: int, request: requests.PreparedRequest) -> dict[str, Any]:
        """`typed` field by field: the first value that fails is the one named (one the normaliser cannot convert
        first, with its own message)."""
        if self._normaliser is not None:
            record = self._normaliser.normalise(record, request)
        typed: dict[str, Any] = {}
        as_is = self._as_is
        for field, value in record.items():
            if type(value) is as_is.get(field):
                typed[field] = value
                continue
            converter = self._converters.get(field)
            if value is None:
                if field in self._required:
                    raise self._error(record, position, request, f"field '{field}' is null")
                typed[field] = None
                continue
            try:
                typed[field] = converter(value) if converter is not None else plain_json(value)
            except ValueTypeError as error:
                raise self._error(record, position, request, f"field '{field}' holds {_shown(value)}, which is {error}")
        if typed.get(self._primary_key) is None:
            raise self._error(record, position, request, f"its primary key '{self._primary_key}' is missing or null")
        return typed

    def _error(self, record: Mapping[str, Any], position: int, request: requests.PreparedRequest, problem: str) -> AirbyteTracedException:
        key = record.get(self._primary_key)
        which = f"record {self._primary_key}={_shown(key)}" if key is not None else f"record {position} of the page"
        message = f"Stream {self._stream}: {which} cannot be read exactly: {problem} ({request_line(request)})"
        return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.system_error)


def _allows_null(schema: Mapping[str, Any]) -> bool:
    types = schema.get("type", "string")
    return types == "null" or (isinstance(types, list) and "null" in types)


def _shown(value: Any) -> str:
    """A wire value as the API sent it, for messages (`'abc'`, `12345`, `NaN`)."""
    return str(value) if isinstance(value, Decimal) else repr(value)
