"""journal_entry_lines (GLENTRY): the reading logic every object stream shares, tested on the GL lines."""

from airbyte_cdk.models import SyncMode
from freezegun import freeze_time

from unit_tests.config_builder import ConfigBuilder
from unit_tests.gateway import SESSION_URL
from unit_tests.helpers import message_kinds, read_streams, records_of, states_of
from unit_tests.request_builder import QueryRequestBuilder, shape_of
from unit_tests.response_builder import QueryResponseBuilder, empty_page, lookup_response

STREAM = "journal_entry_lines"
NOW = "2026-11-25T12:00:00Z"
# The sandbox-like user is on UTC-8: the frozen sync start 12:00Z is 04:00 on the user's wire clock.
UPPER = "11/25/2026 04:00:00"
START = "12/31/2025 16:00:00"  # start_date 2026-01-01T00:00:00Z on the user's clock


def _line(recordno: int, modified: str = "04/01/2026 14:57:37", **fields):
    return {"RECORDNO": str(recordno), "WHENMODIFIED": modified, **fields}


def _page(*lines, total=None, offset=0):
    builder = QueryResponseBuilder("GLENTRY")
    for line in lines:
        builder.with_record(**line)
    return builder.with_pagination(total if total is not None else offset + len(lines), offset).build()


@freeze_time(NOW)
class TestFullRefresh:
    def test_one_page_is_typed_converted_to_utc_and_checkpointed_after_its_records(self, gateway):
        gateway.reply("lookup GLENTRY", lookup_response("GLENTRY", {"GLDIMSERVICE_LINE": "TEXT"}))
        gateway.reply("query GLENTRY", _page(_line(1001), _line(1002, TR_TYPE="-1", AMOUNT="99.90", CLASSID="")))

        output = read_streams(ConfigBuilder().build(), [STREAM])

        records = records_of(output, STREAM)
        assert [r["RECORDNO"] for r in records] == [1001, 1002]
        first = records[0]
        assert first["AMOUNT"] == "1234.50" and records[1]["AMOUNT"] == "99.90"  # exact decimal text
        assert first["TR_TYPE"] == 1 and records[1]["TR_TYPE"] == -1
        assert first["ENTRY_DATE"] == "2026-03-31"
        assert first["WHENCREATED"] == "2026-03-31T16:41:21Z"  # 08:41:21 at UTC-8
        assert first["WHENMODIFIED"] == "2026-04-01T22:57:37Z"
        assert first.get("CLASSID") is None and first.get("VENDORID") is None  # empty → null (omitted on the wire)
        assert first["GLDIMSERVICE_LINE"] == "INSTALL"  # the custom dimension found by lookup
        assert message_kinds(output, STREAM) == ["STATE", "RECORD", "RECORD", "STATE"]  # created pass first
        assert states_of(output, STREAM)[-1] == {"WHENMODIFIED": NOW}
        sent = gateway.queries("GLENTRY")
        assert sent[0].url == SESSION_URL and sent[0].session_id == "fake-session-1"
        assert "GLDIMSERVICE_LINE" in sent[0].fields and "RECORDNO" in sent[0].fields
        assert shape_of(sent[0]) == QueryRequestBuilder("GLENTRY").modified_between(START, UPPER).shape()
        created = gateway.queries("GLENTRY", created_pass=True)
        assert shape_of(created[0]) == QueryRequestBuilder("GLENTRY").created_between(START, UPPER).shape()
        assert gateway.sent.index(created[0]) < gateway.sent.index(sent[0])  # before the cursor can move

    def test_several_pages_continue_after_the_last_key_read_with_one_state_per_page(self, gateway):
        config = ConfigBuilder().with_page_size(2).build()
        gateway.reply("query GLENTRY", _page(_line(1, "04/01/2026 10:00:00"), _line(2, "04/02/2026 10:00:00"), total=5))
        gateway.reply("query GLENTRY", _page(_line(3, "04/03/2026 10:00:00"), _line(4, "04/04/2026 10:00:00"), total=3))
        gateway.reply("query GLENTRY", _page(_line(5, "04/05/2026 10:00:00"), total=1))

        output = read_streams(config, [STREAM])

        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [1, 2, 3, 4, 5]
        window = QueryRequestBuilder("GLENTRY").with_page_size(2).modified_between
        sent = gateway.queries("GLENTRY")
        assert [shape_of(s) for s in sent] == [  # always offset 0: each page starts after the last row read
            window(START, UPPER).shape(),
            window(START, UPPER).after("04/02/2026 10:00:00", 2).shape(),
            window(START, UPPER).after("04/04/2026 10:00:00", 4).shape(),
        ]
        assert message_kinds(output, STREAM) == ["STATE", "RECORD", "RECORD", "STATE", "RECORD", "RECORD", "STATE",
                                                 "RECORD", "STATE"]
        assert states_of(output, STREAM)[1:] == [
            {"WHENMODIFIED": "2026-04-02T18:00:00Z",
             "after": {"pass": "modified", "cursor": "2026-04-02T18:00:00Z", "key": 2}},
            {"WHENMODIFIED": "2026-04-04T18:00:00Z",
             "after": {"pass": "modified", "cursor": "2026-04-04T18:00:00Z", "key": 4}},
            {"WHENMODIFIED": NOW}]

    def test_single_record_page(self, gateway):
        gateway.reply("query GLENTRY", _page(_line(7)))

        records = records_of(read_streams(ConfigBuilder().build(), [STREAM]), STREAM)

        assert len(records) == 1 and records[0]["RECORDNO"] == 7 and records[0]["BATCHNO"] == 501

    def test_rows_with_empty_whenmodified_are_read_by_whencreated(self, gateway):
        gateway.reply("query GLENTRY created", _page(_line(2, None, WHENCREATED="11/20/2026 09:00:00")))
        gateway.reply("query GLENTRY", _page(_line(1)))

        output = read_streams(ConfigBuilder().build(), [STREAM])

        records = records_of(output, STREAM)
        assert [(r["RECORDNO"], r.get("WHENMODIFIED")) for r in records] == [(2, None), (1, "2026-04-01T22:57:37Z")]
        assert records[0]["WHENCREATED"] == "2026-11-20T17:00:00Z"
        created_pass = gateway.queries("GLENTRY", created_pass=True)[0]
        assert created_pass.filter.startswith("and(isnull(WHENMODIFIED), greaterthanorequalto(WHENCREATED")
        assert states_of(output, STREAM)[-1] == {"WHENMODIFIED": NOW}

    def test_timezone_override_replaces_the_reported_offset(self, gateway):
        gateway.reply("query GLENTRY", _page(_line(1, "07/01/2026 12:00:00")))

        output = read_streams(ConfigBuilder().with_timezone("America/New_York").build(), [STREAM])

        assert records_of(output, STREAM)[0]["WHENMODIFIED"] == "2026-07-01T16:00:00Z"  # EDT, UTC-4 in July
        assert gateway.count("readUserFormatting") == 1  # the user's formats are read all the same
        assert gateway.queries("GLENTRY")[0].filter.endswith("lessthanorequalto(WHENMODIFIED, 11/25/2026 07:00:00))")


