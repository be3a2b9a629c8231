"""The shipped mappings against real PostgreSQL and DuckDB, on both staging table shapes, with exact rows."""

from __future__ import annotations

import datetime as dt
import json
import socket
from decimal import Decimal

import pytest
import yaml

from destination_mappings import MappingValidationError, apply_mappings, shipped_mappings_dir
from destination_mappings.cli import main
from staging_fixtures import SHAPES

VARIABLES = {"harvest_account_id": "1234567"}

# (line, batch, batch number, journal, date, account, title, debit/credit, amount, debit, credit, project, deleted)
FINANCIAL_TRANSACTIONS = [
    (100, 10, 1, "PYRL", dt.date(2026, 1, 31), "5000", "Direct Labour", "debit", Decimal("350.00"), Decimal("350.00"), Decimal("0.00"), "P-1", False),
    (101, 10, 1, "PYRL", dt.date(2026, 1, 31), "5000", "Direct Labour", "debit", Decimal("200.00"), Decimal("200.00"), Decimal("0.00"), "P-2", False),
    (102, 10, 1, "PYRL", dt.date(2026, 1, 31), "2100", "Accrued Payroll", "credit", Decimal("-550.00"), Decimal("0.00"), Decimal("550.00"), None, False),
    (103, 11, 2, "PYRL", dt.date(2026, 2, 28), "5000", "Direct Labour", "debit", Decimal("120.00"), Decimal("120.00"), Decimal("0.00"), "P-1", False),
    (104, 11, 2, "PYRL", dt.date(2026, 2, 28), "2100", "Accrued Payroll", "credit", Decimal("-120.00"), Decimal("0.00"), Decimal("120.00"), None, False),
    (105, 12, 3, "GJ", dt.date(2026, 2, 10), "1000", "Cash", "debit", Decimal("75.00"), Decimal("75.00"), Decimal("0.00"), None, True),
    (106, 12, 3, "GJ", dt.date(2026, 2, 10), "5000", "Direct Labour", "credit", Decimal("-75.00"), Decimal("0.00"), Decimal("75.00"), "P-2", True),
    (107, 11, 2, "PYRL", dt.date(2026, 2, 28), "5000", "Direct Labour", "debit", Decimal("10.00"), Decimal("10.00"), Decimal("0.00"), "P-2", True),
]
FT_COLUMNS = ("line_id, batch_id, batch_number, journal, date, account_code, account_title, debit_credit, amount, "
              "debit_amount, credit_amount, project_id, is_deleted")

