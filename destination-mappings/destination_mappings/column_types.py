"""Target column types: parsing them with sqlglot, and which JSON-schema values can be cast to them."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import ParseError

DType = exp.DataType.Type

_KINDS = {
    "text": {DType.TEXT, DType.VARCHAR, DType.CHAR, DType.NVARCHAR, DType.NCHAR},
    "integer": {DType.TINYINT, DType.SMALLINT, DType.INT, DType.BIGINT},
    "number": {DType.DECIMAL, DType.DOUBLE, DType.FLOAT, DType.BIGDECIMAL},
    "boolean": {DType.BOOLEAN},
    "date": {DType.DATE},
    "timestamp": {DType.TIMESTAMP, DType.TIMESTAMPTZ, DType.TIMESTAMPLTZ},
    "json": {DType.JSON, DType.JSONB},
}

# Which JSON values (a JSON-schema type, strings split by their `format`) each kind of column accepts.
_CASTABLE = {
    "text": {"string", "date", "date-time", "integer", "number", "boolean", "object", "array"},
    "integer": {"string", "integer", "number", "boolean"},
    "number": {"string", "integer", "number"},
    "boolean": {"string", "boolean"},
    "date": {"string", "date", "date-time"},
    "timestamp": {"string", "date", "date-time"},
    "json": {"object", "array"},
}

# The JSON value a target column holds when another target reads it.
JSON_KIND_OF = {"text": "string", "integer": "integer", "number": "number", "boolean": "boolean",
                "date": "date", "timestamp": "date-time", "json": "object"}


class UnsupportedType(ValueError):
    pass


def parse_type(type_text: str) -> exp.DataType:
    try:
        data_type = exp.DataType.build(type_text, dialect="postgres")
    except (ParseError, ValueError) as error:
        raise UnsupportedType(f"unknown column type {type_text!r}") from error
    kind_of(data_type)
    return data_type


def kind_of(data_type: exp.DataType) -> str:
    for kind, members in _KINDS.items():
        if data_type.this in members:
            return kind
    raise UnsupportedType(f"unsupported column type {data_type.sql('postgres')!r} (use one of: "
                          "text, integer, bigint, numeric(p,s), double precision, boolean, date, timestamptz, jsonb)")


def castable(json_kinds: frozenset[str], column_kind: str) -> bool:
    """Whether every non-null JSON kind a field may hold can be cast to a column of this kind."""
    return json_kinds <= _CASTABLE[column_kind]
