"""Command line: `python -m sandbox serve` (every emulator on one loopback port) and `python -m sandbox generate`.

`serve` prints one JSON line (URLs and credentials) once it accepts requests, then runs until SIGINT or
SIGTERM. It refuses a non-loopback `--host` unless `--allow-remote` is given: the sandbox has fixed, public
credentials and control endpoints that rewrite its data, so it must not be reachable from a network by
accident.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import signal
import socket
import sys
import threading
import time

from .company import generate
from .server import start_server, stop_server


def is_loopback(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(address).is_loopback for address in addresses)


def serve(args: argparse.Namespace) -> int:
    if not args.allow_remote and not is_loopback(args.host):
        print(f"refusing to serve on non-loopback host {args.host!r}; pass --allow-remote to do it anyway",
              file=sys.stderr)
        return 2
    stopping = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopping.set())
    try:
        server, thread = start_server(args.scale, args.seed, host=args.host, port=args.port,
                                      cache_dir=args.cache_dir, harvest_rate_limit=args.harvest_rate_limit,
                                      intacct_dateformat=args.intacct_dateformat, intacct_clock=args.intacct_clock,
                                      intacct_gmtoffset=args.intacct_gmtoffset)
    except ValueError as bad:  # a malformed --harvest-rate-limit (or environment setting) or --intacct-* option
        print(f"python -m sandbox serve: {bad}", file=sys.stderr)
        return 2
    try:
        print(json.dumps(server.info), flush=True)
        stopping.wait()
    finally:
        stop_server(server, thread)
    return 0


def generate_file(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    counts = generate(args.output, scale=args.scale, seed=args.seed)
    print(json.dumps({"path": args.output, "scale": args.scale, "seed": args.seed,
                      "seconds": round(time.perf_counter() - started, 2), "rows": counts}), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve every emulator on one port")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    serve_parser.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    serve_parser.add_argument("--cache-dir", default=os.environ.get("SANDBOX_CACHE_DIR") or None,
                              help="keep the generated company here and reuse it (default: $SANDBOX_CACHE_DIR)")
    serve_parser.add_argument("--harvest-rate-limit", metavar="off|N/SECONDS", default=None,
                              help="Harvest's throttle: 'off' or '<requests>/<seconds>' (default 100/15, "
                                   "or $SANDBOX_HARVEST_RATE_LIMIT); POST /_sandbox/settings changes it later")
    serve_parser.add_argument("--intacct-dateformat", metavar="FORMAT", default=None,
                              help="the Intacct user's date format: a separator (/ - . or space) and mdY, dmY, "
                                   "Ymd, mdy, dmy or ymd (default /mdY)")
    serve_parser.add_argument("--intacct-clock", choices=("12", "24"), default=None,
                              help="the Intacct user's clock (default 24)")
    serve_parser.add_argument("--intacct-gmtoffset", metavar="+HH:MM", default=None,
                              help="the Intacct user's fixed GMT offset (default -08:00)")
    generate_parser = commands.add_parser("generate", help="write the company into a SQLite file and time it")
    generate_parser.add_argument("output", help="path of the new SQLite file")
    for sub in (serve_parser, generate_parser):
        sub.add_argument("--scale", type=float, default=1.0, help="1 ≈ 2,000 GL lines and 2,000 time entries")
        sub.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    return serve(args) if args.command == "serve" else generate_file(args)


if __name__ == "__main__":
    sys.exit(main())
