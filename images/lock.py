"""Each connector's lock file, `requirements.lock`: what `make lock` writes and what the tests check.

The image installs the lock alone (`pip install --require-hashes --no-deps`), then the connector without
its dependencies, so two builds of one version install the same distributions, each checked against its
sha256. The lock is written by pip-tools' `pip-compile --generate-hashes` from setup.py against PyPI (the
index the image downloads from), for Python 3.11 on Linux (the base image's), with setuptools pinned too:
it is the build backend the Dockerfile builds the connector with (and airbyte-cdk needs it at run time).
"""

import ast
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from images.connectors import Connector

LOCK_FILE = "requirements.lock"
COMPILE_OPTIONS = ("--generate-hashes", "--allow-unsafe", "--build-deps-for=wheel", "--strip-extras",
                   "--no-emit-index-url", "--no-emit-find-links", "--quiet")
# What pip-compile reads from the environment besides PIP_* that may stay: certificates and time-outs only.
KEPT_PIP_VARIABLES = {"PIP_CERT", "PIP_DEFAULT_TIMEOUT", "PIP_DISABLE_PIP_VERSION_CHECK"}
BUILD_BACKEND = "setuptools"


@dataclass(frozen=True)
class Pin:
    """One requirement of a lock: `name==version`, its hashes and the `# via` names pip-compile wrote."""

    name: str  # canonical (PEP 503)
    version: str
    hashes: tuple[str, ...]
    via: tuple[str, ...]


def read_lock(text: str) -> tuple[dict[str, Pin], list[str]]:
    """The pins of a pip-compile lock by canonical name, and every line that is not a hashed `==` pin."""
    pins, problems = {}, []
    entries: list[tuple[str, list[str]]] = []  # (requirement with its options, the `# via` lines after it)
    lines = iter(text.splitlines())
    for line in lines:
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            if entries and line.startswith("    #"):
                entries[-1][1].append(line.strip().lstrip("#").strip())
            continue
        logical = line
        while logical.endswith("\\"):
            logical = logical[:-1] + " " + next(lines, "")
        entries.append((logical, []))
    for logical, comments in entries:
        words = logical.split()
        if not words or words[0].startswith("-"):
            problems.append(f"an option the image's pip would obey: {logical.strip()}")
            continue
        requirement = Requirement(words[0])
        hashes = tuple(word.removeprefix("--hash=sha256:") for word in words[1:] if word.startswith("--hash=sha256:"))
        specifiers = list(requirement.specifier)
        if requirement.url or len(specifiers) != 1 or specifiers[0].operator != "==" or requirement.marker:
            problems.append(f"not pinned to one version: {words[0]}")
            continue
        if not hashes or len(hashes) != len(words) - 1:
            problems.append(f"{words[0]} has {'no' if not hashes else 'a non-sha256'} hash")
        via = [comments[0].removeprefix("via").strip(), *comments[1:]] if comments else []
        pins[canonicalize_name(requirement.name)] = Pin(
            canonicalize_name(requirement.name), specifiers[0].version, hashes, tuple(name for name in via if name))
    return pins, problems


