"""The Airbyte platform's public API (`/api/public/v1`) as an orchestrator drives it, plus the one Config API
call (`POST /api/v1/jobs/get`) that PyAirbyte makes for a job's attempts and logs.

What it serves is what `airbyte.cloud` (PyAirbyte 0.71.3) and the `airbyte-api` SDK send and read:
- `POST /applications/token`: client credentials as JSON (PyAirbyte) or as a form (the SDK's token hook) →
  `{"access_token", "token_type": "Bearer", "expires_in"}`; every other call needs `Authorization: Bearer`.
- `GET /workspaces[/{id}]`, `GET /connections[/{id}]` (each with its source and destination), `GET
  /sources/{id}`, `GET /destinations/{id}`.
- `POST /jobs` (`{"connectionId", "jobType": "sync"}`): 409 while a job of the connection is not finished;
  `GET /jobs/{id}`, `GET /jobs?connectionId=&status=&jobType=&limit=&offset=&orderBy=`, `DELETE /jobs/{id}`.

Jobs move by **poll count**, never by time: each `GET /jobs/{id}` moves the job one step along the script of
its connection's behaviour (`BEHAVIOURS`), and the last step stays. `incomplete` is a failed attempt that the
platform retries, so the next step starts a new attempt. A `sync_runner(connection_name) -> list[str]` set on
the emulator in-process (tests) runs when a job is about to succeed, so the platform really loads data; its
exception fails the job with the message in the attempt's log.

Tokens live `token_lifetime_seconds` (the `expires_in` they announce) and, when `token_max_uses` is set, are
refused with 401 after that many calls, whatever they announced: a token that expires in the middle of a
long wait, without a test having to wait for it.

Control, under `/_sandbox/airbyte_api` (documented in the sandbox README): `GET` the state, `POST
.../behaviour`, `POST .../tokens`, `POST .../jobs` (a job started by the platform's own scheduler).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import parse_qs

import requests

from .jsonapi import bearer_token
from .routing import Request, Response

PUBLIC_PREFIX = "/api/public/v1"
CONFIG_PREFIX = "/api/v1"
CLIENT_ID = "sandbox-airbyte-client-id"
CLIENT_SECRET = "sandbox-airbyte-client-secret"
WORKSPACE_ID = "0f5e8c1a-6f0d-4c59-9a55-5a2d1b7c0001"
DESTINATION_ID = "0f5e8c1a-6f0d-4c59-9a55-5a2d1b7c0d01"
DEFAULT_TOKEN_LIFETIME_SECONDS = 180  # self-managed Airbyte's lifetime of an application token


@dataclass(frozen=True)
class Connection:
    name: str  # the project's connection name, also the table prefix without "__"
    connection_id: str
    source_id: str
    source_type: str
    title: str


CONNECTIONS: dict[str, Connection] = {
    connection.name: connection
    for connection in (
        Connection("sage_gl", "0f5e8c1a-6f0d-4c59-9a55-5a2d1b7cc001", "0f5e8c1a-6f0d-4c59-9a55-5a2d1b7c5001",
                   "sage-gl", "Sage Intacct GL → warehouse"),
        Connection("time_harvest", "0f5e8c1a-6f0d-4c59-9a55-5a2d1b7cc002", "0f5e8c1a-6f0d-4c59-9a55-5a2d1b7c5002",
                   "time-tracking", "Harvest time entries → warehouse"),
        Connection("time_generic", "0f5e8c1a-6f0d-4c59-9a55-5a2d1b7cc003", "0f5e8c1a-6f0d-4c59-9a55-5a2d1b7c5003",
                   "time-tracking", "Generic time API → warehouse"),
    )
}

# The statuses a job shows, one per `GET /jobs/{id}`; the last one stays.
BEHAVIOURS: dict[str, tuple[str, ...]] = {
    "succeed": ("pending", "running", "succeeded"),
    "fail": ("pending", "running", "incomplete", "running", "failed"),
    "cancel": ("pending", "running", "cancelled"),
    "incomplete_then_succeed": ("pending", "running", "incomplete", "running", "succeeded"),
    "hang": ("pending", "running"),
}
FINISHED = {"succeeded", "failed", "cancelled"}
FAILURE_LOG = "Failure in source: the sandbox's scripted failure of attempt {attempt}"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Attempt:
    number: int
    status: str = "running"
    created_at: str = field(default_factory=_now)
    log: list[str] = field(default_factory=list)


@dataclass
class Job:
    job_id: int
    connection: Connection
    script: tuple[str, ...]
    step: int = 0
    started_at: str = field(default_factory=_now)
    attempts: list[Attempt] = field(default_factory=list)
    failed_by_runner: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def status(self) -> str:
        return "failed" if self.failed_by_runner else self.script[min(self.step, len(self.script) - 1)]

    def public(self) -> dict:
        """The public API's JobResponse."""
        return {"jobId": self.job_id, "status": self.status, "jobType": "sync", "startTime": self.started_at,
                "connectionId": self.connection.connection_id, "lastUpdatedAt": _now()}

    def with_attempts(self) -> dict:
        """The Config API's JobInfoRead: the job and each attempt with its log lines."""
        job = {"id": self.job_id, "configType": "sync", "configId": self.connection.connection_id,
               "status": self.status, "createdAt": self.started_at}
        return {"job": job, "attempts": [
            {"attempt": {"id": attempt.number, "status": attempt.status, "createdAt": attempt.created_at,
                         "bytesSynced": 0, "recordsSynced": 0},
             "logs": {"logLines": list(attempt.log)}} for attempt in self.attempts]}


