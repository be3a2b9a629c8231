"""The `malformed_value` fault: one field of a vendor answer rewritten, every other byte as the emulator wrote it."""

import pytest
import requests

from sandbox import running_sandbox
from sandbox.malformed import inject

HARVEST_PAGE = (b'{"time_entries": [{"id": 1, "hours": 2.50, "cost_rate": 12345678901234567.89}, {"id": 2, "hours": 1.25}],'
                b' "per_page": 2000, "links": {"next": null}}')


@pytest.mark.parametrize("field, raw, expected", [
    ("hours", "NaN", b'{"id": 1, "hours": NaN, "cost_rate": 12345678901234567.89}'),
    ("hours", '"abc"', b'{"id": 1, "hours": "abc", "cost_rate": 12345678901234567.89}'),
    ("id", "null", b'{"id": null, "hours": 2.50, "cost_rate": 12345678901234567.89}'),
])
def test_json_answers_get_the_raw_value_in_the_first_record_and_keep_every_other_digit(field, raw, expected):
    injected = inject(HARVEST_PAGE, "application/json; charset=utf-8", field, raw)
    assert injected.startswith(b'{"time_entries": [' + expected + b', {"id": 2, "hours": 1.25}]')
    assert injected.endswith(b'"per_page": 2000, "links": {"next": null}}')


def test_xml_answers_get_the_text_of_the_first_element_of_that_name():
    page = b"<data><GLENTRY><RECORDNO>1</RECORDNO><AMOUNT>5.00</AMOUNT></GLENTRY><GLENTRY><AMOUNT/></GLENTRY></data>"
    assert inject(page, "text/xml", "AMOUNT", "NaN") == page.replace(b"5.00", b"NaN")
    assert inject(b"<data><X><AMOUNT/></X></data>", "text/xml", "AMOUNT", "a<b") == b"<data><X><AMOUNT>a&lt;b</AMOUNT></X></data>"


@pytest.mark.parametrize("body, content_type", [(HARVEST_PAGE, "application/json"), (b"<data><X/></data>", "text/xml"),
                                                (b"not json", "application/json"), (HARVEST_PAGE, "text/html")])
def test_an_answer_without_the_field_is_left_alone(body, content_type):
    assert inject(body, content_type, "AMOUNT" if "xml" in content_type else "nowhere", "NaN") is None


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(scale=0.1, seed=5) as sb:
        yield sb


def test_over_http_the_fault_fires_only_on_answers_that_hold_the_field(sandbox):
    sandbox.control.reset()
    generic = sandbox.credentials["generic"]["provider"]
    headers = {"Authorization": f"Bearer {generic['auth']['token']}"}
    entries = f"{sandbox.base_url}{generic['entries_path']}"
    sandbox.control.set_fault("malformed_value", field="hours", value="Infinity", count=1)

    first = requests.get(entries, params={"limit": 2}, headers=headers)
    second = requests.get(entries, params={"limit": 2}, headers=headers)

    assert b'"hours":Infinity' in first.content.replace(b" ", b"")
    assert b"Infinity" not in second.content
    assert sandbox.control.faults() == {"faults": [], "fired": {"malformed_value": 1}}


def test_intacct_gmtoffset_can_be_made_impossible(sandbox):
    sandbox.control.reset()
    sandbox.control.set_fault("malformed_value", field="gmtoffset", value="+99:00", count=1, paths=["/ia/"])
    intacct = sandbox.credentials["intacct"]
    login = (f'<?xml version="1.0" encoding="UTF-8"?><request><control><senderid>{intacct["sender_id"]}</senderid>'
             f'<password>{intacct["sender_password"]}</password><controlid>c</controlid><uniqueid>false</uniqueid>'
             f'<dtdversion>3.0</dtdversion></control><operation><authentication><login><userid>{intacct["user_id"]}'
             f'</userid><companyid>{intacct["company_id"]}</companyid><password>{intacct["user_password"]}</password>'
             f'</login></authentication><content><function controlid="f"><getAPISession/></function></content>'
             f'</operation></request>')

    answer = requests.post(intacct["endpoint_url"], data=login.encode(), headers={"Content-Type": "application/xml"})

    assert answer.status_code == 200 and b"<sessionid>" in answer.content
    assert sandbox.control.faults()["fired"] == {}  # a login answer has no gmtoffset: the fault is still armed
