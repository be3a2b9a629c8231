"""The store's lifecycle: reset, versions, clock, and the cached pristine company."""

import hashlib
from pathlib import Path

from sandbox.store import SEEDED_UNTIL, Store


def test_reset_restores_the_seeded_data_and_zeroes_counts(store):
    seeded = store.truth("glentry")
    version = store.version
    store.mutate("glbatch", "delete", count=3)
    store.count_request("intacct", "query:GLENTRY")
    assert store.truth("glentry") != seeded and store.version != version
    store.reset()
    assert store.truth("glentry") == seeded
    assert store.requests.snapshot() == {"total": 0, "by_path": {}}


def test_a_read_in_flight_during_a_reset_finishes_on_its_copy(store):
    with store.read() as db:
        rows = db.execute("SELECT COUNT(*) FROM glentry")
        store.mutate("glentry", "insert", count=2)
        store.reset()
        assert rows.fetchone()[0] == store.truth("glentry")["count"]
    assert len(list(Path(store._directory).glob("live-*.sqlite"))) == 1  # old copies are removed


def test_now_is_utc_after_the_seeded_data_and_never_goes_back(store):
    first = store.now()
    assert first > SEEDED_UNTIL and first.endswith("Z")
    assert store.now() >= first


def test_a_cached_company_is_never_written_and_survives_close(tmp_path):
    store = Store(scale=0.1, seed=2, cache_dir=tmp_path)
    [cached] = tmp_path.glob("company-*.sqlite")
    digest = hashlib.sha256(cached.read_bytes()).hexdigest()
    store.mutate("customer", "delete", count=1)
    store.reset()
    store.close()
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == digest
    again = Store(scale=0.1, seed=2, cache_dir=tmp_path)
    try:
        assert again.truth("customer")["count"] > 0
    finally:
        again.close()
