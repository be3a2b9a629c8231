"""`make bench`: each source against Airbyte's own Harvest source and against its parse-only limit and the CDK
floor (`bench.cdk_floor`), and the pipeline's sync against the source's own read, on the sandbox's data, in one
run.

The sandbox runs in its own process with its data generated (or taken from `--cache-dir`) before anything is
timed; the generic API's cases read a second one at `--generic-scale` (by default 7 × `--scale`: the sandbox makes
300 generic entries a scale unit against 2,000 Harvest ones, and a read as short as the first's would end within a
few of the CDK's print-buffer flushes, too soon to give a steady rate). Every program measured is a subprocess
run as Airbyte runs it (`<source> read --config --catalog`, `python -m pipeline sync ...`); the repetitions are
interleaved (case A, B, C, A, B, C, ...) so a slow moment of the machine does not fall on one case only, and the
tables give medians. Results go to `bench/results.md` and a bar chart `bench/results.png`; the README quotes
them. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from bench import demo_time
from bench.peer import CDK_VERSION, PACKAGE, PUBLISHED_PAGE_SIZE, VERSION, PeerHarvest
from bench.processes import SandboxProcess, measure
from bench.profile import describe, profile, py_spy, start_cpu_seconds
from bench.report import Case, chart, markdown, ratios
from bench.rss import kept_section

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START_DATE = "2026-01-01T00:00:00Z"
GENERIC_PAGE_SIZE = 1000
GENERIC_SCALE_FACTOR = 7  # --generic-scale's default, × --scale: about as many generic entries as Harvest's
GENERIC_CASES = {"generic", "generic_limit", "floor_generic", "sync_generic"}  # read the generic sandbox
PEER_PAGE_SIZE = 2000
# (pipeline case, the source case it is compared with, connection, stream)
# The cases `--profile` splits (our sources), each with the module its entry point imports.
PROFILED = {"sage": "source_sage_gl.run", "harvest": "source_time_tracking.run", "generic": "source_time_tracking.run"}
PIPELINE_SYNCS = [("sync_sage", "sage", "sage_gl", "journal_entry_lines"),
                  ("sync_harvest", "harvest", "time_harvest", "time_entries"),
                  ("sync_generic", "generic", "time_generic", "time_entries")]


def catalog_for(stream: str) -> dict:
    return {"streams": [{"stream": {"name": stream, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                         "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}


class Bench:
    """The cases of one run: each knows the command that measures it once."""

    def __init__(self, args: argparse.Namespace, sandbox: SandboxProcess, generic_sandbox: SandboxProcess,
                 workdir: Path):
        self.args, self.sandbox, self.generic_sandbox, self.workdir = args, sandbox, generic_sandbox, workdir
        credentials = sandbox.info["credentials"]
        harvest = {**credentials["harvest"], "start_date": START_DATE}
        generic_provider = {**generic_sandbox.info["credentials"]["generic"]["provider"],
                            "pagination": {"page_size": GENERIC_PAGE_SIZE}}
        generic = {"provider": generic_provider, "start_date": START_DATE}
        sage = {**credentials["intacct"], "start_date": START_DATE, "page_size": args.page_size}
        self.configs = {"sage": sage, "harvest": harvest, "generic": generic}
        self.commands: dict[str, list[str]] = {}
        self.environments: dict[str, dict] = {}
        self.compared_with: dict[str, str] = {}  # pipeline sync → the source read it is compared with
        self.cases: list[Case] = []
        self._source("sage", "source-sage-gl: journal_entry_lines", "source-sage-gl", sage, "journal_entry_lines")
        self._parse_only("sage_limit", "parse-only limit: Intacct query + lxml + orjson", "sage", sage)
        self._cdk_floor("floor_intacct", "Intacct", "lxml", sage, "journal_entry_lines")
        self._source("harvest", "source-time-tracking (Harvest): time_entries", "source-time-tracking", harvest,
                     "time_entries")
        if not args.skip_peer:
            peer = PeerHarvest(Path(args.peer_dir))
            peer.ensure()
            for key, page_size, how in (("peer_published", PUBLISHED_PAGE_SIZE, "as published"),
                                        ("peer_2000", PEER_PAGE_SIZE, "page size raised")):
                self.environments[key] = peer.environment
                self._command(key, f"{PACKAGE} {VERSION} on CDK {CDK_VERSION}, {how} (per_page {page_size})",
                              [*peer.command, *self._read_args(key, peer.config(credentials["harvest"]["provider"],
                                                                                START_DATE, page_size),
                                                               "time_entries")])
        self._parse_only("harvest_limit", "parse-only limit: Harvest GET + orjson", "harvest", harvest)
        self._cdk_floor("floor_harvest", "Harvest", "json.loads", harvest, "time_entries")
        self._source("generic", f"source-time-tracking (generic, page size {GENERIC_PAGE_SIZE}): time_entries",
                     "source-time-tracking", generic, "time_entries")
        self._parse_only("generic_limit", "parse-only limit: generic GET + orjson", "generic", generic)
        self._cdk_floor("floor_generic", f"generic, page size {GENERIC_PAGE_SIZE}", "json.loads", generic,
                        "time_entries")
        if not args.skip_pipeline:
            for key, source_key, connection, stream in PIPELINE_SYNCS:
                self._pipeline_sync(key, source_key, connection, stream)

    def _read_args(self, key: str, config: dict, stream: str) -> list[str]:
        config_path, catalog_path = self.workdir / f"{key}-config.json", self.workdir / f"{key}-catalog.json"
        config_path.write_text(json.dumps(config))
        catalog_path.write_text(json.dumps(catalog_for(stream)))
        return ["read", "--config", str(config_path), "--catalog", str(catalog_path)]

    def _command(self, key: str, title: str, command: list[str]) -> None:
        self.commands[key] = command
        self.cases.append(Case(key, title))

    def _source(self, key: str, title: str, executable: str, config: dict, stream: str) -> None:
        self._command(key, title, [str(BIN / executable), *self._read_args(key, config, stream)])

    def _parse_only(self, key: str, title: str, kind: str, config: dict) -> None:
        config_path = self.workdir / f"{key}-config.json"
        config_path.write_text(json.dumps(config))
        self._command(key, title, [sys.executable, "-m", "bench.parse_only", kind, str(config_path)])

    def _cdk_floor(self, key: str, what: str, parser: str, config: dict, stream: str) -> None:
        """The smallest CDK source over the same endpoint (`bench.cdk_floor`), in the connectors' environment."""
        kind = key.removeprefix("floor_")
        self._command(key, f"CDK floor ({what}): smallest airbyte-cdk {CDK_VERSION} HttpStream, {parser}",
                      [sys.executable, "-m", "bench.cdk_floor", kind, *self._read_args(key, config, stream)])

    def _pipeline_sync(self, key: str, source_key: str, connection: str, stream: str) -> None:
        self.compared_with[key] = source_key
        config_path = self.workdir / f"{key}-config.json"
        config_path.write_text(json.dumps(self.configs[source_key]))
        self._command(key, f"python -m pipeline sync {connection} ({stream}) → DuckDB",
                      [sys.executable, "-m", "pipeline", "sync", "--connection", connection, "--config",
                       str(config_path), "--streams", stream, "--full-refresh", "--duckdb",
                       str(self.workdir / f"{key}.duckdb"), "--catalog-dir", str(self.workdir / "catalogs")])

    def run(self) -> None:
        for repetition in range(1, self.args.repetitions + 1):
            for case in self.cases:
                source = self.compared_with.get(case.key)
                sandbox = self.generic_sandbox if case.key in GENERIC_CASES else self.sandbox
                run = measure(self.commands[case.key], sandbox, count_records=source is None,
                              env=self.environments.get(case.key))
                if source is not None:  # a sync: the rows it loaded are the rows its source read
                    run = replace(run, records=self.by_key[source].runs[-1].records)
                case.runs.append(run)
                print(f"bench: run {repetition}/{self.args.repetitions} {case.title}: {run.records:,} records in "
                      f"{run.seconds:.2f}s", file=sys.stderr)

    def profile_splits(self) -> dict[str, str]:
        """One untimed run of each of our sources under py-spy: where its CPU went (`bench.profile`)."""
        splits = {}
        for key in PROFILED:
            if key in self.commands:
                splits[key] = describe(profile(self.commands[key], self.environments.get(key)),
                                       self.by_key[key].median("cpu_seconds"), start_cpu_seconds(PROFILED[key]))
                print(f"bench: profile of {self.by_key[key].title}: {splits[key]}", file=sys.stderr)
        return splits

    @property
    def by_key(self) -> dict[str, Case]:
        return {case.key: case for case in self.cases}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=30.0, help="sandbox scale (30 ≈ 60,000 Harvest entries)")
    parser.add_argument("--generic-scale", type=float, default=None,
                        help=f"the generic API's sandbox scale (default {GENERIC_SCALE_FACTOR} × --scale: as many "
                             "entries as Harvest's)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repetitions", type=int, default=3, help="interleaved runs of each case (median)")
    parser.add_argument("--page-size", type=int, default=2000, help="source-sage-gl's page size")
    parser.add_argument("--skip-peer", action="store_true", help=f"leave out {PACKAGE} (no install)")
    parser.add_argument("--skip-pipeline", action="store_true", help="measure the sources only")
    parser.add_argument("--skip-demo", action="store_true", help="leave out `make demo`'s wall time")
    parser.add_argument("--peer-dir", default=str(ROOT / "build" / "bench" / "peer"),
                        help="where the peer's virtual environment and manifest are installed (once)")
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache" / "sandbox"), help="the sandbox's data cache")
    parser.add_argument("--profile", action="store_true",
                        help="also run each of our sources once under py-spy and split its CPU (imports, HTTP, "
                             "ours, CDK)")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    parser.add_argument("--chart", default=str(ROOT / "bench" / "results.png"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.profile and not py_spy():
        raise SystemExit("--profile needs py-spy (make install-dev installs it)")
    generic_scale = GENERIC_SCALE_FACTOR * args.scale if args.generic_scale is None else args.generic_scale
    load_before = os.getloadavg()[0]
    sandbox = SandboxProcess(args.scale, args.seed, Path(args.cache_dir))
    try:
        generic_sandbox = (sandbox if generic_scale == args.scale
                           else SandboxProcess(generic_scale, args.seed, Path(args.cache_dir)))
        try:
            counts = {name: sandbox.control.truth(name)["count"] for name in ("glentry", "harvest_time_entries")}
            counts["generic_entries"] = generic_sandbox.control.truth("generic_entries")["count"]
            with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
                bench = Bench(args, sandbox, generic_sandbox, Path(workdir))
                bench.run()
                splits = bench.profile_splits() if args.profile else {}
        finally:
            if generic_sandbox is not sandbox:
                generic_sandbox.stop()
    finally:
        sandbox.stop()
    demo_runs = [] if args.skip_demo else demo_time.measure_demos(args.repetitions)
    load_after = os.getloadavg()[0]
    heading = (f"Scale {args.scale:g} (seed {args.seed}): {counts['glentry']:,} GL lines, "
               f"{counts['harvest_time_entries']:,} Harvest entries, {counts['generic_entries']:,} generic entries"
               + (f" (the generic API's own sandbox at scale {generic_scale:g})" if generic_scale != args.scale else "")
               + ". "
               f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load average "
               f"{load_before:.1f} at the start, {load_after:.1f} at the end"
               + (" (above the core count: other work shared the machine, compare ratios rather than absolute "
                  "figures)." if max(load_before, load_after) > (os.cpu_count() or 1) else "."))
    given = sys.argv[1:] if argv is None else argv
    command = "make bench" + (f" ARGS='{shlex.join(given)}'" if given else "")
    table = markdown(bench.cases, ratios(bench.by_key, list(bench.compared_with.items()), splits), heading, command,
                     {bench.by_key[key].title: split for key, split in splits.items()})
    table += demo_time.markdown(demo_runs) if demo_runs else ""
    print(table)
    Path(args.output).write_text(table + kept_section(Path(args.output)))  # `make bench-rss`'s section stays
    chart(bench.cases, Path(args.chart))
    return 0


if __name__ == "__main__":
    sys.exit(main())
