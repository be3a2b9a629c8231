"""The `query` function: its XML read into a `Query`, and the `Query` compiled to parameterized SQL.

Field names only ever come from the object's definition (`objects.py`: a field the object does not have
is an error, never SQL), and every filter value is a bound parameter. Filter values arrive in the user's
formats (`formatting.py`: dates and timestamps in the user's date format, clock and time zone) and are
converted to the stored UTC form before they are compared; a value in another format is an invalid value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from lxml import etree

from sandbox.schema import Column, Dataset

from . import errors, formatting
from .envelope import text
from .objects import ObjectDefinition

MAX_PAGE_SIZE = 2000
DEFAULT_PAGE_SIZE = 100
ENTITY_COLUMN = "MEGAENTITYID"

# operator → (SQL template over the column expression `{c}`, how many <value>s it takes: n or (min, None))
_COMPARISONS = {
    "equalto": ("{c} = ?", 1),
    "notequalto": ("{c} <> ?", 1),
    "lessthan": ("{c} < ?", 1),
    "lessthanorequalto": ("{c} <= ?", 1),
    "greaterthan": ("{c} > ?", 1),
    "greaterthanorequalto": ("{c} >= ?", 1),
    "between": ("{c} BETWEEN ? AND ?", 2),
    "in": ("{c} IN ({marks})", (1, None)),
    "notin": ("{c} NOT IN ({marks})", (1, None)),
    "like": ("{c} {like} ?", 1),
    "notlike": ("{c} NOT {like} ?", 1),
    "isnull": ("{c} IS NULL", 0),
    "isnotnull": ("{c} IS NOT NULL", 0),
}
_LIKE_OPERATORS = ("like", "notlike")


@dataclass(frozen=True)
class Query:
    dataset: Dataset  # the object's fields as columns (`ObjectDefinition.queryable`), its table as name
    fields: tuple[Column, ...]
    filter: etree._Element | None  # the single child of <filter>
    order: tuple[tuple[Column, bool], ...]  # (column, descending)
    showprivate: bool
    caseinsensitive: bool
    pagesize: int
    offset: int
    sources: Mapping[str, str] = field(default_factory=dict)  # field → SQL, for fields not stored as themselves

    def source(self, column: Column) -> str:
        """The SQL of a field's value: its stored column, or what the object's definition says."""
        return self.sources.get(column.name, f'"{column.name}"')


@dataclass(frozen=True)
class Sql:
    """A compiled query: the WHERE clause (shared by the count and the page) and the total order."""

    table: str
    columns: tuple[str, ...]  # the SQL of each selected field
    where: str
    params: tuple
    order: tuple[tuple[str, bool], ...]  # (SQL expression, descending); the primary key is always last
    seek_where: str  # `where` with the same parameters, written for `page_after`

    @property
    def key(self) -> tuple:
        """What identifies the query's rows and their order (for caches)."""
        return self.table, self.where, self.params, self.order

    @property
    def seekable(self) -> bool:
        """Whether a page can start after a remembered last row instead of skipping `offset` rows."""
        return not any(descending for _, descending in self.order)

    def count(self) -> tuple[str, tuple]:
        return f'SELECT COUNT(*) FROM "{self.table}"{self.where}', self.params

    def page(self, limit: int, offset: int) -> tuple[str, tuple]:
        """Rows `offset…offset+limit`; each row ends with its sort key (the values of the order)."""
        return f"{self._select()}{self.where} {self._order_by()} LIMIT ? OFFSET ?", (*self.params, limit, offset)

    def page_after(self, last_key: tuple, limit: int) -> tuple[str, tuple]:
        """The `limit` rows after the row whose sort key is `last_key` (ascending order, no NULL in the key).

        The row-value comparison seeks through the (modified, primary key) index, so the last page of a
        million-row read costs what the first does.
        """
        expressions = ", ".join(expression for expression, _ in self.order)
        seek = f"({expressions}) > ({', '.join('?' * len(last_key))})"
        where = f"{self.seek_where} AND {seek}" if self.seek_where else f" WHERE {seek}"
        return f"{self._select()}{where} {self._order_by()} LIMIT ?", (*self.params, *last_key, limit)

    def _select(self) -> str:
        values = [*self.columns, *(expression for expression, _ in self.order)]
        return f'SELECT {", ".join(values)} FROM "{self.table}"'

    def _order_by(self) -> str:
        return "ORDER BY " + ", ".join(f"{expression} {'DESC' if descending else 'ASC'}"
                                       for expression, descending in self.order)


