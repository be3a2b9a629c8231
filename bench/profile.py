"""Where a source's CPU goes: one extra, untimed run under py-spy, its samples split by who spends them.

`make bench ARGS=--profile` runs each of our sources once more under `py-spy record` (sampling, the process
as Airbyte runs it) and sorts every sample of its stack into one part:
- imports: the interpreter start and the module bodies (the CDK and its dependencies, our modules), measured
  as the CPU seconds of a process that only imports the source's entry point;
- HTTP: requests / urllib3 / http.client sending and receiving (what the parse-only limit does too);
- ours: the innermost frame of the connector's own package (parsing, paging, typing, cursors), itself split by
  that frame's module (`values.py`: the type checks and exact decimals, `errors.py`: the JSON parse, ...);
- CDK: the innermost frame of airbyte_cdk (its record path: read loop, message objects, serialisation);
- other: the rest (interpreter start, the entry point before any of the above).
The rest of the median CPU seconds is shared among the other parts as their samples are. The split says what
bounds a ratio the bench reports as not met; nothing in it is asserted.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Optional

PARTS = ("imports", "HTTP", "ours", "CDK", "other")
# py-spy names a frame `function (file:line)`, the file relative to its sys.path entry (`requests/models.py`).
OUR_PACKAGES = ("(source_time_tracking/", "(source_sage_gl/")
CDK_PACKAGE = "(airbyte_cdk/"
HTTP_PACKAGES = ("(requests/", "(urllib3/", "(http/client.py", "(socket.py", "(ssl.py")
SAMPLES_PER_SECOND = 200


def py_spy() -> Optional[str]:
    """The py-spy executable beside this interpreter or on PATH (requirements-dev.txt installs it)."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def part_of(stack: list[str]) -> str:
    """The part one sampled stack (outermost frame first, `function (file:line)`) belongs to."""
    if any("importlib._bootstrap" in frame for frame in stack):
        return "imports"
    if any(package in frame for frame in stack for package in HTTP_PACKAGES):
        return "HTTP"
    for frame in reversed(stack):
        if any(package in frame for package in OUR_PACKAGES):
            return "ours"
        if CDK_PACKAGE in frame:
            return "CDK"
    return "other"


def our_module(stack: list[str]) -> str:
    """The module of the innermost frame of our own package (`values.py`), for a stack whose part is *ours*."""
    for frame in reversed(stack):
        for package in OUR_PACKAGES:
            at = frame.find(package)
            if at >= 0:
                return frame[at + len(package):].partition(":")[0]
    return "?"


def split(raw: str) -> Counter:
    """Samples per part from py-spy's raw (collapsed) output: `frame;frame;... count` per line; *ours* also
    per module, as `ours:<module>`."""
    parts: Counter = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            frames = stack.split(";")
            part = part_of(frames)
            parts[part] += int(count)
            if part == "ours":
                parts[f"ours:{our_module(frames)}"] += int(count)
    return parts


def profile(command: list[str], env: Optional[dict] = None) -> Counter:
    """Run `command` to its end under py-spy; samples per part (its output is discarded)."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as directory:
        output = Path(directory) / "samples.txt"
        subprocess.run([py_spy(), "record", "--format", "raw", "--rate", str(SAMPLES_PER_SECOND), "--output",
                        str(output), "--", *command], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=env)
        return split(output.read_text())


def start_cpu_seconds(module: str, repetitions: int = 3) -> float:
    """The CPU seconds of a process that only imports `module` (the source's entry point) and exits: what a
    read pays before its first request, measured, not sampled (the median of `repetitions`)."""
    spent = []
    for _ in range(repetitions):
        # As `run()` does before the read: the imports' objects frozen, so exiting does not collect them again.
        process = subprocess.Popen([sys.executable, "-c", f"import gc, {module}; gc.freeze()"])
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"importing {module} failed")
        spent.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(spent)


def describe(parts: Counter, cpu_seconds: float, start_seconds: float) -> str:
    """`imports 1.80 s (45 %), ours 1.20 s (30 %), ...`, largest first. *imports* is `start_seconds`, measured
    (the sampled share of the imports comes out high: a sample also falls where the process waited for a core
    or py-spy paused it); the rest of `cpu_seconds` (the timed runs' median) goes to the other parts in
    proportion to their samples. *ours* is followed by its seconds by module (`by_module`), in brackets."""
    rest = {part: parts[part] for part in PARTS if part != "imports"}
    sampled = sum(rest.values()) or 1
    start = min(start_seconds, cpu_seconds)
    seconds = {"imports": start, **{part: (cpu_seconds - start) * count / sampled for part, count in rest.items()}}
    total = cpu_seconds or 1
    shown = sorted((part for part in PARTS if seconds[part] / total >= 0.005), key=lambda part: -seconds[part])
    described = {part: f"{part} {seconds[part]:.2f} s ({100 * seconds[part] / total:.0f} %)" for part in shown}
    if "ours" in described:
        described["ours"] += f" [{by_module(parts, seconds['ours'])}]"
    return ", ".join(described.values())


def by_module(parts: Counter, ours_seconds: float, largest: int = 3) -> str:
    """`values.py 0.40, errors.py 0.20, cursors.py 0.10, rest 0.24`: the seconds of *ours* by the module of its
    innermost frame, the `largest` modules named, in proportion to their samples."""
    modules = Counter({key.partition(":")[2]: count for key, count in parts.items() if key.startswith("ours:")})
    sampled = sum(modules.values()) or 1
    named = modules.most_common(largest)
    rest = sampled - sum(count for _, count in named)
    shares = [*named, *([("rest", rest)] if rest else [])]
    return ", ".join(f"{module} {ours_seconds * count / sampled:.2f}" for module, count in shares)
