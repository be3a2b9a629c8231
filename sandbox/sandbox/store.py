"""The sandbox's SQLite database: the seeded company, the live copy the emulators read, and request counts.

How an emulator uses it (the server passes the same `Store` to every emulator)::

    with store.read() as db:                      # a sqlite3.Connection for this thread, rows are sqlite3.Row
        rows = db.execute("SELECT * FROM glentry WHERE WHENMODIFIED >= ? ORDER BY WHENMODIFIED, RECORDNO"
                          " LIMIT ? OFFSET ?", (since, limit, offset)).fetchall()
    store.count_request("intacct", "query:GLENTRY")   # shows in GET /_sandbox/requests under "intacct"
    store.now()                                    # real UTC now, "YYYY-MM-DDTHH:MM:SSZ"
    store.version                                  # changes on every write and reset (cache counts by it)

Tables and views are named after `schema.DATASETS` and hold the storage form described in `schema.py`.
Writes go through `write()` (one writer at a time, in a transaction) or `mutate()`. `reset()` swaps in a
fresh copy of the pristine database generated at start-up, so it is fast at any scale; a read that is in
flight during a reset finishes on the copy it started with.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from . import company, mutations
from .schema import DATASETS
from .triggers import Triggers

# Seeded timestamps end here; `now()` never goes below it, so a mutation always sorts after seeded data.
SEEDED_UNTIL = "2026-11-01T00:00:00Z"


class RequestCounts:
    """Thread-safe request counters: every vendor request by path, plus per-vendor operation counts."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_path: Counter[str] = Counter()
        self._by_vendor: dict[str, Counter[str]] = {}

    def count_path(self, path: str) -> None:
        with self._lock:
            self._by_path[path] += 1

    def count(self, vendor: str, key: str) -> None:
        with self._lock:
            self._by_vendor.setdefault(vendor, Counter())[key] += 1

    def clear(self) -> None:
        with self._lock:
            self._by_path.clear()
            self._by_vendor.clear()

    def snapshot(self) -> dict:
        with self._lock:
            return {"total": sum(self._by_path.values()), "by_path": dict(sorted(self._by_path.items())),
                    **{vendor: dict(sorted(keys.items())) for vendor, keys in sorted(self._by_vendor.items())}}


