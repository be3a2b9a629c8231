"""QuickBooks Time provider: page/limit/more paging, records keyed by id, supplemental users and jobcodes
(cost rate), `modified_since` state, deletes from `/timesheets_deleted`, errors and check."""

from __future__ import annotations

import logging
from unittest import TestCase
from unittest.mock import patch

import freezegun
from airbyte_cdk.models import FailureType, Status, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

from source_time_tracking import SourceTimeTracking
from unit_tests.helpers import read_stream, record_data, stream_state
from unit_tests.quickbooks_time_builders import (
    QuickBooksTimeRequestBuilder,
    QuickBooksTimeResponseBuilder,
    error_response,
    quickbooks_time_config,
    timesheets,
)

_STREAM = "time_entries"
_LOGGER = logging.getLogger("airbyte")
_NOW = "2026-11-25T08:00:00Z"
_READ_START = "2026-11-25T07:55:00+00:00"  # the read's start minus the clock-skew allowance


def _no_deletes_during_the_read(http_mocker: HttpMocker) -> None:
    """What every `time_entries` read asks at its end: was a timesheet deleted while it paged?"""
    http_mocker.get(QuickBooksTimeRequestBuilder.timesheets_deleted(_READ_START).build(),
                    QuickBooksTimeResponseBuilder("timesheets_deleted").build())


def _sheet(sheet_id: int, last_modified: str = "2026-10-02T10:00:00+00:00", **changes) -> dict:
    return {"id": sheet_id, "last_modified": last_modified, **changes}


@freezegun.freeze_time(_NOW)
class FullRefreshTest(TestCase):
    @HttpMocker()
    def test_given_more_when_read_then_next_page_until_more_is_false(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().build(), timesheets(_sheet(3), _sheet(1), more=True))
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().with_page(2).build(), timesheets(_sheet(7)))
        _no_deletes_during_the_read(http_mocker)

        output = read_stream(quickbooks_time_config().build(), _STREAM)

        assert [record["id"] for record in record_data(output)] == [1, 3, 7]  # id order within a page

    @HttpMocker()
    def test_given_a_timesheet_when_read_then_user_jobcode_and_hourly_cost_rate_exact(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().build(), timesheets(_sheet(135288482)))
        _no_deletes_during_the_read(http_mocker)

        record = record_data(read_stream(quickbooks_time_config().build(), _STREAM))[0]

        assert record["duration"] == 24780 and record["date"] == "2018-07-16"
        assert record["start"] == "2018-07-16T09:04:00-06:00" and record["end"] == "2018-07-16T15:57:00-06:00"
        assert record["cost_rate"] == "37.25"  # exact text of the user's hourly pay rate, never a float
        assert record["user"] == {"id": 1242515, "name": "Alexander Luzzana", "pay_interval": "hour"}
        assert record["jobcode"] == {"id": 17288283, "parent_id": 0, "name": "Marketing Website",
                                     "short_code": "P-1003", "billable": True}

    @HttpMocker()
    def test_given_a_salaried_user_when_read_then_no_cost_rate(self, http_mocker: HttpMocker) -> None:
        salaried = {"id": 1242515, "first_name": "Ann", "last_name": "Lee", "pay_rate": 65000, "pay_interval": "year"}
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().build(),
                        QuickBooksTimeResponseBuilder("timesheets").with_record(**_sheet(5))
                        .with_supplemental("users", **{"1242515": salaried}).build())
        _no_deletes_during_the_read(http_mocker)

        record = record_data(read_stream(quickbooks_time_config().build(), _STREAM))[0]

        assert record.get("cost_rate") is None and record["user"]["pay_interval"] == "year"

    @HttpMocker()
    def test_given_an_empty_result_as_an_empty_array_when_read_then_no_records(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().build(), timesheets())
        _no_deletes_during_the_read(http_mocker)

        output = read_stream(quickbooks_time_config().build(), _STREAM)

        assert output.records == [] and not output.errors

    @HttpMocker()
    def test_given_an_empty_page_that_says_more_when_read_then_fail_instead_of_looping(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().build(), timesheets(more=True))

        output = read_stream(quickbooks_time_config().build(), _STREAM, expecting_exception=True)

        assert "an empty page says more pages follow" in output.errors[0].trace.error.message

    @HttpMocker()
    def test_given_results_not_keyed_by_id_when_read_then_shape_error(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().build(),
                        HttpResponse('{"results": {"timesheets": [{"id": 1}]}, "more": false}', 200))

        output = read_stream(quickbooks_time_config().build(), _STREAM, expecting_exception=True)

        error = output.errors[0].trace.error
        assert error.failure_type == FailureType.config_error
        assert "results.timesheets to be an object of records keyed by id" in error.message

    @HttpMocker()
    def test_given_users_and_jobcodes_when_read_then_listed_without_a_filter(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.endpoint("users").build(),
                        QuickBooksTimeResponseBuilder("users").with_record(id=2).with_record(id=1).build())
        http_mocker.get(QuickBooksTimeRequestBuilder.endpoint("jobcodes").build(),
                        QuickBooksTimeResponseBuilder("jobcodes").with_record(id=9).build())

        users = record_data(read_stream(quickbooks_time_config().build(), "users"))
        jobcodes = record_data(read_stream(quickbooks_time_config().build(), "jobcodes"))

        assert [user["id"] for user in users] == [1, 2] and users[0]["pay_rate"] == "37.25"
        assert jobcodes[0]["short_code"] == "P-1003" and jobcodes[0]["billable_rate"] == "95.5"


