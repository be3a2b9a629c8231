"""The packaging files of each connector, checked without building an image.

- metadata.yaml holds what Airbyte's metadata schema requires, and the Dockerfile agrees with it.
- acceptance-test-config.yml is accepted by both runners that read it: Airbyte's Docker-based
  acceptance tests (CAT, modelled in `images.acceptance_config_model`) and the CDK's in-process standard
  tests (their own collection code, `get_scenarios()`), and follows CAT's `high` strictness rules.
- requirements.lock pins, with hashes, exactly what setup.py requires, and the Dockerfile installs it alone.
"""

import json
import re
from pathlib import Path

import pytest
import yaml
from airbyte_cdk.test.standard_tests.docker_base import DockerConnectorTestSuite
from pydantic import ValidationError

from images.acceptance_config_model import AcceptanceTestConfig
from images.connectors import connectors
from images.lock import LOCK_FILE, lock_problems
from images.metadata_model import ConnectorMetadata

CONNECTORS = connectors()


def dockerfile_facts(dockerfile: str) -> dict[str, str]:
    """The BASE_IMAGE default, labels, ENV AIRBYTE_ENTRYPOINT and ENTRYPOINT that a Dockerfile declares."""
    facts = {}
    for instruction in re.sub(r"\\\n", " ", dockerfile).splitlines():
        if match := re.match(r"ARG BASE_IMAGE=(\S+)$", instruction):
            facts["BASE_IMAGE"] = match.group(1)
        elif match := re.match(r"LABEL (io\.airbyte\.\w+)=(\S+)$", instruction):
            facts[match.group(1)] = match.group(2)
        elif match := re.match(r'ENV AIRBYTE_ENTRYPOINT="([^"]+)"$', instruction):
            facts["AIRBYTE_ENTRYPOINT"] = match.group(1)
        elif match := re.match(r"ENTRYPOINT (\[.*\])$", instruction):
            facts["ENTRYPOINT"] = match.group(1)
    return facts


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_metadata_validates_against_the_required_fields(connector):
    metadata = ConnectorMetadata.model_validate(connector.metadata)
    data = metadata.data
    assert data.connectorType == "source"
    assert data.connectorSubtype == "api"
    assert {"language:python", "cdk:python"} <= set(data.tags)
    assert data.dockerRepository == f"airbyte/{connector.name}"
    assert data.githubIssueLabel == connector.name
    assert data.connectorBuildOptions.baseImage.startswith("docker.io/airbyte/python-connector-base:")


def test_definition_ids_are_distinct():
    ids = [ConnectorMetadata.model_validate(connector.metadata).data.definitionId for connector in CONNECTORS]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_dockerfile_matches_metadata(connector):
    data = ConnectorMetadata.model_validate(connector.metadata).data
    facts = dockerfile_facts((connector.folder / "Dockerfile").read_text())
    assert facts["BASE_IMAGE"] == data.connectorBuildOptions.baseImage
    assert facts["io.airbyte.name"] == data.dockerRepository
    assert facts["io.airbyte.version"] == data.dockerImageTag
    assert facts["ENTRYPOINT"] == f'["{facts["AIRBYTE_ENTRYPOINT"]}"]'
    assert facts["AIRBYTE_ENTRYPOINT"].startswith("/")


def test_model_rejects_what_the_schema_rejects():
    """The model is not vacuous: a missing required field, a bad uuid or an unpinned base image fail."""
    valid = CONNECTORS[0].metadata
    broken_documents = [
        {**valid, "data": {key: value for key, value in valid["data"].items() if key != "githubIssueLabel"}},
        {**valid, "data": {**valid["data"], "definitionId": "not-a-uuid"}},
        {**valid, "data": {**valid["data"], "connectorBuildOptions": {"baseImage": "airbyte/python-connector-base:4.0.0"}}},
        {**valid, "data": {**valid["data"], "releaseStage": "stable"}},
        {**valid, "data": {**valid["data"], "allowedHost": {"hosts": ["*"]}}},
    ]
    for document in broken_documents:
        with pytest.raises(ValidationError):
            ConnectorMetadata.model_validate(document)


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_acceptance_tests_name_the_image_that_make_image_builds(connector):
    acceptance = yaml.safe_load((connector.folder / "acceptance-test-config.yml").read_text())
    assert acceptance["connector_image"] == f"{connector.repository}:dev"
    assert acceptance["connector_image"] in connector.tags


def acceptance_config(folder: Path) -> dict:
    return yaml.safe_load((folder / "acceptance-test-config.yml").read_text())


