"""A loopback server that records every request it receives: the "other origin" of redirect tests.

A test points a `redirect` fault at the catcher and then asserts that nothing arrived there, so that no
credential (header, body or URL) can have left the configured origin. It answers every request 404.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator


@dataclass(frozen=True)
class CaughtRequest:
    method: str
    target: str  # path and query as sent
    headers: dict[str, str]
    body: bytes


class Catcher:
    """What `running_catcher` yields: its URL (`http://127.0.0.1:PORT`) and the requests received so far."""

    def __init__(self, httpd: ThreadingHTTPServer):
        self._httpd = httpd
        self._lock = threading.Lock()
        self._requests: list[CaughtRequest] = []

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[CaughtRequest]:
        with self._lock:
            return list(self._requests)

    def record(self, request: CaughtRequest) -> None:
        with self._lock:
            self._requests.append(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def _catch(self) -> None:
        length = self.headers.get("Content-Length") or "0"
        body = self.rfile.read(int(length)) if length.isdigit() else b""
        self.server.catcher.record(CaughtRequest(self.command, self.path, dict(self.headers.items()), body))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _catch

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's signature
        pass


@contextmanager
def running_catcher(host: str = "127.0.0.1") -> Iterator[Catcher]:
    """Serve a catcher on a free loopback port for the duration of a `with` block."""
    httpd = ThreadingHTTPServer((host, 0), _Handler)
    httpd.daemon_threads = True
    httpd.catcher = Catcher(httpd)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="catcher", daemon=True)
    thread.start()
    try:
        yield httpd.catcher
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
