"""The user's formatting setting: readUserFormatting, values written and filter values read in every format
Intacct offers, a value in another format refused, the setting changed over HTTP and restored by reset."""

import json
import signal
import subprocess
import sys

import pytest
import requests

from conftest import errors_of, records, recordnos
from sandbox import SandboxControl, running_sandbox
from sandbox.intacct.formatting import UserFormatting

HANDMADE = "<lessthan><field>RECORDNO</field><value>1000</value></lessthan>"
FIELDS = ("RECORDNO", "ENTRY_DATE", "WHENCREATED", "WHENMODIFIED")


def _line_1(gateway, session):
    """Line 1: ENTRY_DATE 2026-03-01, created 08:00 UTC (00:00 Pacific), modified 2026-03-02 07:30 UTC."""
    result = gateway.query(session, "GLENTRY", FIELDS, filter="<equalto><field>RECORDNO</field><value>1</value>"
                                                               "</equalto>")
    return records(result)[0]


def _user_formatting(gateway, session):
    result = gateway.call("<readUserFormatting><key>1</key></readUserFormatting>", session=session)
    return {child.tag: child.text for child in result.find("operation/result/data/userformatting")}


@pytest.mark.parametrize("settings, entry_date, created, modified", [
    ({}, "03/01/2026", "03/01/2026 00:00:00", "03/01/2026 23:30:00"),
    ({"intacct_dateformat": "-dmY"}, "01-03-2026", "01-03-2026 00:00:00", "01-03-2026 23:30:00"),
    ({"intacct_dateformat": ".Ymd"}, "2026.03.01", "2026.03.01 00:00:00", "2026.03.01 23:30:00"),
    ({"intacct_dateformat": " dmY"}, "01 03 2026", "01 03 2026 00:00:00", "01 03 2026 23:30:00"),
    ({"intacct_dateformat": ".ymd"}, "26.03.01", "26.03.01 00:00:00", "26.03.01 23:30:00"),
    ({"intacct_clock": "12"}, "03/01/2026", "03/01/2026 12:00:00 AM", "03/01/2026 11:30:00 PM"),
    ({"intacct_gmtoffset": "+05:30", "intacct_dateformat": "/dmY"},
     "01/03/2026", "01/03/2026 13:30:00", "02/03/2026 13:00:00"),
])
def test_values_are_written_in_the_users_formatting(emulator, gateway, session, settings, entry_date, created,
                                                     modified):
    emulator.apply_settings(settings)

    assert _line_1(gateway, session) == {"RECORDNO": "1", "ENTRY_DATE": entry_date, "WHENCREATED": created,
                                         "WHENMODIFIED": modified}
    expected = {**UserFormatting().settings(), **settings}
    assert _user_formatting(gateway, session) == {
        "locale": "en_US", "dateformat": expected["intacct_dateformat"],
        "gmtoffset": expected["intacct_gmtoffset"], "clock": expected["intacct_clock"]}


@pytest.mark.parametrize("settings, at, before", [
    ({"intacct_dateformat": "-dmY"}, "01-03-2026 23:30:00", "01-03-2026 23:29:59"),
    ({"intacct_dateformat": ".Ymd", "intacct_clock": "12"}, "2026.03.01 11:30:00 PM", "2026.03.01 11:29:59 PM"),
    ({"intacct_dateformat": "/dmY", "intacct_gmtoffset": "+05:30"}, "02/03/2026 13:00:00", "02/03/2026 12:59:59"),
])
def test_filter_values_are_read_in_the_users_formatting(emulator, gateway, session, settings, at, before):
    emulator.apply_settings(settings)

    def matches(operator, value):
        return recordnos(gateway.query(session, "GLENTRY", ("RECORDNO",), filter=(
            f"<and>{HANDMADE}<{operator}><field>WHENMODIFIED</field><value>{value}</value></{operator}></and>")))

    assert matches("equalto", at) == [1]
    assert matches("greaterthan", before) == [1, 5]
    assert matches("lessthan", before) == []


def test_twelve_hour_clock_reads_midnight_and_noon(emulator, gateway, session):
    emulator.apply_settings({"intacct_clock": "12"})

    def created_on_or_after(value):
        return recordnos(gateway.query(session, "GLENTRY", ("RECORDNO",), filter=(
            f"<and>{HANDMADE}<greaterthanorequalto><field>WHENCREATED</field><value>{value}</value>"
            "</greaterthanorequalto><lessthan><field>ENTRY_DATE</field><value>03/02/2026</value></lessthan></and>")))

    assert created_on_or_after("03/01/2026 12:00:00 AM") == [1]  # midnight: line 1 was created at 00:00
    assert created_on_or_after("03/01/2026 12:00:00 PM") == []   # noon