def standard_test_scenarios(folder: Path) -> list:
    """The scenarios the CDK's standard tests collect from `folder`, by the CDK's own collection code."""
    suite = type("StandardTestsOf", (DockerConnectorTestSuite,), {"get_connector_root_dir": classmethod(lambda cls: folder)})
    return suite.get_scenarios()


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_acceptance_test_config_is_accepted_by_the_cdk_standard_tests(connector):
    scenarios = standard_test_scenarios(connector.folder)
    sections = {section for scenario in scenarios for section in scenario.sections}
    assert {"spec", "connection", "discovery", "basic_read", "full_refresh"} <= sections
    assert {scenario.status for scenario in scenarios if "connection" in scenario.sections} >= {"succeed", "failed"}


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_acceptance_test_config_is_accepted_by_the_acceptance_test_runner(connector):
    """CAT's model accepts the file, and it meets CAT's `high` rules (the file says `low`, see the model)."""
    config = AcceptanceTestConfig.model_validate(acceptance_config(connector.folder))
    assert config.test_strictness_level == "low", "at high, CAT's basic_read needs expect_records, which the CDK rejects"
    tests = config.acceptance_tests
    for section in ("spec", "connection", "discovery", "basic_read", "incremental", "full_refresh"):
        assert getattr(tests, section) and getattr(tests, section).tests, f"no {section} tests"
    assert {test.status for test in tests.connection.tests} >= {"succeed", "failed"}
    for read in tests.basic_read.tests:
        assert read.validate_schema
        assert all(stream.bypass_reason for stream in read.empty_streams)
    for incremental in tests.incremental.tests:
        assert incremental.future_state and incremental.future_state.future_state_path
        catalog = json.loads((connector.folder / incremental.configured_catalog_path).read_text())
        state = json.loads((connector.folder / incremental.future_state.future_state_path).read_text())
        in_state = {message["stream"]["stream_descriptor"]["name"] for message in state}
        missing = {stream.name for stream in incremental.future_state.missing_streams if stream.bypass_reason}
        assert {entry["stream"]["name"] for entry in catalog["streams"]} <= in_state | missing


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_acceptance_test_config_names_files_that_exist(connector):
    """Every file it names is in the repository, except secrets/ (written from the sandbox by conftest)."""
    named = re.findall(r"(?:_path|future_state_path): \"?([^\s\"]+)", (connector.folder / "acceptance-test-config.yml").read_text())
    assert named
    for path in named:
        assert path.startswith("secrets/") or (connector.folder / path).is_file(), path


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_spec_configs_are_not_read_configs(connector):
    """The CDK passes --catalog to `spec` for a config also read with a catalog, and argparse exits."""
    tests = AcceptanceTestConfig.model_validate(acceptance_config(connector.folder)).acceptance_tests
    read_configs = {test.config_path for section in (tests.basic_read, tests.full_refresh) for test in section.tests}
    assert not {test.config_path for test in tests.spec.tests} & read_configs


def test_acceptance_config_checks_reject_what_the_runners_reject(tmp_path):
    """Neither check is vacuous: each rejects a key its runner rejects."""
    connector = CONNECTORS[0]
    config = acceptance_config(connector.folder)
    misspelt = json.loads(json.dumps(config))
    misspelt["acceptance_tests"]["incremental"]["tests"][0]["future_state"]["future_state_pth"] = "x.json"
    with pytest.raises(ValidationError):
        AcceptanceTestConfig.model_validate(misspelt)
    with pytest.raises(ValidationError):
        AcceptanceTestConfig.model_validate({**config, "test_strictness_level": "medium"})

    removed_key = json.loads(json.dumps(config))
    removed_key["acceptance_tests"]["basic_read"]["tests"][0]["expect_records"] = {"path": "integration_tests/expected.jsonl"}
    (tmp_path / "metadata.yaml").write_text((connector.folder / "metadata.yaml").read_text())
    (tmp_path / "acceptance-test-config.yml").write_text(yaml.safe_dump(removed_key))
    with pytest.raises(ValueError, match="expect_records"):
        standard_test_scenarios(tmp_path)


def spec_field_names(schema: dict) -> set[str]:
    """Every property name of a connection specification, nested objects and one-of branches included."""
    names = set()
    for name, field in schema.get("properties", {}).items():
        names |= {name} | spec_field_names(field)
        for branch in field.get("oneOf", []):
            names |= spec_field_names(branch)
    return names


def spec_constants(schema: dict) -> set[str]:
    """Every `const` of a connection specification (the providers' `provider_type`s, which the README's tables
    name in rows of their own)."""
    found = {schema["const"]} if isinstance(schema.get("const"), str) else set()
    for field in schema.get("properties", {}).values():
        found |= spec_constants(field)
        for branch in field.get("oneOf", []):
            found |= spec_constants(branch)
    return found


def readme_config_section() -> str:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    return readme.split("## The config each source asks for", 1)[1].split("\n## ", 1)[0]


