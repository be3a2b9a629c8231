"""The real command line (`python main.py`) against a hostile or broken gateway, every output scanned for secrets.

The passwords hold `&`, `<`, `"` and a non-ASCII letter, so they are XML-escaped in every request body; the
scan finds them in any encoding (`sandbox.secret_leaks`), and the session ids the gateway handed out too.
Redirects are answered to a catcher on another port, which must receive nothing.
"""

import json
import subprocess
import sys
from dataclasses import dataclass, replace

import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer, FailureType, Status, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from sandbox import running_catcher, secret_leaks
from sandbox.intacct import ENDPOINT, IntacctEmulator

from integration_tests.conftest import CONNECTOR_ROOT, sandbox_config
from source_sage_gl import SourceSageGl
from source_sage_gl.run import run

SENDER_PASSWORD = 'Sq7Kv&<"ü-Winter9!'
USER_PASSWORD = 'Zp4Lm&<"ü-Summer2026!'
WRONG_USER_PASSWORD = 'Wr0ng&<"ü-Autumn2025!'
READ_STREAMS = ["gl_accounts", "deleted_records"]


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
def hostile_gateway(sandbox, control):
    """The gateway accepts the hostile passwords; yields the session ids it hands out."""
    gateway = next(emulator for emulator in sandbox.server.emulators if isinstance(emulator, IntacctEmulator))
    accepted, open_session = gateway.credentials, gateway.sessions.open
    session_ids = []

    def recording_open(*args, **kwargs):
        session = open_session(*args, **kwargs)
        session_ids.append(session.sessionid)
        return session

    gateway.credentials = replace(accepted, sender_password=SENDER_PASSWORD, user_password=USER_PASSWORD)
    gateway.sessions.open = recording_open
    yield session_ids
    gateway.credentials = accepted
    del gateway.sessions.open


@pytest.fixture
def files(sandbox, tmp_path):
    """Writes a config (with the hostile passwords) and the read catalog; returns their paths."""
    def write(**overrides):
        config = sandbox_config(sandbox, **{"sender_password": SENDER_PASSWORD, "user_password": USER_PASSWORD,
                                            **overrides})
        (tmp_path / "config.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        catalog = CatalogBuilder()
        for stream in READ_STREAMS:
            catalog.with_stream(stream, SyncMode.full_refresh)
        (tmp_path / "catalog.json").write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(catalog.build())))
        return tmp_path
    return write


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
    monkeypatch.setattr(sys, "argv", ["source-sage-gl", *_arguments(command, folder, extra=extra)])
    with pytest.raises(SystemExit) as exited:
        run()
    out, err = capsys.readouterr()
    return Run(command, exited.value.code, out, err)


def assert_nothing_leaked(run: Run, session_ids) -> None:
    leaks = secret_leaks(run.stdout + run.stderr, [SENDER_PASSWORD, USER_PASSWORD, WRONG_USER_PASSWORD, *session_ids])
    assert not leaks, f"{run.command}: {leaks}"
    assert "Traceback" not in run.stderr, run.stderr
    assert all("type" in message for message in run.messages)  # every line is an intact protocol message


# ---------------------------------------------------------------- hostile cases


def _wrong_password(control, catcher):
    return {"user_password": WRONG_USER_PASSWORD}


def _company_expired(control, catcher):
    control.set_fault("company_expired")


def _audit_permission_missing(control, catcher):
    control.set_fault("permission_denied", paths=[f"{ENDPOINT}/AUDITHISTORY"])


def _server_error_once(control, catcher):
    control.set_fault("status", status=502, count=1)


def _truncated_once(control, catcher):
    control.set_fault("truncated", count=1)


def _redirect_to_another_port(control, catcher):
    control.set_fault("redirect", status=307, location=catcher.url)


def _check_fails_with(text):
    def expect(run: Run) -> None:
        status = run.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
        assert status["status"] == "FAILED" and text in status["message"], status
    return expect


def _check_succeeds(run: Run) -> None:
    assert run.of_type("CONNECTION_STATUS")[0]["connectionStatus"]["status"] == "SUCCEEDED"


def _read_fails_with(failure_type, text):
    def expect(run: Run) -> None:
        assert run.exit_code != 0
        assert any(e["failure_type"] == failure_type and text in e["message"] for e in run.error_traces), run.stdout
    return expect


def _read_completes(run: Run) -> None:
    assert run.exit_code == 0 and not run.error_traces and run.of_type("RECORD")


