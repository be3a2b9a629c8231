"""Clockify's settings (spec.yaml's `clockify` branch)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator

from source_time_tracking.config import ConfigModel, require_https_unless_loopback

CLOCKIFY_BASE_URL = "https://api.clockify.me/api/v1"
DEFAULT_ROLLING_WINDOW_DAYS = 60


class ClockifyProvider(ConfigModel):
    provider_type: Literal["clockify"]
    api_key: SecretStr
    workspace_id: str
    base_url: str = CLOCKIFY_BASE_URL
    # Clockify cannot filter by modification, so an incremental sync re-reads this many days of work dates
    # before the latest one read; an edit to an older entry is seen by a full refresh only.
    rolling_window_days: int = Field(DEFAULT_ROLLING_WINDOW_DAYS, ge=1, le=366)

    _check_base_url = field_validator("base_url")(require_https_unless_loopback)
