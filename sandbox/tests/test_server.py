"""The HTTP server: dispatch, the generic faults around an emulator, request counts, and the lifecycle."""

import http.client
import json
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sandbox import SandboxServer, running_catcher, running_sandbox
from sandbox.server import REQUEST_BODY_SECONDS
from sandbox.faults import FaultError, Faults
from sandbox.routing import Request, Response
from sandbox.schema import DATASETS


class EchoEmulator:
    """A stand-in emulator: echoes what it was asked, with its own error body for faults."""

    prefix = "/echo"

    def __init__(self):
        self.calls = 0

    def handle(self, request: Request) -> Response:
        self.calls += 1
        if request.path == "/echo/crash":
            raise RuntimeError("emulator bug")
        return Response.json({"path": request.path, "base_url": request.base_url, "query": request.query,
                              "body": request.body.decode(), "padding": "x" * 200})

    def fault_response(self, kind: str, status: int) -> Response:
        return Response.json({"echo_error": kind}, status)


class PlainEmulator:
    prefix = "/plain"

    def handle(self, request: Request) -> Response:
        return Response(200, b"plain")


@pytest.fixture
def served(store):
    faults = Faults(seed=1)
    echo = EchoEmulator()
    server = SandboxServer(store, faults, emulators=[echo, PlainEmulator()])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, echo
    server.stop()
    thread.join()


def test_requests_reach_the_emulator_of_their_prefix(served):
    server, echo = served
    response = requests.post(f"{server.base_url}/echo/things?a=1&a=2", data=b"hello")
    assert response.status_code == 200
    assert response.json()["path"] == "/echo/things" and response.json()["query"] == {"a": ["1", "2"]}
    assert response.json()["body"] == "hello"
    assert response.json()["base_url"] == server.base_url
    assert requests.get(f"{server.base_url}/nowhere").status_code == 404
    assert requests.get(f"{server.base_url}/echoes").status_code == 404  # a prefix matches whole segments
    assert requests.get(f"{server.base_url}/plain").text == "plain"


def test_base_url_follows_the_host_header(served):
    server, _ = served
    response = requests.get(f"{server.base_url}/echo/x", headers={"Host": "localhost:1234"})
    assert response.json()["base_url"] == "http://localhost:1234"


def test_vendor_requests_are_counted_by_path_control_requests_are_not(served):
    server, _ = served
    for path in ("/echo/a", "/echo/a", "/plain"):
        requests.get(server.base_url + path)
    requests.get(server.base_url + "/_sandbox/requests")
    assert requests.get(server.base_url + "/_sandbox/requests").json() == {
        "total": 3, "by_path": {"/echo/a": 2, "/plain": 1}}


def test_status_fault_uses_the_emulator_error_body_and_spares_the_emulator(served):
    server, echo = served
    server.faults.set("status", status=502, count=1)
    failed = requests.get(server.base_url + "/echo/a")
    assert failed.status_code == 502 and failed.json() == {"echo_error": "status"}
    assert echo.calls == 0
    assert requests.get(server.base_url + "/echo/a").status_code == 200


def test_generic_body_when_an_emulator_has_none(served):
    server, _ = served
    server.faults.set("status", status=500, paths=["/plain"])
    response = requests.get(server.base_url + "/plain")
    assert response.status_code == 500 and response.json()["status"] == 500
    assert requests.get(server.base_url + "/echo/a").status_code == 200


def test_rate_limit_answers_429_with_retry_after(served):
    server, _ = served
    server.faults.set("rate_limit", count=1)
    response = requests.get(server.base_url + "/echo/a")
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert response.json() == {"echo_error": "rate_limit"}
    server.faults.set("rate_limit", seconds=2.5, count=1)
    assert requests.get(server.base_url + "/echo/a").headers["Retry-After"] == "3"


def test_slow_fault_delays_then_answers(served):
    server, _ = served
    delays = []
    server.faults.delay = delays.append  # observe the delay instead of timing it
    server.faults.set("slow", seconds=7, count=1)
    assert requests.get(server.base_url + "/echo/a").status_code == 200
    assert delays == [7.0]
    assert requests.get(server.base_url + "/_sandbox/faults").json()["fired"] == {"slow": 1}


