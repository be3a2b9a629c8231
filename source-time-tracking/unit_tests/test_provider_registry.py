"""Registering a provider is all the connector needs: outside the registry (`providers.py`) and the provider's
own modules (`<name>.py`, `<name>_*.py`), no code of source_time_tracking names a provider."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from airbyte_cdk.models import SyncMode

from source_time_tracking.providers import PROVIDERS
from source_time_tracking.source import SourceTimeTracking

PACKAGE = Path(__file__).resolve().parent.parent / "source_time_tracking"
SAMPLE_CONFIGS = PACKAGE.parent / "integration_tests"


def _prose(tree: ast.AST) -> set[int]:
    """ids of the strings standing alone as statements (docstrings, attribute docstrings): prose may give a
    provider as an example, code may not branch on one."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}


def _words(source: str) -> list[str]:
    """Every identifier and string literal of the code (comments and docstrings left out)."""
    tree = ast.parse(source)
    prose = _prose(tree)
    words = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            words.append(node.value)
        elif isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            words.append(node.name)
        elif isinstance(node, ast.alias):
            words += [node.name, node.asname or ""]
        elif isinstance(node, ast.arg):
            words.append(node.arg)
    return words


def provider_names_in(source: str, names: list[str]) -> set[str]:
    return {name for word in _words(source) for name in names if name in word.lower()}


def _owner(module: Path) -> str | None:
    """The provider a module belongs to, by its file name, or None for the connector's shared code."""
    return next((name for name in PROVIDERS if module.stem == name or module.stem.startswith(f"{name}_")), None)


def test_the_check_finds_a_provider_named_in_code_and_not_in_prose():
    source = '"""Harvest sorts by spent_date."""\n# generic paging\nif isinstance(provider, HarvestProvider):\n    kind = "generic"\n'

    assert provider_names_in(source, ["harvest", "generic", "other"]) == {"harvest", "generic"}
    assert provider_names_in('"""Harvest and the generic API."""\n', ["harvest", "generic"]) == set()


def test_no_shared_module_names_a_provider():
    modules = sorted(PACKAGE.glob("*.py"))
    assert {_owner(module) for module in modules} >= set(PROVIDERS)  # every provider has its module

    naming = {
        module.name: sorted(provider_names_in(module.read_text(encoding="utf-8"), list(PROVIDERS)))
        for module in modules
        if module.name != "providers.py" and _owner(module) is None
    }

    assert {module: names for module, names in naming.items() if names} == {}


def test_each_registered_provider_is_registered_under_its_own_name():
    assert all(name == provider.name == provider.config_model.model_fields["provider_type"].annotation.__args__[0]
               for name, provider in PROVIDERS.items())


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_discover_offers_incremental_only_with_a_cursor_field_the_schema_declares(name):
    """A stream read whole every sync (Clockify's users, projects, clients, tasks) must not be offered as
    incremental with an empty cursor; every incremental stream's cursor is a field of its records."""
    config = json.loads((SAMPLE_CONFIGS / f"sample_config_{name}.json").read_text())
    offered = {}
    for stream in SourceTimeTracking().streams(config):
        airbyte_stream = stream.as_airbyte_stream()
        offered[airbyte_stream.name] = SyncMode.incremental in airbyte_stream.supported_sync_modes
        if offered[airbyte_stream.name]:
            [field] = airbyte_stream.default_cursor_field
            assert field and field in airbyte_stream.json_schema["properties"], (name, airbyte_stream.name)
    assert offered["time_entries"] and offered["deleted_time_entries"]
