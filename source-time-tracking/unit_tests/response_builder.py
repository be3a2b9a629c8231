"""Responses built from the JSON templates under `resource/http/response/`."""

from __future__ import annotations

import json
from typing import Any, Optional

from airbyte_cdk.test.mock_http import HttpResponse
from airbyte_cdk.test.mock_http.response_builder import (
    FieldPath,
    HttpResponseBuilder,
    PaginationStrategy,
    RecordBuilder,
    create_record_builder,
    create_response_builder,
    find_template,
)


class HarvestNextLink(PaginationStrategy):
    """Sets `links.next` (page style `?page=2…` or cursor style `?cursor=…&ref=next_cursor`)."""

    def __init__(self, next_url: str) -> None:
        self._next_url = next_url

    def update(self, response: dict[str, Any]) -> None:
        response["links"]["next"] = self._next_url


def harvest_record(template: str) -> RecordBuilder:
    """A record of `harvest_<template>.json`, e.g. `harvest_record("time_entries")`."""
    data_key = "cost_rates" if template == "cost_rates" else template
    return create_record_builder(
        find_template(f"harvest_{template}", __file__), FieldPath(data_key), FieldPath("id"), FieldPath("updated_at")
    )


def harvest_response(template: str, next_url: Optional[str] = None) -> HttpResponseBuilder:
    data_key = "cost_rates" if template == "cost_rates" else template
    return create_response_builder(
        find_template(f"harvest_{template}", __file__),
        FieldPath(data_key),
        HarvestNextLink(next_url) if next_url else None,
    )


def generic_record() -> RecordBuilder:
    return create_record_builder(find_template("generic_entries", __file__), FieldPath("data"), FieldPath("id"),
                                 FieldPath("updated_at"))


def generic_response(offset: int = 0, limit: int = 100, total: Optional[int] = None) -> HttpResponseBuilder:
    template = find_template("generic_entries", __file__)
    template.update({"offset": offset, "limit": limit, "total": total})
    return create_response_builder(template, FieldPath("data"))


def generic_entry(entry_id: str, updated_at: str, work_date: str = "2026-10-04") -> RecordBuilder:
    return generic_record().with_id(entry_id).with_cursor(updated_at).with_field(FieldPath("date"), work_date)


def template_response(template: str, status: int, headers: Optional[dict[str, str]] = None) -> HttpResponse:
    return HttpResponse(json.dumps(find_template(template, __file__)), status, headers or {})


def raw_response(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(body if isinstance(body, str) else json.dumps(body), status)


def with_total_entries(response: HttpResponse, total: int) -> HttpResponse:
    """The same Harvest page with another `total_entries` (as when rows are added or deleted between pages)."""
    body = json.loads(response.body)
    body["total_entries"] = total
    return HttpResponse(json.dumps(body), response.status_code, response.headers)


def clockify_record(template: str) -> RecordBuilder:
    """A record of `clockify_<template>.json` (Clockify lists are bare arrays), e.g. `clockify_record("users")`."""
    return create_record_builder({"records": find_template(f"clockify_{template}", __file__)}, FieldPath("records"),
                                 FieldPath("id"))


def clockify_page(*records: RecordBuilder) -> HttpResponse:
    """One page of a Clockify list: a bare JSON array (empty: the end of the list)."""
    return HttpResponse(json.dumps([record.build() for record in records]), 200)


def clockify_one(record: RecordBuilder) -> HttpResponse:
    """One Clockify object (`GET /time-entries/{id}`)."""
    return HttpResponse(json.dumps(record.build()), 200)
