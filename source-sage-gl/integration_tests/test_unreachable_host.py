"""A gateway that cannot be reached: `check` answers from its first attempt, `read` retries a bounded, short
time and says what happened, where, how many attempts and over how long — never "rate limit".

Real subprocesses of `main.py` against a closed loopback port (connection refused), real waits.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sandbox.testing import closed_loopback_port, error_traces, log_lines, run_main

from integration_tests.conftest import CONNECTOR_ROOT

CATALOG = CONNECTOR_ROOT / "integration_tests" / "configured_catalog.json"


def _run(command: str, tmp_path: Path) -> tuple[list[dict], str, float, int]:
    port = closed_loopback_port()
    config = json.loads((CONNECTOR_ROOT / "integration_tests" / "sample_config.json").read_text())
    config["endpoint_url"] = f"http://127.0.0.1:{port}/ia/xml/xmlgw.phtml"
    (tmp_path / "config.json").write_text(json.dumps(config))
    arguments = [command, "--config", str(tmp_path / "config.json")]
    if command == "read":
        arguments += ["--catalog", str(CATALOG)]
    messages, output, elapsed, returncode = run_main(CONNECTOR_ROOT, arguments)
    assert "Rate limit" not in output
    assert "Traceback" not in output  # not in a log line, not in a trace either
    return messages, f"127.0.0.1:{port}", elapsed, returncode


def test_check_answers_from_the_first_attempt(tmp_path: Path) -> None:
    messages, where, elapsed, _ = _run("check", tmp_path)

    status = [message["connectionStatus"] for message in messages if message["type"] == "CONNECTION_STATUS"]
    assert status[0] == {"status": "FAILED", "message": (
        f"Could not reach the Sage Intacct gateway at http://{where}/ia/xml/xmlgw.phtml: connection refused by "
        f"{where}. Check endpoint_url and that this network can reach it.")}
    assert not [line for line in log_lines(messages) if "retry" in line.lower()]
    assert elapsed < 20  # interpreter start included


def test_read_retries_four_times_within_seconds_and_says_so(tmp_path: Path) -> None:
    messages, where, elapsed, returncode = _run("read", tmp_path)

    retries = [line for line in log_lines(messages) if line.startswith("Caught retryable error")]
    assert [re.search(r"\(attempt (\d) of 4\)' after (\d) tries", line).groups() for line in retries] == [
        ("1", "1"), ("2", "2"), ("3", "3")]
    assert all(f"connection refused by {where}" in line for line in retries)
    traces = error_traces(messages)
    assert len(traces) == 1  # the sign-in, before any stream: the run ends once
    assert traces[0]["failure_type"] == "transient_error"
    errors = [trace["message"] for trace in traces]
    assert re.fullmatch(rf"Could not reach the Sage Intacct gateway at http://{where}/ia/xml/xmlgw.phtml: connection "
                        rf"refused by {where} — 4 attempts over [6-9] s\. Check endpoint_url and that this network "
                        rf"can reach it\.", errors[0])
    assert returncode != 0
    assert elapsed < 40  # waits of 1 + 2 + 4 s; the 8 min 26 s of before were the CDK's default retries