@freeze_time(NOW)
class TestIncremental:
    def test_reads_from_the_saved_cursor_minus_the_lookback(self, gateway):
        state = {STREAM: {"WHENMODIFIED": "2026-11-20T10:00:00Z"}}
        gateway.reply("query GLENTRY", _page(_line(1, "11/20/2026 01:30:00"), _line(2, "11/24/2026 08:00:00")))

        output = read_streams(ConfigBuilder().build(), [STREAM], SyncMode.incremental, state)

        # 10:00Z − 120 minutes = 08:00Z = 00:00 at UTC-8
        sent = gateway.queries("GLENTRY")
        assert shape_of(sent[0]) == QueryRequestBuilder("GLENTRY").modified_between("11/20/2026 00:00:00", UPPER).shape()
        created = gateway.queries("GLENTRY", created_pass=True)[0]
        assert shape_of(created) == QueryRequestBuilder("GLENTRY").created_between("11/20/2026 00:00:00", UPPER).shape()
        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [1, 2]
        # The created pass keeps the saved cursor; the last page of the modified pass moves it to the sync start.
        assert states_of(output, STREAM) == [{"WHENMODIFIED": "2026-11-20T10:00:00Z"}, {"WHENMODIFIED": NOW}]

    def test_lookback_overlap_rereads_rows_without_moving_the_cursor_back(self, gateway):
        state = {STREAM: {"WHENMODIFIED": "2026-11-24T12:00:00Z"}}
        # Both rows are older than the saved cursor but inside the lookback window.
        gateway.reply("query GLENTRY", _page(_line(1, "11/24/2026 02:30:00"), _line(2, "11/24/2026 03:00:00")))

        output = read_streams(ConfigBuilder().build(), [STREAM], SyncMode.incremental, state)

        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [1, 2]
        assert states_of(output, STREAM)[0] == {"WHENMODIFIED": "2026-11-24T12:00:00Z"}

    def test_page_two_uses_the_window_of_the_state_the_read_started_with(self, gateway):
        state = {STREAM: {"WHENMODIFIED": "2026-11-20T10:00:00Z"}}
        config = ConfigBuilder().with_page_size(1).with_lookback_minutes(0).build()
        gateway.reply("query GLENTRY", _page(_line(1, "11/23/2026 00:00:00"), total=2))
        gateway.reply("query GLENTRY", _page(_line(2, "11/24/2026 00:00:00"), total=1))

        output = read_streams(config, [STREAM], SyncMode.incremental, state)

        page_two = gateway.queries("GLENTRY")[1]
        assert page_two.offset == 0
        assert page_two.filter == ("and(greaterthanorequalto(WHENMODIFIED, 11/20/2026 02:00:00), "
                                   "lessthanorequalto(WHENMODIFIED, 11/25/2026 04:00:00), "
                                   "or(greaterthan(WHENMODIFIED, 11/23/2026 00:00:00), "
                                   "and(equalto(WHENMODIFIED, 11/23/2026 00:00:00), greaterthan(RECORDNO, 1))))")
        assert states_of(output, STREAM)[1]["WHENMODIFIED"] == "2026-11-23T08:00:00Z"

    def test_a_resumed_read_continues_exactly_after_the_saved_position(self, gateway):
        state = {STREAM: {"WHENMODIFIED": "2026-11-20T10:00:00Z",
                          "after": {"pass": "created", "cursor": "2026-11-21T08:00:00Z", "key": 17}}}
        config = ConfigBuilder().with_lookback_minutes(0).build()
        gateway.reply("query GLENTRY created", _page(_line(18, None, WHENCREATED="11/21/2026 00:00:00")))
        gateway.reply("query GLENTRY", empty_page())

        output = read_streams(config, [STREAM], SyncMode.incremental, state)

        lower = "11/20/2026 02:00:00"
        created = gateway.queries("GLENTRY", created_pass=True)[0]
        assert shape_of(created) == QueryRequestBuilder("GLENTRY").created_between(lower, UPPER).after(
            "11/21/2026 00:00:00", 17).shape()
        modified = gateway.queries("GLENTRY")[0]  # the modified pass had not started: from its beginning
        assert shape_of(modified) == QueryRequestBuilder("GLENTRY").modified_between(lower, UPPER).shape()
        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [18]
        assert states_of(output, STREAM)[-1] == {"WHENMODIFIED": NOW}

    def test_a_read_resumed_in_the_modified_pass_reads_the_created_pass_again_then_continues_after_the_key(self, gateway):
        state = {STREAM: {"WHENMODIFIED": "2026-11-22T08:00:00Z",
                          "after": {"pass": "modified", "cursor": "2026-11-22T08:00:00Z", "key": 40}}}
        gateway.reply("query GLENTRY", _page(_line(41, "11/22/2026 00:00:00")))

        output = read_streams(ConfigBuilder().with_lookback_minutes(0).build(), [STREAM], SyncMode.incremental, state)

        lower = "11/22/2026 00:00:00"
        created = gateway.queries("GLENTRY", created_pass=True)[0]  # rows created since may lack WHENMODIFIED
        assert shape_of(created) == QueryRequestBuilder("GLENTRY").created_between(lower, UPPER).shape()
        modified = gateway.queries("GLENTRY")[0]
        assert shape_of(modified) == QueryRequestBuilder("GLENTRY").modified_between(lower, UPPER).after(lower, 40).shape()
        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [41]
        assert states_of(output, STREAM)[-1] == {"WHENMODIFIED": NOW}

    def test_future_state_reads_nothing_new_and_keeps_its_cursor(self, gateway):
        state = {STREAM: {"WHENMODIFIED": "2099-01-01T00:00:00Z"}}
        gateway.reply("query GLENTRY", empty_page())

        output = read_streams(ConfigBuilder().with_lookback_minutes(0).build(), [STREAM], SyncMode.incremental, state)

        assert records_of(output, STREAM) == []
        assert states_of(output, STREAM)[-1] == {"WHENMODIFIED": "2099-01-01T00:00:00Z"}

    def test_start_date_floors_the_lookback(self, gateway):
        state = {STREAM: {"WHENMODIFIED": "2026-11-20T10:00:00Z"}}
        gateway.reply("query GLENTRY", empty_page())

        read_streams(ConfigBuilder().with_start_date("2026-11-20T09:30:00Z").build(), [STREAM], SyncMode.incremental, state)

        assert gateway.queries("GLENTRY")[0].filter.startswith("and(greaterthanorequalto(WHENMODIFIED, 11/20/2026 01:30:00)")
