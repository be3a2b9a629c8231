"""Starts the sandbox in-process for the whole session and writes the `secrets/` configs that point at it.

The standard tests read `secrets/config_*.json` (named in `acceptance-test-config.yml`); they are written
here, before any test runs, because the sandbox picks a free port each session.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from sandbox import running_sandbox

CONNECTOR_ROOT = Path(__file__).resolve().parent.parent
SECRETS = CONNECTOR_ROOT / "secrets"
SCALE = 0.2
SEED = 7


def _with_bad_secret(config: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(config)
    provider = bad["provider"]
    if provider["provider_type"] == "harvest":
        provider["access_token"] = "wrong-token"
    else:
        provider["auth"]["token"] = "wrong-token"
    return bad


def write_configs(credentials: dict[str, dict[str, Any]]) -> None:
    SECRETS.mkdir(exist_ok=True)
    for provider in ("harvest", "generic"):
        config = {**credentials[provider], "start_date": "2026-01-01T00:00:00Z"}
        (SECRETS / f"config_{provider}.json").write_text(json.dumps(config, indent=2))
        (SECRETS / f"invalid_config_{provider}.json").write_text(json.dumps(_with_bad_secret(config), indent=2))


@pytest.fixture(scope="session", autouse=True)
def sandbox() -> Iterator[Any]:
    with running_sandbox(scale=SCALE, seed=SEED) as running:
        write_configs(running.credentials)
        yield running
