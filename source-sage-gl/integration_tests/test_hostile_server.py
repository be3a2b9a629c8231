"""The hostile-server matrix against the sandbox's Intacct gateway, through the real entrypoint: a body that
trickles, a body of 500 MB, a `Retry-After` of 27 hours. Each read must end with a clear error, promptly,
after a bounded number of requests; each test prints its figures. Then a fault matrix at a steady seeded
rate (429, 5xx, 524, resets, truncation, session expiry) with complete data.

Timings are only asserted as generous upper bounds that prove "no hang"; the deadline is lowered through
its documented environment variable, never by sleeping. The loop guards of keyset paging meet the sandbox's
`repeat_page` and `lying_counters` faults.
"""

import hashlib
import json
import time

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read

from sandbox.peak_rss import run_python_measuring_peak_rss

from integration_tests.conftest import CONNECTOR_ROOT, sandbox_config
from source_sage_gl import SourceSageGl

GATEWAY = "/ia/xml/xmlgw.phtml"
STREAM = "journal_entry_lines"


def _timed_read(config, streams, expecting_exception):
    catalog = CatalogBuilder()
    for name in streams:
        catalog.with_stream(name, SyncMode.full_refresh)
    started = time.monotonic()
    output = read(SourceSageGl(), config, catalog.build(), expecting_exception=expecting_exception)
    return output, time.monotonic() - started


def _first_error(output):
    """The first error trace: the session and the user's formats are opened before any stream, so a fault on the
    first request is the run's error, not a stream's."""
    return output.errors[0].trace.error


def _gateway_requests(control):
    return control.requests()["by_path"].get(GATEWAY, 0)


def test_a_trickling_body_fails_within_the_deadline(sandbox, control, monkeypatch):
    monkeypatch.setenv("SOURCE_SAGE_GL_REQUEST_DEADLINE_SECONDS", "2")
    control.set_fault("trickle", seconds=0.25)

    output, elapsed = _timed_read(sandbox_config(sandbox), [STREAM], expecting_exception=True)

    error = _first_error(output)
    print(f"Intacct trickle: failed after {elapsed:.1f} s, {_gateway_requests(control)} request(s): {error.message}")
    assert error.failure_type == FailureType.transient_error
    assert "deadline of 2 seconds per request" in error.message and GATEWAY in error.message
    assert _gateway_requests(control) == 1
    assert elapsed < 2 + 20  # the deadline plus a generous margin: no hang


