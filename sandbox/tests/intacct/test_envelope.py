"""Gateway-level behaviour: the endpoint, malformed and unsafe XML, gateway errors, fault bodies."""

import pytest
from lxml import etree

from conftest import ENDPOINT, errors_of

GOOD_CONTROL = ("<control><senderid>sandbox_sender</senderid><password>sandbox-sender-secret</password>"
                "<controlid>c</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>")
LOGIN = ("<authentication><login><userid>ws_sandbox</userid><companyid>NORTHWIND-FS</companyid>"
         "<password>sandbox-user-secret</password></login></authentication>")


def gateway_error(response) -> tuple[int, str, str]:
    root = etree.fromstring(response.body)
    assert root.findtext("control/status") == "failure"
    assert root.find("control/senderid") is None
    return response.status, root.findtext("errormessage/error/errorno"), root.findtext("errormessage/error/description")


def test_unparsable_body_is_xl03000003_at_control_level(gateway):
    response = gateway.post(b"<request><control></request>")
    assert response.status == 200
    assert response.headers["Content-Type"] == 'text/xml; encoding="UTF-8";charset=UTF-8'
    root = etree.fromstring(response.body)
    assert root.findtext("control/status") == "failure"
    [(errorno, text)] = errors_of(root)
    assert errorno == "XL03000003"
    assert text.startswith("XML Parse schema error: ") and "[Support ID: " in text and text.endswith("]")


@pytest.mark.parametrize("body", [
    "<request><operation>" + LOGIN + "<content><function controlid='x'><getAPISession/></function></content>"
    "</operation></request>",  # no <control>
    "<request>" + GOOD_CONTROL + "</request>",  # no <operation>
    "<request>" + GOOD_CONTROL + "<operation><content><function controlid='x'><getAPISession/></function>"
    "</content></operation></request>",  # no <authentication>
    "<request>" + GOOD_CONTROL + "<operation>" + LOGIN + "<content></content></operation></request>",  # no function
    "<notarequest/>",
])
def test_a_request_that_is_not_a_gateway_request_is_gw_0011(gateway, body):
    status, errorno, description = gateway_error(gateway.post(body))
    assert (status, errorno) == (400, "GW-0011")
    assert description.startswith("Invalid Request [Request ID: ")


def test_only_post_is_accepted(gateway):
    assert gateway_error(gateway.post(b"", method="GET"))[:2] == (400, "GW-0011")


def test_other_paths_are_not_found(gateway):
    assert gateway.post(b"<request/>", path="/ia/xml/other.phtml").status == 404


def test_external_entities_are_never_resolved(gateway, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE request [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            f"<request>{GOOD_CONTROL}<operation>{LOGIN}<content><function controlid='x'><lookup><object>&xxe;"
            "</object></lookup></function></content></operation></request>")
    response = gateway.post(body)
    assert b"TOP-SECRET" not in response.body
    assert errors_of(etree.fromstring(response.body))[0][0] == "XL03000003"


def test_billion_laughs_is_rejected_without_expansion(gateway):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE request [{entities}]><request>{GOOD_CONTROL}<operation>{LOGIN}'
            "<content><function controlid='x'><lookup><object>&lol9;</object></lookup></function></content>"
            "</operation></request>")
    response = gateway.post(body)
    assert response.status == 200 and len(response.body) < 2000
    assert errors_of(etree.fromstring(response.body))[0][0] == "XL03000003"


def test_unsupported_function_fails_only_its_result(gateway, session):
    root = gateway.call("<readByQuery><object>GLENTRY</object></readByQuery>", "<getDimensions/>", session=session)
    statuses = [result.findtext("status") for result in root.findall("operation/result")]
    assert statuses == ["failure", "success"]


def test_rate_limit_fault_body_is_gw_0010(emulator):
    response = emulator.fault_response("rate_limit", 429)
    assert gateway_error(response)[:2] == (429, "GW-0010")
    assert response.headers["Content-Type"] == 'text/xml; encoding="UTF-8";charset=UTF-8'


@pytest.mark.parametrize("status", [502, 503, 524])
def test_5xx_fault_bodies_are_cloudflare_pages(emulator, status):
    response = emulator.fault_response("status", status)
    assert response.status == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert f"Error code {status}".encode() in response.body and b"cloudflare" in response.body


def test_4xx_status_fault_is_a_gateway_error(emulator):
    assert gateway_error(emulator.fault_response("status", 400))[:2] == (400, "GW-0011")


def test_endpoint_constant_is_the_real_path():
    assert ENDPOINT == "/ia/xml/xmlgw.phtml"
