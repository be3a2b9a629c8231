"""The vendors' throttles: at most N requests per sliding window of S seconds per key (an account, an API key).

Harvest (100 per 15 s, 429 with `Retry-After`), Clockify (50 per second, 429) and Toggl (the hourly quota,
402; the legacy leaky bucket, 429) differ only in the numbers and in how they answer, which stays with each
emulator. A limit is set by a text, as at `serve` and in `POST /_sandbox/settings`: `off`,
`<requests>/<seconds>` or `<requests>` (per the default's seconds); None or empty means the default.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from typing import Callable


class SlidingWindowRateLimit:
    """At most `requests` per sliding window of `seconds` per key; `requests` None is off.

    `clock` is injectable so tests drive the window without sleeping. Each check is O(1) amortised (a deque
    of admitted request times per key).
    """

    def __init__(self, name: str, default: str = "off", clock: Callable[[], float] = time.monotonic):
        """`name`: the setting's name in error messages (`harvest_rate_limit`); `default`: the setting that
        None or empty stands for (the vendor's documented limit)."""
        self._lock = threading.Lock()
        self._clock = clock
        self._admitted: dict[str, deque[float]] = {}
        self.name = name
        self._default = default
        self.requests: int | None = None
        self.seconds = 1.0
        self.apply(None)

    def configure(self, requests: int | None, seconds: float | None = None) -> None:
        """`requests` per `seconds` (None: the seconds set before); every window starts afresh."""
        seconds = self.seconds if seconds is None else seconds
        if requests is not None and (requests < 1 or seconds <= 0):
            raise ValueError("a rate limit needs at least 1 request per a positive number of seconds")
        with self._lock:
            self.requests, self.seconds = requests, seconds
            self._admitted.clear()

    def apply(self, setting: str | None) -> None:
        """Configure from a setting text (see the module docstring). Raises ValueError naming the setting (and
        changes nothing) for anything else."""
        setting = setting or self._default
        text = setting.strip().lower() if isinstance(setting, str) else ""
        if text == "off":
            self.configure(None)
            return
        requests, _, seconds = text.partition("/")
        try:
            self.configure(int(requests), float(seconds or self._default.partition("/")[2]))
        except ValueError as bad:
            raise ValueError(f"{self.name} must be 'off' or '<requests>/<seconds>' with at least 1 request per a "
                             f"positive number of seconds, got {setting!r}") from bad

    def setting(self) -> str:
        """The current limit as a setting text (`off`, `100/15`)."""
        return "off" if self.requests is None else f"{self.requests}/{self.seconds:g}"

    def settings(self) -> dict:
        return {"requests": self.requests, "seconds": self.seconds}

    def remaining(self, key: str) -> tuple[int | None, int]:
        """(requests left in the window or None when off, seconds until the oldest one leaves it)."""
        with self._lock:
            if self.requests is None:
                return None, 0
            now = self._clock()
            admitted = [moment for moment in self._admitted.get(key, ()) if moment > now - self.seconds]
            resets_in = math.ceil(admitted[0] + self.seconds - now) if admitted else math.ceil(self.seconds)
            return max(0, self.requests - len(admitted)), resets_in

    def retry_after(self, key: str) -> int | None:
        """None when a request of `key` is admitted now (and counted), else the seconds to wait."""
        with self._lock:
            if self.requests is None:
                return None
            now = self._clock()
            admitted = self._admitted.setdefault(key, deque())
            while admitted and admitted[0] <= now - self.seconds:
                admitted.popleft()
            if len(admitted) < self.requests:
                admitted.append(now)
                return None
            return max(1, math.ceil(admitted[0] + self.seconds - now))


class ThrottledEmulator:
    """An emulator with one throttle (Harvest, Clockify): started from an argument, else an environment
    variable, else the vendor's default; changed by `POST /_sandbox/settings {<setting>: …}`; restored by
    `POST /_sandbox/reset`. A subclass names `RATE_LIMIT_SETTING`, `RATE_LIMIT_VARIABLE` and `RATE_LIMIT_DEFAULT`
    and calls `start_rate_limit` from its `__init__`."""

    RATE_LIMIT_SETTING = ""
    RATE_LIMIT_VARIABLE = ""
    RATE_LIMIT_DEFAULT = "off"

    def start_rate_limit(self, argument: str | None, clock: Callable[[], float]) -> None:
        self._rate_limit_start = argument if argument is not None else os.environ.get(self.RATE_LIMIT_VARIABLE)
        self.rate_limit = SlidingWindowRateLimit(self.RATE_LIMIT_SETTING, self.RATE_LIMIT_DEFAULT, clock)
        try:
            self.rate_limit.apply(self._rate_limit_start)
        except ValueError as bad:
            source = self.RATE_LIMIT_SETTING if argument is not None else self.RATE_LIMIT_VARIABLE
            raise ValueError(f"{source}: {bad}") from bad

    def reset(self) -> None:
        """`POST /_sandbox/reset`: the rate limit is the start setting again, every window afresh."""
        self.rate_limit.apply(self._rate_limit_start)

    def settings(self) -> dict:
        """`GET /_sandbox/settings`: what can be changed while serving, in the form `apply_settings` takes."""
        return {self.RATE_LIMIT_SETTING: self.rate_limit.setting()}

    def apply_settings(self, settings: dict) -> None:
        """`POST /_sandbox/settings`: `{<setting>: "off" | "<requests>/<seconds>"}`."""
        if self.RATE_LIMIT_SETTING in settings:
            self.rate_limit.apply(settings[self.RATE_LIMIT_SETTING])