# (system, account, entry, work date, hours, billable, billable amount, cost, user, project id, code, task, client, deleted)
TIME_ENTRIES = [
    ("clockify", "time_clockify", "c-1", dt.date(2026, 1, 6), Decimal("2"), True, Decimal("190.00"), Decimal("80.00"), "Ann Tech", "c-p1", "P-1", "Install", "Acme Utilities", False),
    ("clockify", "time_clockify", "c-2", dt.date(2026, 2, 10), Decimal("1"), True, Decimal("95.00"), Decimal("40.00"), "Ann Tech", "c-p1", "P-1", "Install", "Acme Utilities", True),
    ("clockify", "time_clockify", "c-3", dt.date(2026, 2, 11), Decimal("0"), True, Decimal("0.00"), Decimal("0.00"), "Ann Tech", "c-p1", "P-1", "Install", "Acme Utilities", False),
    ("generic", "time_generic", "te_1", dt.date(2026, 1, 15), Decimal("4"), True, Decimal("320.00"), Decimal("140.00"), "Crew Seven", "P-2", "P-2", None, None, False),
    ("generic", "time_generic", "te_2", dt.date(2026, 1, 16), Decimal("1.25"), False, Decimal("0.00"), Decimal("43.75"), "Crew Seven", "P-2", "P-2", None, None, False),
    ("generic", "time_generic", "te_3", dt.date(2026, 2, 20), Decimal("2"), True, Decimal("160.00"), Decimal("60.00"), "Crew Seven", "P-3", "P-3", None, None, False),
    ("harvest", "1234567", "9001", dt.date(2026, 1, 5), Decimal("2.5"), True, Decimal("237.50"), Decimal("100.00"), "Ann Tech", "50", "P-1", "Install", "Acme Utilities", False),
    ("harvest", "1234567", "9002", dt.date(2026, 1, 20), Decimal("3.25"), False, Decimal("0.00"), Decimal("130.00"), "Ann Tech", "50", "P-1", "Install", "Acme Utilities", False),
    ("harvest", "1234567", "9003", dt.date(2026, 1, 21), Decimal("1.5"), True, Decimal("142.50"), Decimal("75.00"), "Ann Tech", "51", "P-2", "Install", "Acme Utilities", True),
    ("harvest", "1234567", "9004", dt.date(2026, 2, 3), Decimal("3"), True, Decimal("285.00"), Decimal("120.00"), "Ann Tech", "50", "P-1", "Install", "Acme Utilities", False),
    ("harvest", "1234567", "9006", dt.date(2026, 2, 5), Decimal("0.5"), True, Decimal("47.50"), Decimal("20.00"), "Ann Tech", "50", "P-1", "Install", "Acme Utilities", False),
    ("quickbooks_time", "time_quickbooks_time", "7001", dt.date(2026, 3, 10), Decimal("1.5"), None, None, Decimal("63.00"), "Bo Field", "60", "P-4", None, None, False),
    ("quickbooks_time", "time_quickbooks_time", "7002", dt.date(2026, 3, 11), Decimal("0.2778"), None, None, Decimal("10.00"), "Bo Field", "60", "P-4", None, None, False),
    ("quickbooks_time", "time_quickbooks_time", "7003", dt.date(2026, 3, 12), Decimal("1"), None, None, Decimal("36.00"), "Bo Field", "60", "P-4", None, None, True),
    ("toggl", "time_toggl", "3000000001", dt.date(2026, 2, 21), Decimal("2"), True, Decimal("160.00"), Decimal("60.00"), "Quinn Jones", "194307003", "P-3", "Repair", "Acme Utilities", False),
    ("toggl", "time_toggl", "3000000002", dt.date(2026, 2, 22), Decimal("1"), False, Decimal("0.00"), Decimal("30.00"), "Quinn Jones", "194307003", "P-3", "Repair", "Acme Utilities", True),
]
TE_COLUMNS = ("source_system, source_account_id, source_entry_id, work_date, hours, billable, billable_amount, "
              "cost_amount, user_name, project_id, project_code, task_name, client_name, is_deleted")

# P-1 Jan: time 100 + 130 (Harvest) + 80 (Clockify c-1), GL 350. P-2 Jan: time 140 + 43.75 (9003 deleted), GL 200. P-1 Feb: 120 vs 120
# (line 103's latest version; 9006 is still running). P-2 Feb: GL lines 106/107 deleted, line 108 excluded, no time. P-3 Feb: generic te_3 and Toggl 3000000001, no GL. P-4 Mar: QuickBooks Time 7001-7002, no GL.
LABOUR_COST_VS_GL = [
    ("P-1", dt.date(2026, 1, 1), Decimal("7.75"), Decimal("310.00"), Decimal("350.00"), Decimal("-40.00")),
    ("P-1", dt.date(2026, 2, 1), Decimal("3"), Decimal("120.00"), Decimal("120.00"), Decimal("0.00")),
    ("P-2", dt.date(2026, 1, 1), Decimal("5.25"), Decimal("183.75"), Decimal("200.00"), Decimal("-16.25")),
    ("P-3", dt.date(2026, 2, 1), Decimal("4"), Decimal("120.00"), Decimal("0.00"), Decimal("120.00")),
    ("P-4", dt.date(2026, 3, 1), Decimal("1.7778"), Decimal("73.00"), Decimal("0.00"), Decimal("73.00")),
]


def select(database, columns: str, table: str, order: str) -> list[tuple]:
    quoted = ", ".join(f'"{column.strip()}"' for column in columns.split(","))
    return database.rows(f'SELECT {quoted} FROM "analytics"."{table}" ORDER BY {order}')


