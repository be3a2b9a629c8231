"""End-to-end fixtures: the sandbox, both sources run by PyAirbyte, DuckDB and a real PostgreSQL, mappings.

Each staging target gets its own sandbox and runs one scenario (first sync + mappings, a set of sandbox
changes, second sync + mappings); what the database holds after each run is observed once, and the
tests compare those observations with the sandbox's truth.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pipeline  # noqa: F401  (sets PyAirbyte's offline mode before anything imports it)
import pytest
from sandbox import running_sandbox
from sandbox.postgres import throwaway_postgres

from pipeline.demo import demo_configs
from pipeline.run import RunResult, run_pipeline
from pipeline.staging import Staging

SCALE = 0.1
SEED = 11
ANALYTICS = "analytics"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Observed:
    """What the targets (and staging) hold after a run, reduced to what the tests compare."""

    unbalanced_batches: list[tuple]  # (batch_id, sum of signed amounts) of live batches that do not sum to 0
    live_line_ids: set[int]
    deleted_line_ids: set[int]
    time_totals: dict[str, tuple[int, Decimal, Decimal]]  # source_system → (live rows, hours, cost)
    deleted_entry_ids: dict[str, set[str]]  # source_system → ids flagged deleted
    labour_differences: list[tuple]  # (project_code, month, difference) ≠ 0
    labour_totals: tuple[Decimal, Decimal]  # (time-entry cost, GL labour expense) over all rows


@dataclass(frozen=True)
class Truth:
    glentry_ids: set[int]
    gl_labour: Decimal  # debits minus credits on the Direct Labour account 5000
    time_totals: dict[str, tuple[int, Decimal, Decimal]]
    time_ids: dict[str, set[str]]


@dataclass
class Scenario:
    target: str
    first: RunResult
    second: RunResult
    before: Observed
    after: Observed
    truth_before: Truth
    truth_after: Truth
    changes: dict[str, list]
    log: str


def observe(staging: Staging) -> Observed:
    with staging.connect() as db:
        def rows(sql: str) -> list[tuple]:
            return [tuple(row) for row in db.execute(sql).fetchall()]

        ft, te, lab = (f"{ANALYTICS}.financial_transactions", f"{ANALYTICS}.time_entries", f"{ANALYTICS}.labour_cost_vs_gl")
        unbalanced = rows(f"SELECT batch_id, SUM(amount) FROM {ft} WHERE NOT is_deleted GROUP BY batch_id HAVING SUM(amount) <> 0")
        live = {row[0] for row in rows(f"SELECT line_id FROM {ft} WHERE NOT is_deleted")}
        deleted = {row[0] for row in rows(f"SELECT line_id FROM {ft} WHERE is_deleted")}
        totals = {system: (count, Decimal(hours), Decimal(cost)) for system, count, hours, cost in rows(
            f"SELECT source_system, COUNT(*), SUM(hours), SUM(cost_amount) FROM {te} WHERE NOT is_deleted GROUP BY source_system")}
        deleted_entries: dict[str, set[str]] = {}
        for system, entry_id in rows(f"SELECT source_system, source_entry_id FROM {te} WHERE is_deleted"):
            deleted_entries.setdefault(system, set()).add(entry_id)
        differences = rows(f"SELECT project_code, month, difference FROM {lab} WHERE difference <> 0 ORDER BY 1, 2")
        time_cost, gl_labour = rows(f"SELECT SUM(time_entry_cost), SUM(gl_labour_expense) FROM {lab}")[0]
    return Observed(unbalanced, live, deleted, totals, deleted_entries, differences, (Decimal(time_cost), Decimal(gl_labour)))


def truth(control: Any) -> Truth:
    def time_side(dataset: str) -> tuple[tuple[int, Decimal, Decimal], set[str]]:
        entries = control.truth(dataset, rows=True)["rows"]
        hours = sum((Decimal(row["hours"]) for row in entries), Decimal(0))
        cost = sum(((Decimal(row["hours"]) * Decimal(row["cost_rate"])).quantize(CENT, ROUND_HALF_UP) for row in entries),
                   Decimal(0))
        return (len(entries), hours, cost), {str(row["id"]) for row in entries}

    harvest, harvest_ids = time_side("harvest_time_entries")
    generic, generic_ids = time_side("generic_entries")
    lines = control.truth("glentry", rows=True)["rows"]
    gl_labour = sum((int(row["TR_TYPE"]) * Decimal(row["AMOUNT"]) for row in lines if row["ACCOUNTNO"] == "5000"), Decimal(0))
    return Truth({int(row["RECORDNO"]) for row in lines}, gl_labour, {"harvest": harvest, "generic": generic}, {"harvest": harvest_ids, "generic": generic_ids})


def change_sandbox(control: Any) -> dict[str, list]:
    """Inserts, updates and deletes on both sides, as the company's users would make them (deletes never hit
    a row updated just before, so every change stays visible)."""
    changes = {
        "glbatch inserted": control.mutate("glbatch", "insert", count=2),
        "glentry amount changed": control.mutate("glentry", "update", count=2, changes={"AMOUNT": "777.77"}),
        "harvest inserted": control.mutate("harvest_time_entries", "insert", count=3),
        "harvest hours changed": control.mutate("harvest_time_entries", "update", count=2, changes={"hours": "7.25"}),
        "generic inserted": control.mutate("generic_entries", "insert", count=3),
        "generic hours changed": control.mutate("generic_entries", "update", count=2, changes={"hours": "1.50"}),
    }
    changes["glentry deleted"] = control.mutate("glentry", "delete", ids=[_deletable_line(control, changes["glentry amount changed"])])
    changes["glbatch deleted"] = control.mutate("glbatch", "delete", count=1)
    changes["harvest deleted"] = control.mutate(
        "harvest_time_entries", "delete", ids=_others(control, "harvest_time_entries", changes["harvest hours changed"], 2))
    changes["generic deleted"] = control.mutate(
        "generic_entries", "delete", ids=_others(control, "generic_entries", changes["generic hours changed"], 2))
    return changes


def _others(control: Any, dataset: str, exclude: list, count: int) -> list:
    """`count` ids of `dataset` from the middle of its rows, none of them in `exclude`."""
    keys = [row["id"] for row in control.truth(dataset, rows=True)["rows"] if row["id"] not in exclude]
    middle = len(keys) // 2
    return keys[middle:middle + count]


def _deletable_line(control: Any, exclude: list) -> int:
    """A GL line whose batch keeps at least two other lines (so the sandbox can rebalance it), not in `exclude`."""
    batches: dict[int, list[int]] = {}
    for row in control.truth("glentry", rows=True)["rows"]:
        batches.setdefault(row["BATCHNO"], []).append(row["RECORDNO"])
    return next(lines[0] for _, lines in sorted(batches.items())
                if len(lines) >= 3 and not set(lines) & set(exclude))


@pytest.fixture(scope="session")
def postgres_dsn():
    with throwaway_postgres() as dsn:
        yield dsn


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def scenario(request, tmp_path_factory) -> Scenario:
    workdir = tmp_path_factory.mktemp(request.param)
    if request.param == "duckdb":
        staging = Staging(duckdb_path=workdir / "warehouse.duckdb")
    else:
        staging = Staging(dsn=request.getfixturevalue("postgres_dsn"))
    log = io.StringIO()
    with running_sandbox(scale=SCALE, seed=SEED) as sandbox:
        configs = demo_configs(sandbox.credentials)
        first = run_pipeline(configs, staging, out=log, catalog_dir=workdir / "catalogs")
        before, truth_before = observe(staging), truth(sandbox.control)
        changes = change_sandbox(sandbox.control)
        second = run_pipeline(configs, staging, out=log, catalog_dir=workdir / "catalogs")
        after, truth_after = observe(staging), truth(sandbox.control)
    return Scenario(request.param, first, second, before, after, truth_before, truth_after, changes, log.getvalue())
