"""The streams: one Intacct object each, read with `query` in keyset pages over a frozen time window.

Every stream reads the window `[max(start_date, cursor − lookback), sync start]`:
1. the *created* pass: rows whose `WHENMODIFIED` is empty, found by `WHENCREATED` inside the window
   (Intacct leaves `WHENMODIFIED` empty on some new records), ordered by `WHENCREATED, RECORDNO`;
2. the *modified* pass: `WHENMODIFIED` inside the window, ordered by `WHENMODIFIED, RECORDNO`.
The created pass runs first and never moves the cursor: once the modified pass has advanced it, a crash
cannot leave rows of the created pass behind the next sync's window.

Each page is one stream slice, so the CDK emits one STATE message after each page's records. A page asks
for the rows after the last one read (`paging.py`): a row edited during the read leaves the window (its
new `WHENMODIFIED` is after the sync start, so the next sync reads it) without moving any other row. The
cursor advances to the last `WHENMODIFIED` of each page of the modified pass, and to the window's upper
bound once both passes are complete: everything up to the sync start has then been read. Until a pass is
complete, the state also holds its position (`after`), so a resumed read continues exactly after the last
row it checkpointed; a state without one (as 0.1.x saved) starts the passes from the beginning.
"""

from __future__ import annotations

from abc import ABC
from datetime import datetime
from typing import Any, Iterable, List, Mapping, MutableMapping, Optional

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.sources.utils import casing
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader

from source_sage_gl import schema_builder
from source_sage_gl import xml_envelope as xml
from source_sage_gl.balances import AccountBalances
from source_sage_gl.client import IntacctClient, QueryPage
from source_sage_gl.config import IntacctConfig, parse_utc
from source_sage_gl.schema_builder import StreamSchema
from source_sage_gl.paging import PassProgress, Position, StreamProgress, after
from source_sage_gl.values import RecordParser

MODIFIED_PASS = "modified"
CREATED_PASS = "created"
AFTER = "after"  # the state key of the position inside an unfinished pass

def _utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class IntacctStream(Stream, CheckpointMixin, ABC):
    object_name: str
    primary_key = "RECORDNO"
    cursor_field = "WHENMODIFIED"
    created_field: Optional[str] = "WHENCREATED"  # None: the object has no creation time to fall back on
    schema_from_lookup = True  # False: the packaged schema alone (no `lookup` of the object)

    def __init__(self, client: IntacctClient, config: IntacctConfig, sync_started_at: datetime):
        self._client = client
        self._config = config
        self._sync_started_at = sync_started_at
        self._state: MutableMapping[str, Any] = {}
        self._schema: Optional[StreamSchema] = None
        self._page: Optional[QueryPage] = None
        self._progress = StreamProgress(self.name, self.logger)

    @property
    def state(self) -> MutableMapping[str, Any]:
        return dict(self._state)  # a copy: the CDK hands this to read_records as the frozen start state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state = dict(value or {})

    def get_json_schema(self) -> Mapping[str, Any]:
        """Every field of the object's `lookup`, over the packaged schema (see `schema_builder`)."""
        return self.stream_schema().json_schema

    def stream_schema(self) -> StreamSchema:
        """The schema and the fields to select, built once per run (discover and read each build it live)."""
        if self._schema is None:
            packaged = ResourceSchemaLoader("source_sage_gl").get_schema(self.name)
            fields = self._client.lookup(self.object_name) if self.schema_from_lookup else []
            self._schema = schema_builder.build(packaged, fields)
        return self._schema

    # ------------------------------------------------------------ slices = pages

    def _passes(self) -> List[str]:
        return [CREATED_PASS, MODIFIED_PASS] if self.created_field else [MODIFIED_PASS]

    def _order_field(self, query_pass: str) -> str:
        return self.cursor_field if query_pass == MODIFIED_PASS else self.created_field

    def _window(self, sync_mode: SyncMode, stream_state: Optional[Mapping[str, Any]]) -> tuple:
        lower = self._config.start_date
        saved = (stream_state or {}).get(self.cursor_field) if sync_mode == SyncMode.incremental else None
        if saved:
            lower = max(lower, parse_utc(saved, what=f"The saved {self.name} cursor") - self._config.lookback)
        return lower, self._sync_started_at

    def stream_slices(self, *, sync_mode: SyncMode, cursor_field: Optional[List[str]] = None,
                      stream_state: Optional[Mapping[str, Any]] = None) -> Iterable[Optional[Mapping[str, Any]]]:
        lower, upper = self._window(sync_mode, stream_state)
        saved_position = (stream_state or {}).get(AFTER) if sync_mode == SyncMode.incremental else None
        self._progress = StreamProgress(self.name, self.logger)
        passes = self._passes()
        for query_pass in passes:
            progress = PassProgress(self.name, self.object_name, query_pass, self._order_field(query_pass),
                                    self.primary_key, Position.from_state(saved_position, query_pass), self.logger,
                                    self._config.page_size)
            self._progress.passes.append(progress)
            while True:
                self._page = None
                position = progress.position
                yield {"pass": query_pass, "lower": _utc_text(lower), "upper": _utc_text(upper),
                       "after": position.as_state(query_pass) if position else None,
                       "last": query_pass == passes[-1]}
                if self._page is None or self._page_ends_pass(self._page):  # set by read_records for that slice
                    break
        self._progress.summary()

    def _page_ends_pass(self, page: QueryPage) -> bool:
        """An empty or short page, or nothing remaining: no row after the last one read matched the filter."""
        return page.count == 0 or page.num_remaining <= 0 or len(page.records) < self._config.page_size

    # ------------------------------------------------------------ one page

    def _condition(self, stream_slice: Mapping[str, Any]):
        clock = self._client.clock
        lower = clock.to_wire(parse_utc(stream_slice["lower"], what="lower bound"))
        upper = clock.to_wire(parse_utc(stream_slice["upper"], what="upper bound"))
        window_field = self._order_field(stream_slice["pass"])
        conditions = [
            xml.compare("greaterthanorequalto", window_field, lower),
            xml.compare("lessthanorequalto", window_field, upper),
            *self.extra_conditions(),
        ]
        if stream_slice["pass"] == CREATED_PASS:
            conditions.insert(0, xml.is_null(self.cursor_field))
        position = Position.from_state(stream_slice["after"], stream_slice["pass"])
        if position is not None:
            conditions.append(after(position, window_field, self.primary_key, clock.to_wire))
        return xml.all_of(*conditions)

    def extra_conditions(self) -> List:
        return []

    def read_records(self, sync_mode: SyncMode, cursor_field: Optional[List[str]] = None,
                     stream_slice: Optional[Mapping[str, Any]] = None,
                     stream_state: Optional[Mapping[str, Any]] = None) -> Iterable[Mapping[str, Any]]:
        schema = self.stream_schema()
        page = self._client.query(
            self.object_name, schema.selected, self._condition(stream_slice),
            [self._order_field(stream_slice["pass"]), self.primary_key], 0,
            RecordParser(schema.json_schema["properties"], self._client.clock, primary_key=self.primary_key),
            stream_name=self.name, required=schema.baseline,
        )
        progress = self._progress.passes[-1]
        rows_before = self._progress.rows
        last = progress.accept(page.records, page.num_remaining, page.total_count, rows_before)
        self._page = page
        yield from page.records
        self._checkpoint(stream_slice, page, last)

    def _checkpoint(self, stream_slice: Mapping[str, Any], page: QueryPage, last: Optional[Position]) -> None:
        """The state after this page: the cursor, and where the pass stands until it is complete."""
        current = self._state.get(self.cursor_field)
        candidates = [current] if current else []
        if stream_slice["pass"] == MODIFIED_PASS and page.records and page.records[-1].get(self.cursor_field):
            candidates.append(page.records[-1][self.cursor_field])
        pass_complete = self._page_ends_pass(page)
        if stream_slice["last"] and pass_complete:
            candidates.append(stream_slice["upper"])
        state = {self.cursor_field: max(candidates)} if candidates else {}
        if not pass_complete and last is not None:
            state[AFTER] = last.as_state(stream_slice["pass"])
        self._state = state


