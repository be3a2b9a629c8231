"""Tests never write where a user keeps their own config: a connector's `secrets/` is the user's.

Each connector's integration suite is run (its standard tests' `check`, which reads the configs named
`secrets/…` in `acceptance-test-config.yml`) in a copy of the connector whose `secrets/` holds a user's files;
afterwards those files are byte for byte what they were, and nothing was added.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
USER_CONFIG = '{"company_id": "MY-REAL-COMPANY", "note": "the user\'s own file"}\n'


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("connector", ["source-sage-gl", "source-time-tracking"])
def test_the_integration_suite_leaves_the_users_secrets_untouched(connector, tmp_path):
    copy = tmp_path / connector
    shutil.copytree(REPO / connector, copy,
                    ignore=shutil.ignore_patterns("secrets", "__pycache__", "*.egg-info", ".pytest_cache"))
    secrets = copy / "secrets"
    secrets.mkdir()
    for name in ("config.json", "invalid_config.json", "config_harvest.json", "config_generic.json"):
        (secrets / name).write_text(USER_CONFIG)
    before = _snapshot(secrets)

    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "integration_tests/test_airbyte_standards.py", "-m", "not image_tests", "-k", "test_check"],
                         cwd=copy, capture_output=True, text=True, timeout=600)

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout
    assert _snapshot(secrets) == before
