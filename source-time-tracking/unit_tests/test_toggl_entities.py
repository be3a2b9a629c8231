"""Toggl Track provider: v9 entity lists (users, clients, projects, tasks), `check`, and deletes found by
re-reading the window and looking the missing ids up by `time_entry_ids`."""

from __future__ import annotations

import logging
from unittest import TestCase

from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets

import freezegun
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.mock_http import HttpMocker

from source_time_tracking import SourceTimeTracking
from source_time_tracking.connector_config import parse_config
from unit_tests.helpers import read_stream, record_data, stream_state
from unit_tests.toggl_builders import (
    AUTHORIZATION,
    TOGGL_TOKEN,
    SearchRequestBuilder,
    entry_row,
    json_response,
    list_request,
    search_response,
    template,
    text_response,
    toggl_config,
)

_NOW = "2026-11-25T08:00:00Z"


def _projects(*ids: int, at: str = "2026-07-01T10:00:00-05:00") -> list[dict]:
    return [{**template("projects")[0], "id": project_id, "at": at} for project_id in ids]


@freezegun.freeze_time(_NOW)
class EntityListsTest(TestCase):
    def test_users_and_clients_are_one_bare_array_each(self) -> None:
        for stream, resource in (("users", "workspace_users"), ("clients", "clients")):
            with HttpMocker() as http_mocker:
                http_mocker.get(list_request(resource), json_response(template(resource)))
                output = read_stream(toggl_config(), stream)
            assert [record["id"] for record in record_data(output)] == [template(resource)[0]["id"]]

    def test_users_carry_rate_and_labour_cost_as_exact_decimals(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(list_request("workspace_users"), json_response(template("workspace_users")))
            user = record_data(read_stream(toggl_config(), "users"))[0]
        assert (user["rate"], user["labour_cost"]) == ("113.00", "52.00")

    def test_projects_page_by_number_until_a_short_page(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(list_request("projects", page=1, per_page=200), json_response(_projects(*range(1, 201))))
            http_mocker.get(list_request("projects", page=2, per_page=200), json_response(_projects(201)))
            output = read_stream(toggl_config(), "projects")
        assert [record["id"] for record in record_data(output)] == list(range(1, 202))

    def test_incremental_projects_ask_since_the_state_in_unix_seconds(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(list_request("projects", page=1, per_page=200, since=1780272000),
                            json_response(_projects(7, at="2026-06-02T10:00:00-05:00")))
            output = read_stream(toggl_config(), "projects", SyncMode.incremental, state={"at": "2026-06-01T00:00:00Z"})
        assert [record["id"] for record in record_data(output)] == [7]
        assert stream_state(output) == {"at": "2026-06-02T15:00:00Z"}

    def test_tasks_read_the_data_envelope(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(list_request("tasks", page=1, per_page=200), json_response(template("tasks")))
            output = read_stream(toggl_config(), "tasks")
        assert [record["name"] for record in record_data(output)] == ["Installation"]


@freezegun.freeze_time(_NOW)
class CheckTest(TestCase):
    def test_check_reads_the_workspace(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(list_request(""), json_response(template("workspace")))
            ok, message = SourceTimeTracking().check_connection(logging.getLogger("test"), toggl_config())
        assert (ok, message) == (True, None)

    def test_check_fails_on_403_naming_the_settings(self) -> None:
        with HttpMocker() as http_mocker:
            http_mocker.get(list_request(""), text_response("Incorrect username and/or password", 403))
            ok, message = SourceTimeTracking().check_connection(logging.getLogger("test"), toggl_config())
        assert not ok and "api_token" in message and "workspace_id" in message


def test_the_token_and_its_basic_login_are_masked_once_the_config_is_parsed() -> None:
    parse_config(toggl_config())
    login = AUTHORIZATION.removeprefix("Basic ")
    assert filter_secrets(f"token {TOGGL_TOKEN} header {AUTHORIZATION}") == "token **** header Basic ****"
    assert login not in filter_secrets(login)


class DeletesTest(TestCase):
    """`deleted_time_entries`: the window's ids compared with the previous sync's; a missing id is looked up."""

    _WINDOW = SearchRequestBuilder.work_dates("2026-09-26", "2026-11-25")

    def _sync(self, rows: list[dict], state=None, lookup: tuple[list[int], list[dict]] | None = None):
        with HttpMocker() as http_mocker:
            http_mocker.post(self._WINDOW.build(), search_response(rows))
            if lookup:
                http_mocker.post(SearchRequestBuilder.work_dates("2026-01-01", "2026-11-26").with_ids(lookup[0]).build(),
                                 search_response(lookup[1]))
            return read_stream(toggl_config(), "deleted_time_entries", SyncMode.incremental, state=state)

    @freezegun.freeze_time(_NOW)
    def test_an_entry_gone_from_the_window_and_from_toggl_is_reported_deleted(self) -> None:
        first = self._sync([entry_row(1, start="2026-11-02T08:00:00-05:00"),
                            entry_row(2, start="2026-11-03T08:00:00-05:00"),
                            entry_row(3, start="2026-11-04T08:00:00-05:00")])
        assert not first.records  # the first sync only records what it saw
        # entry 2 is gone; entry 3 was moved to January (out of the window): the lookup still finds it
        second = self._sync([entry_row(1, start="2026-11-02T08:00:00-05:00")], state=stream_state(first),
                            lookup=([2, 3], [entry_row(3, start="2026-01-05T08:00:00-05:00")]))
        assert [(record["id"], record["work_date"]) for record in record_data(second)] == [("2", "2026-11-03")]
