"""The processes a benchmark starts: the sandbox, and each measured program with its own CPU and memory.

Every measured program is a child process: its CPU seconds and peak RSS come from the kernel's accounting
of that child alone (`wait4`), so nothing the harness or the sandbox does is counted against it.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox import SandboxControl

from bench.arrivals import Arrivals, Steady

PIPE_BYTES = 1 << 20  # the program's stdout pipe: as large as Linux allows by default, so a flush rarely waits on us


@dataclass(frozen=True)
class Run:
    """One measured run of one program."""

    records: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    requests: int
    sandbox_cpu_seconds: float  # what the emulator spent meanwhile: close to `seconds`, it was the bottleneck
    first_record_seconds: float = 0.0  # from the start to the first RECORD line: process start and first page
    steady: Steady = Steady()  # after the first delivery of records to the last record (`bench.arrivals`)


class SandboxProcess:
    """`python -m sandbox serve` in its own process (its data generated, or taken from `cache_dir`, before
    anything is timed), stopped with SIGTERM. The Harvest rate limit is off: it would measure the limit."""

    def __init__(self, scale: float, seed: int, cache_dir: Path):
        self._process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--scale", str(scale), "--seed", str(seed),
             "--cache-dir", str(cache_dir), "--harvest-rate-limit", "off"],
            stdout=subprocess.PIPE, text=True)
        line = self._process.stdout.readline()
        if not line:
            self._process.wait()
            raise SystemExit("the sandbox did not start (see its output above)")
        self.info = json.loads(line)
        self.control = SandboxControl(self.info["base_url"])

    def requests_served(self) -> int:
        return self.control.requests()["total"]

    def cpu_seconds(self) -> float:
        """The sandbox process's CPU time so far (all its threads), from /proc."""
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=60)


def measure(command: list[str], sandbox: SandboxProcess, *, count_records: bool = True,
            env: dict | None = None) -> Run:
    """Run `command` to its end: the RECORD lines it prints (when `count_records`) and when they arrive, its wall
    time, its own CPU seconds and peak RSS, and the vendor requests the sandbox served meanwhile (`env`: its whole
    environment, by default this one's). A failure stops the bench."""
    requests_before, sandbox_cpu_before = sandbox.requests_served(), sandbox.cpu_seconds()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=env)
        arrivals = Arrivals()
        pipe = process.stdout.fileno()
        try:
            pipe_bytes = fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:  # a lower system limit: the pipe keeps its size
            pipe_bytes = fcntl.fcntl(pipe, fcntl.F_GETPIPE_SZ)
        while data := os.read(pipe, pipe_bytes):
            if count_records:
                arrivals.add(data, time.perf_counter() - started, full=len(data) == pipe_bytes)
        arrivals.finish()
        process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)
        stderr.seek(0)
        errors = stderr.read()
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}:\n{errors.decode(errors='replace')[-3000:]}")
    return Run(records=arrivals.records, seconds=seconds, cpu_seconds=usage.ru_utime + usage.ru_stime,
               peak_rss_mb=usage.ru_maxrss / 1024, requests=sandbox.requests_served() - requests_before,
               sandbox_cpu_seconds=sandbox.cpu_seconds() - sandbox_cpu_before,
               first_record_seconds=arrivals.first_record, steady=arrivals.steady)