class GlAccounts(IntacctStream):
    object_name = "GLACCOUNT"


class GlJournals(IntacctStream):
    object_name = "GLJOURNAL"


class ReportingPeriods(IntacctStream):
    object_name = "REPORTINGPERIOD"


class JournalEntries(IntacctStream):
    object_name = "GLBATCH"


class JournalEntryLines(IntacctStream):
    object_name = "GLENTRY"


class GlDetails(IntacctStream):
    """GLDETAIL: the reporting view over journal entry lines; its RECORDNO is a string."""

    object_name = "GLDETAIL"


class Departments(IntacctStream):
    object_name = "DEPARTMENT"


class Locations(IntacctStream):
    object_name = "LOCATION"


class Classes(IntacctStream):
    object_name = "CLASS"


class Projects(IntacctStream):
    object_name = "PROJECT"


class Customers(IntacctStream):
    object_name = "CUSTOMER"


class Vendors(IntacctStream):
    object_name = "VENDOR"


class Employees(IntacctStream):
    object_name = "EMPLOYEE"


class DeletedRecords(IntacctStream):
    """Deletes of every object, from the audit trail (AUDITHISTORY rows with ACCESSMODE `D`).

    Needs the Audit Trail read permission; without it Intacct answers PL04000005 and this stream fails
    with that message while the other streams finish.
    """

    object_name = "AUDITHISTORY"
    primary_key = "ID"
    cursor_field = "ACCESSTIME"
    created_field = None
    schema_from_lookup = False

    def extra_conditions(self) -> List:
        return [xml.compare("equalto", "ACCESSMODE", "D")]


class ApBills(IntacctStream):
    """APBILL: its WHENCREATED is the bill date, so rows without WHENMODIFIED are found by AUWHENCREATED."""

    object_name = "APBILL"
    created_field = "AUWHENCREATED"


class ApBillItems(IntacctStream):
    object_name = "APBILLITEM"


class ArInvoices(IntacctStream):
    """ARINVOICE: its WHENCREATED is the invoice date, so rows without WHENMODIFIED are found by AUWHENCREATED."""

    object_name = "ARINVOICE"
    created_field = "AUWHENCREATED"


class ArInvoiceItems(IntacctStream):
    object_name = "ARINVOICEITEM"


class GlBudgetItems(IntacctStream):
    object_name = "GLBUDGETITEM"


STREAMS = (GlAccounts, GlJournals, ReportingPeriods, JournalEntries, JournalEntryLines, GlDetails, Departments,
           Locations, Classes, Projects, Customers, Vendors, Employees, DeletedRecords,
           ApBills, ApBillItems, ArInvoices, ArInvoiceItems, GlBudgetItems, AccountBalances)
# The streams' names (the CDK names a stream after its class), known without signing in.
STREAM_NAMES = tuple(casing.camel_to_snake(stream.__name__) for stream in STREAMS)
