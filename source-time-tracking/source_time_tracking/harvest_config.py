"""Harvest's settings (spec.yaml's `harvest` branch)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, field_validator

from source_time_tracking.config import ConfigModel, require_https_unless_loopback

HARVEST_BASE_URL = "https://api.harvestapp.com/v2"


class HarvestProvider(ConfigModel):
    provider_type: Literal["harvest"]
    account_id: str
    access_token: SecretStr
    user_agent: str
    base_url: str = HARVEST_BASE_URL

    _check_base_url = field_validator("base_url")(require_https_unless_loopback)
