"""`GET /v2/time_entries`: record shape, order, every filter, page-number pagination and per_page limits."""

import math

import pytest

from .helpers import BASE_URL, HARVEST_HEADERS, call, follow

ALL = "SELECT * FROM harvest_time_entries"


def ids(records) -> list[int]:
    return [record["id"] for record in records]


def expected_ids(store, where: str = "", params=()) -> list[int]:
    rows = store.rows(f"{ALL} {where}", params)
    return [row["id"] for row in sorted(rows, key=lambda row: (row["spent_date"], row["id"]), reverse=True)]


def test_entry_has_harvest_list_shape(harvest, store):
    entry = call(harvest, "/v2/time_entries?per_page=2000", HARVEST_HEADERS).body["time_entries"]
    by_id = {record["id"]: record for record in entry}
    record = by_id[1019]  # a running timer (n=19)
    row = store.rows(f"{ALL} WHERE id = 1019")[0]
    assert record["user"] == {"id": 403, "name": "First3 Last3"}
    assert record["client"] == {"id": 101, "name": "Client 1", "currency": "USD"}
    assert record["project"] == {"id": 201, "name": "Project 1", "code": "P-1002"}
    assert record["task"] == {"id": 301, "name": "Maintain"}
    assert record["is_running"] is True and record["timer_started_at"] == row["timer_started_at"]
    assert record["ended_time"] is None
    assert record["hours"] == float(row["hours"]) and isinstance(record["hours"], float)
    assert record["cost_rate"] == 43.0 and record["billable_rate"] == 95.0
    assert record["invoice"] is None and record["external_reference"] is None
    assert "user_assignment" not in record and "task_assignment" not in record
    assert record["created_at"].endswith("Z") and record["updated_at"] == row["updated_at"]
    assert {type(record[name]) for name in ("billable", "is_locked", "is_closed", "is_billed", "budgeted")} == {bool}
    assert by_id[1002]["billable_rate"] is None and by_id[1002]["billable"] is False


def test_sorted_by_spent_date_then_id_descending(harvest, store):
    records = call(harvest, "/v2/time_entries", HARVEST_HEADERS).body["time_entries"]
    assert ids(records) == expected_ids(store)
    keys = [(record["spent_date"], record["id"]) for record in records]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize("query, where, params", [
    ("updated_since=2026-01-20T18:00:00Z", "WHERE updated_at >= ?", ("2026-01-20T18:00:00Z",)),
    ("updated_since=2026-01-20T18:00:00.5Z", "WHERE updated_at > ?", ("2026-01-20T18:00:00Z",)),
    ("updated_since=2026-01-20T13:00:00-05:00", "WHERE updated_at >= ?", ("2026-01-20T18:00:00Z",)),
    ("updated_since=2026-01-20T23:00:00+05:00", "WHERE updated_at >= ?", ("2026-01-20T18:00:00Z",)),  # raw "+"
    ("updated_since=2026-01-21", "WHERE updated_at >= ?", ("2026-01-21T00:00:00Z",)),
    ("from=2026-01-12&to=2026-01-26", "WHERE spent_date BETWEEN ? AND ?", ("2026-01-12", "2026-01-26")),
    ("user_id=401", "WHERE user_id = ?", (401,)),
    ("project_id=202", "WHERE project_id = ?", (202,)),
    ("client_id=100", "WHERE client_id = ?", (100,)),
    ("task_id=300", "WHERE task_id = ?", (300,)),
    ("is_running=true", "WHERE is_running = 1", ()),
    ("is_running=false", "WHERE is_running = 0", ()),
    ("is_billed=true", "WHERE is_billed = 1", ()),
    ("user_id=402&from=2026-01-20&updated_since=2026-01-01T00:00:00Z",
     "WHERE user_id = 402 AND spent_date >= '2026-01-20'", ()),
])
def test_filters(harvest, store, query, where, params):
    expected = expected_ids(store, where, params)
    assert 0 < len(expected) < 57  # each case really filters
    records, _ = follow(harvest, f"/v2/time_entries?per_page=7&{query}", "time_entries", HARVEST_HEADERS)
    assert ids(records) == expected


def test_updated_since_is_inclusive(harvest, store):
    newest = max(row["updated_at"] for row in store.rows(ALL))
    body = call(harvest, f"/v2/time_entries?updated_since={newest}", HARVEST_HEADERS).body
    assert body["total_entries"] == len(store.rows(f"{ALL} WHERE updated_at = ?", (newest,))) >= 1


