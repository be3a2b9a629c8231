"""Starts the sandbox (the Intacct gateway emulator) in-process for the integration and standard tests.

The standard tests read `secrets/config.json` and `secrets/invalid_config.json` (git-ignored); both
are written here from the running sandbox, so its free port is always the one configured.
"""

import json
from pathlib import Path

import pytest
from sandbox import running_sandbox

CONNECTOR_ROOT = Path(__file__).resolve().parent.parent
SECRETS = CONNECTOR_ROOT / "secrets"
SCALE = 0.05  # ≈ 100 GL lines: every stream has rows and a full read takes about a second
START_DATE = "2025-01-01T00:00:00Z"


@pytest.fixture(scope="session", autouse=True)
def sandbox():
    with running_sandbox(scale=SCALE, seed=7) as running:
        SECRETS.mkdir(exist_ok=True)
        config = sandbox_config(running)
        (SECRETS / "config.json").write_text(json.dumps(config, indent=2))
        invalid = json.loads((CONNECTOR_ROOT / "integration_tests" / "invalid_config.json").read_text())
        invalid["endpoint_url"] = config["endpoint_url"]
        (SECRETS / "invalid_config.json").write_text(json.dumps(invalid, indent=2))
        yield running


def sandbox_config(running, **overrides):
    return {**running.credentials["intacct"], "start_date": START_DATE, "page_size": 1000, **overrides}


@pytest.fixture
def control(sandbox):
    """The sandbox's control API, back to the seeded data with no faults before and after the test."""
    sandbox.control.reset()
    yield sandbox.control
    sandbox.control.reset()
