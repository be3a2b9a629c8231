"""Harvest provider, `time_entries`: links.next pagination, per_page, headers, state, errors, check."""

from __future__ import annotations

import json
import logging
import re
from unittest import TestCase
from unittest.mock import patch

import freezegun
from airbyte_cdk.models import FailureType, Status, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from airbyte_cdk.test.mock_http.response_builder import FieldPath

from source_time_tracking import SourceTimeTracking
from unit_tests.config import ConfigBuilder
from unit_tests.helpers import read_stream, record_data, stream_state
from unit_tests.request_builder import HarvestRequestBuilder
from unit_tests.response_builder import template_response, harvest_record, harvest_response, raw_response, with_total_entries

_STREAM = "time_entries"
_LOGGER = logging.getLogger("airbyte")
_NOW = "2026-11-25T08:00:00Z"
_PAGE_2 = "https://api.harvestapp.com/v2/time_entries?page=2&per_page=2000"


def _entry(entry_id: int, updated_at: str, spent_date: str = "2026-10-02"):
    return harvest_record("time_entries").with_id(entry_id).with_cursor(updated_at).with_field(FieldPath("spent_date"), spent_date)


def _with_pages(response: HttpResponse, page: int, total_pages: int, total: int) -> HttpResponse:
    body = json.loads(response.body)
    body.update({"page": page, "total_pages": total_pages, "total_entries": total,
                 "next_page": page + 1 if page < total_pages else None})
    return HttpResponse(json.dumps(body), response.status_code, response.headers)


@freezegun.freeze_time(_NOW)
class FullRefreshTest(TestCase):
    @HttpMocker()
    def test_given_links_next_page_style_when_read_then_follow_until_null(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(
            HarvestRequestBuilder.time_entries().build(),
            harvest_response("time_entries", next_url=_PAGE_2).with_record(_entry(3, "2026-10-03T00:00:00Z"))
            .with_pagination().build(),
        )
        http_mocker.get(
            HarvestRequestBuilder.next_link(_PAGE_2).build(),
            harvest_response("time_entries").with_record(_entry(2, "2026-10-02T00:00:00Z")).build(),
        )

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM)

        assert [record["id"] for record in record_data(output)] == [3, 2]

    @HttpMocker()
    def test_given_two_pages_when_read_then_one_line_per_page_and_a_summary(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(), _with_pages(
            harvest_response("time_entries", next_url=_PAGE_2).with_record(_entry(3, "2026-10-03T00:00:00Z"))
            .with_record(_entry(2, "2026-10-02T00:00:00Z")).with_pagination().build(), page=1, total_pages=2, total=3))
        http_mocker.get(HarvestRequestBuilder.next_link(_PAGE_2).build(), _with_pages(
            harvest_response("time_entries").with_record(_entry(1, "2026-10-01T00:00:00Z")).build(),
            page=2, total_pages=2, total=3))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM)

        lines = [message.log.message for message in output.logs if message.log.message.startswith("time_entries: ")]
        assert lines[:2] == ["time_entries: page 1 of 2: 2 rows, 2 rows so far of 3 in total",
                             "time_entries: page 2 of 2: 1 rows, 3 rows so far of 3 in total"]
        assert re.fullmatch(r"time_entries: done, 3 rows in 2 pages, \d+\.\d s", lines[2]) and len(lines) == 3

    @HttpMocker()
    def test_given_record_when_read_then_nested_objects_and_numbers_as_returned(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(),
                        harvest_response("time_entries").with_record(_entry(1, "2026-10-02T16:47:14Z")).build())

        record = record_data(read_stream(ConfigBuilder.harvest().build(), _STREAM))[0]

        assert record["project"] == {"id": 14307913, "name": "Marketing Website", "code": "P-1003"}
        assert record["hours"] == "2.11" and record["cost_rate"] == "50.0" and record["billable"] is True

    @HttpMocker()
    def test_given_page_logs_when_read_then_page_total_and_rows_so_far(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(),
                        harvest_response("time_entries").with_record(_entry(1, "2026-10-02T16:47:14Z")).build())

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM)

        assert output.is_in_logs("time_entries: page 1 of 1: 1 rows, 1 rows so far of 1 in total")
        assert output.is_not_in_logs("fake-harvest-token")

    @HttpMocker()
    def test_given_next_link_to_another_host_when_read_then_fail_without_sending_the_token(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(
            HarvestRequestBuilder.time_entries().build(),
            harvest_response("time_entries", next_url="https://evil.example.com/v2/time_entries?page=2")
            .with_record(_entry(1, "2026-10-02T00:00:00Z")).with_pagination().build(),
        )

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, expecting_exception=True)

        assert "links.next points outside the configured API" in output.errors[0].trace.error.message


