"""The demo's picture: labour cost from time entries next to labour expense posted in the GL, per month, and
the project-months where they differ most."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.patches import Patch  # noqa: E402

ABOVE, BELOW = "#55A868", "#C44E52"  # time cost above / below the GL posting
ABOVE_LABEL, BELOW_LABEL = "time cost above the GL posting", "time cost below the GL posting"


@dataclass(frozen=True)
class MonthlyLabour:
    month: str  # "YYYY-MM"
    time_cost: Decimal  # sum of hours × cost rate of the month's time entries
    gl_labour: Decimal  # debits minus credits on the labour expense account(s)

    @property
    def difference(self) -> Decimal:
        return self.time_cost - self.gl_labour


@dataclass(frozen=True)
class ProjectMonthVariance:
    project_code: str
    month: str  # "YYYY-MM"
    difference: Decimal  # time-entry cost minus GL labour expense


def plot_labour_vs_gl(months: list[MonthlyLabour], variances: list[ProjectMonthVariance], path: Path, *,
                      title: str, account: str) -> Path:
    """Left: grouped bars per month (time-entry cost, GL labour expense on `account`) over a panel of the
    differences, which are far smaller than the amounts and need their own scale. Right: the project-months
    with the largest differences, largest on top. Green and red say the same on both sides."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure = plt.figure(figsize=(15, 7.5), dpi=100)
    grid = figure.add_gridspec(2, 2, height_ratios=[3, 1.4], width_ratios=[2.1, 1])
    amounts = figure.add_subplot(grid[0, 0])
    differences = figure.add_subplot(grid[1, 0], sharex=amounts)
    projects = figure.add_subplot(grid[:, 1])
    figure.suptitle(title, fontsize=13)

    positions = list(range(len(months)))
    width = 0.4
    amounts.bar([p - width / 2 for p in positions], [float(m.time_cost) for m in months], width,
                label="Labour cost from time entries (hours × cost rate)", color="#4C72B0")
    amounts.bar([p + width / 2 for p in positions], [float(m.gl_labour) for m in months], width,
                label=f"Labour expense posted in the GL, account {account} (debits − credits)", color="#DD8452")
    amounts.set_ylabel("Amount (USD)")
    amounts.set_title("Per month, all projects", fontsize=11, loc="left")
    amounts.legend(loc="upper left", fontsize=9, framealpha=0.9)
    amounts.set_ylim(0, max([float(max(m.time_cost, m.gl_labour)) for m in months] + [1.0]) * 1.25)
    amounts.tick_params(labelbottom=False)

    values = [float(m.difference) for m in months]
    differences.bar(positions, values, 0.6, color=[_colour(value) for value in values])
    differences.axhline(0, color="#444444", linewidth=0.8)
    differences.set_ylabel("Time cost − GL (USD)")
    differences.set_xticks(positions, [m.month for m in months], rotation=45, ha="right")
    differences.set_xlabel("Month (time entries by work date, GL lines by entry date)")
    differences.legend(handles=_colour_legend(), loc="best", fontsize=8, framealpha=0.9)

    shown = list(reversed(variances))  # barh draws from the bottom: the largest ends on top
    rows = list(range(len(shown)))
    projects.barh(rows, [float(v.difference) for v in shown], 0.6, color=[_colour(float(v.difference)) for v in shown])
    projects.set_yticks(rows, [f"{v.project_code}  {v.month}" for v in shown], fontsize=9)
    projects.axvline(0, color="#444444", linewidth=0.8)
    projects.set_title(f"Largest differences: top {len(variances)} project-months", fontsize=11, loc="left")
    projects.set_xlabel("Time cost − GL (USD)")
    projects.legend(handles=_colour_legend(), loc="lower right", fontsize=8, framealpha=0.9)
    if not variances:
        projects.text(0.5, 0.5, "time cost equals the GL posting\nin every project-month", ha="center",
                      va="center", transform=projects.transAxes)

    for axes in (amounts, differences):
        axes.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        axes.grid(axis="y", alpha=0.3)
    projects.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    projects.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def _colour(difference: float) -> str:
    return BELOW if difference < 0 else ABOVE


def _colour_legend() -> list[Patch]:
    return [Patch(color=ABOVE, label=ABOVE_LABEL), Patch(color=BELOW, label=BELOW_LABEL)]
