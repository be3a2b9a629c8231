"""Toggl Track provider: workspace users, clients, projects and tasks from API v9, and every user's time
entries from Reports API v3 (`/api/v9/me/time_entries` holds only the token owner's).

- Auth: HTTP Basic, the API token as user name and the literal `api_token` as password. Toggl answers a
  wrong token (and a workspace the token cannot see) with 403: a config error naming both settings.
- Time entries: `POST /reports/api/v3/workspace/{wid}/search/time_entries`, ungrouped, 50 rows a page,
  `enrich_response` (the project, client and task names with each row),
  paged by the header cursor `X-Next-ID`/`X-Next-Row-Number`/`X-Next-Timestamp` (sent back as `first_id`,
  `first_row_number`, `first_timestamp`). The API filters by work date only (at most 366 days a request),
  never by modification, so a sync re-reads a rolling window of work dates: from `incremental_window_days`
  before the previous sync's cursor (the first sync: from `start_date`) to today, and emits the entries
  changed since that cursor (`at`, client-side). The list is sorted by `start`, not `at`, so the state
  moves when the read has finished (`EndOfReadCursor`). An edit to an entry dated before the window is
  not seen until a full refresh (documented limit).
- Deletes: Reports v3 shows none (a deleted entry is gone), so `deleted_time_entries` re-reads the window
  and compares ids; an id gone from the window is looked up by `time_entry_ids` over every date since
  `start_date` (`present_ids`), so an entry moved to an older date is never reported deleted.
- Quota: over the hourly quota Toggl answers 402 with `X-Toggl-Quota-Resets-In`; the sync waits when that
  is within the connector's cap (`max_retry_after_seconds`), else stops with a transient error saying when
  the quota resets. The legacy leaky bucket answers 429, retried with a short backoff.
- Money: Toggl sends cents; records carry `hourly_rate`, `billable_amount`, `labor_cost_rate` and
  `labor_cost` in the workspace currency as exact decimals (cents / 100). The duration is `seconds`, exact;
  no `hours` is emitted, because seconds / 3600 has no exact decimal for most durations (a loader divides).
"""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Iterable, List, Mapping, MutableMapping, Optional, Union

import requests
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_time_tracking.auth import CredentialHeader
from source_time_tracking.bounded_http import describe_url
from source_time_tracking.cursors import EndOfReadCursor, format_filter, parse_datetime, utc_today
from source_time_tracking.errors import RetryAfterBackoff, TimeTrackingErrorHandler, config_errors, json_body
from source_time_tracking.masking import basic_credentials
from source_time_tracking.pagination import Page, PageNumberPaginator
from source_time_tracking.provider import Provider
from source_time_tracking.single_request import OneObject
from source_time_tracking.streams import TimeTrackingStream
from source_time_tracking.toggl_config import TogglProvider

PROVIDER_LABEL = "Toggl Track"
SEARCH_PAGE_SIZE = 50  # the Reports API's page size
LIST_PAGE_SIZE = 200  # v9 projects and tasks: the largest `per_page`
MAX_RANGE_DAYS = 366  # the longest date range one Reports request may span
EARLIEST_WORK_DATE = date(2006, 1, 1)  # before Toggl existed: a first sync without start_date reads all
QUOTA_RESETS_IN = "X-Toggl-Quota-Resets-In"
WRONG_CREDENTIALS = {403: "Toggl answers 403 for a wrong api_token and for a workspace the token cannot see: "
                          "check api_token and workspace_id."}
_CENT = Decimal("0.01")


def basic_token(api_token: str) -> CredentialHeader:
    """Toggl's token login: `Basic base64("<token>:api_token")`, never printed."""
    pair = base64.b64encode(f"{api_token}:api_token".encode("utf-8")).decode("ascii")
    return CredentialHeader("Authorization", f"Basic {pair}")


class QuotaErrorHandler(TimeTrackingErrorHandler):
    """402 is Toggl's "hourly quota used up": a wait, not a failure (see `QuotaBackoff` for how long)."""

    def interpret_response(
        self, response_or_exception: Optional[Union[requests.Response, Exception]] = None
    ) -> ErrorResolution:
        if isinstance(response_or_exception, requests.Response) and response_or_exception.status_code == 402:
            return ErrorResolution(ResponseAction.RATE_LIMITED, FailureType.transient_error,
                                   f"{PROVIDER_LABEL} hourly API quota used up ({response_or_exception.text[:200]})")
        return super().interpret_response(response_or_exception)


