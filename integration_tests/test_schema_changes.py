"""Schema changes in Intacct between runs, end to end: detected, applied or stopped, reported, recorded.

One story per warehouse (DuckDB, PostgreSQL), on the sage_gl connection and the financial_transactions
mapping only (the one that reads it), through `python -m pipeline run` as a user runs it:
baseline → custom fields added → a custom integer field widened to decimal → a mapped field removed
(stopped) → the same accepted → a custom field retyped to text (stopped) → accepted, by a full refresh of
its stream → a run that fails on bad credentials. Between runs a few GL lines are edited,
so each run has rows to load (Intacct re-sends only changed rows).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from destination_mappings import shipped_mappings_dir
from sandbox import running_sandbox

from pipeline.connections import CONNECTIONS
from pipeline.demo import demo_configs
from pipeline.run import run_pipeline
from pipeline.staging import Staging

SCALE, SEED = 0.05, 5
MAPPING = shipped_mappings_dir() / "financial_transactions.yaml"
STREAM, TABLE = "journal_entry_lines", "staging.sage_gl__journal_entry_lines"
WRONG_PASSWORD = "not-the-Passw0rd-7781"


class _Webhook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        self.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@dataclass
class Story:
    staging: Staging
    runs: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)
    ids: dict[str, list[int]] = field(default_factory=dict)  # GL lines updated before each run
    observed: dict[str, list[tuple]] = field(default_factory=dict)  # staging rows right after a run
    staging_before_stop: tuple = ()
    staging_after_stop: tuple = ()
    failed_error: str = ""
    webhook: list[dict] = field(default_factory=list)
    status_output: str = ""

    def query(self, sql: str) -> list[tuple]:
        with self.staging.connect() as db:
            return [tuple(row) for row in db.execute(sql).fetchall()]


def _staging_snapshot(story: Story) -> tuple:
    """What a stopped run must not touch: the stream's rows, its state, the kept catalogs."""
    rows = story.query(f"SELECT COUNT(*), MAX(_airbyte_extracted_at) FROM {TABLE}")
    state = story.query("SELECT state_json FROM staging._airbyte_state WHERE table_name = 'sage_gl__journal_entry_lines'")
    versions = story.query("SELECT COUNT(*) FROM staging._pipeline_catalogs")
    return rows, state, versions


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def story(request, tmp_path_factory) -> Story:
    workdir = tmp_path_factory.mktemp(f"schema-{request.param}")
    if request.param == "duckdb":
        staging, target = Staging(duckdb_path=workdir / "warehouse.duckdb"), ["--duckdb", str(workdir / "warehouse.duckdb")]
    else:
        server_dsn = request.getfixturevalue("postgres_dsn")
        with psycopg.connect(server_dsn, autocommit=True) as db:
            db.execute("CREATE DATABASE schema_changes")
        dsn = server_dsn.rsplit("/", 1)[0] + "/schema_changes"
        staging, target = Staging(dsn=dsn), ["--dsn", dsn]
    story = Story(staging)
    _Webhook.received = story.webhook
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    webhook_url = f"http://127.0.0.1:{server.server_port}/hooks/T000/B000/token-in-the-url"

    def run(name: str, *options: str, expected: int = 0) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--configs", str(workdir / "configs"), "--mappings", str(MAPPING),
             "--catalog-dir", str(workdir / "catalogs"), *target, *options],
            cwd=workdir, capture_output=True, text=True, timeout=300)
        assert result.returncode == expected, f"{name}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
        story.runs[name] = result

    try:
        with running_sandbox(scale=SCALE, seed=SEED) as sandbox:
            control = sandbox.control
            config = demo_configs(sandbox.credentials)[CONNECTIONS["sage_gl"]]
            (workdir / "configs").mkdir()
            (workdir / "configs" / "sage_gl.json").write_text(json.dumps(config))
            (workdir / "configs" / "pipeline.json").write_text(json.dumps({"webhook_url": webhook_url}))

            run("baseline")
            control.change_schema("GLENTRY", "add", "COST_POOL", type="text", value="POOL-A")
            control.change_schema("GLENTRY", "add", "CREW_SIZE", type="integer", value="4")
            lines = sorted(row["RECORDNO"] for row in control.truth("glentry", rows=True)["rows"])
            story.ids["added"] = control.mutate("glentry", "update", ids=lines[10:13])
            run("added")
            story.observed["added"] = story.query(
                f"SELECT recordno, cost_pool, crew_size FROM {TABLE} WHERE recordno IN ({_in(story.ids['added'])})")

            control.change_schema("GLENTRY", "remove", "CREW_SIZE")
            control.change_schema("GLENTRY", "add", "CREW_SIZE", type="decimal", value="4.75")
            story.ids["widened"] = control.mutate("glentry", "update", ids=lines[20:23])
            run("widened")
            story.observed["widened"] = story.query(
                f"SELECT recordno, crew_size FROM {TABLE} WHERE recordno IN ({_in(story.ids['widened'])})")
            story.observed["widened type"] = _column_type(story, "crew_size")

            control.change_schema("GLENTRY", "remove", "DEPARTMENT")
            story.ids["removed"] = control.mutate("glentry", "update", ids=lines[30:32])
            story.staging_before_stop = _staging_snapshot(story)
            story.observed["before removal"] = story.query(
                f"SELECT department FROM {TABLE} WHERE recordno IN ({_in(story.ids['removed'])})")
            run("stopped", expected=3)
            story.staging_after_stop = _staging_snapshot(story)
            run("accepted", "--accept-schema-changes")
            story.observed["departments kept"] = story.query(f"SELECT COUNT(*) FROM {TABLE} WHERE department IS NOT NULL")
            story.observed["removed lines"] = story.query(
                f"SELECT COUNT(*) FROM {TABLE} WHERE recordno IN ({_in(story.ids['removed'])}) AND department IS NULL")
            story.observed["removed targets"] = story.query(
                f"SELECT COUNT(*) FROM analytics.financial_transactions WHERE line_id IN ({_in(story.ids['removed'])}) "
                "AND department_id IS NULL")

            control.change_schema("GLENTRY", "retype", "CREW_SIZE", type="text")
            run("retyped", expected=3)
            run("reloaded", "--accept-schema-changes")
            story.observed["glentry count"] = [(control.truth("glentry")["count"],)]

            with pytest.raises(Exception) as failure:
                run_pipeline({CONNECTIONS["sage_gl"]: {**config, "user_password": WRONG_PASSWORD}}, staging,
                             out=open(workdir / "failed.log", "w"), catalog_dir=workdir / "catalogs",
                             mappings=MAPPING, webhook_url=webhook_url)
            story.failed_error = str(failure.value)
    finally:
        server.shutdown()
    story.status_output = subprocess.run([sys.executable, "-m", "pipeline", "status", *target], cwd=workdir,
                                         capture_output=True, text=True, timeout=120).stdout
    return story


