"""One connection's sync on the Airbyte platform, through PyAirbyte's `airbyte.cloud` (public API only).

PyAirbyte starts the job, reads its status, lists a connection's jobs and reads attempts and logs. This
module adds what it lacks for a nightly run:
- **409 Conflict** on `POST /jobs` (a sync of the connection is already running, started by the platform's
  own schedule or by a user): attach to that job instead of failing. PyAirbyte already turns a 409 on a
  *disabled* connection into a clear error, which is left as it is.
- **A token that expires during a long wait**: the `airbyte-api` SDK caches its client-credentials token
  until shortly before the `expires_in` it was given and forgets it when a call answers 401; PyAirbyte
  then raises. A call refused with 401 is made once more, with the new token the SDK fetches.
- **Waiting** with our own poll interval and timeout (PyAirbyte's `wait_for_completion` polls every 2 s).
  `incomplete` (a failed attempt the platform retries) keeps waiting; `failed` and `cancelled` raise
  `SyncFailed` naming the connection, the job, its status, the attempt count and the last log lines.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Callable, TypeVar

from airbyte.cloud import CloudConnection, CloudWorkspace, SyncResult
from airbyte.cloud.constants import FAILED_STATUSES, FINAL_STATUSES
from airbyte.exceptions import AirbyteConnectionSyncError

from .config import AirbyteSettings

LOG_TAIL_LINES = 20
T = TypeVar("T")


class SyncFailed(RuntimeError):
    """A sync job that failed, was cancelled, or did not finish in time."""


@dataclass(frozen=True)
class SyncOutcome:
    connection: str
    connection_id: str
    job_id: int
    status: str
    attempts: int
    attached: bool  # True: the job was already running when the flow asked for a sync
    records: int
    table_prefix: str  # the connection's prefix of its tables in the destination


def open_workspace(settings: AirbyteSettings) -> CloudWorkspace:
    """The workspace, authenticated with client credentials (resolved from the environment or Prefect)."""
    return CloudWorkspace(workspace_id=settings.workspace_id, api_root=settings.api_root,
                          client_id=settings.client_id.resolve("airbyte.client_id"),
                          client_secret=settings.client_secret.resolve("airbyte.client_secret"))


def sync_and_wait(workspace: CloudWorkspace, name: str, connection_id: str, *, poll_seconds: float,
                  timeout_seconds: float, log: logging.Logger | logging.LoggerAdapter) -> SyncOutcome:
    """Start (or attach to) the connection's sync and wait until it succeeds; raise `SyncFailed` otherwise."""
    connection = workspace.get_connection(connection_id)
    job, attached = renewing(lambda: start_or_attach(connection), log)
    log.info("%s: %s job %s", name, "attached to running" if attached else "started", job.job_id)
    deadline = time.monotonic() + timeout_seconds
    last_status = None
    while True:
        status = renewing(job.get_job_status, log)
        if status != last_status:
            log.info("%s: job %s is %s", name, job.job_id, status.value)
            last_status = status
        if status in FINAL_STATUSES:
            break
        if time.monotonic() >= deadline:
            raise SyncFailed(describe_failure(name, connection_id, job, f"still {status.value} after "
                                              f"{timeout_seconds:g} s (the flow stopped waiting; the job goes on)", log))
        time.sleep(poll_seconds)
    if status in FAILED_STATUSES:
        raise SyncFailed(describe_failure(name, connection_id, job, status.value, log))
    attempts = len(renewing(job.get_attempts, log))
    return SyncOutcome(name, connection_id, job.job_id, status.value, attempts, attached,
                       renewing(lambda: job.records_synced, log), renewing(lambda: connection.table_prefix, log))


def start_or_attach(connection: CloudConnection) -> tuple[SyncResult, bool]:
    """A new sync job, or the connection's unfinished one when Airbyte answers 409 Conflict."""
    try:
        return connection.run_sync(wait=False), False
    except AirbyteConnectionSyncError as error:
        if (error.context or {}).get("status_code") != HTTPStatus.CONFLICT:
            raise
    unfinished = [job for job in connection.get_previous_sync_logs(limit=20, job_type="sync")
                  if not job.is_job_complete()]
    if not unfinished:
        raise SyncFailed(f"Airbyte refused a sync of connection {connection.connection_id} (409 Conflict) and "
                         "none of its syncs is running")
    return unfinished[0], True


def renewing(call: Callable[[], T], log: logging.Logger | logging.LoggerAdapter) -> T:
    """`call()`, made once more if Airbyte refused the token (401): the SDK has dropped it and fetches a new one."""
    try:
        return call()
    except Exception as error:
        if _http_status(error) != HTTPStatus.UNAUTHORIZED:
            raise
        log.info("Airbyte refused the access token (expired); retrying with a new one")
        return call()


def _http_status(error: Exception) -> int | None:
    """The HTTP status of an `airbyte-api` SDKError, or of a PyAirbyte error that carries one in its context."""
    status = getattr(error, "status_code", None)
    if status is None:
        status = (getattr(error, "context", None) or {}).get("status_code")
    return status


def describe_failure(name: str, connection_id: str, job: SyncResult, status: str,
                     log: logging.Logger | logging.LoggerAdapter) -> str:
    """Connection, job id, status, attempt count and the tail of the last attempt's log."""
    attempts = renewing(job.get_attempts, log)
    lines = attempts[-1].get_full_log_text().splitlines()[-LOG_TAIL_LINES:] if attempts else []
    tail = "\n".join(f"    {line}" for line in lines) or "    (no log lines)"
    return (f"Airbyte sync of connection {name} ({connection_id}): job {job.job_id} {status}, "
            f"{len(attempts)} attempt(s); last log lines:\n{tail}")
