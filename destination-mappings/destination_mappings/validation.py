"""Checks run before anything touches a database; every problem is collected and reported at once.

A mapping is checked on its own (types, keys, coverage of primary-key and NOT NULL columns, snippets that
parse), against the other mappings (targets read by targets exist, no cycles), and against the discovered
catalog of each connection it reads (streams, field paths, casts). A connection without a catalog is
reported as unchecked, not as an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Iterable, Mapping as MappingType

from .catalog import FieldNotFound, StreamSchema
from .column_types import JSON_KIND_OF, UnsupportedType, castable, kind_of, parse_type
from .expressions import InvalidSnippet, field_paths, filter_expression, parse_snippet
from .models import Mapping, Source

Catalogs = MappingType[str, MappingType[str, StreamSchema]]  # connection → stream name → schema


@dataclass(frozen=True)
class MappingError:
    file: str
    message: str
    target: str | None = None
    source: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = [f"target {self.target}"] if self.target else []
        where += [f"source {self.source}"] if self.source else []
        where += [f"field {self.field!r}"] if self.field else []
        return f"{self.file}: {' / '.join(where)}: {self.message}" if where else f"{self.file}: {self.message}"


class MappingValidationError(Exception):
    """The mappings are not valid; ``errors`` holds every problem found."""

    def __init__(self, errors: list[MappingError]):
        self.errors = errors
        super().__init__(f"{len(errors)} mapping error(s):\n" + "\n".join(f"  - {error}" for error in errors))


@dataclass(frozen=True)
class LoadedMapping:
    file: str
    mapping: Mapping

    @property
    def table(self) -> str:
        return self.mapping.target.table


@dataclass
class ValidationResult:
    errors: list[MappingError] = field(default_factory=list)
    unchecked_connections: set[str] = field(default_factory=set)
    order: list[LoadedMapping] = field(default_factory=list)  # targets in build order (dependencies first)
    primary_keys: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (connection, stream)

    def raise_for_errors(self) -> None:
        if self.errors:
            raise MappingValidationError(self.errors)


def validate(mappings: Iterable[LoadedMapping], catalogs: Catalogs | None = None) -> ValidationResult:
    mappings = list(mappings)
    result = ValidationResult()
    result.primary_keys = {(connection, name): stream.primary_key
                           for connection, streams in (catalogs or {}).items() for name, stream in streams.items()}
    by_table: dict[str, LoadedMapping] = {}
    for loaded in mappings:
        if loaded.table in by_table:
            result.errors.append(MappingError(loaded.file, f"target table also defined in {by_table[loaded.table].file}",
                                              target=loaded.table))
        by_table.setdefault(loaded.table, loaded)
    for loaded in mappings:
        checker = _MappingChecker(loaded, by_table, catalogs or {}, result)
        checker.check()
    result.order = _build_order(mappings, by_table, result)
    return result


def _build_order(mappings: list[LoadedMapping], by_table: dict[str, LoadedMapping],
                 result: ValidationResult) -> list[LoadedMapping]:
    graph = {loaded.table: {source.target for source in loaded.mapping.sources if source.target in by_table}
             for loaded in mappings}
    try:
        return [by_table[table] for table in TopologicalSorter(graph).static_order()]
    except CycleError as error:
        cycle = " → ".join(error.args[1])
        first = by_table[error.args[1][0]]
        result.errors.append(MappingError(first.file, f"targets read each other in a cycle: {cycle}", target=first.table))
        return []


class _MappingChecker:
    def __init__(self, loaded: LoadedMapping, by_table: dict[str, LoadedMapping], catalogs: Catalogs,
                 result: ValidationResult):
        self.loaded, self.target = loaded, loaded.mapping.target
        self.by_table, self.catalogs, self.result = by_table, catalogs, result
        self.kinds: dict[str, str] = {}

    def error(self, message: str, source: Source | None = None, field_name: str | None = None) -> None:
        self.result.errors.append(MappingError(self.loaded.file, message, target=self.target.table,
                                               source=source.label if source else None, field=field_name))

    def check(self) -> None:
        self.check_target()
        for source in self.loaded.mapping.sources:
            self.check_coverage(source)
            if source.target is not None:
                self.check_target_source(source)
            else:
                self.check_stream_source(source)

    # -- the target on its own ------------------------------------------------------------------------

    def check_target(self) -> None:
        for name, column in self.target.columns.items():
            try:
                self.kinds[name] = kind_of(parse_type(column.type))
            except UnsupportedType as error:
                self.error(str(error), field_name=name)
            if column.expression is not None:
                self.check_snippet(column.expression, name, allowed=self.stored_columns())
        for name in self.target.primary_key:
            if name not in self.target.columns:
                self.error("primary key column is not a column of the target", field_name=name)
        if self.target.aggregated:
            if not self.target.primary_key:
                self.error("an aggregated target needs a primary key (its rows are grouped by it)")
            for name, column in self.target.columns.items():
                keyed = name in self.target.primary_key
                if keyed and column.aggregate:
                    self.error("a primary key column is a grouping column and takes no aggregate", field_name=name)
                if not keyed and not column.aggregate and column.expression is None:
                    self.error("in an aggregated target every column outside the primary key needs an aggregate",
                               field_name=name)

    def stored_columns(self) -> list[str]:
        """Columns the sources fill, in order (the others are derived by an expression after union/aggregation)."""
        return [name for name, column in self.target.columns.items() if column.expression is None]

    def check_snippet(self, text: str, field_name: str, source: Source | None = None,
                      allowed: list[str] | None = None) -> list[list[str]]:
        try:
            paths = field_paths(parse_snippet(text))
        except InvalidSnippet as error:
            self.error(str(error), source, field_name)
            return []
        if allowed is not None:
            for path in paths:
                if ".".join(path) not in allowed:
                    self.error(f"expression reads {'.'.join(path)!r}, which is not one of {sorted(allowed)}",
                               source, field_name)
        return paths

    # -- what every source must fill ------------------------------------------------------------------

    def check_coverage(self, source: Source) -> None:
        seen: dict[str, str] = {}
        for column, kind in source.produced_columns():
            if column not in self.target.columns:
                self.error(f"{kind} fill {column!r}, which is not a column of the target", source, column)
            elif self.target.columns[column].expression is not None:
                self.error(f"{kind} fill {column!r}, which the target derives by an expression", source, column)
            elif column in seen:
                self.error(f"filled twice (by {seen[column]} and {kind})", source, column)
            seen.setdefault(column, kind)
        for column in self.stored_columns():
            if self.target.required(column) and column not in seen:
                reason = "primary key" if column in self.target.primary_key else "NOT NULL"
                self.error(f"{reason} column is not filled by this source", source, column)

    # -- sources reading another target ---------------------------------------------------------------

    def check_target_source(self, source: Source) -> None:
        other = self.by_table.get(source.target)
        if other is None:
            self.error(f"reads target {source.target!r}, which no mapping defines", source)
            return
        columns = {name: JSON_KIND_OF.get(_safe_kind(column.type), "string")
                   for name, column in other.mapping.target.columns.items()}

        def kinds_of(path: list[str]) -> frozenset[str] | None:
            name = ".".join(path)
            if name not in columns:
                raise FieldNotFound(f"target {source.target!r} has no column {name!r}")
            return frozenset({columns[name]})

        self.check_fields(source, kinds_of)

    # -- sources reading a staging stream -------------------------------------------------------------

    def check_stream_source(self, source: Source) -> None:
        streams = self.catalogs.get(source.connection)
        if streams is None:
            self.result.unchecked_connections.add(source.connection)
            self.check_fields(source, None)
            return

        def stream_schema(name: str, field_name: str | None = None) -> StreamSchema | None:
            if name not in streams:
                self.error(f"stream {name!r} is not in the catalog of connection {source.connection!r} "
                           f"(streams: {', '.join(sorted(streams))})", source, field_name)
            return streams.get(name)

        schemas = {source.relation_alias: stream_schema(source.stream)}
        for join in source.joins:
            schemas[join.name] = stream_schema(join.stream)
        if schemas[source.relation_alias] is None:
            return
        def kinds_of(path: list[str]) -> frozenset[str] | None:
            relation, rest = source.locate(path)
            schema = schemas[relation or source.relation_alias]
            return schema.field_kinds(rest) if schema else None

        self.check_fields(source, kinds_of)
        for join in source.joins:
            if schemas[join.name] is not None:
                for path in (join.primary_key or []) + list(join.on.values()):
                    self.check_path(source, lambda p, s=schemas[join.name]: s.field_kinds(p), path.split("."),
                                    f"joins.{join.name}")
        for column, flag in source.flags.items():
            schema = stream_schema(flag.stream, column)
            if schema is not None:
                self.check_path(source, schema.field_kinds, flag.field.split("."), column)
                self.check_filter(source, flag.filter, schema.field_kinds, column)

    # -- field paths, shared by both kinds of source --------------------------------------------------

    def check_fields(self, source: Source, kinds_of) -> None:
        """Every path the source reads exists (when a schema is known), and mapped fields cast to their column."""
        for path_text, column in source.field_mappings.items():
            kinds = self.check_path(source, kinds_of, path_text.split("."), path_text)
            if kinds is not None and column in self.kinds and not castable(kinds, self.kinds[column]):
                self.error(f"holds JSON {'/'.join(sorted(kinds))}, which cannot be cast to "
                           f"{self.target.columns[column].type} (column {column!r})", source, path_text)
        for column, text in source.expressions.items():
            for path in self.check_snippet(text, column, source):
                self.check_path(source, kinds_of, path, column)
        for column, flag in source.flags.items():
            for text in flag.matches:
                for path in self.check_snippet(text, column, source):
                    self.check_path(source, kinds_of, path, column)
        for join in source.joins:
            for path_text in join.on:
                self.check_path(source, kinds_of, path_text.split("."), f"joins.{join.name}")
        for path_text in source.primary_key or []:
            self.check_path(source, kinds_of, path_text.split("."), "primary_key")
        self.check_filter(source, source.filter, kinds_of, "filter")

    def check_filter(self, source: Source, filter_, kinds_of, field_name: str) -> None:
        if filter_ is None:
            return
        try:
            paths = field_paths(filter_expression(filter_))
        except InvalidSnippet as error:
            self.error(str(error), source, field_name)
            return
        for path in paths:
            self.check_path(source, kinds_of, path, field_name)

    def check_path(self, source: Source, kinds_of, path: list[str], field_name: str) -> frozenset[str] | None:
        if kinds_of is None:
            return None
        try:
            return kinds_of(path)
        except FieldNotFound as error:
            self.error(str(error), source, field_name)
            return None


def _safe_kind(type_text: str) -> str:
    try:
        return kind_of(parse_type(type_text))
    except UnsupportedType:
        return "text"
