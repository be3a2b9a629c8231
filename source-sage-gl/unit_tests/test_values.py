"""Wire-value typing, time-zone conversion and config validation."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_sage_gl.config import IntacctConfig, validate_gateway_url
from source_sage_gl.values import IntacctClock, IntacctValueError, RecordParser, zone_from_gmtoffset
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


def test_record_parser_types_values_from_the_schema():
    parser = RecordParser({
        "N": {"type": ["null", "integer"]}, "A": {"type": ["null", "number"]}, "B": {"type": ["null", "boolean"]},
        "D": {"type": ["null", "string"], "format": "date"}, "S": {"type": "string"},
    }, IntacctClock(timezone.utc))
    from lxml import etree
    record = parser.parse(etree.fromstring("<X><N>-1</N><A>1,234.50</A><B>false</B><D>02/28/2026</D><S></S><EXTRA>x</EXTRA></X>"))
    assert record == {"N": -1, "A": 1234.5, "B": False, "D": "2026-02-28", "S": None, "EXTRA": "x"}
    with pytest.raises(IntacctValueError, match="X.N"):
        parser.parse(etree.fromstring("<X><N>abc</N></X>"))


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
