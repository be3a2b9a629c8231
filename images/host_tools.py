"""Install the Debian packages the buildah path needs, so a fresh machine can build images on its own."""

import os
import shutil
import subprocess
import sys

# command -> Debian package that provides it
REQUIRED_COMMANDS = {"buildah": "buildah", "podman": "podman", "debootstrap": "debootstrap"}


def ensure_host_tools() -> None:
    """apt-get install whatever of buildah, podman and debootstrap is missing (root on Debian)."""
    missing = sorted({package for command, package in REQUIRED_COMMANDS.items() if shutil.which(command) is None})
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit(f"images: {', '.join(missing)} missing; install them (apt-get install -y {' '.join(missing)}) as root")
    print(f"images: installing {' '.join(missing)} with apt-get", file=sys.stderr, flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, stdout=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", *missing], check=True, env=env, stdout=sys.stderr)