def test_truncated_fault_cuts_the_body_in_half(served):
    server, _ = served
    whole = requests.get(server.base_url + "/echo/a").content
    server.faults.set("truncated", count=1)
    cut = requests.get(server.base_url + "/echo/a")
    assert cut.status_code == 200 and cut.content == whole[: len(whole) // 2]
    with pytest.raises(ValueError):
        json.loads(cut.content)


def test_an_emulator_crash_is_a_500_not_a_dropped_connection(served):
    server, _ = served
    response = requests.get(server.base_url + "/echo/crash")
    assert response.status_code == 500 and "error" in response.json()


def test_keep_alive_connections_serve_many_requests(served):
    server, _ = served
    with requests.Session() as session:
        assert all(session.get(f"{server.base_url}/echo/{n}").status_code == 200 for n in range(20))


def accepted_socket_of(client: socket.socket) -> socket.socket:
    """The server's end of `client`'s connection, found among this process's descriptors (the server runs
    in-process); a duplicate the caller closes."""
    for fd in map(int, os.listdir("/proc/self/fd")):
        try:
            if not os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                continue
            candidate = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if candidate.type == socket.SOCK_STREAM and candidate.getpeername() == client.getsockname():
                return candidate
        except OSError:
            pass
        candidate.close()
    raise AssertionError("the server's end of the connection was not found")


def test_keep_alive_answers_go_out_at_once_without_nagle(served):
    """Each keep-alive answer must leave at once: with Nagle's algorithm on, the body (written after the
    headers) waited ~40 ms for the client's delayed ACK on every request. Asserted on the server's end of
    the connection, never on a timing."""
    server, _ = served
    host, port = server.httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port)
    try:
        for n in range(3):
            connection.request("GET", f"/echo/{n}")
            response = connection.getresponse()
            assert response.status == 200 and len(response.read()) > 200
            assert response.getheader("Connection") != "close"
        with accepted_socket_of(connection.sock) as accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        connection.close()


def test_running_sandbox_serves_the_real_emulators_and_stops():
    with running_sandbox(scale=0.05, seed=3) as sb:
        assert sb.info["intacct"] == sb.base_url + "/ia/xml/xmlgw.phtml"
        assert sb.credentials["intacct"]["endpoint_url"] == sb.info["intacct"]
        harvest = sb.credentials["harvest"]["provider"]
        users = requests.get(harvest["base_url"] + "/users", headers={
            "Authorization": f"Bearer {harvest['access_token']}", "Harvest-Account-Id": harvest["account_id"],
            "User-Agent": harvest["user_agent"]})
        assert users.status_code == 200 and users.json()["users"]
        generic = sb.credentials["generic"]["provider"]
        entries = requests.get(generic["base_url"] + generic["entries_path"],
                               headers={"Authorization": f"Bearer {generic['auth']['token']}"})
        assert entries.json()["total"] == sb.control.truth("generic_entries")["count"]
        gateway = requests.post(sb.info["intacct"], data=b"<request/>", headers={"Content-Type": "application/xml"})
        assert gateway.status_code != 404 and gateway.content.startswith(b"<?xml")
        base_url = sb.base_url
    with pytest.raises(requests.ConnectionError):
        requests.get(base_url + "/_sandbox/info", timeout=5)


def test_concurrent_reads_survive_mutations_and_resets():
    with running_sandbox(scale=0.3, seed=3) as sb:
        generic = sb.credentials["generic"]["provider"]
        url = generic["base_url"] + generic["entries_path"] + "?limit=50"
        headers = {"Authorization": f"Bearer {generic['auth']['token']}"}

        def read(_):
            return requests.get(url, headers=headers).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = pool.map(read, range(200))
            for _ in range(5):
                sb.control.mutate("generic_entries", "update", count=3)
                sb.control.reset()
            assert set(statuses) == {200}


def _raw_exchange(server, head: bytes, body: bytes = b"", keep_open: bool = True) -> bytes:
    """Send raw bytes (a malformed request) and read the answer until the server closes the connection."""
    host, port = server.httpd.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(head + body)
        if not keep_open:
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("length, body, keep_open", [
    ("abc", b"", True),
    ("-5", b"", True),
    ("99999999999999999999", b"", True),
    ("10, 12", b"0123456789", True),
    ("100", b"only ten..", False),  # the client closed its side: answered at once
    ("100", b"only ten..", True),  # the client holds the connection open: answered after REQUEST_BODY_SECONDS
])
def test_malformed_content_length_is_answered_400_not_a_hang(served, length, body, keep_open):
    server, echo = served
    started = time.monotonic()
    answer = _raw_exchange(server, f"POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode(),
                           body, keep_open)
    elapsed = time.monotonic() - started
    status_line = answer.split(b"\r\n", 1)[0].decode()
    print(f"Content-Length {length!r}: {status_line} after {elapsed:.2f} s")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Length" in answer.split(b"\r\n\r\n", 1)[1]  # the JSON error names the header
    assert echo.calls == 0
    assert elapsed < REQUEST_BODY_SECONDS + 5  # generous: proves no hang, not a speed


