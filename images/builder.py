"""Build the connector images with whichever engine this machine has: Docker if it answers, else buildah."""

import sys
import time
from dataclasses import dataclass

from images import buildah, docker_engine
from images.connectors import Connector
from images.host_tools import ensure_host_tools
from images.local_base import ensure_local_base


@dataclass(frozen=True)
class BuiltImage:
    connector: Connector
    reference: str
    size_bytes: int
    seconds: float
    engine: str

    def summary(self) -> str:
        return f"{self.reference}  {self.size_bytes / 1e6:.0f} MB  built with {self.engine} in {self.seconds:.0f} s"


def build_images(selected: list[Connector], engine: str = "auto", base_image: str | None = None,
                 mirror: str | None = None) -> list[BuiltImage]:
    """Build each connector's image from its own folder; `base_image` overrides the Dockerfile's BASE_IMAGE."""
    client = docker_engine.docker_client() if engine in ("auto", "docker") else None
    if engine == "docker" and client is None:
        raise SystemExit("images: no Docker engine answers (and `--engine docker` was asked for)")
    if client is None:
        ensure_host_tools()
        base_image = base_image or ensure_local_base(mirror)
    build_args = {"BASE_IMAGE": base_image} if base_image else {}
    built = []
    for connector in selected:
        started = time.monotonic()
        print(f"images: building {connector.name} with {'docker' if client else 'buildah'}", file=sys.stderr, flush=True)
        if client is not None:
            docker_engine.build(client, connector.folder, connector.tags, build_args)
            size, used = docker_engine.image_size(client, connector.tags[0]), "docker"
            reference = connector.tags[0]
        else:
            buildah.build(connector.folder, connector.tags, build_args)
            size, used = buildah.image_size(connector.tags[0]), "buildah"
            reference = buildah.qualified_name(connector.tags[0])
        built.append(BuiltImage(connector, reference, size, time.monotonic() - started, used))
    return built
