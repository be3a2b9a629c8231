"""`main.py read` SIGKILLed right after its Nth STATE line while the ledger is being written, then resumed from the
last STATE it delivered: every row of the truth arrives, with its final values; no row is lost.

The kill points are seeded and counted on stdout (never timed): the platform keeps what came before the last
STATE, so the records after it are dropped here as the platform would drop them.
"""

import random
from pathlib import Path

from airbyte_cdk.models import SyncMode
from sandbox.testing import read_until_state

from integration_tests.conftest import CONNECTOR_ROOT, sandbox_config
from integration_tests.test_sandbox_sync import _read
from integration_tests.test_writes_during_read import assert_union_equals_truth, emitted

STREAMS = ["journal_entry_lines", "gl_details", "journal_entries", "departments", "deleted_records"]
CHAINS = 3  # sync attempts killed one after the other, each resuming from the previous one's last STATE
KILLS_PER_CHAIN = 7
MAX_STATES_BEFORE_KILL = 14
MAX_ATTEMPTS_PER_CHAIN = 10


def run_until_state(tmp_path: Path, config: dict, state: dict, kill_after: int) -> tuple[bool, list, dict]:
    """`main.py read` of `STREAMS` from `state`, SIGKILLed right after its `kill_after`th STATE line (0: never)."""
    return read_until_state(CONNECTOR_ROOT, tmp_path, config, STREAMS, state, kill_after)


def test_sigkill_after_seeded_states_with_writes_then_resume_loses_no_row(sandbox, control, tmp_path):
    config = sandbox_config(sandbox, page_size=10, lookback_minutes=0)  # no overlap to hide a gap
    rng = random.Random(20261201)
    kills = 0
    for _ in range(CHAINS):
        control.reset()
        # Writes spread over the chain's GLENTRY queries (counted across its attempts) and its departments reads.
        for nth in range(2, 40, 4):
            control.arm_trigger(vendor="intacct", operation="query:GLENTRY", nth=nth,
                                mutation={"dataset": "glentry", "op": "update", "count": 3})
        for nth, op, count in ((5, "insert", 2), (9, "delete", 1), (13, "delete", 1), (17, "insert", 2)):
            control.arm_trigger(vendor="intacct", operation="query:GLENTRY", nth=nth,
                                mutation={"dataset": "glentry", "op": op, "count": count})
        control.arm_trigger(vendor="intacct", operation="query:DEPARTMENT", nth=2,
                            mutation={"dataset": "department", "op": "update", "count": 2})
        state, deliveries = {}, []
        chain_kills = 0
        for _ in range(MAX_ATTEMPTS_PER_CHAIN):  # an attempt that finishes before its kill point is a sync too
            killed, records, state = run_until_state(tmp_path, config, state, rng.randint(1, MAX_STATES_BEFORE_KILL))
            deliveries.append(records)
            chain_kills += killed
            if chain_kills == KILLS_PER_CHAIN:
                break
        kills += chain_kills
        killed, records, state = run_until_state(tmp_path, config, state, 0)  # the attempt that finishes
        deliveries.append(records)
        fired = control.triggers()
        assert all(trigger["error"] is None for trigger in fired), fired
        control.clear_triggers()
        # The next sync, from the final state: it reads what was written during the last attempt.
        final = _read(config, STREAMS, SyncMode.incremental, state)
        assert not final.errors
        deliveries.append(emitted(final))
        deleted = [i for t in fired if t["fired"] and t["mutation"]["op"] == "delete" for i in t["ids"]]
        assert deleted and sum(t["fired"] for t in fired) >= 8  # the writes did happen during the attempts
        for stream in STREAMS:
            assert_union_equals_truth(control, stream, deliveries, deleted, "GLENTRY")
    assert kills >= 20
