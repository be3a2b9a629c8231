"""`make demo`'s wall time for the bench, split into the demo's phases.

The demo runs as `make demo` runs it after install (`python -m pipeline demo`, its default data), each time in
a new workdir, so nothing a previous run saved (a connector's spec) is reused: the figure is a first run's. A
phase ends when the demo prints the heading of the next one ("=== 1. First sync …"); the first phase is
Python, PyAirbyte's import and the sandbox starting, the last the report and the plot.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("start: imports, sandbox", "1. first sync + mappings", "2. changes in the sandbox",
          "3. second sync + mappings", "4. report and plot")
TARGET_SECONDS = 45


@dataclass(frozen=True)
class DemoRun:
    seconds: float
    phases: tuple[float, ...]  # seconds of each of PHASES


def measure_demos(repetitions: int) -> list[DemoRun]:
    runs = []
    for repetition in range(1, repetitions + 1):
        runs.append(measure_demo())
        print(f"bench: run {repetition}/{repetitions} make demo: {runs[-1].seconds:.1f}s", file=sys.stderr)
    return runs


def measure_demo(command: list[str] | None = None) -> DemoRun:
    """One run of `command` (default: the demo in a new workdir) to its end; a failure stops the bench."""
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as workdir:
        command = command or [sys.executable, "-m", "pipeline", "demo", "--workdir", workdir]
        marks: list[float] = []
        started = time.perf_counter()
        with tempfile.TemporaryFile() as stderr:
            process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr)
            for line in process.stdout:
                if line.startswith(b"=== "):
                    marks.append(time.perf_counter() - started)
            returncode = process.wait()
            seconds = time.perf_counter() - started
            stderr.seek(0)
            errors = stderr.read().decode(errors="replace")
    if returncode != 0 or len(marks) != len(PHASES) - 1:
        raise SystemExit(f"{' '.join(command)} exited with {returncode} after {len(marks)} headings:\n{errors[-3000:]}")
    bounds = [0.0, *marks, seconds]
    return DemoRun(seconds, tuple(end - start for start, end in zip(bounds, bounds[1:])))


def markdown(runs: list[DemoRun]) -> str:
    """The median of each phase and of the whole, and the wall time against the target."""
    wall = statistics.median(run.seconds for run in runs)
    lines = ["", f"`make demo` (`.venv/bin/python -m pipeline demo`, its default data, a new workdir each time): medians of "
             f"{len(runs)} runs, after the cases above.", "",
             "| `make demo` phase | seconds |", "|---|---:|"]
    lines += [f"| {phase} | {statistics.median(run.phases[index] for run in runs):.1f} |"
              for index, phase in enumerate(PHASES)]
    met = "met" if wall < TARGET_SECONDS else "not met"
    lines += [f"| wall time | {wall:.1f} |", "", f"Target: `make demo` under {TARGET_SECONDS} s wall: {met}."]
    return "\n".join(lines) + "\n"
