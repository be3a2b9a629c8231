"""The generic API `GET /v1/entries`: auth, offset/limit, incremental filter, date window, order, envelope."""

import pytest

from .helpers import GENERIC_HEADERS, call

ALL = "SELECT * FROM generic_entries"


def ids(records) -> list[str]:
    return [record["id"] for record in records]


def expected_ids(store, where: str = "", params=()) -> list[str]:
    rows = store.rows(f"{ALL} {where}", params)
    return [row["id"] for row in sorted(rows, key=lambda row: (row["updated_at"], row["id"]))]


def read_all(generic, query: str, limit: int) -> tuple[list[dict], int]:
    """Offset paging as a client does it: until a short page."""
    records, offset, requests = [], 0, 0
    while True:
        body = call(generic, f"/v1/entries?offset={offset}&limit={limit}{query}", GENERIC_HEADERS).body
        requests += 1
        records.extend(body["data"])
        offset += len(body["data"])
        if len(body["data"]) < limit:
            return records, requests


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "sandbox-generic-token"},
                                     {"Authorization": "Basic c2FuZGJveC1nZW5lcmljLXRva2Vu"}])
def test_missing_or_bad_token_is_401_json(generic, headers):
    answer = call(generic, "/v1/entries", headers)
    assert answer.status == 401
    assert answer.body["error"] == "unauthorized" and answer.body["message"]


def test_envelope_and_entry_shape(generic, store):
    body = call(generic, "/v1/entries", GENERIC_HEADERS).body
    assert (body["offset"], body["limit"], body["total"]) == (0, 100, 45)
    entry = next(record for record in body["data"] if record["id"] == "te_2")
    assert entry == {"id": "te_2", "user_id": "E-0001", "user_name": "Crew 1", "project_id": "P-1002",
                     "task_id": "install", "date": "2026-03-02", "hours": 2.5, "billable": False,
                     "cost_rate": 35.0, "bill_rate": 95.0, "notes": "crew entry 1",
                     "created_at": "2026-03-02T17:00:00Z", "updated_at": "2026-03-03T12:00:00Z"}


def test_sorted_by_updated_at_then_id(generic, store):
    records = call(generic, "/v1/entries?limit=1000", GENERIC_HEADERS).body["data"]
    assert ids(records) == expected_ids(store)
    assert len({record["updated_at"] for record in records}) < len(records)  # ties exist, broken by id


@pytest.mark.parametrize("limit", [1, 7, 45, 100])
def test_offset_paging_reads_every_entry_once(generic, store, limit):
    records, requests = read_all(generic, "", limit)
    assert ids(records) == expected_ids(store)
    assert requests == 45 // limit + 1


@pytest.mark.parametrize("value", ["2026-03-10T12:00:00Z", "1773144000", "2026-03-10T08:00:00-04:00"])
def test_updated_since_is_inclusive_iso_or_unix(generic, store, value):
    records, _ = read_all(generic, f"&updated_since={value}", 10)
    expected = expected_ids(store, "WHERE updated_at >= '2026-03-10T12:00:00Z'")
    assert ids(records) == expected and 0 < len(expected) < 45
    assert "2026-03-10T12:00:00Z" in {record["updated_at"] for record in records}


def test_date_window(generic, store):
    records, _ = read_all(generic, "&from=2026-03-05&to=2026-03-09&updated_since=2026-03-01T00:00:00Z", 4)
    assert ids(records) == expected_ids(store, "WHERE date BETWEEN '2026-03-05' AND '2026-03-09'")
    assert {record["date"] for record in records} == {f"2026-03-0{day}" for day in range(5, 10)}


def test_total_counts_the_filtered_rows(generic, store):
    body = call(generic, "/v1/entries?limit=5&offset=40&from=2026-03-15", GENERIC_HEADERS).body
    assert body["total"] == len(store.rows(f"{ALL} WHERE date >= '2026-03-15'"))
    past = call(generic, "/v1/entries?offset=45", GENERIC_HEADERS).body
    assert past["data"] == [] and past["total"] == 45


