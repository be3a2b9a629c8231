"""Every object stream reads its own Intacct object with the fields of its schema."""

import json
from importlib import resources

import pytest
from airbyte_cdk.models import SyncMode
from freezegun import freeze_time

from unit_tests.config_builder import ConfigBuilder
from unit_tests.helpers import read_streams, records_of, states_of
from unit_tests.request_builder import QueryRequestBuilder, shape_of
from unit_tests.response_builder import QueryResponseBuilder, invalid_query_response, lookup_response, packaged_fields

OBJECTS = {
    "gl_accounts": "GLACCOUNT", "gl_journals": "GLJOURNAL", "reporting_periods": "REPORTINGPERIOD",
    "journal_entries": "GLBATCH", "journal_entry_lines": "GLENTRY", "gl_details": "GLDETAIL",
    "departments": "DEPARTMENT", "locations": "LOCATION", "classes": "CLASS", "projects": "PROJECT",
    "customers": "CUSTOMER", "vendors": "VENDOR", "employees": "EMPLOYEE",
    "ap_bill_items": "APBILLITEM", "ar_invoice_items": "ARINVOICEITEM", "gl_budget_items": "GLBUDGETITEM",
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


@freeze_time("2026-11-25T12:00:00Z")
def test_a_read_selects_the_enabled_standard_fields_and_not_the_packaged_ones_lookup_lacks(gateway):
    standard = {"RECORDNO": "INTEGER", "WHENMODIFIED": "TIMESTAMP", "WHENCREATED": "TIMESTAMP", "JOURNAL": "TEXT",
                "TAXIMPLICATIONS": "ENUM", "BALANCE": "DECIMAL"}
    gateway.reply("lookup GLBATCH", lookup_response("GLBATCH", {}, standard))
    gateway.reply("query GLBATCH", QueryResponseBuilder("GLBATCH").with_record(
        RECORDNO="7", JOURNAL="GJ", TAXIMPLICATIONS="Inbound", BALANCE="12.50",
        WHENMODIFIED="11/24/2026 10:00:00", WHENCREATED="11/01/2026 10:00:00").build())

    output = read_streams(ConfigBuilder().build(), ["journal_entries"])

    [record] = records_of(output, "journal_entries")
    assert (record["TAXIMPLICATIONS"], record["BALANCE"], record["JOURNAL"], record.get("BATCHNO")) == \
        ("Inbound", "12.50", "GJ", None)
    assert gateway.queries("GLBATCH")[0].fields == \
        ["RECORDNO", "JOURNAL", "WHENCREATED", "WHENMODIFIED", "TAXIMPLICATIONS", "BALANCE"]


@freeze_time("2026-11-25T12:00:00Z")
def test_a_field_intacct_refuses_to_select_is_dropped_for_the_run_and_reads_null(gateway):
    standard = {**packaged_fields("PROJECT"), "CFDA": "TEXT", "AGENCY": "TEXT"}
    gateway.reply("lookup PROJECT", lookup_response("PROJECT", {}, standard))
    gateway.reply("query PROJECT", invalid_query_response(
        "Field(s) CFDA of object PROJECT cannot be selected in a query"))
    for recordno in ("1", "2"):
        gateway.reply("query PROJECT", QueryResponseBuilder("PROJECT").with_record(
            RECORDNO=recordno, AGENCY="NSF", WHENMODIFIED="11/24/2026 10:00:00").with_pagination(
            2, int(recordno) - 1).build())

    output = read_streams(ConfigBuilder().with_page_size(1).build(), ["projects"])

    assert [(r["RECORDNO"], r["AGENCY"], r.get("CFDA")) for r in records_of(output, "projects")] == \
        [(1, "NSF", None), (2, "NSF", None)]
    sent = [query.fields for query in gateway.queries("PROJECT")]
    assert len(sent) == 3 and "CFDA" in sent[0] and "CFDA" not in sent[1] and sent[1] == sent[2]
    assert "AGENCY" in sent[2]


@freeze_time("2026-11-25T12:00:00Z")
def test_a_packaged_field_intacct_refuses_fails_the_stream(gateway):
    gateway.reply("query PROJECT", invalid_query_response("Field(s) NAME of object PROJECT cannot be selected"))

    output = read_streams(ConfigBuilder().build(), ["projects"], expecting_exception=True)

    assert records_of(output, "projects") == []
    assert any("NAME" in error.trace.error.message for error in output.errors)
    assert len(gateway.queries("PROJECT")) == 1
