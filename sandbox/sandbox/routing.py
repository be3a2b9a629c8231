"""The small request/response interface between the HTTP server and the vendor emulators.

The server (`server.py`) parses each HTTP request into a `Request`, applies the switched-on faults, and hands
the request to the first `Emulator` whose `prefix` starts the path. Emulators never touch sockets, so they
can be unit-tested by calling `handle` directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys lower-cased
    body: bytes = b""
    base_url: str = ""  # e.g. "http://127.0.0.1:8700": what the client used to reach the server

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b"",
              base_url: str = "") -> "Request":
        parts = urlsplit(target)
        return cls(method.upper(), parts.path, parse_qs(parts.query, keep_blank_values=True),
                   {k.lower(): v for k, v in (headers or {}).items()}, body, base_url)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Transport faults, set by the server and applied as it writes the body (emulators leave them alone).
    padding_bytes: int = 0  # `oversized`: whitespace written after the body (valid JSON and XML, only larger)
    byte_interval: float | None = None  # `trickle`: the pause before each byte of the body
    reset: bool = False  # `reset`: the connection is dropped (TCP reset) instead of answering

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> "Response":
        return cls(status, json.dumps(payload).encode(),
                   {"Content-Type": "application/json; charset=utf-8", **(headers or {})})

    @classmethod
    def xml(cls, payload: bytes, status: int = 200) -> "Response":
        # The real gateway's content type, byte for byte.
        return cls(status, payload, {"Content-Type": 'text/xml; encoding="UTF-8";charset=UTF-8'})


class Emulator(Protocol):
    prefix: str  # the path prefix this emulator answers, e.g. "/ia/xml", "/v2", "/v1"

    def handle(self, request: Request) -> Response: ...
