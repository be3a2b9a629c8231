"""The QuickBooks Time (TSheets) emulator over real HTTP on generated data: the same technicians' hours as
Harvest's, page/limit/more paging, the filters, deletes through `/timesheets_deleted`, TSheets' error bodies
and the generic faults."""

import hashlib
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import requests


def session(sb, token: str | None = None) -> requests.Session:
    provider = sb.credentials["quickbooks_time"]["provider"]
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token or provider['access_token']}"
    return http


def url(sb, resource: str) -> str:
    return f"{sb.credentials['quickbooks_time']['provider']['base_url']}/{resource}"


def read_all(sb, resource: str, **params) -> tuple[dict, list[dict]]:
    """Every record of a list, page by page while `more`; also each page's answer."""
    http, records, pages, page = session(sb), {}, [], 1
    while True:
        answer = http.get(url(sb, resource), params={**params, "page": page}, timeout=30)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append(body)
        found = body["results"][resource]
        if found:
            assert all(key == str(record["id"]) for key, record in found.items())  # keyed by id string
            assert not records.keys() & found.keys()
            records.update(found)
        if not body["more"]:
            return records, pages
        page += 1


def test_ready_line_names_the_emulator_and_a_complete_provider_config(sb):
    assert sb.info["quickbooks_time"].endswith("/quickbooks_time/api/v1")
    provider = sb.credentials["quickbooks_time"]["provider"]
    assert provider == {"provider_type": "quickbooks_time", "access_token": "sandbox-quickbooks-time-token",
                        "base_url": sb.info["quickbooks_time"]}


