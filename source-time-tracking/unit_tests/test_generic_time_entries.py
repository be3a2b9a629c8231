"""Generic provider, `time_entries`: offset pagination, incremental from state, auth, errors, records path."""

from __future__ import annotations

import base64
import logging
from unittest import TestCase
from unittest.mock import patch

import freezegun
from airbyte_cdk.models import FailureType, Status, SyncMode, Type
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.test.mock_http.response_builder import FieldPath

from source_time_tracking import SourceTimeTracking
from unit_tests.config import ConfigBuilder
from unit_tests.helpers import read_stream, record_data, stream_state
from unit_tests.request_builder import GenericRequestBuilder
from unit_tests.response_builder import template_response, generic_entry, generic_response, raw_response

_ID = {"type": ["null", "string"]}
_TIMESTAMP = {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"}

_STREAM = "time_entries"
_LOGGER = logging.getLogger("airbyte")


def _retry_lines(output) -> list[str]:
    return [message.log.message for message in output.logs if "Retrying in" in message.log.message]


def _page(ids: list[int], updated_at: str = "2026-10-05T10:00:00Z", offset: int = 0, limit: int = 100, total=None):
    response = generic_response(offset, limit, total)
    for number in ids:
        response.with_record(generic_entry(f"te_{number}", updated_at))
    return response.build()


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class FullRefreshTest(TestCase):
    @HttpMocker()
    def test_given_two_full_pages_and_a_short_one_when_read_then_each_page_starts_at_the_previous_last_row(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 3}).build()
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).with_offset(0).build(), _page([1, 2, 3], limit=3))
        # Pages overlap by one row (offset - 1): the row that must be the previous page's last one.
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).with_offset(2).build(), _page([3, 4, 5], offset=2, limit=3))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).with_offset(4).build(), _page([5, 6], offset=4, limit=3))

        output = read_stream(config, _STREAM)

        assert [record["id"] for record in record_data(output)] == ["te_1", "te_2", "te_3", "te_4", "te_5", "te_6"]
        assert output.is_in_logs("time_entries: page 3 at offset 4: 1 rows, 6 rows so far")
        assert not output.is_in_logs("rows moved between two pages")

    @HttpMocker()
    def test_given_page_size_1_when_read_then_pages_do_not_overlap(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 1}).build()
        http_mocker.get(GenericRequestBuilder.entries().with_limit(1).build(), _page([1], limit=1))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(1).with_offset(1).build(), _page([2], offset=1, limit=1))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(1).with_offset(2).build(), _page([], offset=2, limit=1))

        output = read_stream(config, _STREAM)

        assert [record["id"] for record in record_data(output)] == ["te_1", "te_2"]
        assert not output.is_in_logs("rows moved between two pages")

    @HttpMocker()
    def test_given_a_final_page_holding_only_the_overlap_row_when_read_then_stop_cleanly(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 2}).build()
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).build(), _page([1, 2], limit=2))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).with_offset(1).build(), _page([2], offset=1, limit=2))

        output = read_stream(config, _STREAM)

        assert [record["id"] for record in record_data(output)] == ["te_1", "te_2"]
        assert not output.errors

    @HttpMocker()
    def test_given_an_empty_final_page_when_read_then_stop_cleanly(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 2}).build()
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).build(), _page([1, 2], limit=2))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).with_offset(1).build(), _page([], offset=1, limit=2))

        output = read_stream(config, _STREAM)

        assert len(output.records) == 2
        assert not output.errors

    @HttpMocker()
    def test_given_total_path_when_offset_reaches_total_then_no_further_request(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 2, "total_path": "total"}).build()
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).build(), _page([1, 2], limit=2, total=4))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).with_offset(1).build(),
                        _page([2, 3], offset=1, limit=2, total=4))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).with_offset(2).build(),
                        _page([3, 4], offset=2, limit=2, total=4))

        output = read_stream(config, _STREAM)

        assert len(output.records) == 4  # a fourth request would have no mock and fail the read
        assert output.is_in_logs("page 3 at offset 2: 1 rows, 4 rows so far of 4 in total")

    @HttpMocker()
    def test_given_a_nested_total_path_when_offset_reaches_total_then_no_further_request(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 2, "total_path": "meta/total"}).build()
        entries = [{"id": f"te_{number}", "updated_at": "2026-10-05T10:00:00Z"} for number in (1, 2, 3)]
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).build(),
                        raw_response({"data": entries[:2], "meta": {"total": 3}}))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).with_offset(1).build(),
                        raw_response({"data": entries[1:], "meta": {"total": 3}}))

        output = read_stream(config, _STREAM)

        assert [record["id"] for record in record_data(output)] == ["te_1", "te_2", "te_3"]  # a third request: no mock
        assert output.is_in_logs("page 2 at offset 1: 1 rows, 3 rows so far of 3 in total")

    @HttpMocker()
    def test_given_custom_parameter_names_and_headers_when_read_then_sent(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(
            entries_path="/api/time", headers={"X-Tenant": "northwind"},
            pagination={"offset_param": "skip", "limit_param": "take", "page_size": 50},
        ).build()
        request = (GenericRequestBuilder.entries().with_path("/api/time")
                   .with_headers({"Authorization": "Bearer fake-generic-token", "X-Tenant": "northwind"}))
        request._params = {"skip": "0", "take": "50"}
        http_mocker.get(request.build(), _page([1]))

        assert len(read_stream(config, _STREAM).records) == 1

    @HttpMocker()
    def test_given_values_when_read_then_numbers_and_booleans_pass_unchanged(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(), _page([1]))

        record = record_data(read_stream(ConfigBuilder.generic().build(), _STREAM))[0]

        assert record["hours"] == "2.5" and record["cost_rate"] == "35.0" and record["billable"] is True


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class AuthTest(TestCase):
    @HttpMocker()
    def test_given_api_key_header_auth_when_read_then_key_sent_in_named_header(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(
            auth={"auth_type": "api_key_header", "header_name": "X-Api-Key", "api_key": "fake-key"}).build()
        http_mocker.get(GenericRequestBuilder.entries().with_headers({"X-Api-Key": "fake-key"}).build(), _page([1]))

        assert len(read_stream(config, _STREAM).records) == 1

    @HttpMocker()
    def test_given_basic_auth_when_read_then_basic_header_sent(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(
            auth={"auth_type": "basic", "username": "etl", "password": "fake-password"}).build()
        expected = "Basic " + base64.b64encode(b"etl:fake-password").decode()
        http_mocker.get(GenericRequestBuilder.entries().with_headers({"Authorization": expected}).build(), _page([1]))

        assert len(read_stream(config, _STREAM).records) == 1


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class IncrementalTest(TestCase):
    @HttpMocker()
    def test_given_state_when_read_then_every_page_filters_on_the_state_the_read_started_with(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_start_date("2026-01-01T00:00:00Z").with_provider(pagination={"page_size": 2}).build()
        since = "2026-10-01T00:00:00Z"
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).with_updated_since(since).build(),
                        _page([1, 2], "2026-10-05T10:00:00Z", limit=2))
        # Page 2 still filters on the state the read started with, not on the cursor emitted by page 1.
        page_2 = generic_response(1, 2)
        page_2.with_record(generic_entry("te_2", "2026-10-05T10:00:00Z")).with_record(generic_entry("te_3", "2026-10-07T10:00:00Z"))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).with_offset(1).with_updated_since(since).build(),
                        page_2.build())
        http_mocker.get(GenericRequestBuilder.entries().with_limit(2).with_offset(2).with_updated_since(since).build(),
                        _page([3], "2026-10-07T10:00:00Z", offset=2, limit=2))

        output = read_stream(config, _STREAM, SyncMode.incremental, state={"updated_at": since})

        assert len(output.records) == 3
        assert [dict(m.state.stream.stream_state.__dict__) for m in output.state_messages] == [
            {"updated_at": "2026-10-05T10:00:00Z"},  # checkpoint after the full first page
            {"updated_at": "2026-10-07T10:00:00Z"},
        ]

    @HttpMocker()
    def test_given_rows_moved_between_pages_when_read_then_state_holds_at_the_last_row_before_the_move(self, http_mocker: HttpMocker) -> None:
        # Page 1 is te_1 … te_3. Before page 2, te_1 and te_2 are edited: they move to the end and every
        # other row moves up by two, so page 2 (offset 2) starts with te_5, and te_4 was paged over.
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 3}).build()
        since = "2026-10-01T00:00:00Z"
        page_1 = generic_response(0, 3)
        for entry_id, updated_at in (("te_1", "2026-10-02T00:00:00Z"), ("te_2", "2026-10-03T00:00:00Z"),
                                     ("te_3", "2026-10-04T00:00:00Z")):
            page_1.with_record(generic_entry(entry_id, updated_at))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).with_updated_since(since).build(), page_1.build())
        page_2 = generic_response(2, 3)
        for entry_id, updated_at in (("te_5", "2026-10-06T00:00:00Z"), ("te_1", "2026-11-25T07:59:00Z"),
                                     ("te_2", "2026-11-25T07:59:30Z")):
            page_2.with_record(generic_entry(entry_id, updated_at))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).with_offset(2).with_updated_since(since).build(),
                        page_2.build())
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).with_offset(4).with_updated_since(since).build(),
                        generic_response(4, 3).with_record(generic_entry("te_2", "2026-11-25T07:59:30Z")).build())

        output = read_stream(config, _STREAM, SyncMode.incremental, state={"updated_at": since})

        assert [record["id"] for record in record_data(output)] == ["te_1", "te_2", "te_3", "te_5", "te_1", "te_2"]
        # te_4 (updated 2026-10-05, after te_3) was skipped: the state stays at te_3 so the next sync reads it.
        assert stream_state(output) == {"updated_at": "2026-10-04T00:00:00Z"}
        assert output.is_in_logs("rows moved between two pages")

    @HttpMocker()
    def test_given_no_state_when_read_then_start_date_is_the_lower_bound(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_start_date("2026-03-01T00:00:00Z").build()
        http_mocker.get(GenericRequestBuilder.entries().with_updated_since("2026-03-01T00:00:00Z").build(), _page([1]))

        output = read_stream(config, _STREAM, SyncMode.incremental)

        assert stream_state(output) == {"updated_at": "2026-10-05T10:00:00Z"}

    @HttpMocker()
    def test_given_unix_format_when_read_then_filter_in_unix_seconds(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(
            incremental={"format": "unix", "filter_param": "modified_after"}).build()
        http_mocker.get(GenericRequestBuilder.entries().with_param("modified_after", "1790000000").build(), _page([1]))

        output = read_stream(config, _STREAM, SyncMode.incremental, state={"updated_at": "2026-09-21T14:13:20Z"})

        assert len(output.records) == 1

    @HttpMocker()
    def test_given_unix_cursor_values_when_read_then_state_is_iso(self, http_mocker: HttpMocker) -> None:
        response = generic_response().with_record(generic_entry("te_1", 1790000000)).build()
        http_mocker.get(GenericRequestBuilder.entries().build(), response)

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, SyncMode.incremental)

        assert record_data(output)[0]["updated_at"] == "2026-09-21T14:13:20Z"
        assert stream_state(output) == {"updated_at": "2026-09-21T14:13:20Z"}

    @HttpMocker()
    def test_given_custom_cursor_and_primary_key_when_discover_then_declared(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(primary_key="entry_id", incremental={"cursor_field": "modified"}).build()
        stream = SourceTimeTracking().streams(config)[0]
        airbyte_stream = stream.as_airbyte_stream()

        assert airbyte_stream.source_defined_primary_key == [["entry_id"]]
        assert airbyte_stream.default_cursor_field == ["modified"]
        assert airbyte_stream.json_schema["properties"]["entry_id"] == _ID
        assert airbyte_stream.json_schema["properties"]["modified"] == _TIMESTAMP


def _entry_with(**fields):
    record = generic_entry("te_1", "2026-10-05T10:00:00Z")
    for name, value in fields.items():
        record.with_field(FieldPath(name), value)
    return generic_response().with_record(record).build()


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class NormalisationTest(TestCase):
    """Ids leave as strings and times as UTC ISO 8601, whatever form the API sends them in."""

    @HttpMocker()
    def test_given_integer_ids_and_iso_times_with_offsets_when_read_then_strings_and_utc(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(), _entry_with(
            id=101, user_id=7, project_id=1003.0, task_id="install",
            created_at="2026-10-04T19:00:00+02:00", updated_at="2026-10-05T05:30:00.250-04:30"))

        record = record_data(read_stream(ConfigBuilder.generic().build(), _STREAM))[0]

        assert {key: record[key] for key in ("id", "user_id", "project_id", "task_id", "created_at", "updated_at")} == {
            "id": "101", "user_id": "7", "project_id": "1003", "task_id": "install",
            "created_at": "2026-10-04T17:00:00Z", "updated_at": "2026-10-05T10:00:00.250000Z",
        }
        assert record["date"] == "2026-10-04" and record["hours"] == "2.5" and record["notes"] == "Panel swap"

    @HttpMocker()
    def test_given_unix_format_when_read_then_unix_seconds_become_utc_iso(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(incremental={"format": "unix"}).build()
        http_mocker.get(GenericRequestBuilder.entries().with_updated_since("1790000000").build(),
                        _entry_with(created_at="1789990000.5", updated_at=1790000000))

        output = read_stream(config, _STREAM, SyncMode.incremental, state={"updated_at": "2026-09-21T14:13:20Z"})

        record = record_data(output)[0]
        assert (record["created_at"], record["updated_at"]) == ("2026-09-21T11:26:40.500000Z", "2026-09-21T14:13:20Z")
        assert stream_state(output) == {"updated_at": "2026-09-21T14:13:20Z"}  # state stays ISO; the filter is unix

    @HttpMocker()
    def test_given_a_time_in_the_other_format_when_read_then_accepted(self, http_mocker: HttpMocker) -> None:
        unix_config = ConfigBuilder.generic().with_provider(incremental={"format": "unix"}).build()
        http_mocker.get(GenericRequestBuilder.entries().build(),
                        [_entry_with(updated_at=1790000000), _entry_with(updated_at="2026-09-21T16:13:20+02:00")])

        from_iso_config = record_data(read_stream(ConfigBuilder.generic().build(), _STREAM))[0]
        from_unix_config = record_data(read_stream(unix_config, _STREAM))[0]

        assert from_iso_config["updated_at"] == from_unix_config["updated_at"] == "2026-09-21T14:13:20Z"

    @HttpMocker()
    def test_given_iso_week_and_ordinal_dates_when_read_then_utc(self, http_mocker: HttpMocker) -> None:
        """ISO 8601 forms Python's own parser reads and forms only pendulum reads (ordinal dates, a year-month)."""
        http_mocker.get(GenericRequestBuilder.entries().build(), raw_response({"data": [
            {"id": "te_1", "created_at": "2026-278", "updated_at": "2026-W41-1T12:00:00+02:00"},
            {"id": "te_2", "created_at": "2026-10", "updated_at": "2026-10-05T10:00:00.1234567Z"},
        ]}))

        records = record_data(read_stream(ConfigBuilder.generic().build(), _STREAM))

        assert [(record["created_at"], record["updated_at"]) for record in records] == [
            ("2026-10-05T00:00:00Z", "2026-10-05T10:00:00Z"), ("2026-10-01T00:00:00Z", "2026-10-05T10:00:00.123456Z")]

    @HttpMocker()
    def test_given_a_string_of_digits_when_read_then_incremental_format_decides(self, http_mocker: HttpMocker) -> None:
        unix_config = ConfigBuilder.generic().with_provider(incremental={"format": "unix"}).build()
        http_mocker.get(GenericRequestBuilder.entries().build(), _entry_with(created_at="20260305"))

        as_iso = record_data(read_stream(ConfigBuilder.generic().build(), _STREAM))[0]["created_at"]
        as_unix = record_data(read_stream(unix_config, _STREAM))[0]["created_at"]

        assert (as_iso, as_unix) == ("2026-03-05T00:00:00Z", "1970-08-23T11:51:45Z")

    @HttpMocker()
    def test_given_nulls_and_absent_fields_when_read_then_no_error_and_nothing_added(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(), raw_response(
            {"data": [{"id": "te_1", "user_id": None, "created_at": None, "updated_at": "2026-10-05T10:00:00Z"}]}))

        record = record_data(read_stream(ConfigBuilder.generic().build(), _STREAM))[0]

        # (the CDK's serializer then omits null values from the record message)
        assert record.get("user_id") is None and record.get("created_at") is None and "task_id" not in record
        assert (record["id"], record["updated_at"]) == ("te_1", "2026-10-05T10:00:00Z")

    @HttpMocker()
    def test_given_an_unparseable_time_when_read_then_config_error_naming_field_entry_and_url(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(), _entry_with(id=42, created_at="last tuesday"))

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, expecting_exception=True)

        error = output.errors[0].trace.error
        assert error.failure_type == FailureType.config_error
        assert error.message == (
            "Field 'created_at' of time entry '42' holds 'last tuesday', which is not a time in ISO 8601 or unix "
            "seconds (incremental.format is 'iso8601') (GET https://api.time-tracking.test/v1/entries?offset=0&limit=100)"
        )
        assert not output.records
        assert "fake-generic-token" not in error.message + str(output.logs)

    @HttpMocker()
    def test_given_a_time_written_as_usual_but_no_real_date_when_read_then_config_error(self, http_mocker: HttpMocker) -> None:
        """The usual text (`…T10:00:00Z`) passes as it came only when it is a real date and time."""
        http_mocker.get(GenericRequestBuilder.entries().build(), _entry_with(created_at="2026-02-30T10:00:00Z"))

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, expecting_exception=True)

        error = output.errors[0].trace.error
        assert error.failure_type == FailureType.config_error
        assert "Field 'created_at' of time entry 'te_1' holds '2026-02-30T10:00:00Z', which is not a time" in error.message
        assert not output.records

    @HttpMocker()
    def test_given_a_bad_decimal_before_a_bad_time_when_read_then_the_time_is_named(self, http_mocker: HttpMocker) -> None:
        """Ids and times are converted as the record is typed; a time that does not convert is still the config error
        named, whatever field before it fails its type too."""
        http_mocker.get(GenericRequestBuilder.entries().build(), raw_response(
            {"data": [{"id": "te_1", "hours": "many", "updated_at": "yesterday"}]}))

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, expecting_exception=True)

        error = output.errors[0].trace.error
        assert error.failure_type == FailureType.config_error
        assert "Field 'updated_at' of time entry 'te_1' holds 'yesterday'" in error.message

    @HttpMocker()
    def test_given_milliseconds_sent_as_seconds_when_read_then_config_error(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(incremental={"format": "unix"}).build()
        http_mocker.get(GenericRequestBuilder.entries().build(), _entry_with(updated_at=1790000000000))

        output = read_stream(config, _STREAM, expecting_exception=True)

        assert "Field 'updated_at' of time entry 'te_1' holds 1790000000000" in output.errors[0].trace.error.message

    @HttpMocker()
    def test_given_an_object_as_id_when_read_then_config_error(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(), _entry_with(project_id={"id": 3}))

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, expecting_exception=True)

        assert "Field 'project_id' of time entry 'te_1' holds {'id': 3}, which is not an identifier" in (
            output.errors[0].trace.error.message)

    def test_discovered_schemas_of_both_providers_hold_one_type_per_property(self) -> None:
        for config in (ConfigBuilder.generic().build(), ConfigBuilder.harvest().build()):
            for stream in SourceTimeTracking().streams(config):
                for path, types in _property_types(stream.get_json_schema()):
                    assert len([kind for kind in types if kind != "null"]) == 1, f"{stream.name}{path}: {types}"

    def test_discovered_generic_schema_declares_ids_as_strings_and_times_as_timestamps(self) -> None:
        properties = SourceTimeTracking().streams(ConfigBuilder.generic().build())[0].get_json_schema()["properties"]

        assert {field: properties[field] for field in ("id", "user_id", "project_id", "task_id")} == dict.fromkeys(
            ("id", "user_id", "project_id", "task_id"), _ID)
        assert properties["created_at"] == properties["updated_at"] == _TIMESTAMP


