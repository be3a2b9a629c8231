"""The Intacct objects as `lookup` and `query` see them: the seeded definitions and the changes made while serving.

An object's fields are the stored columns of its dataset (`schema.py`), then every other standard field of
`standard_fields.py`, which answers empty. `POST /_sandbox/schema` changes a company's object definitions the
way an administrator does in Intacct: a field is added (a standard field enabled later, or a new custom field),
removed, retyped, or made unselectable; `POST /_sandbox/reset` restores the seeded definitions. The stored data
never changes: each field reads its value through an SQL expression over the object's table (the column, NULL,
a constant, another field's column, or a conversion of one of those).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Callable, Mapping

from sandbox.mutations import MutationError, coerce
from sandbox.schema import INTACCT_OBJECTS, Column, ColumnType, Dataset

from .standard_fields import STANDARD_FIELDS

# What `lookup` reports as DATATYPE for a stored type, and the stored type of a DATATYPE.
DATATYPES: dict[str, str] = {"text": "TEXT", "integer": "INTEGER", "decimal": "DECIMAL", "date": "DATE",
                             "timestamp": "TIMESTAMP", "boolean": "BOOLEAN"}
_STORED_TYPES: dict[str, ColumnType] = {"INTEGER": "integer", "SEQUENCE": "integer", "DECIMAL": "decimal",
                                        "CURRENCY": "decimal", "PERCENT": "decimal", "NUMBER": "decimal",
                                        "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp"}
# Fields the system maintains: `lookup` reports them read-only, and no schema change may touch them (the
# emulator pages by the key and cursor, and restricts entity sessions by MEGAENTITYID).
SYSTEM_FIELDS = frozenset({"RECORDNO", "WHENCREATED", "WHENMODIFIED", "CREATEDBY", "MODIFIEDBY", "MEGAENTITYKEY",
                           "MEGAENTITYID", "MEGAENTITYNAME", "RECORD_URL", "ID", "ACCESSTIME"})
NO_DATA = "NULL"
# Type changes the sandbox can apply to stored values: (from, to) → SQL over the value `{v}` (never NULL).
_CONVERSIONS = {
    ("integer", "decimal"): "printf('%.2f', {v})",
    ("decimal", "integer"): "CAST(CAST({v} AS REAL) AS INTEGER)",
    ("boolean", "integer"): "{v}",
    ("integer", "boolean"): "(CASE WHEN {v} = 0 THEN 0 ELSE 1 END)",
    ("date", "timestamp"): "({v} || 'T00:00:00Z')",
    ("timestamp", "date"): "substr({v}, 1, 10)",
}
_FIELD_NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")
CHANGE_KEYS = {"object", "op", "field", "type", "label", "custom", "value", "copy_of", "datatype"}


class SchemaChangeError(ValueError):
    """A schema change that cannot be applied (nothing changed); the message says why."""


@dataclass(frozen=True)
class Field:
    column: Column  # name, the stored type of its values, label, custom
    datatype: str  # the DATATYPE `lookup` reports
    source: str  # SQL giving the value's stored form over the object's table
    selectable: bool = True  # False: `lookup` lists it, a query that selects it fails (as some PROJECT fields do)


@dataclass(frozen=True)
class ObjectDefinition:
    dataset: Dataset  # the table the object reads, with its stored columns
    fields: tuple[Field, ...]

    @property
    def name(self) -> str:
        return self.dataset.object_name

    def field(self, name: str) -> Field | None:
        for candidate in self.fields:
            if candidate.column.name == name:
                return candidate
        return None

    def queryable(self) -> Dataset:
        """The dataset as `query` sees it: the object's fields as its columns (the table stays the same)."""
        return replace(self.dataset, columns=tuple(field.column for field in self.fields))

    def sources(self) -> dict[str, str]:
        """The SQL of every field whose value is not simply its own stored column."""
        return {field.column.name: field.source for field in self.fields
                if field.source != _quoted(field.column.name)}


def _quoted(name: str) -> str:
    return f'"{name}"'


def seeded(dataset: Dataset) -> ObjectDefinition:
    """The stored columns, then the standard fields the sandbox has no data for."""
    fields = [Field(column, DATATYPES[column.type], _quoted(column.name)) for column in dataset.columns]
    stored = {column.name for column in dataset.columns}
    fields += [Field(Column(standard.name, _STORED_TYPES.get(standard.datatype, "text"), standard.label),
                     standard.datatype, NO_DATA)
               for standard in STANDARD_FIELDS.get(dataset.object_name, ()) if standard.name not in stored]
    return ObjectDefinition(dataset, tuple(fields))


