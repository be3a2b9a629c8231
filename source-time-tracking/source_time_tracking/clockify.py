"""Clockify API v1 provider: every user's time entries in one workspace, with users, projects, clients, tasks.

- Auth is the `X-Api-Key` header; every list lives under `/workspaces/{workspace_id}`, and a 403 there
  means the workspace is not one of the key's user (a config error).
- Lists are bare JSON arrays paged by `page`/`page-size`. A list ends at an empty page, not at a short one:
  the largest `page-size` Clockify honours is not documented, and a silently smaller page must not end a
  list early (it costs one request per list).
- Time entries are listed per user (`/user/{id}/time-entries`), newest first, and can be filtered by
  `start` only: Clockify has no modified-since filter and no modification time. So `time_entries` is
  incremental on the work date (`WorkDateCursor`): the state is the latest work date read, and each sync
  re-reads `rolling_window_days` of work dates before it. Edits and deletes inside the window are seen;
  an edit to an older entry is read by a full refresh only.
- The work date is the local date of the entry's start in its user's profile time zone
  (`settings.timeZone`), as Clockify's own reports date it; `timeInterval.start` is UTC.
- Rates are `{"amount": <cents>, "currency"}`: records also carry `hourly_rate`/`cost_rate` in the
  currency's units, as exact decimals, with `currency`; entries carry `duration_seconds` (exact) and
  `hours` (the same to 9 decimals) and `started_at`/`ended_at`.
- Throttle: 50 requests per second, answered 429 without `Retry-After`; waited out with 1, 2, 4 … s
  (`errors.RetryAfterBackoff`).
- Deletes: a deleted entry is simply gone; `deleted_time_entries` re-reads the window. A user's list of
  more than one page can shift under page numbers when an entry is deleted during the read, so such a
  read is marked `pages_shifted` and each missing entry is then asked for (`GET /time-entries/{id}`:
  404 is a delete).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Iterable, Iterator, Mapping, MutableMapping, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_time_tracking.auth import CredentialHeader
from source_time_tracking.clockify_config import ClockifyProvider
from source_time_tracking.cursors import UpdatedAtCursor, WorkDateCursor, parse_datetime
from source_time_tracking.errors import json_body, safe_url
from source_time_tracking.pagination import Page, PageNumberPaginator
from source_time_tracking.provider import Provider
from source_time_tracking.single_request import EntryLookup, OneRequest
from source_time_tracking.streams import ListPerParent, TimeTrackingStream

PROVIDER_LABEL = "Clockify"
PAGE_SIZE = 1000
WRONG_WORKSPACE = {403: "Clockify answers 403 when workspace_id is not a workspace of the API key's user: "
                        "check workspace_id."}
_HOURS_PLACES = Decimal("0.000000001")
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


def _record_error(stream: str, record: Mapping[str, Any], url: str, problem: str) -> AirbyteTracedException:
    message = f"Stream {stream}: record id={record.get('id')!r} cannot be read exactly: {problem} (GET {safe_url(url)})"
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.system_error)


def rate_in_units(rate: Any, field: str, stream: str, record: Mapping[str, Any], url: str) -> tuple[Any, Any]:
    """Clockify's `{"amount": <cents>, "currency"}` as (the amount in the currency's units, exact; currency)."""
    if not isinstance(rate, Mapping) or rate.get("amount") is None:
        return None, None
    cents = rate["amount"]
    if isinstance(cents, bool) or not isinstance(cents, (int, Decimal)) or not Decimal(cents).is_finite():
        raise _record_error(stream, record, url, f"field '{field}.amount' holds {cents!r}, which is not a number of cents")
    return Decimal(cents).scaleb(-2), rate.get("currency")


def duration_seconds(text: Any, stream: str, record: Mapping[str, Any], url: str) -> Optional[int]:
    """An ISO 8601 duration such as `PT2H30M` in seconds (None for a running timer's null)."""
    if text is None:
        return None
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None or text in ("P", "PT"):
        raise _record_error(stream, record, url, f"field 'timeInterval.duration' holds {text!r}, which is not "
                                                 f"an ISO 8601 duration")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def hours(seconds: Optional[int]) -> Optional[Decimal]:
    """Seconds as hours: with two decimals when that is exact (`0.30`, as Clockify shows hours), else to
    9 decimals (the exact measure is `duration_seconds`)."""
    if seconds is None:
        return None
    exact = Decimal(seconds) / 3600
    two_places = exact.quantize(Decimal("0.01"))
    return two_places if two_places == exact else exact.quantize(_HOURS_PLACES)


class ClockifyStream(TimeTrackingStream):
    """One workspace list (`/workspaces/{workspace_id}/<resource>`), read whole (full refresh)."""

    provider_label = PROVIDER_LABEL
    extra_config_errors = WRONG_WORKSPACE
    primary_key = "id"
    page_size = PAGE_SIZE
    schema_prefix = "clockify_"
    resource = ""
    params: Mapping[str, str] = {}
    _paginator = PageNumberPaginator("page-size", PAGE_SIZE)

    def __init__(self, provider: ClockifyProvider, start_date: Optional[datetime] = None,
                 cursor: Optional[UpdatedAtCursor] = None) -> None:
        """A list is read whole (`start_date` does not apply); `time_entries` brings its own cursor."""
        api_key = CredentialHeader("X-Api-Key", provider.api_key.get_secret_value())
        super().__init__(provider, cursor or UpdatedAtCursor("", None), "", api_key)  # no cursor field: full refresh

    def path(self, stream_slice: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> str:
        return f"workspaces/{self._provider.workspace_id}/{self.resource_path(stream_slice or {})}"

    def resource_path(self, stream_slice: Mapping[str, Any]) -> str:
        return self.resource

    def request_params(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> MutableMapping[str, Any]:
        return {**self.params, **self.filters(stream_slice or {}), **self._paginator.params(next_page_token)}

    def filters(self, stream_slice: Mapping[str, Any]) -> dict[str, str]:
        """Hook: the list's own query parameters for this slice."""
        return {}

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        return self._paginator.next_token(response, more=self.records_on_page(response) > 0)  # ends at an empty page

    def describe_page(self, response: requests.Response, page_number: int) -> Page:
        return self._paginator.describe(response)

    def with_rates(self, record: Mapping[str, Any], url: str, hourly: Any, cost: Any) -> dict[str, Any]:
        """The record with `hourly_rate`, `cost_rate` (currency units) and `currency` added."""
        hourly_rate, hourly_currency = rate_in_units(hourly, "hourlyRate", self.name, record, url)
        cost_rate, cost_currency = rate_in_units(cost, "costRate", self.name, record, url)
        return {**record, "hourly_rate": hourly_rate, "cost_rate": cost_rate,
                "currency": cost_currency or hourly_currency}


class ClockifyUsers(ClockifyStream):
    """Users of every status, with their workspace rates (`memberships=WORKSPACE`) and profile time zone."""

    name = "users"
    resource = "users"
    params = {"status": "ALL", "memberships": "WORKSPACE"}

    def shape_record(
        self, record: Mapping[str, Any], stream_slice: Optional[Mapping[str, Any]], response: requests.Response
    ) -> Mapping[str, Any]:
        memberships = record.get("memberships") or []
        workspace = next((m for m in memberships if isinstance(m, Mapping) and m.get("membershipType") == "WORKSPACE"),
                         {})
        settings = record.get("settings") if isinstance(record.get("settings"), Mapping) else {}
        shaped = self.with_rates(record, response.url, workspace.get("hourlyRate"), workspace.get("costRate"))
        return {**shaped, "time_zone": settings.get("timeZone")}


class ClockifyProjects(ClockifyStream):
    name = "projects"
    resource = "projects"

    def shape_record(
        self, record: Mapping[str, Any], stream_slice: Optional[Mapping[str, Any]], response: requests.Response
    ) -> Mapping[str, Any]:
        return self.with_rates(record, response.url, record.get("hourlyRate"), record.get("costRate"))


class ClockifyClients(ClockifyStream):
    name = "clients"
    resource = "clients"


class ClockifyTasks(ListPerParent, ClockifyStream):
    """`/projects/{id}/tasks` for every project, with `hourly_rate`/`cost_rate` in currency units."""

    name = "tasks"

    def __init__(self, provider: ClockifyProvider, start_date: Optional[datetime] = None) -> None:
        super().__init__(provider)
        self._projects = self.helper(ClockifyProjects(provider), "the list of projects")

    def parent_slices(self, stream_slice: Mapping[str, Any], stream_state: Optional[Mapping[str, Any]]
                      ) -> Iterator[tuple[dict[str, Any], str]]:
        for project in self._projects.read_records(SyncMode.full_refresh, stream_state={}):
            yield {"project_id": project["id"]}, f"project {project['id']}"

    def resource_path(self, stream_slice: Mapping[str, Any]) -> str:
        return f"projects/{stream_slice['project_id']}/tasks"

    def shape_record(
        self, record: Mapping[str, Any], stream_slice: Optional[Mapping[str, Any]], response: requests.Response
    ) -> Mapping[str, Any]:
        return self.with_rates(record, response.url, record.get("hourlyRate"), record.get("costRate"))


class ClockifyTimeEntries(ListPerParent, ClockifyStream):
    """Every user's time entries from a work date on; a `{"work_date_from", "work_date_to"}` slice reads that
    window of work dates instead (the deletion re-read)."""

    name = "time_entries"
    work_date_field = "work_date"

    def __init__(self, provider: ClockifyProvider, start_date: Optional[datetime]) -> None:
        super().__init__(provider, cursor=WorkDateCursor("work_date", start_date, provider.rolling_window_days))
        self._users = self.helper(ClockifyUsers(provider), "the list of users")
        self._time_zones: dict[str, ZoneInfo] = {}  # user id -> profile time zone, from the last list of users
        self._dates: tuple[Optional[str], Optional[str]] = (None, None)  # the work dates the read keeps

    def parent_slices(self, stream_slice: Mapping[str, Any], stream_state: Optional[Mapping[str, Any]]
                      ) -> Iterator[tuple[dict[str, Any], str]]:
        if "work_date_from" in stream_slice:
            self._dates = (stream_slice["work_date_from"], stream_slice["work_date_to"])
        else:
            lower_bound = self._cursor.lower_bound(stream_state)
            self._dates = (lower_bound.date().isoformat() if lower_bound else None, None)
        # The list of users is read whole first, keeping ids and time zones only: a page of users (a thousand
        # records with their memberships and settings) is not held while every user's entries are read.
        user_ids = []
        for user in self._users.read_records(SyncMode.full_refresh, stream_state={}):
            self._time_zones[user["id"]] = self._zone(user)
            user_ids.append(user["id"])
        for user_id in user_ids:
            yield {"user_id": user_id}, f"user {user_id}"

    def _zone(self, user: Mapping[str, Any]) -> ZoneInfo:
        name = user.get("time_zone")
        try:
            return ZoneInfo(name) if isinstance(name, str) and name else ZoneInfo("UTC")
        except (ZoneInfoNotFoundError, ValueError):
            self.logger.warning(f"{self.name}: user {user['id']} has the unknown time zone {name!r}; "
                                "their entries' work dates are UTC dates")
            return ZoneInfo("UTC")

    def resource_path(self, stream_slice: Mapping[str, Any]) -> str:
        return f"user/{stream_slice['user_id']}/time-entries"

    def filters(self, stream_slice: Mapping[str, Any]) -> dict[str, str]:
        first = self._dates[0]
        if first is None:
            return {}
        # A day early in UTC covers every time zone's local midnight; `new_records` drops the extra entries.
        earliest = datetime.fromisoformat(first).replace(tzinfo=timezone.utc) - timedelta(days=1)
        return {"start": earliest.strftime("%Y-%m-%dT%H:%M:%SZ")}

    def new_records(self, records: list[Mapping[str, Any]], response: requests.Response) -> list[Mapping[str, Any]]:
        """Derived fields added, entries outside the read's work dates dropped; a list's later page marks the
        read as one that may have shifted (page numbers move when an entry is deleted meanwhile)."""
        if records and self._paginator.page_sent(response) > 1:
            self.pages_shifted = True
        first, last = self._dates
        shaped = [self._derived(record, response.url) for record in records]
        return [record for record in shaped if (first is None or record["work_date"] >= first)
                and (last is None or record["work_date"] <= last)]

    def _derived(self, record: Mapping[str, Any], url: str) -> dict[str, Any]:
        interval = record.get("timeInterval") if isinstance(record.get("timeInterval"), Mapping) else {}
        started = parse_datetime(interval.get("start"))
        if started is None:
            raise _record_error(self.name, record, url, "it has no timeInterval.start")
        ended = parse_datetime(interval.get("end"))
        seconds = duration_seconds(interval.get("duration"), self.name, record, url)
        zone = self._time_zones.get(record.get("userId"), ZoneInfo("UTC"))
        shaped = self.with_rates(record, url, record.get("hourlyRate"), record.get("costRate"))
        return {
            **shaped,
            "work_date": started.astimezone(zone).date().isoformat(),
            "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ended_at": ended.strftime("%Y-%m-%dT%H:%M:%SZ") if ended else None,
            "is_running": ended is None,
            "duration_seconds": seconds,
            "hours": hours(seconds),
        }

    def present_ids(self, ids: Iterable[str]) -> dict[str, str]:
        """`GET /time-entries/{id}` for each id: 200 means it exists (with its work date now), 404 that it was
        deleted."""
        lookup = ClockifyTimeEntryLookup(self._provider)
        found: dict[str, str] = {}
        for entry_id in ids:
            for record in lookup.read_records(SyncMode.full_refresh, stream_slice={"id": entry_id}):
                zone = self._time_zones.get(record.get("userId"), ZoneInfo("UTC"))
                started = parse_datetime((record.get("timeInterval") or {}).get("start"))
                found[entry_id] = started.astimezone(zone).date().isoformat() if started else ""
        return found


class ClockifyTimeEntryLookup(EntryLookup, ClockifyStream):
    """`/workspaces/{id}/time-entries/{id}` (see `ClockifyTimeEntries.present_ids`)."""

    def entry_path(self, entry_id: str) -> str:
        return f"workspaces/{self._provider.workspace_id}/time-entries/{entry_id}"


class ClockifyWorkspaces(OneRequest, ClockifyStream):
    """`GET /workspaces`: the API key's workspaces, read by `check`."""

    name = "workspaces"
    retry_unreachable = False

    def path(self, **kwargs: Any) -> str:
        return "workspaces"

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        body = json_body(response)
        yield from (workspace for workspace in body if isinstance(workspace, Mapping)) if isinstance(body, list) else ()



def check(provider: ClockifyProvider) -> str:
    """A real request (`GET /workspaces`): the key is valid and `workspace_id` is one of its workspaces.
    Returns the workspace's name; raises a config error otherwise."""
    workspaces = {str(workspace.get("id")): str(workspace.get("name", ""))
                  for workspace in ClockifyWorkspaces(provider).read_records(SyncMode.full_refresh)}
    if provider.workspace_id not in workspaces:
        message = (f"Clockify: workspace_id {provider.workspace_id!r} is not a workspace of this API key's user "
                   f"(it has {len(workspaces)}: {', '.join(sorted(workspaces)) or 'none'}). Check workspace_id.")
        raise AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)
    return workspaces[provider.workspace_id]


class Clockify(Provider):
    """The registry's Clockify provider: every user's time entries on a rolling work-date window, users,
    projects, clients, tasks; deletes from the window (with lookups when a list spanned pages)."""

    name = "clockify"
    config_model = ClockifyProvider
    time_entries_stream = ClockifyTimeEntries
    list_streams = (ClockifyUsers, ClockifyProjects, ClockifyClients, ClockifyTasks)

    def check(self, config: ClockifyProvider) -> str:
        return f"{PROVIDER_LABEL} answered for workspace {check(config)!r}"
