"""Keyset paging against a scripted gateway: the loop guards, the end of a pass, string keys and the sign-in."""

from airbyte_cdk.models import FailureType, SyncMode
from freezegun import freeze_time

from unit_tests.config_builder import ConfigBuilder
from unit_tests.helpers import read_streams, records_of, states_of
from unit_tests.gateway import SESSION_URL
from unit_tests.response_builder import QueryResponseBuilder, session_response, template

NOW = "2026-11-25T12:00:00Z"
STREAM = "journal_entry_lines"


def _page(*rows, remaining=None, object_name="GLENTRY", key="RECORDNO"):
    """Rows as (key, WHENMODIFIED wire value); `remaining` is the numremaining the gateway claims."""
    builder = QueryResponseBuilder(object_name)
    for recordno, modified in rows:
        builder.with_record(**{key: str(recordno), "WHENMODIFIED": modified})
    return builder.with_pagination(len(rows) + (remaining or 0), 0, remaining).build()


def _stream_errors(output):
    return [m.trace.error for m in output.errors if m.trace.error.stream_descriptor]


@freeze_time(NOW)
class TestLoopGuards:
    def test_a_page_that_repeats_the_previous_page_stops_the_stream(self, gateway):
        repeated = _page((1, "04/01/2026 10:00:00"), (2, "04/02/2026 10:00:00"), remaining=5)
        gateway.reply("query GLENTRY", repeated).reply("query GLENTRY", repeated).reply("query GLENTRY", repeated)

        output = read_streams(ConfigBuilder().with_page_size(2).build(), [STREAM], expecting_exception=True)

        [error] = _stream_errors(output)
        assert error.failure_type == FailureType.system_error
        assert "do not move past the rows already read" in error.message and "page 2 of the modified pass" in error.message
        assert len(gateway.queries("GLENTRY")) == 2  # stopped at the first repeat, not after the scripted third
        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [1, 2]

    def test_full_pages_whose_last_key_does_not_move_while_numremaining_stays_positive_stop_the_stream(self, gateway):
        gateway.reply("query GLENTRY", _page((1, "04/01/2026 10:00:00"), (2, "04/02/2026 10:00:00"), remaining=9))
        gateway.reply("query GLENTRY", _page((3, "04/01/2026 09:00:00"), (2, "04/02/2026 10:00:00"), remaining=9))

        output = read_streams(ConfigBuilder().with_page_size(2).build(), [STREAM], expecting_exception=True)

        [error] = _stream_errors(output)
        assert "RECORDNO 3 at WHENMODIFIED 2026-04-01T17:00:00Z after RECORDNO 2" in error.message
        assert len(gateway.queries("GLENTRY")) == 2
        # the bad page emitted nothing and the last state still points after the last good row
        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [1, 2]
        assert states_of(output, STREAM)[-1]["after"] == {"pass": "modified", "cursor": "2026-04-02T18:00:00Z", "key": 2}

    def test_rows_out_of_order_inside_one_page_stop_the_stream(self, gateway):
        gateway.reply("query GLENTRY", _page((2, "04/02/2026 10:00:00"), (1, "04/02/2026 10:00:00")))

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        assert "do not move past" in _stream_errors(output)[0].message
        assert records_of(output, STREAM) == []

    def test_pages_far_past_the_announced_total_stop_the_stream(self, gateway):
        """Every page says the query matches 2 rows and 1 remains: 2 × 2 + a page of 2 = 6 rows can be right."""
        for page in range(4):
            rows = [(2 * page + 1, f"04/0{page + 1}/2026 10:00:00"), (2 * page + 2, f"04/0{page + 1}/2026 11:00:00")]
            builder = QueryResponseBuilder("GLENTRY")
            for recordno, modified in rows:
                builder.with_record(RECORDNO=str(recordno), WHENMODIFIED=modified)
            gateway.reply("query GLENTRY", builder.with_pagination(2, 0, 1).build())

        output = read_streams(ConfigBuilder().with_page_size(2).build(), [STREAM], expecting_exception=True)

        [error] = _stream_errors(output)
        assert error.failure_type == FailureType.system_error
        assert ("page 4 of the modified pass of journal_entry_lines brings the pass to 8 rows, but its first page "
                "announced 2 rows (at most 6 can come") in error.message
        assert len(gateway.queries("GLENTRY")) == 4
        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [1, 2, 3, 4, 5, 6]  # not the refused page
        assert states_of(output, STREAM)[-1]["after"]["key"] == 6

    def test_rows_edited_during_the_read_may_come_once_more_past_the_total(self, gateway):
        """The first page announces 4 rows; 4 more arrive at the end of the order (edited meanwhile): no error."""
        gateway.reply("query GLENTRY", _page((1, "04/01/2026 10:00:00"), (2, "04/01/2026 11:00:00"), remaining=2))
        gateway.reply("query GLENTRY", _page((3, "04/02/2026 10:00:00"), (4, "04/02/2026 11:00:00"), remaining=2))
        gateway.reply("query GLENTRY", _page((1, "11/25/2026 01:00:00"), (2, "11/25/2026 02:00:00"), remaining=1))
        gateway.reply("query GLENTRY", _page((3, "11/25/2026 03:00:00"), remaining=0))

        output = read_streams(ConfigBuilder().with_page_size(2).build(), [STREAM])

        assert not output.errors
        assert len(records_of(output, STREAM)) == 7

    def test_a_short_page_ends_the_pass_even_when_numremaining_claims_more(self, gateway):
        gateway.reply("query GLENTRY", _page((1, "04/01/2026 10:00:00"), remaining=50))

        output = read_streams(ConfigBuilder().with_page_size(2).build(), [STREAM])

        assert not output.errors and len(gateway.queries("GLENTRY")) == 1
        assert states_of(output, STREAM)[-1] == {"WHENMODIFIED": NOW}

    def test_numremaining_zero_ends_the_pass_after_a_full_page(self, gateway):
        gateway.reply("query GLENTRY", _page((1, "04/01/2026 10:00:00"), (2, "04/01/2026 10:00:00"), remaining=0))

        output = read_streams(ConfigBuilder().with_page_size(2).build(), [STREAM])

        assert not output.errors and len(gateway.queries("GLENTRY")) == 1