class QuotaBackoff(RetryAfterBackoff):
    """After a 402, wait `X-Toggl-Quota-Resets-In` seconds; above the cap, stop with a transient error."""

    def backoff_time(
        self, response_or_exception: Optional[Union[requests.Response, requests.RequestException]], attempt_count: int
    ) -> Optional[float]:
        if isinstance(response_or_exception, requests.Response) and response_or_exception.status_code == 402:
            resets_in = _seconds(response_or_exception.headers.get(QUOTA_RESETS_IN))
            cap = self._limits.max_retry_after_seconds
            if resets_in is None or resets_in > cap:
                when = f"in {resets_in:g} seconds" if resets_in is not None else "within the hour"
                message = (f"{PROVIDER_LABEL} answered 402 to {describe_url(response_or_exception.url)}: the "
                           f"workspace's hourly API quota is used up and resets {when}, longer than this connector "
                           f"waits ({cap:g} seconds). The sync stops; run it again after the reset (a higher Toggl "
                           f"plan has a higher quota).")
                raise AirbyteTracedException(message=message, internal_message=message,
                                             failure_type=FailureType.transient_error)
            return max(resets_in, 1.0)
        return super().backoff_time(response_or_exception, attempt_count)


def _seconds(value: Optional[str]) -> Optional[float]:
    try:
        seconds = float((value or "").strip())
    except ValueError:
        return None
    return seconds if seconds == seconds and seconds >= 0 else None  # NaN is no answer


def _money(cents: Any) -> Optional[Decimal]:
    """Integer cents as an exact amount in the currency (None stays None)."""
    if cents is None:
        return None
    return (Decimal(cents) / 100).quantize(_CENT) if isinstance(cents, int) and not isinstance(cents, bool) \
        else cents  # anything else goes to the record's type check as sent, and fails there by name


