"""Every object stream reads its own Intacct object with the fields of its schema."""

import json
from importlib import resources

import pytest
from freezegun import freeze_time

from unit_tests.config_builder import ConfigBuilder
from unit_tests.helpers import read_streams, records_of, states_of
from unit_tests.response_builder import QueryResponseBuilder, empty_page

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
