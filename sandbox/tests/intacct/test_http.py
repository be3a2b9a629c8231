"""The emulator behind the real sandbox server: endpoint, request counts, faults through the control API."""

import pytest
import requests
from lxml import etree

from sandbox import running_sandbox


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(scale=0.05, seed=7) as sb:
        yield sb


@pytest.fixture
def sb(sandbox):
    sandbox.control.reset()
    sandbox.control.clear_faults()
    return sandbox


def post(url, credentials, function, session=None):
    auth = (f"<sessionid>{session}</sessionid>" if session else
            f"<login><userid>{credentials['user_id']}</userid><companyid>{credentials['company_id']}</companyid>"
            f"<password>{credentials['user_password']}</password></login>")
    body = (f'<?xml version="1.0" encoding="UTF-8"?><request><control><senderid>{credentials["sender_id"]}</senderid>'
            f"<password>{credentials['sender_password']}</password><controlid>t</controlid></control><operation>"
            f"<authentication>{auth}</authentication><content><function controlid='f'>{function}</function>"
            "</content></operation></request>")
    return requests.post(url, data=body.encode(), headers={"Content-Type": "application/xml"}, timeout=30)


def login(sb) -> tuple[str, str]:
    credentials = sb.credentials["intacct"]
    response = post(credentials["endpoint_url"], credentials, "<getAPISession/>")
    api = etree.fromstring(response.content).find("operation/result/data/api")
    return api.findtext("sessionid"), api.findtext("endpoint")


def test_login_then_query_over_http_and_the_calls_are_counted(sb):
    credentials = sb.credentials["intacct"]
    session, endpoint = login(sb)
    assert endpoint == sb.info["intacct"] == credentials["endpoint_url"]
    query = ("<query><object>GLBATCH</object><select><field>RECORDNO</field></select>"
             "<options><showprivate>true</showprivate></options><pagesize>5</pagesize></query>")
    response = post(endpoint, credentials, query, session)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == 'text/xml; encoding="UTF-8";charset=UTF-8'
    data = etree.fromstring(response.content).find("operation/result/data")
    assert int(data.get("totalcount")) == sb.control.truth("glbatch")["count"]
    assert len(data) == 5
    counts = sb.control.requests()
    assert counts["intacct"] == {"getAPISession": 1, "query:GLBATCH": 1}
    assert counts["by_path"]["/ia/xml/xmlgw.phtml"] == 2


def test_a_refused_sign_in_is_counted_too(sb):
    credentials = {**sb.credentials["intacct"], "user_password": "wrong"}

    response = post(credentials["endpoint_url"], credentials, "<getAPISession/>")

    assert etree.fromstring(response.content).findtext("operation/authentication/status") == "failure"
    assert sb.control.requests()["intacct"] == {"getAPISession": 1}


def test_rate_limit_fault_answers_429_with_gw_0010(sb):
    sb.control.set_fault("rate_limit", count=1, paths=["/ia/xml"])
    credentials = sb.credentials["intacct"]
    limited = post(credentials["endpoint_url"], credentials, "<getAPISession/>")
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert etree.fromstring(limited.content).findtext("errormessage/error/errorno") == "GW-0010"
    assert post(credentials["endpoint_url"], credentials, "<getAPISession/>").status_code == 200


def test_502_fault_is_a_cloudflare_page(sb):
    sb.control.set_fault("status", status=502, count=1, paths=["/ia/xml"])
    credentials = sb.credentials["intacct"]
    response = post(credentials["endpoint_url"], credentials, "<getAPISession/>")
    assert response.status_code == 502 and b"cloudflare" in response.content


def test_expired_session_fault_through_the_control_api(sb):
    credentials = sb.credentials["intacct"]
    session, endpoint = login(sb)
    sb.control.set_fault("expired_session", count=1)
    refused = etree.fromstring(post(endpoint, credentials, "<getDimensions/>", session).content)
    assert refused.findtext("operation/errormessage/error/errorno") == "XL03000006"
    fresh, _ = login(sb)
    accepted = etree.fromstring(post(endpoint, credentials, "<getDimensions/>", fresh).content)
    assert accepted.findtext("operation/result/status") == "success"


def test_missing_control_is_http_400_gw_0011(sb):
    response = requests.post(sb.info["intacct"], data=b"<request><operation/></request>", timeout=30)
    assert response.status_code == 400
    assert etree.fromstring(response.content).findtext("errormessage/error/errorno") == "GW-0011"


def test_company_expired_fault_is_the_control_level_pl04000055(sb):
    credentials = sb.credentials["intacct"]
    sb.control.set_fault("company_expired", count=1)

    response = post(credentials["endpoint_url"], credentials, "<getAPISession/>")

    root = etree.fromstring(response.content)
    assert response.status_code == 200 and root.findtext("control/status") == "failure"
    assert root.find("operation") is None  # no function ran
    assert root.findtext("errormessage/error/errorno") == "PL04000055"
    assert root.findtext("errormessage/error/description") == ""
    assert root.findtext("errormessage/error/description2") == "This company is a demo company and has expired."
    assert login(sb)[0]  # the fault fired once; the company answers again