def install_requires(setup_py: str) -> list[Requirement]:
    """The `install_requires` literal of a setup.py, read without running it (markers for this Python)."""
    for node in ast.walk(ast.parse(setup_py)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setup":
            for keyword in node.keywords:
                if keyword.arg == "install_requires":
                    requirements = [Requirement(text) for text in ast.literal_eval(keyword.value)]
                    return [requirement for requirement in requirements
                            if requirement.marker is None or requirement.marker.evaluate()]
    raise ValueError("setup.py has no setup(install_requires=[...])")


def lock_problems(name: str, setup_py: str, lock_text: str) -> list[str]:
    """Why a lock does not pin exactly what setup.py's requirements resolve to (empty when it does).

    Offline, this checks what the lock itself records: every requirement of setup.py is pinned at a version
    it allows; the pins pip-compile marked `via <name> (setup.py)` are those requirements and no others;
    every other pin is required by a pin of the lock (`# via`), reached from setup.py; every pin has hashes;
    the build backend is pinned. That each pinned version's own requirements are met is checked by `pip
    check` in the built image (`make test-images`), and that the lock is what PyPI resolves today by
    `make lock-check`.
    """
    pins, problems = read_lock(lock_text)
    required = {canonicalize_name(requirement.name): requirement for requirement in install_requires(setup_py)}
    for package, requirement in sorted(required.items()):
        if package not in pins:
            problems.append(f"setup.py requires {requirement}, the lock has no {package}")
        elif not requirement.specifier.contains(pins[package].version, prereleases=True):
            problems.append(f"setup.py requires {requirement}, the lock pins {package}=={pins[package].version}")
    from_setup_py = {pin.name for pin in pins.values() if f"{name} (setup.py)" in pin.via}
    for package in sorted(from_setup_py - set(required)):
        problems.append(f"the lock pins {package} for setup.py, which no longer requires it")
    if BUILD_BACKEND not in pins:
        problems.append(f"the build backend {BUILD_BACKEND} is not pinned (the Dockerfile builds with it)")
    roots = {pin.name for pin in pins.values() if any(parent.startswith(f"{name} (") for parent in pin.via)}
    reached, frontier = set(roots), list(roots)
    required_by = {pin.name: {canonicalize_name(parent) for parent in pin.via} for pin in pins.values()}
    while frontier:
        parent = frontier.pop()
        for child in sorted(package for package, parents in required_by.items() if parent in parents):
            if child not in reached:
                reached.add(child)
                frontier.append(child)
    for package in sorted(set(pins) - reached):
        problems.append(f"{package}=={pins[package].version} is not required by setup.py or any pin it reaches "
                        f"(via {', '.join(pins[package].via) or 'nothing'})")
    return problems


def compile_environment() -> dict[str, str]:
    """This environment without the host's pip configuration: the lock must name PyPI's files, which the
    image downloads, not a host's wheel folders, mirrors or constraints."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("PIP_") or key in KEPT_PIP_VARIABLES}
    return {**environment, "PIP_CONFIG_FILE": os.devnull, "CUSTOM_COMPILE_COMMAND": "make lock"}


def compile_lock(connector: Connector, output: Path, upgrade: bool = False) -> None:
    """Run pip-compile on the connector's setup.py into `output` (pins already in `output` are kept when
    setup.py still allows them, unless `upgrade`)."""
    command = [sys.executable, "-m", "piptools", "compile", *COMPILE_OPTIONS, f"--output-file={output}", "setup.py"]
    if upgrade:
        command.append("--upgrade")
    print(f"images: locking {connector.name} (pip-compile against PyPI, a few minutes)", file=sys.stderr, flush=True)
    subprocess.run(command, cwd=connector.folder, env=compile_environment(), check=True)


def write_lock(connector: Connector, upgrade: bool = False) -> Path:
    """`make lock`: (re)write the connector's requirements.lock from its setup.py."""
    path = connector.folder / LOCK_FILE
    compile_lock(connector, path, upgrade)
    return path


def stale_pins(connector: Connector) -> list[str]:
    """`make lock-check`: what `make lock` would change in the committed lock (empty when nothing)."""
    committed = (connector.folder / LOCK_FILE).read_text()
    with tempfile.TemporaryDirectory(prefix="lock-check-") as scratch:
        fresh = Path(scratch) / LOCK_FILE
        fresh.write_text(committed)
        compile_lock(connector, fresh)
        fresh_pins, _ = read_lock(fresh.read_text())
    committed_pins, _ = read_lock(committed)
    return [f"{package}: {describe(committed_pins.get(package))} -> {describe(fresh_pins.get(package))}"
            for package in sorted(set(committed_pins) | set(fresh_pins))
            if _pinned(committed_pins.get(package)) != _pinned(fresh_pins.get(package))]


def _pinned(pin: Pin | None) -> tuple | None:
    return None if pin is None else (pin.version, frozenset(pin.hashes))


def describe(pin: Pin | None) -> str:
    return "absent" if pin is None else f"{pin.version} ({len(pin.hashes)} hashes)"


def freeze_pins(freeze_output: str) -> dict[str, str]:
    """`pip list --format freeze` output as canonical name -> version."""
    pins = {}
    for line in freeze_output.splitlines():
        if match := re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line.strip()):
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins
