"""The connectors that ship as images, and the image names their metadata.yaml gives them."""

from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CONNECTOR_NAMES = ("source-sage-gl", "source-time-tracking")


@dataclass(frozen=True)
class Connector:
    name: str

    @property
    def folder(self) -> Path:
        return REPO_ROOT / self.name

    @property
    def metadata(self) -> dict:
        return yaml.safe_load((self.folder / "metadata.yaml").read_text())

    @property
    def repository(self) -> str:
        return self.metadata["data"]["dockerRepository"]

    @property
    def version(self) -> str:
        return self.metadata["data"]["dockerImageTag"]

    @property
    def tags(self) -> list[str]:
        """`:dev` (what acceptance-test-config.yml names) and the release tag from metadata.yaml."""
        return [f"{self.repository}:dev", f"{self.repository}:{self.version}"]


def connectors(names: list[str] | tuple[str, ...] = ()) -> list[Connector]:
    """The named connectors (all of them when none are named); unknown names are an error."""
    unknown = sorted(set(names) - set(CONNECTOR_NAMES))
    if unknown:
        raise SystemExit(f"images: unknown connector {', '.join(unknown)}; known: {', '.join(CONNECTOR_NAMES)}")
    return [Connector(name) for name in (names or CONNECTOR_NAMES)]
