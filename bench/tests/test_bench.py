"""`make bench` at the smallest scale, once: every case measured, every ratio, the profile split, `make demo`'s
phases and the chart
written.

Nothing here is about speed (no figure is compared with a bound): it proves the harness runs end to end
on a fresh checkout, through `python -m bench` as `make bench` calls it, so the published figures can
always be re-made. The peer's virtual environment is installed once under build/bench/peer and reused.
"""

import re
import subprocess
import sys
from pathlib import Path

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
FLOOR_SHARES = 7  # ours ÷ floor and floor ÷ limit for Sage and both providers, Harvest's floor ÷ peer
NUMBER = r"([\d,]+(?:\.\d+)?)"


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
    measured = table_rows(text, 10)
    assert list(measured) == CASES
    for title, cells in measured.items():
        records, seconds, per_second, first, steady, cpu, rss, requests, sandbox_cpu = cells
        # A sync prints no records of its own: no first record, no steady rate; every source does.
        steady_measured = [first, steady] if "pipeline sync" not in title else []
        assert all(re.fullmatch(NUMBER, cell) for cell in [records, seconds, per_second, cpu, rss, requests,
                                                           sandbox_cpu, *steady_measured]), title
        assert steady_measured or (first, steady) == ("—", "—"), title
        assert float(seconds) > 0 and float(cpu) > 0 and float(rss) > 0 and int(requests.replace(",", "")) > 0, title
        assert not steady_measured or 0 < float(first) < float(seconds), title
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
        speed = "records/s" in what  # a speed has a steady-state ratio too; requests and wall times do not
        assert (re.fullmatch(r"\d+\.\d{3}", steady) and steady_met in {"yes", "no"}) if speed else \
            (steady, steady_met) == ("—", "—"), what
        if speed and "no" in (met, steady_met):  # a target not met names what bounds it: the profile split
            assert re.search(r"imports [\d.]+ s \(\d+ %\)", bound), what

    shares = table_rows(text, 3)  # the CDK floor's table: every ratio measured, over the whole process and steady
    assert len(shares) == FLOOR_SHARES
    assert all(re.fullmatch(r"\d+\.\d{3}", cell) for cells in shares.values() for cell in cells), shares

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
