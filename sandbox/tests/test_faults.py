"""Fault switches: which requests a fault fires for, how often, and for how long."""

import threading

import pytest

from sandbox.faults import FaultError, Faults


def fire_pattern(faults: Faults, kind: str, path: str, times: int) -> list[bool]:
    return [faults.take(kind, path) is not None for _ in range(times)]


def test_nothing_fires_when_no_fault_is_set(faults):
    assert faults.take("status", "/v2/users") is None


def test_count_fires_exactly_n_times_then_switches_off(faults):
    faults.set("status", status=502, count=3)
    assert fire_pattern(faults, "status", "/v1/entries", 5) == [True, True, True, False, False]
    assert faults.snapshot() == {"faults": [], "fired": {"status": 3}}


def test_paths_limit_a_fault_to_prefixes(faults):
    faults.set("rate_limit", paths=["/v2/time_entries"])
    assert faults.take("rate_limit", "/v2/users") is None
    assert faults.take("rate_limit", "/v2/time_entries").kind == "rate_limit"


def test_rate_is_a_seeded_probability():
    first, second = Faults(seed=42), Faults(seed=42)
    for faults in (first, second):
        faults.set("truncated", rate=0.3)
    pattern = fire_pattern(first, "truncated", "/v1/entries", 1000)
    assert pattern == fire_pattern(second, "truncated", "/v1/entries", 1000)
    assert 200 < sum(pattern) < 400
    first.clear()
    first.set("truncated", rate=0.3)
    assert fire_pattern(first, "truncated", "/v1/entries", 1000) == pattern  # clear restarts the draws


def test_one_fault_per_kind_and_kinds_are_independent(faults):
    faults.set("status", status=500)
    faults.set("status", status=524)
    faults.set("slow", seconds=0.01)
    assert faults.take("status", "/ia/xml/xmlgw.phtml").status == 524
    assert faults.take("expired_session", "/ia/xml/xmlgw.phtml") is None
    assert {fault["kind"] for fault in faults.snapshot()["faults"]} == {"status", "slow"}


def test_count_is_exact_under_concurrent_takes(faults):
    faults.set("status", count=50)
    fired = []

    def worker():
        for _ in range(100):
            if faults.take("status", "/v2/users"):
                fired.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fired) == 50


def test_stop_cuts_delays_short(faults):
    faults.stop()
    finished = threading.Event()
    thread = threading.Thread(target=lambda: (faults.delay(600), finished.set()))
    thread.start()
    thread.join(timeout=30)
    assert finished.is_set()


@pytest.mark.parametrize("kind, settings, message", [
    ("explode", {}, "unknown fault kind"),
    ("status", {"rate": 1.5}, "rate"),
    ("status", {"count": 0}, "count"),
    ("status", {"paths": "/v2"}, "paths"),
    ("status", {"status": 200}, "status"),
    ("slow", {}, "seconds"),
    ("truncated", {"seconds": 3}, "seconds"),
    ("rate_limit", {"status": 429}, "status"),
])
def test_bad_settings_are_refused(faults, kind, settings, message):
    with pytest.raises(FaultError, match=message):
        faults.set(kind, **settings)
    assert faults.snapshot()["faults"] == []


def test_vendor_specific_kinds_are_switched_like_the_others(faults):
    faults.set("permission_denied", paths=["/ia/xml/xmlgw.phtml/AUDITHISTORY"])
    assert faults.take("permission_denied", "/ia/xml/xmlgw.phtml/GLENTRY") is None
    assert faults.take("permission_denied", "/ia/xml/xmlgw.phtml/AUDITHISTORY").kind == "permission_denied"


@pytest.mark.parametrize("kind, settings, message", [
    ("oversized", {}, "megabytes"),
    ("oversized", {"megabytes": 0}, "megabytes"),
    ("trickle", {}, "seconds"),
    ("status", {"megabytes": 1}, "megabytes"),
    ("slow", {"seconds": 601}, "seconds"),
])
def test_bad_settings_of_the_hostile_kinds_are_refused(faults, kind, settings, message):
    with pytest.raises(FaultError, match=message):
        faults.set(kind, **settings)


def test_rate_limit_may_ask_for_a_very_long_wait(faults):
    assert faults.set("rate_limit", seconds=100000).seconds == 100000.0


def test_repeat_page_answers_the_previous_page_of_the_same_list(faults):
    assert faults.repeat_page("/v2/tasks", "tasks", "page 1") == "page 1"  # off: nothing remembered
    faults.set("repeat_page", count=1, paths=["/v2/tasks"])
    assert faults.repeat_page("/v2/users", "users", "users 1") == "users 1"  # another path: untouched
    assert faults.repeat_page("/v2/tasks", "tasks", "page 1") == "page 1"  # the first page of a list is itself
    assert faults.repeat_page("/v2/tasks", "tasks", "page 2") == "page 1"  # fires: the previous page again
    assert faults.repeat_page("/v2/tasks", "tasks", "page 2") == "page 2"  # used up
    assert faults.snapshot()["fired"] == {"repeat_page": 1}