def test_readme_config_tables_name_every_spec_field_and_no_other():
    section = readme_config_section()
    documented = set(re.findall(r"`([a-z_]+)`", section)) | set(re.findall(r"[{,] ?([a-z_]+)(?=[,}:]| \()", section))
    spec_fields, discriminators = set(), set()
    for connector in CONNECTORS:
        package = connector.name.replace("-", "_")
        spec = yaml.safe_load((connector.folder / package / "spec.yaml").read_text())
        spec_fields |= spec_field_names(spec["connectionSpecification"])
        discriminators |= spec_constants(spec["connectionSpecification"])
    assert spec_fields - documented == set()
    field_like = {name for name in re.findall(r"^\| `([a-z_]+)`", section, flags=re.MULTILINE)}
    assert field_like - spec_fields - discriminators == set()


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_allowed_hosts_are_hosts(connector):
    """Host names, `*.` wildcards, `*` or `${config.path}` references, never URLs (Airbyte matches hosts)."""
    hosts = ConnectorMetadata.model_validate(connector.metadata).data.allowedHosts.hosts
    for host in hosts:
        assert re.fullmatch(r"\*|(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+|\$\{[\w.]+\}", host), host


def test_sage_gl_allowed_hosts_cover_its_default_endpoint():
    sage_gl = next(connector for connector in CONNECTORS if connector.name == "source-sage-gl")
    spec = yaml.safe_load((sage_gl.folder / "source_sage_gl" / "spec.yaml").read_text())
    default_host = spec["connectionSpecification"]["properties"]["endpoint_url"]["default"].split("/")[2]
    assert default_host in sage_gl.metadata["data"]["allowedHosts"]["hosts"]


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_one_version_in_setup_py_metadata_and_changelog(connector):
    """As Airbyte's connector CI checks: the package version is the image tag, and the changelog has it."""
    [package_version] = re.findall(r'version="([^"]+)"', (connector.folder / "setup.py").read_text())
    changelog_versions = re.findall(r"^\| (\d+\.\d+\.\d+) \|", (connector.folder / "README.md").read_text(), flags=re.MULTILINE)
    assert package_version == connector.version
    assert changelog_versions and changelog_versions[0] == connector.version


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_build_context_leaves_out_secrets(connector):
    """The build stage copies the folder: its git-ignored secrets/ must never reach a build context."""
    ignored = (connector.folder / ".dockerignore").read_text().split()
    assert "secrets/" in ignored or "secrets" in ignored


def lock_inputs(connector) -> tuple[str, str]:
    return (connector.folder / "setup.py").read_text(), (connector.folder / LOCK_FILE).read_text()


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_lock_pins_exactly_what_setup_py_requires_with_hashes(connector):
    setup_py, lock = lock_inputs(connector)
    assert lock_problems(connector.name, setup_py, lock) == []


def test_lock_check_rejects_a_lock_that_setup_py_has_outgrown():
    """Not vacuous: a dependency setup.py gained, a version it moved to, a pin without hashes, a pin
    nothing requires and an index option each make the check fail, naming the package."""
    connector = CONNECTORS[0]
    setup_py, lock = lock_inputs(connector)
    gained = setup_py.replace("install_requires=[", 'install_requires=["tabulate>=0.9", ', 1)
    drifted = re.sub(r"airbyte-cdk==[\d.]+", "airbyte-cdk==7.40.0", setup_py)
    unhashed = re.sub(r"(lxml==[^ ]+) \\\n(    --hash=\S+ \\\n)*    --hash=\S+\n", r"\1\n", lock)
    stray = lock + "tabulate==0.9.0 \\\n    --hash=sha256:" + "0" * 64 + "\n    # via nothing-here\n"
    indexed = "--index-url https://mirror.example/simple\n" + lock
    assert unhashed != lock and drifted != setup_py and gained != setup_py
    cases = {"tabulate>=0.9": (gained, lock), "airbyte-cdk==7.40.0": (drifted, lock), "lxml": (setup_py, unhashed),
             "tabulate==0.9.0": (setup_py, stray), "--index-url": (setup_py, indexed)}
    for named, (setup_text, lock_text) in cases.items():
        problems = lock_problems(connector.name, setup_text, lock_text)
        assert problems and all(named in problem for problem in problems), (named, problems)


def pip_installs(dockerfile: str) -> list[str]:
    """Every `pip install` command of the Dockerfile's RUN instructions, in order."""
    commands = []
    for instruction in re.sub(r"\\\n", " ", dockerfile).splitlines():
        if instruction.startswith("RUN "):
            commands += [part.strip() for part in instruction[4:].split("&&") if "pip install" in part]
    return commands


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_dockerfile_installs_the_lock_and_resolves_nothing(connector):
    """The lock with --require-hashes, then the connector itself; both with --no-deps, so pip resolves
    nothing at build time, and nothing is built from source but the connector (with the locked setuptools)."""
    dockerfile = (connector.folder / "Dockerfile").read_text()
    lock_install, connector_install = pip_installs(dockerfile)
    assert {"--require-hashes", "--no-deps", "--only-binary", ":all:"} <= set(lock_install.split())
    assert f"-r {LOCK_FILE}" in lock_install
    assert {"--no-deps", "--no-build-isolation"} <= set(connector_install.split())
    assert connector_install.split()[-1] == "."
    assert dockerfile.index(f"COPY {LOCK_FILE} ") < dockerfile.index(lock_install)
