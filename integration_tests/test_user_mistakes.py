"""The mistakes of a user's first hour, each run as the user runs it (`main.py` of a connector, `python -m
pipeline`), and each answered with one clear message: its class, the field it names, the exit status, no
Python traceback and no secret anywhere in the output.

A connector's `check` answers a config mistake with a FAILED connection status (exit 0, the Airbyte
convention); `discover` and `read` with exactly one `config_error` trace and exit 1. The connector configs
point at a closed loopback port, so a mistake that reached the network would read "connection refused", not
the message asserted. The cases run concurrently (each is its own process) and are asserted one by one.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from sandbox import running_sandbox
from sandbox.postgres import throwaway_postgres

REPO = Path(__file__).resolve().parent.parent
PASSWORD, TOKEN, DSN_PASSWORD = "pw-S3cret-9f2", "tok-S3cret-41c", "dsn-S3cret-77"

# message classes: what the first words of the answer must say
MISSING = r"is missing"
WRONG_TYPE = r"must be (a|an) [a-z ]+; got"
DATE_FORMAT = r"2026-01-01T00:00:00Z"  # the expected form is shown by its example
OUT_OF_RANGE = r"must be between -?\d+ and \d+; got"
NOT_ONE_OF = r"must be one of"
UNKNOWN_KEY = r"Unknown key '[\w.]+' is ignored: did you mean '[\w.]+'\?"
UNKNOWN_STREAM = r"The catalog names the stream '\w+', which this source does not have: did you mean '\w+'\?"
HTTPS_ONLY = r"must be an https URL"
NOT_A_ZONE = r"must be an IANA time zone name"
WAREHOUSE = r"^error: (cannot connect to PostgreSQL|--dsn for host)"
BLANK = r"holds only spaces: leave it out or give a value"
IN_THE_FUTURE = r"is in the future, so nothing would be read"
USERINFO = r"must not hold a user name or password"
QUERY = r"must not hold a query"
NOT_AN_OBJECT = r"must (hold a JSON object|be an object); (it holds a JSON array|got a (list|string))"
OUTSIDE_BASE_URL = r"must be a path under base_url"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


CLOSED = _closed_port()
SAGE = {"company_id": "ACME-FS", "sender_id": "sender", "sender_password": PASSWORD, "user_id": "etl",
        "user_password": PASSWORD, "start_date": "2026-01-01T00:00:00Z",
        "endpoint_url": f"http://127.0.0.1:{CLOSED}/ia/xml/xmlgw.phtml"}
HARVEST = {"provider": {"provider_type": "harvest", "account_id": "123", "access_token": TOKEN,
                        "user_agent": "Finance ETL (data@example.com)", "base_url": f"http://127.0.0.1:{CLOSED}/v2"}}
GENERIC = {"provider": {"provider_type": "generic", "base_url": f"http://127.0.0.1:{CLOSED}",
                        "auth": {"auth_type": "bearer", "token": TOKEN}}}


def without(config: dict, path: str) -> dict:
    copy = json.loads(json.dumps(config))
    *parents, key = path.split(".")
    node = copy
    for parent in parents:
        node = node[parent]
    del node[key]
    return copy


def with_(config: dict, path: str, value: Any) -> dict:
    copy = json.loads(json.dumps(config))
    *parents, key = path.split(".")
    node = copy
    for parent in parents:
        node = node[parent]
    node[key] = value
    return copy


@dataclass(frozen=True)
class Mistake:
    """What the user ran and got wrong, and what the answer must be."""

    part: str  # source-sage-gl, source-time-tracking or pipeline
    command: str
    message_class: str
    field: str  # named in the message
    config: Any = field(default_factory=dict)  # the config file's JSON (an object, unless that is the mistake)
    streams: tuple[str, ...] = ()  # a read's catalog
    dsn: Optional[str] = None  # pipeline: the --dsn, or a function of the throwaway server's DSN
    dsn_from_server: Optional[Callable[[str], str]] = None
    exit_status: Optional[int] = None  # default: 0 for check, 1 for discover/read, 2 for pipeline

    @property
    def expected_exit(self) -> int:
        if self.exit_status is not None:
            return self.exit_status
        return {"check": 0, "discover": 1, "read": 1}.get(self.command, 2)


MISTAKES = {
    "sage: company_id left out": Mistake("source-sage-gl", "check", MISSING, "company_id", without(SAGE, "company_id")),
    "sage: read without user_password": Mistake("source-sage-gl", "read", MISSING, "user_password",
                                                without(SAGE, "user_password"), streams=("gl_accounts",)),
    "sage: page_size as a string": Mistake("source-sage-gl", "check", WRONG_TYPE, "page_size",
                                           with_(SAGE, "page_size", "1000")),
    "sage: company_id as a number": Mistake("source-sage-gl", "discover", WRONG_TYPE, "company_id",
                                            with_(SAGE, "company_id", 42)),
    "sage: page_size too big": Mistake("source-sage-gl", "discover", OUT_OF_RANGE, "page_size",
                                       with_(SAGE, "page_size", 5000)),
    "sage: negative lookback": Mistake("source-sage-gl", "check", OUT_OF_RANGE, "lookback_minutes",
                                       with_(SAGE, "lookback_minutes", -5)),
    "sage: start_date day first": Mistake("source-sage-gl", "check", DATE_FORMAT, "start_date",
                                          with_(SAGE, "start_date", "01/02/2020")),
    "sage: start_date no such day": Mistake("source-sage-gl", "read", DATE_FORMAT, "start_date",
                                            with_(SAGE, "start_date", "2026-02-31"), streams=("gl_accounts",)),
    "sage: page_sise typo": Mistake("source-sage-gl", "check", UNKNOWN_KEY, "page_size", with_(SAGE, "page_sise", 10)),
    "sage: endpoint for endpoint_url": Mistake("source-sage-gl", "check", UNKNOWN_KEY, "endpoint_url",
                                               with_(without(SAGE, "endpoint_url"), "endpoint", SAGE["endpoint_url"])),
    "sage: time zone that does not exist": Mistake("source-sage-gl", "check", NOT_A_ZONE, "timezone",
                                                   with_(SAGE, "timezone", "Mars/Olympus_Mons")),
    "sage: plain http gateway": Mistake("source-sage-gl", "check", HTTPS_ONLY, "endpoint_url",
                                        with_(SAGE, "endpoint_url", "http://intacct.example.com/ia/xml/xmlgw.phtml")),
    "sage: catalog with a misspelt stream": Mistake("source-sage-gl", "read", UNKNOWN_STREAM, "gl_accounts", SAGE,
                                                    streams=("gl_acounts",)),
    "sage: page_size 0": Mistake("source-sage-gl", "check", OUT_OF_RANGE, "page_size", with_(SAGE, "page_size", 0)),
    "sage: lookback of three weeks": Mistake("source-sage-gl", "discover", OUT_OF_RANGE, "lookback_minutes",
                                             with_(SAGE, "lookback_minutes", 30240)),
    "sage: lookback as a fraction": Mistake("source-sage-gl", "check", WRONG_TYPE, "lookback_minutes",
                                            with_(SAGE, "lookback_minutes", 1.5)),
    "sage: page_size true": Mistake("source-sage-gl", "check", WRONG_TYPE, "page_size", with_(SAGE, "page_size", True)),
    "sage: sender_password of spaces": Mistake("source-sage-gl", "read", MISSING, "sender_password",
                                               with_(SAGE, "sender_password", "   "), streams=("gl_accounts",)),
    "sage: company_id empty": Mistake("source-sage-gl", "discover", MISSING, "company_id", with_(SAGE, "company_id", "")),
    "sage: start_date in the future": Mistake("source-sage-gl", "check", IN_THE_FUTURE, "start_date",
                                              with_(SAGE, "start_date", "2999-01-01T00:00:00Z")),
    "sage: start_date as a number": Mistake("source-sage-gl", "check", WRONG_TYPE, "start_date",
                                            with_(SAGE, "start_date", 20260101)),
    "sage: password in the gateway URL": Mistake(
        "source-sage-gl", "check", USERINFO, "endpoint_url",
        with_(SAGE, "endpoint_url", f"https://etl:{PASSWORD}@api.intacct.com/ia/xml/xmlgw.phtml")),
    "sage: query on the gateway URL": Mistake("source-sage-gl", "read", QUERY, "endpoint_url",
                                              with_(SAGE, "endpoint_url", SAGE["endpoint_url"] + "?company=ACME-FS"),
                                              streams=("gl_accounts",)),
    "sage: gateway without a scheme": Mistake("source-sage-gl", "check", HTTPS_ONLY, "endpoint_url",
                                              with_(SAGE, "endpoint_url", "api.intacct.com/ia/xml/xmlgw.phtml")),
    "sage: time zone as an offset": Mistake("source-sage-gl", "check", WRONG_TYPE, "timezone", with_(SAGE, "timezone", -8)),
    "sage: entity_id as a number": Mistake("source-sage-gl", "check", WRONG_TYPE, "entity_id", with_(SAGE, "entity_id", 100)),
    "sage: entity_id of spaces": Mistake("source-sage-gl", "read", BLANK, "entity_id", with_(SAGE, "entity_id", "  "),
                                         streams=("gl_accounts",)),
    "sage: config file holding a list": Mistake("source-sage-gl", "check", NOT_AN_OBJECT, "config file", [SAGE]),
    "harvest: no user_agent": Mistake("source-time-tracking", "check", MISSING, "provider.user_agent",
                                      without(HARVEST, "provider.user_agent")),
    "harvest: read without access_token": Mistake("source-time-tracking", "read", MISSING, "provider.access_token",
                                                  without(HARVEST, "provider.access_token"), streams=("users",)),
    "harvest: acount_id typo": Mistake("source-time-tracking", "check", UNKNOWN_KEY, "provider.account_id",
                                       with_(without(HARVEST, "provider.account_id"), "provider.acount_id", "123")),
    "harvest: provider_type misspelt": Mistake("source-time-tracking", "check", NOT_ONE_OF, "provider.provider_type",
                                               with_(HARVEST, "provider.provider_type", "harvst")),
    "harvest: deletion window of 0 days": Mistake("source-time-tracking", "check", OUT_OF_RANGE,
                                                  "deletion_window_days", with_(HARVEST, "deletion_window_days", 0)),
    "harvest: deletion window as a string": Mistake("source-time-tracking", "discover", WRONG_TYPE,
                                                    "deletion_window_days", with_(HARVEST, "deletion_window_days", "60")),
    "harvest: start_date day first": Mistake("source-time-tracking", "check", DATE_FORMAT, "start_date",
                                             with_(HARVEST, "start_date", "01/02/2020")),
    "generic: no auth": Mistake("source-time-tracking", "check", MISSING, "provider.auth", without(GENERIC, "provider.auth")),
    "generic: no base_url": Mistake("source-time-tracking", "discover", MISSING, "provider.base_url",
                                    without(GENERIC, "provider.base_url")),
    "generic: auth_type oauth": Mistake("source-time-tracking", "check", NOT_ONE_OF, "provider.auth.auth_type",
                                        with_(GENERIC, "provider.auth.auth_type", "oauth")),
    "generic: page_size 0": Mistake("source-time-tracking", "check", OUT_OF_RANGE, "provider.pagination.page_size",
                                    with_(GENERIC, "provider.pagination", {"page_size": 0})),
    "generic: page_sise typo": Mistake("source-time-tracking", "check", UNKNOWN_KEY, "provider.pagination.page_size",
                                       with_(GENERIC, "provider.pagination", {"page_sise": 50})),
    "generic: cursor format epoch": Mistake("source-time-tracking", "check", NOT_ONE_OF, "provider.incremental.format",
                                            with_(GENERIC, "provider.incremental", {"format": "epoch"})),
    "generic: catalog with a Harvest stream": Mistake("source-time-tracking", "read", UNKNOWN_STREAM, "time_entries",
                                                      GENERIC, streams=("time_entrys",)),
    "harvest: access_token of spaces": Mistake("source-time-tracking", "check", MISSING, "provider.access_token",
                                               with_(HARVEST, "provider.access_token", "  ")),
    "harvest: provider as a list": Mistake("source-time-tracking", "check", NOT_AN_OBJECT, "provider",
                                           {"provider": [HARVEST["provider"]]}),
    "harvest: provider as a name": Mistake("source-time-tracking", "discover", NOT_AN_OBJECT, "provider",
                                           {"provider": "harvest"}),
    "harvest: plain http to Harvest": Mistake("source-time-tracking", "check", HTTPS_ONLY, "base_url",
                                              with_(HARVEST, "provider.base_url", "http://api.harvestapp.com/v2")),
    "harvest: plain http with a token in the base_url": Mistake(
        "source-time-tracking", "check", HTTPS_ONLY, "base_url",
        with_(HARVEST, "provider.base_url", f"http://u:{TOKEN}@api.harvestapp.com/v2")),
    "harvest: account_id as a number": Mistake("source-time-tracking", "check", WRONG_TYPE, "provider.account_id",
                                               with_(HARVEST, "provider.account_id", 123)),
    "harvest: deletion window of 400 days": Mistake("source-time-tracking", "check", OUT_OF_RANGE,
                                                    "deletion_window_days", with_(HARVEST, "deletion_window_days", 400)),
    "harvest: start_date in the future": Mistake("source-time-tracking", "read", IN_THE_FUTURE, "start_date",
                                                 with_(HARVEST, "start_date", "2999-01-01T00:00:00Z"), streams=("users",)),
    "harvest: start_date no such day": Mistake("source-time-tracking", "check", DATE_FORMAT, "start_date",
                                               with_(HARVEST, "start_date", "2026-02-31")),
    "generic: basic auth without password": Mistake(
        "source-time-tracking", "check", MISSING, "provider.auth.password",
        with_(GENERIC, "provider.auth", {"auth_type": "basic", "username": "etl"})),
    "generic: api key header without the key": Mistake(
        "source-time-tracking", "discover", MISSING, "provider.auth.api_key",
        with_(GENERIC, "provider.auth", {"auth_type": "api_key_header", "header_name": "X-Key"})),
    "generic: auth as a list": Mistake("source-time-tracking", "check", NOT_AN_OBJECT, "provider.auth",
                                       with_(GENERIC, "provider.auth", [GENERIC["provider"]["auth"]])),
    "generic: bearer token of spaces": Mistake("source-time-tracking", "read", MISSING, "provider.auth.token",
                                               with_(GENERIC, "provider.auth.token", " "), streams=("time_entries",)),
    "generic: entries_path on another host": Mistake(
        "source-time-tracking", "check", OUTSIDE_BASE_URL, "entries_path",
        with_(GENERIC, "provider.entries_path", "https://collector.example.com/v1/entries")),
    "generic: entries_path climbing out": Mistake("source-time-tracking", "check", OUTSIDE_BASE_URL, "entries_path",
                                                  with_(GENERIC, "provider.entries_path", "/../admin/entries")),
    "generic: records_path with an empty key": Mistake("source-time-tracking", "check", r"must be written like result/items",
                                                       "provider.records_path",
                                                       with_(GENERIC, "provider.records_path", "data//items")),
    "generic: records_path of spaces": Mistake("source-time-tracking", "check", BLANK, "provider.records_path",
                                               with_(GENERIC, "provider.records_path", "  ")),
    "generic: primary_key empty": Mistake("source-time-tracking", "check", r"must be written like id", "provider.primary_key",
                                          with_(GENERIC, "provider.primary_key", "")),
    "generic: headers as a list": Mistake("source-time-tracking", "check", NOT_AN_OBJECT, "provider.headers",
                                          with_(GENERIC, "provider.headers", ["X-Tenant: 7"])),
    "generic: header value a number": Mistake("source-time-tracking", "check", WRONG_TYPE, "provider.headers.X-Tenant",
                                              with_(GENERIC, "provider.headers", {"X-Tenant": 7})),
    "generic: page_size 20000": Mistake("source-time-tracking", "check", OUT_OF_RANGE, "provider.pagination.page_size",
                                        with_(GENERIC, "provider.pagination", {"page_size": 20000})),
    "generic: query on base_url": Mistake("source-time-tracking", "check", QUERY, "base_url",
                                          with_(GENERIC, "provider.base_url", "https://api.example.com/?tenant=7")),
    "pipeline: Harvest config without user_agent": Mistake(
        "pipeline", "run", r"^error: time_harvest config for source-time-tracking: .*" + MISSING, "provider.user_agent",
        without(HARVEST, "provider.user_agent")),
    "pipeline: --dsn of another database": Mistake("pipeline", "run", WAREHOUSE, "warehouse",
                                                   dsn=f"mysql://etl:{DSN_PASSWORD}@db.example.com/warehouse"),
    "pipeline: --dsn to a closed port": Mistake("pipeline", "run", WAREHOUSE + r".*Connection refused", "warehouse",
                                                dsn=f"postgresql://etl:{DSN_PASSWORD}@127.0.0.1:{CLOSED}/warehouse"),
    "pipeline: --dsn to a missing database": Mistake(
        "pipeline", "run", WAREHOUSE + r'.*database "no_such_db" does not exist', "no_such_db",
        dsn_from_server=lambda dsn: dsn.rsplit("/", 1)[0] + "/no_such_db"),
}


def _run(mistake: Mistake, workdir: Path, server_dsn: str) -> subprocess.CompletedProcess:
    workdir.mkdir(parents=True)
    if mistake.part == "pipeline":
        configs = workdir / "configs"
        configs.mkdir()
        if mistake.config:
            (configs / "time_harvest.json").write_text(json.dumps(mistake.config))
            target = ["--duckdb", str(workdir / "warehouse.duckdb")]
        else:
            (configs / "sage_gl.json").write_text(json.dumps(SAGE))
            target = ["--dsn", mistake.dsn or mistake.dsn_from_server(server_dsn)]
        command = [sys.executable, "-m", "pipeline", "run", "--configs", str(configs), *target,
                   "--catalog-dir", str(workdir / "catalogs")]
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    config = workdir / "config.json"
    config.write_text(json.dumps(mistake.config))
    command = [sys.executable, "main.py", mistake.command, "--config", str(config)]
    if mistake.command == "read":
        catalog = workdir / "catalog.json"
        catalog.write_text(json.dumps({"streams": [
            {"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
             "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for name in mistake.streams]}))
        command += ["--catalog", str(catalog)]
    return subprocess.run(command, cwd=REPO / mistake.part, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("mistakes")
    with throwaway_postgres() as server_dsn, ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(_run, mistake, root / f"case{number}", server_dsn)
                   for number, (name, mistake) in enumerate(MISTAKES.items())}
        return {name: future.result() for name, future in futures.items()}


def _messages(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def _answer(mistake: Mistake, outcome: subprocess.CompletedProcess) -> str:
    """The one message the user gets: the FAILED status of `check`, the one error trace, or the CLI's line."""
    if mistake.part == "pipeline":
        lines = outcome.stderr.strip().splitlines()
        errors = [line for line in lines if line.startswith("error:")]
        assert len(errors) == 1, outcome.stderr
        if not mistake.config:  # a --dsn mistake ends the run before PyAirbyte starts any source: nothing else
            assert lines == errors, outcome.stderr
        return errors[0]
    messages = _messages(outcome.stdout)
    if mistake.command == "check":
        statuses = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
        assert [status["status"] for status in statuses] == ["FAILED"], outcome.stdout[-2000:]
        return statuses[0]["message"]
    traces = [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    assert len(traces) == 1, outcome.stdout[-3000:]
    assert traces[0]["failure_type"] == "config_error"
    return traces[0]["message"]


def test_there_are_at_least_20_mistakes_per_connector_and_some_for_the_pipeline():
    per_part = Counter(mistake.part for mistake in MISTAKES.values())
    print(f"user mistakes per part: {dict(per_part)}")
    assert per_part["source-sage-gl"] >= 20 and per_part["source-time-tracking"] >= 20 and per_part["pipeline"] >= 1


@pytest.mark.parametrize("name", MISTAKES)
def test_a_mistake_gets_one_message_naming_the_field_and_no_traceback_or_secret(name, outcomes):
    mistake, outcome = MISTAKES[name], outcomes[name]
    output = outcome.stdout + outcome.stderr
    assert outcome.returncode == mistake.expected_exit, output[-3000:]
    answer = _answer(mistake, outcome)
    assert re.search(mistake.message_class, answer), answer
    assert mistake.field in answer, answer
    assert "Traceback" not in output
    assert "was expected" not in output  # jsonschema's oneOf noise
    for secret in (PASSWORD, TOKEN, DSN_PASSWORD):
        assert secret not in output


def test_read_warns_about_an_unknown_key_and_still_reads(tmp_path):
    """`check` fails on a typo; `read` says the same as a warning and goes on with what the config does say."""
    with running_sandbox(scale=0.01, seed=5) as sandbox:
        config = {**sandbox.credentials["intacct"], "start_date": "2025-01-01T00:00:00Z", "page_sise": 10}
        outcome = _run(Mistake("source-sage-gl", "read", UNKNOWN_KEY, "page_size", config, streams=("gl_accounts",)),
                       tmp_path / "read", "")
        accounts = sandbox.control.truth("glaccount")["count"]
    messages = _messages(outcome.stdout)
    warnings = [m["log"]["message"] for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"
                and re.search(UNKNOWN_KEY, m["log"]["message"])]
    assert outcome.returncode == 0, outcome.stdout[-3000:]
    assert warnings == ["Unknown key 'page_sise' is ignored: did you mean 'page_size'?"]
    assert sum(m["type"] == "RECORD" for m in messages) == accounts
