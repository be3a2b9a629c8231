import importlib.metadata
import importlib.util
import json
from importlib.machinery import ModuleSpec

import pytest

from pipeline.connections import CONNECTIONS
from pipeline.spec_store import connector_fingerprint, load_spec

SAGE = CONNECTIONS["sage_gl"]
SPEC = {"type": "object", "properties": {"password": {"type": "string", "airbyte_secret": True}}}


class SpecCommand:
    """Stands for the connector's `spec` run: counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return SPEC


def test_the_saved_spec_is_reused_while_the_connector_is_unchanged(tmp_path):
    spec_command = SpecCommand()
    assert load_spec(SAGE, tmp_path, spec_command) == SPEC
    assert load_spec(SAGE, tmp_path, spec_command) == SPEC
    assert spec_command.calls == 1
    saved = json.loads((tmp_path / "sage_gl.spec.json").read_text())
    assert saved == {"connector": "source-sage-gl", "fingerprint": connector_fingerprint(SAGE), "spec": SPEC}


@pytest.mark.parametrize("saved", [
    {"connector": "source-sage-gl", "fingerprint": "0.1.0+0000000000000000", "spec": {"stale": True}},  # another build
    {"connector": "source-time-tracking", "fingerprint": None, "spec": {"stale": True}},
    "not json",
])
def test_a_spec_saved_for_another_build_or_unreadable_runs_spec_again(tmp_path, saved):
    (tmp_path / "sage_gl.spec.json").write_text(saved if isinstance(saved, str) else json.dumps(saved))
    spec_command = SpecCommand()
    assert load_spec(SAGE, tmp_path, spec_command) == SPEC
    assert spec_command.calls == 1


def test_the_fingerprint_changes_with_any_file_of_the_package(tmp_path, monkeypatch):
    # An editable install changes the code without a new version: the files' sizes and times count.
    package = tmp_path / "source_sage_gl"
    (package / "schemas").mkdir(parents=True)
    (package / "spec.py").write_text("SPEC = 1\n")
    (package / "schemas" / "lines.json").write_text("{}")
    module = ModuleSpec("source_sage_gl", None, is_package=True)
    module.submodule_search_locations = [str(package)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: module)
    before = connector_fingerprint(SAGE)
    assert before.startswith(importlib.metadata.version("source-sage-gl") + "+")
    assert connector_fingerprint(SAGE) == before
    (package / "schemas" / "lines.json").write_text('{"type": "object"}')
    assert connector_fingerprint(SAGE) != before
