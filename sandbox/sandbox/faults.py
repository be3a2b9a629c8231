"""Fault switches: the failures a test can switch on to exercise a source's retries and error handling.

A fault has a kind (`KINDS`), and fires for a request when its path starts with one of the fault's `paths`
(default: every vendor path), a seeded random draw falls under its `rate`, and its `count` (if any) is not
used up. The server applies the generic kinds around every vendor request (`status`, `rate_limit`, `slow`,
`truncated`, `redirect`, `malformed_value`, and the transport faults `oversized`, `trickle` and `reset`); the
emulators consult the vendor-specific kinds (Intacct's `expired_session`, `permission_denied` and
`company_expired`; every list's `repeat_page` and `lying_counters`) themselves, e.g. the Intacct emulator::

    if self.faults.take("expired_session", request.path):
        ...  # forget every session, then answer as the gateway does for an invalid session

`take` consumes one firing (it decrements `count`), so call it once per request and only where the fault
applies. Every method is thread-safe: the server answers requests on many threads.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, replace
from urllib.parse import urlsplit

KINDS = ("status", "rate_limit", "slow", "truncated", "expired_session", "permission_denied", "company_expired",
         "oversized", "trickle", "reset", "repeat_page", "lying_counters", "redirect", "malformed_value")
DEFAULT_STATUS = 503
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
DEFAULT_REDIRECT_STATUS = 307
DEFAULT_RETRY_AFTER_SECONDS = 1.0
MAX_DELAY_SECONDS = 600  # `slow` and `trickle`: a test never needs to hold a server thread longer
MAX_RETRY_AFTER_SECONDS = 10 ** 9  # `rate_limit`: a hostile server may ask for days
MAX_OVERSIZED_MEGABYTES = 4096
_SECONDS_LIMITS = {"slow": MAX_DELAY_SECONDS, "trickle": MAX_DELAY_SECONDS, "rate_limit": MAX_RETRY_AFTER_SECONDS}


class FaultError(ValueError):
    """A fault switch was asked for with invalid settings (the control endpoint answers 400)."""


@dataclass(frozen=True)
class Fault:
    kind: str
    rate: float = 1.0
    count: int | None = None  # fire this many more times, then switch off; None: until cleared
    paths: tuple[str, ...] | None = None  # path prefixes; None: every vendor path
    status: int | None = None  # `status`: the HTTP status to answer (default 503); `redirect`: 3xx (default 307)
    seconds: float | None = None  # `slow`: the delay; `rate_limit`: the Retry-After value (default 1);
    # `trickle`: the pause before each byte of the body
    megabytes: float | None = None  # `oversized`: how much whitespace the body is padded with
    location: str | None = None  # `redirect`: the origin (scheme://host:port) the request is sent on to
    field: str | None = None  # `malformed_value`: the field of an answer to rewrite
    value: str | None = None  # `malformed_value`: the raw wire text written in its place (see malformed.py)

    def matches(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(prefix) for prefix in self.paths)

    def as_dict(self) -> dict:
        payload = asdict(self)
        payload["paths"] = list(self.paths) if self.paths is not None else None
        return payload


def make_fault(kind: str, *, rate: float = 1.0, count: int | None = None, paths=None, status: int | None = None,
               seconds: float | None = None, megabytes: float | None = None, location: str | None = None,
               field: str | None = None, value: str | None = None) -> Fault:
    """Validate the settings of a fault switch; raises `FaultError` naming the bad setting."""
    if kind not in KINDS:
        raise FaultError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
        raise FaultError(f"fault rate must be a number between 0 and 1, got {rate!r}")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise FaultError(f"fault count must be a positive integer, got {count!r}")
    if paths is not None:
        if isinstance(paths, str) or not all(isinstance(p, str) and p.startswith("/") for p in paths):
            raise FaultError(f"fault paths must be a list of path prefixes starting with '/', got {paths!r}")
        paths = tuple(paths)
    if status is not None:
        if kind not in ("status", "redirect"):
            raise FaultError("'status' only applies to the 'status' and 'redirect' faults")
        if kind == "status" and (isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599):
            raise FaultError(f"fault status must be an HTTP error status (400-599), got {status!r}")
        if kind == "redirect" and (isinstance(status, bool) or status not in REDIRECT_STATUSES):
            raise FaultError(f"redirect status must be one of {', '.join(map(str, REDIRECT_STATUSES))}, got {status!r}")
    if location is not None and kind != "redirect":
        raise FaultError("'location' only applies to the 'redirect' fault")
    if kind == "redirect":
        location = _redirect_origin(location)
        status = DEFAULT_REDIRECT_STATUS if status is None else status
    if seconds is not None:
        if kind not in _SECONDS_LIMITS:
            raise FaultError("'seconds' only applies to the 'slow', 'trickle' and 'rate_limit' faults")
        limit = _SECONDS_LIMITS[kind]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= limit:
            raise FaultError(f"fault seconds must be a number between 0 and {limit} for {kind!r}, got {seconds!r}")
    if kind in ("slow", "trickle") and seconds is None:
        raise FaultError(f"the {kind!r} fault needs 'seconds'")
    if megabytes is not None:
        if kind != "oversized":
            raise FaultError("'megabytes' only applies to the 'oversized' fault")
        if (isinstance(megabytes, bool) or not isinstance(megabytes, (int, float))
                or not 0 < megabytes <= MAX_OVERSIZED_MEGABYTES):
            raise FaultError(f"fault megabytes must be a number above 0 and at most {MAX_OVERSIZED_MEGABYTES}, "
                             f"got {megabytes!r}")
    if kind == "oversized" and megabytes is None:
        raise FaultError("the 'oversized' fault needs 'megabytes'")
    if (field is not None or value is not None) and kind != "malformed_value":
        raise FaultError("'field' and 'value' only apply to the 'malformed_value' fault")
    if kind == "malformed_value":
        if not isinstance(field, str) or not field.strip():
            raise FaultError(f"the 'malformed_value' fault needs 'field' (a field name), got {field!r}")
        if not isinstance(value, str):
            raise FaultError(f"the 'malformed_value' fault needs 'value' (the raw wire text, e.g. \"NaN\" or "
                             f"\"null\"), got {value!r}")
    if kind == "status" and status is None:
        status = DEFAULT_STATUS
    return Fault(kind, float(rate), count, paths, status, None if seconds is None else float(seconds),
                 None if megabytes is None else float(megabytes), location, field, value)


def _redirect_origin(location) -> str:
    """`scheme://host[:port]` with no path: the redirect keeps the request's own path and query."""
    if not isinstance(location, str):
        raise FaultError(f"the 'redirect' fault needs 'location', an origin such as http://127.0.0.1:9, "
                         f"got {location!r}")
    parts = urlsplit(location)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise FaultError(f"redirect location must be an origin such as http://127.0.0.1:9 (no path), got {location!r}")
    return location.rstrip("/")


