"""Toggl Track provider, time entries (Reports v3 search): windows of work dates, the header cursor,
client-side incremental on `at`, money from cents, deletes, and the error answers (400/401/402/403/404/429/5xx)."""

from __future__ import annotations

from unittest import TestCase

import freezegun
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker

from unit_tests.helpers import read_stream, record_data, stream_state
from unit_tests.toggl_builders import SearchRequestBuilder, entry_row, search_response, text_response, toggl_config

_NOW = "2026-11-25T08:00:00Z"
_TODAY_PLUS_ONE = "2026-11-26"


def _year(first: str = "2026-01-01") -> SearchRequestBuilder:
    return SearchRequestBuilder.work_dates(first, _TODAY_PLUS_ONE)


@freezegun.freeze_time(_NOW)
class TimeEntriesTest(TestCase):
    def test_full_refresh_follows_the_header_cursor_and_flattens_rows(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.post(_year().build(), search_response([entry_row(11), entry_row(12)],
                                                              next_entry=(13, 3, 1772453700)))
            http_mocker.post(_year().after(13, 3, 1772453700).build(), search_response([entry_row(13)]))

            output = read_stream(toggl_config(), "time_entries")

        records = record_data(output)
        assert [record["id"] for record in records] == [11, 12, 13]
        first = records[0]
        assert first["work_date"] == "2026-03-02" and first["seconds"] == 4500 and first["workspace_id"] == 6676428
        # cents become exact amounts in the workspace currency, as decimal text
        assert (first["hourly_rate"], first["billable_amount"], first["labor_cost_rate"], first["labor_cost"]) == (
            "154.00", "192.50", "41.00", "51.25")
        assert "time_entries" not in first and first["currency"] == "USD"
        assert (first["project_name"], first["task_name"]) == ("P-1001 Maple School District Hvac 1001", "Repair")

    def test_more_than_366_days_are_read_in_requests_of_366_days(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.post(SearchRequestBuilder.work_dates("2025-01-01", "2026-01-01").build(),
                             search_response([entry_row(1, start="2025-06-02T08:00:00-05:00")]))
            http_mocker.post(SearchRequestBuilder.work_dates("2026-01-02", _TODAY_PLUS_ONE).build(),
                             search_response([entry_row(2)]))

            output = read_stream(toggl_config(start_date="2025-01-01T00:00:00Z"), "time_entries")

        assert [record["id"] for record in record_data(output)] == [1, 2]

    def test_incremental_rereads_the_window_before_the_cursor_and_emits_what_changed(self) -> None:
        # state 2026-11-20: the window is 60 days before it (the default deletion_window_days)
        with HttpMocker() as http_mocker:
            http_mocker.post(_year("2026-09-21").build(), search_response([
                entry_row(1, at="2026-10-01T10:00:00-05:00"),  # unchanged since the last sync: not emitted
                entry_row(2, at="2026-11-21T10:00:00-05:00"),
                entry_row(3, start="2026-11-24T07:00:00-05:00", at="2026-11-24T18:00:00-05:00"),
            ]))

            output = read_stream(toggl_config(), "time_entries", SyncMode.incremental,
                                 state={"at": "2026-11-20T00:00:00Z"})

        assert [record["id"] for record in record_data(output)] == [2, 3]
        assert stream_state(output) == {"at": "2026-11-24T23:00:00Z"}

    def test_the_first_incremental_sync_starts_at_start_date(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.post(_year("2026-06-01").build(), search_response([entry_row(1, at="2026-06-02T10:00:00-05:00")]))

            output = read_stream(toggl_config(start_date="2026-06-01T00:00:00Z"), "time_entries", SyncMode.incremental)

        assert [record["id"] for record in record_data(output)] == [1]
        assert stream_state(output) == {"at": "2026-06-02T15:00:00Z"}

    def test_a_repeated_page_stops_the_read_instead_of_looping(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.post(_year().build(), search_response([entry_row(11)], next_entry=(12, 2, 1772453700)))
            http_mocker.post(_year().after(12, 2, 1772453700).build(),
                             search_response([entry_row(11)], next_entry=(12, 2, 1772453700)))

            output = read_stream(toggl_config(), "time_entries", expecting_exception=True)

        message = output.errors[-1].trace.error.message
        assert "does not make progress" in message
        assert "(POST http" in message  # the search's own method (it was named GET)


@freezegun.freeze_time(_NOW)
class ErrorAnswersTest(TestCase):
    def _read_failing(self, response) -> str:
        with HttpMocker() as http_mocker:
            http_mocker.post(_year().build(), response)
            output = read_stream(toggl_config(), "time_entries", expecting_exception=True)
        assert not output.records
        return output.errors[0].trace.error

    def test_403_is_a_config_error_naming_token_and_workspace(self) -> None:
        error = self._read_failing(text_response("Incorrect username and/or password", 403))
        assert error.failure_type == FailureType.config_error
        assert "Incorrect username and/or password" in error.message and "workspace_id" in error.message

    def test_401_is_a_config_error(self) -> None:
        error = self._read_failing(text_response("Unauthorized", 401))
        assert error.failure_type == FailureType.config_error

    def test_400_and_404_fail_the_sync_with_the_vendor_message(self) -> None:
        for status, text in ((400, '"start_date is required"'), (404, "Not Found")):
            error = self._read_failing(text_response(text, status))
            assert f"HTTP {status}" in error.message and text.strip('"') in error.message

    def test_402_over_quota_for_longer_than_the_cap_stops_with_a_transient_error(self) -> None:
        error = self._read_failing(text_response("You have hit your hourly limit for API calls.", 402,
                                                 {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1800"}))
        assert error.failure_type == FailureType.transient_error
        assert "quota" in error.message and "1800 seconds" in error.message

    def test_402_within_the_cap_waits_for_the_reset_then_reads(self) -> None:
        with HttpMocker() as http_mocker, freezegun.freeze_time(_NOW, tick=True):
            http_mocker.post(_year().build(), [
                text_response("You have hit your hourly limit for API calls.", 402,
                              {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1"}),
                search_response([entry_row(1)]),
            ])
            output = read_stream(toggl_config(), "time_entries")
        assert [record["id"] for record in record_data(output)] == [1]

    def test_429_and_5xx_are_retried(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.post(_year().build(), [text_response("Too Many Requests", 429),
                                               text_response("Service Unavailable", 503),
                                               search_response([entry_row(1)])])
            output = read_stream(toggl_config(), "time_entries")
        assert [record["id"] for record in record_data(output)] == [1]
