"""Toggl Track (v9 + Reports v3) over real HTTP on generated data: the technicians' time as Harvest holds
it, header-cursor paging, filters, auth and error bodies, quota (402) and leaky bucket (429), mutations and
deletes, and the generic faults with Toggl's own bodies."""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from decimal import Decimal

import pytest
import requests

from sandbox.faults import Faults
from sandbox.routing import Request
from sandbox.toggl import ENTRY_OFFSET, TOKEN, TogglEmulator

from .helpers import FakeClock

SEARCH = "/reports/api/v3/workspace/{wid}/search/time_entries"
YEAR = {"start_date": "2026-01-01", "end_date": "2026-12-31"}


def provider(sb) -> dict:
    return sb.credentials["toggl"]["provider"]


def session(sb, token: str | None = None) -> requests.Session:
    http = requests.Session()
    http.auth = (token or provider(sb)["api_token"], "api_token")
    return http


def search_url(sb, workspace_id: int | None = None) -> str:
    return provider(sb)["base_url"] + SEARCH.format(wid=workspace_id or provider(sb)["workspace_id"])


def search_all(sb, body: dict) -> tuple[list[dict], int]:
    """Every row of a search, following the X-Next-* headers; (rows, requests)."""
    http, rows, cursor, requests_made = session(sb), [], {}, 0
    while True:
        response = http.post(search_url(sb), json={**body, **cursor}, timeout=30)
        requests_made += 1
        assert response.status_code == 200, response.text
        rows.extend(response.json())
        if "X-Next-ID" not in response.headers:
            return rows, requests_made
        cursor = {"first_id": int(response.headers["X-Next-ID"]),
                  "first_row_number": int(response.headers["X-Next-Row-Number"]),
                  "first_timestamp": int(response.headers["X-Next-Timestamp"])}


def checksum(ids) -> str:
    return hashlib.sha256("\n".join(sorted(str(i) for i in ids)).encode()).hexdigest()


def cents(value) -> int:
    return int(Decimal(str(value)) * 100)


def test_the_ready_line_holds_a_complete_source_config(sb):
    config = sb.credentials["toggl"]
    assert config["provider"]["provider_type"] == "toggl"
    assert config["provider"]["base_url"] == sb.info["toggl"] == sb.base_url
    assert config["start_date"] == "2026-01-01T00:00:00Z"
    me = session(sb).get(provider(sb)["base_url"] + "/api/v9/me", timeout=30)
    assert me.status_code == 200 and me.json()["default_workspace_id"] == provider(sb)["workspace_id"]


