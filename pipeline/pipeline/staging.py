"""Where the sources land: a DuckDB file (the default) or PostgreSQL, always in schema `staging`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from .connections import PipelineError
from .defaults import DEFAULT_DUCKDB_PATH, STAGING_SCHEMA, TARGET_SCHEMA

CONNECT_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Staging:
    """A staging database: exactly one of `duckdb_path` and `dsn` is set."""

    duckdb_path: Path | None = None
    dsn: str | None = None
    schema: str = STAGING_SCHEMA

    def __post_init__(self) -> None:
        if (self.duckdb_path is None) == (self.dsn is None):
            raise PipelineError("staging needs exactly one of a DuckDB path and a PostgreSQL DSN")
        if self.duckdb_path is not None and self.duckdb_path.stem in (self.schema, TARGET_SCHEMA):
            raise PipelineError(
                f"DuckDB names a database after its file, so {self.duckdb_path.name} would clash with schema "
                f"{self.duckdb_path.stem!r}; choose another file name (default {DEFAULT_DUCKDB_PATH})"
            )

    @classmethod
    def from_args(cls, duckdb_path: Path | None, dsn: str | None) -> "Staging":
        return cls(dsn=dsn) if dsn else cls(duckdb_path=duckdb_path or DEFAULT_DUCKDB_PATH)

    def verify(self) -> None:
        """Reach PostgreSQL now, before any spec or discover: a wrong `--dsn` is one line naming the host and
        database (never the password), not a driver traceback after a minute of connector work."""
        if self.dsn is None:
            return
        try:
            psycopg.connect(self.dsn, connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
        except psycopg.Error as error:
            raise PipelineError(f"cannot connect to {self.describe()}: {_reason(error)}") from None

    def connect(self):
        """A DB-API connection to the staging database (duckdb or psycopg), for reports."""
        if self.duckdb_path is not None:
            import duckdb  # the same module PyAirbyte's DuckDB cache uses

            return duckdb.connect(str(self.duckdb_path))
        return psycopg.connect(self.dsn, autocommit=True)

    def url(self) -> str:
        """The database as destination-mappings takes it: the PostgreSQL DSN or `duckdb:///<absolute path>`."""
        return f"duckdb:///{self.duckdb_path.resolve()}" if self.duckdb_path is not None else self.dsn

    def describe(self) -> str:
        """Where the data goes, for humans: never shows a password."""
        if self.duckdb_path is not None:
            return f"DuckDB {self.duckdb_path} schema {self.schema}"
        params = postgres_params(self.dsn)
        return f"PostgreSQL {params['username']}@{params['host']}:{params['port']}/{params['database']} schema {self.schema}"


def postgres_params(dsn: str) -> dict:
    """The connection fields of a libpq DSN (URI or key=value form)."""
    scheme = urlsplit(dsn).scheme if "://" in dsn else ""
    if scheme and scheme not in ("postgresql", "postgres"):
        where = urlsplit(dsn)
        raise PipelineError(f"--dsn for host {where.hostname or '?'} database {where.path.lstrip('/') or '?'} is a "
                            f"'{scheme}' URL; staging takes PostgreSQL: postgresql://user:password@host:port/db")
    try:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise PipelineError("the PostgreSQL DSN cannot be parsed (expected postgresql://user:password@host:port/db)") from None
    missing = [key for key in ("host", "dbname", "user") if not info.get(key)]
    if missing:
        raise PipelineError(f"the PostgreSQL DSN lacks {', '.join(missing)}")
    return {
        "host": str(info["host"]),
        "port": int(info.get("port") or 5432),
        "database": str(info["dbname"]),
        "username": str(info["user"]),
        "password": str(info.get("password") or ""),
    }


def _reason(error: "psycopg.Error") -> str:
    """libpq's own reason on one line ("Connection refused", 'database "x" does not exist'), without its
    "connection to server at … failed:" preamble; libpq never prints the password."""
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return first_line.rsplit("failed: ", 1)[-1].replace("FATAL:", "").strip()
