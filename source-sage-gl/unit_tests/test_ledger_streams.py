"""Bills and invoices (their WHENCREATED is a date, their creation time AUWHENCREATED) and account_balances."""

import json
from importlib import resources

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from freezegun import freeze_time

from unit_tests.config_builder import ConfigBuilder
from unit_tests.helpers import read_streams, records_of, states_of
from unit_tests.request_builder import QueryRequestBuilder, shape_of
from unit_tests.response_builder import BalancesResponseBuilder, QueryResponseBuilder, template

DOCUMENTS = {"ap_bills": "APBILL", "ar_invoices": "ARINVOICE"}
NOW = "2026-11-25T12:00:00Z"


def _schema(stream):
    return json.loads(resources.files("source_sage_gl").joinpath(f"schemas/{stream}.json").read_text())


@freeze_time(NOW)
@pytest.mark.parametrize("stream, object_name", sorted(DOCUMENTS.items()))
def test_a_document_reads_its_date_audit_time_and_totals(gateway, stream, object_name):
    gateway.reply(f"query {object_name}", QueryResponseBuilder(object_name).with_record(
        RECORDNO="7", WHENCREATED="11/20/2026", AUWHENCREATED="11/20/2026 16:05:00", WHENMODIFIED="11/24/2026 10:00:00",
        TOTALENTERED="1234.50", PRBATCHKEY="1042", MODULEKEY="3.AP").build())

    output = read_streams(ConfigBuilder().build(), [stream])

    [record] = records_of(output, stream)
    assert (record["RECORDNO"], record["WHENCREATED"], record["AUWHENCREATED"], record["WHENMODIFIED"]) == \
        (7, "2026-11-20", "2026-11-21T00:05:00Z", "2026-11-24T18:00:00Z")
    assert (record["TOTALENTERED"], record["PRBATCHKEY"]) == ("1234.50", 1042)
    sent = gateway.queries(object_name)[0]
    assert sent.fields == list(_schema(stream)["properties"]) and sent.order_by == ["WHENMODIFIED", "RECORDNO"]
    assert states_of(output, stream)[-1] == {"WHENMODIFIED": NOW}


@freeze_time(NOW)
@pytest.mark.parametrize("stream, object_name", sorted(DOCUMENTS.items()))
def test_a_document_without_whenmodified_is_found_by_its_audit_creation_time(gateway, stream, object_name):
    config = ConfigBuilder().with_page_size(1).build()
    gateway.reply(f"query {object_name} created", QueryResponseBuilder(object_name).with_record(
        RECORDNO="1", WHENCREATED="11/21/2026", AUWHENCREATED="11/21/2026 09:00:00", WHENMODIFIED="").build())
    for offset, recordno in enumerate((2, 3)):
        gateway.reply(f"query {object_name}", QueryResponseBuilder(object_name).with_record(
            RECORDNO=str(recordno), WHENMODIFIED=f"11/2{recordno}/2026 10:00:00").with_pagination(2, offset).build())

    output = read_streams(config, [stream], SyncMode.incremental, {stream: {"WHENMODIFIED": "2026-11-20T10:00:00Z"}})

    assert [r["RECORDNO"] for r in records_of(output, stream)] == [1, 2, 3]
    expected = QueryRequestBuilder(object_name).with_page_size(1)
    lower, upper = "11/20/2026 00:00:00", "11/25/2026 04:00:00"  # cursor − lookback and sync start, UTC-8
    assert shape_of(gateway.queries(object_name, created_pass=True)[0]) == \
        expected.created_between(lower, upper, "AUWHENCREATED").shape()
    modified = [QueryRequestBuilder(object_name).with_page_size(1).modified_between(lower, upper) for _ in range(2)]
    assert [shape_of(q) for q in gateway.queries(object_name)] == \
        [modified[0].shape(), modified[1].after("11/22/2026 10:00:00", 2).shape()]  # the second page: after row 2


