"""Values exact or the read fails: decimals keep every digit, a value of the wrong type names stream, record and field."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

import source_time_tracking
from source_time_tracking.values import DECIMAL_SCHEMA, RecordTypes, ValueTypeError, exact_decimal
from unit_tests.config import ConfigBuilder
from unit_tests.helpers import read_stream, record_data
from unit_tests.request_builder import GenericRequestBuilder, HarvestRequestBuilder


def _sent(method: str, url: str) -> requests.PreparedRequest:
    return requests.Request(method, url).prepare()


_TEMPLATES = Path(__file__).parent / "resource" / "http" / "response"


def _with_raw(template: str, field: str, raw: str) -> HttpResponse:
    """The template's body with the first record's `field` written as the raw JSON text `raw`."""
    body = json.loads((_TEMPLATES / f"{template}.json").read_text())
    records = next(value for value in body.values() if isinstance(value, list))
    records[0][field] = "__RAW__"
    return HttpResponse(json.dumps(body).replace('"__RAW__"', raw), 200)


def _harvest_entries(http_mocker: HttpMocker, response: HttpResponse) -> None:
    http_mocker.get(HarvestRequestBuilder.time_entries().build(), response)


def _generic_entries(http_mocker: HttpMocker, response: HttpResponse) -> None:
    http_mocker.get(GenericRequestBuilder.entries().build(), response)


def _only_error(output) -> str:
    error = output.errors[0].trace.error  # the stream's own error (the CDK adds a summary of failed streams after it)
    assert error.failure_type == FailureType.system_error and "Something went wrong" not in error.message
    assert output.records == []
    return error.message


# ---------------------------------------------------------------------------------------------- converters


@pytest.mark.parametrize("value, exact", [
    (Decimal("12345678901234567.89"), "12345678901234567.89"), (Decimal("0.1"), "0.1"), (Decimal("2.50"), "2.50"),
    (7, "7"), ("0.30", "0.30"), (" 1.5 ", "1.5"), (Decimal("1E+3"), "1000"),
])
def test_decimals_keep_every_digit(value, exact):
    assert exact_decimal(value) == exact


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), "abc", "NaN", "inf", True,
                                   [1], {"a": 1}, 1.5, Decimal("1E+999999999"), Decimal("0.0000000001"),
                                   10 ** 29])
def test_non_numbers_non_finite_numbers_and_floats_are_refused(value):
    with pytest.raises(ValueTypeError):
        exact_decimal(value)


_SCHEMA = {"properties": {
    "id": {"type": "integer"}, "hours": DECIMAL_SCHEMA, "spent_date": {"type": ["null", "string"], "format": "date"},
    "updated_at": {"type": ["null", "string"], "format": "date-time"}, "billable": {"type": ["null", "boolean"]},
    "notes": {"type": ["null", "string"]}, "user": {"type": ["null", "object"]},
}}


def test_record_types_convert_declared_decimals_and_keep_undeclared_numbers_as_numbers():
    types = RecordTypes("time_entries", _SCHEMA, "id")
    record = {"id": 5, "hours": Decimal("12345678901234567.89"), "spent_date": "2026-10-02",
              "updated_at": "2026-10-02T16:47:14Z", "billable": False, "notes": None,
              "user": {"id": 1, "rate": Decimal("2.5")}, "extra": Decimal("0.1")}

    typed = types.typed(record, 1, _sent("GET", "https://x.test/v2/time_entries"))

    assert typed == {**record, "hours": "12345678901234567.89", "user": {"id": 1, "rate": 2.5}, "extra": 0.1}


@pytest.mark.parametrize("field, value, problem", [
    ("hours", "abc", "field 'hours' holds 'abc', which is not a decimal number"),
    ("hours", Decimal("NaN"), "field 'hours' holds NaN, which is not a finite number"),
    ("spent_date", 12345, "field 'spent_date' holds 12345, which is not a date (YYYY-MM-DD)"),
    ("spent_date", "10/02/2026", "which is not a date"),
    ("updated_at", "abc", "field 'updated_at' holds 'abc', which is not an ISO 8601 date-time"),
    ("billable", "yes", "field 'billable' holds 'yes', which is not true or false"),
    ("notes", 7, "field 'notes' holds 7, which is not a string"),
    ("user", [], "field 'user' holds [], which is not a JSON object"),
    ("id", "5", "field 'id' holds '5', which is not an integer"),
])
def test_a_value_of_the_wrong_type_fails_naming_stream_record_and_field(field, value, problem):
    types = RecordTypes("time_entries", _SCHEMA, "id")
    record = {"id": 5, "hours": Decimal("1.5"), field: value}

    with pytest.raises(Exception) as error:
        types.typed(record, 3, _sent("POST", "https://user:secret@x.test/v2/time_entries"))

    message = error.value.message
    assert message.startswith("Stream time_entries: record id=") and problem in message
    assert message.endswith("(POST https://x.test/v2/time_entries)")  # its own method, the URL without its password


@pytest.mark.parametrize("field, value, problem", [
    ("hours", Decimal("NaN"), "field 'hours' holds NaN, which is not a finite number"),
    ("hours", Decimal("1E+30"), "field 'hours' holds 1E+30, which is more digits than DECIMAL(38,9)"),
    ("spent_date", "2026-13-02", "field 'spent_date' holds '2026-13-02', which is not a date"),
    ("updated_at", "yesterday", "field 'updated_at' holds 'yesterday', which is not an ISO 8601 date-time"),
])
def test_a_record_of_a_shape_already_read_still_has_every_value_checked(field, value, problem):
    """Records of one shape (fields and value types) share their plan of checks; the values are still each checked."""
    types = RecordTypes("time_entries", _SCHEMA, "id")
    good = {"id": 5, "hours": Decimal("1.50"), "spent_date": "2026-10-02", "updated_at": "2026-10-02T16:47:14Z"}
    assert types.typed(good, 1, _sent("GET", "https://x.test/v2/time_entries")) == {**good, "hours": "1.50"}

    with pytest.raises(Exception) as error:
        types.typed({**good, "id": 6, field: value}, 2, _sent("GET", "https://x.test/v2/time_entries"))

    assert error.value.message.startswith("Stream time_entries: record id=6 cannot be read exactly: " + problem)


@pytest.mark.parametrize("record", [{"hours": Decimal("1")}, {"id": None, "hours": Decimal("1")}])
def test_a_missing_or_null_primary_key_fails_naming_the_records_position(record):
    with pytest.raises(Exception) as error:
        RecordTypes("time_entries", _SCHEMA, "id").typed(record, 4, _sent("GET", "https://x.test/v2/time_entries"))

    assert "Stream time_entries: record 4 of the page cannot be read exactly" in error.value.message
    assert "'id'" in error.value.message


def test_no_packaged_schema_declares_a_float_number():
    """A JSON `number` would be read as a float downstream; decimals are declared with DECIMAL_SCHEMA."""
    for path in (Path(source_time_tracking.__file__).parent / "schemas").glob("*.json"):
        for name, prop in json.loads(path.read_text())["properties"].items():
            assert "number" not in prop.get("type", []), f"{path.name}: {name}"


# ---------------------------------------------------------------------------------------------- through read


@pytest.mark.parametrize("field, raw, problem", [
    ("hours", '"abc"', "record id=636709355 cannot be read exactly: field 'hours' holds 'abc', which is not a decimal"),
    ("hours", "NaN", "record id=636709355 cannot be read exactly: field 'hours' holds NaN, which is not a finite"),
    ("cost_rate", "-Infinity", "field 'cost_rate' holds -Infinity, which is not a finite number"),
    ("id", "null", "record 1 of the page cannot be read exactly: its primary key 'id' is missing or null"),
    ("spent_date", "12345", "field 'spent_date' holds 12345, which is not a date"),
    ("updated_at", '"abc"', "field 'updated_at' holds 'abc', which is not an ISO 8601 date-time"),
])
def test_harvest_time_entry_with_a_malformed_value_fails_the_read(field, raw, problem):
    with HttpMocker() as http_mocker:
        _harvest_entries(http_mocker, _with_raw("harvest_time_entries", field, raw))

        output = read_stream(ConfigBuilder.harvest().build(), "time_entries", expecting_exception=True)

    message = _only_error(output)
    assert message.startswith("Stream time_entries: ") and problem in message
    assert "GET https://api.harvestapp.com/v2/time_entries" in message


@pytest.mark.parametrize("field, raw, problem", [
    ("hours", '"abc"', "record id='te_1' cannot be read exactly: field 'hours' holds 'abc', which is not a decimal"),
    ("hours", "Infinity", "field 'hours' holds Infinity, which is not a finite number"),
    ("id", "null", "record 1 of the page cannot be read exactly: its primary key 'id' is missing or null"),
    ("date", "12345", "field 'date' holds 12345, which is not a date"),
])
def test_generic_entry_with_a_malformed_value_fails_the_read(field, raw, problem):
    with HttpMocker() as http_mocker:
        _generic_entries(http_mocker, _with_raw("generic_entries", field, raw))

        output = read_stream(ConfigBuilder.generic().build(), "time_entries", expecting_exception=True)

    message = _only_error(output)
    assert message.startswith("Stream time_entries: ") and problem in message


def test_decimals_beyond_a_double_arrive_with_every_digit_from_both_providers():
    with HttpMocker() as http_mocker:
        _harvest_entries(http_mocker, _with_raw("harvest_time_entries", "cost_rate", "12345678901234567.89"))
        harvest = record_data(read_stream(ConfigBuilder.harvest().build(), "time_entries"))[0]
    with HttpMocker() as http_mocker:
        _generic_entries(http_mocker, _with_raw("generic_entries", "hours", "0.30"))
        generic = record_data(read_stream(ConfigBuilder.generic().build(), "time_entries"))[0]

    assert (harvest["cost_rate"], harvest["hours"], harvest["billable_rate"]) == ("12345678901234567.89", "2.11", "100.0")
    assert (generic["hours"], generic["cost_rate"]) == ("0.30", "35.0")



def test_an_error_body_with_decimals_is_quoted_in_the_failure():
    """Error bodies are parsed with decimals as `Decimal` too; quoting them must not crash the message."""
    with HttpMocker() as http_mocker:
        _generic_entries(http_mocker, HttpResponse('{"errors": [{"field": "limit", "max": 1.5}]}', 422))

        output = read_stream(ConfigBuilder.generic().build(), "time_entries", expecting_exception=True)

    error = output.errors[0].trace.error
    assert error.failure_type == FailureType.system_error
    assert "HTTP 422" in error.message and '"max": "1.5"' in error.message
