"""The fields of Airbyte's connector metadata schema that these connectors must fill in.

Modelled on `ConnectorMetadataDefinitionV0` (airbytehq/airbyte: airbyte-ci/connectors/metadata_service/lib/
metadata_service/models/src/ConnectorMetadataDefinitionV0.yaml and its data fields): the schema's required
fields with their types, plus the fields Airbyte's own Python connectors always set and this project
requires (supportLevel, tags, connectorBuildOptions.baseImage pinned by digest, allowedHosts).
As in the schema (`additionalProperties: false`), `data` holds no key the schema does not define, so a
misspelt optional key fails; the optional keys these connectors do not use are accepted unchecked.
"""

import datetime
from typing import Any, Literal, Optional
from uuid import UUID

from pydantic import AnyUrl, BaseModel, ConfigDict, Field

SEMVER = r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$"
IMAGE_PINNED_BY_DIGEST = r"^[\w.-]+(:\d+)?(/[\w.-]+)+:[\w.-]+@sha256:[a-f0-9]{64}$"


class ConnectorBuildOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    baseImage: str = Field(pattern=IMAGE_PINNED_BY_DIGEST)


class AllowedHosts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hosts: list[str] = Field(min_length=1)


class SuggestedStreams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    streams: list[str]


class ConnectorTestSuiteOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    suite: Literal["unitTests", "integrationTests", "acceptanceTests", "liveTests"]


class ConnectorData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    definitionId: UUID
    connectorType: Literal["destination", "source"]
    dockerRepository: str = Field(pattern=r"^[a-z0-9._-]+/[a-z0-9._/-]+$")
    dockerImageTag: str = Field(pattern=SEMVER)
    license: str = Field(min_length=1)
    documentationUrl: AnyUrl
    githubIssueLabel: str = Field(min_length=1)
    connectorSubtype: Literal["api", "database", "datalake", "file", "custom", "message_queue", "unknown", "vectorstore"]
    releaseStage: Literal["alpha", "beta", "generally_available", "custom"]
    supportLevel: Literal["community", "certified", "archived"]
    tags: list[str] = Field(min_length=1)
    connectorBuildOptions: ConnectorBuildOptions
    allowedHosts: AllowedHosts
    # Optional keys of the schema, typed where these connectors set them.
    releaseDate: Optional[datetime.date] = None
    maxSecondsBetweenMessages: Optional[int] = None
    suggestedStreams: Optional[SuggestedStreams] = None
    connectorTestSuitesOptions: Optional[list[ConnectorTestSuiteOptions]] = None
    ab_internal: Optional[dict[str, Any]] = None
    icon: Optional[str] = None
    protocolVersion: Optional[str] = None
    supportsDbt: Optional[bool] = None
    supportsNormalization: Optional[bool] = None
    supportsRefreshes: Optional[bool] = None
    supportsFileTransfer: Optional[bool] = None
    registryOverrides: Optional[dict[str, Any]] = None
    releases: Optional[dict[str, Any]] = None
    resourceRequirements: Optional[dict[str, Any]] = None
    remoteRegistries: Optional[dict[str, Any]] = None
    externalDocumentationUrls: Optional[list[dict[str, Any]]] = None
    erdUrl: Optional[str] = None
    language: Optional[str] = None


class ConnectorMetadata(BaseModel):
    """A whole metadata.yaml document."""

    model_config = ConfigDict(extra="forbid")

    metadataSpecVersion: Literal["1.0"]
    data: ConnectorData
