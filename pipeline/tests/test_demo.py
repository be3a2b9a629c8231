from datetime import date

from pipeline.connections import time_tracking_providers
from pipeline.demo import DEMO_TIME_PROVIDERS, demo_configs

TIME_PROVIDERS = time_tracking_providers()
CREDENTIALS = {
    "intacct": {"company_id": "NORTHWIND-FS", "user_password": "fake-secret", "endpoint_url": "http://127.0.0.1:1/ia"},
    **{provider: {"provider": {"provider_type": provider, "base_url": f"http://127.0.0.1:1/{provider}"}}
       for provider in TIME_PROVIDERS},
}


def test_configs_add_the_calendar_start_to_the_sandbox_credentials():
    configs = {connection.name: config for connection, config in demo_configs(CREDENTIALS, today=date(2026, 11, 25)).items()}
    assert configs.pop("sage_gl") == {**CREDENTIALS["intacct"], "start_date": "2026-01-01T00:00:00Z"}
    assert configs == {f"time_{provider}": {**CREDENTIALS[provider], "start_date": "2026-01-01T00:00:00Z",
                                            "deletion_window_days": 329} for provider in DEMO_TIME_PROVIDERS}


def test_the_demo_syncs_the_crews_the_payroll_posts_and_any_provider_can_take_harvests_place():
    """The other providers' emulators serve Harvest's technicians again: syncing them beside Harvest would
    count that labour twice against the GL, so each reconciles in Harvest's place."""
    assert set(DEMO_TIME_PROVIDERS) == {"harvest", "generic"} and set(DEMO_TIME_PROVIDERS) <= set(TIME_PROVIDERS)
    for provider in TIME_PROVIDERS:
        configs = demo_configs(CREDENTIALS, today=date(2026, 11, 25), time_providers=(provider, "generic"))
        assert {connection.name for connection in configs} == {"sage_gl", f"time_{provider}", "time_generic"}
        assert configs[next(c for c in configs if c.name == f"time_{provider}")]["provider"] == CREDENTIALS[provider]["provider"]


def test_deletion_window_reaches_the_calendar_start_within_the_sources_limit():
    def window(today):
        return demo_configs(CREDENTIALS, today=today)
    assert [config["deletion_window_days"] for connection, config in window(date(2026, 1, 1)).items()
            if connection.name != "sage_gl"] == [1] * len(DEMO_TIME_PROVIDERS)
    assert {config.get("deletion_window_days") for config in window(date(2028, 6, 1)).values()} == {None, 366}
