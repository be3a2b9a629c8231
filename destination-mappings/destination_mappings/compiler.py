"""Mappings → sqlglot expressions for one database: its dialect and the columns its staging tables really have.

For each target the compiler builds one ``SELECT`` per source (its stream's rows deduplicated on the
primary key, keeping the latest ``_airbyte_extracted_at``; joins; flags; the filter; rows whose
``_airbyte_meta`` reports changes left out) and a query counting the rows left out. The sources are
``UNION ALL``-ed, aggregated when the target says so, and derived columns are computed last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from typing import Any, Mapping as MappingType

from sqlglot import exp

from .column_types import parse_type
from .expressions import column_path, filter_expression, parse_snippet
from .models import Flag, Join, Source, Target, Variable
from .naming import AmbiguousName, SchemaCatalog, Table
from .validation import LoadedMapping, MappingError

DIALECTS = ("postgres", "duckdb")
EXTRACTED_AT = "_airbyte_extracted_at"
META = "_airbyte_meta"
ROW_NUMBER = "_dm_row_number"
AGGREGATES = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max, "count": exp.Count,
              "bool_or": exp.LogicalOr, "bool_and": exp.LogicalAnd}


def identifier(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def table_ref(schema: str, name: str, catalog: str | None = None) -> exp.Table:
    return exp.Table(this=identifier(name), db=identifier(schema), catalog=identifier(catalog) if catalog else None)


def column_ref(name: str, relation: str | None = None) -> exp.Column:
    return exp.Column(this=identifier(name), table=identifier(relation) if relation else None)


@dataclass
class SourcePlan:
    label: str
    rows: exp.Select | None  # None: the staging table does not exist, the source adds no rows
    excluded: exp.Select | None  # counts rows left out because their _airbyte_meta reports changes


@dataclass
class TargetPlan:
    file: str
    table: str
    schema: str
    target: Target
    create: exp.Create
    insert: exp.Insert
    sources: list[SourcePlan]
    warnings: list[str] = field(default_factory=list)

    def sql(self, dialect: str) -> list[str]:
        """The statements that rebuild this target, rendered for a dialect (for display and tests)."""
        return [self.create.sql(dialect, identify=True), self.insert.sql(dialect, identify=True)]


class CompileError(Exception):
    def __init__(self, errors: list[MappingError]):
        self.errors = errors
        super().__init__("\n".join(map(str, errors)))


@dataclass
class Settings:
    """Where staging and targets live, and the values of mapping variables."""

    staging_schema: str = "staging"
    target_schema: str = "analytics"
    prefixes: MappingType[str, str] = field(default_factory=dict)  # connection → table prefix
    variables: MappingType[str, Any] = field(default_factory=dict)
    primary_keys: MappingType[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # from catalogs
    catalog: str | None = None  # DuckDB: the database name, so a file named like a schema is not ambiguous

    def prefix(self, connection: str) -> str:
        return self.prefixes.get(connection, f"{connection}__")


class _Relation:
    """A table in a FROM clause under an alias; resolves field paths to column references."""

    def __init__(self, compiler: "Compiler", alias: str, table: Table | None, label: str):
        self.compiler, self.alias, self.table, self.label = compiler, alias, table, label

    def ref(self, path: list[str], qualified: bool = True) -> exp.Expression:
        if self.table is None:
            return exp.null()
        try:
            stored = self.table.column(path[0])
        except AmbiguousName as error:
            raise _Unresolved(".".join(path), str(error)) from error
        if stored is None:
            raise _Unresolved(".".join(path), f"{self.label} has no column for field {path[0]!r}")
        column = column_ref(stored, self.alias if qualified else None)
        return self.compiler.json_text(column, path[1:]) if len(path) > 1 else column

    def has_column(self, name: str) -> bool:
        return self.table is not None and self.table.column(name) is not None


class _Unresolved(Exception):
    def __init__(self, field_name: str, message: str):
        self.field_name, self.message = field_name, message
        super().__init__(message)


class Compiler:
    def __init__(self, dialect: str, staging: SchemaCatalog, settings: Settings,
                 targets: MappingType[str, Target] | None = None):
        if dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {DIALECTS}")
        self.dialect, self.staging, self.settings = dialect, staging, settings
        self.targets = dict(targets or {})

    # -- dialect-specific pieces --------------------------------------------------------------------

    def json_text(self, column: exp.Expression, keys: list[str]) -> exp.Expression:
        """The text of a nested JSON value (staging keeps objects in json/jsonb columns)."""
        if self.dialect == "postgres":
            return exp.Anonymous(this="JSONB_EXTRACT_PATH_TEXT",
                                 expressions=[exp.cast(column, "jsonb"), *map(exp.Literal.string, keys)])
        json_path = "$" + "".join(f".{key}" if key.isidentifier() else f'."{key}"' for key in keys)
        return exp.Anonymous(this="JSON_EXTRACT_STRING", expressions=[column, exp.Literal.string(json_path)])

    def has_changes(self, relation: _Relation) -> exp.Expression:
        """True when the row's ``_airbyte_meta.changes`` is a non-empty array (a value was nulled or cut)."""
        meta = column_ref(relation.table.column(META), relation.alias)
        if self.dialect == "postgres":
            changes = exp.Anonymous(this="JSONB_EXTRACT_PATH", expressions=[exp.cast(meta, "jsonb"),
                                                                            exp.Literal.string("changes")])
            length = exp.Anonymous(this="JSONB_ARRAY_LENGTH", expressions=[changes])
        else:
            length = exp.Anonymous(this="JSON_ARRAY_LENGTH", expressions=[exp.cast(meta, "json"),
                                                                          exp.Literal.string("$.changes")])
        return exp.GT(this=exp.func("COALESCE", length, exp.Literal.number(0)), expression=exp.Literal.number(0))

    # -- relations ---------------------------------------------------------------------------------

    def stream_relation(self, connection: str, stream: str, alias: str) -> _Relation:
        name = f"{self.settings.prefix(connection)}{stream}"
        return _Relation(self, alias, self.staging.table(name), f"{self.staging.schema}.{name}")

    def target_relation(self, name: str, alias: str) -> _Relation:
        table = Table(self.settings.target_schema, name)
        for column in self.targets[name].columns:
            table.columns.setdefault(column.lower(), []).append(column)
        return _Relation(self, alias, table, f"{self.settings.target_schema}.{name}")

    def from_clause(self, relation: _Relation, key: list[str] | None) -> exp.Expression:
        """The relation's table, deduplicated on its key (latest ``_airbyte_extracted_at`` wins) when it has one."""
        table = table_ref(relation.table.schema, relation.table.name, self.settings.catalog)
        if not key:
            return table.as_(relation.alias, quoted=True)
        order = ([exp.Ordered(this=column_ref(relation.table.column(EXTRACTED_AT)), desc=True)]
                 if relation.has_column(EXTRACTED_AT) else [])
        window = exp.Window(this=exp.RowNumber(), partition_by=[relation.ref(path.split("."), qualified=False)
                                                                for path in key],
                            order=exp.Order(expressions=order) if order else None)
        ranked = exp.select(exp.Star(), exp.alias_(window, ROW_NUMBER, quoted=True)).from_(table)
        latest = (exp.select(exp.Star()).from_(ranked.subquery("_dm_ranked", copy=False))
                  .where(column_ref(ROW_NUMBER).eq(1)))
        return latest.subquery(relation.alias, copy=False)

    # -- one target --------------------------------------------------------------------------------

    def compile(self, loaded: LoadedMapping) -> TargetPlan:
        target = loaded.mapping.target
        self.targets.setdefault(target.table, target)
        errors: list[MappingError] = []
        warnings: list[str] = []
        sources = []
        for source in loaded.mapping.sources:
            try:
                sources.append(_SourceCompiler(self, target, source, warnings).compile())
            except _Unresolved as error:
                errors.append(MappingError(loaded.file, error.message, target=target.table, source=source.label,
                                           field=error.field_name))
        if errors:
            raise CompileError(errors)
        table = table_ref(self.settings.target_schema, target.table, self.settings.catalog)
        selects = [plan.rows for plan in sources if plan.rows is not None]
        if not selects:
            selects = [_empty_select(target)]
        rows = self.final_select(target, selects)
        insert = exp.Insert(this=exp.Schema(this=table, expressions=[identifier(name) for name in target.columns]),
                            expression=rows)
        return TargetPlan(loaded.file, target.table, self.settings.target_schema, target, create_table(table, target),
                          insert, sources, warnings)

    def final_select(self, target: Target, selects: list[exp.Select]) -> exp.Select:
        """UNION ALL of the sources, grouped by the primary key if aggregated, then derived columns."""
        union = reduce(lambda left, right: exp.union(left, right, distinct=False, copy=False), selects)
        rows: exp.Expression = union.subquery("_dm_rows", copy=False)
        if target.aggregated:
            keys = [column_ref(name) for name in target.primary_key]
            measures = [exp.alias_(AGGREGATES[column.aggregate](this=column_ref(name)), name, quoted=True)
                        for name, column in target.columns.items() if column.aggregate]
            rows = exp.select(*keys, *measures).from_(rows).group_by(*keys).subquery("_dm_totals", copy=False)
        projections = []
        for name, column in target.columns.items():
            value = (parse_snippet(column.expression).transform(_plain_columns) if column.expression
                     else column_ref(name))
            projections.append(exp.alias_(exp.cast(value, parse_type(column.type)), name, quoted=True))
        return exp.select(*projections).from_(rows)


