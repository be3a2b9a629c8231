"""Sign-in, sessions, entity scoping of sessions, and the authentication error envelopes."""

from datetime import timedelta

from lxml import etree

from conftest import BASE_URL, ENDPOINT, errors_of


def test_get_api_session_returns_session_endpoint_and_authentication_block(gateway, store):
    root = gateway.call("<getAPISession/>")
    assert root.findtext("control/status") == "success"
    assert root.findtext("control/senderid") == "sandbox_sender"
    assert root.findtext("control/controlid") == "ctl-1"
    auth = root.find("operation/authentication")
    assert [auth.findtext(tag) for tag in ("status", "userid", "companyid", "locationid")] == \
        ["success", "ws_sandbox", "NORTHWIND-FS", ""]
    # The fixture clock reads 2026-11-20 17:00 UTC: 09:00 for the Pacific (UTC-8) user; default timeout 1 h.
    assert auth.findtext("sessiontimestamp") == "2026-11-20T09:00:00-08:00"
    assert auth.findtext("sessiontimeout") == "2026-11-20T10:00:00-08:00"
    result = root.find("operation/result")
    assert [result.findtext(tag) for tag in ("status", "function", "controlid")] == ["success", "getAPISession", "f0"]
    assert result.findtext("data/api/sessionid")
    assert result.findtext("data/api/endpoint") == BASE_URL + ENDPOINT
    assert result.find("data/api/locationid") is not None
    assert store.requests["getAPISession"] == 1


def test_wrong_user_password_is_the_sign_in_failure(gateway):
    root = gateway.call("<getAPISession/>", login=("ws_sandbox", "NORTHWIND-FS", "wrong"))
    assert root.findtext("control/status") == "success"
    operation = root.find("operation")
    assert operation.findtext("authentication/status") == "failure"
    assert operation.findtext("authentication/userid") == "ws_sandbox"
    assert operation.findtext("authentication/companyid") == "NORTHWIND-FS"
    assert errors_of(operation) == [("XL03000006", "Sign-in information is incorrect")]
    assert operation.find("result") is None
    error = operation.find("errormessage/error")
    assert [child.tag for child in error] == ["errorno", "description", "description2", "correction"]


def test_wrong_company_is_the_sign_in_failure(gateway):
    root = gateway.call("<getAPISession/>", login=("ws_sandbox", "OTHER-CO", "sandbox-user-secret"))
    assert errors_of(root.find("operation")) == [("XL03000006", "Sign-in information is incorrect")]


def test_wrong_sender_credentials_fail_the_whole_request_at_control_level(gateway):
    root = gateway.call("<getAPISession/>", sender=("sandbox_sender", "nope"))
    assert root.findtext("control/status") == "failure"
    assert root.find("operation") is None
    [(errorno, text)] = errors_of(root)
    assert errorno == "XL03000006"
    assert text.startswith("Incorrect Intacct XML Partner ID or password.")


def test_session_is_reused_until_it_times_out(gateway, emulator, clock, session):
    result = gateway.call("<readUserFormatting/>", session=session).find("operation/result")
    assert result.findtext("status") == "success"
    clock.now += timedelta(minutes=59)
    assert gateway.call("<readUserFormatting/>", session=session).findtext("operation/authentication/status") \
        == "success"
    clock.now += timedelta(minutes=1)
    root = gateway.call("<readUserFormatting/>", session=session)
    assert root.findtext("operation/authentication/status") == "failure"
    assert errors_of(root.find("operation")) == [("XL03000006", "Invalid session")]
    assert root.find("operation/result") is None


def test_session_timeout_is_configurable(gateway, emulator, clock):
    emulator.sessions.timeout = timedelta(minutes=5)
    root = gateway.call("<getAPISession/>")
    assert root.findtext("operation/authentication/sessiontimeout") == "2026-11-20T09:05:00-08:00"
    session = root.findtext("operation/result/data/api/sessionid")
    clock.now += timedelta(minutes=5)
    assert gateway.call("<getDimensions/>", session=session).findtext("operation/authentication/status") == "failure"


