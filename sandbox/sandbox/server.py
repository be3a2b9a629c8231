"""One loopback HTTP server for every vendor emulator and the `/_sandbox/` control endpoints.

Each request becomes a `routing.Request` and goes to the emulator whose prefix starts its path (404
otherwise). Around the emulator the server applies the generic faults (`faults.py`): `slow` holds the
request first, `redirect` answers a 3xx to the same path and query on the fault's `location` (another port,
host or scheme), `status` and `rate_limit` answer in the emulator's place (with its own error body when it
has a `fault_response(kind, status)` method), `malformed_value` rewrites one field of the
emulator's answer (`malformed.py`), `truncated` cuts the emulator's body in half, `oversized`
pads it with megabytes of whitespace, `trickle` writes it a byte at a time and `reset` drops the connection
without an answer.

The server reads requests with bounds of its own: a `Content-Length` that is not a number, is larger than
`MAX_REQUEST_BYTES`, or announces more bytes than arrive within `REQUEST_BODY_SECONDS` is answered 400 and
the connection closed, so a malformed request never holds a server thread.
"""

from __future__ import annotations

import json
import logging
import math
import socket
import struct
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

from . import airbyte_api
from .airbyte_api import AirbyteApiEmulator
from .client import SandboxControl
from .control import Control
from .clockify import API_KEY as CLOCKIFY_API_KEY
from .clockify import API_ROOT as CLOCKIFY_API_ROOT
from .clockify import ClockifyEmulator
from .clockify_data import WORKSPACE_ID as CLOCKIFY_WORKSPACE_ID
from .faults import DEFAULT_RETRY_AFTER_SECONDS, Faults
from .generic import TOKEN as GENERIC_TOKEN
from .generic import GenericEmulator
from .harvest import ACCOUNT_ID as HARVEST_ACCOUNT_ID
from .harvest import TOKEN as HARVEST_TOKEN
from .harvest import HarvestEmulator
from .toggl import TOKEN as TOGGL_TOKEN
from .toggl import WORKSPACE_ID as TOGGL_WORKSPACE_ID
from .toggl import TogglEmulator
from .intacct import ENDPOINT as INTACCT_ENDPOINT
from .intacct import Credentials as IntacctCredentials
from .intacct import IntacctEmulator
from .intacct.formatting import UserFormatting as IntacctUserFormatting
from .malformed import inject as inject_malformed
from .quickbooks_time import TOKEN as QUICKBOOKS_TIME_TOKEN
from .quickbooks_time import QuickBooksTimeEmulator
from .routing import Emulator, Request, Response
from .schema import PROVIDER_TIME_ENTRIES
from .store import Store

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 16 * 1024 * 1024  # far above any vendor request (an Intacct query is a few kilobytes)
REQUEST_BODY_SECONDS = 2.0  # on loopback a whole body arrives in milliseconds; only a short one waits this long
PADDING_CHUNK = b" " * (1024 * 1024)

HARVEST_USER_AGENT = "Sandbox Tests (tests@example.com)"


