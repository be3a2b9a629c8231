"""The connector's config as typed objects, with the defaults of `spec.yaml` applied.

The CDK validates a config against `spec.yaml` but does not fill in defaults; these models do, so every
other module reads settings from one place. Secrets are `SecretStr` so they never print by accident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Mapping, Optional, Union

import pendulum
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator

from source_time_tracking.config_check import url_problem
from source_time_tracking.masking import basic_credentials, register_secrets, url_credentials
from source_time_tracking.origin import path_under

DEFAULT_DELETION_WINDOW_DAYS = 60
HARVEST_BASE_URL = "https://api.harvestapp.com/v2"
SECRET_AUTH_FIELDS = ("token", "api_key", "password")  # with the provider's access_token: the spec's secrets


def require_https_unless_loopback(url: str) -> str:
    """Plain http is accepted only for a loopback host (local emulators); credentials never travel in clear
    (see `config_check.url_problem`). User-info is kept: an API may take basic auth in the URL."""
    problem = url_problem(url, "base_url", user_info=True)
    if problem:
        raise ValueError(problem)
    return url.rstrip("/")


class _Model(BaseModel):
    model_config = {"extra": "ignore", "frozen": True}


class BearerAuth(_Model):
    auth_type: Literal["bearer"]
    token: SecretStr


class ApiKeyHeaderAuth(_Model):
    auth_type: Literal["api_key_header"]
    header_name: str = "X-API-Key"
    api_key: SecretStr


class BasicAuth(_Model):
    auth_type: Literal["basic"]
    username: str
    password: SecretStr


class OffsetPagination(_Model):
    offset_param: str = "offset"
    limit_param: str = "limit"
    page_size: int = Field(100, ge=1, le=10000)
    total_path: Optional[str] = None


class GenericIncremental(_Model):
    cursor_field: str = "updated_at"
    filter_param: str = "updated_since"
    format: Literal["iso8601", "unix"] = "iso8601"
    date_from_param: str = "from"
    date_to_param: str = "to"
    work_date_field: str = "date"


class GenericProvider(_Model):
    provider_type: Literal["generic"]
    base_url: str
    entries_path: str = "/v1/entries"
    records_path: str = "data"
    auth: Annotated[Union[BearerAuth, ApiKeyHeaderAuth, BasicAuth], Field(discriminator="auth_type")]
    headers: dict[str, str] = Field(default_factory=dict)
    pagination: OffsetPagination = Field(default_factory=OffsetPagination)
    incremental: GenericIncremental = Field(default_factory=GenericIncremental)
    primary_key: str = "id"

    _check_base_url = field_validator("base_url")(require_https_unless_loopback)

    @model_validator(mode="after")
    def _entries_path_under_base_url(self) -> "GenericProvider":
        """The credentials go wherever the entries are read: never to a URL outside `base_url`."""
        try:
            path_under(self.base_url, self.entries_path)
        except ValueError as error:
            raise ValueError(f"entries_path {error}") from None
        return self


class HarvestProvider(_Model):
    provider_type: Literal["harvest"]
    account_id: str
    access_token: SecretStr
    user_agent: str
    base_url: str = HARVEST_BASE_URL

    _check_base_url = field_validator("base_url")(require_https_unless_loopback)


class TimeTrackingConfig(_Model):
    provider: Annotated[Union[GenericProvider, HarvestProvider], Field(discriminator="provider_type")]
    start_date: Optional[datetime] = None
    deletion_window_days: int = Field(DEFAULT_DELETION_WINDOW_DAYS, ge=1, le=366)

    @field_validator("start_date", mode="before")
    @classmethod
    def _utc_start_date(cls, value: Any) -> Any:
        if value in (None, ""):
            return None  # the spec allows an empty string: read everything
        if not isinstance(value, str):
            return value
        try:
            start = pendulum.parse(value).in_timezone("UTC")
        except ValueError:
            raise ValueError(f"must be a real date-time written like 2026-01-01T00:00:00Z; got '{value}'") from None
        if start > pendulum.now("UTC"):
            raise ValueError(f"{value} is in the future, so nothing would be read: "
                             "give the earliest change to replicate, such as 2026-01-01T00:00:00Z")
        return start


def parse_config(config: Mapping[str, Any]) -> TimeTrackingConfig:
    """Parse a raw config; a bad value is a config_error naming the field (never its value).

    First the config's secrets are masked in every encoded form (see `masking`)."""
    register_secrets(config_secrets(config))
    try:
        return TimeTrackingConfig.model_validate(dict(config))
    except (ValidationError, ValueError) as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in getattr(error, "errors", lambda: [])()
        ) or str(error)
        message = f"Invalid config: {problems}"  # pydantic's own text would quote the input values
        raise AirbyteTracedException(
            message=message, internal_message=message, failure_type=FailureType.config_error
        ) from None


def config_secrets(config: Mapping[str, Any]) -> list[str]:
    """The secret values of a raw config (the spec's `airbyte_secret` fields), the basic-auth header they
    make, and passwords written into a URL's user-info."""
    provider = config.get("provider") if isinstance(config.get("provider"), Mapping) else {}
    auth = provider.get("auth") if isinstance(provider.get("auth"), Mapping) else {}
    secrets = [value for value in (provider.get("access_token"), *(auth.get(key) for key in SECRET_AUTH_FIELDS))
               if isinstance(value, str)]
    if isinstance(auth.get("username"), str) and isinstance(auth.get("password"), str):
        secrets += basic_credentials(auth["username"], auth["password"])
    if isinstance(provider.get("base_url"), str):
        secrets += url_credentials(provider["base_url"])
    return secrets
