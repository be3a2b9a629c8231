import socket
from pathlib import Path

import pytest

from pipeline.connections import PipelineError
from pipeline.staging import Staging, postgres_params


def test_duckdb_is_the_default():
    staging = Staging.from_args(None, None)
    assert staging.dsn is None and staging.duckdb_path == Path(".data/warehouse.duckdb")
    assert staging.describe() == "DuckDB .data/warehouse.duckdb schema staging"


@pytest.mark.parametrize("name", ["staging.duckdb", "analytics.duckdb"])
def test_a_duckdb_file_named_like_a_schema_is_refused(name):
    # DuckDB would name the database "staging" and every staging.<table> reference would be ambiguous.
    with pytest.raises(PipelineError, match=f"{name} would clash with schema"):
        Staging(duckdb_path=Path(".data") / name)


def test_a_dsn_selects_postgres_and_is_described_without_its_password():
    staging = Staging.from_args(None, "postgresql://loader:fake-pass@db.example:6543/warehouse")
    assert staging.duckdb_path is None
    assert staging.describe() == "PostgreSQL loader@db.example:6543/warehouse schema staging"
    assert "fake-pass" not in staging.describe()


@pytest.mark.parametrize("dsn, expected", [
    ("postgresql://loader:fake-pass@127.0.0.1:6543/warehouse",
     {"host": "127.0.0.1", "port": 6543, "database": "warehouse", "username": "loader", "password": "fake-pass"}),
    ("postgresql://postgres@127.0.0.1/postgres",
     {"host": "127.0.0.1", "port": 5432, "database": "postgres", "username": "postgres", "password": ""}),
    ("host=localhost port=5433 dbname=dw user=me password=fake-pass",
     {"host": "localhost", "port": 5433, "database": "dw", "username": "me", "password": "fake-pass"}),
])
def test_postgres_params_from_uri_and_keyword_dsns(dsn, expected):
    assert postgres_params(dsn) == expected


def test_incomplete_or_broken_dsn_is_a_clear_error():
    with pytest.raises(PipelineError, match="lacks dbname"):
        postgres_params("postgresql://me@localhost")
    with pytest.raises(PipelineError, match="cannot be parsed"):
        postgres_params("host=localhost dbname")


def test_exactly_one_target():
    with pytest.raises(PipelineError, match="exactly one"):
        Staging(duckdb_path=Path("a.duckdb"), dsn="postgresql://u@h/d")
    with pytest.raises(PipelineError, match="exactly one"):
        Staging()


def test_a_dsn_of_another_database_is_refused_naming_host_and_database_not_the_password():
    with pytest.raises(PipelineError) as refused:
        postgres_params("mysql://etl:S3cret@db.example.com/warehouse")
    assert str(refused.value) == ("--dsn for host db.example.com database warehouse is a 'mysql' URL; staging takes "
                                  "PostgreSQL: postgresql://user:password@host:port/db")


def test_verify_reports_an_unreachable_server_in_one_line_without_the_password():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PipelineError) as refused:
        Staging(dsn=f"postgresql://etl:S3cret@127.0.0.1:{port}/warehouse").verify()
    assert str(refused.value) == (f"cannot connect to PostgreSQL etl@127.0.0.1:{port}/warehouse schema staging: "
                                  "Connection refused")
