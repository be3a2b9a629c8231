"""The sources' discovered Airbyte catalogs: which streams exist and what JSON type each field path has."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

# Columns every Airbyte destination adds to a stream's table (mappable like the stream's own fields).
AIRBYTE_COLUMNS = {
    "_airbyte_raw_id": {"type": "string"},
    "_airbyte_extracted_at": {"type": "string", "format": "date-time"},
}


class FieldNotFound(LookupError):
    """A field path does not exist in a stream's schema; the message names the closest fields."""


@dataclass(frozen=True)
class StreamSchema:
    name: str
    json_schema: Mapping[str, Any]
    primary_key: tuple[str, ...]

    def field_kinds(self, path: list[str]) -> frozenset[str] | None:
        """The JSON kinds (types, with `date`/`date-time` strings told apart) a field path may hold.

        None when the path enters a free-form object (its content is not declared, so not checkable).
        """
        schema: Mapping[str, Any] = {"type": "object", "properties": {**self.json_schema.get("properties", {}),
                                                                      **AIRBYTE_COLUMNS}}
        for depth, key in enumerate(path):
            properties = schema.get("properties")
            if properties is None:
                if "object" in _types(schema):
                    return None
                raise FieldNotFound(f"{'.'.join(path[:depth])} is not an object, so it has no {key!r}")
            if key not in properties:
                near = difflib.get_close_matches(key, list(properties), n=3)
                hint = f" (did you mean {', '.join(near)}?)" if near else ""
                raise FieldNotFound(f"no field {'.'.join(path[:depth + 1])!r} in the stream's schema{hint}")
            schema = properties[key]
        return _kinds(schema)


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type")
    if declared is None:
        options = schema.get("anyOf") or schema.get("oneOf") or []
        return set().union(*(_types(option) for option in options)) if options else set()
    return {declared} if isinstance(declared, str) else set(declared)


def _kinds(schema: Mapping[str, Any]) -> frozenset[str] | None:
    types = _types(schema) - {"null"}
    if not types:
        return None
    if schema.get("airbyte_type") == "integer":
        types = (types - {"number"}) | {"integer"}
    if schema.get("airbyte_type") == "number":  # a decimal carried as exact text
        types = (types - {"string"}) | {"number"}
    if "string" in types and schema.get("format") in ("date", "date-time"):
        types = (types - {"string"}) | {schema["format"]}
    return frozenset(types)


def parse_catalog(catalog: Mapping[str, Any]) -> dict[str, StreamSchema]:
    """Streams of an AirbyteCatalog (discover output) or of a configured catalog, by name."""
    streams = {}
    for entry in catalog.get("streams", []):
        stream = entry.get("stream", entry)
        key = stream.get("source_defined_primary_key") or entry.get("primary_key") or []
        primary_key = tuple(".".join(part) if isinstance(part, list) else part for part in key)
        streams[stream["name"]] = StreamSchema(stream["name"], stream.get("json_schema", {}), primary_key)
    return streams


def load_catalog_file(path: Path) -> dict[str, StreamSchema]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict) and "catalog" in data:  # a discover output message
        data = data["catalog"]
    return parse_catalog(data)


def as_streams(catalog: Any) -> dict[str, StreamSchema]:
    """A catalog given as a dict, a JSON file path, or a pydantic model (PyAirbyte's ``discovered_catalog``)."""
    if isinstance(catalog, (str, Path)):
        return load_catalog_file(Path(catalog))
    if hasattr(catalog, "model_dump"):
        catalog = catalog.model_dump(mode="json", exclude_none=True)
    return parse_catalog(catalog)
