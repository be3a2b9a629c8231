"""Toggl Track requests and responses for the unit tests, built from `resource/http/response/toggl_*.json`."""

from __future__ import annotations

import base64
import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

from airbyte_cdk.test.mock_http import HttpRequest, HttpResponse

TOGGL_BASE_URL = "https://api.track.toggl.test"
TOGGL_TOKEN = "fake-toggl-token"
WORKSPACE_ID = 6676428
AUTHORIZATION = "Basic " + base64.b64encode(f"{TOGGL_TOKEN}:api_token".encode()).decode()
_TEMPLATES = Path(__file__).parent / "resource" / "http" / "response"


def toggl_config(start_date: Optional[str] = "2026-01-01T00:00:00Z", **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"provider": {"provider_type": "toggl", "api_token": TOGGL_TOKEN,
                                           "workspace_id": WORKSPACE_ID, "base_url": TOGGL_BASE_URL}, **extra}
    if start_date is not None:
        config["start_date"] = start_date
    return config


def template(name: str) -> Any:
    """A template, its decimals as `Decimal` so they go back on the wire with their digits (113.00)."""
    return json.loads((_TEMPLATES / f"toggl_{name}.json").read_text(), parse_float=Decimal)


def _dumps(body: Any) -> str:
    """JSON with each `Decimal` written as the number it holds, digit for digit."""
    return json.dumps(body, default=lambda value: f"@decimal@{value}@decimal@").replace('"@decimal@', "").replace(
        '@decimal@"', "")


class SearchRequestBuilder:
    """`POST /reports/api/v3/workspace/{wid}/search/time_entries` with its JSON body."""

    def __init__(self, first: str, last: str) -> None:
        self._body: dict[str, Any] = {"start_date": first, "end_date": last, "page_size": 50, "enrich_response": True}

    @classmethod
    def work_dates(cls, first: str, last: str) -> "SearchRequestBuilder":
        return cls(first, last)

    def after(self, first_id: int, first_row_number: int, first_timestamp: int) -> "SearchRequestBuilder":
        self._body.update(first_id=first_id, first_row_number=first_row_number, first_timestamp=first_timestamp)
        return self

    def with_ids(self, ids: list[int]) -> "SearchRequestBuilder":
        self._body["time_entry_ids"] = ids
        return self

    def build(self) -> HttpRequest:
        return HttpRequest(f"{TOGGL_BASE_URL}/reports/api/v3/workspace/{WORKSPACE_ID}/search/time_entries",
                           headers={"Authorization": AUTHORIZATION}, body=json.dumps(self._body))


def list_request(resource: str, **params: Any) -> HttpRequest:
    """`GET /api/v9/workspaces/{wid}[/<resource>]`; `resource` "" is the workspace itself."""
    path = f"/api/v9/workspaces/{WORKSPACE_ID}" + (f"/{resource}" if resource else "")
    return HttpRequest(f"{TOGGL_BASE_URL}{path}", query_params={k: str(v) for k, v in params.items()} or None,
                       headers={"Authorization": AUTHORIZATION})


def entry_row(entry_id: int, start: str = "2026-03-02T07:15:00-05:00", at: str = "2026-03-02T16:13:01-05:00",
              **fields: Any) -> dict[str, Any]:
    """One ungrouped search row (from the template) for one time entry."""
    row = copy.deepcopy(template("search_time_entries")[0])
    row["time_entries"][0].update(id=entry_id, start=start, at=at)
    row.update(fields)
    return row


def search_response(rows: list[dict[str, Any]], next_entry: Optional[tuple[int, int, int]] = None) -> HttpResponse:
    """A page of rows; `next_entry` = (X-Next-ID, X-Next-Row-Number, X-Next-Timestamp) when more follow."""
    headers = {"Content-Type": "application/json"}
    if next_entry:
        headers.update({"X-Next-ID": str(next_entry[0]), "X-Next-Row-Number": str(next_entry[1]),
                        "X-Next-Timestamp": str(next_entry[2])})
    return HttpResponse(_dumps(rows), 200, headers)


def json_response(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(_dumps(body), status, {"Content-Type": "application/json"})


def text_response(text: str, status: int, headers: Optional[dict[str, str]] = None) -> HttpResponse:
    """Toggl's plain-text error answers."""
    return HttpResponse(text, status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})})
