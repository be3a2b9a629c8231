"""Which stream fields each mapping reads: what a schema change upstream would break.

Walks every place a staging field can appear in a source (field mappings, expressions, flags and their
filters, joins, primary keys, the filter); nested paths count as their top-level field, since a stream's
columns are its top-level fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .expressions import InvalidSnippet, field_paths, filter_expression, parse_snippet
from .models import Source
from .validation import LoadedMapping


@dataclass(frozen=True)
class FieldUse:
    connection: str
    stream: str
    field: str  # a top-level field of the stream
    target: str  # the mapping's target table
    file: str  # the mapping file
    used_as: str  # the target column it fills, or "filter", "joins.<alias>", "primary_key", "flag <column>"


def fields_read(mappings: Iterable[LoadedMapping]) -> list[FieldUse]:
    """Every (connection, stream, field) the mappings read, with the mapping that reads it.

    Snippets that do not parse are skipped here; validation reports them.
    """
    uses: list[FieldUse] = []
    for loaded in mappings:
        for source in loaded.mapping.sources:
            if source.connection and source.stream:
                uses += _SourceUses(loaded, source).collect()
    return uses


class _SourceUses:
    def __init__(self, loaded: LoadedMapping, source: Source):
        self.loaded, self.source = loaded, source
        self.join_streams = {join.name: join.stream for join in source.joins}
        self.uses: list[FieldUse] = []

    def add(self, stream: str, field: str, used_as: str) -> None:
        self.uses.append(FieldUse(self.source.connection, stream, field, self.loaded.table, self.loaded.file, used_as))

    def add_path(self, path: list[str], used_as: str) -> None:
        """A path of the source's own rows, or of a joined stream (by its alias)."""
        alias, rest = self.source.locate(path)
        if rest:
            self.add(self.join_streams[alias] if alias else self.source.stream, rest[0], used_as)

    def add_paths(self, paths: list[list[str]], used_as: str, stream: str | None) -> None:
        """Paths of `stream` when given (a flag's stream), else of the source's rows or its joins."""
        for path in paths:
            if stream:
                self.add(stream, path[0], used_as)
            else:
                self.add_path(path, used_as)

    def add_snippet(self, text: str, used_as: str) -> None:
        try:
            self.add_paths(field_paths(parse_snippet(text)), used_as, None)
        except InvalidSnippet:
            return

    def add_filter(self, filter_, used_as: str, stream: str | None = None) -> None:
        if filter_ is None:
            return
        try:
            self.add_paths(field_paths(filter_expression(filter_)), used_as, stream)
        except InvalidSnippet:
            return

    def collect(self) -> list[FieldUse]:
        source = self.source
        for path, column in source.field_mappings.items():
            self.add_path(path.split("."), column)
        for column, text in source.expressions.items():
            self.add_snippet(text, column)
        for column, flag in source.flags.items():
            self.add(flag.stream, flag.field.split(".")[0], f"flag {column}")
            self.add_filter(flag.filter, f"flag {column}", stream=flag.stream)
            for text in flag.matches:
                self.add_snippet(text, f"flag {column}")
        for join in source.joins:
            for mine, theirs in join.on.items():
                self.add_path(mine.split("."), f"joins.{join.name}")
                self.add(join.stream, theirs.split(".")[0], f"joins.{join.name}")
            for key in join.primary_key or []:
                self.add(join.stream, key.split(".")[0], f"joins.{join.name}")
        for key in source.primary_key or []:
            self.add_path(key.split("."), "primary_key")
        self.add_filter(source.filter, "filter")
        return self.uses