def _column_type(story: Story, column: str) -> str:
    return story.query("SELECT data_type FROM information_schema.columns WHERE table_schema = 'staging' "
                       f"AND table_name = 'sage_gl__journal_entry_lines' AND column_name = '{column}'")[0][0]


def _printed_rows(stdout: str) -> dict[str, int]:
    """Rows read per stream as the run's summary table printed them."""
    table = stdout[stdout.index("sage_gl (incremental"):]
    return {stream: int(rows.replace(",", "")) for stream, rows in re.findall(r"^  (\w+)\s+([\d,]+)\s+[\d.-]+\s+[\d,-]+$", table, re.M)
            if stream != "total"}


def _in(ids: list[int]) -> str:
    return ", ".join(map(str, ids))


def test_a_custom_field_added_becomes_a_column_filled_for_the_rows_read(story):
    assert "schema changes: none" in story.runs["baseline"].stdout
    output = story.runs["added"].stdout
    assert "[applied] sage_gl.journal_entry_lines: new field COST_POOL (string)" in output
    assert "[applied] sage_gl.journal_entry_lines: new field CREW_SIZE (integer)" in output
    assert sorted(story.observed["added"]) == sorted((i, "POOL-A", 4) for i in story.ids["added"])


def test_an_integer_field_widened_to_decimal_keeps_every_decimal(story):
    assert ("[applied] sage_gl.journal_entry_lines: field CREW_SIZE widened integer → number"
            in story.runs["widened"].stdout)
    assert sorted(story.observed["widened"]) == sorted((i, Decimal("4.75")) for i in story.ids["widened"])
    assert story.observed["widened type"] in ("DECIMAL(38,9)", "numeric")  # DuckDB, PostgreSQL


def test_a_removed_field_a_mapping_reads_stops_the_connection_before_it_loads(story):
    message = story.runs["stopped"].stderr  # the fixture checked its exit code, 3
    assert "sage_gl.journal_entry_lines: field DEPARTMENT removed" in message
    assert "financial_transactions (financial_transactions.yaml, department_id)" in message
    assert "--accept-schema-changes" in message
    assert story.staging_after_stop == story.staging_before_stop


