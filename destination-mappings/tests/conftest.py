"""Fixtures: a throwaway PostgreSQL server (one per session), DuckDB in memory, and the sources' catalogs."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sandbox.postgres import throwaway_postgres  # noqa: E402
from staging_fixtures import catalog, load_staging  # noqa: E402

CONNECTIONS = ("sage_gl", "time_harvest", "time_generic", "time_clockify", "time_quickbooks_time", "time_toggl")


@pytest.fixture(scope="session")
def postgres_server():
    with throwaway_postgres() as dsn:
        yield dsn


@pytest.fixture
def catalogs():
    return {connection: catalog(connection) for connection in CONNECTIONS}


class Staging:
    """An empty database of one dialect: ``dsn`` for the library, ``execute``/``rows`` for the test.

    The DuckDB file is ``staging.duckdb`` (the pipeline's default name), so ``"staging"."x"`` would be
    ambiguous there; ``schema`` is the qualified staging schema to use in the tests' own SQL.
    """

    def __init__(self, dialect: str, dsn: str, connection, catalog: str | None = None):
        self.dialect, self.dsn, self.connection, self.catalog = dialect, dsn, connection, catalog
        self.schema = f'"{catalog}"."staging"' if catalog else '"staging"'

    def load(self, shape: str) -> None:
        load_staging(self.execute, self.dialect, shape, catalog=self.catalog)

    def execute(self, sql: str) -> None:
        self.connection.execute(sql)

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(row) for row in self.connection.execute(sql).fetchall()]

    def reopen(self) -> None:
        """A new connection to the DuckDB file (after another process wrote it), as a later reader would open it."""
        self.connection = duckdb.connect(self.dsn.removeprefix("duckdb:///"))


@pytest.fixture(params=["postgres", "duckdb"])
def database(request, tmp_path):
    if request.param == "postgres":
        dsn = request.getfixturevalue("postgres_server")
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute("DROP SCHEMA IF EXISTS staging CASCADE; DROP SCHEMA IF EXISTS analytics CASCADE")
            yield Staging("postgres", dsn, connection)
    else:
        path = tmp_path / "staging.duckdb"
        connection = duckdb.connect(str(path))
        staging = Staging("duckdb", f"duckdb:///{path}", connection, catalog="staging")
        yield staging
        staging.connection.close()