def test_a_full_search_equals_the_truth_in_pages_of_fifty(sb):
    truth = sb.control.truth("toggl_time_entries")
    rows, requests_made = search_all(sb, YEAR)
    assert len(rows) == truth["count"] > 400
    assert requests_made == -(-truth["count"] // 50)
    entries = [entry for row in rows for entry in row["time_entries"]]
    assert all(len(row["time_entries"]) == 1 for row in rows)  # ungrouped: one entry a row
    assert checksum(entry["id"] for entry in entries) == truth["checksum"]
    assert [row["row_number"] for row in rows] == list(range(1, len(rows) + 1))
    assert sum(entry["seconds"] for entry in entries) * 100 == cents(truth["totals"]["hours"]) * 3600
    starts = [(entry["start"], entry["id"]) for entry in entries]
    assert starts == sorted(starts)


def test_each_project_month_holds_harvests_hours_and_labour_cost(sb):
    """The reconciliation per provider: Toggl's seconds and labour cost equal Harvest's hours × cost rate."""
    harvest = defaultdict(lambda: [0, 0])
    for entry in sb.control.truth("harvest_time_entries", rows=True)["rows"]:
        key = (entry["project_id"], entry["spent_date"][:7])
        harvest[key][0] += cents(entry["hours"]) * 36
        harvest[key][1] += cents(entry["hours"]) * cents(entry["cost_rate"]) // 100
    toggl = defaultdict(lambda: [0, 0])
    rows, _ = search_all(sb, YEAR)
    for row in rows:
        entry = row["time_entries"][0]
        assert row["labor_cost_in_cents"] * 3600 == row["labor_cost_rate_in_cents"] * entry["seconds"]
        key = (row["project_id"] - 180_000_000, entry["start"][:7])
        toggl[key][0] += entry["seconds"]
        toggl[key][1] += row["labor_cost_in_cents"]
    assert toggl == harvest


def test_start_is_in_the_workspace_zone_on_harvests_work_date(sb):
    spent = {entry["id"] + ENTRY_OFFSET: entry["spent_date"]
             for entry in sb.control.truth("harvest_time_entries", rows=True)["rows"]}
    rows, _ = search_all(sb, {"start_date": "2026-03-01", "end_date": "2026-03-31"})
    assert rows
    for row in rows:
        entry = row["time_entries"][0]
        assert entry["start"].endswith("-05:00") and entry["stop"].endswith("-05:00")
        assert entry["start"][:10] == spent[entry["id"]]
        assert "2026-03-01" <= entry["start"][:10] <= "2026-03-31"


def test_enrich_response_adds_the_project_client_and_task_names(sb):
    plain = session(sb).post(search_url(sb), json={**YEAR, "page_size": 1}, timeout=30).json()[0]
    enriched = session(sb).post(search_url(sb), json={**YEAR, "page_size": 1, "enrich_response": True}, timeout=30
                                ).json()[0]
    assert "project_name" not in plain and enriched == {**plain, **{key: enriched[key] for key in (
        "project_name", "client_name", "task_name")}}
    project = next(p for p in sb.control.truth("toggl_projects", rows=True)["rows"] if p["id"] == plain["project_id"])
    assert enriched["project_name"] == project["name"] and enriched["project_name"].startswith("P-")
    assert enriched["client_name"] and enriched["task_name"]


def test_user_and_project_filters(sb):
    rows, _ = search_all(sb, YEAR)
    user, project = rows[0]["user_id"], rows[0]["project_id"]
    mine, _ = search_all(sb, {**YEAR, "user_ids": [user], "project_ids": [project]})
    expected = [row["time_entries"][0]["id"] for row in rows if row["user_id"] == user and row["project_id"] == project]
    assert [row["time_entries"][0]["id"] for row in mine] == expected and expected
    wanted = [rows[5]["time_entries"][0]["id"], rows[-1]["time_entries"][0]["id"], 1]
    found, _ = search_all(sb, {**YEAR, "time_entry_ids": wanted})
    assert [row["time_entries"][0]["id"] for row in found] == wanted[:2]


@pytest.mark.parametrize("body, message", [
    ({}, "start_date is required"),
    ({"start_date": "2026-13-01"}, "start_date must be a date"),
    ({"start_date": "2026-01-01", "end_date": "2027-01-02"}, "must not exceed 366 days"),
    ({**YEAR, "page_size": 51}, "page_size must be an integer between 1 and 50"),
    ({**YEAR, "user_ids": "1"}, "user_ids must be an array of integers"),
])
def test_a_bad_search_is_a_400_with_a_json_string(sb, body, message):
    response = session(sb).post(search_url(sb), json=body, timeout=30)
    assert response.status_code == 400
    assert message in response.json()


def test_bad_credentials_and_a_foreign_workspace_are_403_in_plain_text(sb):
    wrong = session(sb, token="not-the-token").get(provider(sb)["base_url"] + "/api/v9/me", timeout=30)
    assert (wrong.status_code, wrong.text) == (403, "Incorrect username and/or password")
    assert wrong.headers["Content-Type"].startswith("text/plain")
    anonymous = requests.get(provider(sb)["base_url"] + "/api/v9/me", timeout=30)
    assert anonymous.status_code == 403
    foreign = session(sb).post(search_url(sb, workspace_id=1), json=YEAR, timeout=30)
    assert (foreign.status_code, foreign.text) == (403, "User does not have access to this resource.")
    unknown = session(sb).get(provider(sb)["base_url"] + "/api/v9/workspaces/6676428/invoices", timeout=30)
    assert unknown.status_code == 404


def test_entities_as_v9_lists_them(sb):
    base, wid, http = provider(sb)["base_url"], provider(sb)["workspace_id"], session(sb)
    users = http.get(f"{base}/api/v9/workspaces/{wid}/workspace_users", timeout=30).json()
    assert len(users) == sb.control.truth("toggl_workspace_users")["count"]
    assert {"user_id", "name", "email", "rate", "labour_cost", "active", "at"} <= users[0].keys()
    clients = http.get(f"{base}/api/v9/workspaces/{wid}/clients", timeout=30).json()
    assert len(clients) == sb.control.truth("toggl_clients")["count"]
    first = http.get(f"{base}/api/v9/workspaces/{wid}/projects", params={"per_page": 3, "page": 1}, timeout=30).json()
    second = http.get(f"{base}/api/v9/workspaces/{wid}/projects", params={"per_page": 3, "page": 2}, timeout=30).json()
    assert len(first) == 3 and {p["id"] for p in first}.isdisjoint(p["id"] for p in second)
    assert all(project["name"].startswith("P-") for project in first + second)
    tasks = http.get(f"{base}/api/v9/workspaces/{wid}/tasks", params={"per_page": 200}, timeout=30).json()
    assert tasks["total_count"] == sb.control.truth("toggl_tasks")["count"] == len(tasks["data"])


def test_since_returns_what_changed_including_an_edited_project(sb):
    base, wid, http = provider(sb)["base_url"], provider(sb)["workspace_id"], session(sb)
    edited = sb.control.mutate("toggl_projects", "update", count=1)
    since = 1_793_000_000  # 2026-10-26: after every seeded change, before the mutation's real now
    changed = http.get(f"{base}/api/v9/workspaces/{wid}/projects", params={"since": since}, timeout=30).json()
    assert [project["id"] for project in changed] == edited
    assert http.get(f"{base}/api/v9/workspaces/{wid}/projects", params={"since": "yesterday"}, timeout=30
                    ).status_code == 400


def test_inserted_updated_and_deleted_entries_show_as_toggl_shows_them(sb):
    before = {row["time_entries"][0]["id"]: row for row in search_all(sb, YEAR)[0]}
    inserted = sb.control.mutate("toggl_time_entries", "insert", count=2)
    updated = sb.control.mutate("toggl_time_entries", "update", count=2)
    deleted = sb.control.mutate("toggl_time_entries", "delete", count=3)
    after = {row["time_entries"][0]["id"]: row for row in search_all(sb, YEAR)[0]}
    assert set(after) == (set(before) | set(inserted)) - set(deleted)  # a delete is simply gone
    for entry_id in set(updated) - set(deleted):
        old, new = before[entry_id]["time_entries"][0], after[entry_id]["time_entries"][0]
        assert new["seconds"] == old["seconds"] + 900 and new["at"] > old["at"]
    assert sb.control.truth("toggl_time_entries")["count"] == len(after)


def test_the_generic_faults_answer_with_toggls_bodies(sb):
    sb.control.set_fault("status", status=503, count=1, paths=["/reports/api/v3"])
    failed = session(sb).post(search_url(sb), json=YEAR, timeout=30)
    assert (failed.status_code, failed.text) == (503, "Service Unavailable")
    sb.control.set_fault("rate_limit", count=1, paths=["/api/v9"])
    throttled = session(sb).get(provider(sb)["base_url"] + "/api/v9/me", timeout=30)
    assert (throttled.status_code, throttled.text) == (429, "Too Many Requests")
    assert session(sb).post(search_url(sb), json=YEAR, timeout=30).status_code == 200


def test_lying_counters_point_the_cursor_back_at_the_first_page(sb):
    http = session(sb)
    first = http.post(search_url(sb), json=YEAR, timeout=30)
    cursor = {"first_id": int(first.headers["X-Next-ID"]), "first_row_number": 51,
              "first_timestamp": int(first.headers["X-Next-Timestamp"])}
    sb.control.set_fault("lying_counters", count=1, paths=["/reports/api/v3"])
    repeated = http.post(search_url(sb), json={**YEAR, **cursor}, timeout=30)
    assert repeated.json() == first.json()


def test_settings_change_the_quota_and_the_bucket_and_reset_restores_them(sb):
    assert sb.control.settings()["toggl_quota"] == "600/3600"
    assert sb.control.settings()["toggl_rate_limit"] == "off"
    response = requests.post(sb.base_url + "/_sandbox/settings", json={"toggl_quota": "2/3600"}, timeout=30)
    assert response.json()["toggl_quota"] == "2/3600"
    http, me = session(sb), provider(sb)["base_url"] + "/api/v9/me"
    assert [http.get(me, timeout=30).status_code for _ in range(3)] == [200, 200, 402]
    bad = requests.post(sb.base_url + "/_sandbox/settings", json={"toggl_rate_limit": "fast"}, timeout=30)
    assert bad.status_code == 400 and "toggl_rate_limit" in bad.json()["error"]
    sb.control.reset()
    assert http.get(me, timeout=30).status_code == 200


# -- quota and bucket on a fake clock ----------------------------------------------------------------------
def call(emulator: TogglEmulator, path: str = "/api/v9/me"):
    login = base64.b64encode(f"{TOKEN}:api_token".encode()).decode()
    return emulator.handle(Request.build("GET", path, {"Authorization": f"Basic {login}"}))


def test_over_quota_is_402_with_the_seconds_until_it_resets(store):
    clock = FakeClock()
    toggl = TogglEmulator(store, Faults(), quota="3/3600", clock=clock)
    answers = [call(toggl) for _ in range(3)]
    assert [a.headers["X-Toggl-Quota-Remaining"] for a in answers] == ["2", "1", "0"]
    clock.now += 600
    over = call(toggl)
    assert over.status == 402 and b"hourly limit" in over.body
    assert (over.headers["X-Toggl-Quota-Remaining"], over.headers["X-Toggl-Quota-Resets-In"]) == ("0", "3000")
    assert store.counted["toggl", "over_quota"] == 1
    clock.now += 3000
    assert call(toggl).status == 200


def test_the_leaky_bucket_answers_429_and_refills(store):
    clock = FakeClock()
    toggl = TogglEmulator(store, Faults(), quota="off", rate_limit="1/1", clock=clock)
    assert [call(toggl).status for _ in range(2)] == [200, 429]
    assert call(toggl).status == 429
    clock.now += 1
    assert call(toggl).status == 200
    assert store.counted["toggl", "throttled"] == 2
