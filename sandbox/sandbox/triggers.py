"""Mutations armed to fire inside the server when the Nth matching vendor request arrives, before it is answered.

A test can then write "between page 5 and page 6" deterministically, with no timing: arm
`{"on": {"vendor": "intacct", "operation": "query:GLENTRY"}, "nth": 6, "mutation": {...}}` and the mutation
runs when the sixth `query GLENTRY` (counted from the arming) reaches the emulator, so that page already
sees it. A trigger matches either a vendor operation (what `GET /_sandbox/requests` counts per vendor, e.g.
`query:GLENTRY`, `getAPISession`) or a request path (exact, e.g. `/v2/time_entries`), so it suits every
emulator. Each fires once; several can be armed (those reaching their Nth request together fire in the
order they were armed); `reset` and `DELETE /_sandbox/triggers` disarm them all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from .mutations import OPS, MutationError
from .schema import DATASETS

MATCH_KEYS = {"vendor", "operation", "path"}
MUTATION_KEYS = {"dataset", "op", "rows", "ids", "count", "changes"}


class TriggerError(ValueError):
    """A trigger that cannot be armed; the message names the field."""


@dataclass
class Trigger:
    id: int
    vendor: str | None
    operation: str | None
    path: str | None
    nth: int
    mutation: dict
    seen: int = 0
    fired: bool = False
    ids: list | None = None  # the keys the mutation touched, once fired
    error: str | None = None  # why the mutation failed, if it did

    def matches(self, *, path: str | None = None, vendor: str | None = None, operation: str | None = None) -> bool:
        if self.path is not None:
            return path == self.path
        return vendor == self.vendor and operation == self.operation

    def as_dict(self) -> dict:
        on = {"path": self.path} if self.path is not None else {"vendor": self.vendor, "operation": self.operation}
        return {"id": self.id, "on": on, "nth": self.nth, "mutation": self.mutation, "seen": self.seen,
                "fired": self.fired, "ids": self.ids, "error": self.error}


def _validated(on, nth, mutation) -> tuple:
    if not isinstance(on, dict) or not on or set(on) - MATCH_KEYS:
        raise TriggerError(f"'on' must be an object with 'path', or 'vendor' and 'operation'; got {on!r}")
    if "path" in on:
        if set(on) != {"path"} or not isinstance(on["path"], str) or not on["path"].startswith("/"):
            raise TriggerError(f"'on' with 'path' takes only an absolute path such as \"/v2/time_entries\"; got {on!r}")
    elif set(on) != {"vendor", "operation"} or not all(isinstance(v, str) and v for v in on.values()):
        raise TriggerError(f"'on' needs both 'vendor' and 'operation' (e.g. intacct, query:GLENTRY); got {on!r}")
    if isinstance(nth, bool) or not isinstance(nth, int) or nth < 1:
        raise TriggerError(f"'nth' must be an integer of 1 or more; got {nth!r}")
    if not isinstance(mutation, dict) or set(mutation) - MUTATION_KEYS:
        raise TriggerError(f"'mutation' must be an object with the fields of POST /_sandbox/mutate "
                           f"({', '.join(sorted(MUTATION_KEYS))}); got {mutation!r}")
    if mutation.get("dataset") not in DATASETS:
        raise TriggerError(f"mutation: unknown dataset {mutation.get('dataset')!r}; expected one of {', '.join(DATASETS)}")
    if mutation.get("op") not in OPS:
        raise TriggerError(f"mutation: unknown op {mutation.get('op')!r}; expected insert, update or delete")
    return on.get("vendor"), on.get("operation"), on.get("path")


class Triggers:
    """The armed triggers of one server; `mutate` applies a mutation (`Store.mutate`'s keyword arguments)."""

    def __init__(self, mutate: Callable[..., list]):
        self._mutate = mutate
        self._lock = threading.Lock()
        self._armed: list[Trigger] = []
        self._next_id = 1

    def arm(self, on: dict, nth: int, mutation: dict) -> dict:
        vendor, operation, path = _validated(on, nth, mutation)
        with self._lock:
            trigger = Trigger(self._next_id, vendor, operation, path, nth, dict(mutation))
            self._next_id += 1
            self._armed.append(trigger)
            return trigger.as_dict()

    def snapshot(self) -> dict:
        with self._lock:
            return {"triggers": [trigger.as_dict() for trigger in self._armed]}

    def clear(self) -> None:
        with self._lock:
            self._armed = []

    def observe(self, *, path: str | None = None, vendor: str | None = None, operation: str | None = None) -> None:
        """Count one request against the armed triggers and fire those it brings to their Nth, in arming order."""
        with self._lock:
            due = []
            for trigger in self._armed:
                if not trigger.fired and trigger.matches(path=path, vendor=vendor, operation=operation):
                    trigger.seen += 1
                    if trigger.seen == trigger.nth:
                        trigger.fired = True
                        due.append(trigger)
        for trigger in due:  # outside the lock: a mutation takes the store's write lock
            try:
                trigger.ids = self._mutate(**trigger.mutation)
            except MutationError as error:
                trigger.error = str(error)
