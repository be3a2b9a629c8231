"""The `/_sandbox/` control endpoints (never part of any vendor API): reset, mutate, faults, requests, truth,
settings, schema, triggers.

JSON in, JSON out; a bad request gets a 400 (404 for an unknown route or dataset) with
`{"error": "<what is wrong>"}` and changes nothing. The routes are documented in the sandbox README.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Callable

from .faults import FaultError, Faults
from .intacct.objects import CHANGE_KEYS, SchemaChangeError
from .mutations import MutationError
from .routing import Emulator, Request, Response
from .schema import DATASETS
from .store import Store
from .triggers import TriggerError

MUTATE_KEYS = {"dataset", "op", "rows", "ids", "count", "changes"}
FAULT_KEYS = {"kind", "rate", "count", "paths", "status", "seconds", "megabytes", "location", "field", "value"}
SETTINGS_KEYS = {"harvest_rate_limit", "clockify_rate_limit", "intacct_dateformat", "intacct_clock", "intacct_gmtoffset",
                 "toggl_quota", "toggl_rate_limit"}
TRIGGER_KEYS = {"on", "nth", "mutation"}


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Control:
    prefix = "/_sandbox"

    def __init__(self, store: Store, faults: Faults, emulators: list[Emulator], info: Callable[[str], dict]):
        self.store = store
        self.faults = faults
        self.emulators = emulators
        self.info = info
        self.routes = {
            ("GET", "info"): self.get_info,
            ("POST", "reset"): self.reset,
            ("POST", "mutate"): self.mutate,
            ("GET", "faults"): self.get_faults,
            ("POST", "faults"): self.set_fault,
            ("DELETE", "faults"): self.clear_faults,
            ("GET", "requests"): self.get_requests,
            ("DELETE", "requests"): self.clear_requests,
            ("GET", "triggers"): self.get_triggers,
            ("POST", "triggers"): self.arm_trigger,
            ("DELETE", "triggers"): self.clear_triggers,
            ("GET", "truth"): self.truth,
            ("GET", "settings"): self.get_settings,
            ("POST", "settings"): self.set_settings,
            ("GET", "schema"): self.get_schema,
            ("POST", "schema"): self.change_schema,
        }

    def handle(self, request: Request) -> Response:
        route, _, argument = request.path.removeprefix(self.prefix).strip("/").partition("/")
        handler = self.routes.get((request.method, route))
        try:
            if handler is None:
                if any(name == route for _, name in self.routes):
                    raise ControlError(405, f"{request.method} is not allowed on {request.path}")
                raise ControlError(404, f"no control endpoint {request.path}")
            return Response.json(handler(request, argument) if route in ("truth", "schema") else handler(request))
        except ControlError as error:
            return Response.json({"error": str(error)}, error.status)
        except (MutationError, FaultError, SchemaChangeError, TriggerError) as error:
            return Response.json({"error": str(error)}, 400)

    @staticmethod
    def body(request: Request, allowed: set[str], exact_numbers: bool = False) -> dict:
        """The JSON object of a control request; `exact_numbers` reads non-integer numbers as Decimal."""
        try:
            payload = json.loads(request.body or b"{}", parse_float=Decimal if exact_numbers else float)
        except ValueError as error:
            raise ControlError(400, f"the request body is not JSON: {error}") from error
        if not isinstance(payload, dict):
            raise ControlError(400, "the request body must be a JSON object")
        unknown = sorted(payload.keys() - allowed)
        if unknown:
            raise ControlError(400, f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}")
        return payload

    def get_info(self, request: Request) -> dict:
        return {**self.info(request.base_url), "scale": self.store.scale, "seed": self.store.seed}

    def reset(self, request: Request) -> dict:
        """Seeded data back, faults off, request counts zeroed, emulator state (sessions, limits) forgotten."""
        self.store.reset()
        self.faults.clear()
        for emulator in self.emulators:
            if hasattr(emulator, "reset"):
                emulator.reset()
        return {"reset": True, "scale": self.store.scale, "seed": self.store.seed}

    def mutate(self, request: Request) -> dict:
        payload = self.body(request, MUTATE_KEYS, exact_numbers=True)  # 12345678901234567.89 stays exact
        if "dataset" not in payload or "op" not in payload:
            raise ControlError(400, "mutate needs 'dataset' and 'op'")
        ids = self.store.mutate(payload["dataset"], payload["op"], rows=payload.get("rows"), ids=payload.get("ids"),
                                count=payload.get("count"), changes=payload.get("changes"))
        return {"dataset": payload["dataset"], "op": payload["op"], "ids": ids}

    def get_faults(self, request: Request) -> dict:
        return self.faults.snapshot()

    def set_fault(self, request: Request) -> dict:
        payload = self.body(request, FAULT_KEYS)
        if "kind" not in payload:
            raise ControlError(400, "a fault needs 'kind'")
        settings = {key: value for key, value in payload.items() if key != "kind" and value is not None}
        return {"fault": self.faults.set(payload["kind"], **settings).as_dict()}

    def clear_faults(self, request: Request) -> dict:
        self.faults.clear()
        return self.faults.snapshot()

    def get_requests(self, request: Request) -> dict:
        return self.store.requests.snapshot()

    def clear_requests(self, request: Request) -> dict:
        self.store.requests.clear()
        return self.store.requests.snapshot()

    def get_triggers(self, request: Request) -> dict:
        return self.store.triggers.snapshot()

    def arm_trigger(self, request: Request) -> dict:
        """Arm a mutation to fire when the Nth matching vendor request arrives (see triggers.py)."""
        payload = self.body(request, TRIGGER_KEYS)
        missing = sorted(TRIGGER_KEYS - payload.keys())
        if missing:
            raise ControlError(400, f"a trigger needs {', '.join(missing)}")
        return {"trigger": self.store.triggers.arm(payload["on"], payload["nth"], payload["mutation"])}

    def clear_triggers(self, request: Request) -> dict:
        self.store.triggers.clear()
        return self.store.triggers.snapshot()

    def _configurable(self) -> list:
        """Emulators with settings that can change while serving (`settings()` / `apply_settings(dict)`)."""
        return [emulator for emulator in self.emulators if hasattr(emulator, "apply_settings")]

    def get_settings(self, request: Request) -> dict:
        settings: dict = {}
        for emulator in self._configurable():
            settings.update(emulator.settings())
        return settings

    def set_settings(self, request: Request) -> dict:
        """Change emulator settings (Harvest's rate limit, the Intacct user's formatting); a bad value is a 400."""
        payload = self.body(request, SETTINGS_KEYS)
        for emulator in self._configurable():
            owned = {key: value for key, value in payload.items() if key in emulator.settings()}
            try:
                emulator.apply_settings(owned)
            except ValueError as error:
                raise ControlError(400, str(error)) from error
        return self.get_settings(request)

    def _objects(self):
        """The Intacct emulator's object definitions (the only vendor whose schema can change)."""
        for emulator in self.emulators:
            if hasattr(emulator, "objects"):
                return emulator.objects
        raise ControlError(404, "this sandbox serves no Intacct emulator")

    def get_schema(self, request: Request, object_name: str) -> dict:
        """The fields of an Intacct object as `lookup` and `query` see them now."""
        if not object_name:
            raise ControlError(404, "name the object: GET /_sandbox/schema/<OBJECT>")
        try:
            return self._objects().describe(object_name)
        except SchemaChangeError as error:
            raise ControlError(404, str(error)) from error

    def change_schema(self, request: Request, argument: str) -> dict:
        """Add, remove, retype or make unselectable a field of an Intacct object (reset restores the seeded schema)."""
        objects = self._objects()
        change = objects.change(self.body(request, CHANGE_KEYS))
        return {**change, "schema": objects.describe(change["object"])}

    def truth(self, request: Request, dataset: str) -> dict:
        if dataset not in DATASETS:
            raise ControlError(404, f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
        return self.store.truth(dataset, rows=request.arg("rows", "0").lower() in ("1", "true", "yes"))
