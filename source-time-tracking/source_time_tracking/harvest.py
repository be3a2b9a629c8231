"""Harvest API v2 provider: time entries, users, projects, clients, tasks and users' cost-rate history.

Every list asks for `per_page=2000` (the maximum) and follows `links.next`, which serves both Harvest's
`page=` links and its newer `cursor=` links. Lists are not sorted by `updated_at` (time entries come by
`spent_date`, newest first), so state moves only when a read has finished: see `EndOfReadCursor`.
A wrong `Harvest-Account-Id` is answered with 404, which is a config error here, never an empty stream.

Page-numbered lists (`time_entries`, `projects`, `tasks`) shift while they are read: a row deleted from a
page already read, or moved behind the pages read so far (an entry's `spent_date` edited to an older
date), moves the later rows up, and one can slide onto a page already read unread, keeping its old
`updated_at`. (An insert moves rows down: a row comes twice, none is lost.) A read of more than one page
therefore watches for it: a `total_entries` lower than the previous page's (a delete), or a row on a later
page that changed after the read began (a moved or inserted row, which may hide a delete). Then the read
goes on but leaves the state where it was (`EndOfReadCursor.hold`), so the next sync reads the same range
again; `deleted_time_entries` then asks for each id missing from such a re-read (`present_ids`: a 404 is a
delete) instead of taking its absence for one. Cursor-style lists
(`users`, `clients`, cost rates) page by a keyset and cannot shift.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Iterator, Mapping, MutableMapping, Optional

import requests
from airbyte_cdk.models import SyncMode

from source_time_tracking.auth import bearer
from source_time_tracking.cursors import EndOfReadCursor, format_filter, parse_datetime
from source_time_tracking.errors import json_body
from source_time_tracking.harvest_config import HarvestProvider
from source_time_tracking.pagination import LinksNextPaginator, Page
from source_time_tracking.provider import Provider
from source_time_tracking.single_request import EntryLookup, OneObject
from source_time_tracking.streams import ListPerParent, TimeTrackingStream

PER_PAGE = 2000
PROVIDER_LABEL = "Harvest"
WRONG_ACCOUNT = {404: "Harvest answers 404 when the Harvest-Account-Id does not match the token: check account_id."}


class HarvestStream(TimeTrackingStream):
    """One Harvest list endpoint (`/v2/<data_key>`), incremental on `updated_at` via `updated_since`."""

    provider_label = PROVIDER_LABEL
    extra_config_errors = WRONG_ACCOUNT
    primary_key = "id"
    data_key: str = ""
    page_size = PER_PAGE
    supports_updated_since = True
    page_numbered = False  # Harvest pages this list by `page=` links (which shift), not by a keyset cursor

    def __init__(self, provider: HarvestProvider, start_date: Optional[datetime]) -> None:
        self._paginator = LinksNextPaginator(provider.base_url)
        self._end_of_read_cursor = EndOfReadCursor("updated_at", start_date)
        self._last_total: Optional[int] = None  # `total_entries` of the page read last
        super().__init__(
            provider, self._end_of_read_cursor, self.data_key, bearer(provider.access_token.get_secret_value())
        )

    def path(self, next_page_token: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> str:
        return next_page_token["next_url"] if next_page_token else self.data_key

    def request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        return {"Harvest-Account-Id": self._provider.account_id, "User-Agent": self._provider.user_agent}

    def request_params(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> MutableMapping[str, Any]:
        if next_page_token:
            return {}  # the next link carries every parameter of the first request
        params: dict[str, Any] = {"per_page": PER_PAGE}
        lower_bound = self._cursor.lower_bound(stream_state)
        if self.supports_updated_since and lower_bound is not None:
            params["updated_since"] = format_filter(lower_bound, "iso8601")
        return params

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        body = json_body(response)
        self._loop_guard.check_next_page(response.request, body.get("page"), body.get("next_page"))
        token = self._paginator.next_token(body, response.request)
        if token is not None:
            self._loop_guard.check_next_url(response.request, token["next_url"])
        return token

    def describe_page(self, response: requests.Response, page_number: int) -> Page:
        return self._paginator.describe(json_body(response), page_number)

    def new_records(self, records: list[Mapping[str, Any]], response: requests.Response) -> list[Mapping[str, Any]]:
        """Watch a page-numbered list for rows that moved between its pages (see the module docstring)."""
        if not self.page_numbered:
            return records
        total = json_body(response).get("total_entries")
        previous, self._last_total = self._last_total, total
        if self.progress.pages == 0 or self.pages_shifted:
            return records
        fewer = isinstance(total, int) and isinstance(previous, int) and total < previous
        if fewer or any(self._end_of_read_cursor.changed_during_read(record) for record in records):
            self.pages_shifted = True
            self._end_of_read_cursor.hold()
            self.logger.warning(
                f"{self.name}: rows changed while the list was paged (total_entries {previous} → {total}, or an "
                f"entry updated during the read on page {self.progress.pages + 1}); one may have been paged over, "
                f"so this read leaves the state where it was and the next sync reads the range again"
            )
        return records

    def start_read(self) -> None:
        super().start_read()
        self._last_total = None


class HarvestTimeEntries(HarvestStream):
    """`/v2/time_entries`; a slice with `work_date_from`/`work_date_to` reads a `spent_date` window instead."""

    name = "time_entries"
    data_key = "time_entries"
    work_date_field = "spent_date"
    page_numbered = True

    def request_params(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> MutableMapping[str, Any]:
        window = stream_slice or {}
        if next_page_token or "work_date_from" not in window:
            return super().request_params(stream_state, stream_slice, next_page_token)
        return {"per_page": PER_PAGE, "from": window["work_date_from"], "to": window["work_date_to"]}

    def present_ids(self, ids: Iterable[str]) -> dict[str, str]:
        """`GET /v2/time_entries/{id}` for each id: 200 means it exists (with its `spent_date` now), 404 that
        it was deleted."""
        lookup = HarvestTimeEntryLookup(self._provider, start_date=None)
        return {entry_id: str(record.get(self.work_date_field) or "")[:10] for entry_id in ids
                for record in lookup.read_records(SyncMode.full_refresh, stream_slice={"id": entry_id})}


class HarvestTimeEntryLookup(EntryLookup, HarvestStream):
    """`/v2/time_entries/{id}` (see `HarvestTimeEntries.present_ids`)."""

    data_key = "time_entries"

    def entry_path(self, entry_id: str) -> str:
        return f"time_entries/{entry_id}"


class HarvestUsers(HarvestStream):
    name = "users"
    data_key = "users"


class HarvestProjects(HarvestStream):
    name = "projects"
    data_key = "projects"
    page_numbered = True


class HarvestClients(HarvestStream):
    name = "clients"
    data_key = "clients"


class HarvestTasks(HarvestStream):
    name = "tasks"
    data_key = "tasks"
    page_numbered = True


class HarvestUserCostRates(ListPerParent, HarvestStream):
    """`/v2/users/{id}/cost_rates` for every user, with `user_id` added to each rate.

    The endpoint has no `updated_since`, so the cursor filters on the client side; every user is listed
    (not only recently updated ones) because a new rate need not touch its user. One read is one slice,
    so the state moves only after every user's rates were read.
    """

    name = "user_cost_rates"
    data_key = "cost_rates"
    supports_updated_since = False

    def __init__(self, provider: HarvestProvider, start_date: Optional[datetime]) -> None:
        super().__init__(provider, start_date)
        self._users = self.helper(HarvestUsers(provider, start_date=None), "the list of users")
        self._lower_bound: Optional[datetime] = None  # the read's: rates updated before it are not emitted

    def path(
        self,
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
        **kwargs: Any,
    ) -> str:
        return next_page_token["next_url"] if next_page_token else f"users/{stream_slice['user_id']}/cost_rates"

    def shape_record(
        self, record: Mapping[str, Any], stream_slice: Optional[Mapping[str, Any]], response: requests.Response
    ) -> Mapping[str, Any]:
        return {**record, "user_id": stream_slice["user_id"]}

    def parent_slices(self, stream_slice: Mapping[str, Any], stream_state: Optional[Mapping[str, Any]]
                      ) -> Iterator[tuple[dict[str, Any], str]]:
        self._lower_bound = self._cursor.lower_bound(stream_state)
        for user in self._users.read_records(SyncMode.full_refresh, stream_state={}):
            yield {"user_id": user["id"]}, f"user {user['id']}"

    def keep(self, record: Mapping[str, Any]) -> bool:
        updated_at = parse_datetime(record.get("updated_at"))
        return self._lower_bound is None or updated_at is None or updated_at >= self._lower_bound


class HarvestCompany(OneObject, HarvestStream):
    """`/v2/company`: one object, read by `check` to prove the token and the account id."""

    name = "company"
    data_key = "company"
    retry_unreachable = False



def check(provider: HarvestProvider) -> str:
    """A real request (`GET /v2/company`); returns the company's name, raises a config error otherwise."""
    company = next(iter(HarvestCompany(provider, None).read_records(SyncMode.full_refresh)))
    return str(company.get("name", ""))


class Harvest(Provider):
    """The registry's Harvest provider: time entries and the lists labour cost needs; deletes from the window."""

    name = "harvest"
    config_model = HarvestProvider
    time_entries_stream = HarvestTimeEntries
    list_streams = (HarvestUsers, HarvestProjects, HarvestClients, HarvestTasks, HarvestUserCostRates)

    def check(self, config: HarvestProvider) -> str:
        return f"{PROVIDER_LABEL} answered for company {check(config)!r}"
