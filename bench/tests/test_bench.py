"""`make bench` at the smallest scale, once: every case measured, every ratio, the profile split, `make demo`'s
phases and the chart written.

Nothing here is about speed (no figure is compared with a bound): it proves the harness runs end to end
on a fresh checkout, through `python -m bench` as `make bench` calls it, so the published figures can
always be re-made. A steady rate may be "—" only where its own span says it was too short or too coarse to
give one (at this scale most are), and a steady ratio only where one of its cases has no steady rate. The
peer's virtual environment is installed once under build/bench/peer and reused.
"""

import re
import subprocess
import sys
from pathlib import Path

from bench.arrivals import MAX_WAIT_SHARE, MIN_SPAN_SECONDS

ROOT = Path(__file__).resolve().parents[2]
CASES = [
    "source-sage-gl: journal_entry_lines",
    "parse-only limit: Intacct query + lxml + orjson",
    "CDK floor (Intacct): smallest airbyte-cdk 7.39.1 HttpStream, lxml",
    "source-time-tracking (Harvest): time_entries",
    "airbyte-source-harvest 1.0.19 on CDK 7.39.1, as published (per_page 50)",
    "airbyte-source-harvest 1.0.19 on CDK 7.39.1, page size raised (per_page 2000)",
    "parse-only limit: Harvest GET + orjson",
    "CDK floor (Harvest): smallest airbyte-cdk 7.39.1 HttpStream, json.loads",
    "source-time-tracking (generic, page size 1000): time_entries",
    "parse-only limit: generic GET + orjson",
    "CDK floor (generic, page size 1000): smallest airbyte-cdk 7.39.1 HttpStream, json.loads",
    "python -m pipeline sync sage_gl (journal_entry_lines) → DuckDB",
    "python -m pipeline sync time_harvest (time_entries) → DuckDB",
    "python -m pipeline sync time_generic (time_entries) → DuckDB",
]
DEMO_PHASES = ["start: imports, sandbox", "1. first sync + mappings", "2. changes in the sandbox",
               "3. second sync + mappings", "4. report and plot"]
RATIOS = 8  # peer at 2000, three parse-only limits, the peer's requests, three pipeline syncs
# the cases each speed ratio divides (of the targets' table, then of the CDK floor's)
SPEED_RATIOS = {
    "Harvest time_entries records/s ÷ peer's at per_page 2000": (CASES[3], CASES[5]),
    "Harvest time_entries records/s ÷ its parse-only limit": (CASES[3], CASES[6]),
    "generic time_entries records/s ÷ its parse-only limit": (CASES[8], CASES[9]),
    "Sage journal_entry_lines records/s ÷ its parse-only limit": (CASES[0], CASES[1]),
}
FLOOR_SHARES = {
    "Sage journal_entry_lines: ours ÷ CDK floor (1 when our own code costs nothing)": (CASES[0], CASES[2]),
    "Sage: CDK floor ÷ parse-only limit (the most a CDK source reaches)": (CASES[2], CASES[1]),
    "Harvest time_entries: ours ÷ CDK floor (1 when our own code costs nothing)": (CASES[3], CASES[7]),
    "Harvest: CDK floor ÷ parse-only limit (the most a CDK source reaches)": (CASES[7], CASES[6]),
    "Harvest: CDK floor ÷ peer's at per_page 2000 (the most a CDK source reaches)": (CASES[7], CASES[5]),
    "generic time_entries: ours ÷ CDK floor (1 when our own code costs nothing)": (CASES[8], CASES[10]),
    "generic: CDK floor ÷ parse-only limit (the most a CDK source reaches)": (CASES[10], CASES[9]),
}
NUMBER = r"([\d,]+(?:\.\d+)?)"
UNMEASURED = re.compile(r"— \((?:no record after the first delivery|(\d+\.\d\d) s, wait (\d+\.\d\d) s)\)")


def steady_measured(cell: str) -> bool:
    """A steady rate's cell: True for a number; False for "—" with a reason that really rules a rate out."""
    if re.fullmatch(NUMBER, cell):
        return True
    reason = UNMEASURED.fullmatch(cell)
    assert reason, cell
    if reason.group(1) is not None:  # the span or its longest wait, rounded to 0.01 s
        span, wait = float(reason.group(1)), float(reason.group(2))
        assert span <= MIN_SPAN_SECONDS + 0.005 or wait >= MAX_WAIT_SHARE * span - 0.01, cell
    return False


def table_rows(text: str, columns: int) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        header = cells[0] in {"what", "ratio", "records/s ratio", "profiled run"} or set(cells[-1]) <= set("-:")
        if line.startswith("| ") and len(cells) == columns and not header:
            rows[cells[0]] = cells[1:]
    return rows


