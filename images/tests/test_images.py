"""Both connector images, run as the Airbyte platform runs them, against the sandbox on the host.

Each command goes through the image's AIRBYTE_ENTRYPOINT, as user `airbyte`, with config, catalog and state
passed as files under /airbyte/ (the platform mounts them), on the host network so the container reaches
the sandbox on loopback. The images are built from the connector folders first (buildah on the local base).
"""

import contextlib
import json
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import yaml
from sandbox import running_sandbox

from images import buildah
from images.builder import build_images
from images.connectors import Connector, connectors
from images.local_base import REFERENCE as LOCAL_BASE
from images.lock import LOCK_FILE, freeze_pins, read_lock

pytestmark = pytest.mark.timeout(1800)

START_DATE = "2025-01-01T00:00:00Z"
SAGE_GL_STREAMS = {
    "gl_accounts", "gl_journals", "reporting_periods", "journal_entries", "journal_entry_lines", "gl_details",
    "departments", "locations", "classes", "projects", "customers", "vendors", "employees", "deleted_records",
    "ap_bills", "ap_bill_items", "ar_invoices", "ar_invoice_items", "gl_budget_items", "account_balances",
}
HARVEST_STREAMS = {"time_entries", "users", "projects", "clients", "tasks", "user_cost_rates", "deleted_time_entries"}
GENERIC_STREAMS = {"time_entries", "deleted_time_entries"}
CLOCKIFY_STREAMS = {"time_entries", "users", "projects", "clients", "tasks", "deleted_time_entries"}
QUICKBOOKS_TIME_STREAMS = {"time_entries", "users", "jobcodes", "deleted_time_entries"}
TOGGL_STREAMS = {"time_entries", "users", "projects", "clients", "tasks", "deleted_time_entries"}


@dataclass(frozen=True)
class Scenario:
    """One connection: a connector, how to configure it against the sandbox, and what it must yield."""

    id: str
    connector: Connector
    config: Callable[[dict], dict]  # sandbox credentials -> a working config
    break_config: Callable[[dict], None]  # spoils a working config's secret in place
    streams: frozenset[str]
    # (stream, sandbox dataset, primary key): read, then compared with the sandbox's ground truth
    read: tuple[tuple[str, str, str], ...]


def _with_secret(path: tuple[str, ...], value: str) -> Callable[[dict], None]:
    def spoil(config: dict) -> None:
        *parents, key = path
        for parent in parents:
            config = config[parent]
        config[key] = value
    return spoil


SAGE_GL, TIME_TRACKING = connectors()
SCENARIOS = [
    Scenario("sage_gl", SAGE_GL, lambda credentials: {**credentials["intacct"], "start_date": START_DATE},
             _with_secret(("user_password",), "wrong-password"), frozenset(SAGE_GL_STREAMS),
             (("gl_accounts", "glaccount", "RECORDNO"), ("journal_entry_lines", "glentry", "RECORDNO"))),
    Scenario("time_harvest", TIME_TRACKING, lambda credentials: {**credentials["harvest"], "start_date": START_DATE},
             _with_secret(("provider", "access_token"), "wrong-token"), frozenset(HARVEST_STREAMS),
             (("users", "harvest_users", "id"), ("time_entries", "harvest_time_entries", "id"))),
    Scenario("time_generic", TIME_TRACKING, lambda credentials: {**credentials["generic"], "start_date": START_DATE},
             _with_secret(("provider", "auth", "token"), "wrong-token"), frozenset(GENERIC_STREAMS),
             (("time_entries", "generic_entries", "id"),)),
    Scenario("time_clockify", TIME_TRACKING, lambda credentials: {**credentials["clockify"], "start_date": START_DATE},
             _with_secret(("provider", "api_key"), "wrong-key"), frozenset(CLOCKIFY_STREAMS),
             (("users", "clockify_users", "id"), ("time_entries", "clockify_time_entries", "id"))),
    Scenario("time_quickbooks_time", TIME_TRACKING,
             lambda credentials: {**credentials["quickbooks_time"], "start_date": START_DATE},
             _with_secret(("provider", "access_token"), "wrong-token"), frozenset(QUICKBOOKS_TIME_STREAMS),
             (("users", "qbtime_users", "id"), ("time_entries", "qbtime_timesheets", "id"))),
    Scenario("time_toggl", TIME_TRACKING, lambda credentials: {**credentials["toggl"], "start_date": START_DATE},
             _with_secret(("provider", "api_token"), "wrong-token"), frozenset(TOGGL_STREAMS),
             (("users", "toggl_workspace_users", "id"), ("time_entries", "toggl_time_entries", "id"))),
]


