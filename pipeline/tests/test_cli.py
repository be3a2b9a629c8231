import json

import pytest

from pipeline.cli import build_parser, main, stream_names
from pipeline.connections import CONNECTIONS
from pipeline.sync import check_config

SPEC = {
    "type": "object",
    "required": ["company_id", "user_password"],
    "properties": {
        "company_id": {"type": "string"},
        "user_password": {"type": "string", "airbyte_secret": True},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 2000},
    },
}


def test_streams_accept_spaces_and_commas():
    assert stream_names(["gl_accounts,journal_entries", "journal_entry_lines"]) == [
        "gl_accounts", "journal_entries", "journal_entry_lines"]
    assert stream_names(None) is None


def test_sync_arguments():
    args = build_parser().parse_args(["sync", "--connection", "time_generic", "--config", "c.json",
                                      "--dsn", "postgresql://u@h/d", "--full-refresh", "--streams", "time_entries"])
    assert (args.connection, str(args.config), args.dsn, args.duckdb, args.full_refresh, args.streams) == (
        "time_generic", "c.json", "postgresql://u@h/d", None, True, ["time_entries"])


def test_dsn_and_duckdb_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sync", "--connection", "sage_gl", "--config", "c.json",
                                   "--dsn", "postgresql://u@h/d", "--duckdb", "x.duckdb"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_connection_choices_are_the_known_connections(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sync", "--connection", "sage", "--config", "c.json"])
    err = capsys.readouterr().err
    assert all(name in err for name in CONNECTIONS)


def test_bad_config_file_exits_2_with_a_message_and_no_secret(tmp_path, capsys):
    config = tmp_path / "sage_gl.json"
    config.write_text('{"user_password": "fake-secret"')
    assert main(["sync", "--connection", "sage_gl", "--config", str(config), "--duckdb", str(tmp_path / "s.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: config ") and "is not valid JSON" in err and "fake-secret" not in err


def test_run_without_configs_exits_2(tmp_path, capsys):
    assert main(["run", "--configs", str(tmp_path)]) == 2
    assert "no connection config in" in capsys.readouterr().err


def test_check_config_accepts_a_valid_config():
    check_config(CONNECTIONS["sage_gl"], {"company_id": "ACME", "user_password": "fake-secret"}, SPEC)


def test_check_config_says_what_the_connector_says_field_by_field_and_never_a_secret():
    config = {"user_password": 123456789, "page_size": 5000, "page_sise": 10}
    with pytest.raises(Exception) as error:
        check_config(CONNECTIONS["sage_gl"], config, SPEC)
    assert str(error.value) == (
        "sage_gl config for source-sage-gl: company_id is missing. user_password must be a string; got an integer. "
        "page_size must be between 1 and 2000; got 5000. Unknown key 'page_sise' is ignored: did you mean "
        "'page_size'?")


def test_check_config_names_the_providers_own_missing_field():
    spec = {"type": "object", "required": ["provider"], "properties": {"provider": {"type": "object", "oneOf": [
        {"title": "Generic", "type": "object", "required": ["provider_type", "base_url"],
         "properties": {"provider_type": {"const": "generic"}, "base_url": {"type": "string"}}},
        {"title": "Harvest", "type": "object", "required": ["provider_type", "user_agent"],
         "properties": {"provider_type": {"const": "harvest"}, "user_agent": {"type": "string"}}}]}}}
    with pytest.raises(Exception) as error:
        check_config(CONNECTIONS["time_harvest"], {"provider": {"provider_type": "harvest"}}, spec)
    assert str(error.value) == ("time_harvest config for source-time-tracking: provider.user_agent is missing "
                                "(Harvest requires it).")


def test_source_is_an_alias_of_connection_and_hyphens_read_as_underscores():
    args = build_parser().parse_args(["sync", "--source", "sage-gl", "--config", "c.json"])
    assert args.connection == "sage_gl"
