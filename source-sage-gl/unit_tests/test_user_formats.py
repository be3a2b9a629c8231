"""Every date format and clock `readUserFormatting` can report: values and filters written and read exactly,
unsupported formats refused before any data is read, values that do not fit refused by stream, field and value."""

import logging
from datetime import date, datetime

import pytest
from airbyte_cdk.models import FailureType, Status
from freezegun import freeze_time

from source_sage_gl import SourceSageGl
from source_sage_gl.formats import UnsupportedFormat, UserFormats
from source_sage_gl.values import IntacctClock, zone_from_gmtoffset
from unit_tests.config_builder import ConfigBuilder
from unit_tests.helpers import read_streams, records_of
from unit_tests.response_builder import QueryResponseBuilder, user_formatting_response

STREAM = "journal_entry_lines"
NOW = "2026-11-25T12:00:00Z"
CHRISTMAS_EVENING = datetime(2026, 12, 25, 20, 41, 21)

# (dateformat, clock) → how Christmas 2026 at 20:41:21 is written
WRITTEN = {
    ("/mdY", "24"): "12/25/2026 20:41:21",
    ("/dmY", "24"): "25/12/2026 20:41:21",
    ("-dmY", "24"): "25-12-2026 20:41:21",
    (".Ymd", "24"): "2026.12.25 20:41:21",
    ("-Ymd", "24"): "2026-12-25 20:41:21",
    (" mdY", "24"): "12 25 2026 20:41:21",
    ("/mdY", "12"): "12/25/2026 08:41:21 PM",
    (".dmY", "12"): "25.12.2026 08:41:21 PM",
    (" Ymd", "12"): "2026 12 25 08:41:21 PM",
}


@pytest.mark.parametrize("dateformat, clock", list(WRITTEN))
def test_every_format_writes_and_reads_back_the_same_moment(dateformat, clock):
    formats = UserFormats(dateformat, clock)

    assert formats.timestamp_text(CHRISTMAS_EVENING) == WRITTEN[(dateformat, clock)]
    assert formats.read_timestamp(WRITTEN[(dateformat, clock)]) == CHRISTMAS_EVENING
    assert formats.read_date(formats.date_text(date(2026, 12, 25))) == date(2026, 12, 25)
    assert formats.read_timestamp(formats.date_text(date(2026, 2, 3))) == datetime(2026, 2, 3)  # a date alone: midnight


@pytest.mark.parametrize("dateformat, text, day", [
    ("/dmY", "25/12/2026", date(2026, 12, 25)), ("/dmY", "05/12/2026", date(2026, 12, 5)),
    ("/mdY", "05/12/2026", date(2026, 5, 12)), ("-dmY", "13-01-2026", date(2026, 1, 13)),
    (".Ymd", "2026.01.31", date(2026, 1, 31)), ("/mdY", "1/2/2026", date(2026, 1, 2)),  # unpadded, as the UI shows
])
def test_day_and_month_are_read_in_the_users_order(dateformat, text, day):
    assert UserFormats(dateformat).read_date(text) == day


@pytest.mark.parametrize("dateformat, text", [
    ("/mdY", "25/12/2026"),   # day first in a month-first format: no month 25, not silently 2026-25-12
    ("/dmY", "12/25/2026"),   # month first in a day-first format
    ("/mdY", "12-25-2026"),   # another separator
    ("-dmY", "2026-12-25"),   # another order
    (".Ymd", "26.12.25"),     # a two-digit year
    ("/mdY", "02/30/2026"),   # not a calendar date
    ("/mdY", "12/25/2026 "),  # trailing text
    ("/mdY", "12/25/2026\n"),
    ("/mdY", "١٢/25/2026"),   # digits of another script
])
def test_a_date_not_in_the_users_format_is_an_error_naming_the_value(dateformat, text):
    with pytest.raises(ValueError, match=f"'{text}'"):
        UserFormats(dateformat).read_date(text)


@pytest.mark.parametrize("text, hour, minute", [
    ("12:00:00 AM", 0, 0), ("12:59:59 AM", 0, 59), ("01:00:00 AM", 1, 0), ("11:59:59 AM", 11, 59),
    ("12:00:00 PM", 12, 0), ("12:30:00 PM", 12, 30), ("01:00:00 PM", 13, 0), ("11:59:59 PM", 23, 59),
    ("8:05:00 pm", 20, 5),
])
def test_twelve_hour_clock_reads_midnight_and_noon_right(text, hour, minute):
    moment = UserFormats("/mdY", "12").read_timestamp(f"03/01/2026 {text}")
    assert (moment.day, moment.hour, moment.minute) == (1, hour, minute)