def test_every_time_tracking_provider_has_a_scenario():
    """Each provider branch of source-time-tracking's spec (one per provider of its registry) runs in the image."""
    spec = yaml.safe_load((TIME_TRACKING.folder / "source_time_tracking" / "spec.yaml").read_text())
    providers = [branch["properties"]["provider_type"]["const"]
                 for branch in spec["connectionSpecification"]["properties"]["provider"]["oneOf"]]
    assert {scenario.id for scenario in SCENARIOS if scenario.connector == TIME_TRACKING} == {
        f"time_{provider}" for provider in providers}


def parse_messages(stdout: str) -> list[dict]:
    """Every stdout line must be one Airbyte protocol message, as the platform requires."""
    messages = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert all(isinstance(message, dict) and "type" in message for message in messages)
    return messages


def of_type(messages: list[dict], kind: str) -> list[dict]:
    """The payloads of the messages of one type (`CONNECTION_STATUS` carries `connectionStatus`)."""
    key = "connectionStatus" if kind == "CONNECTION_STATUS" else kind.lower()
    return [message[key] for message in messages if message["type"] == kind]


class PlatformRunner:
    """Runs one image the way the platform does: AIRBYTE_ENTRYPOINT, as `airbyte`, inputs as files."""

    def __init__(self, container: buildah.Container, scratch: Path):
        self.container = container
        self.scratch = scratch
        config = buildah.inspect_image(container.image)["OCIv1"]["config"]
        self.entrypoint = shlex.split(dict(entry.split("=", 1) for entry in config["Env"])["AIRBYTE_ENTRYPOINT"])

    def put(self, name: str, document: dict) -> str:
        """Place `document` at /airbyte/secrets/<name>, owned by `airbyte`, as the platform mounts inputs."""
        local = self.scratch / name
        local.write_text(json.dumps(document))
        destination = f"/airbyte/secrets/{name}"
        self.container.copy(local, destination)
        return destination

    def run(self, *args: str, workdir: str | None = None, expect_success: bool = True) -> list[dict]:
        completed = self.container.run([*self.entrypoint, *args], user="airbyte", workdir=workdir)
        if expect_success:
            assert completed.returncode == 0, (
                f"{args[0]} failed in {self.container.image}:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")
        return parse_messages(completed.stdout)


def host_run(connector: Connector, scratch: Path, command: str, config: dict | None = None) -> list[dict]:
    """The same command through the connector's console script installed on the host (the reference)."""
    args = [str(Path(sys.executable).parent / connector.name), command]
    if config is not None:
        path = scratch / f"host-{command}-config.json"
        path.write_text(json.dumps(config))
        args += ["--config", str(path)]
    completed = subprocess.run(args, capture_output=True, text=True, check=True)
    return parse_messages(completed.stdout)


@pytest.fixture(scope="session")
def built_images() -> dict[str, str]:
    """Build both images from their folders (buildah on the local base); connector name -> image reference."""
    return {image.connector.name: image.reference for image in build_images(connectors(), engine="buildah")}


@pytest.fixture(scope="session")
def sandbox():
    with running_sandbox(scale=0.05, seed=7) as running:
        yield running


@pytest.fixture(scope="session")
def runners(built_images, tmp_path_factory) -> dict[str, PlatformRunner]:
    """One container per image (creating one copies the whole image with vfs); connector name -> runner."""
    with contextlib.ExitStack() as stack:
        yield {
            name: PlatformRunner(stack.enter_context(buildah.Container(image)), tmp_path_factory.mktemp(name))
            for name, image in built_images.items()
        }


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda scenario: scenario.id)
def scenario(request) -> Scenario:
    return request.param


@pytest.fixture(scope="module")
def runner(scenario, runners) -> PlatformRunner:
    return runners[scenario.connector.name]


@pytest.fixture(scope="module")
def config(scenario, sandbox) -> dict:
    return scenario.config(json.loads(json.dumps(sandbox.credentials)))


@pytest.mark.parametrize("connector", connectors(), ids=lambda connector: connector.name)
def test_image_config_is_what_the_platform_expects(connector, built_images):
    config = buildah.inspect_image(built_images[connector.name])["OCIv1"]["config"]
    environment = dict(entry.split("=", 1) for entry in config["Env"])
    assert config["Entrypoint"] == ["/entrypoint.sh"]
    assert environment["AIRBYTE_ENTRYPOINT"] == " ".join(config["Entrypoint"])
    assert config["User"] == "airbyte"
    assert config["Labels"]["io.airbyte.name"] == connector.repository
    assert config["Labels"]["io.airbyte.version"] == connector.version


