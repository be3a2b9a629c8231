"""`account_balances`: every GL account's balances per calendar month, from the legacy `get_trialbalance`.

Balances are not records with a modification time: they are computed by Intacct from the posted lines on
every call, and a late posting changes a past month without touching anything a cursor could follow. So
the stream reads one slice per month, `get_trialbalance` over that month's first and last day with zero
balances included (every account, every month: a balance that falls to zero replaces the old row
instead of leaving it behind in the destination). The function is not paged; one call answers a month.

Full refresh reads from the month of `start_date` (its UTC date) to the current month (in the user's time
zone). Incremental
keeps the first day of the last month read as its cursor (`period_start`) and starts again at that month,
so the month that was still open at the last sync is read once more, complete; months before it are not.
A posting dated into an earlier month (a reopened period) is picked up only by a full refresh.
"""

from __future__ import annotations

import calendar
import copy
from datetime import date, datetime
from typing import Any, Iterable, List, Mapping, MutableMapping, Optional

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader

from source_sage_gl.client import IntacctClient
from source_sage_gl.config import IntacctConfig
from source_sage_gl.values import RecordParser

FUNCTION = "get_trialbalance"


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months(first: date, last: date) -> List[date]:
    """The first day of every month from `first`'s month to `last`'s month."""
    current, found = first.replace(day=1), []
    while current <= last:
        found.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return found


class AccountBalances(Stream, CheckpointMixin):
    primary_key = ["glaccountno", "period_start"]
    cursor_field = "period_start"

    def __init__(self, client: IntacctClient, config: IntacctConfig, sync_started_at: datetime):
        self._client = client
        self._config = config
        self._sync_started_at = sync_started_at
        self._state: MutableMapping[str, Any] = {}
        self._schema: Optional[Mapping[str, Any]] = None

    @property
    def state(self) -> MutableMapping[str, Any]:
        return dict(self._state)

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state = dict(value or {})

    def get_json_schema(self) -> Mapping[str, Any]:
        if self._schema is None:
            self._schema = copy.deepcopy(ResourceSchemaLoader("source_sage_gl").get_schema(self.name))
        return self._schema

    def stream_slices(self, *, sync_mode: SyncMode, cursor_field: Optional[List[str]] = None,
                      stream_state: Optional[Mapping[str, Any]] = None) -> Iterable[Optional[Mapping[str, Any]]]:
        first = self._config.start_date.date()  # the calendar date start_date names (UTC)
        saved = (stream_state or {}).get(self.cursor_field) if sync_mode == SyncMode.incremental else None
        if saved:
            first = max(first, date.fromisoformat(saved))
        for month in months(first, self._sync_started_at.astimezone(self._client.clock.zone).date()):
            yield {"start": month.isoformat(), "end": _month_end(month).isoformat()}

    def read_records(self, sync_mode: SyncMode, cursor_field: Optional[List[str]] = None,
                     stream_slice: Optional[Mapping[str, Any]] = None,
                     stream_state: Optional[Mapping[str, Any]] = None) -> Iterable[Mapping[str, Any]]:
        start, end = date.fromisoformat(stream_slice["start"]), date.fromisoformat(stream_slice["end"])
        parser = RecordParser(self.get_json_schema()["properties"], self._client.clock)
        records = self._client.balances(FUNCTION, start, end, parser, stream_name=self.name)
        self.logger.info(f"{self.name}: {len(records)} account balances for {start:%B %Y}.")
        for record in records:
            yield {**record, "period_start": stream_slice["start"], "period_end": stream_slice["end"]}
        self._state = {self.cursor_field: stream_slice["start"]}
