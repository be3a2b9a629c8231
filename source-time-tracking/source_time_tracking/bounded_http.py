"""Every response bounded: a body-size limit, a total deadline per request and a cap on `Retry-After`.

requests reads a body into memory in one piece (`Response.content`) and its timeout applies to each socket
read, so a body of hundreds of megabytes exhausts memory and a body that trickles a byte every few seconds
holds a sync for hours. `BoundedResponses` wraps the connector's authenticator: requests lets an
authenticator register response hooks on the requests it prepares (as `HTTPDigestAuth` does), and such a
hook runs after the headers arrive and before the body is read, for every request the CDK's `HttpClient`
sends, retries included. The hook puts a `BoundedBody` in front of the raw stream, so requests' own
`Response.content` reads through it in small reads, each with a socket timeout of at most the time left,
and stops at the size limit or at the deadline with an error that names the limit and the URL.

This module is the same in source-sage-gl and source-time-tracking (each connector is built on its own);
the limits themselves are each connector's constants.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, replace
from typing import Any, Iterator, NoReturn, Optional
from urllib.parse import urlsplit, urlunsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from requests.auth import AuthBase
from urllib3.exceptions import ReadTimeoutError

READ_SIZE = 64 * 1024  # one read of the body: small enough that the limit is checked often
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class ResponseLimits:
    max_body_bytes: int  # the decoded body of one response
    deadline_seconds: float  # from sending a request to the last byte of its body
    connect_timeout_seconds: float
    read_timeout_seconds: float  # one socket read (the server's think time before the first byte)
    max_retry_after_seconds: float  # the longest `Retry-After` waited for

    @property
    def timeout(self) -> tuple[float, float]:
        """requests' `(connect, read)` timeout."""
        return self.connect_timeout_seconds, min(self.read_timeout_seconds, self.deadline_seconds)

    def with_environment(self, prefix: str) -> "ResponseLimits":
        """These limits, with any of `<prefix>_MAX_RESPONSE_BYTES`, `<prefix>_REQUEST_DEADLINE_SECONDS` and
        `<prefix>_MAX_RETRY_AFTER_SECONDS` set in the environment instead (tests lower them)."""
        overrides = {}
        for field, suffix in (("max_body_bytes", "MAX_RESPONSE_BYTES"),
                              ("deadline_seconds", "REQUEST_DEADLINE_SECONDS"),
                              ("max_retry_after_seconds", "MAX_RETRY_AFTER_SECONDS")):
            name = f"{prefix}_{suffix}"
            text = os.environ.get(name)
            if text is None:
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or value <= 0:
                raise AirbyteTracedException(message=f"The environment variable {name} must be a positive number, "
                                                     f"got {text!r}.", failure_type=FailureType.config_error)
            overrides[field] = int(value) if field == "max_body_bytes" else value
        return replace(self, **overrides)


def describe_url(url: Optional[str]) -> str:
    """The URL without user-info, query or fragment: what an error may show of a request."""
    if not url:
        return "the request"
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _size(size: int) -> str:
    return f"{size / MEGABYTE:g} MB" if size >= MEGABYTE else f"{size} bytes"


class ResponseTooLarge(AirbyteTracedException):
    """A body larger than the limit: a vendor or proxy fault, the same on every retry."""

    def __init__(self, vendor: str, url: Optional[str], limit: int, size: str):
        message = (f"{vendor} sent a response larger than this connector's limit of {_size(limit)} "
                   f"({size}) for {describe_url(url)}; the sync stops instead of holding it in memory.")
        super().__init__(message=message, internal_message=message, failure_type=FailureType.system_error)


class ResponseDeadlineExceeded(AirbyteTracedException):
    """A response not complete within the deadline (a stalled or trickling body): transient, the next sync
    tries again."""

    def __init__(self, vendor: str, url: Optional[str], deadline: float, received: int):
        message = (f"{vendor} did not complete the response for {describe_url(url)} within this connector's "
                   f"deadline of {deadline:g} seconds per request ({received} bytes of the body received); "
                   f"the sync stops instead of waiting longer.")
        super().__init__(message=message, internal_message=message, failure_type=FailureType.transient_error)


