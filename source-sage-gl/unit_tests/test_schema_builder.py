"""The schema builder: lookup's fields over the packaged baseline, and what each query selects."""

import pytest

from source_sage_gl import schema_builder
from source_sage_gl.client import FieldDefinition

PACKAGED = {
    "type": "object",
    "required": ["RECORDNO", "LEGACYDIM"],
    "properties": {
        "RECORDNO": {"description": "Record number", "type": "integer"},
        "AMOUNT": {"description": "Base amount", "type": ["null", "string"], "airbyte_type": "number"},
        "LEGACYDIM": {"description": "A dimension this company has not enabled", "type": "string"},
    },
}


def lookup(*fields):
    return [FieldDefinition(name, label, data_type, custom) for name, label, data_type, custom in fields]


@pytest.mark.parametrize("data_type, expected", [
    ("INTEGER", {"type": ["null", "integer"]}),
    ("SEQUENCE", {"type": ["null", "integer"]}),
    ("DECIMAL", {"type": ["null", "string"], "airbyte_type": "number"}),
    ("CURRENCY", {"type": ["null", "string"], "airbyte_type": "number"}),
    ("PERCENT", {"type": ["null", "string"], "airbyte_type": "number"}),
    ("BOOLEAN", {"type": ["null", "boolean"]}),
    ("DATE", {"type": ["null", "string"], "format": "date"}),
    ("TIMESTAMP", {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"}),
    ("ENUM", {"type": ["null", "string"]}),
    ("TEXT", {"type": ["null", "string"]}),
])
def test_a_lookup_field_is_typed_from_its_datatype(data_type, expected):
    schema = schema_builder.field_schema(FieldDefinition("X", "Label", data_type, False))
    assert schema == {"description": "Label", **expected}


def test_every_lookup_field_is_added_and_selected_and_the_packaged_type_wins():
    built = schema_builder.build(PACKAGED, lookup(
        ("RECORDNO", "Record number", "INTEGER", False), ("AMOUNT", "Amount", "TEXT", False),
        ("TAXIMPLICATIONS", "Tax implications", "ENUM", False), ("GLDIMHOURS", "Hours", "DECIMAL", True),
        ("LEGACYDIM", "Legacy", "TEXT", False)))

    properties = built.json_schema["properties"]
    assert list(properties) == ["RECORDNO", "AMOUNT", "LEGACYDIM", "TAXIMPLICATIONS", "GLDIMHOURS"]
    assert properties["AMOUNT"] == {"description": "Base amount", "type": ["null", "string"], "airbyte_type": "number"}  # not TEXT
    assert properties["TAXIMPLICATIONS"] == {"description": "Tax implications", "type": ["null", "string"]}
    assert properties["GLDIMHOURS"] == {"description": "Hours (custom field)", "type": ["null", "string"],
                                         "airbyte_type": "number"}
    assert built.selected == ("RECORDNO", "AMOUNT", "LEGACYDIM", "TAXIMPLICATIONS", "GLDIMHOURS")
    assert built.baseline == ("RECORDNO", "AMOUNT", "LEGACYDIM")
    assert built.json_schema["required"] == ["RECORDNO", "LEGACYDIM"]
    assert PACKAGED["properties"]["LEGACYDIM"]["type"] == "string"  # the packaged schema is never changed


def test_a_packaged_field_lookup_does_not_list_stays_nullable_and_is_not_selected():
    built = schema_builder.build(PACKAGED, lookup(("RECORDNO", "Record number", "INTEGER", False),
                                                 ("AMOUNT", "Amount", "DECIMAL", False)))

    assert built.json_schema["properties"]["LEGACYDIM"]["type"] == ["null", "string"]
    assert built.json_schema["properties"]["LEGACYDIM"][schema_builder.NOT_IN_SOURCE] is True
    assert schema_builder.NOT_IN_SOURCE not in built.json_schema["properties"]["AMOUNT"]
    assert built.json_schema["required"] == ["RECORDNO"]
    assert built.selected == ("RECORDNO", "AMOUNT") and built.baseline == ("RECORDNO", "AMOUNT")


def test_an_empty_lookup_answer_selects_the_packaged_fields():
    built = schema_builder.build(PACKAGED, [])
    assert built.json_schema == PACKAGED
    assert built.selected == built.baseline == ("RECORDNO", "AMOUNT", "LEGACYDIM")
