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
                  status: int | None = None, seconds: float | None = None, megabytes: float | None = None,
                  location: str | None = None, field: str | None = None, value: str | None = None) -> dict:
        """Switch a fault on; `malformed_value` takes `field` and `value` (raw wire text, e.g. "NaN", "null")."""
        payload = {"kind": kind, "rate": rate, "count": count, "paths": paths, "status": status, "seconds": seconds,
                   "megabytes": megabytes, "location": location, "field": field, "value": value}
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

    def update_settings(self, *, harvest_rate_limit: str | None = None, intacct_dateformat: str | None = None,
                        intacct_clock: str | None = None, intacct_gmtoffset: str | None = None) -> dict:
        """`POST /_sandbox/settings`; `harvest_rate_limit` is `"off"` or `"<requests>/<seconds>"`; the
        `intacct_*` settings are the Intacct user's date format (`"-dmY"`), clock (`"12"`) and GMT offset
        (`"+05:30"`). Returns every setting after the change; `reset()` restores the ones the server started with."""
        payload = {"harvest_rate_limit": harvest_rate_limit, "intacct_dateformat": intacct_dateformat,
                   "intacct_clock": intacct_clock, "intacct_gmtoffset": intacct_gmtoffset}
        return self._call("POST", "settings", json={k: v for k, v in payload.items() if v is not None})

    def schema(self, object_name: str) -> dict:
        """`GET /_sandbox/schema/<OBJECT>`: the Intacct object's fields as `lookup` and `query` see them now."""
        return self._call("GET", f"schema/{object_name}")

    def change_schema(self, object_name: str, op: str, field: str, *, type: str | None = None,
                      label: str | None = None, custom: bool | None = None, value=None, copy_of: str | None = None,
                      datatype: str | None = None) -> dict:
        """`POST /_sandbox/schema`: `op` is "add" (a standard field enabled later with `custom=False`, or a custom
        field; empty, a constant `value` in stored form, or `copy_of` another field's values), "remove", "retype"
        (to `type`) or "unselectable" (listed by lookup, refused by query). `reset()` restores the seeded schema."""
        payload = {"object": object_name, "op": op, "field": field, "type": type, "label": label, "custom": custom,
                   "value": value, "copy_of": copy_of, "datatype": datatype}
        return self._call("POST", "schema", json={k: v for k, v in payload.items() if v is not None})

    def arm_trigger(self, *, nth: int, mutation: dict, vendor: str | None = None, operation: str | None = None,
                    path: str | None = None) -> dict:
        """Fire `mutation` (the arguments of `mutate`, e.g. `{"dataset": "glentry", "op": "update", "count": 3}`)
        inside the server when the `nth` request matching `vendor` + `operation` (e.g. "intacct",
        "query:GLENTRY") or `path` arrives, before it is answered. Returns the trigger as armed."""
        on = {"path": path} if path is not None else {"vendor": vendor, "operation": operation}
        return self._call("POST", "triggers", json={"on": on, "nth": nth, "mutation": mutation})["trigger"]

    def triggers(self) -> list[dict]:
        """Every armed trigger: how many matching requests it has seen, whether it fired, the ids it touched."""
        return self._call("GET", "triggers")["triggers"]

    def clear_triggers(self) -> list[dict]:
        return self._call("DELETE", "triggers")["triggers"]

    def truth(self, dataset: str, rows: bool = False) -> dict:
        return self._call("GET", f"truth/{dataset}", params={"rows": 1} if rows else None)
