"""Toggl Track's settings (spec.yaml's `toggl` branch)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator

from source_time_tracking.config import ConfigModel, require_https_unless_loopback

TOGGL_BASE_URL = "https://api.track.toggl.com"
DEFAULT_INCREMENTAL_WINDOW_DAYS = 60


class TogglProvider(ConfigModel):
    provider_type: Literal["toggl"]
    api_token: SecretStr
    workspace_id: int = Field(ge=1)
    base_url: str = TOGGL_BASE_URL
    # Toggl cannot filter time entries by modification: an incremental sync re-reads the work dates of the
    # last N days before the previous sync's cursor and keeps the entries changed since.
    incremental_window_days: int = Field(DEFAULT_INCREMENTAL_WINDOW_DAYS, ge=1, le=366)

    _check_base_url = field_validator("base_url")(require_https_unless_loopback)
