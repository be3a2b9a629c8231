"""The connector's whole config as typed objects: one registered provider's settings (the discriminated
union of every `config_model` in `providers.PROVIDERS`), the start date and the deletion window."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Mapping, Optional, Union

import pendulum
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import Field, ValidationError, field_validator

from source_time_tracking.config import ConfigModel
from source_time_tracking.masking import register_secrets
from source_time_tracking.provider import Provider
from source_time_tracking.providers import PROVIDERS

DEFAULT_DELETION_WINDOW_DAYS = 60
ProviderSettings = Annotated[
    Union[tuple(provider.config_model for provider in PROVIDERS.values())], Field(discriminator="provider_type")
]


class TimeTrackingConfig(ConfigModel):
    provider: ProviderSettings
    start_date: Optional[datetime] = None
    deletion_window_days: int = Field(DEFAULT_DELETION_WINDOW_DAYS, ge=1, le=366)

    @property
    def registered_provider(self) -> Provider:
        """The registry's provider of these settings."""
        return PROVIDERS[self.provider.provider_type]

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
    """The secret values of a raw config, by every registered provider's rule whatever `provider_type`
    says: a mistyped or missing type must not leave a secret unmasked."""
    provider = config.get("provider") if isinstance(config.get("provider"), Mapping) else {}
    return [secret for registered in PROVIDERS.values() for secret in registered.secrets(provider)]
