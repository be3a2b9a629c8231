"""`make bench-rss`: each source's biggest streams at two sizes (~100k and ~1M records), their peak RSS at
each, and whether it stays flat — issue 12's target: at most 150 MB at 1M records, and the larger run's peak
at most 1.2 times the smaller one's, the deletion window included.

Each case is the connector's own `main.py read` in a subprocess; its peak RSS is the high-water mark of its
own address space (`sandbox.peak_rss`), not the kernel's `ru_maxrss`, which also counts what a forking
parent held. Records are counted from its output as it streams (nothing is kept). `deleted_time_entries`
is measured over a 366-day window in a next sync: a first sync of it alone records the window's ids, and
the measured one compares them with the window re-read (the largest holder). The table goes into its own
section of `bench/results.md`, which `make bench` keeps. Nothing here asserts a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

import requests

from bench.arrivals import RECORD_PREFIX
from bench.processes import SandboxProcess
from sandbox.peak_rss import run_python_measuring_peak_rss

ROOT = Path(__file__).resolve().parent.parent
START_DATE = "2026-01-01T00:00:00Z"
WINDOW_DAYS = 366  # the largest deletion window the spec allows: every entry of the sandbox's year is in it
LIMIT_MB = 150.0
FLAT_RATIO = 1.2
SECTION = "## Peak RSS at 100k and 1M records"
STATE_PREFIX = b'{"type":"STATE"'
LOG_PREFIX = b'{"type":"LOG"'
WINDOW_DONE = re.compile(r"^deleted_time_entries: done, window \S+: (\d+) entries now")
# Vendor limits that would measure the plan, not memory: Toggl's hourly API quota stops a read of 100k
# entries, and Clockify's 50 requests/s paces its one request per user and page.
UNLIMITED = {"toggl_quota": "off", "clockify_rate_limit": "off"}


@dataclass(frozen=True)
class Case:
    """One read: `connector`'s `main.py` with the config of `provider`, `streams` in its catalog. With
    `second_sync`, `deleted_time_entries` alone is read first, and the read measured starts from its state."""

    key: str
    title: str
    connector: str
    provider: str
    streams: tuple[str, ...]
    second_sync: bool = False


CASES = [
    Case("sage_lines", "source-sage-gl: journal_entry_lines", "source-sage-gl", "intacct", ("journal_entry_lines",)),
    Case("sage_details", "source-sage-gl: gl_details", "source-sage-gl", "intacct", ("gl_details",)),
    Case("harvest", "Harvest: time_entries", "source-time-tracking", "harvest", ("time_entries",)),
    Case("harvest_deletes", f"Harvest: deleted_time_entries, {WINDOW_DAYS}-day window, next sync",
         "source-time-tracking", "harvest", ("deleted_time_entries",), second_sync=True),
    Case("generic", "generic (page size 1000): time_entries", "source-time-tracking", "generic", ("time_entries",)),
    Case("clockify", f"Clockify: time_entries + deleted_time_entries, {WINDOW_DAYS}-day window, next sync",
         "source-time-tracking", "clockify", ("time_entries", "deleted_time_entries"), second_sync=True),
    Case("quickbooks_time", "QuickBooks Time: time_entries + deleted_time_entries", "source-time-tracking",
         "quickbooks_time", ("time_entries", "deleted_time_entries")),
    Case("toggl", f"Toggl Track: time_entries + deleted_time_entries, {WINDOW_DAYS}-day window, next sync",
         "source-time-tracking", "toggl", ("time_entries", "deleted_time_entries"), second_sync=True),
]


@dataclass
class Measured:
    records: int
    peak_mb: float


@dataclass
class Output:
    """What a read printed, counted as it streams: its RECORD lines and the last STATE line of each stream."""

    records: int = 0
    window_entries: int = 0  # from `deleted_time_entries`' closing log line: the entries its window re-read
    states: dict[str, dict] = field(default_factory=dict)

    def consume(self, stream) -> None:
        for line in stream:
            if line.startswith(RECORD_PREFIX):
                self.records += 1
            elif line.startswith(STATE_PREFIX):
                state = json.loads(line)["state"]
                self.states[state["stream"]["stream_descriptor"]["name"]] = state
            elif line.startswith(LOG_PREFIX) and (window := WINDOW_DONE.search(json.loads(line)["log"]["message"])):
                self.window_entries = int(window.group(1))


def configs(credentials: dict) -> dict[str, dict]:
    """Each provider's config from the sandbox's credentials: everything since START_DATE, the widest window."""
    generic = {**credentials["generic"]["provider"], "pagination": {"page_size": 1000}}
    window = {"start_date": START_DATE, "deletion_window_days": WINDOW_DAYS}
    return {"intacct": {**credentials["intacct"], "start_date": START_DATE, "page_size": 2000},
            "harvest": {**credentials["harvest"], **window}, "generic": {"provider": generic, **window},
            **{name: {**credentials[name], **window} for name in ("clockify", "quickbooks_time", "toggl")}}


def catalog(streams: tuple[str, ...]) -> dict:
    mode = {"sync_mode": "incremental", "destination_sync_mode": "append"}
    return {"streams": [{"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
                         **(mode if name == "deleted_time_entries" else
                            {"sync_mode": "full_refresh", "destination_sync_mode": "overwrite"})} for name in streams]}


def read(case: Case, config: dict, workdir: Path, state: Optional[list] = None) -> tuple[Measured, Output]:
    """One `main.py read` of `case`, with its peak RSS and what it printed. A failure stops the bench."""
    paths = {name: workdir / f"{case.key}-{name}.json" for name in ("config", "catalog", "state")}
    paths["config"].write_text(json.dumps(config))
    paths["catalog"].write_text(json.dumps(catalog(case.streams)))
    arguments = ["main.py", "read", "--config", str(paths["config"]), "--catalog", str(paths["catalog"])]
    if state is not None:
        paths["state"].write_text(json.dumps(state))
        arguments += ["--state", str(paths["state"])]
    output = Output()
    reader_fd, writer_fd = os.pipe()
    with open(reader_fd, "rb") as reader, open(writer_fd, "wb") as writer:
        counting = threading.Thread(target=output.consume, args=(reader,))
        counting.start()
        try:
            measured = run_python_measuring_peak_rss(arguments, cwd=ROOT / case.connector, stdout=writer)
        finally:
            writer.close()  # the child has exited: the counting thread now reads to the end
            counting.join()
    if measured.exit_code != 0:
        raise SystemExit(f"{case.title}: main.py read exited with {measured.exit_code}")
    return Measured(output.records or output.window_entries, measured.peak_mb), output


def measure(case: Case, config: dict, workdir: Path) -> Measured:
    if not case.second_sync:
        return read(case, config, workdir)[0]
    _, first = read(replace(case, streams=("deleted_time_entries",)), config, workdir)
    return read(case, config, workdir, state=list(first.states.values()))[0]


def table(cases: list[Case], results: dict[str, list[Measured]], heading: str, command: str) -> str:
    lines = [SECTION, "", heading, "",
             f"Command: `{command}`. Each read is the connector's `main.py read` alone; its peak RSS is its own "
             f"address space's high-water mark (VmHWM). `deleted_time_entries` is measured in a next sync (the ids "
             f"seen by a first one compared with the window re-read; measured alone, its records are the entries "
             f"the window re-read). Targets (issue 12): ≤ {LIMIT_MB:.0f} MB at "
             f"the larger size, larger ÷ smaller ≤ {FLAT_RATIO}.", "",
             f"| what | records | peak RSS MB | records | peak RSS MB | ratio | ≤ {LIMIT_MB:.0f} MB | "
             f"flat (≤ {FLAT_RATIO}) |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    for case in cases:
        before, after = results[case.key]
        ratio = after.peak_mb / before.peak_mb
        lines.append(f"| {case.title} | {before.records:,} | {before.peak_mb:.0f} | {after.records:,} | "
                     f"{after.peak_mb:.0f} | {ratio:.2f} | {'yes' if after.peak_mb <= LIMIT_MB else 'no'} | "
                     f"{'yes' if ratio <= FLAT_RATIO else 'no'} |")
    return "\n".join(lines) + "\n"


def without_section(text: str) -> str:
    """`text` (bench/results.md) without this section, wherever it is."""
    if SECTION not in text:
        return text
    before, _, after = text.partition(SECTION)
    rest = after.split("\n## ", 1)
    return before.rstrip("\n") + ("\n\n## " + rest[1] if len(rest) > 1 else "\n")


def kept_section(results: Path) -> str:
    """This section of an existing `results`, for `make bench` to keep when it rewrites the rest."""
    if not results.exists() or SECTION not in results.read_text():
        return ""
    text = results.read_text()
    return "\n" + SECTION + text.partition(SECTION)[2].split("\n## ", 1)[0].rstrip("\n") + "\n"


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.rss", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="50,500",
                        help="two sandbox scales, ascending, comma-separated (50 ≈ 100k time entries, 500 ≈ 1M)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cases", default=",".join(case.key for case in CASES),
                        help=f"the cases to measure, comma-separated (default all: {', '.join(c.key for c in CASES)})")
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache" / "sandbox"), help="the sandbox's data cache")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"),
                        help="the file whose section this writes (the rest is kept)")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    scales = [float(scale) for scale in args.scales.split(",")]
    chosen = [case for case in CASES if case.key in args.cases.split(",")]
    results: dict[str, list[Measured]] = {case.key: [] for case in chosen}
    counts: dict[float, dict[str, int]] = {}
    for scale in scales:
        sandbox = SandboxProcess(scale, args.seed, Path(args.cache_dir))
        try:
            counts[scale] = {name: sandbox.control.truth(name)["count"]
                             for name in ("glentry", "harvest_time_entries", "generic_entries")}
            requests.post(f"{sandbox.info['base_url']}/_sandbox/settings", json=UNLIMITED, timeout=30).raise_for_status()
            provider_configs = configs(sandbox.info["credentials"])
            with tempfile.TemporaryDirectory(prefix="bench-rss-") as workdir:
                for case in chosen:
                    measured = measure(case, provider_configs[case.provider], Path(workdir))
                    results[case.key].append(measured)
                    print(f"bench.rss: scale {scale:g} {case.title}: {measured.records:,} records, "
                          f"peak {measured.peak_mb:.0f} MB", file=sys.stderr)
        finally:
            sandbox.stop()
    heading = "; ".join(f"scale {scale:g} (seed {args.seed}): {count['glentry']:,} GL lines, "
                        f"{count['harvest_time_entries']:,} Harvest entries, {count['generic_entries']:,} generic entries"
                        for scale, count in counts.items()) + "."
    given = sys.argv[1:] if argv is None else argv
    command = "make bench-rss" + (f" ARGS='{' '.join(given)}'" if given else "")
    section = table(chosen, results, heading, command)
    print(section)
    output = Path(args.output)
    previous = output.read_text() if output.exists() else ""
    output.write_text((without_section(previous).rstrip("\n") + "\n\n" if previous.strip() else "") + section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
