"""Credentials stay with the configured API: no URL outside `base_url`, no redirect followed, no header printed."""

from __future__ import annotations

import base64
import logging
from unittest import TestCase

import freezegun
import pytest
from airbyte_cdk.models import FailureType, Status
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from airbyte_cdk.utils.airbyte_secrets_utils import get_secret_paths

from source_time_tracking import SourceTimeTracking
from source_time_tracking.provider import secret_paths
from source_time_tracking.providers import PROVIDERS
from unit_tests.config import GENERIC_BASE_URL, GENERIC_TOKEN, ConfigBuilder
from unit_tests.helpers import read_stream
from unit_tests.request_builder import GenericRequestBuilder, HarvestRequestBuilder
from unit_tests.response_builder import harvest_record, harvest_response

_STREAM = "time_entries"


def _check(config):
    return SourceTimeTracking().check(logging.getLogger("airbyte"), config)


def _spec_secret_paths(schema) -> set[tuple[str, ...]]:
    """The property paths marked `airbyte_secret` under a schema, through nested objects and their oneOf branches."""
    paths = set()
    for name, described in schema.get("properties", {}).items():
        if described.get("airbyte_secret"):
            paths.add((name,))
        for branch in [described, *described.get("oneOf", [])]:
            paths |= {(name, *inner) for inner in _spec_secret_paths(branch)}
    return paths


def test_the_spec_marks_exactly_the_credentials_as_secret():
    spec = SourceTimeTracking().spec(logging.getLogger("airbyte")).connectionSpecification
    branches = {branch["properties"]["provider_type"]["const"]: branch for branch in spec["properties"]["provider"]["oneOf"]}

    assert {path[-1] for path in get_secret_paths(spec["properties"])} >= {"access_token", "token", "api_key", "password"}
    for name, provider in PROVIDERS.items():
        assert _spec_secret_paths(branches[name]) == set(secret_paths(provider.config_model)), name


@pytest.mark.parametrize("entries_path", [
    "https://elsewhere.test/v1/entries",
    "//elsewhere.test/v1/entries",
    "../../elsewhere/entries",
    "/v1/%2e%2e/%2E%2E/admin",
    "v1\\..\\..\\admin",
])
def test_an_entries_path_leaving_base_url_fails_check_naming_it(entries_path):
    config = ConfigBuilder.generic().with_provider(base_url=f"{GENERIC_BASE_URL}/api").build()
    config["provider"]["entries_path"] = entries_path

    with HttpMocker():  # any request would fail the test: none is mocked
        status = _check(config)

    assert status.status == Status.FAILED
    assert "entries_path" in status.message and "under base_url" in status.message


@pytest.mark.parametrize("entries_path", ["/v1/entries", "v1/entries", "/v1/entries/", "/time%20entries"])
def test_an_entries_path_under_base_url_is_accepted(entries_path):
    config = ConfigBuilder.generic().with_provider(entries_path=entries_path).build()

    assert SourceTimeTracking().streams(config)[0].path() == entries_path.lstrip("/")


@pytest.mark.parametrize("next_url", [
    "https://api.harvestapp.com:8443/v2/time_entries?page=2",  # another port
    "http://api.harvestapp.com/v2/time_entries?page=2",  # another scheme
])
def test_a_harvest_next_link_to_another_port_or_scheme_is_refused(next_url):
    with HttpMocker() as http_mocker:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(),
                        harvest_response("time_entries", next_url=next_url).with_record(harvest_record("time_entries"))
                        .with_pagination().build())

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, expecting_exception=True)

    assert "links.next points outside the configured API" in output.errors[0].trace.error.message


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class RedirectTest(TestCase):
    @HttpMocker()
    def test_given_302_to_another_port_when_read_then_config_error_naming_both_urls(self, http_mocker: HttpMocker):
        http_mocker.get(GenericRequestBuilder.entries().build(),
                        HttpResponse("", 302, {"Location": "https://api.time-tracking.test:8443/v1/entries"}))

        output = read_stream(ConfigBuilder.generic().build(), _STREAM, expecting_exception=True)

        error = output.errors[0].trace.error
        assert error.failure_type == FailureType.config_error
        assert f"GET {GENERIC_BASE_URL}/v1/entries" in error.message and "HTTP 302" in error.message
        assert "https://api.time-tracking.test:8443/v1/entries" in error.message  # not requested: it is not mocked

    @HttpMocker()
    def test_given_a_harvest_301_when_read_then_config_error(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(HarvestRequestBuilder.time_entries().build(),
                        HttpResponse("", 301, {"Location": "http://127.0.0.1:9/v2/time_entries"}))

        output = read_stream(ConfigBuilder.harvest().build(), _STREAM, expecting_exception=True)

        assert output.errors[0].trace.error.failure_type == FailureType.config_error
        assert "follows no redirect" in output.errors[0].trace.error.message


@freezegun.freeze_time("2026-11-25T08:00:00Z")
class DebugLogTest(TestCase):
    @pytest.fixture(autouse=True)
    def _debug_logs(self, caplog):
        caplog.set_level(logging.DEBUG, logger="airbyte")
        self.caplog = caplog

    @HttpMocker()
    def test_given_debug_logs_when_read_then_auth_headers_are_not_printed(self, http_mocker: HttpMocker) -> None:
        password = 'Kq7Wx&<"ü-2026!'
        config = ConfigBuilder.generic().with_provider(
            auth={"auth_type": "basic", "username": "etl", "password": password}).build()
        header = "Basic " + base64.b64encode(f"etl:{password}".encode()).decode()
        http_mocker.get(GenericRequestBuilder.entries().with_headers({"Authorization": header}).build(),
                        HttpResponse('{"data": []}', 200))

        read_stream(config, _STREAM)

        logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in self.caplog.records)
        assert "Making outbound API request" in logged and "<credential not shown>" in logged
        assert header not in logged and "Kq7Wx" not in logged and GENERIC_TOKEN not in logged
