"""The bench's results: medians per case, the ratios the performance targets are stated in, a PNG chart."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from bench.arrivals import MAX_WAIT_SHARE, MIN_SPAN_SECONDS
from bench.processes import Run


@dataclass
class Case:
    """One thing measured, with its runs (one per repetition)."""

    key: str
    title: str
    runs: list[Run] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)

    @property
    def records(self) -> int:
        return int(self.median("records"))

    @property
    def per_second(self) -> float:
        seconds = self.median("seconds")
        return self.records / seconds if seconds else 0.0

    @property
    def prints_records(self) -> bool:
        """False for a pipeline sync: it prints no records of its own, so it has no first record, no steady rate."""
        return self.median("first_record_seconds") > 0

    @property
    def steady_per_second(self) -> Optional[float]:
        """The median of the runs' steady rates (`bench.arrivals`); None unless every run gave one."""
        rates = [run.steady.per_second for run in self.runs]
        return None if None in rates else statistics.median(rates)

    def steady_cell(self) -> str:
        """The steady rate, or "—" with why not (the median span of the runs that gave none)."""
        if not self.prints_records:
            return "—"
        if (rate := self.steady_per_second) is not None:
            return f"{rate:,.0f}"
        spans = sorted((run.steady for run in self.runs if run.steady.per_second is None), key=lambda s: s.seconds)
        return f"— ({spans[len(spans) // 2].why_not()})"


@dataclass(frozen=True)
class Ratio:
    """`numerator / denominator` of one figure (records/s, requests or seconds), against a target; a speed also
    from the first record to the last (`steady`), and what bounds a speed (`bound`: a profile split)."""

    what: str
    value: float
    target: str
    met: bool
    steady: Optional[float] = None  # a speed's: None when a case's steady rate could not be measured
    steady_met: Optional[bool] = None
    bound: str = ""
    speed: bool = False


def ratios(cases: dict[str, Case], pipeline_pairs: list[tuple[str, str]],
           splits: Optional[dict[str, str]] = None) -> list[Ratio]:
    """The issue's targets, computed from the medians; a case not measured leaves its ratios out. `splits`:
    the profile split of each profiled source case, quoted where its speed target is not met."""
    found: list[Ratio] = []

    def speed(numerator: str, denominator: str, what: str, at_least: float, target: str) -> None:
        if numerator in cases and denominator in cases and cases[denominator].per_second:
            value = cases[numerator].per_second / cases[denominator].per_second
            steady = _steady_ratio(cases[numerator], cases[denominator])
            met = value >= at_least
            steady_met = None if steady is None else steady >= at_least
            bound = (splits or {}).get(numerator, "") if not (met and steady_met is not False) else ""
            found.append(Ratio(what, value, target, met, steady, steady_met, bound, speed=True))

    speed("harvest", "peer_2000", "Harvest time_entries records/s ÷ peer's at per_page 2000", 2.0, "≥ 2")
    speed("harvest", "harvest_limit", "Harvest time_entries records/s ÷ its parse-only limit", 0.40, "≥ 0.40")
    speed("generic", "generic_limit", "generic time_entries records/s ÷ its parse-only limit", 0.40, "≥ 0.40")
    speed("sage", "sage_limit", "Sage journal_entry_lines records/s ÷ its parse-only limit", 0.65, "≥ 0.65")
    if "harvest" in cases and "peer_published" in cases and cases["peer_published"].median("requests"):
        value = cases["harvest"].median("requests") / cases["peer_published"].median("requests")
        found.append(Ratio("Harvest requests ÷ published peer's requests", value, "≤ 1/35 (0.029)",
                           value <= 1 / 35))
    for sync, source in pipeline_pairs:
        if sync in cases and source in cases:
            value = cases[sync].median("seconds") / cases[source].median("seconds")
            found.append(Ratio(f"{cases[sync].title}: wall time ÷ the source's own read", value, "≤ 1.5",
                               value <= 1.5))
    return found


# (numerator, denominator, what the ratio says) of the CDK floor's table: how much of a gap is the CDK's
FLOOR_SHARES = [
    ("sage", "floor_intacct", "Sage journal_entry_lines: ours ÷ CDK floor (1 when our own code costs nothing)"),
    ("floor_intacct", "sage_limit", "Sage: CDK floor ÷ parse-only limit (the most a CDK source reaches)"),
    ("harvest", "floor_harvest", "Harvest time_entries: ours ÷ CDK floor (1 when our own code costs nothing)"),
    ("floor_harvest", "harvest_limit", "Harvest: CDK floor ÷ parse-only limit (the most a CDK source reaches)"),
    ("floor_harvest", "peer_2000", "Harvest: CDK floor ÷ peer's at per_page 2000 (the most a CDK source reaches)"),
    ("generic", "floor_generic", "generic time_entries: ours ÷ CDK floor (1 when our own code costs nothing)"),
    ("floor_generic", "generic_limit", "generic: CDK floor ÷ parse-only limit (the most a CDK source reaches)"),
]


def floor_shares(cases: dict[str, Case]) -> list[tuple[str, float, Optional[float]]]:
    """(what, whole-process ratio, steady-state ratio) of records/s for each `FLOOR_SHARES` pair measured."""
    found = []
    for numerator, denominator, what in FLOOR_SHARES:
        if numerator in cases and denominator in cases and cases[denominator].per_second:
            found.append((what, cases[numerator].per_second / cases[denominator].per_second,
                          _steady_ratio(cases[numerator], cases[denominator])))
    return found


