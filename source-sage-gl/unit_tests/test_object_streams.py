"""Every object stream reads its own Intacct object with the fields of its schema."""

import json
from importlib import resources

import pytest
from airbyte_cdk.models import SyncMode
from freezegun import freeze_time

from unit_tests.config_builder import ConfigBuilder
from unit_tests.helpers import read_streams, records_of, states_of
from unit_tests.request_builder import QueryRequestBuilder, shape_of
from unit_tests.response_builder import QueryResponseBuilder

OBJECTS = {
    "gl_accounts": "GLACCOUNT", "gl_journals": "GLJOURNAL", "reporting_periods": "REPORTINGPERIOD",
    "journal_entries": "GLBATCH", "journal_entry_lines": "GLENTRY", "gl_details": "GLDETAIL",
    "departments": "DEPARTMENT", "locations": "LOCATION", "classes": "CLASS", "projects": "PROJECT",
    "customers": "CUSTOMER", "vendors": "VENDOR", "employees": "EMPLOYEE",
}


@freeze_time("2026-11-25T12:00:00Z")
@pytest.mark.parametrize("stream, object_name", sorted(OBJECTS.items()))
def test_stream_reads_its_object(gateway, stream, object_name):
    schema = json.loads(resources.files("source_sage_gl").joinpath(f"schemas/{stream}.json").read_text())
    recordno = "3220-55186-27290--accrual" if stream == "gl_details" else "42"
    gateway.reply(f"query {object_name}", QueryResponseBuilder(object_name).with_record(
        RECORDNO=recordno, WHENMODIFIED="11/24/2026 10:00:00", WHENCREATED="11/01/2026 10:00:00").build())

    output = read_streams(ConfigBuilder().build(), [stream])

    [record] = records_of(output, stream)
    assert record["RECORDNO"] == (recordno if stream == "gl_details" else 42)
    assert record["WHENMODIFIED"] == "2026-11-24T18:00:00Z"
    sent = gateway.queries(object_name)[0]
    assert sent.fields == list(schema["properties"])
    assert sent.order_by == ["WHENMODIFIED", "RECORDNO"]
    assert states_of(output, stream)[-1] == {"WHENMODIFIED": "2026-11-25T12:00:00Z"}  # the frozen sync start


@freeze_time("2026-11-25T12:00:00Z")
@pytest.mark.parametrize("stream, object_name", sorted(OBJECTS.items()))
def test_stream_reads_incrementally_in_pages_with_rows_lacking_whenmodified(gateway, stream, object_name):
    """Each stream: created pass (empty WHENMODIFIED) first, then two modified pages, all from the saved cursor."""
    key = (lambda n: f"{n}-accrual") if stream == "gl_details" else str
    config = ConfigBuilder().with_page_size(1).build()
    state = {stream: {"WHENMODIFIED": "2026-11-20T10:00:00Z"}}
    gateway.reply(f"query {object_name} created", QueryResponseBuilder(object_name).with_record(
        RECORDNO=key(1), WHENCREATED="11/21/2026 09:00:00", WHENMODIFIED="").build())
    for offset, recordno in enumerate((2, 3)):
        gateway.reply(f"query {object_name}", QueryResponseBuilder(object_name).with_record(
            RECORDNO=key(recordno), WHENMODIFIED=f"11/2{recordno}/2026 10:00:00").with_pagination(2, offset).build())

    output = read_streams(config, [stream], SyncMode.incremental, state)

    records = records_of(output, stream)
    assert [str(r["RECORDNO"]) for r in records] == [key(n) for n in (1, 2, 3)]
    assert records[0].get("WHENMODIFIED") is None and records[0]["WHENCREATED"] == "2026-11-21T17:00:00Z"
    lower = "11/20/2026 00:00:00"  # the saved cursor minus 120 minutes, on the user's UTC-8 clock
    upper = "11/25/2026 04:00:00"  # the frozen sync start on the same clock
    expected = QueryRequestBuilder(object_name).with_page_size(1)
    created = gateway.queries(object_name, created_pass=True)[0]
    assert shape_of(created) == expected.created_between(lower, upper).shape()
    first_page = expected.modified_between(lower, upper).shape()
    second_page = expected.after("11/22/2026 10:00:00", key(2)).shape()  # after the last row of the first page
    assert [shape_of(q) for q in gateway.queries(object_name)] == [first_page, second_page]
    assert gateway.sent.index(created) < gateway.sent.index(gateway.queries(object_name)[0])
    assert [s["WHENMODIFIED"] for s in states_of(output, stream)] == [
        "2026-11-20T10:00:00Z", "2026-11-22T18:00:00Z", "2026-11-25T12:00:00Z"]
