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
    """Grouped bars per month (time-entry cost, GL labour expense) over a panel of the differences, which
    are far smaller than the amounts and need their own scale."""
    path.parent.mkdir(parents=True, exist_ok=True)
    positions = list(range(len(months)))
    width = 0.4
    figure, (amounts, differences) = plt.subplots(
        2, 1, figsize=(11, 7), dpi=110, sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    amounts.bar([p - width / 2 for p in positions], [float(m.time_cost) for m in months], width,
                label="Labour cost from time entries", color="#4C72B0")
    amounts.bar([p + width / 2 for p in positions], [float(m.gl_labour) for m in months], width,
                label="Labour expense posted in the GL", color="#DD8452")
    amounts.set_ylabel("Amount (USD)")
    figure.suptitle(title)
    amounts.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    amounts.set_ylim(0, max([float(max(m.time_cost, m.gl_labour)) for m in months] + [1.0]) * 1.08)

    values = [float(m.difference) for m in months]
    differences.bar(positions, values, 0.6, color=["#C44E52" if value < 0 else "#55A868" for value in values])
    differences.axhline(0, color="#444444", linewidth=0.8)
    differences.set_ylabel("Time − GL (USD)")
    differences.set_xticks(positions, [m.month for m in months], rotation=45, ha="right")

    for axes in (amounts, differences):
        axes.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
