"""The deployment: `nightly_sync` on the config's cron schedule (default 02:00) in the user's time zone, with
flow retries and at most one run at a time, served by this process (`python -m orchestration serve`)."""

from __future__ import annotations

from pathlib import Path

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from .config import OrchestrationConfig
from .flow import nightly_sync

DEPLOYMENT_NAME = "nightly"


def nightly_deployment(config: OrchestrationConfig, config_path: Path) -> RunnerDeployment:
    schedule = config.schedule
    retrying = nightly_sync.with_options(retries=schedule.retries,
                                         retry_delay_seconds=schedule.retry_delay_minutes * 60)
    return retrying.to_deployment(
        DEPLOYMENT_NAME,
        schedules=[Cron(schedule.cron, timezone=schedule.timezone)],
        concurrency_limit=1,  # a night that runs late is never overtaken by the next one
        parameters={"config_path": str(config_path)},
        description="The Airbyte syncs (or `pipeline run`), then the dashboard tables.",
    )


def serve_nightly(config: OrchestrationConfig, config_path: Path) -> None:
    """Serve until stopped: Prefect starts each scheduled run in this process, one at a time."""
    serve(nightly_deployment(config, config_path), limit=1)