class RetryAfterTooLong(AirbyteTracedException):
    """The vendor asked to wait longer than the cap: transient, the sync stops rather than sleeping for hours."""

    def __init__(self, vendor: str, url: Optional[str], asked: str, cap: float):
        message = (f"{vendor} asked to wait {asked} seconds (Retry-After) before retrying {describe_url(url)}, "
                   f"longer than this connector waits ({cap:g} seconds); the sync stops and can run again later.")
        super().__init__(message=message, internal_message=message, failure_type=FailureType.transient_error)


def retry_after_seconds(response: requests.Response, limits: ResponseLimits, vendor: str) -> Optional[float]:
    """The wait a `Retry-After: <seconds>` header asks for; None without one (or for an HTTP date);
    `RetryAfterTooLong` above the cap (an infinite value included)."""
    value = (response.headers.get("Retry-After") or "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    if math.isnan(seconds):
        return None
    if seconds > limits.max_retry_after_seconds:
        raise RetryAfterTooLong(vendor, response.url or (response.request.url if response.request else None),
                                value, limits.max_retry_after_seconds)
    return max(seconds, 0.1)


class BoundedBody:
    """The raw body of one response, read in small reads up to the size limit and until the deadline.

    Everything but `stream` is the underlying urllib3 response's, so requests handles it as usual.
    """

    def __init__(self, raw: Any, url: Optional[str], limits: ResponseLimits, deadline: float, vendor: str):
        self._raw = raw
        self._url = url
        self._limits = limits
        self._deadline = deadline  # time.monotonic() by which the last byte must have arrived
        self._vendor = vendor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def stream(self, amt: Optional[int] = None, decode_content: Optional[bool] = None) -> Iterator[bytes]:
        received = 0
        while True:
            self._limit_next_read(received)
            try:
                # never more than one byte past the limit: what is over it is not read at all
                chunk = self._raw.read1(min(READ_SIZE, self._limits.max_body_bytes - received + 1),
                                        decode_content=decode_content)
            except ReadTimeoutError:
                if time.monotonic() >= self._deadline - 0.05:  # the socket timeout was the time left
                    self._fail(self._deadline_exceeded(received))
                raise
            if not chunk:
                return
            received += len(chunk)
            if received > self._limits.max_body_bytes:
                self._fail(ResponseTooLarge(self._vendor, self._url, self._limits.max_body_bytes,
                                            f"at least {received} bytes"))
            yield chunk

    def _limit_next_read(self, received: int) -> None:
        """Fail past the deadline; otherwise let the next socket read wait no longer than the time left."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            self._fail(self._deadline_exceeded(received))
        sock = getattr(getattr(self._raw, "connection", None), "sock", None)
        if sock is not None:
            sock.settimeout(min(left, self._limits.read_timeout_seconds))

    def _deadline_exceeded(self, received: int) -> ResponseDeadlineExceeded:
        return ResponseDeadlineExceeded(self._vendor, self._url, self._limits.deadline_seconds, received)

    def _fail(self, error: AirbyteTracedException) -> NoReturn:
        self._raw.close()  # the rest of the body is never read: the connection must not be reused
        raise error


class BoundedResponses(AuthBase):
    """Authenticates as `inner` does (nothing when None) and bounds every response to the requests it prepares.

    Other attributes are `inner`'s, so the CDK still finds e.g. `refresh_and_set_access_token` on it.
    """

    def __init__(self, limits: ResponseLimits, vendor: str, inner: Optional[AuthBase] = None):
        self.limits = limits
        self._vendor = vendor
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or self.__dict__.get("_inner") is None:
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._inner is not None:
            request = self._inner(request)
        if self._bound not in request.hooks["response"]:  # a retry prepares the same request again
            request.register_hook("response", self._bound)
        return request

    def _bound(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        url = response.request.url if response.request is not None else response.url
        if isinstance(response.raw, BoundedBody):
            return response
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.limits.max_body_bytes:
            response.raw.close()
            raise ResponseTooLarge(self._vendor, url, self.limits.max_body_bytes, f"Content-Length {declared} bytes")
        deadline = time.monotonic() - response.elapsed.total_seconds() + self.limits.deadline_seconds
        response.raw = BoundedBody(response.raw, url, self.limits, deadline, self._vendor)
        return response
