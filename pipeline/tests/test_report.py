from datetime import date
from decimal import Decimal

import duckdb
import matplotlib.image
import pytest

from pipeline.plot import MonthlyLabour, ProjectMonthVariance, plot_labour_vs_gl
from pipeline.report import (checks_against_truth, format_checks, format_monthly_labour, largest_variances,
                             monthly_labour, table_counts)


@pytest.fixture
def db():
    with duckdb.connect(":memory:") as connection:
        connection.execute("CREATE SCHEMA analytics")
        connection.execute("CREATE TABLE analytics.labour_cost_vs_gl (project_code TEXT, month DATE, "
                           "time_entry_cost NUMERIC(16,2), gl_labour_expense NUMERIC(16,2))")
        connection.execute("INSERT INTO analytics.labour_cost_vs_gl VALUES "
                           "('P-1', DATE '2026-02-01', 100.50, 100.50), ('P-2', DATE '2026-02-01', 40.00, 30.00), "
                           "('P-1', DATE '2026-01-01', 10.25, 12.00)")
        connection.execute('CREATE TABLE analytics."Mixed Case" (x INT)')
        connection.execute("CREATE TABLE analytics._airbyte_state (x INT)")
        yield connection


def test_table_counts_skip_airbyte_bookkeeping_and_quote_names(db):
    assert [(c.table, c.rows) for c in table_counts(db, "analytics")] == [("Mixed Case", 0), ("labour_cost_vs_gl", 3)]
    assert table_counts(db, "absent") == []


def test_monthly_labour_sums_projects_per_month_in_order(db):
    months = monthly_labour(db, "analytics")
    assert months == [MonthlyLabour("2026-01", Decimal("10.25"), Decimal("12.00")),
                      MonthlyLabour("2026-02", Decimal("140.50"), Decimal("130.50"))]
    assert [m.difference for m in months] == [Decimal("-1.75"), Decimal("10.00")]
    assert format_monthly_labour(months).splitlines()[-1].split() == ["total", "150.75", "142.50", "8.25"]


def test_plot_writes_a_png_of_the_expected_size(tmp_path):
    months = [MonthlyLabour(f"2026-{m:02d}", Decimal(1000 * m), Decimal(1000 * m - 50 + 20 * m)) for m in range(1, 11)]
    variances = [ProjectMonthVariance(f"P-{n}", "2026-03", Decimal(100 - 15 * n)) for n in range(10)]
    path = plot_labour_vs_gl(months, variances, tmp_path / "out" / "plot.png", title="test", account="5000")
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (750, 1500)  # 15 × 7.5 inches at 100 dpi


def test_largest_variances_are_the_top_project_months_by_absolute_difference(db):
    db.execute("CREATE SCHEMA variances")
    db.execute("CREATE TABLE variances.labour_cost_vs_gl (project_code TEXT, month DATE, difference NUMERIC(16,2))")
    db.executemany("INSERT INTO variances.labour_cost_vs_gl VALUES (?, ?, ?)",
                   [(f"P-{n:02d}", date(2026, 1 + n % 10, 1), (n - 6) * 10) for n in range(14)])
    variances = largest_variances(db, "variances", limit=3)
    assert variances == [ProjectMonthVariance("P-13", "2026-04", Decimal(70)),
                         ProjectMonthVariance("P-00", "2026-01", Decimal(-60)),
                         ProjectMonthVariance("P-12", "2026-03", Decimal(60))]


def test_checks_compare_live_target_rows_with_the_sandbox_truth(db):
    db.execute("CREATE TABLE analytics.financial_transactions (batch_id INT, amount NUMERIC(18,2), is_deleted BOOLEAN)")
    db.execute("INSERT INTO analytics.financial_transactions VALUES (1, 10, false), (1, -10, false), "
               "(2, 5, false), (2, -4, false), (3, 99, true)")
    db.execute("CREATE TABLE analytics.time_entries (source_system TEXT, hours NUMERIC(10,4), is_deleted BOOLEAN)")
    db.execute("INSERT INTO analytics.time_entries VALUES ('harvest', 1.5, false), ('harvest', 2, false), "
               "('harvest', 8, true), ('generic', 3, false), ('quickbooks_time', 0.25, false), ('toggl', 1, false)")
    truth = {"glentry": {"count": 4}, "harvest_time_entries": {"count": 2, "totals": {"hours": "3.50"}},
             "generic_entries": {"count": 2, "totals": {"hours": "4.00"}},
             "qbtime_timesheets": {"count": 1, "totals": {}, "rows": [{"duration": 900}]}}
    time_entries = {"harvest": "harvest_time_entries", "generic": "generic_entries", "quickbooks_time": "qbtime_timesheets"}
    checks = checks_against_truth(db, "analytics", lambda dataset, rows=False: truth[dataset], time_entries)
    assert [(c.ours, c.vendor, c.ok) for c in checks] == [
        (4, 4, True), (1, 0, False), ((2, Decimal("3.5")), (2, Decimal("3.50")), True),
        ((1, Decimal("3")), (2, Decimal("4.00")), False), ((1, Decimal("0.25")), (1, Decimal("0.25")), True)]
    assert [line.split()[-1] for line in format_checks(checks).splitlines()[2:]] == ["ok", "MISMATCH", "ok", "MISMATCH",
                                                                                     "ok"]
    assert "toggl" not in format_checks(checks)  # only the providers loaded are checked


def test_monthly_labour_shows_the_earlier_difference_next_to_the_current_one():
    now = [MonthlyLabour("2026-01", Decimal("110"), Decimal("100")), MonthlyLabour("2026-02", Decimal("50"), Decimal("50"))]
    earlier = [MonthlyLabour("2026-01", Decimal("100"), Decimal("100"))]  # February had no rows yet
    lines = format_monthly_labour(now, earlier=earlier).splitlines()
    assert lines[0].split("  ")[-1] == "difference before"
    assert [line.split()[-2:] for line in lines[2:]] == [["10.00", "0.00"], ["0.00", "0.00"], ["10.00", "0.00"]]
