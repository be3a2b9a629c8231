"""Starts the sandbox (the Intacct gateway emulator) in-process for the integration and standard tests.

`acceptance-test-config.yml` names `secrets/config.json` and `secrets/invalid_config.json`, where a user keeps
real credentials: the tests never write there. `with_test_configs` points those entries at a temporary folder,
where both configs are written here from the running sandbox, so its free port is always the one configured.
"""

import copy
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from sandbox import running_sandbox

CONNECTOR_ROOT = Path(__file__).resolve().parent.parent
TEST_CONFIGS = Path(tempfile.mkdtemp(prefix="source-sage-gl-test-configs-"))  # this session's, removed at its end
SCALE = 0.05  # ≈ 100 GL lines: every stream has rows and a full read takes about a second
START_DATE = "2025-01-01T00:00:00Z"


@pytest.fixture(scope="session", autouse=True)
def sandbox():
    with running_sandbox(scale=SCALE, seed=7) as running:
        config = sandbox_config(running)
        (TEST_CONFIGS / "config.json").write_text(json.dumps(config, indent=2))
        invalid = json.loads((CONNECTOR_ROOT / "integration_tests" / "invalid_config.json").read_text())
        invalid["endpoint_url"] = config["endpoint_url"]
        (TEST_CONFIGS / "invalid_config.json").write_text(json.dumps(invalid, indent=2))
        try:
            yield running
        finally:
            shutil.rmtree(TEST_CONFIGS, ignore_errors=True)


def with_test_configs(acceptance_config: dict[str, Any]) -> dict[str, Any]:
    """The acceptance config with each `secrets/<name>` config path replaced by `TEST_CONFIGS/<name>`."""
    moved = copy.deepcopy(acceptance_config)
    for section in moved["acceptance_tests"].values():
        for entry in section.get("tests", []) if isinstance(section, dict) else []:
            if str(entry.get("config_path", "")).startswith("secrets/"):
                entry["config_path"] = str(TEST_CONFIGS / Path(entry["config_path"]).name)
    return moved


def sandbox_config(running, **overrides):
    return {**running.credentials["intacct"], "start_date": START_DATE, "page_size": 1000, **overrides}


@pytest.fixture
def control(sandbox):
    """The sandbox's control API, back to the seeded data with no faults before and after the test."""
    sandbox.control.reset()
    yield sandbox.control
    sandbox.control.reset()


# The Intacct user formats the data tests run in (`POST /_sandbox/settings`): Intacct's default, day first,
# year first in India's offset, and a 12-hour clock with day-first space-separated dates in Adelaide's offset.
USER_FORMATS = {
    "/mdY 24h UTC-8": {},
    "-dmY 24h UTC-8": {"intacct_dateformat": "-dmY"},
    ".Ymd 24h UTC+5:30": {"intacct_dateformat": ".Ymd", "intacct_gmtoffset": "+05:30"},
    "' dmY' 12h UTC+9:30": {"intacct_dateformat": " dmY", "intacct_clock": "12", "intacct_gmtoffset": "+09:30"},
}


@pytest.fixture(params=list(USER_FORMATS))
def user_formats(request, control):
    """The sandbox's user switched to each of `USER_FORMATS` in turn (the control fixture resets it afterwards)."""
    return control.update_settings(**USER_FORMATS[request.param])
