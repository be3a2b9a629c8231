"""A light install: `make demo` installs only what the demo runs; the test tools and PostgreSQL's server
(apt-get) come with `make test` alone."""

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _plan(target: str, tmp_path: Path) -> str:
    """What `make <target>` would run on a machine without the venv (`make -n`, nothing is executed)."""
    return subprocess.run(["make", "-n", target, f"VENV={tmp_path / 'venv'}"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout


def test_make_demo_installs_neither_postgresql_nor_the_test_tools(tmp_path):
    plan = _plan("demo", tmp_path)
    assert "pip install" in plan and "-m pipeline demo" in plan
    assert "system-packages" not in plan and "requirements-dev" not in plan
    assert "./orchestration" not in plan  # Prefect: only for the nightly flow


def test_make_test_installs_the_test_tools_and_postgresql_binaries(tmp_path):
    plan = _plan("test", tmp_path)
    assert "system-packages" in plan and "requirements-dev.txt" in plan and "run-tests" in plan
    assert "-e ./orchestration" in plan  # its suite is part of make test
