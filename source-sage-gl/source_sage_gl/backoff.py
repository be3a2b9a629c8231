"""How long to wait before retrying a request to the gateway."""

from __future__ import annotations

from typing import Optional, Union

import requests
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy

from source_sage_gl.bounded_http import ResponseLimits, retry_after_seconds
from source_sage_gl.error_handling import CDN_TIMEOUT


class IntacctBackoffStrategy(BackoffStrategy):
    """Retry-After when the gateway sends it (up to the limits' cap: above it the sync stops with a
    transient error); otherwise capped exponential waits.

    A 524 means Cloudflare gave up while Intacct may still be running the query, so it waits longer
    (the official SDK does not retry it at all; a read-only query is safe to repeat after a pause).
    Errors reported inside an HTTP 200 body (a rejected session, "try again later") retry quickly. After no
    answer at all (an unreachable gateway, a body cut short) the CDK's own exponential backoff waits.
    """

    def __init__(self, limits: ResponseLimits, base_seconds: float = 1.0, cap_seconds: float = 60.0,
                 cdn_timeout_seconds: float = 15.0, in_body_seconds: float = 0.2):
        self.limits = limits
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.cdn_timeout_seconds = cdn_timeout_seconds
        self.in_body_seconds = in_body_seconds

    def backoff_time(self, response_or_exception: Optional[Union[requests.Response, requests.RequestException]],
                     attempt_count: int) -> Optional[float]:
        exponent = max(attempt_count - 1, 0)
        if isinstance(response_or_exception, requests.Response):
            retry_after = retry_after_seconds(response_or_exception, self.limits, "Sage Intacct")
            if retry_after is not None:
                return retry_after
            if response_or_exception.status_code == CDN_TIMEOUT:
                return min(self.cap_seconds * 5, self.cdn_timeout_seconds * 2 ** exponent)
            if response_or_exception.status_code == 200:
                return self.in_body_seconds * 2 ** exponent
            return min(self.cap_seconds, self.base_seconds * 2 ** exponent)
        return None  # no answer at all: the CDK's exponential backoff, which logs the handler's reason as it is

