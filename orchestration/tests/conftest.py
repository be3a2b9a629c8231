"""Fixtures: Prefect's test harness, one sandbox (vendor emulators + the Airbyte API emulator) for the session,
a warehouse whose staging schema the project's connectors filled, and config files pointing at them."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pipeline  # noqa: F401  (sets PyAirbyte's offline mode before anything imports it)
import pytest
import yaml
from prefect.testing.utilities import prefect_test_harness
from sandbox import running_sandbox
from sandbox.airbyte_api import AirbyteApiControl, AirbyteApiEmulator

from pipeline.connections import CONNECTIONS
from pipeline.demo import demo_configs
from pipeline.staging import Staging
from pipeline.sync import sync_connection

SCALE = 0.1
SEED = 11


@pytest.fixture(scope="session", autouse=True)
def prefect_api():
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def sandbox():
    with running_sandbox(scale=SCALE, seed=SEED) as running:
        yield running


@pytest.fixture
def airbyte(sandbox) -> AirbyteApiControl:
    """The Airbyte API emulator's control, every connection back to `succeed` and no job yet."""
    emulator(sandbox).reset()
    emulator(sandbox).sync_runner = None
    return AirbyteApiControl(sandbox.base_url)


def emulator(sandbox) -> AirbyteApiEmulator:
    return next(e for e in sandbox.server.emulators if isinstance(e, AirbyteApiEmulator))


class ConnectorRunner:
    """The emulator's `sync_runner`: the project's connector of each connection, run by PyAirbyte into a DuckDB
    warehouse's staging schema (one at a time: a DuckDB file has one writer)."""

    def __init__(self, sandbox, warehouse: Path, catalog_dir: Path):
        self.configs = {connection.name: config for connection, config in demo_configs(sandbox.credentials).items()}
        self.staging = Staging(duckdb_path=warehouse)
        self.catalog_dir = catalog_dir
        self.synced: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, name: str) -> list[str]:
        with self._lock:
            summary = sync_connection(CONNECTIONS[name], self.configs[name], self.staging, catalog_dir=self.catalog_dir)
            self.synced.append(name)
        return [f"{stream.stream}: {stream.rows} records" for stream in summary.streams]


@pytest.fixture(scope="session")
def staged_warehouse(sandbox, tmp_path_factory) -> Path:
    """A DuckDB warehouse with every connection's staging tables, loaded once; tests copy it."""
    folder = tmp_path_factory.mktemp("staged")
    runner = ConnectorRunner(sandbox, folder / "warehouse.duckdb", folder / "catalogs")
    for name in runner.configs:  # every connection the demo configures (not a provider holding another's time)
        runner(name)
    return folder / "warehouse.duckdb"


@pytest.fixture
def warehouse(staged_warehouse, tmp_path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(staged_warehouse, copy)
    return copy


@pytest.fixture
def airbyte_env(sandbox, monkeypatch) -> dict:
    """The client credentials in the environment, where the config file points."""
    credentials = sandbox.credentials["airbyte_api"]
    monkeypatch.setenv("AIRBYTE_CLIENT_ID", credentials["client_id"])
    monkeypatch.setenv("AIRBYTE_CLIENT_SECRET", credentials["client_secret"])
    return credentials


def write_config(path: Path, settings: dict) -> Path:
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


def airbyte_config(credentials: dict, warehouse: Path, *, connections: list[str] | None = None,
                   timeout_minutes: float = 5) -> dict:
    """Settings of the platform mode against the emulator, polling every 20 ms."""
    ids = credentials["connection_ids"]
    return {
        "mode": "airbyte",
        "airbyte": {"api_root": credentials["api_root"], "workspace_id": credentials["workspace_id"],
                    "connections": {name: ids[name] for name in (connections or ids)},
                    "poll_seconds": 0.02, "timeout_minutes": timeout_minutes},
        "warehouse": {"dsn": f"duckdb:///{warehouse}"},
        "mappings": {"variables": {"harvest_account_id": "1234567"}},
    }


def local_source_configs(sandbox, folder: Path) -> Path:
    """`<connection>.json` source configs for `pipeline run`, from the sandbox's credentials."""
    folder.mkdir(parents=True, exist_ok=True)
    for connection, config in demo_configs(sandbox.credentials).items():
        (folder / f"{connection.name}.json").write_text(json.dumps(config), encoding="utf-8")
    return folder