@dataclass
class Token:
    expires_at: float  # time.monotonic()
    uses: int = 0


class ApiError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status

    def response(self) -> Response:
        titles = {400: "bad-request", 401: "unauthorized", 404: "resource-not-found", 409: "conflict"}
        return Response.json({"type": f"https://reference.airbyte.com/reference/errors#{titles.get(self.status, 'error')}",
                              "title": titles.get(self.status, "error"), "status": self.status,
                              "detail": str(self)}, self.status, {"Content-Type": "application/problem+json"})


class AirbyteApiEmulator:
    """Answers `/api/...` (the public API and the Config API's job read) and `/_sandbox/airbyte_api`."""

    prefix = "/api"
    control_prefix = "/_sandbox/airbyte_api"

    def __init__(self, store=None, faults=None):
        self._lock = threading.Lock()
        self.sync_runner: Callable[[str], list[str]] | None = None
        self.tokens: dict[str, Token] = {}
        self.reset()

    def reset(self) -> None:
        """Forget jobs and counts; every connection back to `succeed`, tokens back to 180 s and no use limit.
        Tokens already issued stay valid until they expire (clients cache them, as with the real platform)."""
        with self._lock:
            self.jobs: dict[int, Job] = {}
            self.tokens_issued = 0
            self.tokens_refused = 0
            self.behaviours = {name: "succeed" for name in CONNECTIONS}
            self.token_lifetime_seconds = DEFAULT_TOKEN_LIFETIME_SECONDS
            self.token_max_uses: int | None = None

    # --- the API -------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        try:
            if request.path.startswith(PUBLIC_PREFIX + "/"):
                route = request.path.removeprefix(PUBLIC_PREFIX).strip("/").split("/")
                if request.method == "POST" and route == ["applications", "token"]:
                    return self._token(request)
                self._authorize(request)
                return Response.json(self._public(request, route))
            if request.method == "POST" and request.path == CONFIG_PREFIX + "/jobs/get":
                self._authorize(request)
                return Response.json(self._job(_json_body(request).get("id")).with_attempts())
            raise ApiError(404, f"no route {request.method} {request.path}")
        except ApiError as error:
            return error.response()

    def _token(self, request: Request) -> Response:
        if "form" in (request.header("content-type") or ""):
            form = parse_qs(request.body.decode("utf-8"))
            body = {key: values[-1] for key, values in form.items()}
        else:
            body = _json_body(request)
        if body.get("client_id") != CLIENT_ID or body.get("client_secret") != CLIENT_SECRET:
            raise ApiError(401, "invalid client credentials")
        with self._lock:
            self.tokens_issued += 1
            token = f"sandbox-airbyte-token-{len(self.tokens) + 1}"
            self.tokens[token] = Token(time.monotonic() + self.token_lifetime_seconds)
        return Response.json({"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime_seconds})

    def _authorize(self, request: Request) -> None:
        with self._lock:
            token = self.tokens.get(bearer_token(request) or "")
            if token is not None:
                token.uses += 1
                if time.monotonic() < token.expires_at and (self.token_max_uses is None
                                                             or token.uses <= self.token_max_uses):
                    return
            self.tokens_refused += 1
        raise ApiError(401, "the access token is missing, unknown or expired")

    def _public(self, request: Request, route: list[str]) -> dict:
        method, resource, key = request.method, route[0], route[1] if len(route) > 1 else None
        if method == "GET" and resource == "workspaces":
            return _workspace() if key else {"data": [_workspace()]}
        if method == "GET" and resource == "connections":
            return _connection(self._connection(key)) if key else {
                "data": [_connection(connection) for connection in CONNECTIONS.values()]}
        if method == "GET" and resource == "sources" and key:
            return _source(next((c for c in CONNECTIONS.values() if c.source_id == key), None), key)
        if method == "GET" and resource == "destinations" and key:
            if key != DESTINATION_ID:
                raise ApiError(404, f"no destination {key}")
            return _destination()
        if resource == "jobs" and len(route) <= 2:
            if method == "POST" and not key:
                return self._create_job(_json_body(request))
            if method == "GET" and not key:
                return self._list_jobs(request)
            if method == "GET":
                return self._poll(self._job(key)).public()
            if method == "DELETE":
                return self._cancel(self._job(key)).public()
        raise ApiError(404, f"no route {method} {request.path}")

    def _connection(self, key: str | None) -> Connection:
        found = next((c for c in CONNECTIONS.values() if key in (c.connection_id, c.name)), None)
        if found is None:
            raise ApiError(404, f"no connection {key}")
        return found

    def _job(self, key) -> Job:
        try:
            return self.jobs[int(key)]
        except (KeyError, TypeError, ValueError):
            raise ApiError(404, f"no job {key}") from None

    def _create_job(self, body: dict) -> dict:
        if body.get("jobType") != "sync":
            raise ApiError(400, f"jobType must be sync here, got {body.get('jobType')!r}")
        return self.start_job(self._connection(body.get("connectionId")).name).public()

    def start_job(self, connection_name: str) -> Job:
        """A new sync job of a connection (409 while one is not finished), scripted by its behaviour."""
        connection = self._connection(connection_name)
        with self._lock:
            running = [job.job_id for job in self.jobs.values()
                       if job.connection == connection and job.status not in FINISHED]
            if running:
                raise ApiError(409, f"a sync of connection {connection.connection_id} is already running "
                                    f"(job {running[0]})")
            job = Job(len(self.jobs) + 1, connection, BEHAVIOURS[self.behaviours[connection.name]])
            self.jobs[job.job_id] = job
        return job

    def _list_jobs(self, request: Request) -> dict:
        connection_id, status = request.arg("connectionId"), request.arg("status")
        jobs = [job for job in self.jobs.values()
                if (connection_id is None or job.connection.connection_id == connection_id)
                and (status is None or job.status == status)]
        jobs.sort(key=lambda job: job.job_id, reverse=(request.arg("orderBy") or "createdAt|DESC").endswith("DESC"))
        try:
            offset, limit = int(request.arg("offset") or 0), int(request.arg("limit") or 20)
        except ValueError:
            raise ApiError(400, "offset and limit must be integers") from None
        return {"data": [job.public() for job in jobs[offset:offset + limit]]}

    def _poll(self, job: Job) -> Job:
        """One step along the job's script; a step into `running` after another status starts an attempt."""
        with job.lock:
            if job.status in FINISHED:
                return job
            job.step = min(job.step + 1, len(job.script) - 1)
            status = job.script[job.step]
            if status == "running" and (not job.attempts or job.attempts[-1].status != "running"):
                job.attempts.append(Attempt(len(job.attempts) + 1))
                job.attempts[-1].log.append(f"Starting replication of connection {job.connection.name} "
                                            f"(attempt {len(job.attempts)})")
            attempt = job.attempts[-1] if job.attempts else None
            if attempt is None or status == "running":
                return job
            if status == "succeeded" and self.sync_runner is not None:
                try:
                    attempt.log.extend(self.sync_runner(job.connection.name))
                except Exception as error:  # the sync's failure is the job's, reported in its log
                    attempt.log.extend(f"Failure in replication: {line}" for line in str(error).splitlines())
                    attempt.status, job.failed_by_runner = "failed", True
                    return job
            if status in ("incomplete", "failed"):
                attempt.log.append(FAILURE_LOG.format(attempt=attempt.number))
            attempt.status = "failed" if status == "incomplete" else status
            attempt.log.append(f"Attempt {attempt.number} {attempt.status}")
            return job

    def _cancel(self, job: Job) -> Job:
        with job.lock:
            if job.status not in FINISHED:
                job.script, job.step = job.script[: job.step + 1] + ("cancelled",), job.step + 1
                if job.attempts:
                    job.attempts[-1].status = "cancelled"
        return job

    # --- control ---------------------------------------------------------------------------------------------

    def handle_control(self, request: Request) -> Response:
        route = request.path.removeprefix(self.control_prefix).strip("/")
        try:
            if request.method == "GET" and route == "":
                return Response.json(self.state())
            body = _json_body(request)
            if request.method == "POST" and route == "behaviour":
                self.set_behaviour(body.get("connection"), body.get("behaviour"))
                return Response.json(self.state())
            if request.method == "POST" and route == "tokens":
                self.set_tokens(**body)
                return Response.json(self.state())
            if request.method == "POST" and route == "jobs":
                return Response.json(self.start_job(body.get("connection")).public())
            raise ApiError(404, f"no control endpoint {request.method} {request.path}")
        except (ValueError, TypeError) as error:
            return Response.json({"error": str(error)}, 400)
        except ApiError as error:
            return Response.json({"error": str(error)}, error.status)

    def state(self) -> dict:
        with self._lock:
            return {"behaviours": dict(self.behaviours), "token_lifetime_seconds": self.token_lifetime_seconds,
                    "token_max_uses": self.token_max_uses, "tokens_issued": self.tokens_issued,
                    "tokens_refused": self.tokens_refused,
                    "jobs": [{**job.public(), "connection": job.connection.name, "attempts": len(job.attempts)}
                             for job in self.jobs.values()]}

    def set_behaviour(self, connection: str | None, behaviour: str | None) -> None:
        """The script of the connection's next jobs (`connection` "*" for all)."""
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"behaviour must be one of {', '.join(BEHAVIOURS)}, got {behaviour!r}")
        names = list(CONNECTIONS) if connection == "*" else [self._connection(connection).name]
        with self._lock:
            self.behaviours.update({name: behaviour for name in names})

    def set_tokens(self, *, lifetime_seconds: int | None = None, max_uses: int | None = None) -> None:
        """Tokens issued from now on live `lifetime_seconds`; every token is refused after `max_uses` calls."""
        for name, value in (("lifetime_seconds", lifetime_seconds), ("max_uses", max_uses)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        with self._lock:
            self.token_lifetime_seconds = lifetime_seconds or self.token_lifetime_seconds
            self.token_max_uses = max_uses


def _json_body(request: Request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ApiError(400, "the request body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return body


def _workspace() -> dict:
    return {"workspaceId": WORKSPACE_ID, "name": "Northwind Field Services", "dataResidency": "auto",
            "notifications": {}}


def _connection(connection: Connection) -> dict:
    return {"connectionId": connection.connection_id, "name": connection.title, "sourceId": connection.source_id,
            "destinationId": DESTINATION_ID, "workspaceId": WORKSPACE_ID, "status": "active",
            "schedule": {"scheduleType": "manual"}, "namespaceDefinition": "destination",
            "prefix": f"{connection.name}__", "nonBreakingSchemaUpdatesBehavior": "ignore",
            "configurations": {"streams": []}, "createdAt": 1767225600, "tags": []}


def _source(connection: Connection | None, key: str) -> dict:
    if connection is None:
        raise ApiError(404, f"no source {key}")
    return {"sourceId": connection.source_id, "name": connection.title.split(" → ")[0],
            "sourceType": connection.source_type, "definitionId": f"{connection.source_type}-definition",
            "workspaceId": WORKSPACE_ID, "configuration": {}, "createdAt": 1767225600}


def _destination() -> dict:
    return {"destinationId": DESTINATION_ID, "name": "Warehouse (staging)", "destinationType": "postgres",
            "definitionId": "25c5221d-dce2-4163-ade9-739ef790f503", "workspaceId": WORKSPACE_ID,
            "configuration": {"schema": "staging"}, "createdAt": 1767225600}


def credentials(base_url: str) -> dict:
    """`credentials.airbyte_api` of the sandbox's JSON line."""
    return {"api_root": base_url + PUBLIC_PREFIX, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "workspace_id": WORKSPACE_ID,
            "connection_ids": {name: connection.connection_id for name, connection in CONNECTIONS.items()}}


class AirbyteApiControl:
    """A client for `/_sandbox/airbyte_api` of a running sandbox."""

    def __init__(self, base_url: str, timeout: float = 60.0):
        self.url = base_url.rstrip("/") + AirbyteApiEmulator.control_prefix
        self.timeout = timeout

    def _call(self, method: str, path: str = "", payload: dict | None = None) -> dict:
        response = requests.request(method, self.url + path, json=payload, timeout=self.timeout)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {self.url}{path}: {response.json().get('error', response.text)}")
        return response.json()

    def state(self) -> dict:
        """Behaviours, token settings and counts (`tokens_issued`, `tokens_refused`), and every job."""
        return self._call("GET")

    def set_behaviour(self, connection: str, behaviour: str) -> dict:
        return self._call("POST", "/behaviour", {"connection": connection, "behaviour": behaviour})

    def set_tokens(self, *, lifetime_seconds: int | None = None, max_uses: int | None = None) -> dict:
        return self._call("POST", "/tokens", {"lifetime_seconds": lifetime_seconds, "max_uses": max_uses})

    def start_job(self, connection: str) -> dict:
        """A sync started by the platform itself (its scheduler, or a user in the UI)."""
        return self._call("POST", "/jobs", {"connection": connection})
