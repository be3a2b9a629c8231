"""Generic-provider records in the project's types: identifiers as strings, times as UTC ISO 8601.

A generic API may send an id as a number or a string, and a time as ISO 8601 with any offset or as unix
seconds. Downstream (PyAirbyte's typed tables, the mappings' casts) needs one type per column, and the
project keeps times in UTC, so the wire client converts these fields before a record leaves the source.
Every other field passes unchanged.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

import requests

from source_time_tracking.cursors import utc_iso_text
from source_time_tracking.errors import shape_error
from source_time_tracking.values import as_identifier

ID_SCHEMA = {"type": ["null", "string"]}
TIMESTAMP_SCHEMA = {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"}
# The design example's fields, besides the configured primary key and cursor.
REFERENCE_FIELDS = ("user_id", "project_id", "task_id")
TIME_FIELDS = ("created_at", "updated_at")


class RecordNormaliser:
    """Converts the identifier and time fields of one provider's records (fields a record lacks stay absent)."""

    def __init__(self, primary_key: str, cursor_field: str, time_format: str) -> None:
        self._primary_key = primary_key
        self._time_fields = tuple(dict.fromkeys((cursor_field, *TIME_FIELDS)))
        id_fields = dict.fromkeys((primary_key, *REFERENCE_FIELDS))
        self._id_fields = tuple(field for field in id_fields if field not in self._time_fields)
        self._time_format = time_format

    def declared_properties(self) -> dict[str, dict[str, Any]]:
        """The JSON schema of every converted field: exactly what `normalise` emits."""
        return {
            **{field: dict(ID_SCHEMA) for field in self._id_fields},
            **{field: dict(TIMESTAMP_SCHEMA) for field in self._time_fields},
        }

    def conversions(self) -> dict[str, Callable[[Any], Optional[str]]]:
        """The conversion of each field, value by value: `values.RecordTypes` runs them as it types a record
        (one pass, planned per record shape); `normalise` runs them field by field, naming a value that fails."""
        return {**dict.fromkeys(self._id_fields, as_identifier), **dict.fromkeys(self._time_fields, self._as_utc_iso)}

    def normalise(self, record: Mapping[str, Any], request: requests.PreparedRequest) -> dict[str, Any]:
        """The record with converted fields; a value that does not convert fails, naming field, entry and URL."""
        normalised = dict(record)
        self._convert(normalised, self._id_fields, as_identifier, "an identifier", request)
        time_kind = f"a time in ISO 8601 or unix seconds (incremental.format is '{self._time_format}')"
        self._convert(normalised, self._time_fields, self._as_utc_iso, time_kind, request)
        return normalised

    def _as_utc_iso(self, value: Any) -> Optional[str]:
        return utc_iso_text(value, self._time_format)

    def _convert(
        self,
        record: dict[str, Any],
        fields: tuple[str, ...],
        convert: Callable[[Any], Optional[str]],
        kind: str,
        request: requests.PreparedRequest,
    ) -> None:
        for field in fields:
            if record.get(field) is None:
                continue  # absent stays absent, null stays null
            value = record[field]
            try:
                record[field] = convert(value)
            except ValueError as error:
                entry_id = record.get(self._primary_key)
                message = f"Field '{field}' of time entry {entry_id!r} holds {value!r}, which is not {kind}"
                raise shape_error(message, request) from error
