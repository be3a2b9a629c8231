"""The mapping file format: one target table per file, fed by one or more sources.

The models only check the shape of a file; what a file means against the sources' catalogs and the other
mappings is checked in `validation.py`, so that every problem is reported at once.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Scalar = Union[str, int, float, bool, None]
Aggregate = Literal["sum", "min", "max", "count", "bool_or", "bool_and"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Column(_Strict):
    """A typed target column. ``expression`` makes it derived from the target's other columns."""

    type: str
    nullable: bool = True
    description: str = ""
    aggregate: Aggregate | None = None
    expression: str | None = None


class Target(_Strict):
    table: str
    description: str = ""
    primary_key: list[str] = Field(default_factory=list)
    columns: dict[str, Column]

    @field_validator("columns", mode="before")
    @classmethod
    def _type_shorthand(cls, columns: Any) -> Any:
        """``amount: "numeric(18,2)"`` is short for ``amount: {type: "numeric(18,2)"}``."""
        if isinstance(columns, dict):
            return {name: {"type": spec} if isinstance(spec, str) else spec for name, spec in columns.items()}
        return columns

    @property
    def aggregated(self) -> bool:
        return any(column.aggregate for column in self.columns.values())

    def required(self, name: str) -> bool:
        return name in self.primary_key or not self.columns[name].nullable


class Variable(_Strict):
    """A constant whose value is given at apply time (``variables={...}`` / ``--var name=value``)."""

    var: str
    default: Scalar = None


class Join(_Strict):
    """Another stream of the same connection, joined to the source's rows (``on``: this row's field → theirs)."""

    stream: str
    alias: str | None = None
    on: dict[str, str]
    kind: Literal["left", "inner"] = "left"
    primary_key: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _yaml_on_key(cls, data: Any) -> Any:
        """YAML 1.1 reads an unquoted ``on:`` key as the boolean true; take it as ``on``."""
        if isinstance(data, dict) and True in data:
            data = {("on" if key is True else key): value for key, value in data.items()}
        return data

    @property
    def name(self) -> str:
        return self.alias or self.stream


Filter = Union[str, dict[str, Union[Scalar, list[Scalar]]]]


class Flag(_Strict):
    """A boolean column: true when any of ``matches`` (expressions over this row) is found in ``stream.field``."""

    stream: str
    field: str
    matches: list[str] = Field(min_length=1)
    filter: Filter | None = None


class Source(_Strict):
    """One feed of a target: a staging stream of a connection, or another target (``target:``)."""

    name: str | None = None
    connection: str | None = None
    stream: str | None = None
    target: str | None = None
    alias: str | None = None
    primary_key: list[str] | None = None
    joins: list[Join] = Field(default_factory=list)
    field_mappings: dict[str, str] = Field(default_factory=dict)
    constants: dict[str, Union[Variable, Scalar]] = Field(default_factory=dict)
    expressions: dict[str, str] = Field(default_factory=dict)
    flags: dict[str, Flag] = Field(default_factory=dict)
    filter: Filter | None = None

    @model_validator(mode="after")
    def _one_origin(self) -> "Source":
        if self.target is None and not (self.connection and self.stream):
            raise ValueError("a source names either `connection` and `stream`, or `target`")
        if self.target is not None and (self.connection or self.stream or self.joins or self.flags):
            raise ValueError("a `target` source takes no `connection`, `stream`, `joins` or `flags`")
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return f"target {self.target}" if self.target else f"{self.connection}.{self.stream}"

    @property
    def relation_alias(self) -> str:
        return self.alias or self.stream or self.target

    def locate(self, path: list[str]) -> tuple[str | None, list[str]]:
        """Split a field path into (join alias, or None for the source's own rows; the path inside it)."""
        if len(path) > 1 and path[0] == self.relation_alias:
            return None, path[1:]
        if len(path) > 1 and path[0] in {join.name for join in self.joins}:
            return path[0], path[1:]
        return None, path

    def produced_columns(self) -> list[tuple[str, str]]:
        """(target column, how it is produced) for every column this source fills, in file order."""
        produced = [(column, "field_mappings") for column in self.field_mappings.values()]
        produced += [(column, kind) for kind in ("constants", "expressions", "flags") for column in getattr(self, kind)]
        return produced


class Mapping(_Strict):
    target: Target
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _seed_form(cls, data: Any) -> Any:
        """Accept the seed's ``{"from", "to", "field_mappings"}`` form: text columns, one source.

        ``from`` names the connection (``"Sage GL"`` → ``sage_gl``); the stream is ``stream`` when given, else
        the target's name.
        """
        if not isinstance(data, dict) or "to" not in data:
            return data
        unknown = set(data) - {"from", "to", "field_mappings", "stream", "primary_key"}
        if unknown:
            raise ValueError(f"unknown keys in the from/to form: {sorted(unknown)}")
        fields = data.get("field_mappings") or {}
        connection = re.sub(r"[^a-z0-9]+", "_", str(data.get("from", "")).lower()).strip("_")
        return {
            "target": {"table": data["to"], "primary_key": data.get("primary_key", []),
                       "columns": {column: "text" for column in fields.values()}},
            "sources": [{"connection": connection, "stream": data.get("stream", data["to"]),
                         "field_mappings": fields}],
        }