def test_accepting_the_removal_loads_the_rows_with_the_column_kept_and_empty(story):
    output = story.runs["accepted"].stdout
    assert "[BREAKING, accepted] sage_gl.journal_entry_lines: field DEPARTMENT removed" in output
    before = story.observed["before removal"]
    assert len(before) == 2 and all(department is not None for (department,) in before)
    assert story.observed["removed lines"] == [(2,)]
    assert story.observed["departments kept"][0][0] > 0  # lines not read again keep theirs
    assert story.observed["removed targets"] == [(2,)]


def test_a_type_that_cannot_widen_stops_and_when_accepted_reloads_only_its_stream(story):
    assert "sage_gl.journal_entry_lines: field CREW_SIZE changed type number → string" in story.runs["retyped"].stderr
    assert "full refresh" in story.runs["retyped"].stderr
    output = story.runs["reloaded"].stdout
    assert "[BREAKING, accepted: full refresh of the stream] sage_gl.journal_entry_lines: field CREW_SIZE" in output
    assert "sage_gl (incremental; full refresh of journal_entry_lines)" in output
    rows = _printed_rows(output)
    assert rows[STREAM] == story.observed["glentry count"][0][0]  # every line read again
    assert rows["gl_accounts"] == 0  # the other streams stay incremental
    assert story.query(f"SELECT COUNT(*) FROM {TABLE}") == story.observed["glentry count"]  # replaced, not appended
    assert _column_type(story, "crew_size") in ("VARCHAR", "text")  # DuckDB's and PostgreSQL's text type


def test_every_run_is_recorded_with_its_status_and_counts(story):
    runs = story.query("SELECT run_id, status, rows_read, rows_written, error FROM analytics._pipeline_runs ORDER BY started_at")
    assert [status for _, status, *_ in runs] == ["succeeded", "succeeded", "succeeded", "stopped", "succeeded",
                                                  "stopped", "succeeded", "failed"]
    per_stream = {run_id: dict(story.query(
        f"SELECT stream, rows_read FROM analytics._pipeline_stream_runs WHERE run_id = '{run_id}' AND connection = 'sage_gl'"))
        for run_id, *_ in runs}
    baseline, added, widened, stopped, accepted, _, _, failed = runs
    for name, (run_id, *_) in zip(("baseline", "added", "widened", "accepted"), (baseline, added, widened, accepted)):
        assert per_stream[run_id] == _printed_rows(story.runs[name].stdout), name
    assert per_stream[added[0]][STREAM] == 3  # the lines updated since the baseline
    assert per_stream[accepted[0]][STREAM] >= 2  # its updated lines, loaded once the removal is accepted
    assert baseline[2] == sum(per_stream[baseline[0]].values()) > 0 and baseline[3] == baseline[2]
    assert stopped[2:4] == (0, 0) and "field DEPARTMENT removed" in stopped[4]
    written = story.query("SELECT rows_written, state_before <> state_after FROM analytics._pipeline_stream_runs "
                          f"WHERE run_id = '{added[0]}' AND stream = '{STREAM}'")
    assert written == [(3, True)]
    assert per_stream[failed[0]] == {}
    assert WRONG_PASSWORD not in failed[4] and WRONG_PASSWORD not in story.failed_error
    assert story.status_output.count("succeeded") == 5 and story.status_output.count("stopped") == 2
    assert "failed" in story.status_output


def test_the_webhook_receives_each_runs_changes_and_failures_without_secrets(story):
    assert [summary["status"] for summary in story.webhook] == [
        "succeeded", "succeeded", "succeeded", "stopped", "succeeded", "stopped", "succeeded", "failed"]
    stopped = story.webhook[3]
    assert [(c["stream"], c["field"], c["breaking"]) for c in stopped["schema_changes"]] == [(STREAM, "DEPARTMENT", True)]
    assert stopped["failures"][0]["connection"] == "sage_gl" and "DEPARTMENT" in stopped["failures"][0]["reason"]
    assert {c["field"] for c in story.webhook[1]["schema_changes"]} == {"COST_POOL", "CREW_SIZE"}
    for summary in story.webhook:
        text = json.dumps(summary)
        assert WRONG_PASSWORD not in text and "sandbox-user-secret" not in text and "token-in-the-url" not in text