class _SourceCompiler:
    def __init__(self, compiler: Compiler, target: Target, source: Source, warnings: list[str]):
        self.compiler, self.target, self.source, self.warnings = compiler, target, source, warnings
        self.relations: dict[str | None, _Relation] = {}

    def compile(self) -> SourcePlan:
        source, compiler = self.source, self.compiler
        if source.target is not None:
            base = compiler.target_relation(source.target, source.relation_alias)
        else:
            base = compiler.stream_relation(source.connection, source.stream, source.relation_alias)
        if base.table is None:
            self.warnings.append(f"{base.label} does not exist: source {source.label} adds no rows")
            return SourcePlan(source.label, None, None)
        self.relations[None] = base
        query = exp.select().from_(compiler.from_clause(base, self.key(source.connection, source.stream,
                                                                        source.primary_key)))
        for join in source.joins:
            query = self.join(query, join)
        conditions = [self.resolve(filter_expression(source.filter))] if source.filter is not None else []
        rows = query.copy().select(*self.projections())
        excluded = None
        if source.target is None and base.has_column(META):
            changed = compiler.has_changes(base)
            excluded = query.select(exp.Count(this=exp.Star())).where(exp.and_(*conditions, changed))
            conditions.append(exp.Not(this=changed.copy()))
        if conditions:
            rows = rows.where(exp.and_(*conditions), copy=False)
        return SourcePlan(source.label, rows, excluded)

    def key(self, connection: str | None, stream: str | None, declared: list[str] | None) -> list[str] | None:
        if declared is not None or connection is None:
            return declared
        return list(self.compiler.settings.primary_keys.get((connection, stream), ())) or None

    def join(self, query: exp.Select, join: Join) -> exp.Select:
        relation = self.compiler.stream_relation(self.source.connection, join.stream, join.name)
        if relation.table is None:
            self.warnings.append(f"{relation.label} does not exist: fields of join {join.name!r} are NULL "
                                 f"for source {self.source.label}")
            self.relations[join.name] = relation
            return query
        condition = exp.and_(*(self.resolve_path(mine.split(".")).eq(relation.ref(theirs.split(".")))
                               for mine, theirs in join.on.items()))
        self.relations[join.name] = relation
        from_ = self.compiler.from_clause(relation, self.key(self.source.connection, join.stream, join.primary_key))
        return query.join(from_, on=condition, join_type=join.kind.upper(), copy=False)

    def resolve_path(self, path: list[str]) -> exp.Expression:
        relation, rest = self.source.locate(path)
        return self.relations[relation].ref(rest)

    def resolve(self, expression: exp.Expression) -> exp.Expression:
        return expression.transform(
            lambda node: self.resolve_path(column_path(node)) if isinstance(node, exp.Column) else node)

    def projections(self) -> list[exp.Expression]:
        values: dict[str, exp.Expression] = {}
        for path, column in self.source.field_mappings.items():
            values[column] = self.resolve_path(path.split("."))
        for column, value in self.source.constants.items():
            values[column] = exp.convert(self.variable(column, value) if isinstance(value, Variable) else value)
        for column, text in self.source.expressions.items():
            values[column] = self.resolve(parse_snippet(text))
        for column, flag in self.source.flags.items():
            values[column] = self.flag(column, flag)
        return [exp.alias_(exp.cast(values.get(name, exp.null()), parse_type(column.type)), name, quoted=True)
                for name, column in self.target.columns.items() if column.expression is None]

    def variable(self, column: str, variable: Variable) -> Any:
        value = self.compiler.settings.variables.get(variable.var, variable.default)
        if value is None and self.target.required(column):
            raise _Unresolved(column, f"variable {variable.var!r} has no value and no default")
        return value

    def flag(self, column: str, flag: Flag) -> exp.Expression:
        relation = self.compiler.stream_relation(self.source.connection, flag.stream, f"_dm_{column}")
        if relation.table is None:
            self.warnings.append(f"{relation.label} does not exist: {column!r} is false for source {self.source.label}")
            return exp.false()
        found = relation.ref(flag.field.split("."))
        condition = exp.Not(this=exp.Is(this=found.copy(), expression=exp.null()))
        if flag.filter is not None:
            condition = exp.and_(condition, _resolve_in(relation, filter_expression(flag.filter)))
        lookup = exp.select(found).from_(table_ref(relation.table.schema, relation.table.name,
                                                   self.compiler.settings.catalog)
                                         .as_(relation.alias, quoted=True)).where(condition)
        matches = [self.resolve(parse_snippet(text)).isin(query=lookup.copy()) for text in flag.matches]
        return exp.func("COALESCE", exp.or_(*matches), exp.false())