@freezegun.freeze_time(_NOW)
class IncrementalTest(TestCase):
    @HttpMocker()
    def test_given_state_when_read_then_updated_since_from_state_and_next_link_as_given(self, http_mocker: HttpMocker) -> None:
        since = "2026-10-01T00:00:00Z"
        next_url = f"https://api.harvestapp.com/v2/time_entries?updated_since={since}&page=2&per_page=2000"
        http_mocker.get(
            HarvestRequestBuilder.time_entries().with_updated_since(since).build(),
            harvest_response("time_entries", next_url=next_url).with_record(_entry(9, "2026-10-20T00:00:00Z", "2026-10-20"))
            .with_pagination().build(),
        )
        http_mocker.get(
            HarvestRequestBuilder.next_link(next_url).build(),
            harvest_response("time_entries").with_record(_entry(4, "2026-10-25T00:00:00Z", "2026-09-01")).build(),
        )

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental, state={"updated_at": since})

        assert len(output.records) == 2
        # Sorted by spent_date, so no checkpoint before the read ends; then the highest updated_at seen.
        assert len(output.state_messages) == 1
        assert stream_state(output) == {"updated_at": "2026-10-25T00:00:00Z"}

    @HttpMocker()
    def test_given_rows_changed_while_reading_when_read_ends_then_state_capped_at_read_start_minus_skew(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(),
                        harvest_response("time_entries").with_record(_entry(1, "2026-11-25T07:59:59Z")).build())

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental)

        assert stream_state(output) == {"updated_at": "2026-11-25T07:55:00Z"}

    @HttpMocker()
    def test_given_total_entries_drops_between_pages_when_read_then_state_stays(self, http_mocker: HttpMocker) -> None:
        # An entry was deleted between page 1 and page 2: the rows behind it moved up and one may be unread.
        since = "2026-10-01T00:00:00Z"
        next_url = f"https://api.harvestapp.com/v2/time_entries?updated_since={since}&page=2&per_page=2000"
        http_mocker.get(HarvestRequestBuilder.time_entries().with_updated_since(since).build(),
                        with_total_entries(harvest_response("time_entries", next_url=next_url)
                                           .with_record(_entry(9, "2026-10-20T00:00:00Z")).with_pagination().build(), 4001))
        http_mocker.get(HarvestRequestBuilder.next_link(next_url).build(),
                        with_total_entries(harvest_response("time_entries")
                                           .with_record(_entry(4, "2026-10-25T00:00:00Z")).build(), 4000))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental, state={"updated_at": since})

        assert len(output.records) == 2
        assert stream_state(output) == {"updated_at": since}
        assert output.is_in_logs("rows changed while the list was paged")

    @HttpMocker()
    def test_given_total_entries_grows_between_pages_when_read_then_state_moves(self, http_mocker: HttpMocker) -> None:
        # An insert moves the later rows down: one comes twice, none is lost, so the state may move.
        since = "2026-10-01T00:00:00Z"
        next_url = f"https://api.harvestapp.com/v2/time_entries?updated_since={since}&page=2&per_page=2000"
        http_mocker.get(HarvestRequestBuilder.time_entries().with_updated_since(since).build(),
                        with_total_entries(harvest_response("time_entries", next_url=next_url)
                                           .with_record(_entry(9, "2026-10-20T00:00:00Z")).with_pagination().build(), 4000))
        http_mocker.get(HarvestRequestBuilder.next_link(next_url).build(),
                        with_total_entries(harvest_response("time_entries")
                                           .with_record(_entry(4, "2026-10-25T00:00:00Z")).build(), 4001))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental, state={"updated_at": since})

        assert stream_state(output) == {"updated_at": "2026-10-25T00:00:00Z"}
        assert not output.is_in_logs("rows changed while the list was paged")

    @HttpMocker()
    def test_given_an_entry_updated_during_the_read_on_a_later_page_when_read_then_state_stays(self, http_mocker: HttpMocker) -> None:
        # Its spent_date moved back (to a later page): the rows between moved up and one may be unread.
        since = "2026-10-01T00:00:00Z"
        next_url = f"https://api.harvestapp.com/v2/time_entries?updated_since={since}&page=2&per_page=2000"
        http_mocker.get(HarvestRequestBuilder.time_entries().with_updated_since(since).build(),
                        harvest_response("time_entries", next_url=next_url)
                        .with_record(_entry(9, "2026-10-20T00:00:00Z")).with_pagination().build())
        http_mocker.get(HarvestRequestBuilder.next_link(next_url).build(),
                        harvest_response("time_entries").with_record(_entry(4, "2026-11-25T07:59:00Z", "2026-03-01")).build())

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental, state={"updated_at": since})

        assert stream_state(output) == {"updated_at": since}

    @HttpMocker()
    def test_given_start_date_and_no_state_when_read_then_start_date_is_updated_since(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.harvest().with_start_date("2026-02-01T00:00:00Z").build()
        http_mocker.get(HarvestRequestBuilder.time_entries().with_updated_since("2026-02-01T00:00:00Z").build(),
                        harvest_response("time_entries").build())

        output = read_stream(config, _STREAM, SyncMode.incremental)

        assert output.records == [] and not output.errors

    @HttpMocker()
    def test_given_failure_on_page_2_when_read_then_no_state_moves_past_the_old_cursor(self, http_mocker: HttpMocker) -> None:
        since = "2026-10-01T00:00:00Z"
        http_mocker.get(
            HarvestRequestBuilder.time_entries().with_updated_since(since).build(),
            harvest_response("time_entries", next_url=_PAGE_2).with_record(_entry(9, "2026-10-20T00:00:00Z"))
            .with_pagination().build(),
        )
        http_mocker.get(HarvestRequestBuilder.next_link(_PAGE_2).build(), template_response("harvest_403", 403))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, SyncMode.incremental,
                             state={"updated_at": since}, expecting_exception=True)

        assert all(dict(m.state.stream.stream_state.__dict__) == {"updated_at": since} for m in output.state_messages)


