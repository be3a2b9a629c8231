"""The real command line (`python main.py`) against hostile or broken APIs, every output scanned for secrets.

The tokens, API key and passwords hold `&`, `<`, `"` and a non-ASCII letter; the scan finds them in any
encoding (`sandbox.secret_leaks`), and the base64 of the basic-auth pair. Redirects are answered to a catcher
on another port, which must receive nothing.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from dataclasses import dataclass

import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer, Status, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from sandbox import harvest as harvest_emulator
from sandbox import running_catcher, secret_leaks
from sandbox.generic import GenericEmulator

from integration_tests.conftest import CONNECTOR_ROOT
from source_time_tracking import SourceTimeTracking
from source_time_tracking.run import run

GENERIC_TOKEN = 'Gt5Rw&<"ü-Token2026!'
HARVEST_TOKEN = 'Hv8Pq&<"ü-Token2026!'
API_KEY = 'Ak3Zn&<"ü-Key2026!'
BASIC = ("etl", 'Bp6Ty&<"ü-Pass2026!')
URL_PASSWORD = "Ui9Wq%26%3C%22%C3%BC-Url2026"  # in base_url's user-info, percent-encoded as a URL needs it
SECRETS = [GENERIC_TOKEN, HARVEST_TOKEN, API_KEY, BASIC[1], URL_PASSWORD]


@dataclass
class Run:
    command: str
    exit_code: int
    stdout: str
    stderr: str

    @property
    def messages(self) -> list:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def of_type(self, kind: str) -> list:
        return [message for message in self.messages if message["type"] == kind]

    @property
    def error_traces(self) -> list:
        return [m["trace"]["error"] for m in self.of_type("TRACE") if m["trace"]["type"] == "ERROR"]


@pytest.fixture
def hostile_apis(sandbox, monkeypatch):
    """Harvest and the generic API accept the hostile tokens (nothing else is changed); back to seeded data."""
    generic = next(emulator for emulator in sandbox.server.emulators if isinstance(emulator, GenericEmulator))
    accepted = generic.token
    monkeypatch.setattr(harvest_emulator, "TOKEN", HARVEST_TOKEN)
    generic.token = GENERIC_TOKEN
    sandbox.control.reset()
    yield sandbox
    generic.token = accepted
    sandbox.control.reset()


def _config(sandbox, provider: str, **changes) -> dict:
    config = copy.deepcopy(sandbox.credentials[provider])
    config["start_date"] = "2026-01-01T00:00:00Z"
    if provider == "generic":
        host = sandbox.base_url.removeprefix("http://")
        config["provider"].update(base_url=f"http://etl:{URL_PASSWORD}@{host}", auth={"auth_type": "bearer",
                                                                                     "token": GENERIC_TOKEN})
    else:
        config["provider"]["access_token"] = HARVEST_TOKEN
    config["provider"].update(changes)
    return config


def write_files(folder, config: dict) -> None:
    (folder / "config.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    catalog = CatalogBuilder().with_stream("time_entries", SyncMode.full_refresh).build()
    (folder / "catalog.json").write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(catalog)))


def _arguments(command: str, folder, debug: bool = False, extra: tuple = ()) -> list:
    args = [command, "--config", str(folder / "config.json")]
    if command == "read":
        args += ["--catalog", str(folder / "catalog.json"), *extra]
    return args + (["--debug"] if debug else [])


def run_main(command: str, folder, *, debug: bool = False) -> Run:
    args = [sys.executable, str(CONNECTOR_ROOT / "main.py"), *_arguments(command, folder, debug)]
    done = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", timeout=300, cwd=CONNECTOR_ROOT)
    return Run(command + (" --debug" if debug else ""), done.returncode, done.stdout, done.stderr)


def run_in_process(command: str, folder, capsys, monkeypatch, extra: tuple = ()) -> Run:
    """The console script's `run()` in this process: for input-file errors, which end before the CDK starts."""
    monkeypatch.setattr(sys, "argv", ["source-time-tracking", *_arguments(command, folder, extra=extra)])
    with pytest.raises(SystemExit) as exited:
        run()
    out, err = capsys.readouterr()
    return Run(command, exited.value.code, out, err)


def assert_nothing_leaked(run: Run) -> None:
    leaks = secret_leaks(run.stdout + run.stderr, SECRETS, basic_auth=[BASIC])
    assert not leaks, f"{run.command}: {leaks}"
    assert "Traceback" not in run.stderr, run.stderr
    assert all("type" in message for message in run.messages)  # every line is an intact protocol message


# ---------------------------------------------------------------- hostile cases


def _check_fails_with(text):
    def expect(run: Run) -> None:
        status = run.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
        assert status["status"] == "FAILED" and text in status["message"], status
    return expect


def _check_succeeds(run: Run) -> None:
    assert run.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED", run.stdout


def _read_fails_with(text):
    def expect(run: Run) -> None:
        assert run.exit_code != 0
        assert any(e["failure_type"] == "config_error" and text in e["message"] for e in run.error_traces), run.stdout
    return expect


def _read_completes(run: Run) -> None:
    assert run.exit_code == 0 and not run.error_traces and run.of_type("RECORD"), run.stdout