@pytest.mark.parametrize("hour, written", [(0, "12:00:00 AM"), (1, "01:00:00 AM"), (11, "11:00:00 AM"),
                                           (12, "12:00:00 PM"), (13, "01:00:00 PM"), (23, "11:00:00 PM")])
def test_twelve_hour_clock_writes_midnight_and_noon_right(hour, written):
    assert UserFormats("/mdY", "12").timestamp_text(datetime(2026, 3, 1, hour)) == f"03/01/2026 {written}"


@pytest.mark.parametrize("clock, text", [
    ("12", "03/01/2026 20:41:21"),     # a 24-hour time on a 12-hour clock
    ("12", "03/01/2026 00:30:00 AM"),  # no hour 0 on a 12-hour clock
    ("12", "03/01/2026 13:00:00 PM"),
    ("24", "03/01/2026 08:41:21 PM"),  # a 12-hour time on a 24-hour clock
    ("24", "03/01/2026 24:00:00"),
])
def test_a_time_not_on_the_users_clock_is_an_error(clock, text):
    with pytest.raises(ValueError, match=f"'{text}'"):
        UserFormats("/mdY", clock).read_timestamp(text)


@pytest.mark.parametrize("dateformat, clock, message", [
    (".ymd", "24", "two-digit years"), ("/mdy", "24", "two-digit years"), ("-dmy", "12", "two-digit years"),
    ("/Ydm", "24", "not one Sage Intacct offers"), ("_mdY", "24", "not one Sage Intacct offers"),
    ("MM/DD/YYYY", "24", "not one Sage Intacct offers"), ("/mdY", "36", "neither 12 nor 24"),
])
def test_unsupported_formats_are_refused_by_name(dateformat, clock, message):
    with pytest.raises(UnsupportedFormat, match=message) as error:
        UserFormats(dateformat, clock)
    assert f"'{dateformat if message != 'neither 12 nor 24' else clock}'" in str(error.value)


@pytest.mark.parametrize("offset, written, utc", [
    ("+05:30", "01.01.2027 03:00:00", "2026-12-31T21:30:00Z"),  # India: the UTC day is the day before
    ("+09:30", "01.01.2027 09:29:59", "2026-12-31T23:59:59Z"),  # the documented example offset
    ("-08:00", "31.12.2026 16:00:00", "2027-01-01T00:00:00Z"),  # Pacific: the UTC day is the day after
    ("+00:00", "31.12.2026 23:59:59", "2026-12-31T23:59:59Z"),
])
def test_fixed_offsets_convert_both_ways_across_the_year_end(offset, written, utc):
    clock = IntacctClock(zone_from_gmtoffset(offset), UserFormats(".dmY"))

    assert clock.timestamp(written) == utc
    assert clock.to_wire(datetime.fromisoformat(utc.replace("Z", "+00:00"))) == written


def test_a_fixed_offset_has_no_daylight_saving():
    clock = IntacctClock(zone_from_gmtoffset("-08:00"), UserFormats("-dmY", "12"))
    assert clock.timestamp("01-07-2026 04:00:00 AM") == "2026-07-01T12:00:00Z"  # July, still UTC-8
    assert clock.timestamp("15-01-2026 04:00:00 AM") == "2026-01-15T12:00:00Z"


def _check(config):
    return SourceSageGl().check(logging.getLogger("airbyte"), config)


def _line(**fields):
    return QueryResponseBuilder("GLENTRY").with_record(RECORDNO="1", **fields).build()


