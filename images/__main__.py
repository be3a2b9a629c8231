"""`python -m images build [NAME ...]` builds connector images; `python -m images base` only the local base."""

import argparse

from images.builder import build_images
from images.connectors import CONNECTOR_NAMES, connectors
from images.host_tools import ensure_host_tools
from images.local_base import ensure_local_base


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
    args = parser.parse_args()

    if args.command == "base":
        ensure_host_tools()
        print(ensure_local_base(args.mirror))
        return
    for image in build_images(connectors(args.names), args.engine, args.base_image, args.mirror):
        print(image.summary(), flush=True)


if __name__ == "__main__":
    main()
