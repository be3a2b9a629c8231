"""A key the source emits twice in one sync is stored once, as the version it emitted last.

The generic time API pages with plain offsets sorted by `updated_at`: an entry edited during a read leaves
its place and comes again at the end, so the same read emits it twice (old version, then new). A sandbox
trigger edits two entries of the first page when the second page is asked for. Without the loader's dedupe
a first load (a replace into an empty table) stores both versions, and DuckDB's MERGE of an incremental load
updates an existing key with either version. Both warehouses, first and incremental load, through
`python -m pipeline sync` as a user runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb
import psycopg
import pytest
from sandbox import running_sandbox

from pipeline.connections import CONNECTIONS
from pipeline.demo import demo_configs

PAGE_SIZE = 10
TABLE = "staging.time_generic__time_entries"


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request, tmp_path) -> list[str]:
    """The `sync` options of an empty warehouse: a DuckDB file, or a fresh database on the throwaway server."""
    if request.param == "duckdb":
        return ["--duckdb", str(tmp_path / "warehouse.duckdb")]
    dsn = request.getfixturevalue("postgres_dsn")
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS duplicate_keys")
        db.execute("CREATE DATABASE duplicate_keys")
    return ["--dsn", urlunsplit(urlsplit(dsn)._replace(path="/duplicate_keys"))]


def _sync(config: Path, warehouse: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "sync", "--connection", "time_generic", "--config", str(config),
         "--streams", "time_entries", "--catalog-dir", str(config.parent / "catalogs"), *warehouse],
        cwd=config.parent, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "rows moved between two pages" in done.stderr  # the condition was switched on: the read saw the edit


def _query(warehouse: list[str], sql: str) -> list[tuple]:
    if warehouse[0] == "--duckdb":
        with duckdb.connect(warehouse[1], read_only=True) as db:
            return db.execute(sql).fetchall()
    with psycopg.connect(warehouse[1]) as db:
        return [tuple(row) for row in db.execute(sql).fetchall()]


def _held(warehouse: list[str]) -> dict[str, tuple[int, Decimal]]:
    """id → (rows of that id, hours) in staging."""
    return {entry_id: (rows, Decimal(hours)) for entry_id, rows, hours in _query(
        warehouse, f"SELECT id, COUNT(*), MAX(hours) FROM {TABLE} GROUP BY id")}


def _truth(control) -> dict[str, tuple[int, Decimal]]:
    return {row["id"]: (1, Decimal(row["hours"])) for row in control.truth("generic_entries", rows=True)["rows"]}


def _edit_first_page_during_read(control, since: str, hours: str) -> list[str]:
    """Arm a trigger that edits the first two entries of a read from `since` when its second page is asked for."""
    rows = sorted((row for row in control.truth("generic_entries", rows=True)["rows"] if row["updated_at"] >= since),
                  key=lambda row: (row["updated_at"], row["id"]))
    ids = [row["id"] for row in rows[:2]]
    control.arm_trigger(path="/v1/entries", nth=2,
                        mutation={"dataset": "generic_entries", "op": "update", "ids": ids, "changes": {"hours": hours}})
    return ids


def test_a_key_read_twice_in_one_sync_is_stored_once_as_the_version_read_last(warehouse, tmp_path):
    with running_sandbox(scale=0.1, seed=11) as sandbox:
        control = sandbox.control
        config = demo_configs(sandbox.credentials)[CONNECTIONS["time_generic"]]
        config["provider"]["pagination"] = {"page_size": PAGE_SIZE}
        (tmp_path / "time_generic.json").write_text(json.dumps(config))

        # First load: the two entries are new keys, emitted twice.
        edited = _edit_first_page_during_read(control, "", "9.25")
        _sync(tmp_path / "time_generic.json", warehouse)
        assert [trigger["ids"] for trigger in control.triggers()] == [edited]
        held = _held(warehouse)
        assert {entry_id: held[entry_id] for entry_id in edited} == {entry_id: (1, Decimal("9.25")) for entry_id in edited}
        assert {rows for rows, _ in held.values()} == {1}

        # Incremental load from the state the first saved (held at the page where rows moved): two keys already in
        # staging are emitted twice, and two new entries arrive.
        control.clear_triggers()
        state = json.loads(_query(warehouse, "SELECT state_json FROM staging._airbyte_state")[0][0])
        edited = _edit_first_page_during_read(control, state["stream"]["stream_state"]["updated_at"], "1.75")
        inserted = control.mutate("generic_entries", "insert", count=2)
        _sync(tmp_path / "time_generic.json", warehouse)
        assert [trigger["ids"] for trigger in control.triggers()] == [edited]
        assert _held(warehouse) == _truth(control)  # one row per key, every key, each with its newest hours
        assert {entry_id: _truth(control)[entry_id][1] for entry_id in edited} == dict.fromkeys(edited, Decimal("1.75"))
        assert set(inserted) <= set(_truth(control))