def sandbox_info(base_url: str) -> dict:
    """The JSON line `serve` prints: every URL and, per source, exactly the config keys its spec names."""
    intacct = IntacctCredentials()
    return {
        "base_url": base_url,
        "intacct": base_url + INTACCT_ENDPOINT,
        "harvest": base_url + HarvestEmulator.prefix,
        "generic": base_url + GenericEmulator.prefix,
        "quickbooks_time": base_url + QuickBooksTimeEmulator.prefix,
        "toggl": base_url,  # the API root: /api/v9/… and /reports/api/v3/…
        "airbyte_api": base_url + airbyte_api.PUBLIC_PREFIX,
        "clockify": base_url + CLOCKIFY_API_ROOT,
        "time_entries": dict(PROVIDER_TIME_ENTRIES),  # provider → the dataset of its time entries (control API)
        "credentials": {
            "intacct": {"company_id": intacct.company_id, "sender_id": intacct.sender_id,
                        "sender_password": intacct.sender_password, "user_id": intacct.user_id,
                        "user_password": intacct.user_password, "endpoint_url": base_url + INTACCT_ENDPOINT},
            "harvest": {"provider": {"provider_type": "harvest", "account_id": HARVEST_ACCOUNT_ID,
                                     "access_token": HARVEST_TOKEN, "user_agent": HARVEST_USER_AGENT,
                                     "base_url": base_url + HarvestEmulator.prefix}},
            "generic": {"provider": {"provider_type": "generic", "base_url": base_url,
                                     "entries_path": GenericEmulator.prefix + "/entries", "records_path": "data",
                                     "auth": {"auth_type": "bearer", "token": GENERIC_TOKEN}}},
            "quickbooks_time": {"provider": {"provider_type": "quickbooks_time", "access_token": QUICKBOOKS_TIME_TOKEN,
                                             "base_url": base_url + QuickBooksTimeEmulator.prefix}},
            "toggl": {"provider": {"provider_type": "toggl", "api_token": TOGGL_TOKEN,
                                   "workspace_id": TOGGL_WORKSPACE_ID, "base_url": base_url},
                      "start_date": "2026-01-01T00:00:00Z"},
            # Providers whose data is another's time seen through their API (Clockify, QuickBooks Time and
            # Toggl hold Harvest's technicians): a labour reconciliation loads one of the two, never both.
            "same_time_as": {"clockify": "harvest", "quickbooks_time": "harvest", "toggl": "harvest"},
            "airbyte_api": airbyte_api.credentials(base_url),
            "clockify": {"provider": {"provider_type": "clockify", "api_key": CLOCKIFY_API_KEY,
                                      "workspace_id": CLOCKIFY_WORKSPACE_ID, "base_url": base_url + CLOCKIFY_API_ROOT},
                         "start_date": "2026-01-01T00:00:00Z"},
        },
    }


def vendor_emulators(store: Store, faults: Faults, *, harvest_rate_limit: str | None = None,
                     intacct_formatting: IntacctUserFormatting = IntacctUserFormatting()) -> list[Emulator]:
    """Every emulator; `harvest_rate_limit` (`"off"` or `"<requests>/<seconds>"`) overrides Harvest's 100/15,
    `intacct_formatting` is the Intacct user's date format, clock and GMT offset."""
    toggl = TogglEmulator(store, faults)
    return [IntacctEmulator(store, faults, user_formatting=intacct_formatting),
            HarvestEmulator(store, faults, rate_limit=harvest_rate_limit), GenericEmulator(store, faults),
            ClockifyEmulator(store, faults), QuickBooksTimeEmulator(store, faults), toggl, toggl.reports,
            AirbyteApiEmulator(store, faults)]


