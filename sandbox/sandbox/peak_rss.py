"""Run a Python program in its own process and measure its own peak RSS, for memory-bound tests.

The kernel's `ru_maxrss` of a child also counts the memory it shared with its parent before `exec` (a test
process grown large by the suite shows up as the child's peak), so the program reports its own high-water
mark instead: `VmHWM` of its address space, which starts afresh at `exec`, read when it exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Sequence

# Runs the script named first in argv as `__main__`, and at exit writes its VmHWM (kB) to $PEAK_RSS_FILE.
_WRAPPER = """
import atexit, os, runpy, sys

def _write_peak():
    with open("/proc/self/status") as status:
        kilobytes = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["PEAK_RSS_FILE"], "w") as out:
        out.write(kilobytes)

atexit.register(_write_peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@dataclass(frozen=True)
class Measured:
    exit_code: int
    peak_mb: float


def run_python_measuring_peak_rss(script_and_args: Sequence[str], *, cwd: Path, stdout: BinaryIO) -> Measured:
    """`python <script> <args>` in `cwd` (stderr discarded), with its exit code and peak RSS in MB."""
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        completed = subprocess.run([sys.executable, "-c", _WRAPPER, *script_and_args], cwd=cwd, stdout=stdout,
                                   stderr=subprocess.DEVNULL, env={**os.environ, "PEAK_RSS_FILE": str(peak_file)})
        return Measured(completed.returncode, int(peak_file.read_text()) / 1024)
