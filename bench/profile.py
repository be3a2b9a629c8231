"""Where a source's CPU goes: one extra, untimed run under py-spy, its samples split by who spends them.

`make bench ARGS=--profile` runs each of our sources once more under `py-spy record` (sampling, the process
as Airbyte runs it) and sorts every sample of its stack into one part:
- imports: the interpreter executing module bodies (the CDK and its dependencies, our modules);
- HTTP: requests / urllib3 / http.client sending and receiving (what the parse-only limit does too);
- ours: the innermost frame of the connector's own package (parsing, paging, typing, cursors);
- CDK: the innermost frame of airbyte_cdk (its record path: read loop, message objects, serialisation);
- other: the rest (interpreter start, the entry point before any of the above).
The split says what bounds a ratio the bench reports as not met; it is a sample count, never a timing.
"""

from __future__ import annotations

import shutil
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


def split(raw: str) -> Counter:
    """Samples per part from py-spy's raw (collapsed) output: `frame;frame;... count` per line."""
    parts: Counter = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            parts[part_of(stack.split(";"))] += int(count)
    return parts


def profile(command: list[str], env: Optional[dict] = None) -> Counter:
    """Run `command` to its end under py-spy; samples per part (its output is discarded)."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as directory:
        output = Path(directory) / "samples.txt"
        subprocess.run([py_spy(), "record", "--format", "raw", "--rate", str(SAMPLES_PER_SECOND), "--output",
                        str(output), "--", *command], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=env)
        return split(output.read_text())


def describe(parts: Counter, cpu_seconds: float) -> str:
    """`imports 1.80 s (45 %), CDK 0.90 s (22 %), ...`, largest first: the share of the samples of each part,
    applied to `cpu_seconds` (the timed runs' median). Shares, not sample counts: on a busy machine a sample
    also falls where the process waited for a core, in proportion to the work it was doing."""
    total = sum(parts.values()) or 1
    shown = sorted((part for part in PARTS if parts[part] / total >= 0.005), key=lambda part: -parts[part])
    return ", ".join(f"{part} {cpu_seconds * parts[part] / total:.2f} s ({100 * parts[part] / total:.0f} %)"
                     for part in shown)
