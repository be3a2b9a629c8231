"""A stream's JSON schema from the object's `lookup`, with the packaged schema as the typed baseline.

- Every field `lookup` lists is in the schema, standard and custom alike, so the standard fields a company
  enables reach staging. A packaged field keeps its packaged type and description (the dashboard's mappings
  rely on them); any other field is typed from its DATATYPE (`field_schema`).
- A packaged field `lookup` does not list (a feature this company has not enabled, or a field removed) stays
  in the schema, made nullable, so the stream's columns do not depend on the company, but it is not selected:
  Intacct fails a query that selects a field the object does not have. Its value is always null, and its
  schema says so with `NOT_IN_SOURCE: true`, so a pipeline can tell a field removed in Intacct (that a
  mapping may read) from a field that is merely empty.
- An empty `lookup` answer tells nothing about the object: the packaged fields are selected, as before.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Sequence, Tuple

from source_sage_gl.client import FieldDefinition
from source_sage_gl.values import DECIMAL_SCHEMA

# `lookup` DATATYPE → JSON schema; any other DATATYPE (TEXT, ENUM, …) is a string. Decimals are exact text
# (DECIMAL_SCHEMA, see values.py).
_LOOKUP_TYPES: Dict[str, Dict[str, Any]] = {
    "INTEGER": {"type": ["null", "integer"]},
    "SEQUENCE": {"type": ["null", "integer"]},
    "DECIMAL": DECIMAL_SCHEMA,
    "CURRENCY": DECIMAL_SCHEMA,
    "PERCENT": DECIMAL_SCHEMA,
    "NUMBER": DECIMAL_SCHEMA,
    "BOOLEAN": {"type": ["null", "boolean"]},
    "DATE": {"type": ["null", "string"], "format": "date"},
    "TIMESTAMP": {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"},
    "DATETIME": {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"},
}


# JSON-schema annotation of a field kept in the schema that the source does not send (always null).
NOT_IN_SOURCE = "x-not-in-source"


@dataclass(frozen=True)
class StreamSchema:
    json_schema: Mapping[str, Any]
    selected: Tuple[str, ...]  # the fields each query selects, in schema order
    baseline: Tuple[str, ...]  # the selected packaged fields: a query that cannot select one of them must fail


def field_schema(field: FieldDefinition) -> Dict[str, Any]:
    """The JSON schema of a field `lookup` lists and the packaged schema does not."""
    schema = copy.deepcopy(_LOOKUP_TYPES.get(field.data_type, {"type": ["null", "string"]}))
    label = field.label or field.name
    return {"description": f"{label} (custom field)" if field.is_custom else label, **schema}


def _nullable(schema: Mapping[str, Any]) -> Dict[str, Any]:
    types = schema.get("type", "string")
    types = [types] if isinstance(types, str) else list(types)
    return {**schema, "type": types if "null" in types else ["null", *types]}


def build(packaged: Mapping[str, Any], fields: Sequence[FieldDefinition]) -> StreamSchema:
    """The stream's schema and selection from its packaged schema and the object's `lookup` fields."""
    schema = copy.deepcopy(dict(packaged))
    packaged_properties: Dict[str, Any] = schema["properties"]
    if not fields:
        names = tuple(packaged_properties)
        return StreamSchema(schema, names, names)
    listed = {field.name: field for field in fields}
    properties: Dict[str, Any] = {}
    for name, property_schema in packaged_properties.items():
        properties[name] = property_schema if name in listed else {**_nullable(property_schema), NOT_IN_SOURCE: True}
    for field in fields:
        if field.name not in properties:
            properties[field.name] = field_schema(field)
    schema["properties"] = properties
    unlisted = set(packaged_properties) - set(listed)
    if "required" in schema:
        schema["required"] = [name for name in schema["required"] if name not in unlisted]
    selected = tuple(name for name in properties if name in listed)
    baseline = tuple(name for name in packaged_properties if name in listed)
    return StreamSchema(schema, selected, baseline)
