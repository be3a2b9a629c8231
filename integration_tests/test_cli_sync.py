"""`python -m pipeline sync` as a user runs it: a config file, two separate processes, state kept in DuckDB."""

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
from sandbox import running_sandbox

from pipeline.connections import CONNECTIONS
from pipeline.demo import demo_configs

STREAMS = ("gl_accounts", "journal_entries")


def _sync(config: Path, workdir: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "sync", "--connection", "sage_gl", "--config", str(config),
         "--duckdb", str(workdir / "warehouse.duckdb"), "--catalog-dir", str(workdir / "catalogs"),
         "--streams", ",".join(STREAMS), *options],
        cwd=workdir, capture_output=True, text=True, timeout=300)


def _rows_read(stdout: str) -> dict[str, int]:
    return {stream: int(re.search(rf"^\s+{stream}\s+([\d,]+)\s", stdout, re.M).group(1).replace(",", ""))
            for stream in STREAMS}


def test_sync_from_the_command_line_resumes_from_saved_state_and_never_prints_secrets(tmp_path):
    with running_sandbox(scale=0.05, seed=3) as sandbox:
        config = tmp_path / "sage_gl.json"
        config.write_text(json.dumps(demo_configs(sandbox.credentials)[CONNECTIONS["sage_gl"]]))
        glbatch_count = sandbox.control.truth("glbatch")["count"]

        first = _sync(config, tmp_path)
        assert first.returncode == 0, first.stderr[-3000:]
        assert _rows_read(first.stdout) == {"gl_accounts": sandbox.control.truth("glaccount")["count"],
                                            "journal_entries": glbatch_count}
        # Progress while reading: the connector's own page lines, then one line for the connection.
        assert re.search(r"^\d\d:\d\d:\d\d sage_gl: journal_entries: .*page 1", first.stderr, re.M), first.stderr[-3000:]
        assert re.search(rf"^sage_gl: {glbatch_count + _rows_read(first.stdout)['gl_accounts']:,} rows read in [\d.]+s "
                         r"\([\d,-]+ rows/s\)$", first.stderr, re.M), first.stderr[-3000:]
        assert (tmp_path / "catalogs" / "sage_gl.spec.json").is_file()  # the second sync runs no `spec`

        inserted = sandbox.control.mutate("glbatch", "insert", count=1)
        second = _sync(config, tmp_path)
        assert second.returncode == 0, second.stderr[-3000:]
        assert _rows_read(second.stdout) == {"gl_accounts": 0, "journal_entries": len(inserted)}
        with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as db:
            # The first load replaced empty tables; the second merged into them, keeping every earlier row.
            assert [db.execute(f'SELECT COUNT(*) FROM staging."sage_gl__{stream}"').fetchone()[0] for stream in STREAMS] \
                == [sandbox.control.truth("glaccount")["count"], glbatch_count + len(inserted)]

        full = _sync(config, tmp_path, "--full-refresh")
        assert full.returncode == 0, full.stderr[-3000:]
        assert "(full refresh)" in full.stdout
        assert _rows_read(full.stdout) == {"gl_accounts": sandbox.control.truth("glaccount")["count"],
                                           "journal_entries": glbatch_count + 1}

    for output in (first.stdout, first.stderr, second.stdout, second.stderr, full.stdout, full.stderr):
        assert "sandbox-sender-secret" not in output and "sandbox-user-secret" not in output
    catalog = json.loads((tmp_path / "catalogs" / "sage_gl.json").read_text())
    assert {"gl_accounts", "journal_entry_lines", "deleted_records"} <= {stream["name"] for stream in catalog["streams"]}
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as db:
        # Replaced by the full refresh, not appended to.
        assert db.execute('SELECT COUNT(*) FROM staging."sage_gl__journal_entries"').fetchone()[0] == glbatch_count + 1
        assert {row[0] for row in db.execute("SELECT table_name FROM staging._airbyte_state").fetchall()} == {
            "sage_gl__gl_accounts", "sage_gl__journal_entries"}
