"""Clockify provider: per-user time entries paged to an empty page, work dates in the user's time zone, the
rolling work-date window, rates in currency units, errors, deletes, the other lists and check."""

from __future__ import annotations

import logging
from unittest import TestCase
from unittest.mock import patch

import freezegun
from airbyte_cdk.models import FailureType, Status, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.test.mock_http.response_builder import FieldPath

from source_time_tracking import SourceTimeTracking
from source_time_tracking.deletions import encode_ids
from unit_tests.config import ConfigBuilder
from unit_tests.helpers import read_stream, record_data, stream_state
from unit_tests.request_builder import ClockifyRequestBuilder
from unit_tests.response_builder import clockify_one, clockify_page, clockify_record, template_response

_LOGGER = logging.getLogger("airbyte")
_NOW = "2026-11-25T08:00:00Z"
_USER = "5a0ab5acb07987125438b60f"  # in America/Los_Angeles


def _entry(entry_id: str, start: str, duration: str = "PT2H30M", end: str = ""):
    interval = {"start": start, "end": end or start, "duration": duration}
    return clockify_record("time_entries").with_id(entry_id).with_field(FieldPath("timeInterval"), interval)


def _users(http_mocker: HttpMocker, *users) -> None:
    """The list of users, to its empty page: it is read whole before any user's entries (so it is read to the end
    even when the first user's entries fail)."""
    http_mocker.get(ClockifyRequestBuilder.users().build(), clockify_page(*(users or [clockify_record("users")])))
    http_mocker.get(ClockifyRequestBuilder.users().with_page(2).build(), clockify_page())


def _entries(http_mocker: HttpMocker, user: str, *pages, start: str = "") -> None:
    """Each page of `pages` (lists of records), then the empty page that ends the list."""
    for number, records in enumerate([*pages, []], start=1):
        request = ClockifyRequestBuilder.time_entries(user).with_page(number)
        http_mocker.get((request.with_start(start) if start else request).build(), clockify_page(*records))


@freezegun.freeze_time(_NOW)
class TimeEntriesTest(TestCase):
    @HttpMocker()
    def test_given_entries_when_read_then_every_user_paged_to_an_empty_page_with_derived_fields(self, http_mocker):
        second_user = clockify_record("users").with_id("5a0ab5ac0000000000000002").with_field(FieldPath("settings"), None)
        _users(http_mocker, clockify_record("users"), second_user)
        _entries(http_mocker, _USER, [_entry("e3", "2026-03-05T04:30:00Z", end="2026-03-05T07:00:00Z"),
                                      _entry("e2", "2026-03-04T16:00:00Z", "PT1H15M")], [_entry("e1", "2026-03-02T15:00:00Z")])
        _entries(http_mocker, "5a0ab5ac0000000000000002", [
            _entry("e9", "2026-03-05T04:30:00Z").with_field(FieldPath("userId"), "5a0ab5ac0000000000000002")])

        output = read_stream(ConfigBuilder.clockify().build(), "time_entries")

        records = record_data(output)
        assert [record["id"] for record in records] == ["e3", "e2", "e1", "e9"]
        first = records[0]
        assert first["work_date"] == "2026-03-04"  # 20:30 on the 4th in Los Angeles
        assert (first["hours"], first["duration_seconds"], first["cost_rate"], first["hourly_rate"], first["currency"]) == (
            "2.50", 9000, "35.00", "95.00", "USD")
        assert (first["started_at"], first["ended_at"], first["is_running"]) == (
            "2026-03-05T04:30:00Z", "2026-03-05T07:00:00Z", False)
        assert records[1]["hours"] == "1.25"
        assert records[2]["hours"] == "2.50"
        assert records[3]["work_date"] == "2026-03-05"  # a user without settings: UTC
        assert output.is_in_logs(f"time_entries: user {_USER}, page 2: 1 rows, 3 rows so far")
        assert output.is_not_in_logs("fake-clockify-api-key")

    @HttpMocker()
    def test_given_a_duration_of_odd_seconds_when_read_then_exact_seconds_and_hours_to_9_decimals(self, http_mocker):
        _users(http_mocker)
        _entries(http_mocker, _USER, [_entry("odd", "2026-03-05T04:30:00Z", "PT20M1S"),
                                      _entry("days", "2026-03-01T04:30:00Z", "P1DT2H")])

        odd, days = record_data(read_stream(ConfigBuilder.clockify().build(), "time_entries"))

        assert (odd["duration_seconds"], odd["hours"]) == (1201, "0.333611111")
        assert (days["duration_seconds"], days["hours"]) == (93600, "26.00")

    @HttpMocker()
    def test_given_a_running_timer_when_read_then_no_end_hours_or_duration(self, http_mocker):
        _users(http_mocker)
        running = clockify_record("time_entries").with_id("r1").with_field(
            FieldPath("timeInterval"), {"start": "2026-11-25T07:00:00Z", "end": None, "duration": None})
        _entries(http_mocker, _USER, [running])

        record = record_data(read_stream(ConfigBuilder.clockify().build(), "time_entries"))[0]

        assert record["is_running"] is True and record["started_at"] == "2026-11-25T07:00:00Z"
        assert not {"ended_at", "hours", "duration_seconds"} & {key for key, value in record.items() if value is not None}

    @HttpMocker()
    def test_given_cents_that_are_not_a_number_when_read_then_the_read_fails_naming_the_field(self, http_mocker):
        _users(http_mocker)  # read whole first: its end is asked for before the failing entries
        http_mocker.get(ClockifyRequestBuilder.time_entries(_USER).build(), clockify_page(
            _entry("bad", "2026-03-05T04:30:00Z").with_field(FieldPath("costRate"), {"amount": "35.00", "currency": "USD"})))

        output = read_stream(ConfigBuilder.clockify().build(), "time_entries", expecting_exception=True)

        message = output.errors[0].trace.error.message
        assert "record id='bad'" in message and "costRate.amount" in message and not record_data(output)