class Store:
    """The seeded database of one (scale, seed), in a private temporary directory.

    `cache_dir`: where to keep (and find) the generated pristine company across runs; None generates it.
    """

    def __init__(self, scale: float = 1.0, seed: int = 7, directory: str | Path | None = None,
                 cache_dir: str | Path | None = None):
        self.scale = scale
        self.seed = seed
        self._tempdir = tempfile.TemporaryDirectory(prefix="sandbox-", dir=directory)
        self._directory = Path(self._tempdir.name)
        if cache_dir is None:
            self._pristine = self._directory / "pristine.sqlite"
            company.generate(self._pristine, scale=scale, seed=seed)
        else:  # reuse a company generated earlier (scale 500 takes about a minute to generate)
            self._pristine = company.cached(cache_dir, scale=scale, seed=seed)
        self._lock = threading.Lock()  # guards the pool, the generation and the files
        self._write_lock = threading.Lock()  # one writer at a time
        self._generation = 0
        self._live = self._copy_pristine(0)
        self._pool: list[sqlite3.Connection] = []
        self._in_use: Counter[int] = Counter()
        self._last_now = SEEDED_UNTIL
        self._version = 0
        self.requests = RequestCounts()
        self.triggers = Triggers(self.mutate)

    # -- connections ---------------------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection to the live database for the current thread (autocommit; do not write with it)."""
        connection, generation = self._acquire()
        try:
            yield connection
        finally:
            self._release(connection, generation)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside a write transaction: committed on success, rolled back on any exception."""
        with self._write_lock:
            connection, generation = self._acquire()
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
                with self._lock:
                    self._version += 1
            finally:
                self._release(connection, generation)

    def _acquire(self) -> tuple[sqlite3.Connection, int]:
        with self._lock:
            generation = self._generation
            self._in_use[generation] += 1
            connection = self._pool.pop() if self._pool else None
        if connection is None:
            connection = sqlite3.connect(self._live_path(generation), isolation_level=None, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA busy_timeout = 30000")
        return connection, generation

    def _release(self, connection: sqlite3.Connection, generation: int) -> None:
        with self._lock:
            self._in_use[generation] -= 1
            if generation == self._generation:
                self._pool.append(connection)
                return
            stale_unused = self._in_use[generation] == 0
        connection.close()
        if stale_unused:
            self._remove_generation(generation)

    # -- lifecycle -----------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the seeded data (request counts are zeroed and triggers disarmed too)."""
        with self._write_lock:
            with self._lock:
                old = self._generation
            self._copy_pristine(old + 1)
            with self._lock:
                self._generation = old + 1
                self._version += 1
                stale, self._pool = self._pool, []
                old_unused = self._in_use[old] == 0
            for connection in stale:
                connection.close()
            if old_unused:
                self._remove_generation(old)
            self.requests.clear()
        self.triggers.clear()

    def close(self) -> None:
        with self._lock:
            stale, self._pool = self._pool, []
        for connection in stale:
            connection.close()
        self._tempdir.cleanup()

    def _live_path(self, generation: int) -> Path:
        return self._directory / f"live-{generation}.sqlite"

    def _copy_pristine(self, generation: int) -> Path:
        path = self._live_path(generation)
        shutil.copyfile(self._pristine, path)
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
        return path

    def _remove_generation(self, generation: int) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self._live_path(generation)}{suffix}").unlink(missing_ok=True)

    # -- helpers for emulators and the control endpoints ---------------------------------------------------
    @property
    def version(self) -> int:
        """A number that changes whenever the data changes (each write transaction, each reset): a cache key."""
        with self._lock:
            return self._version

    def now(self) -> str:
        """Real UTC now as a storage timestamp, never before the seeded data and never going backwards."""
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            self._last_now = max(self._last_now, stamp)
            return self._last_now

    def count_request(self, vendor: str, key: str) -> None:
        """Count one vendor operation, e.g. ("intacct", "query:GLENTRY"); see `GET /_sandbox/requests`.

        Triggers armed on that operation fire here, before the emulator answers the request."""
        self.requests.count(vendor, key)
        self.triggers.observe(vendor=vendor, operation=key)

    def mutate(self, dataset: str, op: str, *, rows: list[dict] | None = None, ids: list | None = None,
               count: int | None = None, changes: dict | None = None) -> list:
        """Insert, update or delete rows in one transaction; returns the primary keys touched.

        Raises `mutations.MutationError` (nothing applied) when the dataset, op, a field or a value is bad.
        """
        with self.write() as connection:
            return mutations.apply(connection, dataset, op, rows=rows, ids=ids, count=count, changes=changes,
                                   now=self.now())

    def truth(self, dataset: str, rows: bool = False) -> dict:
        """What the vendor holds: count, sha256 of the sorted primary keys (as strings), exact decimal totals."""
        spec = DATASETS.get(dataset)
        if spec is None:
            raise KeyError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
        key = spec.primary_key
        decimals = [column.name for column in spec.columns if column.type == "decimal"]
        with self.read() as db:
            keys = sorted(str(row[0]) for row in db.execute(f'SELECT "{key}" FROM "{dataset}"'))
            sums = db.execute("SELECT " + ", ".join(
                f"""SUM(CAST(REPLACE("{name}", '.', '') AS INTEGER))""" for name in decimals) + f' FROM "{dataset}"'
            ).fetchone() if decimals else ()
            truth = {"dataset": dataset, "count": len(keys),
                     "checksum": hashlib.sha256("\n".join(keys).encode()).hexdigest(),
                     "totals": {name: company.cents_to_text(cents or 0) for name, cents in zip(decimals, sums)}}
            if rows:
                truth["rows"] = [dict(row) for row in db.execute(f'SELECT * FROM "{dataset}" ORDER BY "{key}"')]
        return truth