class Faults:
    """The switched-on faults (at most one per kind) and how often each has fired."""

    def __init__(self, seed: int = 0):
        self._seed = seed
        self._lock = threading.Lock()
        self._active: dict[str, Fault] = {}
        self._fired: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._stopping = threading.Event()
        self._pages: dict = {}  # `repeat_page`: the last page each list answered, while the fault is on

    def set(self, kind: str, **settings) -> Fault:
        """Switch a fault on (replacing any fault of the same kind); see `make_fault` for the settings."""
        fault = make_fault(kind, **settings)
        with self._lock:
            self._active[kind] = fault
        return fault

    def clear(self) -> None:
        """Switch every fault off and restart the seeded random draws (so runs repeat exactly)."""
        with self._lock:
            self._active.clear()
            self._fired.clear()
            self._pages.clear()
            self._random = random.Random(self._seed)

    def peek(self, kind: str, path: str) -> Fault | None:
        """The fault of `kind` switched on for `path`, without drawing or consuming a firing."""
        with self._lock:
            fault = self._active.get(kind)
            return fault if fault is not None and fault.matches(path) else None

    def take(self, kind: str, path: str) -> Fault | None:
        """The fault of `kind` if it fires for a request to `path` (consuming one of its `count`), else None."""
        with self._lock:
            fault = self._active.get(kind)
            if fault is None or not fault.matches(path):
                return None
            if fault.rate < 1.0 and self._random.random() >= fault.rate:
                return None
            if fault.count is not None:
                if fault.count > 1:
                    self._active[kind] = replace(fault, count=fault.count - 1)
                else:
                    del self._active[kind]
            self._fired[kind] += 1
            return fault

    def repeat_page(self, path: str, key, page):
        """`repeat_page`, for an emulator's list answer: when the fault fires and the list (`key`: its filters,
        not its position) was answered before, that previous page instead of `page`; else `page`, remembered."""
        with self._lock:
            fault = self._active.get("repeat_page")
            if fault is None or not fault.matches(path):
                return page
            previous = self._pages.get(key)
        if previous is not None and self.take("repeat_page", path):
            return previous
        with self._lock:
            self._pages[key] = page
        return page

    def delay(self, seconds: float) -> bool:
        """Hold a response for `seconds` (cut short when the server stops, so shutdown never waits);
        False when it was cut short."""
        return not self._stopping.wait(seconds)

    def stop(self) -> None:
        self._stopping.set()

    def snapshot(self) -> dict:
        """What `GET /_sandbox/faults` returns: the active faults and how often each kind has fired."""
        with self._lock:
            return {"faults": [fault.as_dict() for fault in self._active.values()], "fired": dict(self._fired)}
