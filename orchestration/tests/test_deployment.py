"""The deployment `serve` starts: the config's cron in the user's time zone, retries, one run at a time."""

from __future__ import annotations

from conftest import write_config
from test_config import VALID

from orchestration.config import load_config
from orchestration.deployment import RUNS_AT_ONCE, deployment_options, nightly_flow


def test_the_deployment_runs_at_two_in_the_users_time_zone_with_retries_and_one_run_at_a_time(tmp_path):
    path = write_config(tmp_path / "night.yaml", {**VALID, "schedule": {"timezone": "America/Chicago", "retries": 2,
                                                                         "retry_delay_minutes": 10}})
    config = load_config(path)
    flow = nightly_flow(config)

    deployment = flow.to_deployment(**deployment_options(config, path), concurrency_limit=RUNS_AT_ONCE)

    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "America/Chicago")
    assert deployment.parameters == {"config_path": str(path)}
    assert deployment.concurrency_limit == 1
    assert (flow.name, flow.retries, flow.retry_delay_seconds) == ("nightly_sync", 2, 600)
