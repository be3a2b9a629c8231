"""The two databases the mappings run on, behind one small interface: PostgreSQL (psycopg 3) and DuckDB."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlglot import exp

from .naming import SchemaCatalog


class DatabaseUnavailable(ValueError):
    """The DSN names no database the mappings can read (unsupported scheme, missing DuckDB file, refused
    connection). Messages never repeat the DSN, which may hold a password."""


class Database:
    """A connection plus its sqlglot dialect. ``owned``: opened from a DSN here, so closed here too."""

    def __init__(self, connection: Any, dialect: str, owned: bool):
        self.connection, self.dialect, self.owned = connection, dialect, owned

    def render(self, statement: exp.Expression) -> str:
        return statement.sql(self.dialect, identify=True)

    def execute(self, statement: exp.Expression | str) -> None:
        self.connection.execute(statement if isinstance(statement, str) else self.render(statement))

    def query(self, statement: exp.Expression) -> list[tuple]:
        return self.connection.execute(self.render(statement)).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside commit together or not at all; times are UTC inside."""
        if self.dialect == "postgres":
            with self.connection.transaction():
                self.execute("SET LOCAL TIME ZONE 'UTC'")
                yield
            return
        self.connection.execute("SET TimeZone = 'UTC'")
        self.connection.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    @property
    def catalog(self) -> str | None:
        """DuckDB's current database name: table names are qualified with it, because a file called
        ``staging.duckdb`` makes ``staging.x`` ambiguous between that database and the schema ``staging``."""
        if self.dialect != "duckdb":
            return None
        return self.connection.execute("SELECT current_database()").fetchone()[0]

    def schema_catalog(self, schema: str) -> SchemaCatalog:
        """The schema's tables and columns (of the current database), from ``information_schema.columns``."""
        query = (exp.select("table_name", "column_name").from_("information_schema.columns")
                 .where(exp.column("table_schema").eq(exp.Literal.string(schema)))
                 .where(exp.column("table_catalog").eq(exp.func("current_database")))
                 .order_by("table_name", "ordinal_position"))
        return SchemaCatalog.from_rows(schema, self.connection.execute(query.sql(self.dialect)).fetchall())

    def close(self) -> None:
        if self.owned:
            self.connection.close()


def connect(target: Any) -> Database:
    """A DSN (``postgresql://…``, ``duckdb:///relative.duckdb``, ``duckdb:////absolute.duckdb``,
    ``duckdb:///:memory:``) or an open psycopg / duckdb connection."""
    if isinstance(target, Database):
        return Database(target.connection, target.dialect, owned=False)
    if isinstance(target, str):
        if target.startswith(("postgresql://", "postgres://")):
            import psycopg

            try:
                return Database(psycopg.connect(target, autocommit=True), "postgres", owned=True)
            except psycopg.OperationalError as error:
                raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {str(error).strip()}") from None
        if target.startswith("duckdb://"):
            import duckdb

            path = target.removeprefix("duckdb://").removeprefix("/") or ":memory:"  # as SQLAlchemy: duckdb:////abs
            if path != ":memory:" and not Path(path).is_file():
                # duckdb.connect would create an empty file: a mistyped path would "succeed" with no rows.
                raise DatabaseUnavailable(f"DuckDB file {path} does not exist (the staging database a sync wrote)")
            return Database(duckdb.connect(path), "duckdb", owned=True)
        scheme = target.partition("://")[0] if "://" in target else "(none)"
        raise DatabaseUnavailable(f"unsupported DSN scheme {scheme!r}: use postgresql://… or duckdb:///path.duckdb")
    module = type(target).__module__
    if module.startswith("psycopg"):
        return Database(target, "postgres", owned=False)
    if module.startswith("duckdb") or module == "_duckdb":
        return Database(target, "duckdb", owned=False)
    raise TypeError(f"not a DSN, psycopg connection or duckdb connection: {type(target).__name__}")