@freezegun.freeze_time(_NOW)
class ErrorTest(TestCase):
    @HttpMocker()
    def test_given_401_when_read_then_config_error_with_harvest_message(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(), template_response("harvest_401", 401))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, expecting_exception=True)

        error = output.errors[0].trace.error
        assert error.failure_type == FailureType.config_error
        assert "The access token provided is expired, revoked, malformed or invalid" in error.message
        assert output.records == []

    @HttpMocker()
    def test_given_403_when_read_then_config_error(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(), template_response("harvest_403", 403))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, expecting_exception=True)

        assert output.errors[0].trace.error.failure_type == FailureType.config_error

    @HttpMocker()
    def test_given_404_wrong_account_when_read_then_config_error_naming_account_id(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(), template_response("harvest_404", 404))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, expecting_exception=True)

        error = output.errors[0].trace.error
        assert error.failure_type == FailureType.config_error
        assert "check account_id" in error.message

    @HttpMocker()
    @patch("time.sleep")
    def test_given_429_when_read_then_wait_retry_after_and_retry(self, sleep, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(), [
            template_response("harvest_429", 429, {"Retry-After": "15"}),
            harvest_response("time_entries").with_record(_entry(1, "2026-10-02T00:00:00Z")).build(),
        ])

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM)

        assert len(output.records) == 1
        assert [call.args[0] for call in sleep.call_args_list if call.args[0]] == [16]

    @HttpMocker()
    @patch("time.sleep")
    def test_given_500_then_success_when_read_then_retried(self, sleep, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(), [
            template_response("harvest_500", 500),
            harvest_response("time_entries").with_record(_entry(1, "2026-10-02T00:00:00Z")).build(),
        ])

        assert len(read_stream(ConfigBuilder.harvest().build(), _STREAM).records) == 1

    @HttpMocker()
    def test_given_body_without_time_entries_when_read_then_config_error_naming_path(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(), raw_response({"entries": []}))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, expecting_exception=True)

        assert "records_path 'time_entries' is not in the response (it has: entries)" in output.errors[0].trace.error.message


@freezegun.freeze_time(_NOW)
class CheckTest(TestCase):
    @HttpMocker()
    def test_given_valid_credentials_when_check_then_company_read(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.company().build(), template_response("harvest_company", 200))

        assert SourceTimeTracking().check_connection(_LOGGER, ConfigBuilder.harvest().build()) == (True, None)

    @HttpMocker()
    def test_given_bad_token_when_check_then_failed_with_harvest_message(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.company().build(), template_response("harvest_401", 401))

        status = SourceTimeTracking().check(_LOGGER, ConfigBuilder.harvest().build())

        assert status.status == Status.FAILED
        assert "The access token provided is expired" in status.message
        # the message as written, a sentence: not the quoted repr the CDK's own `check` sends
        assert status.message == ("Harvest answered HTTP 401 to GET https://api.harvestapp.com/v2/company: The access "
                                  "token provided is expired, revoked, malformed or invalid for other reasons. Check the "
                                  "credentials in the connector's config.")

    @HttpMocker()
    def test_given_wrong_account_when_check_then_failed_with_account_hint(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.company().build(), template_response("harvest_404", 404))

        status = SourceTimeTracking().check(_LOGGER, ConfigBuilder.harvest().build())

        assert status.status == Status.FAILED and "check account_id" in status.message
