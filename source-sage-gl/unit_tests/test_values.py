"""Wire-value typing, time-zone conversion and config validation."""

import json
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from lxml import etree

import source_sage_gl

from source_sage_gl.config import IntacctConfig, validate_gateway_url
from source_sage_gl.values import (
    DECIMAL_SCHEMA,
    IntacctClock,
    IntacctValueError,
    RecordParser,
    exact_decimal,
    zone_from_gmtoffset,
)
from unit_tests.config_builder import ConfigBuilder


@pytest.mark.parametrize("text, hours", [("-08:00", -8), ("-8", -8), ("-0800", -8), ("+05:30", 5.5), ("5.5", 5.5), ("0", 0)])
def test_gmtoffset_forms(text, hours):
    offset = zone_from_gmtoffset(text).utcoffset(None)
    assert offset.total_seconds() == hours * 3600


def test_clock_round_trips_and_handles_daylight_saving():
    clock = IntacctClock(ZoneInfo("America/Los_Angeles"))
    assert clock.timestamp("07/01/2026 05:00:00") == "2026-07-01T12:00:00Z"  # PDT
    assert clock.timestamp("01/15/2026 04:00:00") == "2026-01-15T12:00:00Z"  # PST
    assert clock.to_wire(datetime(2026, 7, 1, 12, tzinfo=timezone.utc)) == "07/01/2026 05:00:00"


@pytest.mark.parametrize("zone, text, utc", [
    (ZoneInfo("America/Los_Angeles"), "03/08/2026 02:30:00", "2026-03-08T10:30:00Z"),  # the skipped hour: PST's offset
    (ZoneInfo("America/Los_Angeles"), "11/01/2026 01:30:00", "2026-11-01T08:30:00Z"),  # the repeated hour: its first (PDT)
    (ZoneInfo("America/Los_Angeles"), "11/01/2026 02:00:00", "2026-11-01T10:00:00Z"),  # after it: PST
    (zone_from_gmtoffset("+5.333"), "01/01/2026 00:00:00", "2025-12-31T18:40:01Z"),  # 5:19:58.8: cut to the second
])
def test_clock_converts_daylight_saving_changes_and_odd_offsets_as_python_does(zone, text, utc):
    local = datetime.strptime(text, "%m/%d/%Y %H:%M:%S").replace(tzinfo=zone)
    assert local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") == utc  # what `astimezone` makes of it
    assert IntacctClock(zone).timestamp(text) == utc


def test_clock_answers_a_text_read_again_alike_and_keeps_refusing_a_bad_one():
    clock = IntacctClock(ZoneInfo("America/Los_Angeles"))
    for _ in range(2):  # the second answer comes from what the clock remembers
        assert clock.timestamp("07/01/2026 05:00:00") == "2026-07-01T12:00:00Z"
        assert clock.timestamp("07/01/2026") == "2026-07-01T07:00:00Z"  # a date alone: local midnight
        assert clock.date("07/01/2026") == "2026-07-01"
        with pytest.raises(IntacctValueError, match="'13/01/2026 05:00:00' is not a calendar date"):
            clock.timestamp("13/01/2026 05:00:00")
        with pytest.raises(IntacctValueError, match="'07/01/2026 25:00:00' is not a time of day"):
            clock.timestamp("07/01/2026 25:00:00")


def test_record_parser_types_values_from_the_schema():
    parser = RecordParser({
        "N": {"type": ["null", "integer"]}, "A": DECIMAL_SCHEMA, "B": {"type": ["null", "boolean"]},
        "D": {"type": ["null", "string"], "format": "date"}, "S": {"type": "string"},
    }, IntacctClock(timezone.utc))
    record = parser.parse(etree.fromstring("<X><N>-1</N><A>1,234.50</A><B>false</B><D>02/28/2026</D><S></S><EXTRA>x</EXTRA></X>"))
    assert record == {"N": -1, "A": "1234.50", "B": False, "D": "2026-02-28", "S": None, "EXTRA": "x"}
    with pytest.raises(IntacctValueError, match="X record 1 of the page, field N: 'abc' is not an integer"):
        parser.parse(etree.fromstring("<X><N>abc</N></X>"))


@pytest.mark.parametrize("text, exact", [
    ("12345678901234567.89", "12345678901234567.89"), ("0.1", "0.1"), ("0.30", "0.30"), ("-1,234.50", "-1234.50"),
    ("1E+3", "1000"), ("-0.00", "-0.00"), ("99999999999999999999999999999.999999999", "99999999999999999999999999999.999999999"),
    ("1.50000000000000", "1.50000000000000"),  # trailing zeros are not digits DECIMAL(38,9) would lose
])
def test_decimals_keep_every_digit(text, exact):
    assert exact_decimal(text) == exact


@pytest.mark.parametrize("text", ["NaN", "nan", "-NaN", "sNaN", "Inf", "-Infinity", "infinity", "abc", "1.2.3", "12,34a"])
def test_non_numbers_and_non_finite_numbers_are_refused(text):
    with pytest.raises(IntacctValueError, match="is not a (finite )?number"):
        exact_decimal(text)


