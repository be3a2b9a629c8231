"""How HTTP answers become retries or clear failures, shared by both providers.

401/403 (and a provider-specific "not found" such as Harvest's wrong account id) fail as `config_error`
carrying the vendor's own message; so does a redirect, which is never followed (the credential headers
would go with it); 429 waits `Retry-After` (up to a cap); 5xx, timeouts and truncated JSON bodies are
retried with a capped exponential backoff; a host that cannot be reached at all is retried a bounded,
short time in `read` and not at all in `check` (`unreachable.py`). Everything is decided by the CDK's
HttpClient through the handler and the backoff strategy below.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any, Mapping, Optional, Union
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import (
    BackoffStrategy,
    ErrorResolution,
    HttpStatusErrorHandler,
    ResponseAction,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_time_tracking.bounded_http import ResponseLimits, retry_after_seconds
from source_time_tracking.unreachable import UnreachableBudget, unreachable_cause

MAX_RETRIES = 6
MAX_BACKOFF_SECONDS = 60.0
MAX_RETRY_TIME = timedelta(minutes=10)
_PARSED_BODY = "_time_tracking_json_body"


def safe_url(url: str) -> str:
    """The URL without user-info, so a `user:pass@host` base URL never reaches a message."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def request_line(request: Optional[requests.PreparedRequest]) -> Optional[str]:
    """`POST https://host/path?query`: the method the request was really sent with (Toggl's search is a POST)
    and its URL without user-info, for every message about it (retries included)."""
    return f"{request.method} {safe_url(request.url)}" if request is not None and request.url else None


def json_body(response: requests.Response) -> Any:
    """The response's JSON, parsed once: the error handler validates it, the stream then reuses it.

    Non-integer numbers (and `NaN`/`Infinity`, which Python's parser admits) become `Decimal`, so a decimal
    is never rounded on the way in; `values.RecordTypes` turns them into exact text or rejects them.
    """
    if _PARSED_BODY not in response.__dict__:
        response.__dict__[_PARSED_BODY] = json.loads(response.content, parse_float=Decimal, parse_constant=Decimal)
    return response.__dict__[_PARSED_BODY]


def vendor_message(response: requests.Response) -> str:
    """The vendor's own explanation from an error body (Harvest: `error_description`/`message`; QuickBooks
    Time: `error.description`)."""
    try:
        body = json_body(response)
    except ValueError:
        return response.text[:300].strip() or response.reason or ""
    if isinstance(body, dict):
        for key in ("error_description", "message", "error", "detail", "errors"):
            value = body.get(key)
            if isinstance(value, dict) and isinstance(value.get("description") or value.get("message"), str):
                value = value.get("description") or value.get("message")
            if value:
                return value if isinstance(value, str) else json.dumps(value, default=str)
    return json.dumps(body, default=str)[:300]  # default: decimals are Decimal


class CredentialRefusal:
    """A stream's first answer of `status` (401; Toggl's 403): the API refused the credentials, as it would for
    every later request of the run (the source then stops the run: one error trace, not one per stream)."""

    def __init__(self, status: int = 401) -> None:
        self.status = status
        self.message: Optional[str] = None


