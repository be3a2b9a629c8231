"""QuickBooks Time (TSheets) API v1 provider: timesheets as `time_entries`, `users`, `jobcodes`, and deletes
from `/timesheets_deleted`.

Every list asks for `limit=200` (the documented maximum) and pages by `page` while the answer says
`"more": true`. Records come as an object keyed by id string (an empty result is `[]`); they are emitted in
id order. Every list filters on `modified_since`, so every stream is incremental on `last_modified`: the
state moves only once a read has finished, and never past its start (`EndOfReadCursor`), because lists are
not sorted by `last_modified`. `/timesheets` needs one filter: without state or `start_date` it asks for
everything modified since `EARLIEST`.

A timesheet has no rate or cost. Each record gets `user` and `jobcode` from the page's `supplemental_data`
and `cost_rate`: the user's `pay_rate` when it is hourly (`pay_interval` "hour"), else null. QuickBooks Time
keeps no history of pay rates, so `cost_rate` is the rate in force when the timesheet was read. Hours are
`duration` seconds as sent; `duration / 3600` is left to the destination (it is not a finite decimal for
every duration).

Deletes are permanent and listed by `/timesheets_deleted` (same filters, `last_modified` = the deletion):
`deleted_time_entries` reads it incrementally instead of re-reading a window of work dates. Page numbers
shift when a timesheet is deleted from a page already read, so a `time_entries` read during which a
timesheet was deleted (a `/timesheets_deleted` row modified since the read began) leaves its state where it
was, and the next sync reads the same range again.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, MutableMapping, Optional

import requests
from airbyte_cdk.models import SyncMode

from source_time_tracking.auth import bearer
from source_time_tracking.quickbooks_time_config import QuickBooksTimeProvider
from source_time_tracking.cursors import CLOCK_SKEW_ALLOWANCE, EndOfReadCursor, utc_now
from source_time_tracking.errors import json_body, shape_error
from source_time_tracking.loop_guard import PagingLoopError
from source_time_tracking.pagination import Page, PageNumberPaginator
from source_time_tracking.provider import Provider
from source_time_tracking.single_request import OneRequest
from source_time_tracking.streams import TimeTrackingStream

PAGE_LIMIT = 200
PROVIDER_LABEL = "QuickBooks Time"
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)  # `/timesheets` needs a filter; nothing is older
CONFIG_ERRORS = {402: "QuickBooks Time answers 402 when the account's billing is not current."}


def modified_since(value: datetime) -> str:
    """ISO 8601 with an explicit offset, as the API documents (`2018-07-16T00:00:00+00:00`)."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class QuickBooksTimeStream(TimeTrackingStream):
    """One QuickBooks Time list (`/<data_key>`), incremental on `last_modified` via `modified_since`."""

    provider_label = PROVIDER_LABEL
    extra_config_errors = CONFIG_ERRORS
    primary_key = "id"
    page_size = PAGE_LIMIT
    data_key: str = ""
    schema_prefix = "quickbooks_time_"
    filter_required = False  # the list answers 417 without one of its filters
    _paginator = PageNumberPaginator("limit", PAGE_LIMIT)

    def __init__(self, provider: QuickBooksTimeProvider, start_date: Optional[datetime],
                 cursor_field: str = "last_modified") -> None:
        self._end_of_read_cursor = EndOfReadCursor(cursor_field, start_date)
        super().__init__(provider, self._end_of_read_cursor, "", bearer(provider.access_token.get_secret_value()))

    def path(self, **kwargs: Any) -> str:
        return self.data_key

    def request_params(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> MutableMapping[str, Any]:
        params: dict[str, Any] = self._paginator.params(next_page_token)
        lower_bound = self._cursor.lower_bound(stream_state)
        if lower_bound is None and self.filter_required:
            lower_bound = EARLIEST
        if lower_bound is not None:
            params["modified_since"] = modified_since(lower_bound)
        return params

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        """The next page while `more` is true. Pages may hold fewer than `limit` rows (the docs also speak of
        batches of 50), but an empty page that claims more would page forever."""
        if json_body(response).get("more") is not True:
            return None
        if not self.page_records(response):
            raise PagingLoopError(self.provider_label, self.name, "an empty page says more pages follow",
                                  response.request)
        return self._paginator.next_token(response, more=True)

    def page_records(self, response: requests.Response) -> list[Mapping[str, Any]]:
        """`results.<data_key>`: an object keyed by id string (or `[]` when empty), as a list in id order."""
        body = json_body(response)
        results = body.get("results") if isinstance(body, dict) else None
        records = results.get(self.data_key) if isinstance(results, dict) else None
        if records == []:
            return []
        if not isinstance(records, dict) or not all(isinstance(record, dict) for record in records.values()):
            raise shape_error(f"Expected results.{self.data_key} to be an object of records keyed by id",
                              response.request)
        return [records[key] for key in sorted(records, key=_id_order)]

    def describe_page(self, response: requests.Response, page_number: int) -> Page:
        return self._paginator.describe(response)


def _id_order(key: str) -> tuple[int, Any]:
    return (0, int(key)) if key.isdigit() else (1, key)


class QuickBooksTimeEntries(QuickBooksTimeStream):
    """`/timesheets`, with each record's user, jobcode and hourly cost rate from the page's supplemental data."""

    name = "time_entries"
    data_key = "timesheets"
    work_date_field = "date"
    filter_required = True

    def __init__(self, provider: QuickBooksTimeProvider, start_date: Optional[datetime]) -> None:
        super().__init__(provider, start_date)
        self._deleted = self.helper(QuickBooksTimeDeletedEntries(provider, start_date=None), "deletes during the read")

    def shape_record(
        self, record: Mapping[str, Any], stream_slice: Optional[Mapping[str, Any]], response: requests.Response
    ) -> Mapping[str, Any]:
        supplemental = json_body(response).get("supplemental_data") or {}
        user = _by_id(supplemental, "users", record.get("user_id"))
        jobcode = _by_id(supplemental, "jobcodes", record.get("jobcode_id"))
        hourly = user is not None and user.get("pay_interval") == "hour"
        return {
            **{name: (None if value == "" and name in ("start", "end") else value) for name, value in record.items()},
            "user": None if user is None else {
                "id": user.get("id"), "name": " ".join(filter(None, (user.get("first_name"), user.get("last_name")))),
                "pay_interval": user.get("pay_interval")},
            "jobcode": None if jobcode is None else {
                key: jobcode.get(key) for key in ("id", "parent_id", "name", "short_code", "billable")},
            "cost_rate": user.get("pay_rate") if hourly else None,
        }

    def start_read(self) -> None:
        self._read_started_at = utc_now()
        super().start_read()

    def finish_read(self) -> None:
        """A delete during the read may have shifted a page under it: then the state stays where it was."""
        if self._deleted.any_since(self._read_started_at - CLOCK_SKEW_ALLOWANCE):
            self._end_of_read_cursor.hold()
            self.logger.warning(
                f"{self.name}: a timesheet was deleted while the list was paged, so a row may have moved onto a "
                f"page already read; this read leaves the state where it was and the next sync reads the range again"
            )
        super().finish_read()


def _by_id(supplemental: Any, key: str, record_id: Any) -> Optional[Mapping[str, Any]]:
    found = supplemental.get(key) if isinstance(supplemental, dict) else None
    value = found.get(str(record_id)) if isinstance(found, dict) else None
    return value if isinstance(value, dict) else None


class QuickBooksTimeDeletedEntries(QuickBooksTimeStream):
    """`/timesheets_deleted` as `deleted_time_entries`: `{"id", "work_date", "deleted_at"}` per deleted timesheet."""

    name = "deleted_time_entries"
    data_key = "timesheets_deleted"
    schema_name = "deleted_time_entries"
    filter_required = True

    def __init__(self, provider: QuickBooksTimeProvider, start_date: Optional[datetime]) -> None:
        super().__init__(provider, start_date, cursor_field="deleted_at")

    def request_params(self, *args: Any, **kwargs: Any) -> MutableMapping[str, Any]:
        return {**super().request_params(*args, **kwargs), "supplemental_data": "no"}

    def shape_record(
        self, record: Mapping[str, Any], stream_slice: Optional[Mapping[str, Any]], response: requests.Response
    ) -> Mapping[str, Any]:
        return {"id": str(record.get("id")), "work_date": record.get("date"), "deleted_at": record.get("last_modified")}

    def any_since(self, since: datetime) -> bool:
        """Whether a timesheet was deleted at or after `since` (the first page answers it)."""
        records = self.read_records(SyncMode.incremental, stream_slice={},
                                    stream_state={self.cursor_field: modified_since(since)})
        return next(iter(records), None) is not None


class QuickBooksTimeUsers(QuickBooksTimeStream):
    name = "users"
    data_key = "users"


class QuickBooksTimeJobcodes(QuickBooksTimeStream):
    """`/jobcodes`: customers (top level, `parent_id` 0) and the projects under them (`short_code`)."""

    name = "jobcodes"
    data_key = "jobcodes"


class QuickBooksTimeCurrentUser(OneRequest, QuickBooksTimeStream):
    """`/current_user`: read by `check` to prove the token."""

    name = "current_user"
    data_key = "users"
    schema_name = "quickbooks_time_users"
    retry_unreachable = False

    def path(self, **kwargs: Any) -> str:
        return "current_user"


class QuickBooksTime(Provider):
    """The registry's QuickBooks Time provider: timesheets, users and jobcodes; deletes from the API's own list."""

    name = "quickbooks_time"
    config_model = QuickBooksTimeProvider
    time_entries_stream = QuickBooksTimeEntries
    list_streams = (QuickBooksTimeUsers, QuickBooksTimeJobcodes)

    def check(self, config: QuickBooksTimeProvider) -> str:
        """`GET /current_user` proves the token; a failure raises a config error."""
        user = next(iter(QuickBooksTimeCurrentUser(config, None).read_records(SyncMode.full_refresh)), {})
        name = " ".join(filter(None, (user.get("first_name"), user.get("last_name"))))
        return f"{PROVIDER_LABEL} answered for user {name!r}"

    def deleted_time_entries(self, config: QuickBooksTimeProvider, start_date: Optional[datetime],
                             window_days: int) -> QuickBooksTimeDeletedEntries:
        """`/timesheets_deleted` lists every delete: no window of work dates is re-read."""
        return QuickBooksTimeDeletedEntries(config, start_date)
