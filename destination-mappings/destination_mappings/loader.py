"""Reading mapping files (YAML or JSON) into models; shape errors become `MappingError`s naming the file."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Iterable

import yaml
from pydantic import ValidationError

from .models import Mapping
from .validation import LoadedMapping, MappingError

SUFFIXES = (".yaml", ".yml", ".json")


def shipped_mappings_dir() -> Path:
    """The mappings shipped with the package: financial_transactions, time_entries, labour_cost_vs_gl."""
    return Path(str(resources.files("destination_mappings.mappings")))


def mapping_files(locations: Iterable[Path | str]) -> list[Path]:
    files: list[Path] = []
    for location in map(Path, locations):
        if location.is_dir():
            files += sorted(path for path in location.iterdir() if path.suffix in SUFFIXES)
        else:
            files.append(location)
    return files


def load_mappings(locations: Iterable[Path | str] | None = None) -> tuple[list[LoadedMapping], list[MappingError]]:
    """Load every mapping file of the given files/directories (default: the shipped ones)."""
    loaded, errors = [], []
    for path in mapping_files(locations or [shipped_mappings_dir()]):
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
            loaded.append(LoadedMapping(path.name, Mapping.model_validate(data)))
        except OSError as error:
            errors.append(MappingError(str(path), f"cannot read: {error.strerror}"))
        except (yaml.YAMLError, json.JSONDecodeError) as error:
            errors.append(MappingError(path.name, f"not valid {path.suffix.lstrip('.').upper()}: {error}"))
        except ValidationError as error:
            errors += [MappingError(path.name, detail["msg"], field=".".join(map(str, detail["loc"])) or None)
                       for detail in error.errors()]
    return loaded, errors