def test_a_500_mb_body_is_refused_with_bounded_memory(sandbox, control, tmp_path):
    """`main.py read` in its own process with the shipped limits, so its peak RSS is the connector's alone."""
    control.set_fault("oversized", megabytes=500)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sandbox_config(sandbox)))
    catalog = CONNECTOR_ROOT / "integration_tests" / "configured_catalog.json"
    stdout = tmp_path / "stdout"
    started = time.monotonic()
    with stdout.open("wb") as out:
        run = run_python_measuring_peak_rss(["main.py", "read", "--config", str(config), "--catalog", str(catalog)],
                                            cwd=CONNECTOR_ROOT, stdout=out)
    elapsed = time.monotonic() - started
    messages = [json.loads(line) for line in stdout.read_text().splitlines() if line.startswith("{")]
    errors = [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    peak_mb = run.peak_mb
    print(f"Intacct oversized 500 MB: exit {run.exit_code} after {elapsed:.1f} s, "
          f"peak RSS {peak_mb:.0f} MB, {_gateway_requests(control)} request(s): {errors[0]['message']}")
    assert run.exit_code != 0
    assert errors[0]["failure_type"] == "system_error"
    assert "larger than this connector's limit of 64 MB" in errors[0]["message"] and GATEWAY in errors[0]["message"]
    assert not [m for m in messages if m["type"] == "RECORD"]
    assert peak_mb < 200  # half the body at most (about 110 MB measured): it was never held
    assert elapsed < 120


def test_a_retry_after_of_27_hours_fails_at_once_naming_the_wait(sandbox, control):
    control.set_fault("rate_limit", seconds=100000)

    output, elapsed = _timed_read(sandbox_config(sandbox), [STREAM], expecting_exception=True)

    error = _first_error(output)
    print(f"Intacct Retry-After 100000: failed after {elapsed:.1f} s, {_gateway_requests(control)} request(s)")
    assert error.failure_type == FailureType.transient_error
    assert "asked to wait 100000 seconds (Retry-After)" in error.message
    assert _gateway_requests(control) == 1
    assert elapsed < 60


def _stream_errors(output):
    return [m.trace.error for m in output.errors if m.trace.error.stream_descriptor]


def _line_queries(control):
    return control.requests()["intacct"].get("query:GLENTRY", 0)


def test_a_gateway_that_pages_past_its_total_stops_the_stream(sandbox, control):
    """`lying_counters`: every page says the query matches only its own rows, and that more remain."""
    truth = control.truth("glentry")["count"]
    assert truth > 40  # enough lines for the guard to be what stops the read
    control.set_fault("lying_counters", paths=[f"{GATEWAY}/GLENTRY"])

    output, elapsed = _timed_read(sandbox_config(sandbox, page_size=10), [STREAM], expecting_exception=True)

    [error] = _stream_errors(output)
    lines = [m.record.data for m in output.records if m.record.stream == STREAM]
    modified = [line for line in lines if line.get("WHENMODIFIED")]
    print(f"Intacct lying counters: stopped after {_line_queries(control)} queries, {len(lines)} of {truth} lines, "
          f"{elapsed:.1f} s: {error.message}")
    assert error.failure_type == FailureType.system_error
    assert ("page 4 of the modified pass of journal_entry_lines brings the pass to 40 rows, but its first page "
            "announced 10 rows (at most 30 can come") in error.message
    # the created pass (lines never modified) ends on its short page; the modified pass's 4th page is refused
    assert _line_queries(control) == 1 + 4
    assert len(modified) == 30 and len(lines) < truth


def test_a_gateway_that_answers_the_same_page_again_stops_the_stream(sandbox, control):
    control.set_fault("repeat_page", paths=[f"{GATEWAY}/GLENTRY"])

    output, elapsed = _timed_read(sandbox_config(sandbox, page_size=10), [STREAM], expecting_exception=True)

    [error] = _stream_errors(output)
    lines = [m.record.data for m in output.records if m.record.stream == STREAM]
    keys = [line["RECORDNO"] for line in lines]
    print(f"Intacct repeated page: stopped after {_line_queries(control)} queries, {len(lines)} lines, "
          f"{elapsed:.1f} s: {error.message}")
    assert error.failure_type == FailureType.system_error
    assert ("do not move past the rows already read (page 2 of the modified pass of journal_entry_lines"
            in error.message)
    assert _line_queries(control) == 1 + 2  # the created pass's one short page, then two of the modified pass
    assert len(keys) == len(set(keys)) and len([line for line in lines if line.get("WHENMODIFIED")]) == 10


@pytest.mark.parametrize("status", [{"status": 503, "rate": 0.08}, {"status": 524, "count": 1}])
def test_a_steady_rate_of_faults_loses_no_row(sandbox, control, status):
    """524 fires once: the connector waits 15 s for Cloudflare's timeout (a steady rate would only add waits)."""
    control.set_fault("status", **status)
    for kind, settings in [("rate_limit", {"seconds": 0}), ("reset", {}), ("truncated", {})]:
        control.set_fault(kind, rate=0.08, **settings)
    # Rarer: a session rejected twice within the retries of one call is, by design, a config error.
    control.set_fault("expired_session", rate=0.06)

    output, elapsed = _timed_read(sandbox_config(sandbox, page_size=20), [STREAM, "gl_accounts"], expecting_exception=False)

    fired = control.faults()["fired"]
    lines = [m.record.data["RECORDNO"] for m in output.records if m.record.stream == STREAM]
    truth = control.truth("glentry")
    print(f"Intacct faults at 8% each (status {status}): {sum(fired.values())} fired {fired}, "
          f"{_gateway_requests(control)} requests, {len(lines)} of {truth['count']} lines, {elapsed:.1f} s")
    assert not output.errors
    assert {"status", "rate_limit", "reset", "truncated"} <= set(fired)  # the faults did fire (expiry: seed-dependent)
    assert len(lines) == truth["count"]
    assert hashlib.sha256("\n".join(sorted(str(line) for line in lines)).encode()).hexdigest() == truth["checksum"]
    accounts = [m for m in output.records if m.record.stream == "gl_accounts"]
    assert len(accounts) == control.truth("glaccount")["count"]
