"""SQL snippets of the mapping files (expressions, filters, flag matches) as sqlglot trees.

Snippets are written in PostgreSQL syntax; sqlglot renders them for every dialect. A column reference in a
snippet is a field path: ``AMOUNT``, ``project.code`` (a nested field) or ``batch.BATCH_DATE`` (a field of a
joined stream, by its alias).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from .models import Filter

READ_DIALECT = "postgres"


class InvalidSnippet(ValueError):
    pass


def parse_snippet(text: str) -> exp.Expression:
    try:
        expression = sqlglot.parse_one(text, read=READ_DIALECT)
    except ParseError as error:
        raise InvalidSnippet(f"cannot parse {text!r}: {error.errors[0]['description'] if error.errors else error}") from error
    if isinstance(expression, (exp.Query, exp.DDL, exp.DML)):
        raise InvalidSnippet(f"{text!r} is a statement; only an expression is allowed")
    return expression


def path_column(path: str) -> exp.Column:
    """``"project.code"`` → a column reference whose parts are the path."""
    parts = path.split(".")
    if len(parts) > 4:
        raise InvalidSnippet(f"field path {path!r} is deeper than 4 levels")
    names = [None] * (4 - len(parts)) + parts
    catalog, db, table, column = names
    return exp.column(column, table=table, db=db, catalog=catalog, quoted=True)


def filter_expression(filter_: Filter) -> exp.Expression:
    """A filter as SQL: a snippet, or ``{field: value | [values]}`` equalities joined by AND."""
    if isinstance(filter_, str):
        return parse_snippet(filter_)
    conditions = []
    for path, value in filter_.items():
        column = path_column(path)
        if isinstance(value, list):
            conditions.append(column.isin(*(exp.convert(item) for item in value)))
        elif value is None:
            conditions.append(column.is_(exp.null()))
        else:
            conditions.append(column.eq(exp.convert(value)))
    return exp.and_(*conditions)


def field_paths(expression: exp.Expression) -> list[list[str]]:
    """The field paths an expression reads, in order of appearance."""
    return [column_path(column) for column in expression.find_all(exp.Column)]


def column_path(column: exp.Column) -> list[str]:
    return [part.name for part in column.parts]
