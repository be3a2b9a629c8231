"""The `acceptance-test-config.yml` fields that Airbyte's Docker-based acceptance-test runner (CAT) reads.

Modelled on `Config` in airbytehq/airbyte: airbyte-integrations/bases/connector-acceptance-test/
connector_acceptance_test/config.py (pydantic 1 there, `extra = "forbid"` on every model), limited to the
sections and keys these connectors use, so that a misspelt or misplaced key fails here as it fails there.
The CDK's in-process standard tests read the same file with their own, stricter model
(`airbyte_cdk.test.models.scenario`); the tests check the files against both.

The two runners disagree on one point: at `test_strictness_level: high`, CAT's `basic_read` fails
without `expect_records`, while airbyte-cdk 7.39 rejects `expect_records` (`REMOVED_ENTRY_KEYS`). A file
both accept therefore says `low`; `STRICT_RULES` in the tests enforce CAT's other `high` rules instead.
"""

from typing import Generic, Literal, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Forbid(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpecTest(_Forbid):
    spec_path: str
    config_path: str = "secrets/config.json"


class ConnectionTest(_Forbid):
    config_path: str = "secrets/config.json"
    status: Literal["succeed", "failed", "exception"] = "succeed"


class DiscoveryTest(_Forbid):
    config_path: str = "secrets/config.json"


class EmptyStream(_Forbid):
    name: str
    bypass_reason: Optional[str] = None


class BasicReadTest(_Forbid):
    config_path: str = "secrets/config.json"
    configured_catalog_path: Optional[str] = None
    empty_streams: list[EmptyStream] = Field(default_factory=list)
    validate_schema: bool = True


class FullRefreshTest(_Forbid):
    config_path: str = "secrets/config.json"
    configured_catalog_path: Optional[str] = None


class FutureState(_Forbid):
    future_state_path: Optional[str] = None
    missing_streams: list[EmptyStream] = Field(default_factory=list)
    bypass_reason: Optional[str] = None


class IncrementalTest(_Forbid):
    config_path: str = "secrets/config.json"
    configured_catalog_path: Optional[str] = None
    future_state: Optional[FutureState] = None


TestT = TypeVar("TestT")


class Section(_Forbid, Generic[TestT]):
    """CAT's `GenericTestConfig`: a list of tests, or a reason why there are none (not both)."""

    bypass_reason: Optional[str] = None
    tests: Optional[list[TestT]] = None

    @model_validator(mode="after")
    def _tests_or_bypass_reason(self):
        if self.tests and self.bypass_reason:
            raise ValueError("You can't set a bypass_reason if tests are set.")
        return self


class AcceptanceTests(_Forbid):
    spec: Optional[Section[SpecTest]] = None
    connection: Optional[Section[ConnectionTest]] = None
    discovery: Optional[Section[DiscoveryTest]] = None
    basic_read: Optional[Section[BasicReadTest]] = None
    full_refresh: Optional[Section[FullRefreshTest]] = None
    incremental: Optional[Section[IncrementalTest]] = None


class AcceptanceTestConfig(_Forbid):
    """A whole `acceptance-test-config.yml` (current format, not the pre-0.2.12 `tests:` one)."""

    connector_image: str
    test_strictness_level: Literal["low", "high"] = "low"
    acceptance_tests: AcceptanceTests
