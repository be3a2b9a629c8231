"""A mapping apply that fails midway leaves the previous target tables as they were, on both databases.

Every target is rebuilt inside one transaction, so a failure at the second target — a bad expression, a
database error, or the process killed outright — must not leave the first target refilled from newer staging
rows, nor the second one dropped or half filled. Each test first builds the targets, then changes staging so a
partial build would show, then breaks the second build and compares every target table with what it held.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from destination_mappings import apply_mappings, shipped_mappings_dir

TARGETS = ("financial_transactions", "time_entries", "labour_cost_vs_gl", "_destination_mappings")


def snapshot(database) -> dict[str, list[tuple]]:
    """Every row of every target table, in a stable order."""
    return {table: sorted(database.rows(f'SELECT * FROM "analytics"."{table}"'), key=repr) for table in TARGETS}


def built_then_staging_changed(database, catalogs) -> dict[str, list[tuple]]:
    """Targets built once; then a GL line is gone from staging, so a refilled first target would lack it."""
    database.load("pyairbyte")
    apply_mappings(database.dsn, catalogs=catalogs)
    before = snapshot(database)
    database.execute(f'DELETE FROM {database.schema}."sage_gl__journal_entry_lines" WHERE "recordno" = 100')
    return before


def mappings_with_time_entries_cost(tmp_path: Path, expression: str) -> Path:
    """The shipped mappings with the second target's Harvest `cost_amount` computed by `expression`."""
    folder = tmp_path / "mappings"
    folder.mkdir()
    for path in shipped_mappings_dir().glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        if data["target"]["table"] == "time_entries":
            data["sources"][0]["expressions"]["cost_amount"] = expression
        (folder / path.name).write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def test_a_bad_expression_in_the_second_target_leaves_every_previous_table(database, catalogs, tmp_path):
    before = built_then_staging_changed(database, catalogs)
    mappings = mappings_with_time_entries_cost(tmp_path, "CAST(CAST(hours AS TEXT) || ' hours' AS NUMERIC(14,2))")

    with pytest.raises(Exception, match="(?i)numeric|conver|invalid input"):
        apply_mappings(database.dsn, catalogs=catalogs, mappings=[mappings])

    assert snapshot(database) == before


def test_a_database_error_in_the_second_target_leaves_every_previous_table(database, catalogs):
    before = built_then_staging_changed(database, catalogs)
    database.execute(f"""UPDATE {database.schema}."time_generic__time_entries" SET "date" = NULL WHERE "id" = 'te_3'""")

    with pytest.raises(Exception, match="(?i)null"):  # work_date is NOT NULL
        apply_mappings(database.dsn, catalogs=catalogs)

    assert snapshot(database) == before


# Runs the apply in its own process and kills that process (SIGKILL: no rollback, no cleanup, no atexit) the
# moment the second target's INSERT is sent — after the first target was refilled and the second recreated.
KILLED_APPLY = """
import json, os, signal, sys
from destination_mappings import apply_mappings
from destination_mappings.database import Database

dsn, catalogs, mappings = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
execute = Database.execute

def execute_or_die(self, statement):
    sql = statement if isinstance(statement, str) else self.render(statement)
    if sql.startswith("INSERT INTO") and '"time_entries"' in sql.split("SELECT", 1)[0]:
        os.kill(os.getpid(), signal.SIGKILL)
    execute(self, statement)

Database.execute = execute_or_die
apply_mappings(dsn, catalogs=catalogs, mappings=[mappings])
"""


def test_a_process_killed_in_the_second_target_leaves_every_previous_table(database, catalogs, tmp_path):
    before = built_then_staging_changed(database, catalogs)
    mappings = mappings_with_time_entries_cost(tmp_path, "ROUND(CAST(hours AS NUMERIC(10,4)) * 2, 2)")  # recreated
    if database.dialect == "duckdb":
        database.connection.close()  # DuckDB lets one process write a file at a time

    killed = subprocess.run([sys.executable, "-c", KILLED_APPLY, database.dsn, json.dumps(catalogs), str(mappings)],
                            capture_output=True, text=True, timeout=120)

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if database.dialect == "duckdb":
        database.reopen()
    assert snapshot(database) == before