def _resolve_in(relation: _Relation, expression: exp.Expression) -> exp.Expression:
    return expression.transform(
        lambda node: relation.ref(column_path(node)) if isinstance(node, exp.Column) else node)


def _plain_columns(node: exp.Expression) -> exp.Expression:
    """A derived column's expression reads the target's own columns by their exact, quoted names."""
    if isinstance(node, exp.Column):
        return column_ref(".".join(column_path(node)))
    return node


def _empty_select(target: Target) -> exp.Select:
    """No source has a staging table yet: a typed query with no rows, so the target is still (re)built."""
    return exp.select(*(exp.alias_(exp.cast(exp.null(), parse_type(column.type)), name, quoted=True)
                        for name, column in target.columns.items() if column.expression is None)).where(exp.false())


def create_table(table: exp.Table, target: Target) -> exp.Create:
    definitions: list[exp.Expression] = []
    for name, column in target.columns.items():
        constraints = [exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())] if target.required(name) else []
        definitions.append(exp.ColumnDef(this=identifier(name), kind=parse_type(column.type), constraints=constraints))
    if target.primary_key:
        definitions.append(exp.PrimaryKey(expressions=[identifier(name) for name in target.primary_key]))
    return exp.Create(this=exp.Schema(this=table.copy(), expressions=definitions), kind="TABLE")