@freeze_time(NOW)
class TestKeys:
    def test_equal_timestamps_are_ordered_by_record_number(self, gateway):
        gateway.reply("query GLENTRY", _page((1, "04/01/2026 10:00:00"), (2, "04/01/2026 10:00:00"), remaining=1))
        gateway.reply("query GLENTRY", _page((3, "04/01/2026 10:00:00")))

        output = read_streams(ConfigBuilder().with_page_size(2).build(), [STREAM])

        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [1, 2, 3]
        assert gateway.queries("GLENTRY")[1].filter.endswith(
            "or(greaterthan(WHENMODIFIED, 04/01/2026 10:00:00), and(equalto(WHENMODIFIED, 04/01/2026 10:00:00), "
            "greaterthan(RECORDNO, 2))))")

    def test_gl_details_string_record_numbers_compare_as_the_gateway_sorts_text(self, gateway):
        # As text, "10-…" sorts before "9-…": the gateway's order, which the guard must accept.
        gateway.reply("query GLDETAIL", _page(("10-7-1--accrual", "04/01/2026 10:00:00"),
                                              ("9-3-1--accrual", "04/01/2026 10:00:00"), remaining=1,
                                              object_name="GLDETAIL"))
        gateway.reply("query GLDETAIL", _page(("9-4-1--accrual", "04/01/2026 10:00:00"), object_name="GLDETAIL"))

        output = read_streams(ConfigBuilder().with_page_size(2).build(), ["gl_details"])

        assert not output.errors
        assert [r["RECORDNO"] for r in records_of(output, "gl_details")] == [
            "10-7-1--accrual", "9-3-1--accrual", "9-4-1--accrual"]
        assert gateway.queries("GLDETAIL")[1].filter.endswith("greaterthan(RECORDNO, 9-3-1--accrual))))")

    def test_deleted_records_page_by_access_time_then_id(self, gateway):
        audit = QueryResponseBuilder("AUDITHISTORY")
        for audit_id in ("7", "8"):
            audit.with_record(ID=audit_id, ACCESSTIME="11/24/2026 10:00:00", ACCESSMODE="D", OBJECTTYPE="glentry")
        gateway.reply("query AUDITHISTORY", audit.with_pagination(3, 0, 1).build())
        gateway.reply("query AUDITHISTORY", QueryResponseBuilder("AUDITHISTORY").build())

        output = read_streams(ConfigBuilder().with_page_size(2).build(), ["deleted_records"], SyncMode.incremental)

        assert not output.errors
        second = gateway.queries("AUDITHISTORY")[1]
        assert second.order_by == ["ACCESSTIME", "ID"] and second.offset == 0
        assert second.filter.endswith("or(greaterthan(ACCESSTIME, 11/24/2026 10:00:00), and(equalto(ACCESSTIME, "
                                      "11/24/2026 10:00:00), greaterthan(ID, 8))))")


@freeze_time(NOW)
class TestSignIn:
    def test_a_refused_sign_in_ends_the_read_with_one_request_and_one_trace(self, gateway):
        gateway.reply("getAPISession", template("authentication_failure.xml"))

        output = read_streams(ConfigBuilder().build(), [STREAM, "gl_accounts", "departments"], expecting_exception=True)

        assert gateway.count("getAPISession") == 1 and len(gateway.sent) == 1
        [error] = [m.trace.error for m in output.errors]
        assert error.failure_type == FailureType.config_error and "Sign-in information is incorrect" in error.message

    def test_a_refusal_later_in_the_sync_is_not_retried_by_the_next_streams(self, gateway):
        gateway.reply("query GLENTRY created", template("invalid_session.xml"))
        gateway.reply("getAPISession", session_response("fake-session-1", SESSION_URL))
        gateway.reply("getAPISession", template("authentication_failure.xml"))

        output = read_streams(ConfigBuilder().build(), [STREAM, "gl_accounts", "departments"], expecting_exception=True)

        assert gateway.count("getAPISession") == 2  # the first session, then one refused attempt to replace it
        assert gateway.queries("GLACCOUNT", created_pass=True) == [] and gateway.queries("DEPARTMENT") == []
        [stream_error] = _stream_errors(output)
        assert stream_error.stream_descriptor.name == STREAM and "Sign-in information" in stream_error.message
