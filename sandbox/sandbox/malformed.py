"""The `malformed_value` fault: one field of an answer rewritten to a value its type does not allow.

The value is raw wire text, written as is: for Harvest, the generic API and QuickBooks Time a JSON token
(`NaN`, `null`, `"abc"`, `12345`, `12345678901234567.89`) in place of the field's value in the first record
that has the field (records in a top-level list, or keyed by id under `results.<list>`); for Intacct the text of the first element of that name (`NaN`, `+99:00` for `gmtoffset`, an empty
text for a missing value). Every other byte of the answer stays as the emulator wrote it, decimals exact.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape


class _Raw(str):
    """JSON text to write verbatim."""


def inject(body: bytes, content_type: str, field: str, value: str) -> bytes | None:
    """The body with `field` set to `value`; None when the answer has no such field (nothing to inject)."""
    if "xml" in content_type:
        return _inject_xml(body, field, value)
    if "json" in content_type:
        return _inject_json(body, field, value)
    return None


def _inject_xml(body: bytes, field: str, value: str) -> bytes | None:
    element = re.compile(rf"<{re.escape(field)}>[^<]*</{re.escape(field)}>|<{re.escape(field)}\s*/>".encode())
    replaced, count = element.subn(f"<{field}>{escape(value)}</{field}>".encode(), body, count=1)
    return replaced if count else None


def _inject_json(body: bytes, field: str, value: str) -> bytes | None:
    try:
        document = json.loads(body, parse_float=Decimal)
    except ValueError:
        return None
    lists = list(document.values()) if isinstance(document, dict) else [document]
    results = document.get("results") if isinstance(document, dict) else None
    if isinstance(results, dict):  # QuickBooks Time: {"results": {"<list>": {"<id>": record}}}
        lists += [list(group.values()) for group in results.values() if isinstance(group, dict)]
    for records in lists:
        if isinstance(records, list):
            for record in records:
                if isinstance(record, dict) and field in record:
                    record[field] = _Raw(value)
                    return _dumps(document).encode()
    return None


def _dumps(value: Any) -> str:
    """JSON text with decimals exactly as parsed and `_Raw` values verbatim."""
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(key)}: {_dumps(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dumps(item) for item in value) + "]"
    return json.dumps(value)
