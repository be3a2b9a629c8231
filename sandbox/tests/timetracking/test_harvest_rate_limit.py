"""Harvest's throttle: 100 requests per 15 s per account, then 429 with Retry-After (driven by a fake clock)."""

import pytest

from sandbox.faults import Faults
from sandbox.harvest import RATE_LIMIT_VARIABLE, HarvestEmulator
from sandbox.rate_limiting import SlidingWindowRateLimit

from .helpers import HARVEST_HEADERS, call


def spend(harvest, count: int) -> list[int]:
    return [call(harvest, "/v2/company", HARVEST_HEADERS).status for _ in range(count)]


def test_the_101st_request_in_15_seconds_is_throttled(harvest, store, clock):
    assert spend(harvest, 100) == [200] * 100
    answer = call(harvest, "/v2/time_entries", HARVEST_HEADERS)
    assert answer.status == 429
    assert answer.headers["Retry-After"] == "15"
    assert answer.body["error"] == "Too Many Requests"
    assert store.counted["harvest", "throttled"] == 1


def test_reset_starts_the_window_afresh(harvest, clock):
    spend(harvest, 100)
    harvest.reset()
    assert spend(harvest, 100) == [200] * 100
    assert call(harvest, "/v2/company", HARVEST_HEADERS).status == 429


def test_retry_after_counts_down_and_the_window_slides(harvest, clock):
    spend(harvest, 50)
    clock.now += 10
    spend(harvest, 50)
    clock.now += 2
    assert call(harvest, "/v2/company", HARVEST_HEADERS).headers["Retry-After"] == "3"
    clock.now += 3  # the first 50 requests leave the window
    assert spend(harvest, 50) == [200] * 50
    assert call(harvest, "/v2/company", HARVEST_HEADERS).status == 429
    clock.now += 15
    assert spend(harvest, 100) == [200] * 100


def test_throttled_and_unauthenticated_requests_do_not_use_the_budget(harvest, clock):
    spend(harvest, 100)
    assert spend(harvest, 5) == [429] * 5
    clock.now += 15
    for _ in range(20):
        assert call(harvest, "/v2/company", {"User-Agent": "x (x@example.com)"}).status == 401
    assert spend(harvest, 100) == [200] * 100


def test_the_limit_can_be_switched_off_and_adjusted(harvest, clock):
    harvest.rate_limit.configure(None)
    assert spend(harvest, 250) == [200] * 250
    harvest.rate_limit.configure(3, seconds=60)
    assert spend(harvest, 4) == [200, 200, 200, 429]
    assert call(harvest, "/v2/company", HARVEST_HEADERS).headers["Retry-After"] == "60"
    assert harvest.rate_limit.settings() == {"requests": 3, "seconds": 60}


@pytest.mark.parametrize("requests, seconds", [(0, 15), (10, 0)])
def test_nonsense_limits_are_refused(requests, seconds):
    with pytest.raises(ValueError):
        SlidingWindowRateLimit("harvest_rate_limit").configure(requests, seconds)


@pytest.mark.parametrize("setting, expected", [(None, {"requests": 100, "seconds": 15.0}),
                                               ("off", {"requests": None, "seconds": 15.0}),
                                               ("OFF", {"requests": None, "seconds": 15.0}),
                                               ("500/60", {"requests": 500, "seconds": 60.0}),
                                               ("20", {"requests": 20, "seconds": 15.0})])
def test_setting_from_the_environment(store, monkeypatch, setting, expected):
    if setting is None:
        monkeypatch.delenv(RATE_LIMIT_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(RATE_LIMIT_VARIABLE, setting)
    assert HarvestEmulator(store, Faults()).rate_limit.settings() == expected


def test_bad_environment_setting_is_refused(store, monkeypatch):
    monkeypatch.setenv(RATE_LIMIT_VARIABLE, "lots")
    with pytest.raises(ValueError, match=RATE_LIMIT_VARIABLE):
        HarvestEmulator(store, Faults())


def test_the_start_argument_wins_over_the_environment_and_reset_restores_it(store, monkeypatch, clock):
    monkeypatch.setenv(RATE_LIMIT_VARIABLE, "off")
    harvest = HarvestEmulator(store, Faults(), rate_limit="2/60", clock=clock)
    assert harvest.settings() == {"harvest_rate_limit": "2/60"}
    harvest.apply_settings({"harvest_rate_limit": "off"})
    assert spend(harvest, 150) == [200] * 150
    harvest.reset()
    assert harvest.settings() == {"harvest_rate_limit": "2/60"}
    assert spend(harvest, 3) == [200, 200, 429]


def test_a_bad_setting_changes_nothing(harvest, clock):
    harvest.apply_settings({"harvest_rate_limit": "3/60"})
    with pytest.raises(ValueError, match="'3/zero'"):
        harvest.apply_settings({"harvest_rate_limit": "3/zero"})
    assert harvest.settings() == {"harvest_rate_limit": "3/60"}
