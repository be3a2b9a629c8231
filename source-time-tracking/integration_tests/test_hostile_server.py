"""The hostile-server matrix against the sandbox's faults, through the real entrypoint: a body that trickles, a
body of hundreds of megabytes, a `Retry-After` of 27 hours, a page answered twice, paging counters that lie.
Each read must end with a clear error, promptly, after a bounded number of requests; each test prints its
figures. Then a fault matrix at a steady seeded rate (429, 5xx, 524, resets, truncation) with complete data.
Every registered provider's time entries meet every fault.

Timings are only asserted as generous upper bounds that prove "no hang"; the deadline is lowered through
its documented environment variable, never by sleeping.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
import subprocess
import sys
import time
from typing import Any

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from sandbox import running_sandbox
from sandbox.peak_rss import run_python_measuring_peak_rss

from integration_tests.conftest import CONNECTOR_ROOT, SEED, with_wrong_secrets
from integration_tests.test_sandbox_reads import DATASET, ENTRIES_PATH
from source_time_tracking import SourceTimeTracking
from source_time_tracking.providers import PROVIDERS as REGISTERED

SCALE = 1  # 2,038 Harvest time entries (two pages of 2,000) and 287 generic entries
PROVIDERS = list(REGISTERED)
# The path prefix of every request for time entries: where the faults fire (Clockify lists them per user)
PATH = {**ENTRIES_PATH, "clockify": ENTRIES_PATH["clockify"].split("/user/")[0] + "/user/"}
# What paging that does not move forward (`lying_counters`) looks like: the loop guard's words, and the requests
# it lets through at most (QuickBooks Time's lying `more` is seen only on the empty page after the last one).
LYING_COUNTERS = {"harvest": "next_page 1 of page 1 does not move forward",
                  "quickbooks_time": "an empty page says more pages follow"}
GENERIC_PAGE_SIZE = 25


@pytest.fixture(scope="module")
def hostile() -> Any:
    with running_sandbox(scale=SCALE, seed=SEED, harvest_rate_limit="off") as running:
        yield running


@pytest.fixture(autouse=True)
def seeded(hostile: Any) -> Any:
    hostile.control.reset()
    yield hostile
    hostile.control.reset()


def config_of(hostile: Any, provider: str) -> dict:
    config = copy.deepcopy(hostile.credentials[provider])
    if provider == "generic":
        config["provider"]["pagination"] = {"page_size": GENERIC_PAGE_SIZE}
    return config


def timed_read(config: dict, streams: list[str], expecting_exception: bool) -> tuple[EntrypointOutput, float]:
    catalog = CatalogBuilder()
    for stream in streams:
        catalog.with_stream(stream, SyncMode.full_refresh)
    started = time.monotonic()
    output = read(SourceTimeTracking(), config, catalog.build(), expecting_exception=expecting_exception)
    return output, time.monotonic() - started


def stream_error(output: EntrypointOutput) -> Any:
    [error] = [m.trace.error for m in output.errors if m.trace.error.stream_descriptor]
    return error


def requests_to(hostile: Any, prefix: str) -> int:
    return sum(count for path, count in hostile.control.requests()["by_path"].items() if path.startswith(prefix))


def checksum(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("interval", [0.25, 30])  # a byte every 0.25 s; a body stalled after the headers
def test_a_trickling_body_fails_within_the_deadline(hostile: Any, provider: str, interval: float,
                                                    monkeypatch: Any) -> None:
    monkeypatch.setenv("SOURCE_TIME_TRACKING_REQUEST_DEADLINE_SECONDS", "2")
    hostile.control.set_fault("trickle", seconds=interval, paths=[PATH[provider]])

    output, elapsed = timed_read(config_of(hostile, provider), ["time_entries"], expecting_exception=True)

    error = stream_error(output)
    print(f"{provider} trickle every {interval} s: failed after {elapsed:.1f} s, "
          f"{requests_to(hostile, PATH[provider])} request(s): {error.message}")
    assert error.failure_type == FailureType.transient_error
    assert "deadline of 2 seconds per request" in error.message and PATH[provider] in error.message
    assert output.records == []
    assert requests_to(hostile, PATH[provider]) == 1
    assert elapsed < 2 + 20  # the deadline plus a generous margin: no hang


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_500_mb_body_is_refused_with_bounded_memory(hostile: Any, provider: str, tmp_path: Any) -> None:
    """`main.py read` in its own process with the shipped limits, so its peak RSS is the connector's alone."""
    hostile.control.set_fault("oversized", megabytes=500, paths=[PATH[provider]])
    config, catalog = tmp_path / "config.json", tmp_path / "catalog.json"
    config.write_text(json.dumps(config_of(hostile, provider)))
    catalog.write_text((CONNECTOR_ROOT / "integration_tests" / f"configured_catalog_{provider}.json").read_text())
    stdout = tmp_path / "stdout"
    started = time.monotonic()
    with stdout.open("wb") as out:
        run = run_python_measuring_peak_rss(["main.py", "read", "--config", str(config), "--catalog", str(catalog)],
                                            cwd=CONNECTOR_ROOT, stdout=out)
    elapsed = time.monotonic() - started
    messages = [json.loads(line) for line in stdout.read_text().splitlines() if line.startswith("{")]
    errors = [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    peak_mb = run.peak_mb
    print(f"{provider} oversized 500 MB: exit {run.exit_code} after {elapsed:.1f} s, "
          f"peak RSS {peak_mb:.0f} MB: {errors[0]['message']}")
    assert run.exit_code != 0
    assert errors[0]["failure_type"] == "system_error"
    assert "larger than this connector's limit of 32 MB" in errors[0]["message"] and PATH[provider] in errors[0]["message"]
    assert not [m for m in messages if m["type"] == "RECORD" and m["record"]["stream"] == "time_entries"]
    assert peak_mb < 200  # half the body at most (about 120 MB measured): it was never held
    assert elapsed < 120


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_retry_after_of_27_hours_fails_at_once_naming_the_wait(hostile: Any, provider: str) -> None:
    hostile.control.set_fault("rate_limit", seconds=100000, paths=[PATH[provider]])

    output, elapsed = timed_read(config_of(hostile, provider), ["time_entries"], expecting_exception=True)

    error = stream_error(output)
    print(f"{provider} Retry-After 100000: failed after {elapsed:.1f} s, {requests_to(hostile, PATH[provider])} request(s)")
    assert error.failure_type == FailureType.transient_error
    assert "asked to wait 100000 seconds (Retry-After)" in error.message
    assert requests_to(hostile, PATH[provider]) == 1
    assert elapsed < 60


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_dropped_connection_is_retried_and_logged_with_the_requests_own_method(hostile: Any, provider: str) -> None:
    # Toggl asks for its time entries with a POST search; every other provider with a GET
    method = "POST" if provider == "toggl" else "GET"
    hostile.control.set_fault("reset", count=1, paths=[PATH[provider]])

    output, _ = timed_read(config_of(hostile, provider), ["time_entries"], expecting_exception=False)

    retries = [m.log.message for m in output.logs if m.log.message.startswith("Caught retryable error")]
    assert not output.errors and hostile.control.faults()["fired"] == {"reset": 1}
    assert len(retries) == 1 and f" on {method} {hostile.base_url}{PATH[provider]}" in retries[0], retries


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("kind, expected", [
    ("repeat_page", "page 2 repeats the"),
    ("lying_counters", None),  # Harvest: links.next and next_page to the page itself; generic: offset ignored
])
def test_pages_that_do_not_progress_stop_the_read(hostile: Any, provider: str, kind: str, expected: Any) -> None:
    hostile.control.set_fault(kind, paths=[PATH[provider]])

    output, elapsed = timed_read(config_of(hostile, provider), ["time_entries"], expecting_exception=True)

    error = stream_error(output)
    sent = requests_to(hostile, PATH[provider])
    print(f"{provider} {kind}: failed after {elapsed:.1f} s, {sent} request(s), {len(output.records)} records: {error.message}")
    assert error.failure_type == FailureType.system_error
    assert "does not make progress" in error.message
    if expected is None:
        expected = LYING_COUNTERS.get(provider, "page 2 repeats the")
    assert expected in error.message
    if provider == "quickbooks_time" and kind == "lying_counters":  # every page, then the empty one
        assert sent <= math.ceil(hostile.control.truth(DATASET[provider])["count"] / 200) + 1
    else:
        assert sent <= 2  # stopped at the first repetition
    ids = [str(m.record.data["id"]) for m in output.records]
    assert len(ids) == len(set(ids))  # no row emitted twice
    assert elapsed < 60


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_refused_token_ends_the_whole_run_once(hostile: Any, provider: str, tmp_path: Any) -> None:
    """`main.py read` of every stream of the provider with a token the API refuses (401; Toggl's 403): one
    request, one trace."""
    config = with_wrong_secrets(config_of(hostile, provider))
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = CONNECTOR_ROOT / "integration_tests" / f"configured_catalog_{provider}.json"
    started = time.monotonic()
    finished = subprocess.run([sys.executable, "main.py", "read", "--config", str(tmp_path / "config.json"),
                               "--catalog", str(catalog)], cwd=CONNECTOR_ROOT, capture_output=True, text=True,
                              timeout=300)
    elapsed = time.monotonic() - started
    messages = [json.loads(line) for line in finished.stdout.splitlines() if line.startswith("{")]
    errors = [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    sent = sum(hostile.control.requests()["by_path"].values())
    streams = len(json.loads(catalog.read_text())["streams"])
    print(f"{provider} refused token, {streams} streams: exit {finished.returncode} after {elapsed:.1f} s, "
          f"{sent} request(s), {len(errors)} error trace(s): {errors[0]['message']}")
    assert finished.returncode == 1
    assert [error["failure_type"] for error in errors] == ["config_error"]
    assert re.search(r"answered HTTP 40[13] ", errors[0]["message"])
    assert sent == 1  # the first stream's first request; no later stream asks again
    assert not [m for m in messages if m["type"] == "LOG" and "Traceback" in m["log"]["message"]]
    assert "Traceback" not in finished.stderr


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [503, 524])
def test_a_steady_rate_of_faults_loses_no_row(hostile: Any, provider: str, status: int) -> None:
    for kind, settings in [("status", {"status": status}), ("rate_limit", {"seconds": 0}), ("reset", {}),
                           ("truncated", {})]:
        hostile.control.set_fault(kind, rate=0.08, **settings)
    streams = ["time_entries", "users", "projects", "user_cost_rates"] if provider == "harvest" else ["time_entries"]

    output, elapsed = timed_read(config_of(hostile, provider), streams, expecting_exception=False)

    fired = hostile.control.faults()["fired"]
    ids = [str(m.record.data["id"]) for m in output.records if m.record.stream == "time_entries"]
    truth = hostile.control.truth(DATASET[provider])
    print(f"{provider} faults at 8% each (status {status}): {sum(fired.values())} fired {fired}, "
          f"{sum(hostile.control.requests()['by_path'].values())} requests, {len(ids)} of {truth['count']} entries, "
          f"{elapsed:.1f} s")
    assert not output.errors
    assert sum(fired.values()) >= 2  # the faults did fire
    assert len(ids) == truth["count"] and checksum(ids) == truth["checksum"]
    if provider == "harvest":
        users = [m for m in output.records if m.record.stream == "users"]
        assert len(users) == hostile.control.truth("harvest_users")["count"]
