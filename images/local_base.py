"""A local stand-in for `airbyte/python-connector-base`, for machines that cannot reach Docker Hub.

It mirrors the real base (`docker-images/Dockerfile.python-connector-base` in airbytehq/airbyte): Debian
bookworm with Python 3.11 and pip, installs going to /usr/local, UTC as local time, a system user `airbyte`
(uid 1000) owning `/airbyte`, running as root until the connector's Dockerfile says `USER airbyte`.
The image depends only on RECIPE, so it is cached under the recipe's hash: in container storage (label
`LABEL_RECIPE`) and as a root-file-system tarball in `.cache/images/` that a CI cache can keep.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from images.buildah import image_exists, inspect_image

REFERENCE = "localhost/python-connector-base:local"
LABEL_RECIPE = "io.airbyte.local-base.recipe"
CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "images"
PYTHON_VERSION = "3.11"

RECIPE = {
    "suite": "bookworm",
    "variant": "minbase",
    "include": ["python3", "python3-venv", "python3-pip", "python-is-python3", "ca-certificates"],
    # Run in the root file system after debootstrap.
    "setup": [
        "ln -snf /usr/share/zoneinfo/Etc/UTC /etc/localtime",
        "groupadd --system --gid 1000 airbyte",
        "useradd --system --uid 1000 --gid airbyte --no-create-home --shell /usr/sbin/nologin airbyte",
        "mkdir --mode 755 /airbyte && chown airbyte:airbyte /airbyte",
        # The real base is the official Python image: pip installs into /usr/local without PEP 668's marker.
        f"rm -f /usr/lib/python{PYTHON_VERSION}/EXTERNALLY-MANAGED",
        "apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log",
    ],
    "config": [
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8",
    ],
}


def recipe_hash() -> str:
    return hashlib.sha256(json.dumps(RECIPE, sort_keys=True).encode()).hexdigest()[:16]


def ensure_local_base(mirror: str | None = None) -> str:
    """Return REFERENCE, building or re-importing it only when the cached one is not of the current recipe."""
    key = recipe_hash()
    if image_exists(REFERENCE) and inspect_image(REFERENCE)["OCIv1"]["config"].get("Labels", {}).get(LABEL_RECIPE) == key:
        return REFERENCE
    tarball = CACHE_DIR / f"python-connector-base-{key}.tar"
    if not tarball.exists():
        _bootstrap_tarball(tarball, mirror or debian_mirror(RECIPE["suite"]))
    _log(f"importing {tarball.name} as {REFERENCE}")
    changes = [*RECIPE["config"], f"LABEL {LABEL_RECIPE}={key}"]
    change_args = [arg for change in changes for arg in ("--change", change)]
    subprocess.run(
        ["podman", "--storage-driver", "vfs", "import", *change_args, str(tarball), REFERENCE],
        check=True, stdout=subprocess.DEVNULL,
    )
    return REFERENCE


def _bootstrap_tarball(tarball: Path, mirror: str) -> None:
    """debootstrap the recipe into a temporary root file system and pack it into `tarball`."""
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="python-connector-base-", dir=tarball.parent) as workdir:
        rootfs = Path(workdir) / "rootfs"
        _log(f"debootstrap {RECIPE['suite']} from {mirror}")
        subprocess.run(
            ["debootstrap", f"--variant={RECIPE['variant']}", f"--include={','.join(RECIPE['include'])}",
             RECIPE["suite"], str(rootfs), mirror],
            check=True, stdout=sys.stderr,
        )
        for step in RECIPE["setup"]:
            subprocess.run(["chroot", str(rootfs), "/bin/sh", "-ec", step], check=True, stdout=sys.stderr)
        version = subprocess.run(
            ["chroot", str(rootfs), "python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
        if version != PYTHON_VERSION:
            raise SystemExit(f"images: the local base has Python {version}; the connectors need {PYTHON_VERSION}")
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(partial), "."], check=True)
        os.replace(partial, tarball)


def debian_mirror(suite: str, sources_dir: Path = Path("/etc/apt")) -> str:
    """The first `deb` mirror the machine's own apt sources name for `suite` (deb822 or one-line format)."""
    for path in sorted((sources_dir / "sources.list.d").glob("*.sources")):
        for paragraph in re.split(r"\n\s*\n", path.read_text()):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", paragraph, flags=re.MULTILINE))
            if "deb" in fields.get("Types", "").split() and suite in fields.get("Suites", "").split() \
                    and fields.get("Enabled", "yes") != "no":
                return fields["URIs"].split()[0]
    one_line_files = [sources_dir / "sources.list", *sorted((sources_dir / "sources.list.d").glob("*.list"))]
    for path in one_line_files:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
            if len(words) >= 3 and words[0] == "deb" and words[2] == suite:
                return words[1]
    raise SystemExit(f"images: no apt source names Debian {suite}; pass --mirror http://<debian mirror>/debian")


def _log(message: str) -> None:
    print(f"images: {message}", file=sys.stderr, flush=True)
