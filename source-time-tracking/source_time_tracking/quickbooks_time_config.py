"""QuickBooks Time's settings (spec.yaml's `quickbooks_time` branch)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, field_validator

from source_time_tracking.config import ConfigModel, require_https_unless_loopback

QUICKBOOKS_TIME_BASE_URL = "https://rest.tsheets.com/api/v1"


class QuickBooksTimeProvider(ConfigModel):
    provider_type: Literal["quickbooks_time"]
    access_token: SecretStr
    base_url: str = QUICKBOOKS_TIME_BASE_URL

    _check_base_url = field_validator("base_url")(require_https_unless_loopback)