@freezegun.freeze_time(_NOW)
class IncrementalTest(TestCase):
    @HttpMocker()
    def test_given_state_when_read_then_modified_since_from_state_and_state_at_the_highest_seen(self, http_mocker: HttpMocker) -> None:
        since = "2026-10-01T00:00:00+00:00"
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets(since).build(),
                        timesheets(_sheet(9, "2026-10-25T00:00:00+00:00"), _sheet(4, "2026-10-20T00:00:00+00:00"),
                                   more=True))
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets(since).with_page(2).build(),
                        timesheets(_sheet(12, "2026-10-21T00:00:00+00:00")))
        _no_deletes_during_the_read(http_mocker)

        output = read_stream(quickbooks_time_config().build(), _STREAM, SyncMode.incremental,
                             state={"last_modified": "2026-10-01T00:00:00Z"})

        assert len(output.records) == 3
        assert stream_state(output) == {"last_modified": "2026-10-25T00:00:00Z"}

    @HttpMocker()
    def test_given_start_date_and_no_state_when_read_then_start_date_is_modified_since(self, http_mocker: HttpMocker) -> None:
        config = quickbooks_time_config().with_start_date("2026-02-01T00:00:00Z").build()
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets("2026-02-01T00:00:00+00:00").build(), timesheets())
        _no_deletes_during_the_read(http_mocker)

        output = read_stream(config, _STREAM, SyncMode.incremental)

        assert output.records == [] and not output.errors

    @HttpMocker()
    def test_given_a_timesheet_deleted_during_the_read_when_read_then_state_stays(self, http_mocker: HttpMocker) -> None:
        since = "2026-10-01T00:00:00+00:00"
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets(since).build(),
                        timesheets(_sheet(9, "2026-10-25T00:00:00+00:00")))
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets_deleted(_READ_START).build(),
                        QuickBooksTimeResponseBuilder("timesheets_deleted")
                        .with_record(id=5, last_modified="2026-11-25T07:59:00+00:00").build())

        output = read_stream(quickbooks_time_config().build(), _STREAM, SyncMode.incremental,
                             state={"last_modified": "2026-10-01T00:00:00Z"})

        assert len(output.records) == 1
        assert stream_state(output) == {"last_modified": "2026-10-01T00:00:00Z"}
        assert output.is_in_logs("a timesheet was deleted while the list was paged")

    @HttpMocker()
    def test_given_deleted_timesheets_when_read_then_tombstones_and_state_at_the_last_delete(self, http_mocker: HttpMocker) -> None:
        since = "2026-10-01T00:00:00+00:00"
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets_deleted(since).build(),
                        QuickBooksTimeResponseBuilder("timesheets_deleted")
                        .with_record(id=8, date="2026-09-30", last_modified="2026-10-03T09:00:00+00:00")
                        .with_record(id=6, date="2026-10-01", last_modified="2026-10-02T09:00:00+00:00").build())

        output = read_stream(quickbooks_time_config().build(), "deleted_time_entries", SyncMode.incremental,
                             state={"deleted_at": "2026-10-01T00:00:00Z"})

        assert record_data(output) == [
            {"id": "6", "work_date": "2026-10-01", "deleted_at": "2026-10-02T09:00:00+00:00"},
            {"id": "8", "work_date": "2026-09-30", "deleted_at": "2026-10-03T09:00:00+00:00"},
        ]
        assert stream_state(output) == {"deleted_at": "2026-10-03T09:00:00Z"}