@pytest.mark.parametrize("shape", SHAPES)
def test_shipped_mappings_build_the_three_targets(database, catalogs, shape):
    database.load(shape)

    report = apply_mappings(database.dsn, catalogs=catalogs, variables=VARIABLES)

    assert [target.table for target in report.targets] == ["financial_transactions", "time_entries", "labour_cost_vs_gl"]
    assert select(database, FT_COLUMNS, "financial_transactions", "1") == FINANCIAL_TRANSACTIONS
    assert select(database, TE_COLUMNS, "time_entries", "1, 3") == TIME_ENTRIES
    assert database.rows('SELECT "source_entry_id", "invoice_id" FROM "analytics"."time_entries" '
                         'WHERE "invoice_id" IS NOT NULL') == [("9001", "13150403")]
    assert database.rows('SELECT * FROM "analytics"."labour_cost_vs_gl" ORDER BY 1, 2') == LABOUR_COST_VS_GL
    excluded = 1 if shape == "platform" else 0  # line 108 and Harvest entry 9005 carry _airbyte_meta changes
    assert {(t.table, t.rows_written, t.rows_excluded) for t in report.targets} == {
        ("financial_transactions", 8, excluded), ("time_entries", 16, excluded), ("labour_cost_vs_gl", 5, 0)}
    assert report.target("financial_transactions").excluded_by_source == {"sage_gl.journal_entry_lines": excluded}
    assert report.target("time_entries").excluded_by_source == {"time_harvest.time_entries": excluded,
                                                                "time_generic.time_entries": 0,
                                                                "time_clockify.time_entries": 0,
                                                                "time_quickbooks_time.time_entries": 0,
                                                                "time_toggl.time_entries": 0}
    missing_deletes = ["staging.time_generic__deleted_time_entries does not exist: 'is_deleted' is false for "
                       "source time_generic.time_entries"]
    assert report.target("time_entries").warnings == (missing_deletes if shape == "pyairbyte" else [])


def test_every_column_of_one_line(database, catalogs):
    database.load("platform")
    apply_mappings(database.dsn, catalogs=catalogs, variables=VARIABLES)

    row = database.rows('SELECT * FROM "analytics"."financial_transactions" WHERE "line_id" = 102')
    utc = dt.timezone.utc
    created = dt.datetime(2026, 3, 1, 8, 0, tzinfo=utc)
    assert row == [(
        "sage_intacct", 102, 10, 1, 3, "PYRL", "Payroll January", dt.date(2026, 1, 31), dt.date(2026, 1, 31), "2100",
        "Accrued Payroll", "balancesheet", "credit", Decimal("-550.00"), Decimal("0.00"), Decimal("550.00"),
        Decimal("-550.00"), "USD", "USD", "line 102", "Posted", "US-EAST", "Northwind East", "D-OPS", "US-EAST", None,
        None, None, None, None, "Install", created, created,  # no WHENMODIFIED: updated = created
        dt.datetime(2026, 3, 6, 10, 0, tzinfo=utc), False)]


def test_every_journal_entry_balances_among_live_lines(database, catalogs):
    database.load("pyairbyte")
    apply_mappings(database.dsn, catalogs=catalogs)

    totals = database.rows('SELECT "batch_id", SUM("amount") FROM "analytics"."financial_transactions" '
                           'WHERE NOT "is_deleted" GROUP BY "batch_id" ORDER BY 1')
    assert totals == [(10, Decimal("0.00")), (11, Decimal("0.00"))]


def test_second_apply_refills_and_picks_up_staging_changes(database, catalogs):
    database.load("pyairbyte")
    apply_mappings(database.dsn, catalogs=catalogs)
    database.execute(f"""DELETE FROM {database.schema}."time_generic__time_entries" WHERE "id" = 'te_3'""")
    database.execute(f'DELETE FROM {database.schema}."time_toggl__time_entries"')  # P-3's other time
    database.execute(f"""INSERT INTO {database.schema}."sage_gl__deleted_records" ("id", "objectkey", "accessmode")
                         VALUES ('a9', '100--GLENTRY', 'D')""")

    report = apply_mappings(database.dsn, catalogs=catalogs)

    assert [target.rebuilt for target in report.targets] == ["refilled"] * 3
    assert report.target("time_entries").rows_written == 13  # 16, less te_3 and both Toggl entries
    assert database.rows('SELECT "is_deleted" FROM "analytics"."financial_transactions" WHERE "line_id" = 100') == [(True,)]
    assert database.rows('SELECT "project_code", "month", "gl_labour_expense" FROM "analytics"."labour_cost_vs_gl" '
                         "WHERE \"project_code\" IN ('P-1', 'P-3') ORDER BY 1, 2") == [
        ("P-1", dt.date(2026, 1, 1), Decimal("0.00")), ("P-1", dt.date(2026, 2, 1), Decimal("120.00"))]


