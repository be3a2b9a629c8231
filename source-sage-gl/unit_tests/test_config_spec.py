"""spec.yaml (the published config) and `IntacctConfig` (what the code reads) describe the same config: every
field, which are required, every default and every bound."""

from dataclasses import fields
from datetime import timedelta

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_sage_gl import SourceSageGl
from source_sage_gl.config import REQUIRED_FIELDS, IntacctConfig

SPEC = SourceSageGl().spec(None).connectionSpecification
PROPERTIES = SPEC["properties"]
MINIMAL = {"company_id": "FAKE-CO", "sender_id": "s", "sender_password": "p", "user_id": "u", "user_password": "p",
           "start_date": "2026-01-01T00:00:00Z"}
SPEC_NAMES = {"lookback": "lookback_minutes"}  # IntacctConfig field → spec property, where they differ
AS_SPEC_VALUE = {"lookback": lambda value: value // timedelta(minutes=1)}
BOUNDED = sorted((name, key) for name, prop in PROPERTIES.items() for key in ("minimum", "maximum") if key in prop)


def test_the_spec_and_the_config_have_the_same_fields_and_required_fields():
    assert {SPEC_NAMES.get(field.name, field.name) for field in fields(IntacctConfig)} == set(PROPERTIES)
    assert set(REQUIRED_FIELDS) == set(SPEC["required"])


def test_a_minimal_config_reads_every_default_of_the_spec():
    parsed = IntacctConfig.from_mapping(MINIMAL)
    for field in fields(IntacctConfig):
        name = SPEC_NAMES.get(field.name, field.name)
        if name not in REQUIRED_FIELDS:
            value = AS_SPEC_VALUE.get(field.name, lambda v: v)(getattr(parsed, field.name))
            assert value == PROPERTIES[name].get("default"), name


@pytest.mark.parametrize("name,bound", BOUNDED)
def test_the_config_accepts_each_bound_of_the_spec_and_refuses_one_beyond(name, bound):
    limit = PROPERTIES[name][bound]
    IntacctConfig.from_mapping({**MINIMAL, name: limit})
    beyond = limit - 1 if bound == "minimum" else limit + 1
    with pytest.raises(AirbyteTracedException) as refused:
        IntacctConfig.from_mapping({**MINIMAL, name: beyond})
    assert refused.value.failure_type == FailureType.config_error and name in refused.value.message