@freezegun.freeze_time(_NOW)
class IncrementalTest(TestCase):
    @HttpMocker()
    def test_given_state_when_read_then_the_rolling_window_before_it_is_read_and_the_state_moves(self, http_mocker):
        _users(http_mocker)
        # state 2026-10-20, window 60 days: work dates from 2026-08-21, asked from a day earlier in UTC.
        _entries(http_mocker, _USER, [_entry("new", "2026-11-02T18:00:00Z"), _entry("edge", "2026-08-21T15:00:00Z"),
                                      _entry("before", "2026-08-21T05:00:00Z")], start="2026-08-20T00:00:00Z")

        output = read_stream(ConfigBuilder.clockify().build(), "time_entries", SyncMode.incremental,
                             state={"work_date": "2026-10-20"})

        assert [record["id"] for record in record_data(output)] == ["new", "edge"]  # "before": the 20th in LA
        assert stream_state(output) == {"work_date": "2026-11-02"}

    @HttpMocker()
    def test_given_start_date_and_no_state_when_read_then_start_is_a_day_before_it(self, http_mocker):
        _users(http_mocker)
        _entries(http_mocker, _USER, [_entry("e1", "2026-10-02T18:00:00Z")], start="2026-09-30T00:00:00Z")

        output = read_stream(ConfigBuilder.clockify().with_start_date("2026-10-01T00:00:00Z").build(), "time_entries",
                             SyncMode.incremental)

        assert [record["id"] for record in record_data(output)] == ["e1"]
        assert stream_state(output) == {"work_date": "2026-10-02"}

    @HttpMocker()
    def test_given_a_window_setting_when_read_then_the_window_follows_it(self, http_mocker):
        _users(http_mocker)
        _entries(http_mocker, _USER, start="2026-10-12T00:00:00Z")

        output = read_stream(ConfigBuilder.clockify().with_provider(rolling_window_days=7).build(), "time_entries",
                             SyncMode.incremental, state={"work_date": "2026-10-20"})

        assert stream_state(output) == {"work_date": "2026-10-20"}  # nothing newer: the state stays


