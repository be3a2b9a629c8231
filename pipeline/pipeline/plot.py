"""The demo's picture: labour cost from time entries next to labour expense posted in the GL, per month."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)


@dataclass(frozen=True)
class MonthlyLabour:
    month: str  # "YYYY-MM"
    time_cost: Decimal  # sum of hours × cost rate of the month's time entries
    gl_labour: Decimal  # debits minus credits on the labour expense account(s)

    @property
    def difference(self) -> Decimal:
        return self.time_cost - self.gl_labour


def plot_labour_vs_gl(months: list[MonthlyLabour], path: Path, *, title: str) -> Path:
    """Grouped bars per month (time-entry cost, GL labour expense) with the difference as a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = [month.month for month in months]
    positions = range(len(months))
    width = 0.4
    figure, axes = plt.subplots(figsize=(11, 5.5), dpi=110)
    axes.bar([p - width / 2 for p in positions], [float(m.time_cost) for m in months], width,
             label="Labour cost from time entries", color="#4C72B0")
    axes.bar([p + width / 2 for p in positions], [float(m.gl_labour) for m in months], width,
             label="Labour expense posted in the GL", color="#DD8452")
    axes.plot(list(positions), [float(m.difference) for m in months], color="#C44E52", marker="o",
              label="Difference (time − GL)")
    axes.axhline(0, color="#444444", linewidth=0.8)
    axes.set_xticks(list(positions), labels, rotation=45, ha="right")
    axes.set_ylabel("Amount (USD)")
    axes.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axes.set_title(title)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
