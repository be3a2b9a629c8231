"""The deployment: `nightly_sync` on the config's cron schedule (default 02:00) in the user's time zone, with
flow retries and at most one run at a time, served by this process (`python -m orchestration serve`).

`Flow.serve` keeps the flow object in memory and runs it as it is, so the retries set here from the config
apply (a deployment loaded again from its entrypoint would run the undecorated flow without them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import Flow
from prefect.schedules import Cron

from .config import OrchestrationConfig
from .flow import nightly_sync

DEPLOYMENT_NAME = "nightly"
RUNS_AT_ONCE = 1  # a night that runs late is never overtaken by the next one


def nightly_flow(config: OrchestrationConfig) -> Flow:
    """`nightly_sync` with the config's retries: a failed night runs again (running syncs are attached to)."""
    return nightly_sync.with_options(retries=config.schedule.retries,
                                     retry_delay_seconds=config.schedule.retry_delay_minutes * 60)


def deployment_options(config: OrchestrationConfig, config_path: Path) -> dict[str, Any]:
    return {"name": DEPLOYMENT_NAME, "schedules": [Cron(config.schedule.cron, timezone=config.schedule.timezone)],
            "parameters": {"config_path": str(config_path)},
            "description": "The Airbyte syncs (or `pipeline run`), then the dashboard tables."}


def serve_nightly(config: OrchestrationConfig, config_path: Path) -> None:
    """Serve until stopped: Prefect starts each scheduled run in this process, one at a time."""
    nightly_flow(config).serve(**deployment_options(config, config_path), global_limit=RUNS_AT_ONCE,
                               limit=RUNS_AT_ONCE)
