"""Every error class of the gateway: what is retried, what fails, and with which message and failure type."""

import json
import logging
import socket

import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import FailureType, Status, SyncMode
from freezegun import freeze_time

from source_sage_gl import SourceSageGl
from source_sage_gl.config import SECRET_FIELDS
from unit_tests.config_builder import LOGIN_URL, ConfigBuilder
from unit_tests.gateway import SESSION_URL
from unit_tests.helpers import read_streams, records_of
from unit_tests.response_builder import QueryResponseBuilder, session_response, template

STREAM = "journal_entry_lines"
NOW = "2026-11-25T12:00:00Z"


def _one_line_page(recordno: int = 1) -> bytes:
    return QueryResponseBuilder("GLENTRY").with_record(RECORDNO=str(recordno)).build()


def _check(config):
    return SourceSageGl().check(logging.getLogger("airbyte"), config)


def _check_from_the_command_line(config, tmp_path):
    """`check --config` through the CDK's entrypoint (spec validation included): its status and its log lines."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    entrypoint = AirbyteEntrypoint(SourceSageGl())
    messages = [json.loads(line) for line in entrypoint.run(entrypoint.parse_args(["check", "--config", str(path)]))]
    status = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"][0]
    logs = [m["log"]["message"] for m in messages if m["type"] == "LOG"]
    return status, logs


def _closed_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _errors(output):
    return [message.trace.error for message in output.errors]


@freeze_time(NOW)
class TestCheck:
    def test_succeeds_with_a_session_and_a_one_row_query(self, gateway):
        gateway.reply("query GLACCOUNT", QueryResponseBuilder("GLACCOUNT").with_record(RECORDNO="1").build())

        status = _check(ConfigBuilder().build())

        assert status.status == Status.SUCCEEDED
        query = gateway.queries("GLACCOUNT")[0]
        assert query.page_size == 1 and query.session_id == "fake-session-1"
        login = gateway.sent[0]
        assert login.login == {"userid": "fake_user", "companyid": "FAKE-CO", "password": "fake-user-password"}

    def test_wrong_credentials_fail_with_intacct_text(self, gateway):
        gateway.reply("getAPISession", template("authentication_failure.xml"))

        status = _check(ConfigBuilder().build())

        assert status.status == Status.FAILED
        assert "Sign-in information is incorrect" in status.message

    def test_control_failure_fails_with_intacct_text(self, gateway):
        gateway.reply("getAPISession", template("control_failure.xml"))

        status = _check(ConfigBuilder().build())

        assert status.status == Status.FAILED
        assert "This company is a demo company and has expired." in status.message

    def test_plain_http_is_refused_except_on_loopback(self, gateway):
        status = _check(ConfigBuilder().with_endpoint_url("http://api.intacct.com/ia/xml/xmlgw.phtml").build())

        assert status.status == Status.FAILED
        assert "https" in status.message and "loopback" in status.message
        assert gateway.sent == []

    def test_plain_http_on_a_public_host_gets_the_connectors_message_from_the_command_line(self, tmp_path):
        config = ConfigBuilder().with_endpoint_url("http://api.intacct.com/ia/xml/xmlgw.phtml").build()

        status, _ = _check_from_the_command_line(config, tmp_path)

        assert status["status"] == "FAILED"
        assert status["message"].startswith("endpoint_url must be an https URL")

    def test_an_unreachable_gateway_fails_at_once_with_a_clear_message_and_no_traceback(self, tmp_path, backoff_waits):
        url = f"http://127.0.0.1:{_closed_loopback_port()}/ia/xml/xmlgw.phtml"

        status, logs = _check_from_the_command_line(ConfigBuilder().with_endpoint_url(url).build(), tmp_path)

        assert status["status"] == "FAILED"
        assert status["message"].startswith(f"Could not reach the Sage Intacct gateway at {url}:")
        assert "endpoint_url" in status["message"]
        assert [wait for wait in backoff_waits if wait] == []  # not retried: check answers in one attempt
        assert not any("Traceback" in line for line in logs)

    def test_entity_id_scopes_the_session(self, gateway):
        gateway.reply("query GLACCOUNT", QueryResponseBuilder("GLACCOUNT").with_record(RECORDNO="1").build())

        _check(ConfigBuilder().with_entity("US-EAST").build())

        assert gateway.sent[0].login["locationid"] == "US-EAST"


@freeze_time(NOW)
class TestRetries:
    def test_rate_limit_waits_retry_after_then_continues(self, gateway, backoff_waits):
        gateway.reply("query GLENTRY", template("rate_limited.xml"), status=429,
                      headers={"Retry-After": "7", "Content-Type": "text/xml"})
        gateway.reply("query GLENTRY", _one_line_page())

        output = read_streams(ConfigBuilder().build(), [STREAM])

        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [1]
        assert [wait for wait in backoff_waits if wait] == [8.0]  # Retry-After, plus the CDK's one-second margin
        assert not output.errors

    def test_gw_0010_inside_an_http_200_body_is_rate_limiting_too(self, gateway, backoff_waits):
        gateway.reply("query GLENTRY", template("rate_limited.xml"))
        gateway.reply("query GLENTRY", _one_line_page())

        output = read_streams(ConfigBuilder().build(), [STREAM])

        assert len(records_of(output, STREAM)) == 1 and len(gateway.queries("GLENTRY")) == 2

    def test_server_errors_cdn_timeouts_and_cloudflare_pages_are_retried(self, gateway, backoff_waits):
        gateway.reply("query GLENTRY", b"oops", status=500, headers={"Content-Type": "text/plain"})
        gateway.reply("query GLENTRY", b"", status=524, headers={"Content-Type": "text/html"})
        gateway.reply("query GLENTRY", template("cloudflare_502.html"), status=200, headers={"Content-Type": "text/html"})
        gateway.reply("query GLENTRY", _one_line_page())

        output = read_streams(ConfigBuilder().build(), [STREAM])

        assert len(records_of(output, STREAM)) == 1
        assert len(gateway.queries("GLENTRY")) == 4
        waits = [wait for wait in backoff_waits if wait]  # the backoff library also calls sleep(0)
        assert len(waits) == 3 and waits[1] > waits[0]  # the 524 waits longer than a plain 5xx
        assert all(wait <= 301 for wait in waits)
        retries = [message.log.message for message in output.logs if "Retrying in" in message.log.message]
        assert [line.split(" on ")[0] for line in retries] == [  # what happened, never "Rate limit exceeded"
            "Sage Intacct answered HTTP 500", "Sage Intacct's CDN timed out",
            "Sage Intacct (or its CDN) answered query GLENTRY with an HTML page instead of XML. Retrying in 1.8 seconds."]
        assert not [message for message in output.logs if "Rate limit" in message.log.message]

    def test_the_cdks_noise_is_not_at_info(self, gateway):
        gateway.reply("query GLENTRY", _one_line_page())

        output = read_streams(ConfigBuilder().build(), [STREAM], sync_mode=SyncMode.incremental)

        assert records_of(output, STREAM) and output.state_messages  # a read that sets and emits state
        noise = ("MemoryMonitor instantiated", "Setting state of", "runtimes:", "Backing off", "Rate limit exceeded")
        assert not [message.log.message for message in output.logs if any(line in message.log.message for line in noise)]

    def test_truncated_xml_is_retried(self, gateway):
        gateway.reply("query GLENTRY", _one_line_page()[:200])
        gateway.reply("query GLENTRY", _one_line_page())

        output = read_streams(ConfigBuilder().build(), [STREAM])

        assert len(records_of(output, STREAM)) == 1 and not output.errors

    def test_malformed_xml_that_persists_is_a_system_error(self, gateway):
        for _ in range(6):
            gateway.reply("query GLENTRY", b"<response><control><status>succ")

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        errors = _errors(output)
        assert errors and errors[0].failure_type == FailureType.system_error
        assert "malformed XML" in errors[0].internal_message
        assert len(gateway.queries("GLENTRY")) == 6  # one try and five retries

    def test_entities_are_never_expanded(self, gateway):
        for _ in range(6):
            gateway.reply("query GLENTRY", template("entity_bomb.xml"))

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        assert records_of(output, STREAM) == []
        assert "DOCTYPE" in _errors(output)[0].internal_message

    def test_invalid_request_is_not_retried(self, gateway):
        gateway.reply("query GLENTRY", template("invalid_request.xml"), status=400)

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        error = _errors(output)[0]
        assert error.failure_type == FailureType.system_error and "GW-0011" in error.message
        assert len(gateway.queries("GLENTRY")) == 1

    def test_http_401_is_a_config_error(self, gateway):
        gateway.reply("query GLENTRY", b"", status=401)

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        assert _errors(output)[0].failure_type == FailureType.config_error


@freeze_time(NOW)
class TestSessions:
    def test_rejected_session_signs_in_again_and_retries_the_same_page_once(self, gateway):
        config = ConfigBuilder().with_page_size(1).build()
        gateway.reply("query GLENTRY", QueryResponseBuilder("GLENTRY").with_record(RECORDNO="1").with_pagination(2).build())
        gateway.reply("query GLENTRY", template("invalid_session.xml"))
        gateway.reply("query GLENTRY", QueryResponseBuilder("GLENTRY").with_record(RECORDNO="2").with_pagination(2, 1).build())

        output = read_streams(config, [STREAM])

        assert [r["RECORDNO"] for r in records_of(output, STREAM)] == [1, 2]
        queries = gateway.queries("GLENTRY")
        assert [(q.offset, q.session_id) for q in queries[:3]] == [
            (0, "fake-session-1"), (0, "fake-session-1"), (0, "fake-session-2")]
        assert gateway.count("getAPISession") == 2
        assert queries[1].filter == queries[2].filter

    def test_a_session_rejected_again_after_signing_in_fails_as_config_error(self, gateway):
        for _ in range(3):
            gateway.reply("query GLENTRY", template("invalid_session.xml"))

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        error = _errors(output)[0]
        assert error.failure_type == FailureType.config_error
        assert "rejected the API session it had just opened" in error.message
        assert "Invalid session" in error.message  # Intacct's own text
        assert "OAuth" not in error.message
        assert gateway.count("getAPISession") == 2

    def test_a_failed_sign_in_after_a_rejection_is_not_blamed_on_the_new_session(self, gateway):
        gateway.reply("getAPISession", session_response("fake-session-1", SESSION_URL))
        for _ in range(6):  # the new sign-in fails with 5xx until its retries are spent
            gateway.reply("getAPISession", b"", status=503, headers={"Content-Type": "text/plain"})
        for _ in range(2):
            gateway.reply("query GLENTRY", template("invalid_session.xml"))

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        error = _errors(output)[0]
        assert "just opened" not in error.message
        assert error.failure_type == FailureType.transient_error  # the CDK's verdict: the refresh itself failed
        assert {q.session_id for q in gateway.queries("GLENTRY")} == {"fake-session-1"}

    def test_session_is_renewed_when_sessiontimeout_passes(self, gateway, monkeypatch):
        # The fake clock jumps 31 minutes while the first query is answered: longer than the request deadline.
        monkeypatch.setenv("SOURCE_SAGE_GL_REQUEST_DEADLINE_SECONDS", "3600")
        config = ConfigBuilder().with_page_size(1).build()
        gateway.reply("getAPISession", session_response("short-session", SESSION_URL, "2026-11-25T12:30:00+00:00"))
        with freeze_time(NOW) as clock:
            gateway.reply("query GLENTRY", QueryResponseBuilder("GLENTRY").with_record(RECORDNO="1").with_pagination(2).build(),
                          before=lambda sent: clock.move_to("2026-11-25T12:31:00Z"))
            gateway.reply("query GLENTRY", QueryResponseBuilder("GLENTRY").with_record(RECORDNO="2").with_pagination(2, 1).build())

            output = read_streams(config, [STREAM])

        assert len(records_of(output, STREAM)) == 2
        assert [q.session_id for q in gateway.queries("GLENTRY")[:2]] == ["short-session", "fake-session-1"]


@freeze_time(NOW)
class TestPermissionDenied:
    def test_fails_only_that_stream_and_the_sync_ends_in_error(self, gateway):
        gateway.reply("query AUDITHISTORY", template("permission_denied.xml"))
        gateway.reply("query GLENTRY", _one_line_page())

        output = read_streams(ConfigBuilder().build(), ["deleted_records", STREAM], expecting_exception=True)

        assert len(records_of(output, STREAM)) == 1
        statuses = {(m.trace.stream_status.stream_descriptor.name, m.trace.stream_status.status.name)
                    for m in output.trace_messages if m.trace.stream_status}
        assert ("deleted_records", "INCOMPLETE") in statuses and (STREAM, "COMPLETE") in statuses
        denied = [e for e in _errors(output) if e.stream_descriptor and e.stream_descriptor.name == "deleted_records"][0]
        assert denied.failure_type == FailureType.config_error
        assert "PL04000005" in denied.message and "AUDITHISTORY" in denied.message
        assert "permission" in denied.message
        assert len(gateway.queries("AUDITHISTORY")) == 1  # not retried


@freeze_time(NOW)
class TestResponseBounds:
    def test_a_body_over_the_size_limit_fails_naming_the_limit_and_the_url(self, gateway, monkeypatch):
        monkeypatch.setenv("SOURCE_SAGE_GL_MAX_RESPONSE_BYTES", "20000")
        page = QueryResponseBuilder("GLENTRY")
        for recordno in range(1, 200):  # valid XML, only too large; mocked without Content-Length: read as it streams
            page.with_record(RECORDNO=str(recordno), DESCRIPTION="x" * 200)
        gateway.reply("query GLENTRY", page.build())

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        error = [e for e in _errors(output) if e.stream_descriptor][0]
        assert records_of(output, STREAM) == []
        assert error.failure_type == FailureType.system_error
        assert f"limit of 20000 bytes (at least 20001 bytes) for {SESSION_URL}" in error.message
        assert len(gateway.queries("GLENTRY")) == 1  # the same answer on every retry: not retried

    def test_a_retry_after_above_the_cap_fails_at_once_naming_the_wait(self, gateway, backoff_waits):
        gateway.reply("query GLENTRY", template("rate_limited.xml"), status=429,
                      headers={"Retry-After": "100000", "Content-Type": "text/xml"})

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        error = [e for e in _errors(output) if e.stream_descriptor][0]
        assert error.failure_type == FailureType.transient_error
        assert "asked to wait 100000 seconds (Retry-After)" in error.message and "(300 seconds)" in error.message
        assert [wait for wait in backoff_waits if wait] == []  # no sleep at all
        assert len(gateway.queries("GLENTRY")) == 1


class TestCredentials:
    HOSTILE_PASSWORD = 'Kq7Wx&<"ü-2026!'

    def test_the_spec_marks_exactly_the_passwords_as_secret(self):
        spec = SourceSageGl().spec(logging.getLogger("airbyte")).connectionSpecification
        secret = [name for name, field in spec["properties"].items() if field.get("airbyte_secret")]

        assert sorted(secret) == sorted(SECRET_FIELDS) == ["sender_password", "user_password"]

    def test_a_failed_request_never_prints_its_body(self, gateway, caplog):
        gateway.reply("query GLENTRY", template("control_failure.xml"), status=400)
        config = ConfigBuilder().with_passwords(self.HOSTILE_PASSWORD, self.HOSTILE_PASSWORD).build()

        output = read_streams(config, [STREAM], expecting_exception=True)

        printed = caplog.text + "".join(f"{e.message} {e.internal_message} {e.stack_trace}" for e in _errors(output))
        assert "HTTP 400" in printed and "request body, not shown" in printed
        assert "<password>" not in printed and "Kq7Wx" not in printed

    def test_a_redirect_is_not_followed_and_names_both_urls(self, gateway):
        gateway.reply("getAPISession", b"", status=308, headers={"Location": "https://elsewhere.test:8443/gw"})

        status = _check(ConfigBuilder().build())

        assert status.status == Status.FAILED
        assert "HTTP 308" in status.message and "https://elsewhere.test:8443/gw" in status.message
        assert LOGIN_URL in status.message and "follows no redirect" in status.message
        assert len(gateway.sent) == 1


class TestValuesThatCannotBeReadExactly:
    """A value Intacct sends that has no exact typed form fails the read, naming stream, record and field."""

    def _read_failing(self, gateway, page: bytes):
        gateway.reply("query GLENTRY", page)
        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)
        error = _errors(output)[0]  # the stream's own error (the CDK adds a summary of failed streams after it)
        assert error.failure_type == FailureType.system_error and "Something went wrong" not in error.message
        return output, error.message

    @pytest.mark.parametrize("amount", ["NaN", "Inf", "-Infinity", "12.34abc"])
    def test_an_amount_that_is_not_a_finite_number(self, gateway, amount):
        page = QueryResponseBuilder("GLENTRY").with_record(RECORDNO="1").with_record(RECORDNO="2", AMOUNT=amount).build()

        output, message = self._read_failing(gateway, page)

        assert f"Stream {STREAM}" in message and "GLENTRY RECORDNO 2, field AMOUNT" in message
        assert f"'{amount}' is not a" in message
        assert records_of(output, STREAM) == []  # the page is not emitted half

    def test_a_record_without_its_primary_key(self, gateway):
        page = QueryResponseBuilder("GLENTRY").with_record(RECORDNO="1").with_record(RECORDNO=None).build()

        _, message = self._read_failing(gateway, page)

        assert "GLENTRY record 2 of the page has no RECORDNO" in message

    def test_a_non_numeric_integer_and_a_wrong_boolean(self, gateway):
        page = QueryResponseBuilder("GLENTRY").with_record(RECORDNO="1", TR_TYPE="debit").build()

        _, message = self._read_failing(gateway, page)

        assert "GLENTRY RECORDNO 1, field TR_TYPE: 'debit' is not an integer" in message

    def test_a_gmtoffset_beyond_any_time_zone(self, gateway):
        formatting = template("read_user_formatting.xml").replace(b"-08:00", b"+99:00")
        gateway.reply("readUserFormatting", formatting)

        output = read_streams(ConfigBuilder().build(), [STREAM], expecting_exception=True)

        error = _errors(output)[0]
        assert error.failure_type == FailureType.system_error
        assert "gmtoffset '+99:00' is outside UTC-12:00 to UTC+14:00" in error.message
        assert "set the timezone option" in error.message

    def test_a_decimal_beyond_a_double_is_emitted_with_every_digit(self, gateway):
        gateway.reply("query GLENTRY", QueryResponseBuilder("GLENTRY").with_record(
            RECORDNO="1", AMOUNT="12345678901234567.89", TRX_AMOUNT="0.30").build())

        output = read_streams(ConfigBuilder().build(), [STREAM])

        record = records_of(output, STREAM)[0]
        assert (record["AMOUNT"], record["TRX_AMOUNT"]) == ("12345678901234567.89", "0.30")
