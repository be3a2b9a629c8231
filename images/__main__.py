"""`python -m images build [NAME ...]` builds connector images; `python -m images base` only the local base;
`python -m images lock [NAME ...] [--upgrade|--check]` writes (or checks) each connector's requirements.lock."""

import argparse
import sys

from images.builder import build_images
from images.connectors import CONNECTOR_NAMES, connectors
from images.host_tools import ensure_host_tools
from images.local_base import ensure_local_base
from images.lock import stale_pins, write_lock


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m images", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build connector images and print each reference and size")
    build.add_argument("names", nargs="*", metavar="NAME", help=f"connector folders (default: {' '.join(CONNECTOR_NAMES)})")
    build.add_argument("--engine", choices=("auto", "docker", "buildah"), default="auto",
                       help="auto: Docker when an engine answers, otherwise buildah on the local base")
    build.add_argument("--base-image", help="BASE_IMAGE build argument (default: the Dockerfile's pinned Airbyte "
                                            "base with Docker, the local stand-in with buildah)")
    build.add_argument("--mirror", help="Debian mirror for the local base (default: from the machine's apt sources)")
    base = commands.add_parser("base", help="build (or reuse the cached) local stand-in base image")
    base.add_argument("--mirror", help="Debian mirror (default: from the machine's apt sources)")
    lock = commands.add_parser("lock", help="write each connector's requirements.lock from its setup.py (pip-compile)")
    lock.add_argument("names", nargs="*", metavar="NAME", help=f"connector folders (default: {' '.join(CONNECTOR_NAMES)})")
    mode = lock.add_mutually_exclusive_group()
    mode.add_argument("--upgrade", action="store_true", help="re-pin every distribution to its newest allowed version")
    mode.add_argument("--check", action="store_true", help="write nothing; fail if `lock` would change a pin or hash")
    args = parser.parse_args()

    if args.command == "base":
        ensure_host_tools()
        print(ensure_local_base(args.mirror))
        return
    if args.command == "lock":
        stale = {}
        for connector in connectors(args.names):
            if args.check:
                stale[connector.name] = stale_pins(connector)
            else:
                print(write_lock(connector, args.upgrade), flush=True)
        for name, changes in stale.items():
            print(f"{name}: {'; '.join(changes) if changes else 'the lock is current'}", flush=True)
        sys.exit(1 if any(stale.values()) else 0)
    for image in build_images(connectors(args.names), args.engine, args.base_image, args.mirror):
        print(image.summary(), flush=True)


if __name__ == "__main__":
    main()
