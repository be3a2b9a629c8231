from datetime import date
from decimal import Decimal

import duckdb
import matplotlib.image
import pytest

from pipeline.plot import MonthlyLabour, plot_labour_vs_gl
from pipeline.report import format_monthly_labour, monthly_labour, table_counts


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
    path = plot_labour_vs_gl(months, tmp_path / "out" / "plot.png", title="test")
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (770, 1210)  # 11 × 7 inches at 110 dpi