def test_unknown_session_is_refused(gateway):
    root = gateway.call("<readUserFormatting/>", session="not-a-session")
    assert errors_of(root.find("operation")) == [("XL03000006", "Invalid session")]


def test_expired_session_fault_invalidates_every_session_then_a_new_one_works(gateway, faults):
    first, second = gateway.login(), gateway.login()
    faults.set("expired_session", count=1)
    assert gateway.call("<getDimensions/>", session=first).findtext("operation/authentication/status") == "failure"
    assert gateway.call("<getDimensions/>", session=second).findtext("operation/authentication/status") == "failure"
    fresh = gateway.login()
    assert gateway.call("<getDimensions/>", session=fresh).findtext("operation/result/status") == "success"


def test_getapisession_with_a_session_returns_that_session(gateway, session):
    root = gateway.call("<getAPISession/>", session=session)
    assert root.findtext("operation/result/data/api/sessionid") == session


def test_entity_sign_in_is_echoed_and_scoped(gateway):
    root = gateway.call("<getAPISession/>", locationid="US-EAST")
    assert root.findtext("operation/authentication/locationid") == "US-EAST"
    assert root.findtext("operation/result/data/api/locationid") == "US-EAST"


def test_unknown_entity_is_refused_at_sign_in(gateway):
    root = gateway.call("<getAPISession/>", locationid="US-NORTH")
    operation = root.find("operation")
    assert operation.findtext("authentication/status") == "failure"
    [(errorno, text)] = errors_of(operation)
    assert errorno == "XL03000006" and "US-NORTH" in text


def test_a_location_that_is_not_an_entity_is_refused(gateway):
    root = gateway.call("<getAPISession/>", locationid="NYC")
    assert root.findtext("operation/authentication/status") == "failure"


def test_getapisession_locationid_opens_an_entity_session(gateway, session):
    root = gateway.call("<getAPISession><locationid>US-WEST</locationid></getAPISession>", session=session)
    api = root.find("operation/result/data/api")
    assert api.findtext("locationid") == "US-WEST" and api.findtext("sessionid") != session
    entity_session = api.findtext("sessionid")
    auth = gateway.call("<getDimensions/>", session=entity_session).find("operation/authentication")
    assert auth.findtext("locationid") == "US-WEST"


def test_several_functions_are_answered_in_order_with_their_controlids(gateway, session):
    root = gateway.call("<readUserFormatting/>", "<query><object>NOPE</object></query>", "<getDimensions/>",
                        session=session)
    results = root.findall("operation/result")
    assert [(r.findtext("function"), r.findtext("controlid"), r.findtext("status")) for r in results] == [
        ("readUserFormatting", "f0", "success"), ("query", "f1", "failure"), ("getDimensions", "f2", "success")]
    assert etree.tostring(results[1].find("errormessage")).count(b"<error>") == 1


def test_a_failed_function_in_a_transaction_aborts_the_others_with_xl03000009(gateway, session):
    root = gateway.call("<readUserFormatting/>", "<query><object>NOPE</object></query>", session=session,
                        transaction=True)

    first, second = root.findall("operation/result")
    assert (first.findtext("status"), second.findtext("status")) == ("aborted", "failure")
    assert first.find("data") is None
    assert first.findtext("errormessage/error/errorno") == "XL03000009"
    assert "rolled back" in first.findtext("errormessage/error/description2")
    assert second.findtext("errormessage/error/errorno") == "Query Failed"


def test_a_transaction_whose_functions_all_succeed_answers_normally(gateway, session):
    root = gateway.call("<readUserFormatting/>", "<getDimensions/>", session=session, transaction=True)

    assert [r.findtext("status") for r in root.findall("operation/result")] == ["success", "success"]
