"""Harvest provider, entity streams: users, projects, clients, tasks (cursor-style links) and user_cost_rates."""

from __future__ import annotations

from unittest import TestCase

import freezegun
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.test.mock_http.response_builder import FieldPath

from unit_tests.config import ConfigBuilder
from unit_tests.helpers import read_stream, record_data, stream_state
from unit_tests.request_builder import HarvestRequestBuilder
from unit_tests.response_builder import harvest_record, harvest_response, template_response

_NOW = "2026-11-25T08:00:00Z"


def _cursor_link(resource: str) -> str:
    return f"https://api.harvestapp.com/v2/{resource}?cursor=eyJhZnRlciI6eyJpZCI6MzAwN319&per_page=2000&ref=next_cursor"


@freezegun.freeze_time(_NOW)
class EntityStreamsTest(TestCase):
    def _assert_cursor_pagination(self, stream: str) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(
                HarvestRequestBuilder.endpoint(stream).with_updated_since("2026-06-01T00:00:00Z").build(),
                harvest_response(stream, next_url=_cursor_link(stream)).with_record(
                    harvest_record(stream).with_id(2).with_cursor("2026-07-01T00:00:00Z")).with_pagination().build(),
            )
            http_mocker.get(
                HarvestRequestBuilder.next_link(_cursor_link(stream)).build(),
                harvest_response(stream).with_record(harvest_record(stream).with_id(1).with_cursor("2026-06-02T00:00:00Z")).build(),
            )

            output = read_stream(ConfigBuilder.harvest().build(), stream, SyncMode.incremental,
                                 state={"updated_at": "2026-06-01T00:00:00Z"})

            assert [record["id"] for record in record_data(output)] == [2, 1]
            assert stream_state(output) == {"updated_at": "2026-07-01T00:00:00Z"}

    def test_users_follow_cursor_links_incrementally(self) -> None:
        self._assert_cursor_pagination("users")

    def test_clients_follow_cursor_links_incrementally(self) -> None:
        self._assert_cursor_pagination("clients")

    def test_projects_follow_next_links_incrementally(self) -> None:
        self._assert_cursor_pagination("projects")

    def test_tasks_follow_next_links_incrementally(self) -> None:
        self._assert_cursor_pagination("tasks")


@freezegun.freeze_time(_NOW)
class UserCostRatesTest(TestCase):
    def _users(self, http_mocker: HttpMocker, *ids: int) -> None:
        response = harvest_response("users")
        for user_id in ids:
            response.with_record(harvest_record("users").with_id(user_id))
        http_mocker.get(HarvestRequestBuilder.endpoint("users").build(), response.build())

    @HttpMocker()
    def test_given_two_users_when_read_then_each_users_rates_with_user_id(self, http_mocker: HttpMocker) -> None:
        self._users(http_mocker, 11, 12)
        http_mocker.get(HarvestRequestBuilder.endpoint("users/11/cost_rates").build(),
                        harvest_response("cost_rates").with_record(harvest_record("cost_rates").with_id(1)).build())
        http_mocker.get(HarvestRequestBuilder.endpoint("users/12/cost_rates").build(),
                        harvest_response("cost_rates").with_record(harvest_record("cost_rates").with_id(2))
                        .with_record(harvest_record("cost_rates").with_id(3)).build())

        output = read_stream(ConfigBuilder.harvest().build(), "user_cost_rates")

        assert [(r["user_id"], r["id"]) for r in record_data(output)] == [(11, 1), (12, 2), (12, 3)]
        assert record_data(output)[0]["amount"] == "50.0"  # exact decimal text

    @HttpMocker()
    def test_given_state_when_read_then_every_user_listed_and_only_newer_rates_emitted(self, http_mocker: HttpMocker) -> None:
        # The users list carries no updated_since: a new rate need not touch its user.
        self._users(http_mocker, 11)
        rate = harvest_record("cost_rates")
        http_mocker.get(
            HarvestRequestBuilder.endpoint("users/11/cost_rates").build(),
            harvest_response("cost_rates")
            .with_record(rate.with_id(1).with_cursor("2026-01-01T00:00:00Z"))
            .with_record(harvest_record("cost_rates").with_id(2).with_cursor("2026-08-01T00:00:00Z")
                         .with_field(FieldPath("start_date"), "2026-08-01")).build(),
        )

        output = read_stream(ConfigBuilder.harvest().build(), "user_cost_rates", SyncMode.incremental,
                             state={"updated_at": "2026-07-01T00:00:00Z"})

        assert [r["id"] for r in record_data(output)] == [2]
        assert stream_state(output) == {"updated_at": "2026-08-01T00:00:00Z"}

    @HttpMocker()
    def test_given_403_on_cost_rates_when_read_then_config_error_not_ignored(self, http_mocker: HttpMocker) -> None:
        self._users(http_mocker, 11)
        http_mocker.get(HarvestRequestBuilder.endpoint("users/11/cost_rates").build(), template_response("harvest_403", 403))

        output = read_stream(ConfigBuilder.harvest().build(), "user_cost_rates", expecting_exception=True)

        assert output.errors[0].trace.error.failure_type == FailureType.config_error
        assert "You do not have permission to view cost rates" in output.errors[0].trace.error.message