# name: (provider, provider changes, fault to switch on (catcher URL filled in), check outcome, read outcome)
CASES = {
    "generic token refused": ("generic", {"auth": {"auth_type": "bearer", "token": GENERIC_TOKEN + "x"}}, None,
                              _check_fails_with("HTTP 401"), _read_fails_with("HTTP 401")),
    "generic basic auth refused": ("generic", {"auth": {"auth_type": "basic", "username": BASIC[0],
                                                        "password": BASIC[1]}}, None,
                                   _check_fails_with("HTTP 401"), _read_fails_with("HTTP 401")),
    "harvest token refused": ("harvest", {"access_token": HARVEST_TOKEN + "x"}, None,
                              _check_fails_with("HTTP 401"), _read_fails_with("HTTP 401")),
    "generic HTTP 502 once": ("generic", {}, {"kind": "status", "status": 502, "count": 1},
                              _check_succeeds, _read_completes),
    "harvest truncated body once": ("harvest", {}, {"kind": "truncated", "count": 1},
                                    _check_succeeds, _read_completes),
    "generic API key, 307 to another port": (
        "generic", {"auth": {"auth_type": "api_key_header", "header_name": "X-API-Key", "api_key": API_KEY}},
        {"kind": "redirect", "status": 307}, _check_fails_with("follows no redirect"),
        _read_fails_with("follows no redirect")),
    "harvest 302 to another port": ("harvest", {}, {"kind": "redirect", "status": 302},
                                    _check_fails_with("follows no redirect"), _read_fails_with("follows no redirect")),
}
# The first case runs every command with and without --debug; the others `check --debug` and `read --debug`
# (a --debug run prints every line the plain run prints, and the DEBUG lines besides).
RUNS = [("check", False), ("discover", False), ("discover", True), ("read", False), ("check", True), ("read", True)]


@pytest.mark.parametrize("case", list(CASES))
def test_no_secret_in_any_output_of_a_hostile_case(case, hostile_apis, tmp_path):
    provider, changes, fault, expect_check, expect_read = CASES[case]
    write_files(tmp_path, _config(hostile_apis, provider, **changes))
    with running_catcher() as catcher:
        runs = []
        for command, debug in RUNS if case == next(iter(CASES)) else RUNS[4:]:
            hostile_apis.control.reset()
            if fault:
                settings = {**fault, "location": catcher.url} if fault["kind"] == "redirect" else fault
                hostile_apis.control.set_fault(**settings)
            run = run_main(command, tmp_path, debug=debug)
            runs.append(run)
            assert_nothing_leaked(run)
            if command == "check":
                expect_check(run)
            elif command == "read":
                expect_read(run)
        assert catcher.requests == []
    assert any(run.command.endswith("--debug") and '"type": "DEBUG"' in run.stdout for run in runs)


# ---------------------------------------------------------------- redirects


def _check_in_process(config, tmp_path):
    path = tmp_path / "redirect_config.json"
    path.write_text(json.dumps(config))
    entrypoint = AirbyteEntrypoint(SourceTimeTracking())
    messages = [json.loads(line) for line in entrypoint.run(entrypoint.parse_args(["check", "--config", str(path)]))]
    return next(m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("provider, changes, url_path", [
    ("generic", {"auth": {"auth_type": "api_key_header", "header_name": "X-API-Key", "api_key": API_KEY}},
     "/v1/entries"),
    ("harvest", {}, "/v2/company"),
])
def test_a_redirect_to_another_port_is_a_config_error_and_nothing_reaches_it(
        status, provider, changes, url_path, hostile_apis, tmp_path):
    with running_catcher() as catcher:
        hostile_apis.control.set_fault("redirect", status=status, location=catcher.url)

        checked = _check_in_process(_config(hostile_apis, provider, **changes), tmp_path)

        assert catcher.requests == []
    assert checked["status"] == Status.FAILED.value and f"HTTP {status}" in checked["message"]
    assert f"{hostile_apis.base_url}{url_path}" in checked["message"]
    assert f"{catcher.url}{url_path}" in checked["message"]
    assert hostile_apis.control.requests()["total"] == 1


# ---------------------------------------------------------------- input files


@pytest.mark.parametrize("command", ["check", "discover", "read"])
@pytest.mark.parametrize("content, problem", [
    (None, "does not exist"),
    ("{not json", "is not JSON: Expecting property name enclosed in double quotes at line 1, column 2"),
    ('[{"provider": {}}]', "must hold a JSON object; it holds a JSON array"),
])
def test_an_unusable_config_file_is_a_config_error_naming_it(command, content, problem, sandbox, tmp_path, capsys,
                                                               monkeypatch):
    write_files(tmp_path, _config(sandbox, "generic"))
    config = tmp_path / "config.json"
    if content is None:
        config.unlink()
    else:
        config.write_text(content)

    run = run_in_process(command, tmp_path, capsys, monkeypatch)

    expected = f"The config file '{config}' {problem}."
    if command == "check":
        assert run.exit_code == 0
        assert run.messages == [{"type": "CONNECTION_STATUS",
                                 "connectionStatus": {"status": "FAILED", "message": expected}}]
    else:
        assert run.exit_code == 1
        assert [m["type"] for m in run.messages] == ["TRACE"]
        error = run.error_traces[0]
        assert error["failure_type"] == "config_error" and error["message"] == expected
    assert "Traceback" not in run.stdout + run.stderr and "Something went wrong" not in run.stdout


def test_an_unusable_state_file_is_a_config_error_naming_it(sandbox, tmp_path, capsys, monkeypatch):
    write_files(tmp_path, _config(sandbox, "generic"))
    state = tmp_path / "state.json"
    state.write_text('{"time_entries": {"updated_at": "2026-01-01T00:00:00Z"}}')

    run = run_in_process("read", tmp_path, capsys, monkeypatch, extra=("--state", str(state)))

    assert run.exit_code == 1
    assert run.error_traces[0]["message"] == (f"The state file '{state}' must hold a JSON array; "
                                              f"it holds a JSON object.")
