"""Airbyte's own Harvest source (airbyte-source-harvest on PyPI), the peer `time_entries` is compared with.

The published package pins an old airbyte-cdk; its declarative manifest is what defines it, so the bench
installs airbyte-cdk 7.39.1 (the version our sources run on) into a virtual environment of its own under
`build/`, takes `manifest.yaml` out of the published wheel, and runs it through the CDK's
`source-declarative-manifest` entry point (the manifest injected into the config). Only `url_base` (to the
sandbox) and, for the second variant, `per_page` are changed.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

PACKAGE = "airbyte-source-harvest"
VERSION = "1.0.19"
CDK_VERSION = "7.39.1"
PUBLISHED_PAGE_SIZE = 50
STREAM = "time_entries"


class PeerHarvest:
    """The peer's virtual environment and manifest under `directory` (built once, then reused)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.venv = directory / "venv"
        self.command = [str(self.venv / "bin" / "source-declarative-manifest")]

    def ensure(self) -> None:
        stamp = self.directory / f".installed-{PACKAGE}-{VERSION}-cdk-{CDK_VERSION}"
        if stamp.exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        print(f"bench: installing {PACKAGE} {VERSION}'s manifest on airbyte-cdk {CDK_VERSION} in {self.venv}",
              file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(self.venv)], check=True, env=self.environment)
        pip = [str(self.venv / "bin" / "python"), "-m", "pip"]
        subprocess.run([*pip, "install", "--quiet", f"airbyte-cdk=={CDK_VERSION}"], check=True, env=self.environment)
        wheels = self.directory / "wheel"
        subprocess.run([*pip, "download", "--quiet", "--no-deps", "--only-binary", ":all:", "--dest", str(wheels),
                        f"{PACKAGE}=={VERSION}"], check=True, env=self.environment)
        (wheel,) = wheels.glob(f"{PACKAGE.replace('-', '_')}-{VERSION}-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            self.manifest_path.write_bytes(archive.read("source_harvest/manifest.yaml"))
        stamp.touch()

    @property
    def environment(self) -> dict:
        """This environment without PYTHONPATH: nothing of ours may leak into the peer's interpreter."""
        return {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}

    @property
    def manifest_path(self) -> Path:
        return self.directory / "manifest.yaml"

    def config(self, harvest: dict, start_date: str, page_size: int) -> dict:
        """The peer's config for the sandbox's Harvest (`harvest`: our source's provider block), the manifest
        injected with `url_base` on the sandbox and `per_page` set to `page_size`."""
        manifest = copy.deepcopy(yaml.safe_load(self.manifest_path.read_text()))
        (stream,) = [stream for stream in manifest["streams"] if stream["name"] == STREAM]
        requester = stream["retriever"]["requester"]
        requester["url_base"] = harvest["base_url"].rstrip("/") + "/"
        requester["request_parameters"]["per_page"] = str(page_size)
        manifest["streams"] = [stream]
        return {"__injected_declarative_manifest": manifest, "account_id": harvest["account_id"],
                "replication_start_date": start_date,
                "credentials": {"auth_type": "Token", "api_token": harvest["access_token"]}}
