"""Scan a source's output for secrets, in whatever encoding they were printed.

A secret can be printed raw, XML-escaped, URL-encoded, JSON-escaped or as a repr; each of those keeps the
secret's runs of ASCII letters and digits intact, so the scan looks for every such run of 5 or more
characters (tests use secrets with a distinctive run, e.g. `Kq7Wx&<"ü-2026`). A basic-auth pair is
printed as base64, which the scan looks for too (UTF-8 and Latin-1, with and without padding).
"""

from __future__ import annotations

import base64
import re
from typing import Iterable

_MARKER = re.compile(r"[A-Za-z0-9]{5,}")


def secret_leaks(output: str, secrets: Iterable[str], basic_auth: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Each secret (or basic-auth pair) found in `output`, with what gave it away; empty when none is."""
    leaks = []
    for secret in secrets:
        markers = _MARKER.findall(secret)
        if not markers:
            raise ValueError("a scanned secret needs a run of 5 or more ASCII letters or digits")
        found = [marker for marker in markers if marker in output]
        if found:
            leaks.append(f"secret {secret!r}: {', '.join(found)}")
    for username, password in basic_auth:
        for encoding in ("utf-8", "latin-1"):
            try:
                encoded = base64.b64encode(f"{username}:{password}".encode(encoding)).decode("ascii")
            except UnicodeEncodeError:
                continue
            if encoded.rstrip("=") in output:
                leaks.append(f"basic auth of {username!r}: base64 {encoded}")
    return leaks
