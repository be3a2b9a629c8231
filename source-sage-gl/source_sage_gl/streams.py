"""The streams: one Intacct object each, read with `query` in offset pages over a frozen time window.

Every stream reads the window `[max(start_date, cursor − lookback), sync start]`:
1. the *created* pass: rows whose `WHENMODIFIED` is empty, found by `WHENCREATED` inside the window
   (Intacct leaves `WHENMODIFIED` empty on some new records), ordered by `WHENCREATED, RECORDNO`;
2. the *modified* pass: `WHENMODIFIED` inside the window, ordered by `WHENMODIFIED, RECORDNO`.
The created pass runs first and never moves the cursor: once the modified pass has advanced it, a crash
cannot leave rows of the created pass behind the next sync's window.

Each page is one stream slice, so the CDK emits one STATE message after each page's records. The slice
carries the window and the offset, built once from the state the read started with, so page 2 is asked
with exactly the filter of page 1. The cursor advances to the last `WHENMODIFIED` of each page of the
modified pass, and to the window's upper bound once both passes are complete: everything up to the
sync start has then been read.
"""

from __future__ import annotations

import copy
from abc import ABC
from datetime import datetime
from typing import Any, Iterable, List, Mapping, MutableMapping, Optional

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader

from source_sage_gl import xml_envelope as xml
from source_sage_gl.client import FieldDefinition, IntacctClient, QueryPage
from source_sage_gl.config import IntacctConfig, parse_utc
from source_sage_gl.values import DECIMAL_SCHEMA, RecordParser

MODIFIED_PASS = "modified"
CREATED_PASS = "created"

