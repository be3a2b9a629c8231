"""Starts the sandbox in-process for the whole session and writes the configs that point at it.

`acceptance-test-config.yml` names `secrets/config_*.json`, where a user keeps real credentials: the tests
never write there. `with_test_configs` points those entries at a temporary folder, where the configs are
written here, before any test runs, because the sandbox picks a free port each session.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from sandbox import running_sandbox

from source_time_tracking.provider import secret_paths
from source_time_tracking.providers import PROVIDERS

CONNECTOR_ROOT = Path(__file__).resolve().parent.parent
TEST_CONFIGS = Path(tempfile.mkdtemp(prefix="source-time-tracking-test-configs-"))  # this session's, removed at its end
SCALE = 0.2
SEED = 7
PAGED_SCALE = 1.2  # ≈ 2,400 Harvest entries: two pages


def with_wrong_secrets(config: dict[str, Any]) -> dict[str, Any]:
    """The config with each secret its provider's model declares (and the config holds) made wrong."""
    bad = copy.deepcopy(config)
    for *parents, key in secret_paths(PROVIDERS[bad["provider"]["provider_type"]].config_model):
        holder = bad["provider"]
        for parent in parents:
            holder = holder.get(parent, {})
        if key in holder:
            holder[key] = "wrong-token"
    return bad


def write_configs(credentials: dict[str, dict[str, Any]]) -> None:
    """`config_<provider>.json` and `invalid_config_<provider>.json` for every registered provider."""
    for provider in PROVIDERS:
        config = {**credentials[provider], "start_date": "2026-01-01T00:00:00Z"}
        (TEST_CONFIGS / f"config_{provider}.json").write_text(json.dumps(config, indent=2))
        (TEST_CONFIGS / f"invalid_config_{provider}.json").write_text(json.dumps(with_wrong_secrets(config), indent=2))


def with_test_configs(acceptance_config: dict[str, Any]) -> dict[str, Any]:
    """The acceptance config with each `secrets/<name>` config path replaced by `TEST_CONFIGS/<name>`."""
    moved = copy.deepcopy(acceptance_config)
    for section in moved["acceptance_tests"].values():
        for entry in section.get("tests", []) if isinstance(section, dict) else []:
            if str(entry.get("config_path", "")).startswith("secrets/"):
                entry["config_path"] = str(TEST_CONFIGS / Path(entry["config_path"]).name)
    return moved


@pytest.fixture(scope="session", autouse=True)
def sandbox() -> Iterator[Any]:
    with running_sandbox(scale=SCALE, seed=SEED) as running:
        write_configs(running.credentials)
        try:
            yield running
        finally:
            shutil.rmtree(TEST_CONFIGS, ignore_errors=True)


@pytest.fixture(scope="session")
def paged_sandbox() -> Iterator[Any]:
    """A second sandbox with more than one page of Harvest time entries (2,000 a page) and Harvest's throttle
    off, for the suites that write between pages and kill reads (`test_writes_during_read`, `test_crash_resume`)."""
    with running_sandbox(scale=PAGED_SCALE, seed=SEED, harvest_rate_limit="off") as running:
        yield running


@pytest.fixture
def seeded(sandbox: Any) -> Iterator[Any]:
    """The session's sandbox as seeded, before and after the test (the suites that write use it)."""
    sandbox.control.reset()
    yield sandbox
    sandbox.control.reset()
