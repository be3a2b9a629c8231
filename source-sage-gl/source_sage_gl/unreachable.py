"""An API host that cannot be reached at all: said plainly, retried a bounded, short time in `read`, never in `check`.

A refused connection, a host name that does not resolve or a connect that times out is not helped by minutes
of retries (a wrong URL or port, a firewall): `read` tries a request at most `UNREACHABLE_ATTEMPTS` times
within `UNREACHABLE_SECONDS` (enough for a blip of the network), then fails naming what happened, where, how
many attempts and over how long. Once given up, the same error handler fails at the first attempt for the rest
of the run. `check` answers from its first attempt. The waits between attempts are the CDK's own exponential
backoff (1, 2, 4 … seconds), logged by the CDK as "Caught retryable error '<what happened>' …".

This module is the same in source-sage-gl and source-time-tracking (each connector is built on its own).
"""

from __future__ import annotations

import time
from typing import Callable, Optional

import requests
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

UNREACHABLE_ATTEMPTS = 4
UNREACHABLE_SECONDS = 60.0


def _root_cause(error: BaseException) -> Optional[BaseException]:
    """urllib3's own error under requests' wrapper (`MaxRetryError.reason`)."""
    cause = error.args[0] if error.args else None
    return getattr(cause, "reason", cause) if isinstance(cause, BaseException) else None


def unreachable_cause(error: BaseException) -> Optional[str]:
    """What kept the request from reaching the host ("connection refused by 127.0.0.1:9", "timed out connecting
    to api.example.com:443", "host name api.example.invalid not resolved"), or None when the host was reached."""
    if not isinstance(error, requests.ConnectionError) or isinstance(error, requests.ReadTimeout):
        return None
    request = getattr(error, "request", None)
    parts = requests.utils.urlparse(request.url) if request is not None and request.url else None
    host = parts.hostname if parts else None
    where = f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}" if parts and host else "the host"
    cause = _root_cause(error)
    if isinstance(cause, NameResolutionError):
        return f"host name {host or 'of the URL'} not resolved"
    if isinstance(cause, NewConnectionError):  # a subclass of ConnectTimeoutError, so asked first
        text = str(cause)
        if "Connection refused" in text:
            return f"connection refused by {where}"
        reason = text.rsplit("]", 1)[-1].strip() if "]" in text else "connection failed"
        return f"could not connect to {where} ({reason.lower()})"
    if isinstance(error, requests.ConnectTimeout) or isinstance(cause, ConnectTimeoutError):
        return f"timed out connecting to {where}"
    return None


class UnreachableBudget:
    """Counts the attempts of a run that could not reach the host, from the first such failure."""

    def __init__(self, retry: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.retry = retry
        self._clock = clock
        self._attempts = 0
        self._first_failure: Optional[float] = None
        self.given_up: Optional[str] = None  # the final message, once the budget is spent

    def reached(self) -> None:
        """The host answered: a later failure starts a new count (unless the run already gave up)."""
        self._attempts = 0
        self._first_failure = None

    def failed(self, cause: str) -> Optional[str]:
        """One more attempt failed with `cause`: None while another attempt is due, else the final message."""
        if self.given_up is not None:
            return f"{self.given_up}; not tried again in this run"
        now = self._clock()
        if self._first_failure is None:
            self._first_failure = now
        self._attempts += 1
        elapsed = now - self._first_failure
        if not self.retry:
            return cause
        if self._attempts < UNREACHABLE_ATTEMPTS and elapsed < UNREACHABLE_SECONDS:
            return None
        attempts = "1 attempt" if self._attempts == 1 else f"{self._attempts} attempts"
        self.given_up = f"{cause} — {attempts} over {elapsed:.0f} s"
        return self.given_up

    def attempt_label(self) -> str:
        return f"attempt {self._attempts} of {UNREACHABLE_ATTEMPTS}"