def _property_types(schema, path=""):
    """(path, list of types) of every node of a JSON schema that declares a type."""
    if "type" in schema:
        yield path, schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    for name, child in schema.get("properties", {}).items():
        yield from _property_types(child, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _property_types(schema["items"], f"{path}[]")


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class ErrorTest(TestCase):
    @HttpMocker()
    def test_given_401_when_read_then_config_error_with_vendor_message(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(), template_response("generic_401", 401))

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, expecting_exception=True)

        trace = output.errors[0].trace.error
        assert trace.failure_type == FailureType.config_error
        assert "missing or invalid bearer token" in trace.message
        assert "fake-generic-token" not in str([m for m in output.logs]) + trace.message

    @HttpMocker()
    def test_given_403_when_read_then_config_error(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(), template_response("generic_403", 403))

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, expecting_exception=True)

        assert output.errors[0].trace.error.failure_type == FailureType.config_error
        assert "this token may not read time entries" in output.errors[0].trace.error.message

    @HttpMocker()
    def test_given_404_when_read_then_system_error_naming_the_url(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(), raw_response({"error": "not_found"}, 404))

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, expecting_exception=True)

        assert output.errors[0].trace.error.failure_type == FailureType.system_error
        assert "https://api.time-tracking.test/v1/entries" in output.errors[0].trace.error.message

    @HttpMocker()
    @patch("time.sleep")
    def test_given_429_with_retry_after_when_read_then_wait_and_retry(self, sleep, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(),
                        [template_response("generic_429", 429, {"Retry-After": "7"}), _page([1])])

        output = read_stream(ConfigBuilder.generic().build(), _STREAM)

        assert len(output.records) == 1
        assert 8 in [call.args[0] for call in sleep.call_args_list]  # Retry-After + the CDK's extra second
        assert _retry_lines(output) == ["Generic time API rate limit reached on GET "
                                        "https://api.time-tracking.test/v1/entries?offset=0&limit=100. Retrying in 8 seconds."]

    @HttpMocker()
    @patch("time.sleep")
    def test_given_500_then_success_when_read_then_retried(self, sleep, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(),
                        [template_response("generic_500", 500), template_response("generic_500", 500), _page([1])])

        output = read_stream(ConfigBuilder.generic().build(), _STREAM)

        assert len(output.records) == 1
        lines = _retry_lines(output)  # what happened, never the CDK's "Rate limit exceeded (HTTP 500)"
        assert len(lines) == 2 and all(line.startswith("Generic time API answered HTTP 500 to GET ") for line in lines)
        assert [line.rsplit(". ", 1)[1] for line in lines] == ["Retrying in 2 seconds.", "Retrying in 3 seconds."]
        assert not [message for message in output.logs if "Rate limit" in message.log.message]

    @HttpMocker()
    @patch("time.sleep")
    def test_given_500_forever_when_read_then_fails_after_capped_retries(self, sleep, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(), template_response("generic_500", 500))

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, expecting_exception=True)

        assert output.errors
        waits = [call.args[0] for call in sleep.call_args_list if call.args[0]]
        assert waits == [2, 3, 5, 9, 17, 33]  # 1, 2, 4 … seconds (+1 s the CDK adds), six retries

    @HttpMocker()
    @patch("time.sleep")
    def test_given_a_truncated_body_when_read_then_retried(self, sleep, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().build(), [raw_response('{"data": [{"id": "te'), _page([1])])

        assert len(read_stream(ConfigBuilder.generic().build(), _STREAM).records) == 1


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class RecordsPathTest(TestCase):
    @HttpMocker()
    def test_given_nested_records_path_when_read_then_records_found(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(records_path="result/items").build()
        http_mocker.get(GenericRequestBuilder.entries().build(), raw_response({"result": {"items": [{"id": "a", "updated_at": "2026-10-01T00:00:00Z"}]}}))

        assert record_data(read_stream(config, _STREAM))[0]["id"] == "a"

    @HttpMocker()
    def test_given_empty_records_path_when_body_is_a_list_then_records_found(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(records_path="").build()
        http_mocker.get(GenericRequestBuilder.entries().build(), raw_response([{"id": "a"}, {"id": "b"}]))

        assert len(read_stream(config, _STREAM).records) == 2

    @HttpMocker()
    def test_given_wrong_records_path_when_read_then_config_error_naming_path_and_url(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(records_path="entries").build()
        http_mocker.get(GenericRequestBuilder.entries().build(), _page([1]))

        output = read_stream(config, _STREAM, expecting_exception=True)

        error = output.errors[0].trace.error
        assert error.failure_type == FailureType.config_error
        assert "records_path 'entries' is not in the response (it has: data, limit, offset, total)" in error.message
        assert "GET https://api.time-tracking.test/v1/entries?offset=0&limit=100" in error.message

    @HttpMocker()
    def test_given_wrong_records_path_when_read_then_no_secret_in_any_message(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(
            records_path="entries", auth={"auth_type": "api_key_header", "header_name": "X-Api-Key", "api_key": "fake-key-7f3a"}
        ).build()
        http_mocker.get(GenericRequestBuilder.entries().with_headers({"X-Api-Key": "fake-key-7f3a"}).build(), _page([1]))

        output = read_stream(config, _STREAM, expecting_exception=True)

        assert "records_path 'entries'" in output.errors[0].trace.error.message
        logs_and_traces = output.get_message_by_types([Type.LOG, Type.TRACE])
        assert logs_and_traces and all("fake-key-7f3a" not in repr(message) for message in logs_and_traces)

    @HttpMocker()
    def test_given_records_path_to_an_object_when_read_then_config_error(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(records_path="").build()
        http_mocker.get(GenericRequestBuilder.entries().build(), _page([1]))

        output = read_stream(config, _STREAM, expecting_exception=True)

        assert "Expected a list of records at the top level (records_path is empty), got dict" in output.errors[0].trace.error.message


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class CheckTest(TestCase):
    @HttpMocker()
    def test_given_valid_token_when_check_then_one_request_with_limit_1(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().with_limit(1).build(), _page([1], limit=1))

        ok, message = SourceTimeTracking().check_connection(_LOGGER, ConfigBuilder.generic().build())

        assert ok and message is None

    @HttpMocker()
    def test_given_bad_token_when_check_then_failed_with_vendor_message(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(GenericRequestBuilder.entries().with_limit(1).build(), template_response("generic_401", 401))

        status = SourceTimeTracking().check(_LOGGER, ConfigBuilder.generic().build())

        assert status.status == Status.FAILED
        assert "missing or invalid bearer token" in status.message

    def test_given_plain_http_to_a_remote_host_when_check_then_failed_without_request(self) -> None:
        config = ConfigBuilder.generic().with_provider(base_url="http://time.example.com").build()

        ok, message = SourceTimeTracking().check_connection(_LOGGER, config)

        assert not ok and "must be an https URL" in message
