"""Thin wrapper over the buildah CLI with the settings this machine needs (vfs storage, chroot isolation)."""

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterable, Sequence

STORAGE = ("--storage-driver", "vfs")
ISOLATION = ("--isolation", "chroot")
# The host's CA bundle, mounted read-only into RUN steps so pip trusts the same certificates as the host.
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def buildah(*args: str, capture: bool = True, check: bool = True, input_bytes: bytes | None = None) -> subprocess.CompletedProcess:
    """Run `buildah --storage-driver vfs ARGS`; progress goes to stderr unless captured."""
    return subprocess.run(
        ["buildah", *STORAGE, *args],
        check=check,
        input=input_bytes,
        stdout=subprocess.PIPE if capture else sys.stderr,
        stderr=subprocess.PIPE if capture else None,
    )


def image_exists(reference: str) -> bool:
    return buildah("inspect", "--type", "image", reference, check=False).returncode == 0


def inspect_image(reference: str) -> dict:
    """The image's `buildah inspect` document (OCIv1 config, labels, ...)."""
    return json.loads(buildah("inspect", "--type", "image", reference).stdout)


def qualified_name(reference: str) -> str:
    """The name storage holds for `reference` (buildah stores short names under `localhost/`)."""
    names = json.loads(buildah("images", "--json", reference).stdout)[0]["names"]
    return next(name for name in names if name.endswith("/" + reference) or name == reference)


def image_size(reference: str) -> int:
    """Uncompressed size in bytes (podman reads the same container storage; buildah only prints "199 MB")."""
    inspected = subprocess.run(
        ["podman", *STORAGE, "image", "inspect", "--format", "{{.Size}}", reference],
        check=True, capture_output=True, text=True,
    )
    return int(inspected.stdout.strip())


def image_id(reference: str) -> str | None:
    return inspect_image(reference)["FromImageID"] if image_exists(reference) else None


def build(context: Path, tags: Sequence[str], build_args: dict[str, str]) -> None:
    """`buildah bud` the Dockerfile in `context` with host networking, as `docker build` would.

    The image the tags named before is removed once nothing names it any more: with vfs storage every
    image is a full copy, so stale ones would fill the disk build after build.
    """
    previous = {image_id(tag) for tag in tags} - {None}
    command = ["bud", *ISOLATION, "--pull=false", "--network", "host", "--file", str(context / "Dockerfile")]
    if HOST_CA_BUNDLE.exists():
        command += ["--volume", f"{HOST_CA_BUNDLE}:{HOST_CA_BUNDLE}:ro"]
    for name, value in build_args.items():
        command += ["--build-arg", f"{name}={value}"]
    for tag in tags:
        command += ["--tag", tag]
    buildah(*command, str(context), capture=False)
    for stale in previous - {image_id(tag) for tag in tags}:
        if not json.loads(buildah("images", "--json", stale).stdout)[0]["names"]:
            buildah("rmi", stale, check=False)


class Container:
    """A working container from an image, removed on exit; runs commands the way the platform runs the image."""

    def __init__(self, image: str):
        self.image = image
        self.name = f"images-{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> "Container":
        buildah("from", "--pull=never", "--name", self.name, self.image)
        return self

    def __exit__(self, *exc_info) -> None:
        buildah("rm", self.name, check=False)

    def copy(self, source: Path, destination: str, owner: str = "airbyte") -> None:
        buildah("copy", "--chown", owner, self.name, str(source), destination)

    def run(self, command: Iterable[str], *, user: str | None = "airbyte", workdir: str | None = None) -> subprocess.CompletedProcess:
        """Run `command` in the container on the host network; stdout and stderr come back as text."""
        args = ["run", *ISOLATION, "--network", "host"]
        if user is not None:
            args += ["--user", user]
        if workdir is not None:
            args += ["--workingdir", workdir]
        completed = buildah(*args, self.name, "--", *command, check=False)
        return subprocess.CompletedProcess(completed.args, completed.returncode, completed.stdout.decode(), completed.stderr.decode())
