"""The HTTP stream both providers build on: error handling, bounded responses, record extraction, loop
guards, cursor and progress log."""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import lru_cache
from itertools import repeat
from typing import Any, Iterable, Iterator, List, Mapping, MutableMapping, Optional

import requests
from airbyte_cdk.models import AirbyteStream, SyncMode
from airbyte_cdk.sources.streams import CheckpointMixin
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader

from source_time_tracking.bounded_http import MEGABYTE, BoundedResponses, ResponseLimits
from source_time_tracking.cursors import UpdatedAtCursor
from source_time_tracking.errors import (
    CredentialRefusal,
    RetryAfterBackoff,
    TimeTrackingErrorHandler,
    config_errors,
    json_body,
    shape_error,
)
from source_time_tracking.loop_guard import LoopGuard
from source_time_tracking.normalise import RecordNormaliser
from source_time_tracking.pagination import Page, get_path
from source_time_tracking.progress import ReadProgress
from source_time_tracking.unreachable import UnreachableBudget
from source_time_tracking.values import RecordTypes

_MISSING = object()
RESPONSE_LIMITS = ResponseLimits(
    max_body_bytes=32 * MEGABYTE,
    deadline_seconds=5 * 60,
    connect_timeout_seconds=30,
    read_timeout_seconds=2 * 60,
    max_retry_after_seconds=300,
)
"""Why these values: Harvest's largest page (2,000 time entries with their nested user, client, project
and task) is about 3 MB of JSON, and a generic page of 10,000 entries (the largest `page_size`) about 5 MB,
so 32 MB is six times the largest real page. Both answer a page within seconds, so two minutes of silence
is a stalled server and five minutes from sending to the last byte is the deadline. Harvest's rate-limit
window is 15 seconds, so a `Retry-After` above 5 minutes is not a throttle worth sleeping through. Tests
lower them with the environment variables `SOURCE_TIME_TRACKING_MAX_RESPONSE_BYTES`,
`SOURCE_TIME_TRACKING_REQUEST_DEADLINE_SECONDS` and `SOURCE_TIME_TRACKING_MAX_RETRY_AFTER_SECONDS`."""
LIMITS_ENVIRONMENT_PREFIX = "SOURCE_TIME_TRACKING"


def extract_records(response: requests.Response, records_path: str) -> list[Mapping[str, Any]]:
    """The list of records at `records_path` (empty path: the body itself), or a clear shape error."""
    body = json_body(response)
    records = get_path(body, records_path, _MISSING) if records_path else body
    where = f"records_path '{records_path}'" if records_path else "the top level (records_path is empty)"
    if records is _MISSING:
        keys = ", ".join(sorted(body)) if isinstance(body, dict) else type(body).__name__
        raise shape_error(f"records_path '{records_path}' is not in the response (it has: {keys})", response.request)
    if not isinstance(records, list):
        raise shape_error(f"Expected a list of records at {where}, got {type(records).__name__}", response.request)
    if not all(isinstance(record, dict) for record in records):
        raise shape_error(f"Expected JSON objects in the list at {where}", response.request)
    return records


