"""An API host that cannot be reached: `check` answers from its first attempt, `read` retries a bounded,
short time and says what happened, where, how many attempts and over how long — never "rate limit".

Real subprocesses of `main.py` against a closed loopback port (connection refused), real waits.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sandbox.testing import closed_loopback_port, error_traces, log_lines, run_main

from integration_tests.conftest import CONNECTOR_ROOT

CATALOG = CONNECTOR_ROOT / "integration_tests" / "configured_catalog_generic.json"


def _run(command: str, tmp_path: Path) -> tuple[list[dict], str, float, int]:
    port = closed_loopback_port()
    config = json.loads((CONNECTOR_ROOT / "integration_tests" / "sample_config_generic.json").read_text())
    config["provider"]["base_url"] = f"http://127.0.0.1:{port}"
    (tmp_path / "config.json").write_text(json.dumps(config))
    arguments = [command, "--config", str(tmp_path / "config.json")]
    if command == "read":
        arguments += ["--catalog", str(CATALOG)]
    messages, output, elapsed, returncode = run_main(CONNECTOR_ROOT, arguments)
    assert "Rate limit" not in output
    return messages, f"127.0.0.1:{port}", elapsed, returncode


def test_check_answers_from_the_first_attempt(tmp_path: Path) -> None:
    messages, where, elapsed, _ = _run("check", tmp_path)

    status = [message["connectionStatus"] for message in messages if message["type"] == "CONNECTION_STATUS"]
    assert status[0]["status"] == "FAILED"
    assert f"Generic time API: connection refused by {where} (GET http://{where}/v1/entries" in status[0]["message"]
    assert not [line for line in log_lines(messages) if "retry" in line.lower()]
    assert elapsed < 20  # interpreter start included; the 71 s of before were retries


def test_read_retries_four_times_within_seconds_and_says_so(tmp_path: Path) -> None:
    messages, where, elapsed, returncode = _run("read", tmp_path)

    # time_entries only: the run stops there, deleted_time_entries (the catalog's second stream) is not tried
    retries = [line for line in log_lines(messages) if line.startswith("Caught retryable error")]
    assert [re.search(r"\(attempt (\d) of 4\)' after (\d) tries", line).groups() for line in retries] == [
        ("1", "1"), ("2", "2"), ("3", "3")]
    assert all(f"connection refused by {where}" in line for line in retries)
    traces = error_traces(messages)
    assert len(traces) == 1  # the stream's own; no second trace for the CDK's summary of failed streams
    assert traces[0]["failure_type"] == "transient_error"
    errors = [trace["message"] for trace in traces]
    assert re.match(rf"Generic time API: connection refused by {where} — 4 attempts over [6-9] s \(GET ", errors[0])
    # no Python traceback in a log line (the stream's trace carries its stack in `stack_trace`, as the protocol has it)
    assert not [line for line in log_lines(messages) if "Traceback" in line]
    assert returncode != 0
    assert elapsed < 40  # waits of 1 + 2 + 4 s; the 8 min 26 s of before were the CDK's default retries
