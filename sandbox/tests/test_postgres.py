"""The throwaway PostgreSQL helper: a real server starts, takes writes, and leaves nothing behind."""

import re
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from sandbox.postgres import throwaway_postgres

DSN_PATTERN = re.compile(r"^postgresql://postgres@127\.0\.0\.1:(\d+)/(\w+)$")


def _cluster_dir(dsn: str) -> Path:
    """The temporary directory of the server at `dsn`, as the server itself reports it (other throwaway
    servers may be starting or being removed in the same temporary directory at the same time)."""
    with psycopg.connect(dsn) as conn:
        [(data_directory,)] = conn.execute("SHOW data_directory").fetchall()
    found = Path(data_directory).parent
    assert found.name.startswith("throwaway-pg-") and found.exists()
    return found


def _accepts_connections(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_server_starts_takes_writes_and_is_removed_on_exit():
    with throwaway_postgres() as dsn:
        port = int(DSN_PATTERN.match(dsn).group(1))
        created = _cluster_dir(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id integer PRIMARY KEY, label text)")
            conn.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')")
            assert conn.execute("SELECT label FROM t ORDER BY id").fetchall() == [("one",), ("two",)]
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
            assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
            assert conn.execute("SELECT current_setting('is_superuser')").fetchone() == ("on",)
    assert not created.exists()
    assert not _accepts_connections(port)


def test_named_database_is_created():
    with throwaway_postgres(database="analytics_test") as dsn:
        assert DSN_PATTERN.match(dsn).group(2) == "analytics_test"
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("analytics_test",)


def test_server_is_stopped_and_removed_when_the_body_raises():
    with pytest.raises(ZeroDivisionError):
        with throwaway_postgres() as dsn:
            port = int(DSN_PATTERN.match(dsn).group(1))
            created = _cluster_dir(dsn)
            1 / 0
    assert not created.exists()
    assert not _accepts_connections(port)


def test_a_temporary_directory_the_server_user_cannot_enter_is_avoided(tmp_path, monkeypatch):
    # As root the server runs as an unprivileged user, who cannot enter a 0700 directory of root's
    # (e.g. TMPDIR under /root, or pytest's own tmp_path): the cluster must go somewhere it can reach.
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    with throwaway_postgres() as dsn:
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
    assert list(private.iterdir()) == []


def test_a_command_failing_in_the_callers_block_is_not_reported_as_a_server_failure():
    with pytest.raises(subprocess.CalledProcessError) as raised:
        with throwaway_postgres():
            subprocess.run(["false"], check=True)
    assert raised.value.cmd == ["false"]


def test_a_free_port_taken_before_the_server_binds_it_is_replaced_by_another(monkeypatch):
    # Suites run side by side: another process may bind the port between the probe and the server's start.
    import sandbox.postgres as postgres

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = iter([taken])
        picked = postgres._free_port
        monkeypatch.setattr(postgres, "_free_port", lambda: next(ports, None) or picked())
        with throwaway_postgres() as dsn:
            port = int(DSN_PATTERN.match(dsn).group(1))
            assert port != taken
            with psycopg.connect(dsn) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
