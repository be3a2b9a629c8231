"""`make bench`: how fast each part moves the sandbox's data, at a chosen scale.

The sandbox runs in its own process (`python -m sandbox serve`), so the emulators do not share the
interpreter with what is measured. Each source runs as its console script, exactly as PyAirbyte and the
Airbyte platform run it, with its stdout read and counted here. Results are printed as a Markdown table and
written to `bench/results.md`; the README quotes them. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox import SandboxControl

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Measurement:
    name: str
    records: int
    seconds: float
    requests: int | None = None
    peak_rss_mb: float | None = None

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


class SandboxProcess:
    """`python -m sandbox serve` in a child process, stopped with SIGTERM."""

    def __init__(self, scale: float, seed: int, cache_dir: Path, harvest_rate_limit: bool):
        self._process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--scale", str(scale), "--seed", str(seed),
             "--cache-dir", str(cache_dir), *([] if harvest_rate_limit else ["--harvest-rate-limit", "off"])],
            stdout=subprocess.PIPE, text=True)
        line = self._process.stdout.readline()
        if not line:
            raise SystemExit("the sandbox did not start (see its output above)")
        self.info = json.loads(line)
        self.control = SandboxControl(self.info["base_url"])

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=60)


def catalog_for(streams: list[str]) -> dict:
    return {"streams": [{"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                         "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for name in streams]}


def read_source(name: str, command: str, config: dict, streams: list[str], sandbox: SandboxProcess,
                workdir: Path) -> Measurement:
    """Run `<command> read` for a full refresh of `streams` and count the RECORD messages it prints."""
    config_path, catalog_path = workdir / f"{name}-config.json", workdir / f"{name}-catalog.json"
    config_path.write_text(json.dumps(config))
    catalog_path.write_text(json.dumps(catalog_for(streams)))
    requests_before = sandbox.control.requests()["total"]
    started = time.perf_counter()
    process = subprocess.Popen([str(BIN / command), "read", "--config", str(config_path), "--catalog",
                                str(catalog_path)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    records = sum(1 for line in process.stdout if line.startswith(b'{"type":"RECORD"'))
    _, status, usage = os.wait4(process.pid, 0)  # this child's own peak memory
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command} read exited with {process.returncode}")
    requests = sandbox.control.requests()["total"] - requests_before
    return Measurement(name, records, seconds, requests, usage.ru_maxrss / 1024)


def load_and_map(sandbox: SandboxProcess, workdir: Path) -> list[Measurement]:
    """The local pipeline: the three connections into DuckDB through PyAirbyte, then the mappings rebuilt."""
    from pipeline.demo import demo_configs  # PyAirbyte takes seconds to import: only when it is measured
    from pipeline.run import run_pipeline
    from pipeline.staging import Staging

    staging = Staging(duckdb_path=workdir / "bench.duckdb")
    result = run_pipeline(demo_configs(sandbox.info["credentials"]), staging, out=sys.stderr,
                          catalog_dir=workdir / "catalogs")
    rows_built = sum(target.rows_written or 0 for target in result.mappings.targets)
    return [
        *(Measurement(f"pipeline: {sync.connection} → DuckDB (PyAirbyte)", sync.rows, sync.seconds)
          for sync in result.syncs),
        Measurement("destination-mappings: rebuild the three targets", rows_built, result.mappings.seconds),
    ]


def report(measurements: list[Measurement], args: argparse.Namespace, counts: dict) -> str:
    lines = [
        f"Scale {args.scale} (seed {args.seed}): {counts['glentry']:,} GL lines, "
        f"{counts['harvest_time_entries']:,} Harvest entries, {counts['generic_entries']:,} generic entries; "
        f"Harvest rate limit {'on' if args.harvest_rate_limit else 'off'}. "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| what | records | seconds | records/s | requests | peak RSS of the source (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in measurements:
        lines.append(f"| {m.name} | {m.records:,} | {m.seconds:.1f} | {m.per_second:,.0f} | "
                     f"{'' if m.requests is None else m.requests} | "
                     f"{'' if m.peak_rss_mb is None else f'{m.peak_rss_mb:.0f}'} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=50.0, help="sandbox scale (500 ≈ 1,000,000 GL lines)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--page-size", type=int, default=2000, help="Intacct page size")
    parser.add_argument("--harvest-rate-limit", action="store_true",
                        help="keep Harvest's 100 requests / 15 s limit on (off by default: it measures Harvest)")
    parser.add_argument("--skip-pipeline", action="store_true", help="measure the sources only")
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache" / "sandbox"))
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    sandbox = SandboxProcess(args.scale, args.seed, Path(args.cache_dir), args.harvest_rate_limit)
    try:
        credentials = sandbox.info["credentials"]
        counts = {name: sandbox.control.truth(name)["count"]
                  for name in ("glentry", "harvest_time_entries", "generic_entries")}
        sage = {**credentials["intacct"], "start_date": "2026-01-01T00:00:00Z", "page_size": args.page_size}
        time_config = {"start_date": "2026-01-01T00:00:00Z"}
        measurements = [
            read_source("source-sage-gl: journal_entry_lines", "source-sage-gl", sage, ["journal_entry_lines"],
                        sandbox, workdir),
            read_source("source-sage-gl: gl_details", "source-sage-gl", sage, ["gl_details"], sandbox, workdir),
            read_source("source-time-tracking (Harvest): time_entries", "source-time-tracking",
                        {**credentials["harvest"], **time_config}, ["time_entries"], sandbox, workdir),
            read_source("source-time-tracking (generic): time_entries", "source-time-tracking",
                        {**credentials["generic"], **time_config}, ["time_entries"], sandbox, workdir),
        ]
        if not args.skip_pipeline:
            measurements += load_and_map(sandbox, workdir)
    finally:
        sandbox.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    table = report(measurements, args, counts)
    print(table)
    Path(args.output).write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
