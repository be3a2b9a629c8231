"""Over real HTTP on generated data (`running_sandbox`): full reads against the ground truth, request
counts, mutations and deletes through the control API, generic faults with the vendors' own bodies."""

import hashlib
import math

import pytest
import requests

from sandbox import running_sandbox
from sandbox.harvest import HarvestEmulator


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(scale=0.5, seed=11) as running:
        yield running


@pytest.fixture
def sb(sandbox):
    sandbox.control.reset()
    yield sandbox
    sandbox.control.reset()


def harvest_session(sb) -> tuple[requests.Session, str]:
    provider = sb.credentials["harvest"]["provider"]
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {provider['access_token']}",
                            "Harvest-Account-Id": provider["account_id"], "User-Agent": provider["user_agent"]})
    return session, provider["base_url"]


def read_harvest(sb, path: str, key: str) -> list[dict]:
    session, base_url = harvest_session(sb)
    records, url = [], f"{base_url}{path}"
    while url:
        response = session.get(url, timeout=30)
        assert response.status_code == 200, response.text
        records.extend(response.json()[key])
        url = response.json()["links"]["next"]
    return records


def checksum(ids) -> str:
    return hashlib.sha256("\n".join(sorted(str(i) for i in ids)).encode()).hexdigest()


def test_full_harvest_read_matches_the_truth_with_the_fewest_requests(sb):
    truth = sb.control.truth("harvest_time_entries")
    sb.control.clear_requests()
    entries = read_harvest(sb, "/time_entries", "time_entries")
    assert len(entries) == truth["count"] > 500
    assert checksum(entry["id"] for entry in entries) == truth["checksum"]
    hours = sum(round(entry["hours"] * 100) for entry in entries)
    assert hours == round(float(truth["totals"]["hours"]) * 100)
    assert sb.control.requests()["by_path"]["/v2/time_entries"] <= math.ceil(truth["count"] / 2000) + 1
    assert {entry["project"]["code"][:2] for entry in entries} == {"P-"}


@pytest.mark.parametrize("path, key, dataset", [("/users?per_page=3", "users", "harvest_users"),
                                                ("/clients?per_page=2", "clients", "harvest_clients"),
                                                ("/projects?per_page=2", "projects", "harvest_projects"),
                                                ("/tasks?per_page=2", "tasks", "harvest_tasks")])
def test_every_list_matches_the_truth(sb, path, key, dataset):
    records = read_harvest(sb, path, key)
    assert checksum(record["id"] for record in records) == sb.control.truth(dataset)["checksum"]


def test_cost_rates_of_every_user_match_the_truth(sb):
    users = read_harvest(sb, "/users", "users")
    rates = [rate for user in users for rate in read_harvest(sb, f"/users/{user['id']}/cost_rates", "cost_rates")]
    assert checksum(rate["id"] for rate in rates) == sb.control.truth("harvest_cost_rates")["checksum"]


def test_incremental_harvest_read_sees_updates_and_not_deletes(sb):
    newest = max(entry["updated_at"] for entry in read_harvest(sb, "/time_entries", "time_entries"))
    updated = sb.control.mutate("harvest_time_entries", "update", count=3)
    inserted = sb.control.mutate("harvest_time_entries", "insert", count=2)
    deleted = sb.control.mutate("harvest_time_entries", "delete", count=2)
    changed = read_harvest(sb, f"/time_entries?updated_since={newest}", "time_entries")
    assert {entry["id"] for entry in changed} >= set(updated + inserted)
    assert not {entry["id"] for entry in changed} & set(deleted)
    everything = read_harvest(sb, "/time_entries", "time_entries")
    assert checksum(entry["id"] for entry in everything) == sb.control.truth("harvest_time_entries")["checksum"]


def test_generic_offset_read_matches_the_truth(sb):
    provider = sb.credentials["generic"]["provider"]
    url = provider["base_url"] + provider["entries_path"]
    headers = {"Authorization": f"Bearer {provider['auth']['token']}"}
    records, offset = [], 0
    while True:
        body = requests.get(url, params={"offset": offset, "limit": 50}, headers=headers, timeout=30).json()
        records.extend(body["data"])
        offset += len(body["data"])
        if offset >= body["total"]:
            break
    truth = sb.control.truth("generic_entries")
    assert checksum(record["id"] for record in records) == truth["checksum"]
    assert sum(round(record["hours"] * 100) for record in records) == round(float(truth["totals"]["hours"]) * 100)
    assert requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=30).status_code == 401


def test_generic_faults_use_each_vendors_body(sb):
    session, base_url = harvest_session(sb)
    sb.control.set_fault("rate_limit", paths=["/v2", "/v1"], count=2, seconds=7)
    throttled = session.get(f"{base_url}/time_entries", timeout=30)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json()["error"] == "Too Many Requests"
    generic = sb.credentials["generic"]["provider"]
    answer = requests.get(generic["base_url"] + generic["entries_path"], timeout=30,
                          headers={"Authorization": f"Bearer {generic['auth']['token']}"})
    assert answer.status_code == 429 and answer.json()["error"] == "rate_limited"
    sb.control.set_fault("status", status=502, paths=["/v2"], count=1)
    failed = session.get(f"{base_url}/users", timeout=30)
    assert failed.status_code == 502 and failed.json()["status"] == 502


def test_harvest_throttle_over_http(sb):
    harvest = next(e for e in sb.server.emulators if isinstance(e, HarvestEmulator))
    harvest.rate_limit.configure(5, seconds=600)
    try:
        session, base_url = harvest_session(sb)
        statuses = [session.get(f"{base_url}/company", timeout=30).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        assert int(session.get(f"{base_url}/company", timeout=30).headers["Retry-After"]) > 500
        assert sb.control.requests()["harvest"] == {"throttled": 2}
        sb.control.reset()  # forgets the window
        assert session.get(f"{base_url}/company", timeout=30).status_code == 200
    finally:
        harvest.rate_limit.configure(100, 15)
