"""Decimals arrive exactly: sandbox → both sources → PyAirbyte → DuckDB / PostgreSQL staging → mappings.

The sandbox holds a GL amount beyond a double's 15-17 digits, a GL line whose memo is numeric-looking text
("0100", as account numbers are), and time entries in tenths (0.1 + 0.2 ≠ 0.3 in binary floating point); the
staging tables and the mapped targets must hold exactly the vendor's digits and text, and every sum must equal
the sum of the vendor's rows computed with `Decimal`. On both warehouses: PostgreSQL staging is loaded through
a scratch DuckDB cache and COPY (pipeline/postgres_copy.py), since PyAirbyte's PostgresCache reads its files
with pandas and would round the amount to 12345678901234568 and turn "0100" into "100".
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pipeline  # noqa: F401  (sets PyAirbyte's offline mode before anything imports it)
import psycopg
import pytest
from sandbox import running_sandbox

from pipeline.demo import demo_configs
from pipeline.run import run_pipeline
from pipeline.staging import Staging

LARGE_AMOUNT = "12345678901234567.89"
NUMERIC_TEXT = "0100"  # a memo that pandas would read as the number 100
TENTHS = ("0.10", "0.20")  # hours, cost_rate of a time entry of each provider
STAGING = "staging"
ANALYTICS = "analytics"


def _gl_line_off_the_labour_account(control: Any) -> int:
    """A GL line not on Direct Labour (5000), so labour_cost_vs_gl keeps its own, narrower sums."""
    return next(row["RECORDNO"] for row in control.truth("glentry", rows=True)["rows"] if row["ACCOUNTNO"] != "5000")


def _fresh_database(dsn: str, name: str) -> str:
    """A new, empty database on the session's PostgreSQL server (the end-to-end scenario uses the default one)."""
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name}")
        db.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{name}"))  # the URI form: the mappings take only that


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def loaded(request, tmp_path_factory):
    """The pipeline run once against a sandbox holding the decimals; yields (target, staging, changed ids, truth)."""
    workdir = tmp_path_factory.mktemp(f"exact-{request.param}")
    if request.param == "duckdb":
        staging = Staging(duckdb_path=workdir / "warehouse.duckdb")
    else:
        staging = Staging(dsn=_fresh_database(request.getfixturevalue("postgres_dsn"), "exact_values"))
    with running_sandbox(scale=0.05, seed=13) as sandbox:
        control = sandbox.control
        line = _gl_line_off_the_labour_account(control)
        control.mutate("glentry", "update", ids=[line], changes={"AMOUNT": LARGE_AMOUNT, "DESCRIPTION": NUMERIC_TEXT})
        hours, rate = TENTHS
        [harvest] = control.mutate("harvest_time_entries", "update", count=1, changes={"hours": hours, "cost_rate": rate})
        [generic] = control.mutate("generic_entries", "update", count=1, changes={"hours": hours, "cost_rate": rate})
        run_pipeline(demo_configs(sandbox.credentials), staging, out=io.StringIO(), catalog_dir=workdir / "catalogs")
        truth = {dataset: control.truth(dataset, rows=True)["rows"]
                 for dataset in ("glentry", "harvest_time_entries", "generic_entries")}
    yield request.param, staging, {"line": line, "harvest": harvest, "generic": generic}, truth


def _rows(staging: Staging, sql: str) -> list[tuple]:
    with staging.connect() as db:
        return [tuple(row) for row in db.execute(sql).fetchall()]


def test_staging_holds_the_vendors_digits(loaded):
    _, staging, changed, _ = loaded
    line = _rows(staging, f"SELECT amount, trx_amount, description FROM {STAGING}.sage_gl__journal_entry_lines "
                          f"WHERE recordno = {changed['line']}")
    assert line == [(Decimal(LARGE_AMOUNT), Decimal(LARGE_AMOUNT), NUMERIC_TEXT)]
    for prefix, key in (("time_harvest", changed["harvest"]), ("time_generic", f"'{changed['generic']}'")):
        entry = _rows(staging, f"SELECT hours, cost_rate FROM {STAGING}.{prefix}__time_entries WHERE id = {key}")
        assert entry == [tuple(Decimal(value) for value in TENTHS)], prefix


def test_the_mapped_targets_keep_every_digit_and_every_sum(loaded):
    _, staging, changed, truth = loaded
    [(amount, debit, credit)] = _rows(staging, f"SELECT amount, debit_amount, credit_amount FROM "
                                               f"{ANALYTICS}.financial_transactions WHERE line_id = {changed['line']}")
    assert abs(amount) == max(debit, credit) == Decimal(LARGE_AMOUNT)
    signed = sum(int(row["TR_TYPE"]) * Decimal(row["AMOUNT"]) for row in truth["glentry"])
    assert _rows(staging, f"SELECT SUM(amount) FROM {ANALYTICS}.financial_transactions")[0][0] == signed == 0
    debits = sum(Decimal(row["AMOUNT"]) for row in truth["glentry"] if int(row["TR_TYPE"]) == 1)
    assert _rows(staging, f"SELECT SUM(debit_amount) FROM {ANALYTICS}.financial_transactions")[0][0] == debits

    for system, dataset in (("harvest", "harvest_time_entries"), ("generic", "generic_entries")):
        key = str(changed[system])
        [(hours, rate)] = _rows(staging, f"SELECT hours, cost_rate FROM {ANALYTICS}.time_entries "
                                         f"WHERE source_system = '{system}' AND source_entry_id = '{key}'")
        assert (hours, rate) == tuple(Decimal(value) for value in TENTHS)
        total = _rows(staging, f"SELECT SUM(hours) FROM {ANALYTICS}.time_entries WHERE source_system = '{system}'")
        assert total[0][0] == sum(Decimal(row["hours"]) for row in truth[dataset]), system
