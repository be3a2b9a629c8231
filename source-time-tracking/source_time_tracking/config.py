"""The building blocks of every provider's config model: `ConfigModel`, the https-unless-loopback rule and
the auth models (bearer token, API key header, basic).

The CDK validates a config against `spec.yaml` but does not fill in defaults; the config models do, so every
other module reads settings from one place. Secrets are `SecretStr` so they never print by accident (and
`Provider.secrets` finds them to mask). A provider's own model lives in its `<name>_config.py`; the whole
config (a registered provider, start date, deletion window) is `connector_config`'s.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, SecretStr

from source_time_tracking.config_check import url_problem


def require_https_unless_loopback(url: str) -> str:
    """Plain http is accepted only for a loopback host (local emulators); credentials never travel in clear
    (see `config_check.url_problem`). User-info is kept: an API may take basic auth in the URL."""
    problem = url_problem(url, "base_url", user_info=True)
    if problem:
        raise ValueError(problem)
    return url.rstrip("/")


class ConfigModel(BaseModel):
    """Base of every config model: unknown keys ignored (the spec check reports them), values frozen."""

    model_config = {"extra": "ignore", "frozen": True}


class BearerAuth(ConfigModel):
    auth_type: Literal["bearer"]
    token: SecretStr


class ApiKeyHeaderAuth(ConfigModel):
    auth_type: Literal["api_key_header"]
    header_name: str = "X-API-Key"
    api_key: SecretStr


class BasicAuth(ConfigModel):
    auth_type: Literal["basic"]
    username: str
    password: SecretStr
