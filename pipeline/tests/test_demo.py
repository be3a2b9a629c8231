from datetime import date

from destination_mappings import load_mappings
from destination_mappings.models import Variable

from pipeline.connections import provider_window_settings, time_tracking_providers
from pipeline.demo import GL_CHANGES, demo_changes, demo_configs, demo_time_providers
from pipeline.run import mapping_variables

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
        assert configs[next(c for c in configs if c.name == f"time_{provider}")]["provider"] == {
            **CREDENTIALS[provider]["provider"], **dict.fromkeys(provider_window_settings(provider), 329)}


def test_deletion_window_reaches_the_calendar_start_within_the_sources_limit():
    def window(today):
        return demo_configs(CREDENTIALS, today=today)
    assert [config["deletion_window_days"] for connection, config in window(date(2026, 1, 1)).items()
            if connection.name != "sage_gl"] == [1] * len(DEMO_TIME_PROVIDERS)
    assert {config.get("deletion_window_days") for config in window(date(2028, 6, 1)).values()} == {None, 366}


def test_a_chosen_provider_takes_the_place_of_the_one_whose_time_it_holds():
    assert demo_time_providers(CREDENTIALS) == DEMO_TIME_PROVIDERS
    for provider in MIRRORS:
        assert demo_time_providers(CREDENTIALS, provider) == [
            provider if name == "harvest" else name for name in DEMO_TIME_PROVIDERS]
    assert demo_time_providers(CREDENTIALS, "generic") == DEMO_TIME_PROVIDERS
    assert demo_time_providers({**CREDENTIALS, "same_time_as": {}}, "toggl") == TIME_PROVIDERS


def test_the_demo_changes_the_gl_and_the_time_entries_of_each_loaded_provider():
    changes = demo_changes(["harvest_time_entries", "qbtime_timesheets"])
    assert changes[:len(GL_CHANGES)] == list(GL_CHANGES)
    assert {(dataset, op) for dataset, op, _ in changes[len(GL_CHANGES):]} == {
        (dataset, op) for dataset in ("harvest_time_entries", "qbtime_timesheets") for op in ("insert", "update", "delete")}


def test_each_providers_account_or_workspace_id_fills_the_variable_the_shipped_mappings_ask_for():
    configs = demo_configs({**CREDENTIALS, "harvest": {"provider": {"provider_type": "harvest", "account_id": "1234567",
                                                                     "access_token": "fake-token"}},
                            "clockify": {"provider": {"provider_type": "clockify", "workspace_id": "64a6",
                                                      "api_key": "fake-key"}},
                            "toggl": {"provider": {"provider_type": "toggl", "workspace_id": 6676428,
                                                   "api_token": "fake-token"}}},
                           time_providers=TIME_PROVIDERS)
    variables = mapping_variables(configs)
    assert variables == {"harvest_account_id": "1234567", "clockify_workspace_id": "64a6",
                         "toggl_workspace_id": "6676428"}
    declared = {value.var for loaded in load_mappings()[0] for source in loaded.mapping.sources
                for value in source.constants.values() if isinstance(value, Variable)}
    assert set(variables) <= declared