@freeze_time(NOW)
class TestReadInTheUsersFormats:
    def test_values_and_filters_use_the_users_format_clock_and_offset(self, gateway):
        gateway.reply("readUserFormatting", user_formatting_response("-dmY", "12", "+05:30"))
        gateway.reply("query GLENTRY", _line(ENTRY_DATE="31-03-2026", WHENCREATED="31-03-2026 12:11:21 AM",
                                             WHENMODIFIED="13-04-2026 08:41:21 PM"))

        output = read_streams(ConfigBuilder().build(), [STREAM])

        record = records_of(output, STREAM)[0]
        assert record["ENTRY_DATE"] == "2026-03-31"
        assert record["WHENCREATED"] == "2026-03-30T18:41:21Z"  # 00:11:21 at UTC+5:30
        assert record["WHENMODIFIED"] == "2026-04-13T15:11:21Z"  # 20:41:21 at UTC+5:30
        # start 2026-01-01T00:00Z and the sync start 12:00Z, on the user's clock and in the user's format
        assert gateway.queries("GLENTRY")[0].filter == (
            "and(greaterthanorequalto(WHENMODIFIED, 01-01-2026 05:30:00 AM), "
            "lessthanorequalto(WHENMODIFIED, 25-11-2026 05:30:00 PM))")
        assert gateway.count("readUserFormatting") == 1 and gateway.count("getAPISession") == 1

    def test_the_timezone_option_replaces_only_the_offset_not_the_format(self, gateway):
        gateway.reply("readUserFormatting", user_formatting_response(".Ymd", "24", "-08:00"))
        gateway.reply("query GLENTRY", _line(ENTRY_DATE="2026.07.01", WHENCREATED="2026.07.01 12:00:00",
                                             WHENMODIFIED="2026.07.01 12:00:00"))

        output = read_streams(ConfigBuilder().with_timezone("America/New_York").build(), [STREAM])

        record = records_of(output, STREAM)[0]
        assert record["ENTRY_DATE"] == "2026-07-01"
        assert record["WHENMODIFIED"] == "2026-07-01T16:00:00Z"  # EDT, UTC-4 in July, not the reported UTC-8
        assert gateway.count("readUserFormatting") == 1
        assert gateway.queries("GLENTRY")[0].filter.endswith("lessthanorequalto(WHENMODIFIED, 2026.11.25 07:00:00))")

    def test_a_value_not_in_the_users_format_fails_naming_stream_field_and_value(self, gateway):
        gateway.reply("readUserFormatting", user_formatting_response("/dmY"))
        gateway.reply("query GLENTRY", _line(ENTRY_DATE="12/25/2026", WHENCREATED="25/12/2026 10:00:00",
                                             WHENMODIFIED="25/12/2026 10:00:00"))  # ENTRY_DATE month first

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        assert records_of(output, STREAM) == []
        error = [message.trace.error for message in output.errors if message.trace.error.stream_descriptor][0]
        assert error.failure_type == FailureType.system_error
        assert STREAM in error.message and "ENTRY_DATE" in error.message and "'12/25/2026'" in error.message

    @pytest.mark.parametrize("dateformat, clock, named", [(".ymd", "24", "'.ymd'"), ("/mdY", "36", "'36'"),
                                                          ("%d.%m.%Y", "24", "'%d.%m.%Y'")])
    def test_an_unsupported_format_ends_the_read_with_one_config_error_before_any_query(self, gateway, dateformat,
                                                                                         clock, named):
        gateway.reply("readUserFormatting", user_formatting_response(dateformat, clock))

        output = read_streams(ConfigBuilder().build(), [STREAM, "gl_accounts", "deleted_records"],
                              expecting_exception=True)

        assert len(output.errors) == 1
        error = output.errors[0].trace.error
        assert error.failure_type == FailureType.config_error and named in error.message
        assert gateway.queries() == [] and output.records == []


@freeze_time(NOW)
class TestCheckReadsTheFormats:
    def test_an_unsupported_format_fails_check_with_the_format_named(self, gateway):
        gateway.reply("readUserFormatting", user_formatting_response(".ymd"))

        status = _check(ConfigBuilder().build())

        assert status.status == Status.FAILED
        assert "'.ymd'" in status.message and "YY.MM.DD" in status.message and "four-digit year" in status.message
        assert gateway.queries() == []

    @pytest.mark.parametrize("dateformat, clock", [("-dmY", "12"), (" Ymd", "24")])
    def test_a_supported_format_passes_check(self, gateway, dateformat, clock):
        gateway.reply("readUserFormatting", user_formatting_response(dateformat, clock))
        gateway.reply("query GLACCOUNT", QueryResponseBuilder("GLACCOUNT").with_record(RECORDNO="1").build())

        assert _check(ConfigBuilder().build()).status == Status.SUCCEEDED
        assert gateway.count("readUserFormatting") == 1