def _flag(element: etree._Element | None, path: str) -> bool:
    return text(element, path).lower() == "true"


def _integer(body: etree._Element, name: str, default: int, low: int, high: int | None, problems: list) -> int:
    raw = text(body, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"{low} or more"
        problems.append(f"{name} must be an integer {bounds}, got '{raw}'")
        return default
    return value


def parse(body: etree._Element, objects: Mapping[str, ObjectDefinition]) -> Query:
    """Read a `<query>` (children in any order). Raises `errors.FunctionFailure` naming every problem."""
    object_name = text(body, "object")
    definition = objects.get(object_name.upper())
    if definition is None:
        raise errors.object_not_found(object_name)
    dataset = definition.queryable()
    columns = {column.name: column for column in dataset.columns}
    problems: list[str] = []

    def column(name: str) -> Column | None:
        found = columns.get(name.upper())
        if found is None:
            problems.append(f"Field '{name}' is not a field of object {dataset.object_name}")
        return found

    selected = [name for name in (text(field, ".") for field in body.findall("select/field")) if name]
    if not selected:
        problems.append("select needs at least one field (there is no '*')")
    fields = tuple(dict.fromkeys(found for name in selected if (found := column(name)) is not None))
    refused = [candidate.column.name for candidate in definition.fields
               if not candidate.selectable and candidate.column in fields]
    if refused:
        problems.append(f"Field(s) {', '.join(refused)} of object {dataset.object_name} cannot be selected in a query")
    order = []
    for order_element in body.findall("orderby/order"):
        found = column(text(order_element, "field"))
        if found is not None:
            order.append((found, order_element.find("descending") is not None))
    filter_children = [child for child in body.find("filter") if isinstance(child.tag, str)] \
        if body.find("filter") is not None else []
    if len(filter_children) > 1:
        problems.append("filter takes one condition; wrap several in <and> or <or>")
    for name in (text(node, ".") for node in body.iterfind("filter//field")):
        column(name)
    options = body.find("options")
    returnformat = text(options, "returnformat", "xml").lower()
    if returnformat != "xml":
        problems.append(f"returnformat '{returnformat}' is not supported by this sandbox; use xml")
    pagesize = _integer(body, "pagesize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, problems)
    offset = _integer(body, "offset", 0, 0, None, problems)
    if problems:
        raise errors.query_failed(*dict.fromkeys(problems))
    return Query(dataset, fields, filter_children[0] if filter_children else None, tuple(order),
                 _flag(options, "showprivate"), _flag(options, "caseinsensitive"), pagesize, offset,
                 definition.sources())


def _glob_pattern(like: str) -> str:
    """A LIKE pattern (``%``, ``_``) as a GLOB pattern: GLOB is case-sensitive, as Intacct's like is."""
    special = {"*": "[*]", "?": "[?]", "[": "[[]", "%": "*", "_": "?"}
    return "".join(special.get(char, char) for char in like)


class _Compiler:
    def __init__(self, query: Query, user: formatting.UserFormatting, unindexed: frozenset[str] = frozenset()):
        self.query = query
        self.user = user
        self.columns = {column.name: column for column in query.dataset.columns}
        self.unindexed = unindexed  # columns whose conditions must not pick the index (written `+"X"`)
        self.problems: list[str] = []

    def expression(self, column: Column) -> str:
        name = f"+{self.query.source(column)}" if column.name in self.unindexed else self.query.source(column)
        if column.type == "decimal":
            return f"CAST({name} AS REAL)"
        if column.type == "text" and self.query.caseinsensitive:
            return f"{name} COLLATE NOCASE"
        return name

    def value(self, column: Column, raw: str, operator: str):
        if operator in _LIKE_OPERATORS:
            return raw if self.query.caseinsensitive else _glob_pattern(raw)
        try:
            return self.user.parse(column.type, raw)
        except ValueError:
            self.problems.append(f"Invalid value '{raw}' for field {column.name} of type {column.type.upper()}")
            return None

    def condition(self, node: etree._Element) -> tuple[str, list]:
        operator = node.tag
        if operator in ("and", "or"):
            parts = [self.condition(child) for child in node if isinstance(child.tag, str)]
            if not parts:
                self.problems.append(f"<{operator}> needs at least one condition")
                return "1", []
            joined = f" {operator.upper()} ".join(sql for sql, _ in parts)
            return f"({joined})", [param for _, params in parts for param in params]
        if operator not in _COMPARISONS:
            self.problems.append(f"Unknown filter operator <{operator}>")
            return "1", []
        template, arity = _COMPARISONS[operator]
        column = self.columns[text(node, "field").upper()]  # parse() checked every filter field
        raws = [(value.text or "").strip() for value in node.findall("value")]
        expected_ok = len(raws) >= arity[0] if isinstance(arity, tuple) else len(raws) == arity
        if not expected_ok:
            self.problems.append(f"<{operator}> on {column.name} got {len(raws)} value(s)")
            return "1", []
        params = [self.value(column, raw, operator) for raw in raws]
        like = "LIKE" if self.query.caseinsensitive else "GLOB"
        target = self.query.source(column) if operator in _LIKE_OPERATORS else self.expression(column)
        return template.format(c=target, marks=", ".join("?" * len(raws)), like=like), params


def compile_sql(query: Query, entity: str, user: formatting.UserFormatting = formatting.UserFormatting()) -> Sql:
    """The SQL of a query for a session of `entity` ("" for the top level), its values read in `user`'s formats.

    Records owned by an entity (MEGAENTITYID set) are private to it: the top level sees them only with
    the `showprivate` option; an entity session sees its own entity's records and the shared ones.
    """
    order = list(query.order)
    key = query.dataset.column(query.dataset.primary_key)
    if key not in (column for column, _ in order):
        order.append((key, False))  # a total order, so offset pages never overlap or skip
    compiler = _Compiler(query, user)
    # For pages that seek past a remembered row, the filter's conditions on the first sort column are
    # kept away from the index, so SQLite ranges over the index from the seek point, not from the filter's.
    seeking = _Compiler(query, user, frozenset({order[0][0].name}))
    where, params = _where(query, entity, compiler)
    seek_where, _ = _where(query, entity, seeking)
    return Sql(query.dataset.name, tuple(query.source(column) for column in query.fields), where, tuple(params),
               tuple((compiler.expression(column), descending) for column, descending in order), seek_where)


def _where(query: Query, entity: str, compiler: _Compiler) -> tuple[str, list]:
    clauses, params = [], []
    if query.filter is not None:
        sql, filter_params = compiler.condition(query.filter)
        clauses.append(sql)
        params.extend(filter_params)
    if compiler.problems:
        raise errors.query_failed(*dict.fromkeys(compiler.problems))
    if ENTITY_COLUMN in compiler.columns:
        if entity:
            clauses.append(f'("{ENTITY_COLUMN}" IS NULL OR "{ENTITY_COLUMN}" = ?)')
            params.append(entity)
        elif not query.showprivate:
            clauses.append(f'"{ENTITY_COLUMN}" IS NULL')
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params
