"""The config file: secrets only by reference, clear errors, the example as shipped, and the CLI's exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_config
from prefect.blocks.system import Secret

from orchestration.cli import main
from orchestration.config import ConfigError, SecretRef, load_config

EXAMPLE = Path(__file__).parents[1] / "config.example.yaml"
VALID = {
    "airbyte": {"api_root": "http://localhost:8000/api/public/v1/", "workspace_id": "w",
                "connections": {"sage_gl": "c1"}},
    "warehouse": {"dsn": "postgresql://loader@localhost:5432/warehouse"},
}


def test_the_example_config_is_valid_and_keeps_no_secret():
    config = load_config(EXAMPLE)

    assert config.mode == "airbyte"
    assert config.airbyte.client_secret == SecretRef(env="AIRBYTE_CLIENT_SECRET")
    assert (config.schedule.cron, config.schedule.timezone) == ("0 2 * * *", "Europe/London")
    assert config.local.configs_dir == EXAMPLE.parent / "../secrets"  # relative to the file


@pytest.mark.parametrize("change, problem", [
    ({"airbyte": {**VALID["airbyte"], "client_secret": "s3cr3t-value"}},
     "airbyte.client_secret: secrets are never read from the config file"),
    ({"warehouse": {"dsn": "postgresql://loader:s3cr3t-value@db:5432/warehouse"}},
     "warehouse.dsn: holds a password"),
    ({"airbyte": None}, "mode airbyte needs an `airbyte` section"),
    ({"schedule": {"timezone": "Mars/Olympus"}}, "schedule.timezone: unknown time zone 'Mars/Olympus'"),
    ({"airbyte": {**VALID["airbyte"], "api_root": "localhost:8000"}}, "airbyte.api_root: must be an http"),
    ({"mode": "cloud"}, "mode: Input should be 'airbyte' or 'local'"),
    ({"mode": "local", "mappings": {"paths": ["a", "b"]}}, "mode local (`pipeline run`) takes one mapping file"),
    ({"warehouse": {"dsn": {"env": "A", "prefect_secret": "b"}}}, "name exactly one of `env` and `prefect_secret`"),
])
def test_an_invalid_config_is_refused_with_the_key_and_the_reason_and_never_the_secret(tmp_path, change, problem):
    path = write_config(tmp_path / "bad.yaml", {**VALID, **change})

    with pytest.raises(ConfigError) as error:
        load_config(path)

    assert problem in str(error.value)
    assert "s3cr3t-value" not in str(error.value)


def test_secrets_come_from_the_environment_or_a_prefect_secret_block(monkeypatch):
    monkeypatch.setenv("NIGHTLY_TEST_SECRET", "from-env")
    Secret(value="from-block").save("nightly-test-secret", overwrite=True)

    assert SecretRef(env="NIGHTLY_TEST_SECRET").resolve("x") == "from-env"
    assert SecretRef(prefect_secret="nightly-test-secret").resolve("x") == "from-block"
    with pytest.raises(ConfigError, match="airbyte.client_id: environment variable NIGHTLY_UNSET is not set"):
        SecretRef(env="NIGHTLY_UNSET").resolve("airbyte.client_id")


def test_the_cli_reports_a_config_error_with_exit_code_2_before_starting_anything(tmp_path, capsys):
    path = write_config(tmp_path / "bad.yaml", {**VALID, "warehouse": {}})

    assert main(["run", "--config", str(path)]) == 2
    assert "warehouse.dsn: Field required" in capsys.readouterr().err
