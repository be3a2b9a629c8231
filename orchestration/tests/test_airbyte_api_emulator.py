"""The sandbox's Airbyte API emulator as the real clients see it: the `airbyte-api` SDK (form-encoded token
request, its models' required fields) and PyAirbyte's `airbyte.cloud` (JSON token, Config API job read)."""

from __future__ import annotations

import airbyte_api
from airbyte.cloud import CloudWorkspace
from airbyte_api import api, models


def sdk(credentials: dict) -> airbyte_api.AirbyteAPI:
    # The full token URL, as PyAirbyte gives it: the SDK (0.53) joins a relative one with `urljoin`, so
    # "/applications/token" would lose the "/api/public/v1" of the server URL.
    security = models.Security(client_credentials=models.SchemeClientCredentials(
        client_id=credentials["client_id"], client_secret=credentials["client_secret"],
        token_url=credentials["api_root"] + "/applications/token"))
    return airbyte_api.AirbyteAPI(security=security, server_url=credentials["api_root"])


def test_the_sdk_reads_workspaces_and_connections_and_runs_lists_and_cancels_a_job(airbyte, airbyte_env):
    client = sdk(airbyte_env)
    sage = airbyte_env["connection_ids"]["sage_gl"]

    [workspace] = client.workspaces.list_workspaces(api.ListWorkspacesRequest()).workspaces_response.data
    connection = client.connections.get_connection(api.GetConnectionRequest(connection_id=sage)).connection_response
    job = client.jobs.create_job(models.JobCreateRequest(connection_id=sage, job_type=models.JobTypeEnum.SYNC)).job_response
    running = client.jobs.get_job(api.GetJobRequest(job_id=job.job_id)).job_response
    listed = client.jobs.list_jobs(api.ListJobsRequest(connection_id=sage, workspace_ids=[workspace.workspace_id])).jobs_response.data
    cancelled = client.jobs.cancel_job(api.CancelJobRequest(job_id=job.job_id)).job_response

    assert workspace.workspace_id == airbyte_env["workspace_id"]
    assert (connection.workspace_id, connection.prefix, connection.status) == (
        airbyte_env["workspace_id"], "sage_gl__", models.ConnectionStatusEnum.ACTIVE)
    assert (job.status, running.status) == (models.JobStatusEnum.PENDING, models.JobStatusEnum.RUNNING)
    assert [listed_job.job_id for listed_job in listed] == [job.job_id]
    assert cancelled.status == models.JobStatusEnum.CANCELLED


def test_pyairbyte_runs_a_sync_to_the_end_and_reads_its_attempts_and_log(airbyte, airbyte_env):
    airbyte.set_behaviour("time_generic", "incomplete_then_succeed")
    workspace = CloudWorkspace(workspace_id=airbyte_env["workspace_id"], client_id=airbyte_env["client_id"],
                               client_secret=airbyte_env["client_secret"], api_root=airbyte_env["api_root"])
    connection = workspace.get_connection(airbyte_env["connection_ids"]["time_generic"])

    result = connection.run_sync(wait=False)
    statuses = [result.get_job_status().value for _ in range(4)]
    attempts = result.get_attempts()

    assert statuses == ["running", "incomplete", "running", "succeeded"]
    assert [attempt.status for attempt in attempts] == ["failed", "succeeded"]
    assert attempts[-1].get_full_log_text().splitlines()[-1] == "Attempt 2 succeeded"
    assert connection.table_prefix == "time_generic__"