# The first case runs every command with and without --debug; the others `check --debug` and `read --debug`
# (a --debug run prints every line the plain run prints, and the DEBUG lines besides).
CASES = {
    "wrong password": (_wrong_password, _check_fails_with("Sign-in information is incorrect"),
                       _read_fails_with("config_error", "sign-in failed")),
    "company expired": (_company_expired, _check_fails_with("has expired"),
                        _read_fails_with("config_error", "expired")),
    "audit permission missing": (_audit_permission_missing, _check_succeeds,
                                 _read_fails_with("config_error", "AUDITHISTORY")),
    "HTTP 502 once": (_server_error_once, _check_succeeds, _read_completes),
    "truncated body once": (_truncated_once, _check_succeeds, _read_completes),
    "307 to another port": (_redirect_to_another_port, _check_fails_with("follows no redirect"),
                            _read_fails_with("config_error", "follows no redirect")),
}


RUNS = [("check", False), ("discover", False), ("discover", True), ("read", False), ("check", True), ("read", True)]


@pytest.mark.parametrize("case", list(CASES))
def test_no_secret_in_any_output_of_a_hostile_case(case, sandbox, control, hostile_gateway, files):
    arrange, expect_check, expect_read = CASES[case]
    with running_catcher() as catcher:
        runs = []
        for command, debug in RUNS if case == "wrong password" else RUNS[4:]:
            control.reset()
            overrides = arrange(control, catcher) or {}
            run = run_main(command, files(**overrides), debug=debug)
            runs.append(run)
            assert_nothing_leaked(run, hostile_gateway)
            if command == "check":
                expect_check(run)
            elif command == "read":
                expect_read(run)
        assert catcher.requests == []
    assert any(run.command.endswith("--debug") and '"type": "DEBUG"' in run.stdout for run in runs)


def test_a_non_secret_field_is_not_masked(sandbox, control, files):
    """`user_id` is no secret: a short one (`age`) must not be masked inside every protocol message."""
    run = run_main("read", files(user_id="age", user_password=WRONG_USER_PASSWORD))

    traces = run.error_traces
    assert traces and all("message" in trace and "****" not in trace["message"] for trace in traces)
    assert "age" in run.stdout


# ---------------------------------------------------------------- redirects


def _check_in_process(config, tmp_path):
    path = tmp_path / "redirect_config.json"
    path.write_text(json.dumps(config))
    entrypoint = AirbyteEntrypoint(SourceSageGl())
    messages = [json.loads(line) for line in entrypoint.run(entrypoint.parse_args(["check", "--config", str(path)]))]
    return next(m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_port_is_a_config_error_and_nothing_reaches_it(status, sandbox, control, tmp_path):
    config = sandbox_config(sandbox)
    with running_catcher() as catcher:
        control.set_fault("redirect", status=status, location=catcher.url)

        checked = _check_in_process(config, tmp_path)
        catalog = CatalogBuilder().with_stream("gl_accounts", SyncMode.full_refresh).build()
        output = read(SourceSageGl(), config, catalog, expecting_exception=True)

        assert catcher.requests == []
    assert checked["status"] == Status.FAILED.value
    assert config["endpoint_url"] in checked["message"] and f"{catcher.url}{ENDPOINT}" in checked["message"]
    assert f"HTTP {status}" in checked["message"]
    errors = [message.trace.error for message in output.errors]
    assert errors and all(error.failure_type == FailureType.config_error for error in errors)
    assert control.requests()["total"] == 2  # one sign-in per command, never sent again


def test_a_redirect_to_the_same_gateway_does_not_send_the_post_again(sandbox, control, tmp_path):
    control.set_fault("redirect", status=307, location=sandbox.base_url)

    checked = _check_in_process(sandbox_config(sandbox), tmp_path)

    assert checked["status"] == Status.FAILED.value and "HTTP 307" in checked["message"]
    assert control.requests()["total"] == 1


# ---------------------------------------------------------------- input files


@pytest.mark.parametrize("command", ["check", "discover", "read"])
@pytest.mark.parametrize("content, problem", [
    (None, "does not exist"),
    ("{not json", "is not JSON: Expecting property name enclosed in double quotes at line 1, column 2"),
    ('[{"company_id": "X"}]', "must hold a JSON object; it holds a JSON array"),
])
def test_an_unusable_config_file_is_a_config_error_naming_it(command, content, problem, files, capsys, monkeypatch):
    folder = files()
    config = folder / "config.json"
    if content is None:
        config.unlink()
    else:
        config.write_text(content)

    run = run_in_process(command, folder, capsys, monkeypatch)

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


def test_an_unusable_catalog_file_is_a_config_error_naming_it(files, capsys, monkeypatch):
    folder = files()
    (folder / "catalog.json").write_text('"streams"')

    run = run_in_process("read", folder, capsys, monkeypatch)

    assert run.exit_code == 1
    assert run.error_traces[0]["message"] == (f"The catalog file '{folder / 'catalog.json'}' must hold a JSON "
                                              f"object; it holds a JSON string.")
