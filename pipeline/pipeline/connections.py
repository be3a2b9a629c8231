"""The connections the pipeline knows: which source each one runs and the table prefix it writes."""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class PipelineError(Exception):
    """A problem the user can fix (bad input, missing install); printed without a traceback."""


@dataclass(frozen=True)
class Connection:
    name: str  # e.g. "sage_gl": the CLI's --connection and the catalog's file name
    source: str  # the connector's name and console script, e.g. "source-sage-gl"
    table_prefix: str  # every table and state row of the connection starts with it

    def executable(self) -> Path:
        """The source's console script in this interpreter's environment (installed by `make install`)."""
        script = Path(sys.executable).parent / self.source
        if not script.exists():
            raise PipelineError(
                f"{self.source} is not installed in {script.parent} (run `make install`, or "
                f"`pip install -e ./{self.source}` in this environment)"
            )
        return script


TIME_TRACKING = "source-time-tracking"


def time_tracking_providers() -> list[str]:
    """The `provider_type` of each provider branch of source-time-tracking's spec, in its order. The
    connector's tests keep those branches equal to its provider registry; reading the installed package's
    spec.yaml (without importing the connector) keeps the pipeline apart from the connector's code."""
    return list(_provider_branches())


def provider_window_settings(provider: str) -> list[str]:
    """The settings of a provider's spec branch that say how many days of work dates before the last read a
    sync re-reads (`*_window_days`: where its API cannot filter by modification)."""
    return [name for name in _provider_branches()[provider]["properties"] if name.endswith("_window_days")]


@functools.cache
def _provider_branches() -> dict[str, dict[str, Any]]:
    package = importlib.util.find_spec("source_time_tracking")
    if package is None or package.origin is None:
        raise PipelineError(f"{TIME_TRACKING} is not installed (run `make install`, or `pip install -e ./{TIME_TRACKING}`)")
    spec = yaml.safe_load((Path(package.origin).parent / "spec.yaml").read_text(encoding="utf-8"))
    branches = spec["connectionSpecification"]["properties"]["provider"]["oneOf"]
    return {branch["properties"]["provider_type"]["const"]: branch for branch in branches}


CONNECTIONS: dict[str, Connection] = {
    connection.name: connection
    for connection in (
        Connection("sage_gl", "source-sage-gl", "sage_gl__"),
        *(Connection(f"time_{provider}", TIME_TRACKING, f"time_{provider}__") for provider in time_tracking_providers()),
    )
}


def get_connection(name: str) -> Connection:
    try:
        return CONNECTIONS[name]
    except KeyError:
        raise PipelineError(f"unknown connection {name!r}; known: {', '.join(CONNECTIONS)}") from None


def read_config(path: Path) -> dict[str, Any]:
    """A source config from a JSON file. Errors name the file but never echo its content (it holds secrets)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PipelineError(f"cannot read config {path}: {error.strerror}") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise PipelineError(f"config {path} is not valid JSON (line {error.lineno}, column {error.colno})") from None
    if not isinstance(config, dict):
        raise PipelineError(f"config {path} must hold a JSON object")
    return config


PIPELINE_SETTINGS_FILE = "pipeline.json"  # in the configs directory, next to the connections' configs
PIPELINE_SETTINGS = {"webhook_url"}


def pipeline_settings(config_dir: Path) -> dict[str, Any]:
    """The optional `pipeline.json` of the configs directory: `{"webhook_url": "https://…"}` (no other key)."""
    path = config_dir / PIPELINE_SETTINGS_FILE
    if not path.is_file():
        return {}
    settings = read_config(path)
    unknown = sorted(set(settings) - PIPELINE_SETTINGS)
    if unknown:
        raise PipelineError(f"{path} has unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(PIPELINE_SETTINGS))}")
    return settings


def configured_connections(config_dir: Path) -> dict[Connection, Path]:
    """The connections that have a `<connection>.json` config in `config_dir`, in the order of CONNECTIONS."""
    if not config_dir.is_dir():
        raise PipelineError(f"config directory {config_dir} does not exist")
    found = {connection: config_dir / f"{connection.name}.json" for connection in CONNECTIONS.values()}
    found = {connection: path for connection, path in found.items() if path.is_file()}
    if not found:
        names = ", ".join(f"{name}.json" for name in CONNECTIONS)
        raise PipelineError(f"no connection config in {config_dir} (expected one or more of {names})")
    return found
