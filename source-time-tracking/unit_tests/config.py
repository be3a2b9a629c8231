"""Config builders with obviously fake credentials."""

from __future__ import annotations

import copy
from typing import Any

HARVEST_BASE_URL = "https://api.harvestapp.com/v2"
GENERIC_BASE_URL = "https://api.time-tracking.test"
HARVEST_TOKEN = "fake-harvest-token"
GENERIC_TOKEN = "fake-generic-token"
CLOCKIFY_BASE_URL = "https://api.clockify.me/api/v1"
CLOCKIFY_API_KEY = "fake-clockify-api-key"
CLOCKIFY_WORKSPACE = "64a687e29ae1f428e7ebe303"


class ConfigBuilder:
    def __init__(self, provider: dict[str, Any]) -> None:
        self._config: dict[str, Any] = {"provider": provider}

    @classmethod
    def harvest(cls) -> "ConfigBuilder":
        return cls({"provider_type": "harvest", "account_id": "1234567", "access_token": HARVEST_TOKEN,
                    "user_agent": "Unit Tests (tests@example.com)", "base_url": HARVEST_BASE_URL})

    @classmethod
    def generic(cls) -> "ConfigBuilder":
        return cls({"provider_type": "generic", "base_url": GENERIC_BASE_URL, "entries_path": "/v1/entries",
                    "records_path": "data", "auth": {"auth_type": "bearer", "token": GENERIC_TOKEN}})

    @classmethod
    def clockify(cls) -> "ConfigBuilder":
        return cls({"provider_type": "clockify", "api_key": CLOCKIFY_API_KEY, "workspace_id": CLOCKIFY_WORKSPACE,
                    "base_url": CLOCKIFY_BASE_URL})

    def with_start_date(self, start_date: str) -> "ConfigBuilder":
        self._config["start_date"] = start_date
        return self

    def with_deletion_window_days(self, days: int) -> "ConfigBuilder":
        self._config["deletion_window_days"] = days
        return self

    def with_provider(self, **values: Any) -> "ConfigBuilder":
        self._config["provider"].update(values)
        return self

    def build(self) -> dict[str, Any]:
        return copy.deepcopy(self._config)
