import json
import sys
from pathlib import Path

import pytest

from destination_mappings import load_mappings
from source_time_tracking.providers import PROVIDERS

from pipeline.connections import (CONNECTIONS, Connection, PipelineError, configured_connections, get_connection,
                                  read_config, time_tracking_providers)


def test_every_registered_time_tracking_provider_is_a_connection_in_the_registry_order():
    assert time_tracking_providers() == list(PROVIDERS)


def test_the_shipped_time_entries_mapping_reads_every_time_tracking_connection():
    [time_entries] = [loaded.mapping for loaded in load_mappings()[0] if loaded.table == "time_entries"]

    assert {source.connection for source in time_entries.sources} == {
        name for name, connection in CONNECTIONS.items() if connection.source == "source-time-tracking"}


def test_connections_have_distinct_prefixes_named_after_them():
    assert {name: c.table_prefix for name, c in CONNECTIONS.items()} == {
        "sage_gl": "sage_gl__", **{f"time_{provider}": f"time_{provider}__" for provider in PROVIDERS}}
    assert {c.source for name, c in CONNECTIONS.items() if name != "sage_gl"} == {"source-time-tracking"}


def test_unknown_connection_lists_the_known_ones():
    with pytest.raises(PipelineError, match="unknown connection 'sage'.*sage_gl, time_generic, time_harvest"):
        get_connection("sage")


def test_executable_is_the_console_script_next_to_this_interpreter(tmp_path, monkeypatch):
    (tmp_path / "source-demo").write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert Connection("demo", "source-demo", "demo__").executable() == tmp_path / "source-demo"
    with pytest.raises(PipelineError, match=r"source-missing is not installed in .*make install"):
        Connection("missing", "source-missing", "missing__").executable()


def test_read_config_returns_the_object(tmp_path):
    path = tmp_path / "sage_gl.json"
    path.write_text(json.dumps({"company_id": "ACME", "user_password": "fake-secret"}))
    assert read_config(path) == {"company_id": "ACME", "user_password": "fake-secret"}


@pytest.mark.parametrize("content, message", [
    ('{"user_password": "fake-secret",', "is not valid JSON"),
    ('["fake-secret"]', "must hold a JSON object"),
])
def test_bad_config_files_are_named_without_their_content(tmp_path, content, message):
    path = tmp_path / "sage_gl.json"
    path.write_text(content)
    with pytest.raises(PipelineError, match=message) as error:
        read_config(path)
    assert str(path) in str(error.value)
    assert "fake-secret" not in str(error.value)


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(PipelineError, match=r"cannot read config .*nope.json"):
        read_config(tmp_path / "nope.json")


def test_configured_connections_are_those_with_a_config_file(tmp_path):
    (tmp_path / "time_generic.json").write_text("{}")
    (tmp_path / "sage_gl.json").write_text("{}")
    (tmp_path / "unrelated.json").write_text("{}")
    found = configured_connections(tmp_path)
    assert [(c.name, p.name) for c, p in found.items()] == [("sage_gl", "sage_gl.json"), ("time_generic", "time_generic.json")]


def test_no_configured_connection_is_an_error(tmp_path):
    with pytest.raises(PipelineError, match="no connection config in .*sage_gl.json, time_generic.json, time_harvest.json"):
        configured_connections(tmp_path)
    with pytest.raises(PipelineError, match="does not exist"):
        configured_connections(tmp_path / "absent")
