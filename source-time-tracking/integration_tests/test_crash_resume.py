"""`main.py read` SIGKILLed right after its Nth STATE line while time entries are being written, then resumed
from the last STATE it delivered, for both providers: every entry of the truth arrives with its final values,
every delete inside the window is reported, no entry is lost; the duplicates the resumes cost are counted.

The kill points are seeded and counted on stdout (never timed): the platform keeps what came before the last
STATE, so the records after it are dropped here as the platform would drop them. The writes fire inside the
sandbox on the Nth request to the entries path (counted across a chain's attempts), i.e. between pages.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from sandbox.testing import read_until_state

from integration_tests.conftest import CONNECTOR_ROOT
from integration_tests.test_sandbox_reads import BY_MODIFICATION, DATASET, run_read
from integration_tests.test_writes_during_read import (
    ENTRIES_PATH, STREAMS, assert_union_equals_truth, deletable_ids, emitted, final_states, resilience_config,
)

CHAINS = 2  # sync attempts killed one after the other, each resuming from the previous one's last STATE
KILLS_PER_CHAIN = 10
MAX_ATTEMPTS_PER_CHAIN = 16
# A Harvest read checkpoints each stream once, when it has read the whole list (see the README's State and
# checkpointing); a generic read checkpoints about once a page (of 20 here: 18 on a first read, fewer on resumes).
MAX_STATES_BEFORE_KILL = {"harvest": 2, "generic": 4, "quickbooks_time": 2}  # QuickBooks Time: as Harvest
GENERIC_PAGE_SIZE = 20


def run_until_state(tmp_path: Path, config: dict, state: dict, kill_after: int) -> tuple[bool, list, dict]:
    """`main.py read` of `STREAMS` from `state`, SIGKILLed right after its `kill_after`th STATE line (0: never)."""
    return read_until_state(CONNECTOR_ROOT, tmp_path, config, STREAMS, state, kill_after)


def _arm_writes(control: Any, provider: str) -> None:
    """Edits every third request to the entries path, inserts and in-window deletes in between, across the
    first ~20 requests of a chain (several attempts)."""
    dataset, path = DATASET[provider], ENTRIES_PATH[provider]
    for nth in range(2, 22, 3):
        control.arm_trigger(path=path, nth=nth, mutation={"dataset": dataset, "op": "update", "count": 3})
    deleted = deletable_ids(control, provider, 3)
    for nth, mutation in ((3, {"op": "insert", "count": 2}), (4, {"op": "delete", "ids": deleted[:1]}),
                          (7, {"op": "delete", "ids": deleted[1:2]}), (10, {"op": "insert", "count": 2}),
                          (13, {"op": "delete", "ids": deleted[2:]})):
        control.arm_trigger(path=path, nth=nth, mutation={"dataset": dataset, **mutation})


@pytest.mark.parametrize("provider", BY_MODIFICATION)  # the union is checked by `updated_at` and `notes`
def test_sigkill_after_seeded_states_with_writes_then_resume_loses_no_entry(
        paged_sandbox: Any, provider: str, tmp_path: Path) -> None:
    control = paged_sandbox.control
    config = resilience_config(paged_sandbox, provider)
    if provider == "generic":
        config["provider"] = {**config["provider"], "pagination": {"page_size": GENERIC_PAGE_SIZE}}
    rng = random.Random(20261202)
    kills, figures = 0, []
    for _ in range(CHAINS):
        control.reset()
        # The window as a previous sync saw it, so deletes inside it can be reported; time entries from scratch.
        state = final_states(run_read(config, ["deleted_time_entries"], SyncMode.incremental))
        _arm_writes(control, provider)
        deliveries, chain_kills = [], 0
        for _ in range(MAX_ATTEMPTS_PER_CHAIN):  # an attempt that finishes before its kill point is a sync too
            killed, records, state = run_until_state(
                tmp_path, config, state, rng.randint(1, MAX_STATES_BEFORE_KILL[provider]))
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
        deliveries.append(emitted(run_read(config, STREAMS, SyncMode.incremental, state)))
        deleted = [i for t in fired if t["fired"] and t["mutation"]["op"] == "delete" for i in t["ids"]]
        assert deleted and sum(t["fired"] for t in fired) >= 8  # the writes did happen during the attempts
        figures.append(assert_union_equals_truth(control, provider, deliveries, deleted))
    print(f"{provider}: {kills} kills; per chain {figures}")
    assert kills >= 20
