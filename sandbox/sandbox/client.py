"""`SandboxControl`: a small client for the `/_sandbox/` endpoints of a running sandbox (in-process or CLI)."""

from __future__ import annotations

import requests


class SandboxControlError(RuntimeError):
    """The sandbox refused a control request; `status` is the HTTP status and the message its error text."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class SandboxControl:
    def __init__(self, base_url: str, timeout: float = 600.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout  # generous: a reset or a truth with rows at scale 500 takes a while
        self._session = requests.Session()

    def _call(self, method: str, path: str, **kwargs) -> dict:
        response = self._session.request(method, f"{self.base_url}/_sandbox/{path}", timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            try:
                message = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                message = response.text
            raise SandboxControlError(response.status_code, f"{method} /_sandbox/{path}: {message}")
        return response.json()

    def info(self) -> dict:
        return self._call("GET", "info")

    def reset(self) -> dict:
        return self._call("POST", "reset")

    def mutate(self, dataset: str, op: str, *, rows: list[dict] | None = None, ids: list | None = None,
               count: int | None = None, changes: dict | None = None) -> list:
        payload = {"dataset": dataset, "op": op, "rows": rows, "ids": ids, "count": count, "changes": changes}
        return self._call("POST", "mutate", json={k: v for k, v in payload.items() if v is not None})["ids"]

    def set_fault(self, kind: str, *, rate: float = 1.0, count: int | None = None, paths: list[str] | None = None,
                  status: int | None = None, seconds: float | None = None, field: str | None = None,
                  value: str | None = None) -> dict:
        """Switch a fault on; `malformed_value` takes `field` and `value` (raw wire text, e.g. "NaN", "null")."""
        payload = {"kind": kind, "rate": rate, "count": count, "paths": paths, "status": status, "seconds": seconds,
                   "field": field, "value": value}
        return self._call("POST", "faults", json={k: v for k, v in payload.items() if v is not None})["fault"]

    def faults(self) -> dict:
        return self._call("GET", "faults")

    def clear_faults(self) -> dict:
        return self._call("DELETE", "faults")

    def requests(self) -> dict:
        return self._call("GET", "requests")

    def clear_requests(self) -> dict:
        return self._call("DELETE", "requests")

    def settings(self) -> dict:
        """`GET /_sandbox/settings`, e.g. `{"harvest_rate_limit": "100/15"}`."""
        return self._call("GET", "settings")

    def update_settings(self, *, harvest_rate_limit: str | None = None) -> dict:
        """`POST /_sandbox/settings`; `harvest_rate_limit` is `"off"` or `"<requests>/<seconds>"`.
        Returns every setting after the change; `reset()` restores the ones the server started with."""
        payload = {"harvest_rate_limit": harvest_rate_limit}
        return self._call("POST", "settings", json={k: v for k, v in payload.items() if v is not None})

    def truth(self, dataset: str, rows: bool = False) -> dict:
        return self._call("GET", f"truth/{dataset}", params={"rows": 1} if rows else None)