def _stream_errors(output, stream):
    return [m.trace.error for m in output.errors
            if m.trace.error.stream_descriptor and m.trace.error.stream_descriptor.name == stream]


def _balances(gateway, *accounts):
    for fields in accounts:
        gateway.reply("get_trialbalance", BalancesResponseBuilder().with_account(**fields).build())


@freeze_time("2026-12-01T03:00:00Z")  # still 30 November on the user's UTC-8 clock
def test_account_balances_are_read_month_by_month_up_to_the_users_current_month(gateway):
    _balances(gateway, {"glaccountno": "1100", "endbalance": "10.00"}, {"glaccountno": "1100", "endbalance": "-2.5"},
              {"glaccountno": "4000", "debits": "1234567.89"})

    output = read_streams(ConfigBuilder().with_start_date("2026-09-15T00:00:00Z").build(), ["account_balances"])

    assert [s.period for s in gateway.sent if s.function == "get_trialbalance"] == [
        ("09/01/2026", "09/30/2026"), ("10/01/2026", "10/31/2026"), ("11/01/2026", "11/30/2026")]
    records = records_of(output, "account_balances")
    assert [(r["glaccountno"], r["period_start"], r["period_end"]) for r in records] == [
        ("1100", "2026-09-01", "2026-09-30"), ("1100", "2026-10-01", "2026-10-31"), ("4000", "2026-11-01", "2026-11-30")]
    assert (records[0]["endbalance"], records[1]["endbalance"], records[2]["debits"]) == ("10.00", "-2.5", "1234567.89")  # exact text
    assert records[0]["startbalance"] == "1520.25" and records[0]["reportingbook"] == "ACCRUAL"
    assert states_of(output, "account_balances") == [
        {"period_start": "2026-09-01"}, {"period_start": "2026-10-01"}, {"period_start": "2026-11-01"}]


@freeze_time(NOW)
def test_account_balances_incremental_starts_again_at_the_saved_month(gateway):
    _balances(gateway, {"glaccountno": "1100"}, {"glaccountno": "1100"})

    output = read_streams(ConfigBuilder().build(), ["account_balances"], SyncMode.incremental,
                          {"account_balances": {"period_start": "2026-10-01"}})

    assert [s.period[0] for s in gateway.sent if s.function == "get_trialbalance"] == ["10/01/2026", "11/01/2026"]
    assert [r["period_start"] for r in records_of(output, "account_balances")] == ["2026-10-01", "2026-11-01"]
    assert states_of(output, "account_balances")[-1] == {"period_start": "2026-11-01"}


@freeze_time(NOW)
def test_a_refused_balance_function_fails_that_stream_with_intacct_s_message(gateway):
    gateway.reply("get_trialbalance", template("permission_denied.xml"))
    gateway.reply("query GLBUDGETITEM", QueryResponseBuilder("GLBUDGETITEM").with_record(
        RECORDNO="1", WHENMODIFIED="11/21/2026 10:00:00").build())

    output = read_streams(ConfigBuilder().with_start_date("2026-11-01T00:00:00Z").build(),
                          ["account_balances", "gl_budget_items"], expecting_exception=True)

    assert len(records_of(output, "gl_budget_items")) == 1 and not records_of(output, "account_balances")
    [error] = _stream_errors(output, "account_balances")
    assert error.failure_type == FailureType.config_error and "PL04000005" in error.message
    assert sum(1 for s in gateway.sent if s.function == "get_trialbalance") == 1  # not retried


@freeze_time(NOW)
def test_a_balance_that_is_not_a_number_stops_the_stream_naming_the_field(gateway):
    _balances(gateway, {"glaccountno": "1100", "debits": "n/a"})

    output = read_streams(ConfigBuilder().with_start_date("2026-11-01T00:00:00Z").build(), ["account_balances"],
                          expecting_exception=True)

    [error] = _stream_errors(output, "account_balances")
    assert error.failure_type == FailureType.system_error and "field debits" in error.message
