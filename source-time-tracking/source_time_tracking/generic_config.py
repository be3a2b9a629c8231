"""The generic provider's settings (spec.yaml's `generic` branch): where the entries are, how the API pages,
filters and authenticates."""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field, field_validator, model_validator

from source_time_tracking.config import ApiKeyHeaderAuth, BasicAuth, BearerAuth, ConfigModel, require_https_unless_loopback
from source_time_tracking.origin import path_under


class OffsetPagination(ConfigModel):
    offset_param: str = "offset"
    limit_param: str = "limit"
    page_size: int = Field(100, ge=1, le=10000)
    total_path: Optional[str] = None


class GenericIncremental(ConfigModel):
    cursor_field: str = "updated_at"
    filter_param: str = "updated_since"
    format: Literal["iso8601", "unix"] = "iso8601"
    date_from_param: str = "from"
    date_to_param: str = "to"
    work_date_field: str = "date"


class GenericProvider(ConfigModel):
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
