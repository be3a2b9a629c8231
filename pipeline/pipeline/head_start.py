"""A connection's `discover` started before PyAirbyte is imported, so the two run side by side.

`import airbyte` takes about 4 s of CPU and a discover is a connector start (about 1 s, plus a vendor round
trip for source-sage-gl's custom fields); they used to run one after the other before every read. When the
connector's spec is saved and the config passes the connector's own check against it (so a bad config never
reaches the vendor), `start_discover` runs the connector's `discover` at once, before PyAirbyte is imported.
PyAirbyte then runs, as the connection's `local_executable` (its public way to name a connector's program),
a small generated script: it answers a `discover` with that output when PyAirbyte's config is the same, and
runs the connector itself for everything else (`read`, `spec`, or a discover that failed, whose error
PyAirbyte then reports as usual). The config written for the early discover lives in a private temporary
folder, removed when the sync ends, as PyAirbyte does with its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from .connections import Connection, PipelineError, check_config
from .spec_store import saved_spec

# The script PyAirbyte runs in the connector's place. `-I`: no site-packages, nothing of the environment.
_WRAPPER = '''#!{python} -I
import json, os, sys, time
connector, folder = {connector!r}, {folder!r}
arguments = sys.argv[1:]
if arguments[:1] == ["discover"] and "--config" in arguments:
    while not os.path.exists(os.path.join(folder, "discover.done")):
        time.sleep(0.01)
    with open(arguments[arguments.index("--config") + 1], "rb") as asked, open(os.path.join(folder, "config.json"), "rb") as used:
        same = json.load(asked) == json.load(used)
    with open(os.path.join(folder, "discover.done")) as done:
        succeeded = done.read() == "0"
    if same and succeeded:
        with open(os.path.join(folder, "discover.out"), "rb") as output:
            while block := output.read(1 << 20):
                sys.stdout.buffer.write(block)
        sys.exit(0)
os.execv(connector, [connector, *arguments])
'''


class HeadStart:
    """One connection's early `discover`; `executable` is what PyAirbyte runs in the connector's place."""

    def __init__(self, connection: Connection, config: dict[str, Any], folder: Path):
        self.folder = folder
        (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
        self.executable = folder / connection.source
        self.executable.write_text(_WRAPPER.format(python=sys.executable, connector=str(connection.executable()),
                                                   folder=str(folder)), encoding="utf-8")
        self.executable.chmod(0o700)
        with (folder / "discover.out").open("wb") as output:
            self._process = subprocess.Popen(
                [str(connection.executable()), "discover", "--config", str(folder / "config.json")],
                stdout=output, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        threading.Thread(target=self._mark_done, daemon=True).start()

    def _mark_done(self) -> None:
        code = self._process.wait()
        (self.folder / "discover.done.tmp").write_text(str(code), encoding="utf-8")
        (self.folder / "discover.done.tmp").rename(self.folder / "discover.done")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()


def start_discovers(configs: dict[Connection, dict[str, Any]], spec_dir: Path, stack: ExitStack) -> dict[Connection, Path]:
    """Start the `discover` of every connection whose saved spec is current and whose config passes its check;
    returns connection → the executable PyAirbyte is to run for it. Everything is stopped and removed when
    `stack` closes. A connection left out (no saved spec, a config with problems) is prepared as before, and
    its config problems are reported then, in the connections' order."""
    executables = {}
    for connection, config in configs.items():
        spec = saved_spec(connection, spec_dir)
        if spec is None:
            continue
        try:
            check_config(connection, config, spec)
        except PipelineError:
            continue
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pipeline-discover-")))
        head_start = HeadStart(connection, config, folder)
        stack.callback(head_start.stop)
        executables[connection] = head_start.executable
    return executables

