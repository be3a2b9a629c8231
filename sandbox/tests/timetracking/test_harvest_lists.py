"""Users, clients, projects, tasks, cost rates and company: both pagination styles and their filters."""

import base64
import json

import pytest

from .helpers import BASE_URL, HARVEST_HEADERS, call, follow


def ids(records) -> list[int]:
    return [record["id"] for record in records]


@pytest.mark.parametrize("resource, table", [("users", "harvest_users"), ("clients", "harvest_clients")])
def test_cursor_pagination_reads_every_row_once(harvest, store, resource, table):
    records, requests = follow(harvest, f"/v2/{resource}?per_page=1", resource, HARVEST_HEADERS)
    expected = sorted((row["id"] for row in store.rows(f"SELECT id FROM {table}")), reverse=True)
    assert ids(records) == expected and requests == len(expected)


def test_cursor_links_look_like_harvests(harvest):
    body = call(harvest, "/v2/users?per_page=2", HARVEST_HEADERS).body
    url = f"{BASE_URL}/v2/users"
    assert body["links"]["first"] == f"{url}?page=1&per_page=2&ref=first"
    assert body["links"]["last"] == f"{url}?page=2&per_page=2&ref=last"
    assert body["links"]["previous"] is None
    cursor = body["links"]["next"].removeprefix(f"{url}?cursor=").split("&")[0]
    assert body["links"]["next"].endswith("&per_page=2&ref=next_cursor")
    decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert decoded == {"after": {"id": body["users"][-1]["id"]}}
    second = call(harvest, body["links"]["next"].removeprefix(BASE_URL), HARVEST_HEADERS).body
    assert (second["page"], second["previous_page"], second["next_page"]) == (2, 1, None)
    assert second["links"]["previous"] == f"{url}?page=1&per_page=2&ref=previous"


def test_cursor_endpoints_still_accept_pages(harvest):
    body = call(harvest, "/v2/clients?page=2&per_page=2", HARVEST_HEADERS).body
    assert ids(body["clients"]) == [100] and body["page"] == 2


def test_cursor_paging_ignores_rows_inserted_meanwhile(harvest, store):
    """Keyset cursors: rows created during the read (higher ids, so "newer") never shift later pages."""
    body = call(harvest, "/v2/users?per_page=2", HARVEST_HEADERS).body
    with store.write() as db:
        db.execute("INSERT INTO harvest_users (id, first_name, last_name, is_active, updated_at)"
                   " VALUES (499, 'New', 'Hire', 1, '2026-12-01T00:00:00Z')")
        db.execute("UPDATE harvest_users SET updated_at = '2026-12-01T00:00:00Z' WHERE id = 400")
    rest, _ = follow(harvest, body["links"]["next"].removeprefix(BASE_URL), "users", HARVEST_HEADERS)
    assert ids(body["users"]) + ids(rest) == [403, 402, 401, 400]


def test_bad_cursor_is_422(harvest):
    assert call(harvest, "/v2/users?cursor=not-a-cursor", HARVEST_HEADERS).status == 422


def test_user_shape_and_filters(harvest):
    users = call(harvest, "/v2/users", HARVEST_HEADERS).body["users"]
    first = next(user for user in users if user["id"] == 401)
    assert first["cost_rate"] == 41.0 and first["default_hourly_rate"] == 95.0
    assert first["roles"] == ["Technician"] and first["is_active"] is True
    assert "employee_id" not in first  # a sandbox-only link, not a Harvest field
    active = call(harvest, "/v2/users?is_active=true", HARVEST_HEADERS).body
    assert ids(active["users"]) == [402, 401, 400]
    recent = call(harvest, "/v2/users?updated_since=2026-04-03T09:00:00Z", HARVEST_HEADERS).body
    assert ids(recent["users"]) == [403, 402]


def test_projects_page_style_with_filters(harvest):
    records, requests = follow(harvest, "/v2/projects?per_page=3", "projects", HARVEST_HEADERS)
    assert ids(records) == [203, 202, 201, 200] and requests == 2
    project = records[-1]
    assert project["client"] == {"id": 100, "name": "Client 0", "currency": "USD"}
    assert project["code"] == "P-1001" and project["budget"] == 1000.0 and project["cost_budget"] is None
    assert ids(call(harvest, "/v2/projects?client_id=100", HARVEST_HEADERS).body["projects"]) == [203, 200]
    assert ids(call(harvest, "/v2/projects?is_active=false", HARVEST_HEADERS).body["projects"]) == [203]
    since = call(harvest, "/v2/projects?updated_since=2026-03-03T00:00:00Z", HARVEST_HEADERS).body
    assert ids(since["projects"]) == [203, 202]
    assert "ref=" not in since["links"]["first"]


def test_clients_and_tasks(harvest):
    clients = call(harvest, "/v2/clients?is_active=true", HARVEST_HEADERS).body["clients"]
    assert ids(clients) == [101, 100] and clients[0]["currency"] == "USD" and "customer_id" not in clients[0]
    tasks = call(harvest, "/v2/tasks", HARVEST_HEADERS).body
    assert ids(tasks["tasks"]) == [302, 301, 300] and tasks["tasks"][0]["default_hourly_rate"] is None
    assert ids(call(harvest, "/v2/tasks?is_active=true", HARVEST_HEADERS).body["tasks"]) == [301, 300]


def test_cost_rate_history(harvest):
    body = call(harvest, "/v2/users/403/cost_rates", HARVEST_HEADERS).body
    rates = body["cost_rates"]
    assert [rate["start_date"] for rate in rates] == ["2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"]
    assert [rate["end_date"] for rate in rates] == ["2026-03-31", "2026-06-30", "2026-09-30", None]
    assert [rate["amount"] for rate in rates] == [33.5, 34.5, 35.5, 36.5]
    assert body["total_entries"] == 4
    paged, requests = follow(harvest, "/v2/users/403/cost_rates?per_page=3", "cost_rates", HARVEST_HEADERS)
    assert paged == rates and requests == 2
    assert "ref=next_cursor" in call(harvest, "/v2/users/403/cost_rates?per_page=3",
                                     HARVEST_HEADERS).body["links"]["next"]
    assert call(harvest, "/v2/users/400/cost_rates", HARVEST_HEADERS).body["total_entries"] == 1


def test_company(harvest):
    company = call(harvest, "/v2/company", HARVEST_HEADERS).body
    assert company["name"] == "Northwind Field Services" and company["is_active"] is True
    assert company["base_uri"] == f"https://{company['full_domain']}"
    assert company["week_start_day"] in ("Saturday", "Sunday", "Monday")


def test_lying_counters_fault_links_a_page_to_itself(harvest):
    harvest.faults.set("lying_counters")
    body = call(harvest, "/v2/tasks?page=1&per_page=1", HARVEST_HEADERS).body
    assert body["links"]["next"] == f"{BASE_URL}/v2/tasks?page=1&per_page=1"
    assert body["next_page"] == body["page"] == 1


def test_repeat_page_fault_answers_the_previous_page_again(harvest):
    harvest.faults.set("repeat_page", count=1)
    first = call(harvest, "/v2/tasks?per_page=1", HARVEST_HEADERS).body
    again = call(harvest, first["links"]["next"].removeprefix(BASE_URL), HARVEST_HEADERS).body
    second = call(harvest, first["links"]["next"].removeprefix(BASE_URL), HARVEST_HEADERS).body
    assert again == first and second["page"] == 2
