"""The Clockify API v1 emulator: the workspace derived from the Harvest account (same hours and cost per
project-month, work dates in the users' time zones), auth and error bodies, page/page-size paging of bare
arrays, the time-entry filters, the per-second throttle, mutations and truth, and the server's routing,
ready line and generic faults."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import requests

from sandbox import running_sandbox
from sandbox.clockify import API_KEY, ClockifyEmulator
from sandbox.clockify_data import WORKSPACE_ID
from sandbox.faults import Faults
from sandbox.routing import Request

HEADERS = {"X-Api-Key": API_KEY}
ROOT = f"/api/v1/workspaces/{WORKSPACE_ID}"


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def call(emulator, target: str, headers=HEADERS, method: str = "GET"):
    response = emulator.handle(Request.build(method, target, headers, base_url="http://127.0.0.1:8799"))
    return response.status, json.loads(response.body)


@pytest.fixture
def clockify(store):
    return ClockifyEmulator(store, Faults(seed=3), rate_limit="off")


def rows(store, sql: str, params=()) -> list[dict]:
    with store.read() as db:
        return [dict(row) for row in db.execute(sql, params)]


def read_all(clockify, path: str, size: int) -> tuple[list[dict], int]:
    """Page as a client does: from page 1 until a short page."""
    records, page = [], 1
    while True:
        status, body = call(clockify, f"{path}{'&' if '?' in path else '?'}page={page}&page-size={size}")
        assert status == 200 and isinstance(body, list)
        records.extend(body)
        if len(body) < size:
            return records, page
        page += 1


def users(store) -> list[dict]:
    return rows(store, "SELECT * FROM clockify_users ORDER BY name, id")


def test_same_hours_and_cost_per_project_month_as_harvest(store):
    def per_project_month(sql: str) -> Counter:
        totals: Counter = Counter()
        for row in rows(store, sql):
            hours = Decimal(row["hours"])
            totals[(row["code"], row["month"], "hours")] += hours
            totals[(row["code"], row["month"], "cost")] += hours * Decimal(row["cost_rate"])
        return totals

    harvest = per_project_month("SELECT p.code, substr(e.spent_date, 1, 7) AS month, e.hours, e.cost_rate "
                                "FROM harvest_time_entries e JOIN harvest_projects p ON p.id = e.project_id")
    # Clockify's month is the local month of the start, in the user's time zone (read through the API below).
    clockify = Counter()
    for row in rows(store, "SELECT p.note AS code, e.start, u.time_zone, e.hours, e.cost_rate FROM "
                           "clockify_time_entries e JOIN clockify_projects p ON p.id = e.project_id "
                           "JOIN clockify_users u ON u.id = e.user_id"):
        month = local_date(row["start"], row["time_zone"])[:7]
        hours = Decimal(row["hours"])
        clockify[(row["code"], month, "hours")] += hours
        clockify[(row["code"], month, "cost")] += hours * Decimal(row["cost_rate"])
    assert clockify == harvest and len(harvest) > 20


def local_date(start: str, time_zone: str) -> str:
    moment = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(time_zone)).date().isoformat()


def test_work_date_is_the_local_date_and_evening_entries_end_on_the_next_utc_day(store):
    entries = rows(store, "SELECT h.spent_date, c.start, u.time_zone, strftime('%Y-%m-%d', c.start, '+' || "
                          "CAST(c.hours * 3600 AS INTEGER) || ' seconds') AS end_date FROM clockify_time_entries c "
                          "JOIN harvest_time_entries h ON '64c777dd' || printf('%016d', h.id) = c.id "
                          "JOIN clockify_users u ON u.id = c.user_id")
    assert entries and all(local_date(e["start"], e["time_zone"]) == e["spent_date"] for e in entries)
    assert any(e["end_date"] != e["spent_date"] for e in entries)  # a UTC date of the end would be wrong


@pytest.mark.parametrize("headers, message", [({}, "Full authentication is required to access this resource"),
                                              ({"X-Api-Key": "wrong"}, "Api key does not exist"),
                                              ({"Authorization": f"Bearer {API_KEY}"},
                                               "Full authentication is required to access this resource")])
def test_missing_or_wrong_api_key_is_401(clockify, headers, message):
    assert call(clockify, f"{ROOT}/users", headers) == (401, {"message": message, "code": 401})


def test_other_workspace_403_unknown_user_400_unknown_endpoint_404_post_405(clockify, store):
    assert call(clockify, "/api/v1/workspaces/5b715612b079875110791111/users")[0] == 403
    assert call(clockify, f"{ROOT}/user/5a0ab5ac0000000000000000/time-entries") == (
        400, {"message": "User doesn't belong to Workspace", "code": 400})
    assert call(clockify, f"{ROOT}/projects/nope/tasks")[0] == 404
    assert call(clockify, f"{ROOT}/expenses")[0] == 404
    assert call(clockify, f"{ROOT}/users", method="POST")[0] == 405


def test_workspaces_list_holds_the_workspace(clockify):
    status, body = call(clockify, "/api/v1/workspaces")
    assert status == 200 and [workspace["id"] for workspace in body] == [WORKSPACE_ID]


def test_time_entry_shape_from_its_harvest_entry(clockify, store):
    user = users(store)[0]
    status, body = call(clockify, f"{ROOT}/user/{user['id']}/time-entries?page-size=5000")
    source = {row["id"]: row for row in rows(store, "SELECT * FROM harvest_time_entries")}
    assert status == 200 and body
    for entry in body:
        harvest = source[int(entry["id"][8:])]
        seconds = int(Decimal(harvest["hours"]) * 3600)
        start = datetime.strptime(entry["timeInterval"]["start"], "%Y-%m-%dT%H:%M:%SZ")
        end = datetime.strptime(entry["timeInterval"]["end"], "%Y-%m-%dT%H:%M:%SZ")
        assert (end - start).total_seconds() == seconds
        assert entry["timeInterval"]["duration"] == iso_duration(seconds)
        assert entry["costRate"] == {"amount": int(Decimal(harvest["cost_rate"]) * 100), "currency": "USD"}
        assert entry["hourlyRate"] == (None if harvest["billable_rate"] is None else
                                       {"amount": int(Decimal(harvest["billable_rate"]) * 100), "currency": "USD"})
        assert (entry["userId"], entry["workspaceId"], entry["billable"], entry["description"]) == (
            user["id"], WORKSPACE_ID, bool(harvest["billable"]), harvest["notes"])
        assert len(entry["id"]) == 24 and int(entry["id"], 16)


def iso_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{seconds}S" if seconds else "")
    return f"PT{text or '0S'}"


@pytest.mark.parametrize("size", [1, 7, 50])
def test_pages_newest_first_every_entry_once(clockify, store, size):
    user = users(store)[1]
    records, pages = read_all(clockify, f"{ROOT}/user/{user['id']}/time-entries", size)
    expected = rows(store, "SELECT id, start FROM clockify_time_entries WHERE user_id = ? ORDER BY start DESC, id DESC",
                    (user["id"],))
    assert [record["id"] for record in records] == [row["id"] for row in expected]
    assert pages == len(expected) // size + 1


def test_default_page_size_is_50_and_bounds_are_400(clockify, store):
    user = users(store)[0]
    assert len(call(clockify, f"{ROOT}/user/{user['id']}/time-entries")[1]) == 50
    for bad in ("page-size=0", "page-size=5001", "page=0", "page=x"):
        status, body = call(clockify, f"{ROOT}/user/{user['id']}/time-entries?{bad}")
        assert status == 400 and body["code"] == 400 and body["message"]


def test_start_and_end_bound_the_start_and_a_local_time_is_read_in_the_user_zone(clockify, store):
    user = next(u for u in users(store) if u["time_zone"] == "America/Los_Angeles")
    path = f"{ROOT}/user/{user['id']}/time-entries"
    records, _ = read_all(clockify, f"{path}?start=2026-03-02T08:00:00Z&end=2026-03-20T08:00:00Z", 10)
    expected = rows(store, "SELECT id FROM clockify_time_entries WHERE user_id = ? AND start >= ? AND start <= ? "
                           "ORDER BY start DESC, id DESC", (user["id"], "2026-03-02T08:00:00Z", "2026-03-20T08:00:00Z"))
    assert [r["id"] for r in records] == [row["id"] for row in expected] and expected
    local, _ = read_all(clockify, f"{path}?start=2026-03-02T00:00:00&end=2026-03-20T01:00:00", 10)  # PST: UTC-8
    assert local == records


def test_project_and_task_filters_and_in_progress(clockify, store):
    entry = rows(store, "SELECT * FROM clockify_time_entries ORDER BY id LIMIT 1")[0]
    path = f"{ROOT}/user/{entry['user_id']}/time-entries"
    records, _ = read_all(clockify, f"{path}?project={entry['project_id']}&task={entry['task_id']}", 100)
    assert entry["id"] in {r["id"] for r in records}
    assert {(r["projectId"], r["taskId"]) for r in records} == {(entry["project_id"], entry["task_id"])}
    assert call(clockify, f"{path}?in-progress=true") == (200, [])


def test_users_clients_projects_tasks(clockify, store):
    listed, _ = read_all(clockify, f"{ROOT}/users?memberships=WORKSPACE", 3)
    assert [u["id"] for u in listed] == [u["id"] for u in users(store)]
    first = users(store)[0]
    assert listed[0]["settings"]["timeZone"] == first["time_zone"]
    assert listed[0]["memberships"][0]["costRate"] == {"amount": int(Decimal(first["cost_rate"]) * 100),
                                                       "currency": "USD"}
    assert call(clockify, f"{ROOT}/users")[1][0]["memberships"] == []
    projects, _ = read_all(clockify, f"{ROOT}/projects", 4)
    codes = {row["code"] for row in rows(store, "SELECT code FROM harvest_projects")}
    assert {p["note"] for p in projects} == codes and all(p["clientName"] for p in projects)
    clients, _ = read_all(clockify, f"{ROOT}/clients", 2)
    assert {c["id"] for c in clients} == {p["clientId"] for p in projects}
    tasks, _ = read_all(clockify, f"{ROOT}/projects/{projects[0]['id']}/tasks", 4)
    assert len(tasks) == 6 and {t["projectId"] for t in tasks} == {projects[0]["id"]}
    assert read_all(clockify, f"{ROOT}/projects?archived=true", 4)[0] == []


def test_throttle_is_429_at_50_a_second(store):
    clock = FakeClock()
    clockify = ClockifyEmulator(store, Faults(seed=3), clock=clock)
    assert all(call(clockify, "/api/v1/workspaces")[0] == 200 for _ in range(50))
    assert call(clockify, "/api/v1/workspaces") == (429, {"message": "Too many requests", "code": 429})
    clock.now += 1.0
    assert call(clockify, "/api/v1/workspaces")[0] == 200
    clockify.apply_settings({"clockify_rate_limit": "off"})
    assert clockify.settings() == {"clockify_rate_limit": "off"}
    with pytest.raises(ValueError, match="clockify_rate_limit"):
        clockify.apply_settings({"clockify_rate_limit": "fast"})


def test_mutations_show_in_the_api_and_deletes_are_gone(clockify, store):
    user = users(store)[0]
    path = f"{ROOT}/user/{user['id']}/time-entries?page-size=5000"
    before = {entry["id"]: entry for entry in call(clockify, path)[1]}
    first, second = sorted(before)[:2]
    store.mutate("clockify_time_entries", "update", ids=[first])
    store.mutate("clockify_time_entries", "delete", ids=[second])
    inserted = store.mutate("clockify_time_entries", "insert", rows=[{
        "user_id": user["id"], "project_id": before[first]["projectId"], "task_id": before[first]["taskId"],
        "description": "Emergency call-out", "billable": True, "start": "2026-10-30T23:30:00Z", "hours": "1.25",
        "hourly_rate": "120.00", "cost_rate": "40.00", "is_locked": False}])
    after = {entry["id"]: entry for entry in call(clockify, path)[1]}
    assert second not in after and set(after) == set(before) - {second} | set(inserted)
    assert call(clockify, f"{ROOT}/time-entries/{second}")[0] == 404
    assert call(clockify, f"{ROOT}/time-entries/{first}") == (200, after[first])
    assert after[first]["timeInterval"]["duration"] != before[first]["timeInterval"]["duration"]
    new = after[inserted[0]]
    assert len(inserted[0]) == 24 and inserted[0].startswith("64c777dd")
    assert new["timeInterval"] == {"start": "2026-10-30T23:30:00Z", "end": "2026-10-31T00:45:00Z",
                                   "duration": "PT1H15M"}
    assert new["costRate"] == {"amount": 4000, "currency": "USD"}
    truth = store.truth("clockify_time_entries")
    assert truth["count"] == len(rows(store, "SELECT id FROM clockify_time_entries"))


def test_served_ready_line_faults_and_settings():
    with running_sandbox(scale=0.05, seed=5) as sandbox:
        config = sandbox.credentials["clockify"]
        provider = config["provider"]
        assert sandbox.info["clockify"] == provider["base_url"] == sandbox.base_url + "/api/v1"
        assert config["start_date"] and provider["provider_type"] == "clockify"
        headers = {"X-Api-Key": provider["api_key"]}
        url = f"{provider['base_url']}/workspaces/{provider['workspace_id']}/users"
        answer = requests.get(url, headers=headers, timeout=10)
        assert answer.status_code == 200 and answer.json()
        sandbox.control.set_fault("status", status=503, count=1, paths=["/api/v1/workspaces"])
        failed = requests.get(url, headers=headers, timeout=10)
        assert failed.status_code == 503 and failed.json()["code"] == 503
        assert requests.get(url, headers=headers, timeout=10).status_code == 200
        settings = requests.post(f"{sandbox.base_url}/_sandbox/settings", json={"clockify_rate_limit": "2/60"},
                                 timeout=10).json()
        assert settings["clockify_rate_limit"] == "2/60"
        assert [requests.get(url, headers=headers, timeout=10).status_code for _ in range(2)] == [200, 200]
        assert requests.get(url, headers=headers, timeout=10).status_code == 429
        sandbox.control.reset()
        assert requests.get(url, headers=headers, timeout=10).status_code == 200
        user = answer.json()[0]["id"]
        entries = requests.get(f"{url[:-6]}/user/{user}/time-entries", headers=headers, timeout=10).json()
        sandbox.control.mutate("clockify_time_entries", "delete", ids=[entries[0]["id"]])
        again = requests.get(f"{url[:-6]}/user/{user}/time-entries", headers=headers, timeout=10).json()
        assert entries[0]["id"] not in {entry["id"] for entry in again}