@pytest.mark.parametrize("text", ["100000000000000000000000000000", "0.0000000001", "1E+999999999", "-1E-10"])
def test_decimals_beyond_decimal_38_9_are_refused_not_rounded_downstream(text):
    with pytest.raises(IntacctValueError, match="more digits than DECIMAL\\(38,9\\)"):
        exact_decimal(text)


@pytest.mark.parametrize("text", ["true", "yes", "2", "T"])
def test_booleans_accept_only_what_intacct_writes(text):
    parser = RecordParser({"B": {"type": ["null", "boolean"]}}, IntacctClock(timezone.utc))
    if text == "2":
        with pytest.raises(IntacctValueError, match="field B: '2' is not a boolean"):
            parser.parse(etree.fromstring(f"<X><B>{text}</B></X>"))
    else:
        assert parser.parse(etree.fromstring(f"<X><B>{text}</B></X>"))["B"] is True


def test_a_bad_value_names_the_record_by_its_key_and_the_field():
    parser = RecordParser({"RECORDNO": {"type": "integer"}, "AMOUNT": DECIMAL_SCHEMA}, IntacctClock(timezone.utc),
                          primary_key="RECORDNO")
    with pytest.raises(IntacctValueError, match="GLENTRY RECORDNO 77, field AMOUNT: 'Inf' is not a finite number"):
        parser.parse(etree.fromstring("<GLENTRY><RECORDNO>77</RECORDNO><AMOUNT>Inf</AMOUNT></GLENTRY>"), 3)


@pytest.mark.parametrize("xml", ["<GLENTRY><AMOUNT>1.00</AMOUNT></GLENTRY>", "<GLENTRY><RECORDNO> </RECORDNO></GLENTRY>"])
def test_a_record_without_its_primary_key_is_refused_naming_its_position(xml):
    parser = RecordParser({"RECORDNO": {"type": "integer"}, "AMOUNT": DECIMAL_SCHEMA}, IntacctClock(timezone.utc),
                          primary_key="RECORDNO")
    with pytest.raises(IntacctValueError, match="GLENTRY record 4 of the page has no RECORDNO"):
        parser.parse(etree.fromstring(xml), 4)


@pytest.mark.parametrize("text", ["+99:00", "-13:00", "+14:30", "24", "-12:01"])
def test_gmtoffsets_beyond_the_worlds_time_zones_are_refused(text):
    with pytest.raises(IntacctValueError, match="outside UTC-12:00 to UTC\\+14:00"):
        zone_from_gmtoffset(text)


@pytest.mark.parametrize("text, hours", [("+14:00", 14), ("-12:00", -12)])
def test_the_widest_real_gmtoffsets_are_accepted(text, hours):
    assert zone_from_gmtoffset(text).utcoffset(None).total_seconds() == hours * 3600


def test_no_packaged_schema_declares_a_float_number():
    """A JSON `number` would be read as a float downstream; decimals are declared with DECIMAL_SCHEMA."""
    schemas = Path(source_sage_gl.__file__).parent / "schemas"
    for path in schemas.glob("*.json"):
        for name, prop in json.loads(path.read_text())["properties"].items():
            assert "number" not in prop.get("type", []), f"{path.name}: {name}"


@pytest.mark.parametrize("url", ["https://api.intacct.com/ia/xml/xmlgw.phtml", "http://127.0.0.1:8700/ia/xml/xmlgw.phtml",
                                 "http://localhost:1/x", "http://[::1]:8080/x"])
def test_gateway_urls_accepted(url):
    assert validate_gateway_url(url) == url


@pytest.mark.parametrize("url", ["http://api.intacct.com/ia/xml/xmlgw.phtml", "ftp://127.0.0.1/", "api.intacct.com",
                                 "http://10.0.0.5/x"])
def test_gateway_urls_refused(url):
    with pytest.raises(AirbyteTracedException, match="https"):
        validate_gateway_url(url)


@pytest.mark.parametrize("change, message", [
    ({"page_size": 2001}, "page_size"), ({"start_date": "yesterday"}, "start_date"),
    ({"timezone": "Mars/Olympus"}, "timezone"), ({"lookback_minutes": -1}, "lookback_minutes"),
    ({"user_password": ""}, "user_password"),
])
def test_bad_config_is_a_clear_config_error(change, message):
    with pytest.raises(AirbyteTracedException, match=message) as error:
        IntacctConfig.from_mapping({**ConfigBuilder().build(), **change})
    assert error.value.failure_type.name == "config_error"


def test_config_defaults():
    raw = ConfigBuilder().build()
    for key in ("page_size", "lookback_minutes", "endpoint_url"):
        raw.pop(key)
    config = IntacctConfig.from_mapping({**raw, "start_date": "2026-01-01"})
    assert config.page_size == 1000 and config.lookback.total_seconds() == 7200
    assert config.endpoint_url == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert config.start_date == datetime(2026, 1, 1, tzinfo=timezone.utc)
