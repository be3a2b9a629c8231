"""The validated connector configuration: one place that turns the raw config into typed values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_sage_gl.config_check import url_problem
from source_sage_gl.masking import register_secrets, url_credentials

DEFAULT_ENDPOINT_URL = "https://api.intacct.com/ia/xml/xmlgw.phtml"
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 2000
DEFAULT_LOOKBACK_MINUTES = 120
SECRET_FIELDS = ("sender_password", "user_password")  # exactly the spec's `airbyte_secret` fields
MAX_LOOKBACK_MINUTES = 10080  # a week
REQUIRED_FIELDS = ("company_id", "sender_id", "sender_password", "user_id", "user_password", "start_date")


def config_error(message: str) -> AirbyteTracedException:
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


def validate_gateway_url(url: str, *, what: str = "endpoint_url") -> str:
    """Accept https anywhere and plain http only on loopback hosts (a local emulator), never credentials over
    clear text, in a URL's user-info or towards a query of the user's (see `config_check.url_problem`)."""
    problem = url_problem(url or "", what)
    if problem:
        raise config_error(problem)
    return url


def parse_utc(value: str, *, what: str) -> datetime:
    """ISO 8601 → aware UTC datetime; a date or a naive time is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise config_error(f"{what} must be an ISO 8601 date-time such as 2026-01-01T00:00:00Z; got '{value}'.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class IntacctConfig:
    company_id: str
    sender_id: str
    sender_password: str
    user_id: str
    user_password: str
    start_date: datetime
    entity_id: Optional[str] = None
    page_size: int = DEFAULT_PAGE_SIZE
    lookback: timedelta = timedelta(minutes=DEFAULT_LOOKBACK_MINUTES)
    timezone: Optional[ZoneInfo] = None
    endpoint_url: str = DEFAULT_ENDPOINT_URL

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> "IntacctConfig":
        """Validate the raw config; first its secrets are masked in every encoded form (see `masking`)."""
        register_secrets([*(config.get(key) for key in SECRET_FIELDS), *url_credentials(config.get("endpoint_url"))])
        missing = [key for key in REQUIRED_FIELDS if not str(config.get(key) or "").strip()]
        if missing:
            raise config_error(f"Missing required configuration: {', '.join(missing)}.")
        page_size = DEFAULT_PAGE_SIZE if config.get("page_size") is None else int(config["page_size"])
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise config_error(f"page_size must be between 1 and {MAX_PAGE_SIZE}; got {page_size}.")
        lookback_minutes = config.get("lookback_minutes")
        lookback_minutes = DEFAULT_LOOKBACK_MINUTES if lookback_minutes is None else int(lookback_minutes)
        if not 0 <= lookback_minutes <= MAX_LOOKBACK_MINUTES:
            raise config_error(f"lookback_minutes must be between 0 and {MAX_LOOKBACK_MINUTES}; got {lookback_minutes}.")
        return cls(
            company_id=config["company_id"],
            sender_id=config["sender_id"],
            sender_password=config["sender_password"],
            user_id=config["user_id"],
            user_password=config["user_password"],
            start_date=_past_start_date(config["start_date"]),
            entity_id=(config.get("entity_id") or "").strip() or None,
            page_size=page_size,
            lookback=timedelta(minutes=lookback_minutes),
            timezone=_zone(config.get("timezone")),
            endpoint_url=validate_gateway_url(config.get("endpoint_url") or DEFAULT_ENDPOINT_URL),
        )


def _past_start_date(value: str) -> datetime:
    """A start date in the future would read nothing and say nothing."""
    start = parse_utc(value, what="start_date")
    if start > datetime.now(timezone.utc):
        raise config_error(f"start_date {value} is in the future, so nothing would be read: "
                           "give the earliest change to replicate, such as 2026-01-01T00:00:00Z.")
    return start


def _zone(name: Optional[str]) -> Optional[ZoneInfo]:
    if not name or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise config_error(f"timezone must be an IANA time zone name such as America/Los_Angeles; got '{name}'.") from None