class SandboxServer:
    """The emulators and the control endpoints behind one `ThreadingHTTPServer`."""

    def __init__(self, store: Store, faults: Faults, *, host: str = "127.0.0.1", port: int = 0,
                 emulators: list[Emulator] | None = None, harvest_rate_limit: str | None = None,
                 intacct_formatting: IntacctUserFormatting = IntacctUserFormatting()):
        self.store = store
        self.faults = faults
        self.emulators = (vendor_emulators(store, faults, harvest_rate_limit=harvest_rate_limit,
                                           intacct_formatting=intacct_formatting)
                          if emulators is None else emulators)
        self.control = Control(store, faults, self.emulators, sandbox_info)
        self.httpd = _HTTPServer((host, port), _Handler)
        self.httpd.sandbox = self
        self._stopped = False

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def info(self) -> dict:
        return sandbox_info(self.base_url)

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop serving (cutting `slow` delays short) and release the port; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self.faults.stop()
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, request: Request) -> Response:
        """Answer one request: control endpoints, or the matching emulator with the generic faults applied."""
        own_control = next((e for e in self.emulators if _under(request.path, getattr(e, "control_prefix", None))), None)
        if own_control is not None:  # an emulator's own control endpoints, e.g. /_sandbox/airbyte_api
            return own_control.handle_control(request)
        if _under(request.path, Control.prefix):
            return self.control.handle(request)
        # The longest prefix wins (Clockify's /api/v1/workspaces before another vendor's /api/v1).
        emulator = max((e for e in self.emulators if _under(request.path, e.prefix)),
                       key=lambda e: len(e.prefix), default=None)
        if emulator is None:
            return Response.json({"error": f"nothing is served at {request.path}"}, 404)
        self.store.requests.count_path(request.path)
        self.store.triggers.observe(path=request.path)
        slow = self.faults.take("slow", request.path)
        if slow:
            self.faults.delay(slow.seconds)
        redirect = self.faults.take("redirect", request.path)
        if redirect:
            query = f"?{urlencode(request.query, doseq=True)}" if request.query else ""
            return Response(redirect.status, b"", {"Location": f"{redirect.location}{request.path}{query}"})
        status = self.faults.take("status", request.path)
        if status:
            return self.fault_response(emulator, "status", status.status)
        rate_limit = self.faults.take("rate_limit", request.path)
        if rate_limit:
            response = self.fault_response(emulator, "rate_limit", 429)
            seconds = DEFAULT_RETRY_AFTER_SECONDS if rate_limit.seconds is None else rate_limit.seconds
            response.headers.setdefault("Retry-After", str(math.ceil(seconds)))
            return response
        try:
            response = emulator.handle(request)
        except Exception:  # an emulator bug must show as a 500, not a dropped connection
            logger.exception("emulator %s failed on %s %s", type(emulator).__name__, request.method, request.path)
            response = Response.json({"error": "internal sandbox error"}, 500)
        response = self.malformed(request, response)
        if self.faults.take("truncated", request.path):
            response = Response(response.status, response.body[: len(response.body) // 2], dict(response.headers))
        oversized = self.faults.take("oversized", request.path)
        if oversized:
            response.padding_bytes = int(oversized.megabytes * len(PADDING_CHUNK))
        trickle = self.faults.take("trickle", request.path)
        if trickle:
            response.byte_interval = trickle.seconds
        response.reset = self.faults.take("reset", request.path) is not None
        return response

    def malformed(self, request: Request, response: Response) -> Response:
        """The `malformed_value` fault: a successful answer that holds the field, with its value rewritten."""
        fault = self.faults.peek("malformed_value", request.path)
        if fault is None or response.status != 200:
            return response
        body = inject_malformed(response.body, response.headers.get("Content-Type", ""), fault.field, fault.value)
        if body is None or not self.faults.take("malformed_value", request.path):
            return response
        return Response(response.status, body, dict(response.headers))

    @staticmethod
    def fault_response(emulator: Emulator, kind: str, status: int) -> Response:
        own = getattr(emulator, "fault_response", None)
        response = own(kind, status) if own else None
        if response is None:
            message = "Too Many Requests" if status == 429 else "Injected fault"
            response = Response.json({"error": message, "status": status}, status)
        return Response(status, response.body, dict(response.headers))


def _under(path: str, prefix: str | None) -> bool:
    return prefix is not None and (path == prefix or path.startswith(prefix + "/"))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    sandbox: SandboxServer


class _Handler(BaseHTTPRequestHandler):
    """One connection, with Nagle's algorithm off: written after the headers, the body would otherwise wait
    ~40 ms for the client's delayed ACK of them on every keep-alive request, and the emulator, not the client,
    would be measured. (Writes stay unbuffered: the `trickle` fault sends its headers at once.)"""

    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections across pages
    disable_nagle_algorithm = True
    server: _HTTPServer

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request.build(self.command, self.path, dict(self.headers.items()), body, f"http://{host}")
        response = self.server.sandbox.handle(request)
        if response.reset:  # close at once with SO_LINGER 0: the client sees a TCP reset, not an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body) + response.padding_bytes))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self._write_body(response)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up on a faulted body
                self.close_connection = True

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering 400 to a malformed or short one."""
        declared = self.headers.get_all("Content-Length") or []
        if not declared:
            return b""
        text = declared[0].strip()
        if len(set(declared)) > 1 or not text.isdigit() or int(text) > MAX_REQUEST_BYTES:
            self._refuse(f"malformed Content-Length {', '.join(declared)!r}: expected one number of bytes "
                         f"up to {MAX_REQUEST_BYTES}")
            return None
        length = int(text)
        self.connection.settimeout(REQUEST_BODY_SECONDS)
        try:
            body = self.rfile.read(length)
        except OSError:  # the timeout included
            body = b""
        finally:
            self.connection.settimeout(None)
        if len(body) < length:
            self._refuse(f"the body is shorter than its Content-Length ({len(body)} of {length} bytes arrived "
                         f"within {REQUEST_BODY_SECONDS:g} seconds)")
            return None
        return body

    def _refuse(self, message: str) -> None:
        payload = json.dumps({"error": message}).encode()
        self.close_connection = True
        self.send_response(400)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def _write_body(self, response: Response) -> None:
        if response.byte_interval is None:
            self.wfile.write(response.body)
        else:
            faults = self.server.sandbox.faults
            for index in range(len(response.body)):
                if not faults.delay(response.byte_interval):
                    self.close_connection = True
                    return
                self.wfile.write(response.body[index:index + 1])
        remaining = response.padding_bytes
        while remaining > 0:
            chunk = PADDING_CHUNK[:remaining]
            self.wfile.write(chunk)
            remaining -= len(chunk)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's signature
        logger.debug("%s %s", self.address_string(), format % args)


class RunningSandbox:
    """What `running_sandbox` yields: the URLs and credentials, a control client, and the live objects."""

    def __init__(self, server: SandboxServer):
        self.server = server
        self.store = server.store
        self.faults = server.faults
        self.info = server.info
        self.base_url = self.info["base_url"]
        self.credentials = self.info["credentials"]
        self.control = SandboxControl(self.base_url)


def start_server(scale: float, seed: int, host: str = "127.0.0.1", port: int = 0,
                 cache_dir: str | None = None,
                 harvest_rate_limit: str | None = None, intacct_dateformat: str | None = None,
                 intacct_clock: str | None = None,
                 intacct_gmtoffset: str | None = None) -> tuple[SandboxServer, threading.Thread]:
    """Generate (or take from `cache_dir`) the company and serve it from a background thread.

    The `intacct_*` settings are the Intacct user's formatting (None: `/mdY`, `24`, `-08:00`); a bad one
    raises ValueError before anything is generated."""
    intacct_formatting = IntacctUserFormatting.from_settings(intacct_dateformat, intacct_clock, intacct_gmtoffset)
    store = Store(scale=scale, seed=seed, cache_dir=cache_dir)
    try:
        server = SandboxServer(store, Faults(seed), host=host, port=port, harvest_rate_limit=harvest_rate_limit,
                               intacct_formatting=intacct_formatting)
    except BaseException:
        store.close()
        raise
    thread = threading.Thread(target=server.serve_forever, name="sandbox-server", daemon=True)
    thread.start()
    return server, thread


def stop_server(server: SandboxServer, thread: threading.Thread) -> None:
    server.stop()
    thread.join()
    server.store.close()


@contextmanager
def running_sandbox(scale: float = 1.0, seed: int = 7, *, port: int = 0, harvest_rate_limit: str | None = None,
                    intacct_dateformat: str | None = None, intacct_clock: str | None = None,
                    intacct_gmtoffset: str | None = None):
    """Serve the sandbox on 127.0.0.1 (a free port by default) for the duration of a `with` block.

    `harvest_rate_limit`: `"off"` or `"<requests>/<seconds>"` instead of Harvest's documented 100/15.
    `intacct_dateformat` (e.g. `"-dmY"`), `intacct_clock` (`"12"`/`"24"`), `intacct_gmtoffset` (`"+05:30"`):
    the Intacct user's formatting instead of `/mdY`, 24 h, `-08:00`."""
    server, thread = start_server(scale, seed, port=port, harvest_rate_limit=harvest_rate_limit,
                                  intacct_dateformat=intacct_dateformat, intacct_clock=intacct_clock,
                                  intacct_gmtoffset=intacct_gmtoffset)
    try:
        yield RunningSandbox(server)
    finally:
        stop_server(server, thread)