def test_changed_definition_recreates_the_target(database, catalogs, tmp_path):
    database.load("pyairbyte")
    apply_mappings(database.dsn, catalogs=catalogs)
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    for path in shipped_mappings_dir().glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        if data["target"]["table"] == "labour_cost_vs_gl":
            data["target"]["columns"]["hours"]["type"] = "numeric(18,1)"
        (mappings / path.name).write_text(yaml.safe_dump(data, sort_keys=False))

    report = apply_mappings(database.dsn, catalogs=catalogs, mappings=[mappings])

    assert [target.rebuilt for target in report.targets] == ["refilled", "refilled", "created"]
    assert database.rows('SELECT "hours" FROM "analytics"."labour_cost_vs_gl" ORDER BY "project_code", "month"') == [
        (Decimal("7.8"),), (Decimal("3.0"),), (Decimal("5.3"),), (Decimal("4.0"),), (Decimal("1.8"),)]


def test_check_only_writes_nothing(database, catalogs):
    database.load("platform")

    report = apply_mappings(database.dsn, catalogs=catalogs, check_only=True)

    assert [target.rows_written for target in report.targets] == [None, None, None]
    assert database.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'analytics'") == []


def test_a_staging_table_without_a_mapped_column_fails_before_writing(database, catalogs):
    database.load("pyairbyte")
    database.execute(f'ALTER TABLE {database.schema}."time_harvest__time_entries" DROP COLUMN "spent_date"')

    with pytest.raises(MappingValidationError) as raised:
        apply_mappings(database.dsn, catalogs=catalogs)

    assert [str(error) for error in raised.value.errors] == [
        "time_entries.yaml: target time_entries / source time_harvest.time_entries / field 'spent_date': "
        "staging.time_harvest__time_entries has no column for field 'spent_date'"]
    assert database.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'analytics'") == []


def test_cli_apply_checks_then_builds_with_variables_and_prints_the_sql(database, catalogs, tmp_path, capsys):
    database.load("platform")
    for connection, catalog in catalogs.items():
        (tmp_path / f"{connection}.json").write_text(json.dumps(catalog))
    arguments = ["apply", "--dsn", database.dsn, "--catalog-dir", str(tmp_path)]

    assert main([*arguments, "--check-only"]) == 0
    assert "3 target(s) in analytics" in capsys.readouterr().out
    assert database.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'analytics'") == []

    assert main([*arguments, "--var", "harvest_account_id=1234567", "--show-sql"]) == 0
    out = capsys.readouterr().out
    assert '-- financial_transactions\nCREATE TABLE ' in out and '"analytics"."financial_transactions"' in out
    summary = [line.split() for line in out.splitlines() if line.startswith("  ") and "rows written" in line]
    assert [(words[0], words[3], words[-2]) for words in summary] == [
        ("financial_transactions", "8", "1"), ("time_entries", "16", "1"), ("labour_cost_vs_gl", "5", "0")]
    assert database.rows('SELECT DISTINCT "source_account_id" FROM "analytics"."time_entries" '
                         "WHERE \"source_system\" = 'harvest'") == [("1234567",)]


def test_cli_apply_refuses_a_database_it_cannot_read_without_creating_or_echoing_anything(tmp_path, capsys):
    missing = tmp_path / "typo.duckdb"
    assert main(["apply", "--dsn", f"duckdb:///{missing}"]) == 2
    assert capsys.readouterr().err == f"error: DuckDB file {missing} does not exist (the staging database a sync wrote)\n"
    assert not missing.exists()

    assert main(["apply", "--dsn", "mysql://loader:fake-secret@127.0.0.1/dw"]) == 2
    assert capsys.readouterr().err.startswith("error: unsupported DSN scheme 'mysql': use postgresql://")

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["apply", "--dsn", f"postgresql://loader:fake-secret@127.0.0.1:{port}/dw", "--check-only"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot connect to PostgreSQL: ") and "fake-secret" not in err