@pytest.mark.parametrize("settings, value", [
    ({"intacct_dateformat": "/dmY"}, "03/15/2026"),          # month first for a day-first user: no month 15
    ({"intacct_dateformat": "-dmY"}, "15/03/2026"),          # another separator
    ({"intacct_dateformat": ".Ymd"}, "03.15.2026"),          # another order
    ({"intacct_clock": "12"}, "03/01/2026 23:30:00"),         # a 24-hour time for a 12-hour user
    ({}, "03/01/2026 11:30:00 PM"),                          # a 12-hour time for a 24-hour user
])
def test_a_filter_value_in_another_format_is_an_invalid_value(emulator, gateway, session, settings, value):
    emulator.apply_settings(settings)
    field = "WHENMODIFIED" if ":" in value else "ENTRY_DATE"

    result = gateway.query(session, "GLENTRY", ("RECORDNO",), filter=(
        f"<equalto><field>{field}</field><value>{value}</value></equalto>"))

    assert result.findtext("status") == "failure"
    assert [e[1] for e in errors_of(result)] == [
        f"Invalid value '{value}' for field {field} of type {'TIMESTAMP' if field == 'WHENMODIFIED' else 'DATE'}"]


@pytest.mark.parametrize("settings, message", [
    ({"intacct_dateformat": "/Ydm"}, "'/Ydm'"), ({"intacct_dateformat": "MM/DD/YYYY"}, "'MM/DD/YYYY'"),
    ({"intacct_clock": "36"}, "'36'"), ({"intacct_gmtoffset": "-8"}, "'-8'"),
    ({"intacct_gmtoffset": "+15:00"}, "at most 14 hours"),
])
def test_bad_settings_are_refused_and_change_nothing(emulator, settings, message):
    before = emulator.settings()
    with pytest.raises(ValueError, match=message):
        emulator.apply_settings(settings)
    assert emulator.settings() == before


def test_reset_restores_the_start_formatting(store, faults):
    from sandbox.intacct import IntacctEmulator
    emulator = IntacctEmulator(store, faults, user_formatting=UserFormatting.from_settings("-dmY", "12", "+01:00"))
    emulator.apply_settings({"intacct_dateformat": "/mdY", "intacct_clock": "24"})
    emulator.reset()
    assert emulator.settings() == {"intacct_dateformat": "-dmY", "intacct_clock": "12",
                                   "intacct_gmtoffset": "+01:00"}


def test_the_setting_over_http_start_option_settings_endpoint_and_reset():
    with running_sandbox(scale=0.02, seed=3, intacct_dateformat=".Ymd", intacct_clock="12") as small:
        control = small.control
        assert {key: value for key, value in control.settings().items() if key.startswith("intacct_")} == {
            "intacct_dateformat": ".Ymd", "intacct_clock": "12", "intacct_gmtoffset": "-08:00"}
        assert control.update_settings(intacct_dateformat="-dmY", intacct_gmtoffset="+05:30")["intacct_dateformat"] \
            == "-dmY"
        refused = requests.post(f"{small.base_url}/_sandbox/settings", json={"intacct_clock": "13"}, timeout=30)
        assert refused.status_code == 400 and "'13'" in refused.json()["error"]
        assert control.settings()["intacct_clock"] == "12"
        control.reset()
        assert control.settings()["intacct_dateformat"] == ".Ymd"
        assert control.settings()["intacct_gmtoffset"] == "-08:00"


def test_serve_takes_the_formatting_options_and_refuses_a_bad_one():
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--scale", "0.02",
                                "--intacct-dateformat", " dmY", "--intacct-clock", "12",
                                "--intacct-gmtoffset", "+09:30"], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(process.stdout.readline())
        settings = SandboxControl(info["base_url"]).settings()
        assert (settings["intacct_dateformat"], settings["intacct_clock"], settings["intacct_gmtoffset"]) == (
            " dmY", "12", "+09:30")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    bad = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--scale", "0.02",
                          "--intacct-dateformat", "dd.mm.yyyy"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "'dd.mm.yyyy'" in bad.stderr