class TimeTrackingStream(HttpStream, CheckpointMixin, ABC):
    """One API list: parses pages, tracks the `updated_at`-style cursor and logs progress per page."""

    provider_label: str = ""
    extra_config_errors: Mapping[int, str] = {}
    pages_shifted = False  # set by a read that saw rows move between its pages (generic offset paging)
    retry_unreachable = True  # False for the streams `check` reads: an unreachable host fails at once
    looks_up_many = False  # `present_ids` asks for many ids at once, over every work date (Toggl)
    schema_prefix = ""  # `schemas/<schema_prefix><name>.json`: a provider's own fields under a shared stream name
    refused_credentials_status = 401  # what the API answers wrong credentials with: it ends the whole run
    normaliser: Optional[RecordNormaliser] = None  # converts a vendor's ids and times as records are typed (generic)

    def __init__(self, provider: Any, cursor: UpdatedAtCursor, records_path: str, authenticator: Any) -> None:
        self._provider = provider  # the provider's config model: `base_url` and what its requests need
        self._cursor = cursor
        self._records_path = records_path
        self.progress = ReadProgress(self.logger, self.name)
        self._limits = RESPONSE_LIMITS.with_environment(LIMITS_ENVIRONMENT_PREFIX)
        self._loop_guard = LoopGuard(self.provider_label, self.name)
        self.unreachable = UnreachableBudget(retry=self.retry_unreachable)
        self.refusal = CredentialRefusal(self.refused_credentials_status)
        super().__init__(authenticator=BoundedResponses(self._limits, self.provider_label, authenticator))
        self._record_types: Optional[RecordTypes] = None
        self._helpers: list[TimeTrackingStream] = []

    @property
    def url_base(self) -> str:
        return self._provider.base_url + "/"

    @property
    def schema_name(self) -> str:
        return f"{self.schema_prefix}{self.name}"

    @lru_cache(maxsize=None)
    def get_json_schema(self) -> Mapping[str, Any]:
        """`schemas/<schema_name>.json`, loaded once (the CDK asks for it with every record)."""
        return ResourceSchemaLoader("source_time_tracking").get_schema(self.schema_name)

    def helper(self, stream: TimeTrackingStream, what: str) -> TimeTrackingStream:
        """A stream this one reads as part of its own read (the list of parents, the deletes during a read):
        its progress lines are labelled as this stream's, and what ends the run for it ends it for this one."""
        stream.progress.label = f"{self.name}: {what}"
        self._helpers.append(stream)
        return stream

    @property
    def cursor_field(self) -> str:
        return self._cursor.cursor_field

    def as_airbyte_stream(self) -> AirbyteStream:
        """A list read whole every sync (its cursor has no field: Clockify's users, projects, clients, tasks) is
        offered as full refresh only; the CDK would offer it as incremental on the cursor `[""]`."""
        stream = super().as_airbyte_stream()
        if not self._cursor.cursor_field:
            stream.supported_sync_modes = [SyncMode.full_refresh]
            stream.source_defined_cursor = None
            stream.default_cursor_field = None
        return stream

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._cursor.state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._cursor.state = value

    def ends_the_run(self) -> bool:
        """Whether this stream met what every later stream would meet too, so the source stops the run: the
        credentials refused, or an unreachable host it gave up on."""
        return (self.refusal.message is not None or self.unreachable.given_up is not None
                or any(helper.ends_the_run() for helper in self._helpers))

    def get_error_handler(self) -> TimeTrackingErrorHandler:
        return TimeTrackingErrorHandler(self.logger, self.provider_label, config_errors(self.extra_config_errors),
                                        self.unreachable, self.refusal)

    def get_backoff_strategy(self) -> RetryAfterBackoff:
        return RetryAfterBackoff(self._limits, self.provider_label)

    def request_kwargs(self, **kwargs: Any) -> Mapping[str, Any]:
        """Redirects are never followed: a 3xx is a config error naming both URLs (`TimeTrackingErrorHandler`)."""
        return {"timeout": self._limits.timeout, "allow_redirects": False}

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: Optional[List[str]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        self.progress.start()
        self.pages_shifted = False
        self._loop_guard.restart()
        self.start_read()
        yield from self.read_lists(sync_mode, cursor_field, stream_slice, stream_state)
        self.finish_read()
        self.progress.summary()

    def read_lists(self, sync_mode: SyncMode, cursor_field: Optional[List[str]],
                   stream_slice: Optional[Mapping[str, Any]], stream_state: Optional[Mapping[str, Any]]
                   ) -> Iterable[Mapping[str, Any]]:
        """The lists one read is made of: one by default (`ListPerParent`: one per parent record)."""
        yield from super().read_records(sync_mode, cursor_field, stream_slice, stream_state)

    def present_ids(self, ids: Iterable[str]) -> Optional[dict[str, str]]:
        """Which of `ids` the API still holds, asked entry by entry, with each one's work date now; None when
        the API cannot look an entry up."""
        return None

    def start_read(self) -> None:
        """Reset what one read tracks: its cursor (subclasses add the page bookkeeping of their paging style)."""
        self._cursor.open_read()

    def finish_read(self) -> None:
        """Settle what only a completed read may settle (runs when the last page was read): the cursor's state."""
        self._cursor.close_read()

    def parse_response(
        self,
        response: requests.Response,
        *,
        stream_state: Mapping[str, Any],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        records = self.new_records(self.page_records(response), response)
        typed = [self.record_types.typed(self.shape_record(record, stream_slice, response), position, response.request)
                 for position, record in enumerate(records, start=1)]  # the whole page, before any is emitted
        page = self.describe_page(response, self.progress.list_pages + 1)
        self._loop_guard.check_page(response.request, list(map(dict.get, typed, repeat(self.primary_key))),
                                    self.page_size, page.total, page.total_pages)
        self.progress.page(page, len(typed))
        for record in typed:
            self._cursor.observe(record)
            yield record

    @property
    def record_types(self) -> RecordTypes:
        """The typing of this stream's records, from its JSON schema (built once)."""
        if self._record_types is None:
            self._record_types = RecordTypes(self.name, self.get_json_schema(), self.primary_key, self.normaliser)
        return self._record_types

    def new_records(self, records: list[Mapping[str, Any]], response: requests.Response) -> list[Mapping[str, Any]]:
        """Hook: the page's records not read before (the generic stream drops its overlap row)."""
        return records

    def shape_record(
        self, record: Mapping[str, Any], stream_slice: Optional[Mapping[str, Any]], response: requests.Response
    ) -> Mapping[str, Any]:
        """Hook: add fields a record lacks (a substream's parent id)."""
        return record

    @abstractmethod
    def describe_page(self, response: requests.Response, page_number: int) -> Page:
        """What the progress log says about this page (its position, the API's total when given)."""

    def page_records(self, response: requests.Response) -> list[Mapping[str, Any]]:
        """The page's records as the API lists them (QuickBooks Time overrides: an object keyed by id)."""
        return extract_records(response, self._records_path)

    def records_on_page(self, response: requests.Response) -> int:
        return len(self.page_records(response))


class ListPerParent(TimeTrackingStream):
    """A list read once per parent record (Clockify's tasks per project and time entries per user, Harvest's
    cost rates per user): one read, one list per parent in the progress log and the loop guard, and the
    cursor's read closed (one checkpoint) when every parent was read. Put before the provider's stream class."""

    def parent_slices(self, stream_slice: Mapping[str, Any], stream_state: Optional[Mapping[str, Any]]
                      ) -> Iterator[tuple[dict[str, Any], str]]:
        """(the slice of one parent's list, its name in the progress log) for each parent."""
        raise NotImplementedError

    def keep(self, record: Mapping[str, Any]) -> bool:
        """Hook: whether a record read is emitted (a list without a server-side filter filters here)."""
        return True

    def read_lists(self, sync_mode: SyncMode, cursor_field: Optional[List[str]],
                   stream_slice: Optional[Mapping[str, Any]], stream_state: Optional[Mapping[str, Any]]
                   ) -> Iterable[Mapping[str, Any]]:
        for parent_slice, label in self.parent_slices(stream_slice or {}, stream_state):
            self._loop_guard.restart()
            self.progress.new_list(label)
            records = HttpStream.read_records(self, sync_mode, cursor_field, parent_slice, stream_state)
            yield from (record for record in records if self.keep(record))
