"""Harvest's request headers: User-Agent, token (header or query form) and account, with their errors."""

import pytest

from .helpers import HARVEST_HEADERS, call


def without(name: str) -> dict:
    return {key: value for key, value in HARVEST_HEADERS.items() if key != name}


def test_valid_headers_are_answered(harvest):
    assert call(harvest, "/v2/company", HARVEST_HEADERS).status == 200


def test_missing_user_agent_is_400(harvest):
    answer = call(harvest, "/v2/time_entries", without("User-Agent"))
    assert answer.status == 400
    assert "User-Agent" in answer.body["message"]


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic c2FuZGJveA==", "Bearer "])
def test_bad_or_missing_token_is_401_with_oauth_error_body(harvest, authorization):
    headers = without("Authorization")
    if authorization is not None:
        headers["Authorization"] = authorization
    answer = call(harvest, "/v2/time_entries", headers)
    assert answer.status == 401
    assert answer.body["error"] == "invalid_token"
    assert "invalid" in answer.body["error_description"]


@pytest.mark.parametrize("account", [None, "7654321"])
def test_missing_or_wrong_account_is_404(harvest, account):
    headers = without("Harvest-Account-Id")
    if account is not None:
        headers["Harvest-Account-Id"] = account
    answer = call(harvest, "/v2/time_entries", headers)
    assert answer.status == 404
    assert answer.body["error"] == "Not Found"


def test_query_string_credentials_work(harvest):
    answer = call(harvest, "/v2/users?access_token=sandbox-harvest-token&account_id=1234567",
                  {"User-Agent": HARVEST_HEADERS["User-Agent"]})
    assert answer.status == 200
    assert answer.body["total_entries"] == 4
    # the links keep the credentials, so following them works the same way
    assert "access_token=sandbox-harvest-token" in answer.body["links"]["first"]


def test_query_string_with_wrong_token_is_401(harvest):
    answer = call(harvest, "/v2/users?access_token=nope&account_id=1234567",
                  {"User-Agent": HARVEST_HEADERS["User-Agent"]})
    assert answer.status == 401


def test_unknown_endpoint_and_ids_are_404(harvest):
    assert call(harvest, "/v2/expenses", HARVEST_HEADERS).status == 404
    assert call(harvest, "/v2/users/999/cost_rates", HARVEST_HEADERS).status == 404
    assert call(harvest, "/v2/time_entries/999", HARVEST_HEADERS).status == 404
    assert call(harvest, "/v2/projects/999", HARVEST_HEADERS).status == 404


def test_single_records_by_id(harvest):
    entry = call(harvest, "/v2/time_entries/1003", HARVEST_HEADERS).body
    assert entry["id"] == 1003 and entry["project"] == {"id": 200, "name": "Project 0", "code": "P-1001"}
    assert call(harvest, "/v2/users/401", HARVEST_HEADERS).body["first_name"] == "First1"


def test_writes_are_refused(harvest):
    assert call(harvest, "/v2/time_entries", HARVEST_HEADERS, method="POST").status == 405


def test_fault_bodies_are_harvest_json(harvest):
    throttled = harvest.fault_response("rate_limit", 429)
    assert throttled.status == 429 and b'"Too Many Requests"' in throttled.body
    failed = harvest.fault_response("status", 503)
    assert failed.status == 503 and failed.headers["Content-Type"].startswith("application/json")