class ObjectDefinitions:
    """The current definition of every Intacct object of one emulator (thread-safe)."""

    def __init__(self, datasets: Mapping[str, Dataset] = INTACCT_OBJECTS):
        self._seeded = {name: seeded(dataset) for name, dataset in datasets.items()}
        self._lock = threading.Lock()
        self._current = dict(self._seeded)

    def get(self, object_name: str) -> ObjectDefinition | None:
        with self._lock:
            return self._current.get(object_name.upper())

    def reset(self) -> None:
        with self._lock:
            self._current = dict(self._seeded)

    def describe(self, object_name: str) -> dict:
        """`GET /_sandbox/schema/<OBJECT>`: every field with its type, DATATYPE and whether it holds data."""
        definition = self.get(object_name)
        if definition is None:
            raise SchemaChangeError(f"unknown object {object_name!r}; expected one of {', '.join(self._seeded)}")
        return {"object": definition.name, "fields": [
            {"name": field.column.name, "type": field.column.type, "datatype": field.datatype,
             "label": field.column.label, "custom": field.column.custom, "selectable": field.selectable,
             "has_data": field.source != NO_DATA} for field in definition.fields]}

    def change(self, payload: Mapping) -> dict:
        """Apply one schema change (`POST /_sandbox/schema`); returns the changed field as `describe` shows it."""
        unknown = sorted(set(payload) - CHANGE_KEYS)
        if unknown:
            raise SchemaChangeError(f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(CHANGE_KEYS))}")
        object_name, op, name = (str(payload.get(key) or "").upper() for key in ("object", "op", "field"))
        operations: dict[str, Callable[[ObjectDefinition, str, Mapping], ObjectDefinition]] = {
            "ADD": _add, "REMOVE": _remove, "RETYPE": _retype, "UNSELECTABLE": _unselectable}
        if op not in operations:
            raise SchemaChangeError(f"op must be one of {', '.join(op.lower() for op in operations)}")
        if not name:
            raise SchemaChangeError("a schema change needs 'field'")
        with self._lock:
            definition = self._current.get(object_name)
            if definition is None:
                raise SchemaChangeError(f"unknown object {object_name!r}; expected one of {', '.join(self._seeded)}")
            if op != "ADD" and name in SYSTEM_FIELDS:
                raise SchemaChangeError(f"{object_name}.{name} is a system field; it cannot be changed")
            self._current[object_name] = operations[op](definition, name, payload)
        return {"object": object_name, "op": op.lower(), "field": name}


def _existing(definition: ObjectDefinition, name: str) -> Field:
    found = definition.field(name)
    if found is None:
        raise SchemaChangeError(f"{name} is not a field of object {definition.name}")
    return found


def _replaced(definition: ObjectDefinition, name: str, field: Field | None) -> ObjectDefinition:
    """The definition with field `name` replaced by `field` (None: removed), in place."""
    fields = tuple(field if candidate.column.name == name else candidate
                   for candidate in definition.fields if field is not None or candidate.column.name != name)
    return replace(definition, fields=fields)


def _column_type(payload: Mapping, default: ColumnType | None) -> ColumnType:
    column_type = payload.get("type") or default
    if column_type not in DATATYPES:
        raise SchemaChangeError(f"type must be one of {', '.join(DATATYPES)}")
    return column_type


def _add(definition: ObjectDefinition, name: str, payload: Mapping) -> ObjectDefinition:
    """A standard field enabled later or a new custom field (custom unless `"custom": false`)."""
    if not set(name) <= _FIELD_NAME_CHARACTERS or not name[0].isalpha():
        raise SchemaChangeError(f"{name!r} is not a valid field name (letters, digits, '_' and '.')")
    if definition.field(name) is not None:
        raise SchemaChangeError(f"{name} is already a field of object {definition.name}")
    if "value" in payload and "copy_of" in payload:
        raise SchemaChangeError("give 'value' (a constant) or 'copy_of' (another field's values), not both")
    copied = _existing(definition, str(payload["copy_of"]).upper()) if payload.get("copy_of") else None
    column_type = _column_type(payload, copied.column.type if copied else None)
    if copied is not None:
        source = _converted(copied.source, copied.column.type, column_type)
    elif payload.get("value") is not None:
        source = _literal(definition.dataset, Column(name, column_type), payload["value"])
    else:
        source = NO_DATA
    column = Column(name, column_type, str(payload.get("label") or name), bool(payload.get("custom", True)))
    datatype = str(payload.get("datatype") or DATATYPES[column_type]).upper()
    if _STORED_TYPES.get(datatype, "text") != column_type:
        raise SchemaChangeError(f"DATATYPE {datatype} does not hold {column_type} values")
    return replace(definition, fields=(*definition.fields, Field(column, datatype, source)))


def _remove(definition: ObjectDefinition, name: str, payload: Mapping) -> ObjectDefinition:
    _existing(definition, name)
    return _replaced(definition, name, None)


def _retype(definition: ObjectDefinition, name: str, payload: Mapping) -> ObjectDefinition:
    field = _existing(definition, name)
    column_type = _column_type(payload, None)
    source = _converted(field.source, field.column.type, column_type)
    return _replaced(definition, name, Field(replace(field.column, type=column_type), DATATYPES[column_type],
                                             source, field.selectable))


def _unselectable(definition: ObjectDefinition, name: str, payload: Mapping) -> ObjectDefinition:
    return _replaced(definition, name, replace(_existing(definition, name), selectable=False))


def _converted(source: str, old: ColumnType, new: ColumnType) -> str:
    if old == new or source == NO_DATA:
        return source
    template = "CAST({v} AS TEXT)" if new == "text" else _CONVERSIONS.get((old, new))
    if template is None:
        possible = sorted({f"{a}→{b}" for a, b in _CONVERSIONS} | {"any→text"})
        raise SchemaChangeError(f"cannot change a {old} field to {new}; possible: {', '.join(possible)}")
    return f"(CASE WHEN {source} IS NULL THEN NULL ELSE {template.format(v=source)} END)"


def _literal(dataset: Dataset, column: Column, value) -> str:
    """A constant in its stored form, written as an SQL literal (quotes doubled: never SQL from a client)."""
    try:
        stored = coerce(dataset, column, value)
    except MutationError as error:
        raise SchemaChangeError(str(error)) from error
    if isinstance(stored, int):
        return str(stored)
    return "'" + str(stored).replace("'", "''") + "'"