def test_the_bench_measures_every_case_and_writes_the_table_and_the_chart(tmp_path):
    results, chart = tmp_path / "results.md", tmp_path / "results.png"
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "0.5", "--repetitions", "1", "--profile", "--cache-dir",
         str(tmp_path / "cache"), "--output", str(results), "--chart", str(chart)],
        cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-3000:]
    text = results.read_text()
    assert text in completed.stdout  # what it prints is what it writes

    counts = dict(zip(("glentry", "harvest", "generic"),
                      (int(n.replace(",", "")) for n in re.findall(r"([\d,]+) (?:GL lines|Harvest|generic)", text))))
    # the generic cases read a sandbox of their own, at 7 × the scale (every generic row reads its count, below)
    assert "generic entries (the generic API's own sandbox at scale 3.5)." in text
    measured = table_rows(text, 10)
    assert list(measured) == CASES
    has_steady = {}
    for title, cells in measured.items():
        records, seconds, per_second, first, steady, cpu, rss, requests, sandbox_cpu = cells
        assert all(re.fullmatch(NUMBER, cell) for cell in [records, seconds, per_second, cpu, rss, requests,
                                                           sandbox_cpu]), title
        assert float(seconds) > 0 and float(cpu) > 0 and float(rss) > 0 and int(requests.replace(",", "")) > 0, title
        if "pipeline sync" in title:  # a sync prints no records of its own: no first record, no steady rate
            assert (first, steady) == ("—", "—"), title
        else:  # every source has a first record, and a steady rate unless its span rules one out
            assert re.fullmatch(NUMBER, first) and 0 < float(first) < float(seconds), title
            has_steady[title] = steady_measured(steady)
        expected = counts["glentry" if "sage" in title or "Intacct" in title else
                          "generic" if "generic" in title else "harvest"]
        assert int(records.replace(",", "")) == expected, title  # every program read every record

    published = int(measured[CASES[4]][7].replace(",", ""))
    raised = int(measured[CASES[5]][7].replace(",", ""))
    assert published > raised  # the published page size of 50 really is what was run

    ratios = table_rows(text, 7)
    assert len(ratios) == RATIOS
    for what, (whole, steady, _, met, steady_met, bound) in ratios.items():
        assert re.fullmatch(r"\d+\.\d{3}", whole) and met in {"yes", "no"}, what
        if what in SPEED_RATIOS:  # a speed has a steady-state ratio too, where both its cases have a steady rate
            if all(has_steady[case] for case in SPEED_RATIOS[what]):
                assert re.fullmatch(r"\d+\.\d{3}", steady) and steady_met in {"yes", "no"}, what
            else:
                assert (steady, steady_met) == ("—", "not measurable at this scale"), what
        else:  # requests and wall times have no steady state
            assert (steady, steady_met) == ("—", "—"), what
        if what in SPEED_RATIOS and "no" in (met, steady_met):  # a target not met names what bounds it
            assert re.search(r"imports [\d.]+ s \(\d+ %\)", bound), what
    assert set(SPEED_RATIOS) <= set(ratios)

    shares = table_rows(text, 3)  # the CDK floor's table: every ratio over the whole process, steady where it can be
    assert list(shares) == list(FLOOR_SHARES)
    for what, (whole, steady) in shares.items():
        assert re.fullmatch(r"\d+\.\d{3}", whole), what
        assert re.fullmatch(r"\d+\.\d{3}", steady) if all(has_steady[case] for case in FLOOR_SHARES[what]) else \
            steady == "—", what

    tables = table_rows(text, 2)  # --profile's split of our sources' CPU, then `make demo`'s phases
    splits = {title: cells for title, cells in tables.items() if title in CASES}
    assert list(splits) == [CASES[0], CASES[3], CASES[8]]
    for title, (split,) in splits.items():
        shares = [int(share) for share in re.findall(r"\((\d+) %\)", split)]
        # At this scale the start is nearly all of it: the record path may round below 1 % and be left out.
        assert "imports" in re.findall(r"(\w+) [\d.]+ s", split) and 97 <= sum(shares) <= 103, title
    demo = {phase: cells for phase, cells in tables.items() if phase not in CASES and phase != "`make demo` phase"}
    assert list(demo) == [*DEMO_PHASES, "wall time"]
    assert all(re.fullmatch(r"\d+\.\d", seconds) for seconds, in demo.values())
    assert re.search(r"^Target: `make demo` under 45 s wall: (met|not met)\.$", text, re.M)
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and chart.stat().st_size > 10_000