@pytest.mark.parametrize("query", ["updated_since=yesterday", "from=2026-13-01", "user_id=abc",
                                   "is_running=maybe", "per_page=0", "per_page=2001", "per_page=ten", "page=0"])
def test_bad_parameters_are_422(harvest, query):
    answer = call(harvest, f"/v2/time_entries?{query}", HARVEST_HEADERS)
    assert answer.status == 422
    assert answer.body["message"]


def test_per_page_defaults_to_2000_and_accepts_the_bounds(harvest):
    assert call(harvest, "/v2/time_entries", HARVEST_HEADERS).body["per_page"] == 2000
    assert call(harvest, "/v2/time_entries?per_page=2000", HARVEST_HEADERS).status == 200
    one = call(harvest, "/v2/time_entries?per_page=1", HARVEST_HEADERS).body
    assert len(one["time_entries"]) == 1 and one["total_pages"] == 57


def test_page_envelope_and_links(harvest):
    body = call(harvest, "/v2/time_entries?per_page=10&page=3&user_id=400", HARVEST_HEADERS).body
    assert body["total_entries"] == 15 and body["total_pages"] == 2  # 15 entries of user 400
    assert body["page"] == 3 and body["time_entries"] == []
    body = call(harvest, "/v2/time_entries?per_page=10&page=2", HARVEST_HEADERS).body
    assert (body["page"], body["per_page"], body["total_pages"], body["total_entries"]) == (2, 10, 6, 57)
    assert (body["previous_page"], body["next_page"]) == (1, 3)
    url = f"{BASE_URL}/v2/time_entries"
    assert body["links"] == {"first": f"{url}?page=1&per_page=10", "next": f"{url}?page=3&per_page=10",
                             "previous": f"{url}?page=1&per_page=10", "last": f"{url}?page=6&per_page=10"}
    last = call(harvest, "/v2/time_entries?per_page=10&page=6", HARVEST_HEADERS).body
    assert len(last["time_entries"]) == 7 and last["next_page"] is None and last["links"]["next"] is None


def test_links_keep_the_filters(harvest):
    body = call(harvest, "/v2/time_entries?per_page=5&from=2026-01-10&user_id=401", HARVEST_HEADERS).body
    assert body["links"]["next"] == f"{BASE_URL}/v2/time_entries?from=2026-01-10&user_id=401&page=2&per_page=5"


@pytest.mark.parametrize("per_page", [1, 5, 19, 57, 2000])
def test_following_next_reads_every_entry_once_with_the_fewest_requests(harvest, store, per_page):
    records, requests = follow(harvest, f"/v2/time_entries?per_page={per_page}", "time_entries", HARVEST_HEADERS)
    assert ids(records) == expected_ids(store)
    assert requests == math.ceil(57 / per_page)


def test_paging_under_concurrent_mutation_of_unrelated_rows(harvest, store):
    """Reading user 400's entries page by page while other users' entries change and new ones arrive:
    every entry of user 400 comes exactly once (the data version moves between pages)."""
    target, seen, step = "/v2/time_entries?per_page=4&user_id=400", [], 0
    while target:
        body = call(harvest, target, HARVEST_HEADERS).body
        seen.extend(ids(body["time_entries"]))
        with store.write() as db:
            db.execute("UPDATE harvest_time_entries SET hours = '9.00', updated_at = '2026-12-01T00:00:00Z' "
                       "WHERE user_id <> 400")
            db.execute("INSERT INTO harvest_time_entries (id, spent_date, user_id, client_id, project_id, task_id,"
                       " hours, updated_at) VALUES (?, '2026-01-30', 401, 100, 200, 300, '1.00', "
                       "'2026-12-01T00:00:00Z')", (5000 + step,))
        step += 1
        target = body["links"]["next"] and body["links"]["next"].removeprefix(BASE_URL)
    assert seen == expected_ids(store, "WHERE user_id = 400")
    assert step == 4


def test_pages_read_in_any_order_match_the_database(harvest, store):
    """Page boundaries remembered for fast seeking never change what a page holds."""
    query = "/v2/time_entries?per_page=6&updated_since=2026-01-10T00:00:00Z"
    expected = expected_ids(store, "WHERE updated_at >= '2026-01-10T00:00:00Z'")
    for page in (1, 2, 3, 5, 4, 2, 6, 5):
        body = call(harvest, f"{query}&page={page}", HARVEST_HEADERS).body
        assert ids(body["time_entries"]) == expected[(page - 1) * 6:page * 6]