def _steady_ratio(numerator: Case, denominator: Case) -> Optional[float]:
    """Steady records/s of one case ÷ another's; None when either could not be measured."""
    if numerator.steady_per_second is None or not denominator.steady_per_second:
        return None
    return numerator.steady_per_second / denominator.steady_per_second


def markdown(cases: list[Case], found: list[Ratio], heading: str, command: str,
             splits: Optional[dict[str, str]] = None) -> str:
    repetitions = min(len(case.runs) for case in cases)
    lines = [
        heading, "",
        f"Command: `{command}`. Medians of {repetitions} interleaved runs; every program is a subprocess, "
        "measured alone (CPU seconds and peak RSS from the kernel's accounting of it and its children, requests "
        "from the sandbox's counts; the sandbox's own CPU seconds meanwhile show how much of the wall time was the "
        "emulator's).", "",
        "*records/s* is over the whole process; *first record* is the seconds from the start to the "
        "first record (imports, spec and config, sign-in, first page); *steady records/s* runs from the first "
        "delivery of records to the last record, without the process start: a CDK source's print buffer writes "
        "its records every 0.1 s, so the records that arrive with the first are counted in the start, and the "
        f"rate is given only for a span of at least {MIN_SPAN_SECONDS:g} s in which no wait between two "
        f"deliveries is longer than {MAX_WAIT_SHARE:.0%} of it (at least five deliveries); otherwise \"—\" with "
        "the span and its longest wait, and the ratios built on it say so.", "",
        "| what | records | seconds | records/s | first record (s) | steady records/s | CPU s | peak RSS (MB) "
        "| requests | sandbox CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in cases:
        first = f"{case.median('first_record_seconds'):.2f}" if case.prints_records else "—"
        lines.append(f"| {case.title} | {case.records:,} | {case.median('seconds'):.2f} | {case.per_second:,.0f} | "
                     f"{first} | {case.steady_cell()} | {case.median('cpu_seconds'):.2f} | "
                     f"{case.median('peak_rss_mb'):.0f} | {case.median('requests'):,.0f} | "
                     f"{case.median('sandbox_cpu_seconds'):.2f} |")
    if found:
        lines += ["", "| ratio | whole process | steady state | target | met (whole) | met (steady) | what bounds it |",
                  "|---|---:|---:|---|---|---|---|"]
        lines += [f"| {ratio.what} | {ratio.value:.3f} | {_or_dash(ratio.steady, '.3f')} | {ratio.target} | "
                  f"{_yes_no(ratio.met)} | {_steady_met(ratio)} | {ratio.bound or '—'} |" for ratio in found]
    shares = floor_shares({case.key: case for case in cases})
    if shares:
        lines += ["", "The CDK floor (`bench/cdk_floor.py`): the smallest airbyte-cdk HttpStream over the same endpoint "
                  "and page size, its pages parsed with `json.loads` (exact decimals) or lxml (Intacct: each record "
                  "its fields' texts) and yielded unchanged, through the CDK's entry point: records/s of one case ÷ "
                  "another's, so each gap splits into the CDK's share and ours.", "", "| records/s ratio | whole process | steady state |", "|---|---:|---:|"]
        lines += [f"| {what} | {whole:.3f} | {_or_dash(steady, '.3f')} |" for what, whole, steady in shares]
    if splits:
        lines += ["", "Profile split (`--profile`: one more run of each under py-spy; *imports*: the CPU seconds of a "
                  "process that only imports the source's entry point, measured, the CDK's module bodies and its "
                  "dependencies' above all; the rest of the median CPU seconds shared as the samples are: *HTTP*: "
                  "requests and urllib3, which the parse-only limit pays too; *ours*: the connector's own code, with "
                  "the parsing it calls; *CDK*: airbyte_cdk's record path):", "", "| profiled run | split |", "|---|---|"]
        lines += [f"| {title} | {split} |" for title, split in splits.items()]
    return "\n".join(lines) + "\n"


def _or_dash(value: Optional[float], spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _steady_met(ratio: Ratio) -> str:
    """A speed's target in the steady state, or why it cannot be judged; other figures have no steady state."""
    return "not measurable at this scale" if ratio.speed and ratio.steady is None else _yes_no(ratio.steady_met)


def _yes_no(value: Optional[bool]) -> str:
    return "—" if value is None else "yes" if value else "no"


def chart(cases: list[Case], path: Path) -> None:
    """Records/s of every case as horizontal bars (log scale: the peer and the limits differ by 50×)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    shown = cases[::-1]
    speeds = [max(case.per_second, 1.0) for case in shown]
    figure, axes = pyplot.subplots(figsize=(11, 0.45 * len(cases) + 1.5))
    bars = axes.barh([case.title for case in shown], speeds, color=[_colour(case.key) for case in shown])
    axes.bar_label(bars, labels=[f"{value:,.0f}" for value in speeds], padding=3, fontsize=8)
    axes.set_xscale("log")
    axes.set_xlabel("records/s (median; log scale)")
    axes.tick_params(axis="y", labelsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def _colour(key: str) -> str:
    """Ours blue, the peer orange, the parse-only limits grey, the CDK floors purple, the pipeline green."""
    if key.endswith("_limit"):
        return "#999999"
    if key.startswith("floor_"):
        return "#8172b3"
    return "#dd8452" if key.startswith("peer_") else "#55a868" if key.startswith("sync_") else "#4c72b0"
