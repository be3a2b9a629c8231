"""Every response bounded, and paging that does not progress stopped: the guards against a broken or hostile API.

Bodies are mocked without a `Content-Length`, so the size limit is enforced while the body streams in;
limits are lowered through the documented environment variables.
"""

from __future__ import annotations

import json
from unittest import TestCase

import freezegun
import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

from unit_tests.config import HARVEST_BASE_URL, ConfigBuilder
from unit_tests.helpers import read_stream, record_data
from unit_tests.request_builder import GenericRequestBuilder, HarvestRequestBuilder
from unit_tests.response_builder import generic_entry, generic_response, harvest_record, harvest_response

_STREAM = "time_entries"
_PAGE_2 = "https://api.harvestapp.com/v2/time_entries?page=2&per_page=2000"


def _stream_error(output):
    [error] = [m.trace.error for m in output.errors if m.trace.error.stream_descriptor]
    return error


def _generic_page(ids: list[int], offset: int = 0, limit: int = 3, total=None) -> HttpResponse:
    response = generic_response(offset, limit, total)
    for number in ids:
        response.with_record(generic_entry(f"te_{number}", "2026-10-05T10:00:00Z"))
    return response.build()


def _harvest_page(ids: list[int], page: int, next_url=None, next_page=None, total_pages: int = 1) -> HttpResponse:
    response = harvest_response("time_entries")
    for number in ids:
        response.with_record(harvest_record("time_entries").with_id(number))
    body = json.loads(response.build().body)
    body.update({"page": page, "next_page": next_page, "total_pages": total_pages, "total_entries": len(ids)})
    body["links"]["next"] = next_url
    return HttpResponse(json.dumps(body), 200)


@pytest.fixture(autouse=True)
def _limits(monkeypatch):
    monkeypatch.setenv("SOURCE_TIME_TRACKING_MAX_RESPONSE_BYTES", "20000")


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class ResponseSizeTest(TestCase):
    @HttpMocker()
    def test_a_body_over_the_limit_fails_the_read_naming_the_limit_and_the_url(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 3}).build()
        body = json.loads(_generic_page([1, 2]).body)
        body["notes"] = "x" * 30000  # valid JSON, only too large
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).build(), HttpResponse(json.dumps(body), 200))

        output = read_stream(config, _STREAM, expecting_exception=True)

        error = _stream_error(output)
        assert record_data(output) == []
        assert error.failure_type == FailureType.system_error
        assert "limit of 20000 bytes" in error.message
        assert "https://api.time-tracking.test/v1/entries" in error.message and "?" not in error.message

    @HttpMocker()
    def test_a_body_under_the_limit_is_read(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 3}).build()
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).build(), _generic_page([1, 2]))

        assert len(record_data(read_stream(config, _STREAM))) == 2


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class LoopGuardTest(TestCase):
    @HttpMocker()
    def test_an_api_ignoring_offset_stops_the_read_after_the_repeated_page(self, http_mocker: HttpMocker) -> None:
        config = ConfigBuilder.generic().with_provider(pagination={"page_size": 3}).build()
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).build(), _generic_page([1, 2, 3]))
        http_mocker.get(GenericRequestBuilder.entries().with_limit(3).with_offset(2).build(), _generic_page([1, 2, 3], offset=2))

        output = read_stream(config, _STREAM, expecting_exception=True)

        error = _stream_error(output)
        assert [record["id"] for record in record_data(output)] == ["te_1", "te_2", "te_3"]  # page 2 not emitted
        assert error.failure_type == FailureType.system_error
        assert "page 2 repeats the 3 keys of page 1" in error.message

    @HttpMocker()
    def test_a_next_link_to_the_page_just_read_stops_the_read(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(),
                        _harvest_page([1, 2], page=1, next_url=f"{HARVEST_BASE_URL}/time_entries?per_page=2000", next_page=2, total_pages=2))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, expecting_exception=True)

        assert "links.next of page 1 points to a page already read" in _stream_error(output).message
        assert len(record_data(output)) == 2

    @HttpMocker()
    def test_a_next_page_that_does_not_move_forward_stops_the_read(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(),
                        _harvest_page([1], page=1, next_url=_PAGE_2, next_page=1, total_pages=2))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, expecting_exception=True)

        assert "next_page 1 of page 1 does not move forward" in _stream_error(output).message

    @HttpMocker()
    def test_more_pages_than_total_pages_allows_stops_the_read(self, http_mocker: HttpMocker) -> None:
        page_3 = "https://api.harvestapp.com/v2/time_entries?page=3&per_page=2000"
        http_mocker.get(HarvestRequestBuilder.time_entries().build(),
                        _harvest_page([1], page=1, next_url=_PAGE_2, next_page=2))
        http_mocker.get(HarvestRequestBuilder.next_link(_PAGE_2).build(), _harvest_page([2], page=2, next_url=page_3, next_page=3))
        http_mocker.get(HarvestRequestBuilder.next_link(page_3).build(), _harvest_page([3], page=3))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, expecting_exception=True)

        assert "3 pages read, more than the API's total_pages of 1 allows" in _stream_error(output).message
        assert [record["id"] for record in record_data(output)] == [1, 2]

    @HttpMocker()
    def test_pages_up_to_one_past_the_total_are_read(self, http_mocker: HttpMocker) -> None:
        """An insert while the list is paged adds a page the first page's total did not count."""
        http_mocker.get(HarvestRequestBuilder.time_entries().build(),
                        _harvest_page([1], page=1, next_url=_PAGE_2, next_page=2))
        http_mocker.get(HarvestRequestBuilder.next_link(_PAGE_2).build(), _harvest_page([2], page=2))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM)

        assert [record["id"] for record in record_data(output)] == [1, 2]