@freezegun.freeze_time(_NOW)
class ErrorTest(TestCase):
    def _fails(self, http_mocker: HttpMocker, status: int) -> tuple:
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().build(), error_response(status))
        output = read_stream(quickbooks_time_config().build(), _STREAM, expecting_exception=True)
        assert output.records == []
        return output.errors[0].trace.error.failure_type, output.errors[0].trace.error.message

    @HttpMocker()
    def test_given_401_when_read_then_config_error_with_the_vendor_description(self, http_mocker: HttpMocker) -> None:
        failure, message = self._fails(http_mocker, 401)
        assert failure == FailureType.config_error
        assert "QuickBooks Time answered HTTP 401" in message and "The access token is missing, expired or invalid" in message

    @HttpMocker()
    def test_given_402_when_read_then_config_error_naming_billing(self, http_mocker: HttpMocker) -> None:
        failure, message = self._fails(http_mocker, 402)
        assert failure == FailureType.config_error and "billing is not current" in message

    @HttpMocker()
    def test_given_403_when_read_then_config_error(self, http_mocker: HttpMocker) -> None:
        assert self._fails(http_mocker, 403)[0] == FailureType.config_error

    @HttpMocker()
    def test_given_400_404_or_417_when_read_then_the_sync_fails_naming_the_answer(self, http_mocker: HttpMocker) -> None:
        for status in (400, 404, 417):
            with self.subTest(status=status), HttpMocker() as mocker:
                failure, message = self._fails(mocker, status)
                assert failure == FailureType.system_error and f"HTTP {status}" in message

    @HttpMocker()
    @patch("time.sleep")
    def test_given_429_when_read_then_wait_retry_after_and_retry(self, sleep, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().build(),
                        [error_response(429, {"Retry-After": "7"}), timesheets(_sheet(1))])
        _no_deletes_during_the_read(http_mocker)

        output = read_stream(quickbooks_time_config().build(), _STREAM)

        assert len(output.records) == 1
        assert [call.args[0] for call in sleep.call_args_list if call.args[0]] == [8]

    @HttpMocker()
    @patch("time.sleep")
    def test_given_429_without_retry_after_when_read_then_backoff_and_retry(self, sleep, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().build(), [error_response(429), timesheets(_sheet(1))])
        _no_deletes_during_the_read(http_mocker)

        assert len(read_stream(quickbooks_time_config().build(), _STREAM).records) == 1
        assert any(call.args[0] for call in sleep.call_args_list)

    @HttpMocker()
    @patch("time.sleep")
    def test_given_500_then_success_when_read_then_retried(self, sleep, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.timesheets().build(), [error_response(500), timesheets(_sheet(1))])
        _no_deletes_during_the_read(http_mocker)

        assert len(read_stream(quickbooks_time_config().build(), _STREAM).records) == 1


@freezegun.freeze_time(_NOW)
class CheckTest(TestCase):
    @HttpMocker()
    def test_given_valid_token_when_check_then_current_user_read(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.current_user().build(),
                        QuickBooksTimeResponseBuilder("current_user", key="users").with_record(id=1).build())

        assert SourceTimeTracking().check_connection(_LOGGER, quickbooks_time_config().build()) == (True, None)

    @HttpMocker()
    def test_given_bad_token_when_check_then_failed_with_the_vendor_description(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(QuickBooksTimeRequestBuilder.current_user().build(), error_response(401))

        status = SourceTimeTracking().check(_LOGGER, quickbooks_time_config().build())

        assert status.status == Status.FAILED and "The access token is missing, expired or invalid" in status.message
