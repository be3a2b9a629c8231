"""The connectors' specs, saved next to the catalogs and reused while the connector is unchanged.

A spec depends only on the connector's code, so running `spec` (a subprocess of a second or more) before
every sync is waste. The saved spec is reused while the connector's package version and the size and
modification time of every file of its package (an editable install changes them without a new version)
are those it was saved with; anything else runs `spec` again. The catalog is not reused this way:
source-sage-gl's catalog follows the vendor's live custom fields and the schema-change review compares a
fresh one, so every sync still discovers once.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
from pathlib import Path
from typing import Any, Callable

from .connections import Connection


def connector_fingerprint(connection: Connection) -> str:
    """The connector's package version and a digest of its files' sizes and modification times."""
    digest = hashlib.sha256(importlib.metadata.version(connection.source).encode())
    module = importlib.util.find_spec(connection.source.replace("-", "_"))
    for folder in (module.submodule_search_locations or []) if module else []:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return f"{importlib.metadata.version(connection.source)}+{digest.hexdigest()[:16]}"


def load_spec(connection: Connection, spec_dir: Path, read_spec: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The connector's config spec: saved in `<spec_dir>/<connection>.spec.json` if still current, else
    `read_spec()` (the connector's `spec` command), saved for the next sync."""
    path = spec_dir / f"{connection.name}.spec.json"
    fingerprint = connector_fingerprint(connection)
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("connector") == connection.source and saved.get("fingerprint") == fingerprint:
            return saved["spec"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass  # none saved yet, or unreadable: run `spec`
    spec = read_spec()
    spec_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"connector": connection.source, "fingerprint": fingerprint, "spec": spec}, indent=1),
                    encoding="utf-8")
    return spec
