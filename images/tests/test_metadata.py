"""Each connector's metadata.yaml holds what Airbyte's metadata schema requires, and its Dockerfile agrees."""

import re

import pytest
import yaml
from pydantic import ValidationError

from images.connectors import connectors
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
    ]
    for document in broken_documents:
        with pytest.raises(ValidationError):
            ConnectorMetadata.model_validate(document)


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda connector: connector.name)
def test_acceptance_tests_name_the_image_that_make_image_builds(connector):
    acceptance = yaml.safe_load((connector.folder / "acceptance-test-config.yml").read_text())
    assert acceptance["connector_image"] == f"{connector.repository}:dev"
    assert acceptance["connector_image"] in connector.tags