def test_full_read_matches_the_truth_in_pages_of_200(sb):
    truth = sb.control.truth("qbtime_timesheets")
    timesheets, pages = read_all(sb, "timesheets", modified_since="2000-01-01T00:00:00+00:00")
    assert len(timesheets) == truth["count"] > 500
    assert len(pages) == -(-truth["count"] // 200)
    assert all(len(page["results"]["timesheets"]) == 200 for page in pages[:-1])
    assert sorted(map(int, timesheets)) == [int(key) for key in timesheets]  # ordered by id
    assert hashlib.sha256("\n".join(sorted(timesheets)).encode()).hexdigest() == truth["checksum"]


def test_hours_per_project_month_equal_harvests(sb):
    """The labour-cost reconciliation holds per provider: the same hours per project and month."""
    timesheets, _ = read_all(sb, "timesheets", start_date="2026-01-01")
    jobcodes, _ = read_all(sb, "jobcodes")
    harvest = sb.control.truth("harvest_time_entries", rows=True)["rows"]
    projects = {row["id"]: row["code"] for row in sb.control.truth("harvest_projects", rows=True)["rows"]}
    quickbooks_hours, harvest_hours = Counter(), Counter()
    for sheet in timesheets.values():
        code = jobcodes[str(sheet["jobcode_id"])]["short_code"]
        quickbooks_hours[code, sheet["date"][:7]] += Decimal(sheet["duration"]) / 3600
    for entry in harvest:
        harvest_hours[projects[entry["project_id"]], entry["spent_date"][:7]] += Decimal(entry["hours"])
    assert quickbooks_hours == harvest_hours and len(harvest_hours) > 10


def test_a_timesheet_has_the_documented_shape(sb):
    timesheets, pages = read_all(sb, "timesheets", start_date="2026-03-02", end_date="2026-03-02")
    sheet = next(iter(timesheets.values()))
    assert set(sheet) >= {"id", "user_id", "jobcode_id", "start", "end", "duration", "date", "tz", "tz_str",
                          "type", "on_the_clock", "locked", "notes", "customfields", "last_modified"}
    start, end = datetime.fromisoformat(sheet["start"]), datetime.fromisoformat(sheet["end"])
    assert end - start == timedelta(seconds=sheet["duration"]) and start.utcoffset() == timedelta(hours=sheet["tz"])
    assert sheet["date"] == "2026-03-02" and sheet["last_modified"].endswith("+00:00")
    supplemental = pages[0]["supplemental_data"]
    assert {str(s["user_id"]) for s in timesheets.values()} == set(supplemental["users"])
    assert {str(s["jobcode_id"]) for s in timesheets.values()} == set(supplemental["jobcodes"])
    assert isinstance(supplemental["users"][str(sheet["user_id"])]["pay_rate"], (int, float))
    without = session(sb).get(url(sb, "timesheets"), params={"ids": sheet["id"], "supplemental_data": "no"},
                              timeout=30).json()
    assert without["supplemental_data"] == {} and list(without["results"]["timesheets"]) == [str(sheet["id"])]


def test_filters_by_work_date_user_and_jobcode(sb):
    rows = sb.control.truth("qbtime_timesheets", rows=True)["rows"]
    user, jobcode = rows[0]["user_id"], rows[0]["jobcode_id"]
    found, _ = read_all(sb, "timesheets", start_date="2026-02-01", end_date="2026-02-28", user_ids=str(user),
                        jobcode_ids=str(jobcode))
    expected = {str(r["id"]) for r in rows if "2026-02-01" <= r["date"] <= "2026-02-28" and r["user_id"] == user
                and r["jobcode_id"] == jobcode}
    assert set(found) == expected and expected


def test_modified_since_finds_updates_and_inserts_and_timesheets_deleted_lists_deletes(sb):
    since = "2026-11-02T00:00:00+00:00"  # after every seeded change (none is after 2026-11-01)
    assert read_all(sb, "timesheets", modified_since=since)[0] == {}
    assert session(sb).get(url(sb, "timesheets"), params={"modified_since": since}, timeout=30).json()[
        "results"]["timesheets"] == []  # an empty result is an empty array, as the real (PHP) API answers
    updated = sb.control.mutate("qbtime_timesheets", "update", count=2)
    inserted = sb.control.mutate("qbtime_timesheets", "insert", count=1)
    deleted = sb.control.mutate("qbtime_timesheets", "delete", count=3)
    changed, _ = read_all(sb, "timesheets", modified_since=since)
    assert set(changed) == {str(i) for i in updated + inserted} - {str(i) for i in deleted}
    new = changed[str(inserted[0])]
    assert datetime.fromisoformat(new["end"]) - datetime.fromisoformat(new["start"]) == timedelta(
        seconds=new["duration"])
    gone, _ = read_all(sb, "timesheets_deleted", modified_since=since)
    assert set(gone) == {str(i) for i in deleted}
    assert not read_all(sb, "timesheets", ids=",".join(map(str, deleted)))[0]
    assert sb.control.truth("qbtime_timesheets_deleted")["count"] == 3


def test_users_jobcodes_and_current_user(sb):
    users, _ = read_all(sb, "users")
    assert len(users) == sb.control.truth("qbtime_users")["count"] and all(
        u["pay_interval"] == "hour" for u in users.values())
    jobcodes, _ = read_all(sb, "jobcodes")
    customers = {key for key, jobcode in jobcodes.items() if jobcode["parent_id"] == 0}
    assert customers and all(str(j["parent_id"]) in customers for j in jobcodes.values() if j["parent_id"])
    children, _ = read_all(sb, "jobcodes", parent_ids=next(iter(customers)))
    assert children and all(str(j["parent_id"]) == next(iter(customers)) for j in children.values())
    me = session(sb).get(url(sb, "current_user"), timeout=30).json()["results"]["users"]
    assert list(me) and set(me) <= set(users)


@pytest.mark.parametrize("resource, params, status, text", [
    ("timesheets", {}, 417, "modified_since"),
    ("timesheets", {"start_date": "2026-01-01", "limit": "201"}, 400, "limit"),
    ("timesheets", {"modified_since": "yesterday"}, 400, "modified_since"),
    ("timesheets", {"start_date": "2026-01-01", "user_ids": "a,b"}, 400, "user_ids"),
    ("timesheets_deleted", {}, 417, "modified_since"),
    ("invoices", {}, 404, "invoices"),
])
def test_errors_have_the_tsheets_body(sb, resource, params, status, text):
    answer = session(sb).get(url(sb, resource), params=params, timeout=30)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == status and text in answer.json()["error"]["description"]


def test_a_wrong_token_is_401(sb):
    answer = session(sb, token="wrong").get(url(sb, "timesheets"), params={"start_date": "2026-01-01"}, timeout=30)
    assert answer.status_code == 401 and answer.json()["error"]["message"] == "Unauthorized"


def test_generic_faults_answer_with_tsheets_bodies(sb):
    sb.control.set_fault("rate_limit", count=1, paths=["/quickbooks_time/api/v1/timesheets"], seconds=2)
    sb.control.set_fault("status", count=1, status=503, paths=["/quickbooks_time/api/v1/users"])
    throttled = session(sb).get(url(sb, "timesheets"), params={"start_date": "2026-01-01"}, timeout=30)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"
    assert throttled.json()["error"] == {"code": 429, "message": "Too Many Requests",
                                         "description": "The rate limit has been exceeded; retry later."}
    failed = session(sb).get(url(sb, "users"), timeout=30)
    assert failed.status_code == 503 and failed.json()["error"]["code"] == 503
    assert session(sb).get(url(sb, "timesheets"), params={"start_date": "2026-01-01"}, timeout=30).status_code == 200


def test_lying_more_repeats_the_flag_past_the_last_page(sb):
    sb.control.set_fault("lying_counters", count=1, paths=["/quickbooks_time/api/v1/timesheets"])
    answer = session(sb).get(url(sb, "timesheets"), params={"start_date": "2026-10-30"}, timeout=30).json()
    assert answer["more"] is True and len(answer["results"]["timesheets"]) < 200


def test_decimals_keep_every_digit_and_malformed_value_reaches_a_timesheet(sb):
    user = sb.control.truth("qbtime_users", rows=True)["rows"][0]["id"]
    sb.control.mutate("qbtime_users", "update", ids=[user], changes={"pay_rate": "12345678901234567.89"})
    answer = session(sb).get(url(sb, "timesheets"), params={"start_date": "2026-01-01", "user_ids": user}, timeout=30)
    assert '"pay_rate":12345678901234567.89' in answer.text  # SQLite's JSON text, never through a float
    sb.control.set_fault("malformed_value", field="duration", value='"abc"', count=1,
                         paths=["/quickbooks_time/api/v1/timesheets"])
    sheets = session(sb).get(url(sb, "timesheets"), params={"start_date": "2026-01-01"}, timeout=30).json()
    assert next(iter(sheets["results"]["timesheets"].values()))["duration"] == "abc"
