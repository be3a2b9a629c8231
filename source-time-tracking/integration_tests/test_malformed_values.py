"""Values exact or the read fails, against the sandbox's Harvest and generic emulators (`malformed_value` fault).

Each case is one of issue 9's observations: `hours: "abc"`, `id: null` and `spent_date: 12345` were emitted as
sent (a record with a null primary key), Harvest `updated_at: "abc"` ended in "Something went wrong", and a
decimal beyond a double was rounded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from sandbox.schema import DATASETS

from integration_tests.test_sandbox_reads import DATASET, ENTRIES_PATH
from source_time_tracking import SourceTimeTracking
from source_time_tracking.providers import PROVIDERS

BIG = "12345678901234567.89"


pytestmark = pytest.mark.usefixtures("seeded")  # the sandbox as seeded, before and after each test


def _read(config: dict, expecting_exception: bool = False):
    catalog = CatalogBuilder().with_stream("time_entries", SyncMode.full_refresh).build()
    return read(SourceTimeTracking(), config, catalog, expecting_exception=expecting_exception)


@pytest.mark.parametrize("provider, field, raw, problem", [
    ("harvest", "hours", '"abc"', "field 'hours' holds 'abc', which is not a decimal number"),
    ("harvest", "hours", "NaN", "field 'hours' holds NaN, which is not a finite number"),
    ("harvest", "id", "null", "record 1 of the page cannot be read exactly: its primary key 'id' is missing or null"),
    ("harvest", "spent_date", "12345", "field 'spent_date' holds 12345, which is not a date (YYYY-MM-DD)"),
    ("harvest", "updated_at", '"abc"', "field 'updated_at' holds 'abc', which is not an ISO 8601 date-time"),
    ("generic", "hours", '"abc"', "field 'hours' holds 'abc', which is not a decimal number"),
    ("generic", "cost_rate", "Infinity", "field 'cost_rate' holds Infinity, which is not a finite number"),
    ("generic", "id", "null", "record 1 of the page cannot be read exactly: its primary key 'id' is missing or null"),
    ("generic", "date", "12345", "field 'date' holds 12345, which is not a date (YYYY-MM-DD)"),
    ("quickbooks_time", "duration", '"abc"', "field 'duration' holds 'abc', which is not an integer"),
    ("quickbooks_time", "id", "null", "record 1 of the page cannot be read exactly: its primary key 'id' is missing or null"),
    ("quickbooks_time", "date", "12345", "field 'date' holds 12345, which is not a date (YYYY-MM-DD)"),
    ("quickbooks_time", "last_modified", '"abc"', "field 'last_modified' holds 'abc', which is not an ISO 8601 date-time"),
])
def test_a_malformed_value_fails_the_read_naming_stream_record_and_field(sandbox: Any, provider: str, field: str,
                                                                         raw: str, problem: str) -> None:
    sandbox.control.set_fault("malformed_value", field=field, value=raw, count=1, paths=[ENTRIES_PATH[provider]])

    output = _read(sandbox.credentials[provider], expecting_exception=True)

    error = output.errors[0].trace.error  # the stream's own error (the CDK adds a summary of failed streams after it)
    assert error.failure_type == FailureType.system_error and "Something went wrong" not in error.message
    assert error.message.startswith("Stream time_entries: record ") and problem in error.message
    assert output.records == []  # nothing of the page is emitted
    assert sandbox.control.faults()["fired"] == {"malformed_value": 1}


@pytest.mark.parametrize("provider", [name for name in PROVIDERS  # those whose entries carry hours and a cost rate
                                      if {"hours", "cost_rate"} <= {column.name for column in DATASETS[DATASET[name]].columns}
                                      and name != "toggl"])  # Toggl sends integer cents (unit_tests/test_toggl_*)
def test_decimals_arrive_with_every_digit(sandbox: Any, provider: str) -> None:
    [entry] = sandbox.control.mutate(DATASET[provider], "update", count=1, changes={"cost_rate": BIG, "hours": "0.30"})

    output = _read(sandbox.credentials[provider])

    assert not output.errors
    records = {str(message.record.data["id"]): message.record.data for message in output.records}
    assert (records[str(entry)]["cost_rate"], records[str(entry)]["hours"]) == (BIG, "0.30")
    truth = sandbox.control.truth(DATASET[provider], rows=True)["rows"]
    assert sum(Decimal(record["hours"]) for record in records.values()) == sum(Decimal(row["hours"]) for row in truth)
