"""What the demo (and `run`) print after the mappings: rows per table, and labour cost vs GL per month.

Queries go through a DB-API connection (duckdb or psycopg); identifiers are quoted and nothing else is
interpolated, so the same SQL runs on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from .plot import MonthlyLabour, ProjectMonthVariance
from .summary import format_table

LABOUR_TABLE = "labour_cost_vs_gl"


@dataclass(frozen=True)
class TableCount:
    schema: str
    table: str
    rows: int


def table_counts(connection: Any, schema: str) -> list[TableCount]:
    """Rows of every table of `schema`, PyAirbyte's bookkeeping tables (`_airbyte_*`) left out."""
    names = [row[0] for row in connection.execute(
        "SELECT table_name FROM information_schema.tables "
        f"WHERE table_schema = '{_literal(schema)}' ORDER BY table_name").fetchall()]
    return [TableCount(schema, name, connection.execute(f"SELECT COUNT(*) FROM {_quoted(schema)}.{_quoted(name)}").fetchone()[0])
            for name in names if not name.startswith("_airbyte_")]


def monthly_labour(connection: Any, schema: str) -> list[MonthlyLabour]:
    """`labour_cost_vs_gl` summed over projects, one row per month."""
    rows = connection.execute(
        f"SELECT month, SUM(time_entry_cost), SUM(gl_labour_expense) FROM {_quoted(schema)}.{_quoted(LABOUR_TABLE)} "
        "GROUP BY month ORDER BY month").fetchall()
    return [MonthlyLabour(f"{month:%Y-%m}", Decimal(time_cost), Decimal(gl_labour)) for month, time_cost, gl_labour in rows]


def largest_variances(connection: Any, schema: str, limit: int = 10) -> list[ProjectMonthVariance]:
    """The project-months of `labour_cost_vs_gl` whose time cost differs most from the GL, largest first."""
    rows = connection.execute(
        f"SELECT project_code, month, difference FROM {_quoted(schema)}.{_quoted(LABOUR_TABLE)} "
        f"WHERE difference <> 0 ORDER BY ABS(difference) DESC, project_code, month LIMIT {int(limit)}").fetchall()
    return [ProjectMonthVariance(project, f"{month:%Y-%m}", Decimal(difference)) for project, month, difference in rows]


@dataclass(frozen=True)
class Check:
    what: str
    ours: object
    vendor: object

    @property
    def ok(self) -> bool:
        return self.ours == self.vendor


def checks_against_truth(connection: Any, schema: str, truth: Any, time_entries: Mapping[str, str]) -> list[Check]:
    """The targets compared with what the sandbox holds (`truth(dataset)`: its count and decimal totals);
    `time_entries`: each loaded provider (its `source_system`) → the sandbox dataset of its time entries."""
    fin, entries = f"{_quoted(schema)}.financial_transactions", f"{_quoted(schema)}.time_entries"
    live_lines = connection.execute(f"SELECT COUNT(*) FROM {fin} WHERE NOT is_deleted").fetchone()[0]
    unbalanced = connection.execute(f"SELECT COUNT(*) FROM (SELECT batch_id FROM {fin} WHERE NOT is_deleted "
                                    "GROUP BY batch_id HAVING SUM(amount) <> 0) AS batches").fetchone()[0]
    checks = [Check("GL lines (financial_transactions, not deleted)", live_lines, truth("glentry")["count"]),
              Check("journal entries that do not balance", unbalanced, 0)]
    for system, dataset in time_entries.items():
        count, hours = connection.execute(
            f"SELECT COUNT(*), COALESCE(SUM(hours), 0) FROM {entries} "
            f"WHERE NOT is_deleted AND source_system = '{_literal(system)}'").fetchone()
        checks.append(Check(f"{system} time entries (not deleted): rows, hours", (count, Decimal(hours)),
                            _vendor_hours(truth, dataset)))
    return checks


def _vendor_hours(truth: Any, dataset: str) -> tuple[int, Decimal]:
    """The entries a vendor holds and their hours: its `hours` total, or its `duration` seconds / 3600 where it
    keeps durations (QuickBooks Time)."""
    vendor = truth(dataset)
    if "hours" in vendor["totals"]:
        return vendor["count"], Decimal(vendor["totals"]["hours"])
    rows = truth(dataset, rows=True)["rows"]
    return len(rows), sum((Decimal(row["duration"]) for row in rows), Decimal(0)) / 3600


def format_checks(checks: list[Check]) -> str:
    return format_table(["check", "targets", "sandbox", ""],
                        [[c.what, _plain(c.ours), _plain(c.vendor), "ok" if c.ok else "MISMATCH"] for c in checks])


def _plain(value: object) -> str:
    values = value if isinstance(value, tuple) else (value,)
    return ", ".join(f"{v:,.2f}" if isinstance(v, Decimal) else f"{v:,}" for v in values)


def format_monthly_labour(months: list[MonthlyLabour], earlier: list[MonthlyLabour] | None = None) -> str:
    """One row per month and a total; with `earlier` (the same months at an earlier run), also the difference
    then, so a reader sees which differences are new."""
    rows: list[list[object]] = [[m.month, m.time_cost, m.gl_labour, m.difference] for m in months]
    rows.append(["total", sum((m.time_cost for m in months), Decimal(0)), sum((m.gl_labour for m in months), Decimal(0)),
                 sum((m.difference for m in months), Decimal(0))])
    headers = ["month", "time-entry cost", "GL labour expense", "difference (time - GL)"]
    if earlier is not None:
        before = {m.month: m.difference for m in earlier}
        for row in rows[:-1]:
            row.append(before.get(row[0], Decimal(0)))
        rows[-1].append(sum(before.values(), Decimal(0)))
        headers.append("difference before")
    return format_table(headers, rows)


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return text.replace("'", "''")
