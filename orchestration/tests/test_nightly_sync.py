"""`nightly_sync` in Prefect's test harness against the sandbox's Airbyte API emulator (and, in local mode, the
sandbox's vendor APIs), with each night's failure switched on in the emulator."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import ConnectorRunner, airbyte_config, emulator, local_source_configs, write_config
from sandbox.postgres import throwaway_postgres

from orchestration.flow import NightlySyncFailed, nightly_sync

TARGETS = "analytics"


def targets(connection) -> dict[str, tuple]:
    """Live rows of the dashboard tables: GL lines (count, sum of amounts), time entries per source (count, hours)."""
    gl = connection.execute(f"SELECT COUNT(*), SUM(amount) FROM {TARGETS}.financial_transactions "
                            "WHERE NOT is_deleted").fetchone()
    time = connection.execute(f"SELECT source_system, COUNT(*), SUM(hours) FROM {TARGETS}.time_entries "
                              "WHERE NOT is_deleted GROUP BY source_system ORDER BY 1").fetchall()
    return {"gl": (gl[0], Decimal(gl[1])), **{system: (count, Decimal(hours)) for system, count, hours in time}}


def truth(sandbox) -> dict[str, tuple]:
    """The same figures from what the vendors hold."""
    lines = sandbox.control.truth("glentry", rows=True)["rows"]
    amount = sum((int(row["TR_TYPE"]) * Decimal(row["AMOUNT"]) for row in lines), Decimal(0))
    figures = {"gl": (len(lines), amount)}
    for system, dataset in (("generic", "generic_entries"), ("harvest", "harvest_time_entries")):
        entries = sandbox.control.truth(dataset)
        figures[system] = (entries["count"], Decimal(entries["totals"]["hours"]))
    return figures


def has_targets(warehouse: Path) -> bool:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return bool(connection.execute("SELECT COUNT(*) FROM information_schema.tables "
                                       f"WHERE table_schema = '{TARGETS}'").fetchone()[0])


def test_a_successful_night_syncs_every_connection_then_fills_the_targets(sandbox, airbyte, airbyte_env, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"  # empty: only the platform's syncs fill its staging schema
    runner = ConnectorRunner(sandbox, warehouse, tmp_path / "catalogs")
    emulator(sandbox).sync_runner = runner

    result = nightly_sync(str(write_config(tmp_path / "night.yaml", airbyte_config(airbyte_env, warehouse))))

    assert sorted(runner.synced) == ["sage_gl", "time_generic", "time_harvest"]
    assert {name: (sync["status"], sync["attached"]) for name, sync in result["syncs"].items()} == {
        "sage_gl": ("succeeded", False), "time_generic": ("succeeded", False), "time_harvest": ("succeeded", False)}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert targets(connection) == truth(sandbox)
    assert result["targets"]["financial_transactions"] == truth(sandbox)["gl"][0]


def test_a_failed_job_fails_the_flow_with_its_connection_job_attempts_and_log_and_no_mappings_run(
        sandbox, airbyte, airbyte_env, warehouse, tmp_path):
    airbyte.set_behaviour("time_harvest", "fail")
    config = write_config(tmp_path / "night.yaml", airbyte_config(airbyte_env, warehouse))

    with pytest.raises(NightlySyncFailed) as failure:
        nightly_sync(str(config))

    job = next(job for job in airbyte.state()["jobs"] if job["connection"] == "time_harvest")
    message = str(failure.value)
    assert f"connection time_harvest ({airbyte_env['connection_ids']['time_harvest']})" in message
    assert f"job {job['jobId']} failed, 2 attempt(s)" in message
    assert "the sandbox's scripted failure of attempt 2" in message  # the tail of the last attempt's log
    assert "sage_gl" not in message  # the connections that succeeded are not blamed
    assert airbyte_env["client_secret"] not in message
    assert not has_targets(warehouse)


def test_a_cancelled_job_fails_the_flow(sandbox, airbyte, airbyte_env, warehouse, tmp_path):
    airbyte.set_behaviour("sage_gl", "cancel")

    with pytest.raises(NightlySyncFailed, match=r"connection sage_gl .*: job \d+ cancelled, 1 attempt"):
        nightly_sync(str(write_config(tmp_path / "night.yaml", airbyte_config(airbyte_env, warehouse))))
    assert not has_targets(warehouse)


def test_an_incomplete_job_is_waited_for_until_it_succeeds(sandbox, airbyte, airbyte_env, warehouse, tmp_path):
    airbyte.set_behaviour("*", "incomplete_then_succeed")

    result = nightly_sync(str(write_config(tmp_path / "night.yaml", airbyte_config(airbyte_env, warehouse))))

    assert {sync["status"] for sync in result["syncs"].values()} == {"succeeded"}
    assert {sync["attempts"] for sync in result["syncs"].values()} == {2}
    assert has_targets(warehouse)


def test_a_sync_already_running_is_attached_to_instead_of_failing_on_409(sandbox, airbyte, airbyte_env, warehouse,
                                                                        tmp_path):
    running = airbyte.start_job("sage_gl")  # started by the platform's own schedule, say

    result = nightly_sync(str(write_config(tmp_path / "night.yaml", airbyte_config(airbyte_env, warehouse))))

    assert result["syncs"]["sage_gl"]["job_id"] == running["jobId"]
    assert result["syncs"]["sage_gl"]["attached"] is True
    assert [job["connection"] for job in airbyte.state()["jobs"]].count("sage_gl") == 1
    assert has_targets(warehouse)


def test_a_token_that_expires_mid_wait_is_renewed(sandbox, airbyte, airbyte_env, warehouse, tmp_path):
    airbyte.set_behaviour("sage_gl", "incomplete_then_succeed")  # five polls
    airbyte.set_tokens(max_uses=2)  # every token is refused from its third call on, whatever it announced

    result = nightly_sync(str(write_config(tmp_path / "night.yaml",
                                           airbyte_config(airbyte_env, warehouse, connections=["sage_gl"]))))

    assert result["syncs"]["sage_gl"]["status"] == "succeeded"
    state = airbyte.state()
    assert state["tokens_refused"] >= 2 and state["tokens_issued"] >= 3


def test_a_job_still_running_at_the_timeout_fails_the_flow(sandbox, airbyte, airbyte_env, warehouse, tmp_path):
    airbyte.set_behaviour("time_generic", "hang")  # running for ever
    config = airbyte_config(airbyte_env, warehouse, timeout_minutes=0.01)

    with pytest.raises(NightlySyncFailed, match=r"connection time_generic .*: job \d+ still running after 0.6 s"):
        nightly_sync(str(write_config(tmp_path / "night.yaml", config)))
    assert not has_targets(warehouse)


def local_config(sandbox, folder: Path, dsn: str) -> Path:
    return write_config(folder / "night.yaml", {
        "mode": "local", "warehouse": {"dsn": dsn},
        "local": {"configs_dir": str(local_source_configs(sandbox, folder / "secrets")),
                  "catalog_dir": str(folder / "catalogs")}})


def test_local_mode_runs_the_pipeline_into_duckdb(sandbox, airbyte, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"

    result = nightly_sync(str(local_config(sandbox, tmp_path, f"duckdb:///{warehouse}")))

    assert airbyte.state()["jobs"] == []  # no platform involved
    assert result["targets"]["financial_transactions"] == truth(sandbox)["gl"][0]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert targets(connection) == truth(sandbox)


def test_local_mode_runs_the_pipeline_into_postgresql(sandbox, tmp_path, monkeypatch):
    import psycopg

    with throwaway_postgres() as dsn:
        monkeypatch.setenv("WAREHOUSE_DSN", dsn)
        config = local_config(sandbox, tmp_path, "ignored")
        settings = config.read_text().replace("dsn: ignored", "dsn: {env: WAREHOUSE_DSN}")
        config.write_text(settings)

        nightly_sync(str(config))

        with psycopg.connect(dsn) as connection:
            assert targets(connection) == truth(sandbox)


def test_the_cli_runs_the_flow_once_and_exits_1_with_the_reason_when_it_fails(sandbox, airbyte, airbyte_env, warehouse,
                                                                             tmp_path, capsys):
    from orchestration.cli import main

    config = write_config(tmp_path / "night.yaml", airbyte_config(airbyte_env, warehouse))
    assert main(["run", "--config", str(config)]) == 0
    assert has_targets(warehouse)

    airbyte.set_behaviour("sage_gl", "fail")
    assert main(["run", "--config", str(config)]) == 1
    assert "connection sage_gl" in capsys.readouterr().err
