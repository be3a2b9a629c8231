"""`config_check` against the real spec: the chosen provider's own fields are named, values that may hold a
secret are never quoted, and a typo gets the closest valid key."""

from source_time_tracking import SourceTimeTracking
from source_time_tracking.config_check import config_problems, unknown_key_problems

SPEC = SourceTimeTracking().spec(None).connectionSpecification
HARVEST = {"provider_type": "harvest", "account_id": "1", "access_token": "tok-123456", "user_agent": "ETL (a@b.c)"}


def test_a_harvest_config_is_checked_against_harvest_only():
    provider = {key: value for key, value in HARVEST.items() if key != "user_agent"}
    assert config_problems({"provider": provider}, SPEC) == [
        "provider.user_agent is missing (Harvest requires it): Required by Harvest: an application name and a "
        "contact email, e.g. `Finance ETL (data@example.com)`."]


def test_values_that_may_hold_a_secret_are_never_quoted():
    problems = config_problems({"provider": {"provider_type": "generic", "base_url": "ftp://etl:hunter2-secret@x.example",
                                             "auth": {"auth_type": "bearer", "token": 12345678}}}, SPEC)
    assert problems == ["provider.base_url must be written like https://api.time-tracking.com.",
                        "provider.auth.token must be a string; got an integer."]
    assert not any("12345678" in problem or "hunter2" in problem for problem in problems)


def test_a_typo_gets_the_closest_valid_key_and_nothing_else_is_reported():
    config = {"provider": {**HARVEST, "acount_id": "2"}, "start_dte": "2026-01-01", "deletion_window_days": 30}
    assert unknown_key_problems(config, SPEC) == [
        "Unknown key 'provider.acount_id' is ignored: did you mean 'provider.account_id'?",
        "Unknown key 'start_dte' is ignored: did you mean 'start_date'?"]
    assert config_problems(config, SPEC) == []


def test_a_date_in_another_form_is_answered_with_the_expected_form_and_an_example():
    assert config_problems({"provider": HARVEST, "start_date": "01/02/2020"}, SPEC) == [
        "start_date must be written like 2026-01-01T00:00:00Z (YYYY-MM-DDTHH:mm:ssZ); got '01/02/2020'."]
