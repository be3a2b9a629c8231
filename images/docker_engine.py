"""The Docker path: build with a Docker engine through the `docker` package, when an engine answers."""

import sys
from pathlib import Path
from typing import Sequence


def docker_client():
    """A client for a Docker engine that answers a ping, or None (no engine, or no `docker` package)."""
    try:
        import docker
    except ImportError:
        return None
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException:
        return None
    return client


def build(client, context: Path, tags: Sequence[str], build_args: dict[str, str]) -> str:
    """`docker build` the Dockerfile in `context`, stream its log to stderr, tag it; return the image id."""
    import docker

    image_id = None
    for chunk in client.api.build(path=str(context), tag=tags[0], buildargs=build_args, rm=True, decode=True):
        if "error" in chunk:
            raise docker.errors.BuildError(chunk["error"], build_log=[])
        if "stream" in chunk:
            sys.stderr.write(chunk["stream"])
        image_id = chunk.get("aux", {}).get("ID", image_id)
    image = client.images.get(image_id)
    for tag in tags[1:]:
        repository, _, version = tag.rpartition(":")
        image.tag(repository, version)
    return image_id


def image_size(client, reference: str) -> int:
    return int(client.images.get(reference).attrs["Size"])