class TogglStream(TimeTrackingStream):
    """One Toggl endpoint: its auth, its 402/403 handling and its time-entry cursor `at`."""

    provider_label = PROVIDER_LABEL
    extra_config_errors = WRONG_CREDENTIALS
    refused_credentials_status = 403  # a wrong token, or a workspace it cannot see: every stream would meet it
    primary_key = "id"
    page_size = LIST_PAGE_SIZE
    schema_prefix = "toggl_"  # Toggl's own fields (other providers share the stream names)

    def __init__(self, provider: TogglProvider, start_date: Optional[datetime]) -> None:
        self._start_date = start_date
        self._lower_bound: Optional[datetime] = None  # incremental reads: drop rows changed before it
        super().__init__(provider, EndOfReadCursor("at", start_date), "",
                         basic_token(provider.api_token.get_secret_value()))

    @property
    def workspace_path(self) -> str:
        return f"api/v9/workspaces/{self._provider.workspace_id}"

    def get_error_handler(self) -> TimeTrackingErrorHandler:
        return QuotaErrorHandler(self.logger, self.provider_label, config_errors(self.extra_config_errors),
                                 self.unreachable, self.refusal)

    def get_backoff_strategy(self) -> QuotaBackoff:
        return QuotaBackoff(self._limits, self.provider_label)

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: Optional[List[str]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        self._lower_bound = self._cursor.lower_bound(stream_state) if sync_mode == SyncMode.incremental else None
        yield from super().read_records(sync_mode, cursor_field, stream_slice, stream_state)

    def changed_since_lower_bound(self, records: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Toggl's lists have no (or no complete) modified filter: an incremental read keeps what changed."""
        if self._lower_bound is None:
            return records
        return [record for record in records
                if (parse_datetime(record.get("at")) or self._lower_bound) >= self._lower_bound]


class TogglList(TogglStream):
    """A v9 workspace list: a bare array (`workspace_users`, `clients`) or a paged one (`projects`, `tasks`,
    `page`/`per_page` with `since`, which also reports archived and deleted ones)."""

    resource = ""
    paged = False
    records_key = ""  # tasks answer {"data": [...], "total_count"}
    _paginator = PageNumberPaginator("per_page", LIST_PAGE_SIZE)

    def __init__(self, provider: TogglProvider, start_date: Optional[datetime]) -> None:
        super().__init__(provider, start_date)
        self._records_path = self.records_key

    def path(self, **kwargs: Any) -> str:
        return f"{self.workspace_path}/{self.resource}"

    def request_params(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> MutableMapping[str, Any]:
        if not self.paged:
            return {}
        params: dict[str, Any] = self._paginator.params(next_page_token)
        if self._lower_bound is not None:
            params["since"] = format_filter(self._lower_bound, "unix")
        return params

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        if not self.paged:
            return None
        # a short page is the last one
        return self._paginator.next_token(response, more=self.records_on_page(response) >= LIST_PAGE_SIZE)

    def new_records(self, records: list[Mapping[str, Any]], response: requests.Response) -> list[Mapping[str, Any]]:
        return self.changed_since_lower_bound(records)

    def describe_page(self, response: requests.Response, page_number: int) -> Page:
        body = json_body(response)
        total = body.get("total_count") if isinstance(body, dict) else None
        return Page(f"page {page_number}", total if isinstance(total, int) else None)


class TogglUsers(TogglList):
    name = "users"
    resource = "workspace_users"


class TogglClients(TogglList):
    name = "clients"
    resource = "clients"


class TogglProjects(TogglList):
    name = "projects"
    resource = "projects"
    paged = True


class TogglTasks(TogglList):
    name = "tasks"
    resource = "tasks"
    paged = True
    records_key = "data"


class TogglTimeEntries(TogglStream):
    """Reports v3 `search/time_entries`, one record per time entry, over windows of work dates."""

    name = "time_entries"
    http_method = "POST"
    looks_up_many = True
    page_size = SEARCH_PAGE_SIZE
    work_date_field = "work_date"

    def __init__(self, provider: TogglProvider, start_date: Optional[datetime]) -> None:
        super().__init__(provider, start_date)
        self._window_days = provider.incremental_window_days

    def path(self, **kwargs: Any) -> str:
        return f"reports/api/v3/workspace/{self._provider.workspace_id}/search/time_entries"

    def request_params(self, **kwargs: Any) -> MutableMapping[str, Any]:
        return {}

    def request_body_json(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Optional[Mapping[str, Any]]:
        window = stream_slice or {}
        body: dict[str, Any] = {"start_date": window["work_date_from"], "end_date": window["work_date_to"],
                                "page_size": SEARCH_PAGE_SIZE, "enrich_response": True}
        if window.get("time_entry_ids"):
            body["time_entry_ids"] = list(window["time_entry_ids"])
        return {**body, **(next_page_token or {})}

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        headers = response.headers
        if not headers.get("X-Next-ID"):
            return None
        try:
            return {"first_id": int(headers["X-Next-ID"]), "first_row_number": int(headers["X-Next-Row-Number"]),
                    "first_timestamp": int(headers["X-Next-Timestamp"])}
        except (KeyError, ValueError):
            message = (f"{PROVIDER_LABEL} sent X-Next-ID without a whole-number X-Next-Row-Number and "
                       f"X-Next-Timestamp ({describe_url(response.url)}); the next page cannot be asked for.")
            raise AirbyteTracedException(message=message, internal_message=message,
                                         failure_type=FailureType.system_error) from None

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: Optional[List[str]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Optional[Mapping[str, Any]]]:
        """One slice per work-date range the sync re-reads (see the module docstring)."""
        first = self._start_date.date() if self._start_date else EARLIEST_WORK_DATE
        previous = parse_datetime((stream_state or {}).get(self.cursor_field)) if sync_mode == SyncMode.incremental \
            else None
        if previous is not None:
            first = max(first, min(previous.date(), utc_today()) - timedelta(days=self._window_days))
        yield {"work_date_from": first.isoformat(), "work_date_to": _last_work_date().isoformat()}

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: Optional[List[str]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        """A slice's work dates, read in requests of at most 366 days (a slice without dates: every slice)."""
        slices = [stream_slice] if stream_slice and "work_date_from" in stream_slice else \
            self.stream_slices(sync_mode=sync_mode, stream_state=stream_state)
        for window in slices:
            for chunk in _chunks(window):
                yield from super().read_records(sync_mode, cursor_field, chunk, stream_state)

    def new_records(self, records: list[Mapping[str, Any]], response: requests.Response) -> list[Mapping[str, Any]]:
        """Each row's time entries, one record each, with the row's fields and amounts in currency units."""
        workspace_id = self._provider.workspace_id
        flat = [_entry_record(workspace_id, row, entry) for row in records for entry in (row.get("time_entries") or [])]
        return self.changed_since_lower_bound(flat)

    def describe_page(self, response: requests.Response, page_number: int) -> Page:
        return Page(f"page {page_number}", None)

    def present_ids(self, ids: Iterable[str]) -> dict[str, str]:
        """Which of `ids` Toggl still holds at any work date since `start_date`, with each one's work date."""
        wanted = sorted({int(entry_id) for entry_id in ids})
        found: dict[str, str] = {}
        first = self._start_date.date() if self._start_date else EARLIEST_WORK_DATE
        lookup = TogglTimeEntries(self._provider, None)
        lookup.progress.label = f"{self.name}: lookup of {len(wanted)} entries no longer in the window"
        for start in range(0, len(wanted), SEARCH_PAGE_SIZE):
            window = {"work_date_from": first.isoformat(), "work_date_to": _last_work_date().isoformat(),
                      "time_entry_ids": wanted[start:start + SEARCH_PAGE_SIZE]}
            for record in lookup.read_records(SyncMode.full_refresh, stream_slice=window, stream_state={}):
                found[str(record["id"])] = str(record.get(self.work_date_field) or "")
        return found


def _last_work_date() -> date:
    """Tomorrow in UTC: today in every time zone a workspace may use."""
    return utc_today() + timedelta(days=1)


def _chunks(window: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    first, last = date.fromisoformat(window["work_date_from"]), date.fromisoformat(window["work_date_to"])
    while first <= last:
        end = min(last, first + timedelta(days=MAX_RANGE_DAYS - 1))
        yield {**window, "work_date_from": first.isoformat(), "work_date_to": end.isoformat()}
        first = end + timedelta(days=1)


def _entry_record(workspace_id: int, row: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    start = entry.get("start")
    return {
        "id": entry.get("id"),
        "workspace_id": workspace_id,
        "user_id": row.get("user_id"),
        "username": row.get("username"),
        "project_id": row.get("project_id"),
        "task_id": row.get("task_id"),
        "billable": row.get("billable"),
        "description": row.get("description"),
        "project_name": row.get("project_name"),
        "client_name": row.get("client_name"),
        "task_name": row.get("task_name"),
        "tag_ids": row.get("tag_ids"),
        "currency": row.get("currency"),
        "start": start,
        "stop": entry.get("stop"),
        "at": entry.get("at"),
        "work_date": start[:10] if isinstance(start, str) else None,
        "seconds": entry.get("seconds"),
        "hourly_rate": _money(row.get("hourly_rate_in_cents")),
        "billable_amount": _money(row.get("billable_amount_in_cents")),
        "labor_cost_rate": _money(row.get("labor_cost_rate_in_cents")),
        "labor_cost": _money(row.get("labor_cost_in_cents")),
    }


class TogglWorkspace(OneObject, TogglStream):
    """`GET /api/v9/workspaces/{wid}`: one object, read by `check` to prove the token and the workspace."""

    name = "workspace"
    retry_unreachable = False

    def path(self, **kwargs: Any) -> str:
        return self.workspace_path

    def describe_page(self, response: requests.Response, page_number: int) -> Page:
        return Page("the workspace", None)

    def get_json_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": ["null", "string"]}}}



def check(provider: TogglProvider) -> str:
    """A real request (`GET /api/v9/workspaces/{wid}`); returns the workspace's name, raises a config error
    otherwise."""
    workspace = next(iter(TogglWorkspace(provider, None).read_records(SyncMode.full_refresh)))
    return str(workspace.get("name", ""))


class Toggl(Provider):
    """The registry's Toggl Track provider: Reports v3 time entries over a window of work dates, the v9
    lists labour cost needs; deletes from the window, gone ids looked up by `time_entry_ids`."""

    name = "toggl"
    config_model = TogglProvider
    time_entries_stream = TogglTimeEntries
    list_streams = (TogglUsers, TogglProjects, TogglClients, TogglTasks)

    def check(self, config: TogglProvider) -> str:
        return f"{PROVIDER_LABEL} answered for workspace {check(config)!r}"

    def secrets(self, raw_provider: Mapping[str, Any]) -> list[str]:
        """Also the Basic login the token makes (`<token>:api_token`)."""
        token = raw_provider.get("api_token")
        return super().secrets(raw_provider) + (basic_credentials(token, "api_token") if isinstance(token, str) else [])
