"""Generic provider: one offset-paginated JSON list of time entries (the design example's `/v1/entries`).

The API sorts by the cursor (`updated_at`, then `id`), so state is checkpointed after every page, and the
`updated_since` filter of every page comes from the state the read started with (never from the state
that moves during the read: a moved lower bound under an offset would skip rows).

Plain offsets have no upper bound: an entry edited (or deleted) during a read leaves its place, every later
row moves up by one, and the row at the next page's border is paged over; keeping its old `updated_at`,
it would not come with the next incremental sync either. Each page therefore re-reads the previous page's
last row (the anchor). When the anchor is not there, rows moved: the read goes on (the moved entry comes
again at the end), but the checkpoint stops at the anchor's cursor for the rest of the read, so the next
sync reads from there and gets every row that may have been skipped (they all sort after the anchor).
"""

from __future__ import annotations

import copy
import itertools
from functools import lru_cache
from datetime import datetime, timezone
from typing import Any, Mapping, MutableMapping, Optional

import requests
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader

from source_time_tracking.auth import authenticator
from source_time_tracking.cursors import PerPageCursor, format_filter, parse_datetime
from source_time_tracking.errors import json_body, safe_url
from source_time_tracking.generic_config import GenericProvider
from source_time_tracking.masking import basic_credentials
from source_time_tracking.normalise import RecordNormaliser
from source_time_tracking.pagination import OffsetPaginator, Page, sent_query_number
from source_time_tracking.provider import Provider
from source_time_tracking.streams import TimeTrackingStream, extract_records

PROVIDER_LABEL = "Generic time API"


class GenericTimeEntries(TimeTrackingStream):
    """`time_entries`: the API's records, ids as strings and times in UTC ISO 8601; key and cursor from the config."""

    name = "time_entries"
    provider_label = PROVIDER_LABEL

    def __init__(self, provider: GenericProvider, start_date: Optional[datetime]) -> None:
        pagination = provider.pagination
        self._paginator = OffsetPaginator(
            pagination.offset_param, pagination.limit_param, pagination.page_size, pagination.total_path
        )
        self.normaliser = RecordNormaliser(
            provider.primary_key, provider.incremental.cursor_field, provider.incremental.format
        )
        self._anchor: Optional[dict[str, Any]] = None  # {"id", "cursor"} of the last row of the page just read
        super().__init__(
            provider,
            PerPageCursor(provider.incremental.cursor_field, start_date),
            provider.records_path,
            authenticator(provider.auth),
        )

    @property
    def primary_key(self) -> str:
        return self._provider.primary_key

    @property
    def page_size(self) -> int:
        return self._paginator.page_size

    @property
    def work_date_field(self) -> str:
        return self._provider.incremental.work_date_field

    @property
    def state_checkpoint_interval(self) -> int:
        # Every full page: the API sorts by the cursor, so the highest value emitted is a safe checkpoint.
        return self._paginator.page_size

    def path(self, **kwargs: Any) -> str:
        return self._provider.entries_path.lstrip("/")

    def request_headers(self, **kwargs: Any) -> Mapping[str, Any]:
        return dict(self._provider.headers)

    def request_params(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> MutableMapping[str, Any]:
        incremental = self._provider.incremental
        params: dict[str, Any] = self._paginator.params(next_page_token)
        window = stream_slice or {}
        if "work_date_from" in window:
            params[incremental.date_from_param] = window["work_date_from"]
            params[incremental.date_to_param] = window["work_date_to"]
            return params
        lower_bound = self._cursor.lower_bound(stream_state)
        if lower_bound is not None:
            params[incremental.filter_param] = format_filter(lower_bound, incremental.format)
        return params

    def _sent_token(self, response: requests.Response) -> dict[str, int]:
        """The offset this response answers, read back from the request that was actually sent."""
        return {"offset": sent_query_number(response, self._provider.pagination.offset_param, 0)}

    def start_read(self) -> None:
        super().start_read()
        self._anchor = None

    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        token = self._paginator.next_token(self._sent_token(response), json_body(response), self.records_on_page(response))
        if token is not None and self._paginator.overlaps:  # a full page: it has a last row
            last = self.normaliser.normalise(extract_records(response, self._records_path)[-1], response.request)
            token["anchor"] = {"id": last.get(self.primary_key), "cursor": last.get(self.cursor_field)}
        # The CDK hands `parse_response` no token, so the next page finds the anchor here.
        self._anchor = (token or {}).get("anchor")
        return token

    def new_records(self, records: list[Mapping[str, Any]], response: requests.Response) -> list[Mapping[str, Any]]:
        """Drop the overlap row; when it is not the anchor, rows moved: hold the checkpoint at the anchor."""
        anchor = self._anchor  # None on the first page, or without overlap (page_size 1)
        if not anchor:
            return records
        if records and self.normaliser.normalise(records[0], response.request).get(self.primary_key) == anchor["id"]:
            return records[1:]
        self.pages_shifted = True
        # An anchor without a cursor value gives no safe bound: then the state does not move in this read.
        self._cursor.hold_at(parse_datetime(anchor["cursor"]) or datetime.min.replace(tzinfo=timezone.utc))
        self.logger.warning(
            f"{self.name}: rows moved between two pages (an entry was edited or deleted during the read): "
            f"GET {safe_url(response.url)} does not start with entry {anchor['id']!r}. The read goes on; "
            f"its state stops at {anchor['cursor']} so the next sync reads every row that may have been skipped."
        )
        return records

    def describe_page(self, response: requests.Response, page_number: int) -> Page:
        return self._paginator.describe(self._sent_token(response), json_body(response), page_number)

    @lru_cache(maxsize=None)
    def get_json_schema(self) -> Mapping[str, Any]:
        """The design example's fields plus the configured key, cursor and work date; other fields pass as sent.

        Built once per stream (as the CDK's own `Stream.get_json_schema`): the CDK asks for it with every record."""
        schema = copy.deepcopy(ResourceSchemaLoader("source_time_tracking").get_schema("generic_time_entries"))
        schema["properties"].update(self.normaliser.declared_properties())
        schema["properties"].setdefault(self.work_date_field, {"type": ["null", "string"], "format": "date"})
        return schema


class GenericCheckProbe(GenericTimeEntries):
    """The first page `check` reads: an unreachable host fails at once."""

    retry_unreachable = False


def check(provider: GenericProvider) -> int:
    """A real request: the first page with limit 1 (also proves `records_path`). Returns its row count."""
    one_row = provider.pagination.model_copy(update={"page_size": 1})
    stream = GenericCheckProbe(provider.model_copy(update={"pagination": one_row}), start_date=None)
    return len(list(itertools.islice(stream.read_records(SyncMode.full_refresh), 1)))


class GenericTimeApi(Provider):
    """The registry's generic provider: one configurable `time_entries` list; deletes from its window."""

    name = "generic"
    config_model = GenericProvider
    time_entries_stream = GenericTimeEntries

    def check(self, config: GenericProvider) -> str:
        return f"{PROVIDER_LABEL} answered; first page holds {check(config)} entry(ies)"

    def entry_id_field(self, config: GenericProvider) -> str:
        return config.primary_key

    def secrets(self, raw_provider: Mapping[str, Any]) -> list[str]:
        """Also the basic-auth header a username and password make."""
        auth = raw_provider.get("auth")
        username, password = (auth.get("username"), auth.get("password")) if isinstance(auth, Mapping) else (None, None)
        basic = basic_credentials(username, password) if isinstance(username, str) and isinstance(password, str) else []
        return super().secrets(raw_provider) + basic