def test_oversized_fault_pads_a_valid_body_with_megabytes_of_whitespace(served):
    server, _ = served
    whole = requests.get(server.base_url + "/echo/a").content
    server.faults.set("oversized", megabytes=3, count=1)
    padded = requests.get(server.base_url + "/echo/a")
    assert len(padded.content) == len(whole) + 3 * 1024 * 1024
    assert padded.content.startswith(whole) and json.loads(padded.content) == json.loads(whole)


def test_trickle_fault_sends_the_body_a_byte_at_a_time(served):
    server, _ = served
    whole = requests.get(server.base_url + "/plain").content
    pauses = []
    server.faults.delay = lambda seconds: pauses.append(seconds) or True  # observe the pauses instead of timing them
    server.faults.set("trickle", seconds=4, count=1)
    assert requests.get(server.base_url + "/plain").content == whole
    assert pauses == [4.0] * len(whole)


def test_reset_fault_drops_the_connection_without_an_answer(served):
    server, echo = served
    server.faults.set("reset", count=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(server.base_url + "/echo/a")
    assert requests.get(server.base_url + "/echo/a").status_code == 200  # count 1: the next request is answered


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_sends_the_request_on_to_the_fault_location_where_the_catcher_records_it(served, status):
    server, echo = served
    with running_catcher() as catcher:
        server.faults.set("redirect", status=status, location=catcher.url, paths=["/echo/moved"])

        response = requests.post(f"{server.base_url}/echo/moved?a=1&b=x%20y", data=b"secret-body",
                                 headers={"X-API-Key": "k-123"}, allow_redirects=False)
        assert response.status_code == status and echo.calls == 0
        assert response.headers["Location"] == f"{catcher.url}/echo/moved?a=1&b=x+y"
        assert catcher.requests == []

        followed = requests.post(f"{server.base_url}/echo/moved", data=b"secret-body", headers={"X-API-Key": "k-123"})
        assert followed.status_code == 404
        caught = catcher.requests
        assert len(caught) == 1 and caught[0].target == "/echo/moved"
        assert caught[0].headers["X-API-Key"] == "k-123"  # what a client that follows redirects gives away
        assert caught[0].body == (b"secret-body" if status in (307, 308) else b"")
    assert requests.get(f"{server.base_url}/echo/other").status_code == 200  # other paths are not redirected


@pytest.mark.parametrize("settings, problem", [
    ({}, "needs 'location'"),
    ({"location": "http://127.0.0.1:9/some/path"}, "origin"),
    ({"location": "ftp://127.0.0.1:9"}, "origin"),
    ({"location": "http://127.0.0.1:9", "status": 404}, "one of 301, 302, 303, 307, 308"),
    ({"location": "http://127.0.0.1:9", "seconds": 1}, "'seconds' only applies"),
])
def test_a_redirect_fault_needs_a_3xx_status_and_an_origin(faults, settings, problem):
    with pytest.raises(FaultError, match=problem):
        faults.set("redirect", **settings)


def test_location_only_applies_to_redirects(faults):
    with pytest.raises(FaultError, match="'location' only applies"):
        faults.set("status", location="http://127.0.0.1:9")


def test_the_json_line_names_each_providers_time_entries_and_a_delete_there_is_one_entry_less():
    with running_sandbox(scale=0.05, seed=3) as sb:
        providers = {name for name, config in sb.credentials.items()
                     if isinstance(config, dict) and "provider_type" in config.get("provider", {})}
        assert set(sb.info["time_entries"]) == providers and len(providers) >= 5
        for provider, dataset in sb.info["time_entries"].items():
            assert DATASETS[dataset].vendor == provider
            before = sb.control.truth(dataset)["count"]
            sb.control.mutate(dataset, "delete", count=1)
            assert sb.control.truth(dataset)["count"] == before - 1