@pytest.mark.parametrize("connector", connectors(), ids=lambda connector: connector.name)
def test_image_runs_as_airbyte_with_a_writable_airbyte_folder(connector, runners):
    """Without --user, a container runs as the image's USER; it must be `airbyte` and own /airbyte."""
    completed = runners[connector.name].container.run(["sh", "-c", "id -un && touch /airbyte/probe && echo writable"],
                                                      user=None)
    assert completed.stdout.split() == ["airbyte", "writable"], completed.stderr


INSTALLED = ["python", "-m", "pip", "list", "--format", "freeze"]


@pytest.fixture(scope="session")
def base_distributions(built_images) -> dict[str, str]:
    """The Python distributions of the base image the images were built on (name -> version)."""
    with buildah.Container(LOCAL_BASE) as base:
        listed = base.run(INSTALLED, user=None)
    assert listed.returncode == 0, listed.stderr
    return freeze_pins(listed.stdout)


@pytest.mark.parametrize("connector", connectors(), ids=lambda connector: connector.name)
def test_image_holds_exactly_the_locked_distributions(connector, runners, base_distributions):
    """What "two builds of one version are identical" means for the Python layer: the image holds the base
    image's distributions, overridden by the lock's pins, and the connector; nothing resolved at build time.
    `pip check` then finds every requirement of every pin met (the lock is complete)."""
    listed = runners[connector.name].container.run(INSTALLED, user=None)
    assert listed.returncode == 0, listed.stderr
    pins, problems = read_lock((connector.folder / LOCK_FILE).read_text())
    assert not problems
    expected = {**base_distributions, **{name: pin.version for name, pin in pins.items()},
                connector.name: connector.version}
    assert freeze_pins(listed.stdout) == expected
    checked = runners[connector.name].container.run(["python", "-m", "pip", "check"], user=None)
    assert checked.returncode == 0, checked.stdout


def test_spec_matches_the_package_from_any_working_directory(scenario, runner, tmp_path):
    expected = of_type(host_run(scenario.connector, tmp_path, "spec"), "SPEC")
    assert of_type(runner.run("spec"), "SPEC") == expected
    assert of_type(runner.run("spec", workdir="/"), "SPEC") == expected


def test_check_succeeds_with_the_sandbox_credentials(runner, config):
    statuses = of_type(runner.run("check", "--config", runner.put("config.json", config)), "CONNECTION_STATUS")
    assert [status["status"] for status in statuses] == ["SUCCEEDED"]


def test_check_fails_with_a_wrong_secret(scenario, runner, config):
    wrong = json.loads(json.dumps(config))
    scenario.break_config(wrong)
    messages = runner.run("check", "--config", runner.put("wrong_config.json", wrong), expect_success=False)
    assert [status["status"] for status in of_type(messages, "CONNECTION_STATUS")] == ["FAILED"]


@pytest.fixture(scope="module")
def catalog(runner, config) -> dict:
    [discovered] = of_type(runner.run("discover", "--config", runner.put("config.json", config)), "CATALOG")
    return discovered


def test_discover_lists_every_stream_with_its_schema(scenario, catalog, config, tmp_path):
    streams = {stream["name"]: stream for stream in catalog["streams"]}
    assert set(streams) == scenario.streams
    assert all(stream["json_schema"].get("properties") for stream in streams.values())
    assert [catalog] == of_type(host_run(scenario.connector, tmp_path, "discover", config), "CATALOG")


def test_read_yields_the_sandbox_records_and_state(scenario, runner, config, catalog, sandbox):
    selected = {name for name, _, _ in scenario.read}
    configured = {"streams": [
        {"stream": stream,
         "sync_mode": "incremental" if "incremental" in stream["supported_sync_modes"] else "full_refresh",
         "cursor_field": stream.get("default_cursor_field", []),
         "destination_sync_mode": "append"}
        for stream in catalog["streams"] if stream["name"] in selected
    ]}
    messages = runner.run("read", "--config", runner.put("config.json", config),
                          "--catalog", runner.put("configured_catalog.json", configured))
    records = of_type(messages, "RECORD")
    states = of_type(messages, "STATE")
    for stream, dataset, primary_key in scenario.read:
        emitted = {str(record["data"][primary_key]) for record in records if record["stream"] == stream}
        truth = {str(row[primary_key]) for row in sandbox.control.truth(dataset, rows=True)["rows"]}
        assert emitted == truth, f"{stream}: {len(emitted)} ids emitted, the sandbox holds {len(truth)}"
    incremental = {entry["stream"]["name"] for entry in configured["streams"] if entry["sync_mode"] == "incremental"}
    assert incremental, "no selected stream supports incremental sync"
    assert incremental <= {state["stream"]["stream_descriptor"]["name"] for state in states if state["type"] == "STREAM"}
