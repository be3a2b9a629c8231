"""The Airbyte public-API emulator over HTTP: tokens, 401, 409, jobs moving by poll count, control endpoints.
(The orchestration suite drives it with PyAirbyte's `airbyte.cloud` and the `airbyte-api` SDK.)"""

from __future__ import annotations

import pytest
import requests

from sandbox import running_sandbox
from sandbox.airbyte_api import AirbyteApiControl


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(scale=0.05, seed=3) as running:
        yield running


@pytest.fixture
def api(sandbox):
    sandbox.control.reset()
    credentials = sandbox.credentials["airbyte_api"]
    session = requests.Session()
    token = session.post(credentials["api_root"] + "/applications/token",
                         json={"client_id": credentials["client_id"], "client_secret": credentials["client_secret"]})
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    session.root = credentials["api_root"]
    session.connections = credentials["connection_ids"]
    return session


def test_the_info_line_names_the_api_and_its_credentials(sandbox):
    credentials = sandbox.credentials["airbyte_api"]
    assert sandbox.info["airbyte_api"] == sandbox.base_url + "/api/public/v1" == credentials["api_root"]
    assert set(credentials) == {"api_root", "client_id", "client_secret", "workspace_id", "connection_ids"}
    assert set(credentials["connection_ids"]) == {"sage_gl", "time_harvest", "time_generic"}


def test_a_token_needs_the_client_credentials_as_json_or_form(sandbox):
    credentials = sandbox.credentials["airbyte_api"]
    url = credentials["api_root"] + "/applications/token"
    form = requests.post(url, data={"grant_type": "client_credentials", "client_id": credentials["client_id"],
                                    "client_secret": credentials["client_secret"]})
    assert form.status_code == 200
    assert form.json()["token_type"] == "Bearer" and form.json()["expires_in"] == 180
    assert requests.post(url, json={"client_id": credentials["client_id"], "client_secret": "wrong"}).status_code == 401
    assert requests.get(credentials["api_root"] + "/workspaces").status_code == 401


def test_a_job_moves_one_status_per_poll_and_a_second_sync_is_refused_with_409_while_it_runs(api):
    connection = api.connections["sage_gl"]
    job = api.post(api.root + "/jobs", json={"connectionId": connection, "jobType": "sync"}).json()
    assert job["status"] == "pending"
    assert api.post(api.root + "/jobs", json={"connectionId": connection, "jobType": "sync"}).status_code == 409

    assert [api.get(f"{api.root}/jobs/{job['jobId']}").json()["status"] for _ in range(3)] == [
        "running", "succeeded", "succeeded"]
    listed = api.get(api.root + "/jobs", params={"connectionId": connection}).json()["data"]
    assert [(j["jobId"], j["status"]) for j in listed] == [(job["jobId"], "succeeded")]
    assert api.post(api.root + "/jobs", json={"connectionId": connection, "jobType": "sync"}).status_code == 200


def test_a_failing_job_retries_an_attempt_and_logs_each(api, sandbox):
    AirbyteApiControl(sandbox.base_url).set_behaviour("time_harvest", "fail")
    job = api.post(api.root + "/jobs", json={"connectionId": api.connections["time_harvest"], "jobType": "sync"}).json()

    statuses = [api.get(f"{api.root}/jobs/{job['jobId']}").json()["status"] for _ in range(4)]

    assert statuses == ["running", "incomplete", "running", "failed"]
    detail = api.post(sandbox.base_url + "/api/v1/jobs/get", json={"id": job["jobId"]}).json()
    assert [attempt["attempt"]["status"] for attempt in detail["attempts"]] == ["failed", "failed"]
    assert "scripted failure of attempt 2" in detail["attempts"][-1]["logs"]["logLines"][-2]


def test_a_token_is_refused_after_its_allowed_uses(api, sandbox):
    control = AirbyteApiControl(sandbox.base_url)
    control.set_tokens(max_uses=2)

    assert [api.get(api.root + "/workspaces").status_code for _ in range(3)] == [200, 200, 401]
    assert control.state()["tokens_refused"] == 1


def test_control_rejects_an_unknown_behaviour_and_reset_restores_the_defaults(sandbox):
    control = AirbyteApiControl(sandbox.base_url)
    with pytest.raises(RuntimeError, match="behaviour must be one of"):
        control.set_behaviour("sage_gl", "explode")
    control.set_behaviour("*", "hang")
    control.start_job("sage_gl")

    sandbox.control.reset()

    state = control.state()
    assert state["jobs"] == [] and set(state["behaviours"].values()) == {"succeed"}
