"""A throwaway PostgreSQL server for tests: the machine's own ``initdb``/``pg_ctl`` on a free loopback port.

``throwaway_postgres()`` creates a cluster in a temporary directory, starts it with trust authentication on
127.0.0.1 only (no Unix socket, ``fsync=off``), waits until ``pg_isready`` reaches it, yields a DSN such as
``postgresql://postgres@127.0.0.1:54321/postgres``, and always stops the server and removes the directory.

PostgreSQL refuses to run as root, so when the caller is root the server runs as an unprivileged user
(``nobody`` by default, or the user named by ``$THROWAWAY_PG_USER``) that owns the temporary directory. If
that user cannot reach the usual temporary directory (``$TMPDIR`` under ``/root``, say), the cluster goes
under ``/tmp`` instead.

Only the standard library is used. A pytest fixture is a three-line wrapper::

    @pytest.fixture(scope="session")
    def postgres_dsn():
        with throwaway_postgres() as dsn:
            yield dsn
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

SUPERUSER = "postgres"
DEFAULT_DATABASE = "postgres"
SEARCH_DIRS = "/usr/lib/postgresql/*/bin"
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "timezone": "'UTC'",
}
PORT_ATTEMPTS = 3


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are missing, or the server did not start."""


class PortTaken(PostgresUnavailable):
    """The loopback port picked as free was taken before the server bound it: try another."""


@dataclass(frozen=True)
class _RunAs:
    """Whom to run the server binaries as (None: the current user)."""

    uid: int | None = None
    gid: int | None = None

    @classmethod
    def for_current_process(cls) -> "_RunAs":
        if os.geteuid() != 0:
            return cls()
        name = os.environ.get("THROWAWAY_PG_USER", "nobody")
        try:
            entry = pwd.getpwnam(name)
        except KeyError as error:
            raise PostgresUnavailable(f"running as root, but user {name!r} (THROWAWAY_PG_USER) does not exist") from error
        return cls(entry.pw_uid, entry.pw_gid)

    def scratch_parent(self) -> str | None:
        """Where to create the cluster's directory: the usual temporary directory (None), unless the server's
        user could not enter it (every ancestor must be searchable by others), then ``/tmp``."""
        if self.uid is None:
            return None
        usual = Path(tempfile.gettempdir()).resolve()
        if all(os.stat(path).st_mode & stat.S_IXOTH for path in (usual, *usual.parents)):
            return None
        return "/tmp"

    def own(self, path: Path) -> None:
        if self.uid is not None:
            os.chown(path, self.uid, self.gid)

    def run(self, args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            args, cwd=cwd, user=self.uid, group=self.gid, check=check, capture_output=True, text=True,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
        )


def find_bin_dir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``pg_isready``: from PATH, else the newest Debian install."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted((Path(d) for d in glob.glob(SEARCH_DIRS)), key=_version_key, reverse=True)
    for directory in candidates:
        if all((directory / tool).exists() for tool in ("initdb", "pg_ctl", "pg_isready")):
            return directory
    raise PostgresUnavailable(
        "initdb/pg_ctl/pg_isready not found on PATH or in /usr/lib/postgresql/*/bin; "
        "install the server, e.g. `apt-get install postgresql`"
    )


def _version_key(path: Path) -> tuple:
    version = path.parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_postgres(database: str = DEFAULT_DATABASE, startup_timeout: float = 60.0) -> Iterator[str]:
    """Start a temporary PostgreSQL server and yield its DSN; stop it and delete its files on exit."""
    bin_dir = find_bin_dir()
    run_as = _RunAs.for_current_process()
    root = Path(tempfile.mkdtemp(prefix="throwaway-pg-", dir=run_as.scratch_parent()))
    data_dir, log_file = root / "data", root / "server.log"
    run_as.own(root)
    started = False
    try:
        try:  # only the server's own commands: an error of the caller's block must reach the caller unchanged
            run_as.run([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "-A", "trust",
                        "-E", "UTF8", "--no-locale", "--no-sync"], cwd=root)
            for attempt in range(PORT_ATTEMPTS):
                port = _free_port()
                _configure(data_dir, port)
                run_as.run([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(log_file), "-W", "start"],
                           cwd=root)
                started = True
                try:
                    _wait_until_ready(bin_dir, run_as, root, port, log_file, startup_timeout)
                    break
                except PortTaken:
                    started = False  # another process bound the free port first (suites run side by side)
                    if attempt == PORT_ATTEMPTS - 1:
                        raise
            if database != DEFAULT_DATABASE:
                run_as.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER,
                            database], cwd=root)
        except subprocess.CalledProcessError as error:
            raise PostgresUnavailable(f"{Path(error.cmd[0]).name} failed: {error.stderr or error.stdout}") from error
        yield f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{database}"
    finally:
        if started:
            run_as.run([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"],
                       cwd=root, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _configure(data_dir: Path, port: int) -> None:
    """Listen on 127.0.0.1 only, trust only local TCP connections, and trade durability for speed."""
    settings = {**SERVER_SETTINGS, "port": str(port)}
    with open(data_dir / "postgresql.conf", "a") as conf:
        conf.write("".join(f"{key} = {value}\n" for key, value in settings.items()))
    (data_dir / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n")


def _wait_until_ready(bin_dir: Path, run_as: _RunAs, cwd: Path, port: int, log_file: Path, timeout: float) -> None:
    """Poll with ``pg_isready`` (a real connection attempt) until the server accepts connections."""
    deadline = time.monotonic() + timeout
    probe = [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER,
             "-d", DEFAULT_DATABASE, "-t", "1"]
    while time.monotonic() < deadline:
        if run_as.run(probe, cwd=cwd, check=False).returncode == 0:
            return
        if not (cwd / "data" / "postmaster.pid").exists() and log_file.exists() and "FATAL" in log_file.read_text():
            if "could not bind" in log_file.read_text() or "could not create any TCP/IP sockets" in log_file.read_text():
                log_file.unlink()
                raise PortTaken(port)
            break
        time.sleep(0.05)
    log = log_file.read_text() if log_file.exists() else "(no server log)"
    raise PostgresUnavailable(f"PostgreSQL did not accept connections on 127.0.0.1:{port}:\n{log[-2000:]}")
