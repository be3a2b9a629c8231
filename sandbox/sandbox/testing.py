"""Helpers both connectors' integration tests use (the sandbox package is installed in every dev venv): a
host that refuses connections, a `main.py` run as a subprocess, and a read SIGKILLed after its Nth STATE.

Not used by the sandbox itself; it imports the Airbyte CDK, which only the dev venvs hold.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable

from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder


def closed_loopback_port() -> int:
    """A loopback port nothing listens on (bound, then released): a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_main(connector_root: Path, arguments: list[str], timeout: float = 120) -> tuple[list[dict], str, float, int]:
    """`python main.py <arguments>` in `connector_root`: (its Airbyte messages, stdout + stderr, the seconds it
    took, its exit code). Fails on a Python traceback on stderr or a FATAL log."""
    started = time.monotonic()
    finished = subprocess.run([sys.executable, "main.py", *arguments], cwd=connector_root, capture_output=True,
                              text=True, timeout=timeout)
    elapsed = time.monotonic() - started
    assert "Traceback" not in finished.stderr
    assert '"level":"FATAL"' not in finished.stdout
    messages = [json.loads(line) for line in finished.stdout.splitlines() if line.startswith("{")]
    return messages, finished.stdout + finished.stderr, elapsed, finished.returncode


def log_lines(messages: list[dict]) -> list[str]:
    return [message["log"]["message"] for message in messages if message["type"] == "LOG"]


def error_traces(messages: list[dict]) -> list[dict]:
    return [message["trace"]["error"] for message in messages
            if message["type"] == "TRACE" and message["trace"]["type"] == "ERROR"]


def read_until_state(connector_root: Path, tmp_path: Path, config: dict, streams: Iterable[str], state: dict,
                     kill_after: int) -> tuple[bool, list, dict]:
    """Run `main.py read` of `streams` (incremental) from `state` (stream name -> its state); SIGKILL it right
    after its `kill_after`th STATE line (0: never).

    Returns whether it was killed, the (stream, record) pairs delivered, and the latest state of each stream.
    The platform keeps what came before the last STATE, so the records after it are dropped, as it would."""
    catalog = CatalogBuilder()
    for name in streams:
        catalog.with_stream(name, SyncMode.incremental)
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(catalog.build())))
    (tmp_path / "state.json").write_text(json.dumps(
        [{"type": "STREAM", "stream": {"stream_descriptor": {"name": n}, "stream_state": s}} for n, s in state.items()]))
    command = [sys.executable, "main.py", "read", "--config", str(tmp_path / "config.json"),
               "--catalog", str(tmp_path / "catalog.json"), "--state", str(tmp_path / "state.json")]
    process = subprocess.Popen(command, cwd=connector_root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    records, pending, states, seen = [], [], dict(state), 0
    try:
        for line in process.stdout:
            message = json.loads(line)
            if message["type"] == "RECORD":
                pending.append((message["record"]["stream"], message["record"]["data"]))
            elif message["type"] == "STATE":
                stream = message["state"]["stream"]
                states[stream["stream_descriptor"]["name"]] = stream["stream_state"]
                records.extend(pending)
                pending = []
                seen += 1
                if seen == kill_after:
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                    return True, records, states
        assert process.wait() == 0
        return False, records + pending, states
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
