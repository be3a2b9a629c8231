"""CONTRIBUTING.md's lists of files are the real ones: every file it names exists (placeholders such as
`<name>.py` aside), from the repository's root or from a connector's folder."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FOLDERS = (REPO, REPO / "source-time-tracking", REPO / "source-sage-gl")
FILE = re.compile(r"`([\w./-]+/[\w.-]+\.(?:py|json|yaml|yml|md))`")


def named_files(markdown: str) -> list[str]:
    return FILE.findall(markdown)


def missing(paths: list[str]) -> list[str]:
    return [path for path in paths if not any((folder / path).is_file() for folder in FOLDERS)]


def test_every_file_contributing_names_exists():
    paths = named_files((REPO / "CONTRIBUTING.md").read_text(encoding="utf-8"))

    assert len(paths) >= 20
    assert missing(paths) == []


def test_the_check_finds_a_file_that_is_not_there():
    paths = named_files("`source_time_tracking/providers.py`, `unit_tests/test_gone.py` and `schemas/<name>_x.json`")

    assert paths == ["source_time_tracking/providers.py", "unit_tests/test_gone.py"]
    assert missing(paths) == ["unit_tests/test_gone.py"]
