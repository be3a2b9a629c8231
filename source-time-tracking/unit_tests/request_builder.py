"""Requests the connector is expected to send, per provider."""

from __future__ import annotations

from typing import Any, Optional

from airbyte_cdk.test.mock_http import HttpRequest

from unit_tests.config import (
    CLOCKIFY_API_KEY,
    CLOCKIFY_BASE_URL,
    CLOCKIFY_WORKSPACE,
    GENERIC_BASE_URL,
    GENERIC_TOKEN,
    HARVEST_BASE_URL,
    HARVEST_TOKEN,
)


class HarvestRequestBuilder:
    """`GET /v2/<resource>` with the three headers Harvest requires."""

    def __init__(self, resource: str) -> None:
        self._resource = resource
        self._params: dict[str, Any] = {"per_page": "2000"}
        self._url: Optional[str] = None

    @classmethod
    def time_entries(cls) -> "HarvestRequestBuilder":
        return cls("time_entries")

    @classmethod
    def endpoint(cls, resource: str) -> "HarvestRequestBuilder":
        return cls(resource)

    @classmethod
    def company(cls) -> "HarvestRequestBuilder":
        builder = cls("company")
        builder._params = {}
        return builder

    @classmethod
    def time_entry(cls, entry_id: int) -> "HarvestRequestBuilder":
        """`GET /v2/time_entries/{id}`: one entry, no parameters."""
        builder = cls(f"time_entries/{entry_id}")
        builder._params = {}
        return builder

    @classmethod
    def next_link(cls, url: str) -> "HarvestRequestBuilder":
        """A page reached through `links.next`: the URL as given, no parameters added."""
        builder = cls("")
        builder._url = url
        builder._params = {}
        return builder

    def with_updated_since(self, value: str) -> "HarvestRequestBuilder":
        self._params["updated_since"] = value
        return self

    def with_work_dates(self, first: str, last: str) -> "HarvestRequestBuilder":
        self._params["from"], self._params["to"] = first, last
        return self

    def build(self) -> HttpRequest:
        headers = {"Authorization": f"Bearer {HARVEST_TOKEN}", "Harvest-Account-Id": "1234567",
                   "User-Agent": "Unit Tests (tests@example.com)"}
        if self._url:
            return HttpRequest(self._url, headers=headers)
        return HttpRequest(f"{HARVEST_BASE_URL}/{self._resource}", query_params=self._params or None, headers=headers)


class GenericRequestBuilder:
    """`GET /v1/entries?offset=&limit=[&updated_since=][&from=&to=]`."""

    def __init__(self) -> None:
        self._params: dict[str, Any] = {"offset": "0", "limit": "100"}
        self._headers: dict[str, str] = {"Authorization": f"Bearer {GENERIC_TOKEN}"}
        self._path = "/v1/entries"

    @classmethod
    def entries(cls) -> "GenericRequestBuilder":
        return cls()

    def with_path(self, path: str) -> "GenericRequestBuilder":
        self._path = path
        return self

    def with_offset(self, offset: int) -> "GenericRequestBuilder":
        self._params["offset"] = str(offset)
        return self

    def with_limit(self, limit: int) -> "GenericRequestBuilder":
        self._params["limit"] = str(limit)
        return self

    def with_param(self, name: str, value: str) -> "GenericRequestBuilder":
        self._params[name] = value
        return self

    def with_updated_since(self, value: str) -> "GenericRequestBuilder":
        return self.with_param("updated_since", value)

    def with_work_dates(self, first: str, last: str) -> "GenericRequestBuilder":
        return self.with_param("from", first).with_param("to", last)

    def with_headers(self, headers: dict[str, str]) -> "GenericRequestBuilder":
        self._headers = headers
        return self

    def build(self) -> HttpRequest:
        return HttpRequest(f"{GENERIC_BASE_URL}{self._path}", query_params=self._params, headers=self._headers)


class ClockifyRequestBuilder:
    """`GET /workspaces/{workspace}/<resource>?…&page=N&page-size=1000` with the `X-Api-Key` header."""

    def __init__(self, resource: str, params: Optional[dict[str, str]] = None) -> None:
        self._resource = resource
        self._params: dict[str, str] = dict(params or {})
        self._page: Optional[int] = 1

    @classmethod
    def time_entries(cls, user_id: str) -> "ClockifyRequestBuilder":
        return cls(f"user/{user_id}/time-entries")

    @classmethod
    def users(cls) -> "ClockifyRequestBuilder":
        return cls("users", {"status": "ALL", "memberships": "WORKSPACE"})

    @classmethod
    def endpoint(cls, resource: str) -> "ClockifyRequestBuilder":
        return cls(resource)

    @classmethod
    def time_entry(cls, entry_id: str) -> "ClockifyRequestBuilder":
        """`GET /workspaces/{workspace}/time-entries/{id}`: one entry, no parameters."""
        builder = cls(f"time-entries/{entry_id}")
        builder._page = None
        return builder

    @classmethod
    def workspaces(cls) -> "ClockifyRequestBuilder":
        builder = cls("")
        builder._page = None
        return builder

    def with_page(self, page: int) -> "ClockifyRequestBuilder":
        self._page = page
        return self

    def with_start(self, start: str) -> "ClockifyRequestBuilder":
        self._params["start"] = start
        return self

    def build(self) -> HttpRequest:
        url = (f"{CLOCKIFY_BASE_URL}/workspaces/{CLOCKIFY_WORKSPACE}/{self._resource}" if self._resource
               else f"{CLOCKIFY_BASE_URL}/workspaces")
        params = {**self._params, "page": str(self._page), "page-size": "1000"} if self._page else self._params
        return HttpRequest(url, query_params=params or None, headers={"X-Api-Key": CLOCKIFY_API_KEY})
