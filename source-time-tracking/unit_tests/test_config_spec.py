"""spec.yaml (the published config) and the pydantic models (what the code reads) describe the same config:
every field, which are required, every default and every bound, in the config itself and in each provider."""

from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from source_time_tracking import SourceTimeTracking
from source_time_tracking.config import ApiKeyHeaderAuth, BasicAuth, BearerAuth
from source_time_tracking.generic_config import GenericIncremental, OffsetPagination
from source_time_tracking.connector_config import TimeTrackingConfig
from source_time_tracking.providers import PROVIDERS

SPEC = SourceTimeTracking().spec(None).connectionSpecification
BRANCHES = {branch["properties"]["provider_type"]["const"]: branch for branch in SPEC["properties"]["provider"]["oneOf"]}
AUTHS = {branch["properties"]["auth_type"]["const"]: branch
         for branch in BRANCHES["generic"]["properties"]["auth"]["oneOf"]}

PAIRS = {
    "config": (TimeTrackingConfig, SPEC),
    **{f"provider {name}": (provider.config_model, BRANCHES[name]) for name, provider in PROVIDERS.items()},
    "auth bearer": (BearerAuth, AUTHS["bearer"]),
    "auth api_key_header": (ApiKeyHeaderAuth, AUTHS["api_key_header"]),
    "auth basic": (BasicAuth, AUTHS["basic"]),
    "pagination": (OffsetPagination, BRANCHES["generic"]["properties"]["pagination"]),
    "incremental": (GenericIncremental, BRANCHES["generic"]["properties"]["incremental"]),
}


def test_the_spec_has_one_provider_branch_per_registered_provider_in_the_registry_order():
    assert list(BRANCHES) == list(PROVIDERS)


def _default(field) -> Any:
    if field.default_factory is not None:
        value = field.default_factory()
        return value.model_dump() if isinstance(value, BaseModel) else value
    return None if field.default is PydanticUndefined else field.default


def _spec_default(described: dict) -> Any:
    """The spec's default; a nested object without one defaults to its properties' defaults (or to {})."""
    if "default" in described:
        return described["default"]
    if described.get("type") == "object":
        return {key: prop.get("default") for key, prop in described.get("properties", {}).items()}
    return None


def _bound(field, name: str) -> Any:
    return next((getattr(rule, name) for rule in field.metadata if hasattr(rule, name)), None)


def _is_const(annotation) -> bool:
    return str(get_origin(annotation)) == "typing.Literal" and len(get_args(annotation)) == 1


@pytest.mark.parametrize("part", PAIRS)
def test_the_model_and_the_spec_have_the_same_fields_required_fields_defaults_and_bounds(part):
    model, schema = PAIRS[part]
    properties = schema["properties"]
    assert set(model.model_fields) == set(properties)
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    # header_name has a default in both and is listed as required in the spec's oneOf branch: required-with-default
    assert required == set(schema.get("required", [])) - {name for name in properties if "default" in properties[name]}
    for name, field in model.model_fields.items():
        if not field.is_required():
            assert _default(field) == _spec_default(properties[name]), name
        assert _bound(field, "ge") == properties[name].get("minimum"), name
        assert _bound(field, "le") == properties[name].get("maximum"), name
        if _is_const(field.annotation):
            assert get_args(field.annotation)[0] == properties[name]["const"], name
