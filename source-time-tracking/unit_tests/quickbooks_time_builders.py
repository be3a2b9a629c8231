"""QuickBooks Time builders: its config, the requests it must send, and responses from the JSON templates
`resource/http/response/quickbooks_time_*.json` (records in an object keyed by id string, `more`,
`supplemental_data`)."""

from __future__ import annotations

import copy
import json
from typing import Any, Optional

from airbyte_cdk.test.mock_http import HttpRequest, HttpResponse
from airbyte_cdk.test.mock_http.response_builder import find_template

from unit_tests.config import ConfigBuilder

BASE_URL = "https://rest.tsheets.com/api/v1"
TOKEN = "fake-quickbooks-time-token"
EARLIEST = "2000-01-01T00:00:00+00:00"


def quickbooks_time_config() -> ConfigBuilder:
    return ConfigBuilder({"provider_type": "quickbooks_time", "access_token": TOKEN, "base_url": BASE_URL})


class QuickBooksTimeRequestBuilder:
    """`GET /<resource>?limit=200&page=N[&modified_since=…]` with the bearer token."""

    def __init__(self, resource: str) -> None:
        self._resource = resource
        self._params: dict[str, Any] = {"limit": "200", "page": "1"}

    @classmethod
    def timesheets(cls, modified_since: str = EARLIEST) -> "QuickBooksTimeRequestBuilder":
        return cls("timesheets").with_modified_since(modified_since)

    @classmethod
    def timesheets_deleted(cls, modified_since: str = EARLIEST) -> "QuickBooksTimeRequestBuilder":
        builder = cls("timesheets_deleted").with_modified_since(modified_since)
        builder._params["supplemental_data"] = "no"
        return builder

    @classmethod
    def endpoint(cls, resource: str) -> "QuickBooksTimeRequestBuilder":
        return cls(resource)

    @classmethod
    def current_user(cls) -> "QuickBooksTimeRequestBuilder":
        builder = cls("current_user")
        builder._params = {}
        return builder

    def with_page(self, page: int) -> "QuickBooksTimeRequestBuilder":
        self._params["page"] = str(page)
        return self

    def with_modified_since(self, value: str) -> "QuickBooksTimeRequestBuilder":
        self._params["modified_since"] = value
        return self

    def build(self) -> HttpRequest:
        return HttpRequest(f"{BASE_URL}/{self._resource}", query_params=self._params or None,
                           headers={"Authorization": f"Bearer {TOKEN}"})


class QuickBooksTimeResponseBuilder:
    """A list answer from a template: its one example record copied per `with_record(**changes)`."""

    def __init__(self, template: str, key: Optional[str] = None) -> None:
        self._body = find_template(f"quickbooks_time_{template}", __file__)
        self._key = key or template
        self._example = next(iter(self._body["results"][self._key].values()))
        self._records: list[dict[str, Any]] = []
        self._more = False

    def with_record(self, **changes: Any) -> "QuickBooksTimeResponseBuilder":
        self._records.append({**copy.deepcopy(self._example), **changes})
        return self

    def with_more(self) -> "QuickBooksTimeResponseBuilder":
        self._more = True
        return self

    def with_supplemental(self, key: str, **records: dict[str, Any]) -> "QuickBooksTimeResponseBuilder":
        """Replace `supplemental_data.<key>` with records keyed by id string."""
        self._body["supplemental_data"][key] = records
        return self

    def build(self, status: int = 200) -> HttpResponse:
        body = copy.deepcopy(self._body)
        body["results"][self._key] = {str(record["id"]): record for record in self._records} or []
        body["more"] = self._more
        return HttpResponse(json.dumps(body), status)


def timesheets(*records: dict[str, Any], more: bool = False) -> HttpResponse:
    builder = QuickBooksTimeResponseBuilder("timesheets")
    for record in records:
        builder.with_record(**record)
    return (builder.with_more() if more else builder).build()


def error_response(status: int, headers: Optional[dict[str, str]] = None) -> HttpResponse:
    return HttpResponse(json.dumps(find_template(f"quickbooks_time_{status}", __file__)), status, headers or {})
