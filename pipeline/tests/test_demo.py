from datetime import date

from pipeline.demo import demo_configs

CREDENTIALS = {
    "intacct": {"company_id": "NORTHWIND-FS", "user_password": "fake-secret", "endpoint_url": "http://127.0.0.1:1/ia"},
    "harvest": {"provider": {"provider_type": "harvest", "account_id": "1234567", "access_token": "fake-token"}},
    "generic": {"provider": {"provider_type": "generic", "base_url": "http://127.0.0.1:1"}},
}


def test_configs_add_the_calendar_start_to_the_sandbox_credentials():
    configs = {connection.name: config for connection, config in demo_configs(CREDENTIALS, today=date(2026, 11, 25)).items()}
    assert configs["sage_gl"] == {**CREDENTIALS["intacct"], "start_date": "2026-01-01T00:00:00Z"}
    assert configs["time_harvest"] == {**CREDENTIALS["harvest"], "start_date": "2026-01-01T00:00:00Z",
                                       "deletion_window_days": 329}
    assert configs["time_generic"]["provider"] == CREDENTIALS["generic"]["provider"]


def test_deletion_window_reaches_the_calendar_start_within_the_sources_limit():
    def window(today):
        return demo_configs(CREDENTIALS, today=today)
    assert [config["deletion_window_days"] for connection, config in window(date(2026, 1, 1)).items()
            if connection.name != "sage_gl"] == [1, 1]
    assert {config.get("deletion_window_days") for config in window(date(2028, 6, 1)).values()} == {None, 366}