@freezegun.freeze_time(_NOW)
class ErrorsTest(TestCase):
    def _read_failing(self, http_mocker, template: str, status: int):
        http_mocker.get(ClockifyRequestBuilder.users().build(), template_response(template, status))
        return read_stream(ConfigBuilder.clockify().build(), "users", expecting_exception=True)

    @HttpMocker()
    def test_given_400_when_read_then_system_error_with_clockify_message(self, http_mocker):
        error = self._read_failing(http_mocker, "clockify_400", 400).errors[0].trace.error
        assert error.failure_type == FailureType.system_error and "page-size must be between" in error.message

    @HttpMocker()
    def test_given_401_when_read_then_config_error_with_clockify_message(self, http_mocker):
        error = self._read_failing(http_mocker, "clockify_401", 401).errors[0].trace.error
        assert error.failure_type == FailureType.config_error and "Api key does not exist" in error.message

    @HttpMocker()
    def test_given_403_when_read_then_config_error_naming_workspace_id(self, http_mocker):
        error = self._read_failing(http_mocker, "clockify_403", 403).errors[0].trace.error
        assert error.failure_type == FailureType.config_error and "check workspace_id" in error.message

    @HttpMocker()
    def test_given_404_when_read_then_system_error(self, http_mocker):
        error = self._read_failing(http_mocker, "clockify_404", 404).errors[0].trace.error
        assert error.failure_type == FailureType.system_error and "No static resource" in error.message

    @HttpMocker()
    @patch("time.sleep")
    def test_given_429_without_retry_after_when_read_then_wait_and_retry(self, sleep, http_mocker):
        http_mocker.get(ClockifyRequestBuilder.users().build(),
                        [template_response("clockify_429", 429), clockify_page(clockify_record("users"))])
        http_mocker.get(ClockifyRequestBuilder.users().with_page(2).build(), clockify_page())

        output = read_stream(ConfigBuilder.clockify().build(), "users")

        assert len(record_data(output)) == 1
        # no Retry-After: the shared backoff's first wait (Clockify's limit is per second)
        assert [call.args[0] for call in sleep.call_args_list if call.args[0]] == [2]

    @HttpMocker()
    @patch("time.sleep")
    def test_given_500_then_success_when_read_then_retried(self, sleep, http_mocker):
        http_mocker.get(ClockifyRequestBuilder.users().build(),
                        [template_response("clockify_500", 500), clockify_page(clockify_record("users"))])
        http_mocker.get(ClockifyRequestBuilder.users().with_page(2).build(), clockify_page())

        assert len(record_data(read_stream(ConfigBuilder.clockify().build(), "users"))) == 1


@freezegun.freeze_time(_NOW)
class DeletedTimeEntriesTest(TestCase):
    # window 60 days before 2026-11-25: work dates 2026-09-26 … 2026-11-25, asked from 2026-09-25 UTC
    _START = "2026-09-25T00:00:00Z"

    @HttpMocker()
    def test_given_ids_seen_before_when_gone_now_then_tombstones(self, http_mocker):
        _users(http_mocker)
        _entries(http_mocker, _USER, [_entry("kept", "2026-10-02T18:00:00Z"),
                                      _entry("outside", "2026-09-26T05:00:00Z")], start=self._START)
        state = {"window_first_date": "2026-09-25", "window_last_date": "2026-11-24",
                 "seen_ids": {"2026-10-02": encode_ids(["kept", "gone"])}}

        output = read_stream(ConfigBuilder.clockify().build(), "deleted_time_entries", SyncMode.incremental,
                             state=state)

        assert record_data(output) == [{"id": "gone", "work_date": "2026-10-02", "deleted_at": "2026-11-25T08:00:00Z"}]
        assert set(stream_state(output)["seen_ids"]) == {"2026-10-02"}  # the 25th in LA is outside the window

    @HttpMocker()
    def test_given_a_user_list_of_two_pages_when_an_id_is_missing_then_it_is_looked_up(self, http_mocker):
        _users(http_mocker)
        _entries(http_mocker, _USER, [_entry("kept", "2026-10-02T18:00:00Z")],
                 [_entry("older", "2026-10-01T18:00:00Z")], start=self._START)
        http_mocker.get(ClockifyRequestBuilder.time_entry("paged-over").build(),
                        clockify_one(_entry("paged-over", "2026-10-02T17:00:00Z")))
        http_mocker.get(ClockifyRequestBuilder.time_entry("gone").build(), template_response("clockify_404", 404))
        state = {"seen_ids": {"2026-10-02": encode_ids(["kept", "paged-over", "gone"])}}

        output = read_stream(ConfigBuilder.clockify().build(), "deleted_time_entries", SyncMode.incremental,
                             state=state)

        assert [record["id"] for record in record_data(output)] == ["gone"]


