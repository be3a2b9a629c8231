from datetime import date

from pipeline.connections import time_tracking_providers
from pipeline.demo import demo_configs

TIME_PROVIDERS = time_tracking_providers()
# As the sandbox says it: every provider but Harvest and the generic API serves Harvest's technicians again.
MIRRORS = {provider: "harvest" for provider in TIME_PROVIDERS if provider not in ("harvest", "generic")}
DEMO_TIME_PROVIDERS = [provider for provider in TIME_PROVIDERS if provider not in MIRRORS]
CREDENTIALS = {
    "intacct": {"company_id": "NORTHWIND-FS", "user_password": "fake-secret", "endpoint_url": "http://127.0.0.1:1/ia"},
    **{provider: {"provider": {"provider_type": provider, "base_url": f"http://127.0.0.1:1/{provider}"}}
       for provider in TIME_PROVIDERS},
    "same_time_as": MIRRORS,
}


def test_configs_add_the_calendar_start_to_the_sandbox_credentials():
    configs = {connection.name: config for connection, config in demo_configs(CREDENTIALS, today=date(2026, 11, 25)).items()}
    assert configs.pop("sage_gl") == {**CREDENTIALS["intacct"], "start_date": "2026-01-01T00:00:00Z"}
    assert configs == {f"time_{provider}": {**CREDENTIALS[provider], "start_date": "2026-01-01T00:00:00Z",
                                            "deletion_window_days": 329} for provider in DEMO_TIME_PROVIDERS}


def test_the_demo_leaves_out_providers_holding_anothers_time_and_any_provider_can_take_harvests_place():
    """A provider the sandbox fills with Harvest's technicians would count that labour twice against the GL
    beside Harvest, so by default it is left out, and named it reconciles in Harvest's place."""
    assert set(DEMO_TIME_PROVIDERS) == {"harvest", "generic"} and len(TIME_PROVIDERS) >= 5
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