# `lookup` DATATYPE → JSON schema of a custom field.
_LOOKUP_TYPES = {
    "INTEGER": {"type": ["null", "integer"]},
    "SEQUENCE": {"type": ["null", "integer"]},
    "DECIMAL": DECIMAL_SCHEMA,
    "CURRENCY": DECIMAL_SCHEMA,
    "PERCENT": DECIMAL_SCHEMA,
    "NUMBER": DECIMAL_SCHEMA,
    "BOOLEAN": {"type": ["null", "boolean"]},
    "DATE": {"type": ["null", "string"], "format": "date"},
    "TIMESTAMP": {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"},
    "DATETIME": {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"},
}


def custom_field_schema(field: FieldDefinition) -> Mapping[str, Any]:
    schema = dict(_LOOKUP_TYPES.get(field.data_type, {"type": ["null", "string"]}))
    return {"description": f"{field.label or field.name} (custom field)", **schema}


def _utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class IntacctStream(Stream, CheckpointMixin, ABC):
    object_name: str
    primary_key = "RECORDNO"
    cursor_field = "WHENMODIFIED"
    created_field: Optional[str] = "WHENCREATED"  # None: the object has no creation time to fall back on
    has_custom_fields = True

    def __init__(self, client: IntacctClient, config: IntacctConfig, sync_started_at: datetime):
        self._client = client
        self._config = config
        self._sync_started_at = sync_started_at
        self._state: MutableMapping[str, Any] = {}
        self._schema: Optional[Mapping[str, Any]] = None
        self._page: Optional[QueryPage] = None
        self._rows_read = 0

    @property
    def state(self) -> MutableMapping[str, Any]:
        return dict(self._state)  # a copy: the CDK hands this to read_records as the frozen start state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state = dict(value or {})

    def get_json_schema(self) -> Mapping[str, Any]:
        """The packaged schema plus the object's custom fields, found live with `lookup`."""
        if self._schema is None:
            schema = copy.deepcopy(ResourceSchemaLoader("source_sage_gl").get_schema(self.name))
            if self.has_custom_fields:
                properties = schema["properties"]
                for field in sorted(self._client.lookup(self.object_name), key=lambda f: f.name):
                    if field.is_custom and field.name not in properties:
                        properties[field.name] = custom_field_schema(field)
            self._schema = schema
        return self._schema

    # ------------------------------------------------------------ slices = pages

    def _passes(self) -> List[str]:
        return [CREATED_PASS, MODIFIED_PASS] if self.created_field else [MODIFIED_PASS]

    def _window(self, sync_mode: SyncMode, stream_state: Optional[Mapping[str, Any]]) -> tuple:
        lower = self._config.start_date
        saved = (stream_state or {}).get(self.cursor_field) if sync_mode == SyncMode.incremental else None
        if saved:
            lower = max(lower, parse_utc(saved, what=f"The saved {self.name} cursor") - self._config.lookback)
        return lower, self._sync_started_at

    def stream_slices(self, *, sync_mode: SyncMode, cursor_field: Optional[List[str]] = None,
                      stream_state: Optional[Mapping[str, Any]] = None) -> Iterable[Optional[Mapping[str, Any]]]:
        lower, upper = self._window(sync_mode, stream_state)
        self._rows_read = 0
        passes = self._passes()
        for query_pass in passes:
            offset = 0
            while True:
                self._page = None
                yield {"pass": query_pass, "lower": _utc_text(lower), "upper": _utc_text(upper), "offset": offset,
                       "last": query_pass == passes[-1]}
                page = self._page  # set by read_records for the slice just yielded
                if page is None or page.num_remaining <= 0 or page.count == 0:
                    break
                offset = page.offset + page.count

    # ------------------------------------------------------------ one page

    def _condition(self, stream_slice: Mapping[str, Any]):
        clock = self._client.clock
        lower = clock.to_wire(parse_utc(stream_slice["lower"], what="lower bound"))
        upper = clock.to_wire(parse_utc(stream_slice["upper"], what="upper bound"))
        window_field = self.cursor_field if stream_slice["pass"] == MODIFIED_PASS else self.created_field
        conditions = [
            xml.compare("greaterthanorequalto", window_field, lower),
            xml.compare("lessthanorequalto", window_field, upper),
            *self.extra_conditions(),
        ]
        if stream_slice["pass"] == CREATED_PASS:
            conditions.insert(0, xml.is_null(self.cursor_field))
        return xml.all_of(*conditions)

    def extra_conditions(self) -> List:
        return []

    def read_records(self, sync_mode: SyncMode, cursor_field: Optional[List[str]] = None,
                     stream_slice: Optional[Mapping[str, Any]] = None,
                     stream_state: Optional[Mapping[str, Any]] = None) -> Iterable[Mapping[str, Any]]:
        schema_fields = list(self.get_json_schema()["properties"])
        order_field = self.cursor_field if stream_slice["pass"] == MODIFIED_PASS else self.created_field
        page = self._client.query(
            self.object_name, schema_fields, self._condition(stream_slice), [order_field, self.primary_key],
            stream_slice["offset"],
            RecordParser(self.get_json_schema()["properties"], self._client.clock, primary_key=self.primary_key),
            stream_name=self.name,
        )
        self._page = page
        self._rows_read += len(page.records)
        self.logger.info(
            f"{self.name}: read {page.count} {self.object_name} rows at offset {page.offset} of "
            f"{page.total_count} ({stream_slice['pass']} pass, {page.num_remaining} remaining); "
            f"{self._rows_read} rows so far."
        )
        yield from page.records
        self._advance_cursor(stream_slice, page)

    def _advance_cursor(self, stream_slice: Mapping[str, Any], page: QueryPage) -> None:
        current = self._state.get(self.cursor_field)
        candidates = [current] if current else []
        if stream_slice["pass"] == MODIFIED_PASS and page.records and page.records[-1].get(self.cursor_field):
            candidates.append(page.records[-1][self.cursor_field])
        if stream_slice["last"] and page.num_remaining <= 0:
            candidates.append(stream_slice["upper"])
        if candidates:
            self._state = {self.cursor_field: max(candidates)}


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
    has_custom_fields = False

    def extra_conditions(self) -> List:
        return [xml.compare("equalto", "ACCESSMODE", "D")]


STREAMS = (GlAccounts, GlJournals, ReportingPeriods, JournalEntries, JournalEntryLines, GlDetails, Departments,
           Locations, Classes, Projects, Customers, Vendors, Employees, DeletedRecords)