@freezegun.freeze_time(_NOW)
class ListsTest(TestCase):
    @HttpMocker()
    def test_given_users_when_read_then_workspace_rates_in_currency_units_and_time_zone(self, http_mocker):
        _users(http_mocker)

        user = record_data(read_stream(ConfigBuilder.clockify().build(), "users"))[0]

        assert (user["cost_rate"], user["hourly_rate"], user["currency"], user["time_zone"]) == (
            "42.50", "120.00", "USD", "America/Los_Angeles")

    @HttpMocker()
    def test_given_projects_when_tasks_read_then_each_projects_tasks_are_paged(self, http_mocker):
        http_mocker.get(ClockifyRequestBuilder.endpoint("projects").build(), clockify_page(clockify_record("projects")))
        http_mocker.get(ClockifyRequestBuilder.endpoint("projects").with_page(2).build(), clockify_page())
        project = "25b687e29ae1f428e7ebe123"
        http_mocker.get(ClockifyRequestBuilder.endpoint(f"projects/{project}/tasks").build(),
                        clockify_page(clockify_record("tasks")))
        http_mocker.get(ClockifyRequestBuilder.endpoint(f"projects/{project}/tasks").with_page(2).build(),
                        clockify_page())

        task = record_data(read_stream(ConfigBuilder.clockify().build(), "tasks"))[0]

        assert (task["projectId"], task["hourly_rate"], task.get("cost_rate")) == (project, "125.00", None)

    @HttpMocker()
    def test_given_clients_and_projects_when_read_then_as_sent_with_project_rates(self, http_mocker):
        for resource in ("projects", "clients"):
            http_mocker.get(ClockifyRequestBuilder.endpoint(resource).build(), clockify_page(clockify_record(resource)))
            http_mocker.get(ClockifyRequestBuilder.endpoint(resource).with_page(2).build(), clockify_page())

        project = record_data(read_stream(ConfigBuilder.clockify().build(), "projects"))[0]
        client = record_data(read_stream(ConfigBuilder.clockify().build(), "clients"))[0]

        assert (project["note"], project["hourly_rate"], project["clientId"]) == ("P-1001", "125.00", client["id"])

    @HttpMocker()
    def test_given_the_same_page_again_when_read_then_the_read_stops_instead_of_looping(self, http_mocker):
        page = clockify_page(clockify_record("clients"))
        http_mocker.get(ClockifyRequestBuilder.endpoint("clients").build(), page)
        http_mocker.get(ClockifyRequestBuilder.endpoint("clients").with_page(2).build(), page)

        output = read_stream(ConfigBuilder.clockify().build(), "clients", expecting_exception=True)

        assert "does not make progress" in output.errors[0].trace.error.message


@freezegun.freeze_time(_NOW)
class CheckTest(TestCase):
    @HttpMocker()
    def test_given_the_workspace_among_the_keys_when_check_then_succeeded(self, http_mocker):
        http_mocker.get(ClockifyRequestBuilder.workspaces().build(), template_response("clockify_workspaces", 200))

        assert SourceTimeTracking().check(_LOGGER, ConfigBuilder.clockify().build()).status == Status.SUCCEEDED

    @HttpMocker()
    def test_given_another_workspace_when_check_then_failed_naming_workspace_id(self, http_mocker):
        http_mocker.get(ClockifyRequestBuilder.workspaces().build(), template_response("clockify_workspaces", 200))

        result = SourceTimeTracking().check(_LOGGER, ConfigBuilder.clockify().with_provider(
            workspace_id="5b715612b079875110791111").build())

        assert result.status == Status.FAILED and "'5b715612b079875110791111' is not a workspace" in result.message

    @HttpMocker()
    def test_given_a_bad_key_when_check_then_failed_with_clockify_message(self, http_mocker):
        http_mocker.get(ClockifyRequestBuilder.workspaces().build(), template_response("clockify_401", 401))

        result = SourceTimeTracking().check(_LOGGER, ConfigBuilder.clockify().build())

        assert result.status == Status.FAILED and "Api key does not exist" in result.message