def read_while_updating(generic, store, pick) -> list[str]:
    """An incremental offset read that, after each page, moves the entry chosen by `pick(seen, offset)` to
    the end of the order (an edit during the read)."""
    seen, offset = [], 0
    while True:
        body = call(generic, f"/v1/entries?offset={offset}&limit=10&updated_since=2026-03-01T00:00:00Z",
                    GENERIC_HEADERS).body
        seen.extend(ids(body["data"]))
        offset += len(body["data"])
        if len(body["data"]) < 10:
            return seen
        moved = pick(seen, offset)
        with store.write() as db:
            db.execute("UPDATE generic_entries SET hours = '8.00', updated_at = '2026-12-01T00:00:00Z'"
                       " WHERE id = ?", (moved,))


def test_entries_edited_ahead_of_the_read_come_at_the_end(generic, store):
    """Sorted by updated_at: an entry edited before the read reaches it moves behind the read position and
    comes once, with its new values, on a later page; nothing shifts."""
    seen = read_while_updating(generic, store, lambda seen, offset: expected_ids(store)[offset])
    assert sorted(seen) == sorted(expected_ids(store))
    assert seen[-4:] == expected_ids(store)[-4:]  # the four edited entries, in (updated_at, id) order


def test_offset_paging_is_positional_when_read_entries_change(generic, store):
    """The API is plain offset paging: editing an entry already read moves it to the end and shifts every
    later entry one place back, so the entry at the page border is not on the next page. Clients cope with
    a lookback or a re-read (the source's concern); the emulator must not hide it."""
    before = expected_ids(store)
    seen = read_while_updating(generic, store, lambda seen, offset: seen[0] if offset == 10 else before[-1])
    assert before[10] not in seen  # skipped by the shift
    assert seen.count(before[0]) == 2  # read, edited, read again at the end


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=ten", "offset=-1", "offset=x",
                                   "updated_since=last-week", "from=2026-02-30", "to=03/01/2026"])
def test_bad_parameters_are_400_json(generic, query):
    answer = call(generic, f"/v1/entries?{query}", GENERIC_HEADERS)
    assert answer.status == 400
    assert answer.body["error"] == "invalid_parameter" and answer.body["message"]


def test_limit_bounds(generic):
    assert call(generic, "/v1/entries?limit=1000", GENERIC_HEADERS).body["limit"] == 1000
    assert len(call(generic, "/v1/entries?limit=1", GENERIC_HEADERS).body["data"]) == 1


def test_unknown_path_and_method(generic):
    assert call(generic, "/v1/users", GENERIC_HEADERS).status == 404
    assert call(generic, "/v1/entries", GENERIC_HEADERS, method="DELETE").status == 405


def test_fault_bodies_are_json(generic):
    assert generic.fault_response("rate_limit", 429).status == 429
    failed = generic.fault_response("status", 502)
    assert failed.status == 502 and b"server_error" in failed.body


def test_lying_counters_fault_ignores_offset(generic):
    first = call(generic, "/v1/entries?limit=10", GENERIC_HEADERS).body
    generic.faults.set("lying_counters")
    lying = call(generic, "/v1/entries?offset=10&limit=10", GENERIC_HEADERS).body
    assert ids(lying["data"]) == ids(first["data"]) and lying["offset"] == 10


def test_repeat_page_fault_answers_the_previous_page_of_the_same_filter(generic):
    generic.faults.set("repeat_page", count=1)
    first = call(generic, "/v1/entries?limit=10", GENERIC_HEADERS).body
    other_filter = call(generic, "/v1/entries?limit=10&from=2026-03-05", GENERIC_HEADERS).body
    again = call(generic, "/v1/entries?offset=10&limit=10", GENERIC_HEADERS).body
    assert again == first and other_filter != first
    assert ids(call(generic, "/v1/entries?offset=10&limit=10", GENERIC_HEADERS).body["data"]) != ids(first["data"])
