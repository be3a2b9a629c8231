"""`python -m sandbox`: the serve command's JSON line, its clean stop, and `generate`."""

import json
import signal
import subprocess
import sys

import pytest
import requests

from sandbox import SandboxControl


def test_serve_prints_the_json_line_and_stops_on_sigterm():
    process = subprocess.Popen([sys.executable, "-m", "sandbox", "serve", "--port", "0", "--scale", "0.05",
                                "--seed", "9"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(process.stdout.readline())
        assert set(info) == {"base_url", "intacct", "harvest", "generic", "clockify", "quickbooks_time", "toggl",
                             "airbyte_api", "time_entries", "credentials"}
        assert info["base_url"].startswith("http://127.0.0.1:") and not info["base_url"].endswith(":0")
        assert set(info["credentials"]["intacct"]) == {"company_id", "sender_id", "sender_password", "user_id",
                                                       "user_password", "endpoint_url"}
        control = SandboxControl(info["base_url"])
        assert control.info()["seed"] == 9
        assert control.truth("glentry")["count"] > 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.wait()
    with pytest.raises(requests.ConnectionError):
        requests.get(info["base_url"] + "/_sandbox/info", timeout=5)


def test_serve_refuses_a_non_loopback_host():
    result = subprocess.run([sys.executable, "-m", "sandbox", "serve", "--host", "0.0.0.0", "--scale", "0.05"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--allow-remote" in result.stderr


def test_generate_writes_a_file_and_reports_rows(tmp_path):
    path = tmp_path / "company.sqlite"
    result = subprocess.run([sys.executable, "-m", "sandbox", "generate", str(path), "--scale", "0.05"],
                            capture_output=True, text=True, timeout=60, check=True)
    report = json.loads(result.stdout)
    assert path.exists() and report["rows"]["glentry"] > 0 and report["scale"] == 0.05
