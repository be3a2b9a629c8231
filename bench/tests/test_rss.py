"""`make bench-rss` at two tiny scales, once: every case measured at its two, every ratio and verdict written into
its own section of the results file, the rest of that file kept. Nothing here compares a figure with a bound."""

import re
import subprocess
import sys
from pathlib import Path

from bench.rss import CASES, SECTION

ROOT = Path(__file__).resolve().parents[2]


def test_the_rss_bench_measures_every_case_at_both_sizes_and_keeps_the_rest_of_the_results(tmp_path):
    results = tmp_path / "results.md"
    results.write_text("Scale 0.5 …\n\n| what | records |\n|---|---:|\n| a case | 1 |\n")
    completed = subprocess.run(
        [sys.executable, "-m", "bench.rss", "--scales", "0.6,1", "--cache-dir", str(tmp_path / "cache"),
         "--output", str(results)], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-3000:]

    text = results.read_text()
    assert text.startswith("Scale 0.5 …\n\n| what | records |\n|---|---:|\n| a case | 1 |\n")  # kept
    section = text.partition(SECTION)[2]
    assert section and section.strip() in completed.stdout
    rows = {cells[0]: cells[1:] for cells in ([cell.strip() for cell in line.strip().strip("|").split("|")]
                                               for line in section.splitlines() if line.startswith("| "))
            if cells[0] != "what" and len(cells) == 8}
    assert list(rows) == [case.title for case in CASES]
    for title, (small_records, small_mb, large_records, large_mb, ratio, within, flat) in rows.items():
        small, large = int(small_records.replace(",", "")), int(large_records.replace(",", ""))
        assert 0 < small < large, title  # both sizes were read, every record counted
        assert float(small_mb) > 0 and float(large_mb) > 0, title
        assert re.fullmatch(r"\d+\.\d\d", ratio) and within in {"yes", "no"} and flat in {"yes", "no"}, title


def test_make_bench_keeps_the_rss_section_when_it_rewrites_the_results(tmp_path):
    from bench.rss import kept_section, without_section

    section = f"{SECTION}\n\nscale 50 …\n\n| what | records |\n|---|---:|\n| Harvest: time_entries | 101,276 |\n"
    results = tmp_path / "results.md"
    results.write_text("old table\n\n" + section + "\n## Later\n\ntext\n")

    assert kept_section(results).strip() == section.strip()
    assert without_section(results.read_text()) == "old table\n\n## Later\n\ntext\n"
