"""Run history on a real DuckDB file, secrets kept out of error texts, the webhook summary, `status`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from pipeline.cli import main
from pipeline.connections import PipelineError, pipeline_settings
from pipeline.notify import post_summary, run_summary
from pipeline.run_history import PipelineRun, StreamRun, format_runs, last_runs, record_run, redact, secret_values
from pipeline.staging import Staging

SPEC = {"connectionSpecification": {"properties": {
    "user_password": {"type": "string", "airbyte_secret": True},
    "company_id": {"type": "string"},
    "provider": {"oneOf": [{"properties": {"access_token": {"type": "string", "airbyte_secret": True}}}]}}}}
STARTED = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


def _run(run_id: str, status: str, minutes: int, error: str | None = None) -> PipelineRun:
    return PipelineRun(run_id, STARTED + timedelta(minutes=minutes), STARTED + timedelta(minutes=minutes, seconds=42),
                       status, ["sage_gl"], [StreamRun("sage_gl", "gl_accounts", "loaded", 25, 24, None, '{"a": 1}')],
                       [{"stream": "gl_accounts", "field": "X", "breaking": False}], error)


def test_secret_values_follow_the_spec_at_any_depth_and_are_redacted():
    config = {"user_password": "pw-123456", "company_id": "NORTHWIND", "provider": {"access_token": "tok-abcdef"}}
    secrets = secret_values(config, SPEC)
    assert sorted(secrets) == ["pw-123456", "tok-abcdef"]
    assert redact("login pw-123456 failed, token tok-abcdef for NORTHWIND", secrets) == (
        "login **** failed, token **** for NORTHWIND")


def test_runs_are_appended_and_listed_newest_first(tmp_path, capsys):
    staging = Staging(duckdb_path=tmp_path / "warehouse.duckdb")
    record_run(staging, _run("r1", "succeeded", 0))
    record_run(staging, _run("r2", "failed", 10, error="PyAirbyteError: the source failed\nmore lines"))
    rows = last_runs(staging)
    assert [(row[2], row[4], row[5]) for row in rows] == [("failed", 25, 24), ("succeeded", 25, 24)]
    with staging.connect() as db:
        assert db.execute("SELECT run_id, stream, state_after FROM analytics._pipeline_stream_runs ORDER BY run_id").fetchall() == [
            ("r1", "gl_accounts", '{"a": 1}'), ("r2", "gl_accounts", '{"a": 1}')]
    table = format_runs(rows).splitlines()
    assert table[2].split()[:4] == ["2026-12-01", "02:10:00", "42.0s", "failed"]
    assert table[2].endswith("PyAirbyteError: the source failed")

    assert main(["status", "--duckdb", str(tmp_path / "warehouse.duckdb"), "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3  # header, rule, one run


def test_status_without_history(tmp_path, capsys):
    assert main(["status", "--duckdb", str(tmp_path / "empty.duckdb")]) == 0
    assert capsys.readouterr().out.strip() == "no runs recorded yet"


def test_the_webhook_url_comes_from_pipeline_json_and_nothing_else(tmp_path):
    assert pipeline_settings(tmp_path) == {}
    (tmp_path / "pipeline.json").write_text(json.dumps({"webhook_url": "https://hooks.example/T/B/x"}))
    assert pipeline_settings(tmp_path) == {"webhook_url": "https://hooks.example/T/B/x"}
    (tmp_path / "pipeline.json").write_text(json.dumps({"webhook": "https://hooks.example/T/B/x"}))
    with pytest.raises(PipelineError, match="unknown key"):
        pipeline_settings(tmp_path)


def test_an_unreachable_webhook_is_a_warning_that_never_shows_the_url():
    summary = run_summary(_run("r3", "stopped", 0), {"sage_gl": "field DEPARTMENT removed"})
    assert summary["text"].startswith("pipeline run stopped: 25 rows read, 1 schema change(s); not loaded: sage_gl")
    line = post_summary("http://127.0.0.1:9/hooks/secret-token", summary)  # port 9 (discard): nothing listens
    assert line.startswith("warning: the webhook at 127.0.0.1 could not be reached") and "secret-token" not in line