class TimeTrackingErrorHandler(HttpStatusErrorHandler):
    """Maps a response to an action; failures name the URL and quote the vendor's message.

    `config_error_statuses` is per provider: 401/403 always; Harvest adds 404 (a wrong account id).
    An unreachable host is retried within `unreachable`'s budget (none in `check`).
    """

    def __init__(self, logger: logging.Logger, provider: str, config_errors: Mapping[int, str],
                 unreachable: UnreachableBudget, refusal: Optional[CredentialRefusal] = None) -> None:
        super().__init__(logger, max_retries=MAX_RETRIES, max_time=MAX_RETRY_TIME)
        self._provider = provider
        self._config_errors = config_errors
        self._unreachable = unreachable
        self._refusal = refusal if refusal is not None else CredentialRefusal()

    def interpret_response(
        self, response_or_exception: Optional[Union[requests.Response, Exception]] = None
    ) -> ErrorResolution:
        if isinstance(response_or_exception, requests.RequestException):
            return self._interpret_exception(response_or_exception)
        if not isinstance(response_or_exception, requests.Response):
            return super().interpret_response(response_or_exception)
        self._unreachable.reached()
        response = response_or_exception
        status = response.status_code
        where = request_line(response.request) or self._provider
        if 300 <= status < 400:
            return ErrorResolution(
                ResponseAction.FAIL, FailureType.config_error, self._redirect_refused(response, where)
            )
        if status in self._config_errors:
            message = (f"{self._provider} answered HTTP {status} to {where}: {vendor_message(response).rstrip('.')}. "
                       f"{self._config_errors[status]}")
            if status == self._refusal.status:
                self._refusal.message = message
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, message)
        if response.ok:
            try:
                json_body(response)
            except ValueError:
                return ErrorResolution(
                    ResponseAction.RETRY,
                    FailureType.transient_error,
                    f"{self._provider} sent a body that is not valid JSON (truncated?) for {where}",
                )
            return ErrorResolution(ResponseAction.SUCCESS)
        if status == 429:
            return ErrorResolution(ResponseAction.RATE_LIMITED, FailureType.transient_error,
                                   f"{self._provider} rate limit reached on {where}")
        if status >= 500 or status == 408:
            return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error,
                                   f"{self._provider} answered HTTP {status} to {where}: {vendor_message(response)}")
        return ErrorResolution(
            ResponseAction.FAIL,
            FailureType.system_error,
            f"{self._provider} answered HTTP {status} to {where}: {vendor_message(response)}",
        )

    def _interpret_exception(self, error: requests.RequestException) -> ErrorResolution:
        """No answer at all: an unreachable host within its budget, anything else (a read timeout, a body cut
        short) retried with the CDK's backoff; every message says what happened, never "rate limit"."""
        cause = unreachable_cause(error)
        if cause is None:
            return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error,
                                   f"{self._provider}: {error.__class__.__name__} on {self._where(error)}: {error}")
        final = self._unreachable.failed(cause)
        if final is None:
            return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error,
                                   f"{self._provider}: {cause} ({self._unreachable.attempt_label()})")
        failure_type = FailureType.transient_error if self._unreachable.retry else FailureType.config_error
        return ErrorResolution(ResponseAction.FAIL, failure_type,
                               f"{self._provider}: {final} ({self._where(error)}). Check base_url and that this "
                               f"network can reach it.")

    @staticmethod
    def _where(error: requests.RequestException) -> str:
        return request_line(getattr(error, "request", None)) or "the request"

    def _redirect_refused(self, response: requests.Response, where: str) -> str:
        location = response.headers.get("Location")
        target = f"a redirect to {safe_url(urljoin(response.url, location))}" if location else "a redirect"
        return (f"{self._provider} answered {where} with HTTP {response.status_code}, {target}. The connector "
                f"follows no redirect, so no credential goes to another scheme, host or port; if the API has moved, "
                f"set base_url to its new address.")


def config_errors(extra: Optional[Mapping[int, str]] = None) -> dict[int, str]:
    """Statuses that mean the config is wrong, with the hint shown to the user."""
    return {
        401: "Check the credentials in the connector's config.",
        403: "The credentials lack the permission this stream needs.",
        **(extra or {}),
    }


class RetryAfterBackoff(BackoffStrategy):
    """Wait what the server asks (`Retry-After`, seconds, up to the limits' cap: above it the sync stops with a
    transient error); after other answers 1, 2, 4 … seconds, capped. After no answer at all (an exception)
    the CDK's own exponential backoff waits (None here), which logs the handler's message as it is."""

    def __init__(self, limits: ResponseLimits, provider: str) -> None:
        self._limits = limits
        self._provider = provider

    def backoff_time(
        self, response_or_exception: Optional[Union[requests.Response, requests.RequestException]], attempt_count: int
    ) -> Optional[float]:
        if isinstance(response_or_exception, requests.Response):
            retry_after = retry_after_seconds(response_or_exception, self._limits, self._provider)
            if retry_after is not None:
                return retry_after
            return min(MAX_BACKOFF_SECONDS, float(2 ** max(0, attempt_count - 1)))
        return None


def shape_error(message: str, request: requests.PreparedRequest) -> AirbyteTracedException:
    """A response that is not the documented (or configured) shape: fail, naming the request it answered."""
    return AirbyteTracedException(
        message=f"{message} ({request_line(request)})",
        internal_message=f"{message} ({request_line(request)})",
        failure_type=FailureType.config_error,
    )
