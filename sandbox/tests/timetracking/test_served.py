"""Over real HTTP on generated data (`running_sandbox`): full reads against the ground truth, request
counts, mutations and deletes through the control API, generic faults with the vendors' own bodies."""

import hashlib
import json
import math
import signal
import subprocess
import sys
from types import SimpleNamespace

import pytest
import requests

from sandbox import SandboxControl, running_sandbox


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
    session, base_url = harvest_session(sb)
    assert sb.control.settings()["harvest_rate_limit"] == "100/15"
    assert sb.control.update_settings(harvest_rate_limit="5/600")["harvest_rate_limit"] == "5/600"
    statuses = [session.get(f"{base_url}/company", timeout=30).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert int(session.get(f"{base_url}/company", timeout=30).headers["Retry-After"]) > 500
    assert sb.control.requests()["harvest"] == {"throttled": 2}
    sb.control.reset()  # back to the start setting, window forgotten
    assert sb.control.settings()["harvest_rate_limit"] == "100/15"
    assert session.get(f"{base_url}/company", timeout=30).status_code == 200


def test_harvest_throttle_can_be_switched_off_over_http(sb):
    session, base_url = harvest_session(sb)
    sb.control.update_settings(harvest_rate_limit="off")
    assert {session.get(f"{base_url}/company", timeout=30).status_code for _ in range(130)} == {200}
    assert sb.control.settings()["harvest_rate_limit"] == "off"


@pytest.mark.parametrize("payload, message", [({"harvest_rate_limit": "lots"}, "'lots'"),
                                              ({"harvest_rate_limit": "0/15"}, "at least 1 request"),
                                              ({"harvest_rate_limit": 100}, "100"),
                                              ({"intacct_speed": "fast"}, "unknown field")])
def test_bad_settings_are_refused_and_change_nothing(sb, payload, message):
    sb.control.update_settings(harvest_rate_limit="7/30")
    answer = requests.post(f"{sb.base_url}/_sandbox/settings", json=payload, timeout=30)
    assert answer.status_code == 400 and message in answer.json()["error"]
    assert sb.control.settings()["harvest_rate_limit"] == "7/30"


def test_running_sandbox_takes_the_start_setting():
    with running_sandbox(scale=0.05, seed=3, harvest_rate_limit="off") as small:
        assert small.control.settings()["harvest_rate_limit"] == "off"
        small.control.update_settings(harvest_rate_limit="2/60")
        small.control.reset()
        assert small.control.settings()["harvest_rate_limit"] == "off"


def test_serve_flag_sets_the_harvest_rate_limit():
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--scale", "0.05",
                                "--harvest-rate-limit", "2/600"], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(process.stdout.readline())
        session, base_url = harvest_session(SimpleNamespace(credentials=info["credentials"]))
        statuses = [session.get(f"{base_url}/company", timeout=30).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert SandboxControl(info["base_url"]).settings()["harvest_rate_limit"] == "2/600"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.wait()


def test_serve_refuses_a_bad_harvest_rate_limit():
    result = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--scale", "0.05",
                             "--harvest-rate-limit", "fast"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "harvest_rate_limit" in result.stderr and "'fast'" in result.stderr
