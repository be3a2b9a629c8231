"""Connector configs for unit tests (obviously fake credentials)."""

from __future__ import annotations

from typing import Any, Dict

LOGIN_URL = "https://api.intacct.test/ia/xml/xmlgw.phtml"


class ConfigBuilder:
    def __init__(self) -> None:
        self._config: Dict[str, Any] = {
            "company_id": "FAKE-CO",
            "sender_id": "fake_sender",
            "sender_password": "fake-sender-password",
            "user_id": "fake_user",
            "user_password": "fake-user-password",
            "start_date": "2026-01-01T00:00:00Z",
            "page_size": 1000,
            "lookback_minutes": 120,
            "endpoint_url": LOGIN_URL,
        }

    def with_page_size(self, page_size: int) -> "ConfigBuilder":
        self._config["page_size"] = page_size
        return self

    def with_start_date(self, start_date: str) -> "ConfigBuilder":
        self._config["start_date"] = start_date
        return self

    def with_lookback_minutes(self, minutes: int) -> "ConfigBuilder":
        self._config["lookback_minutes"] = minutes
        return self

    def with_timezone(self, zone: str) -> "ConfigBuilder":
        self._config["timezone"] = zone
        return self

    def with_entity(self, entity_id: str) -> "ConfigBuilder":
        self._config["entity_id"] = entity_id
        return self

    def with_passwords(self, sender_password: str, user_password: str) -> "ConfigBuilder":
        self._config.update(sender_password=sender_password, user_password=user_password)
        return self

    def with_endpoint_url(self, url: str) -> "ConfigBuilder":
        self._config["endpoint_url"] = url
        return self

    def build(self) -> Dict[str, Any]:
        return dict(self._config)
