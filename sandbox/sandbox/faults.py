"""Fault switches: the failures a test can switch on to exercise a source's retries and error handling.

A fault has a kind (`KINDS`), and fires for a request when its path starts with one of the fault's `paths`
(default: every vendor path), a seeded random draw falls under its `rate`, and its `count` (if any) is not
used up. The server applies the generic kinds around every vendor request (`status`, `rate_limit`, `slow`,
`truncated`, `malformed_value`); the emulators consult the vendor-specific kinds (Intacct's `expired_session`,
`permission_denied` and `company_expired`) themselves, e.g. the Intacct emulator::

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

KINDS = ("status", "rate_limit", "slow", "truncated", "expired_session", "permission_denied", "company_expired",
         "malformed_value")
DEFAULT_STATUS = 503
DEFAULT_RETRY_AFTER_SECONDS = 1.0


class FaultError(ValueError):
    """A fault switch was asked for with invalid settings (the control endpoint answers 400)."""


@dataclass(frozen=True)
class Fault:
    kind: str
    rate: float = 1.0
    count: int | None = None  # fire this many more times, then switch off; None: until cleared
    paths: tuple[str, ...] | None = None  # path prefixes; None: every vendor path
    status: int | None = None  # `status`: the HTTP status to answer (default 503)
    seconds: float | None = None  # `slow`: the delay; `rate_limit`: the Retry-After value (default 1)
    field: str | None = None  # `malformed_value`: the field of an answer to rewrite
    value: str | None = None  # `malformed_value`: the raw wire text written in its place (see malformed.py)

    def matches(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(prefix) for prefix in self.paths)

    def as_dict(self) -> dict:
        payload = asdict(self)
        payload["paths"] = list(self.paths) if self.paths is not None else None
        return payload


def make_fault(kind: str, *, rate: float = 1.0, count: int | None = None, paths=None, status: int | None = None,
               seconds: float | None = None, field: str | None = None, value: str | None = None) -> Fault:
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
        if kind != "status":
            raise FaultError("'status' only applies to the 'status' fault")
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise FaultError(f"fault status must be an HTTP error status (400-599), got {status!r}")
    if seconds is not None:
        if kind not in ("slow", "rate_limit"):
            raise FaultError("'seconds' only applies to the 'slow' and 'rate_limit' faults")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 600:
            raise FaultError(f"fault seconds must be a number between 0 and 600, got {seconds!r}")
    if (field is not None or value is not None) and kind != "malformed_value":
        raise FaultError("'field' and 'value' only apply to the 'malformed_value' fault")
    if kind == "malformed_value":
        if not isinstance(field, str) or not field.strip():
            raise FaultError(f"the 'malformed_value' fault needs 'field' (a field name), got {field!r}")
        if not isinstance(value, str):
            raise FaultError(f"the 'malformed_value' fault needs 'value' (the raw wire text, e.g. \"NaN\" or "
                             f"\"null\"), got {value!r}")
    if kind == "slow" and seconds is None:
        raise FaultError("the 'slow' fault needs 'seconds'")
    if kind == "status" and status is None:
        status = DEFAULT_STATUS
    return Fault(kind, float(rate), count, paths, status, None if seconds is None else float(seconds), field, value)


class Faults:
    """The switched-on faults (at most one per kind) and how often each has fired."""

    def __init__(self, seed: int = 0):
        self._seed = seed
        self._lock = threading.Lock()
        self._active: dict[str, Fault] = {}
        self._fired: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._stopping = threading.Event()

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

    def delay(self, seconds: float) -> None:
        """Hold a response for `seconds` (cut short when the server stops, so shutdown never waits)."""
        self._stopping.wait(seconds)

    def stop(self) -> None:
        self._stopping.set()

    def snapshot(self) -> dict:
        """What `GET /_sandbox/faults` returns: the active faults and how often each kind has fired."""
        with self._lock:
            return {"faults": [fault.as_dict() for fault in self._active.values()], "fired": dict(self._fired)}
