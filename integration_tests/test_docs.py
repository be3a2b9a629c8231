"""The READMEs work from any clone: every command that installs or runs something names no absolute path of
a machine, and runs Python through `make` or the project's venv named relative to the repository
(`.venv/bin/python` from the root, `../.venv/bin/python` from a part), never a bare `python`/`pip` that only
works in an activated environment."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHELL_BLOCK = re.compile(r"^```(bash|sh|shell|console)?\n(.*?)^```", re.M | re.S)
INLINE = re.compile(r"`([^`\n]+)`")
RUNS = re.compile(r"^(\$ )?(make|python3?|pip3?|\.\./\.venv/|\.venv/|cd |kind |skopeo |buildah |docker |bash |sh )")
BARE = {"python", "python3", "pip", "pip3"}
IN_IMAGE = "/airbyte/"  # a path inside the connector image (docker run … --config /airbyte/secrets/…), not the machine's
READMES = sorted(path.relative_to(REPO) for path in REPO.rglob("README.md")
                 if not any(part.startswith(".") or part in ("build", "node_modules") or part.endswith(".egg-info")
                            for part in path.relative_to(REPO).parts[:-1]))


def commands(markdown: str) -> list[str]:
    """Shell lines of the code blocks (continuations joined, comments dropped) and inline commands."""
    found = []
    for block in SHELL_BLOCK.finditer(markdown):
        for line in block.group(2).replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip()
            if RUNS.match(line):
                found.append(line)
    prose = SHELL_BLOCK.sub("", markdown)
    found += [span for span in INLINE.findall(prose) if RUNS.match(span) and " " in span.strip()]
    return found


def problems(command: str) -> list[str]:
    found = []
    for segment in re.split(r"&&|\|\||;|\|", command.removeprefix("$ ")):
        try:
            words = shlex.split(segment)
        except ValueError:
            words = segment.split()
        if words and words[0] in BARE:
            found.append(f"bare `{words[0]}` (name the venv: .venv/bin/{words[0]} or ../.venv/bin/{words[0]})")
        found += [f"absolute path {word}" for word in words
                  if (word.startswith("/") or re.match(r"^\w+:/[^/]", word)) and not word.startswith(IN_IMAGE)]
    return found


def test_every_readme_is_checked():
    assert Path("README.md") in READMES and len(READMES) >= 6


@pytest.mark.parametrize("readme", READMES, ids=str)
def test_readme_commands_use_no_absolute_path_and_name_the_venv(readme):
    found = {command: problems(command) for command in commands((REPO / readme).read_text(encoding="utf-8"))}
    assert {command: issues for command, issues in found.items() if issues} == {}


def test_the_check_catches_what_the_issue_found():
    assert problems("/work/main/.venv/bin/pip install -e .")
    assert problems("python main.py check --config secrets/config.json")
    assert problems("cd source-sage-gl && python -m sandbox serve")
    assert not problems("../.venv/bin/python main.py check --config secrets/config.json")
    assert not problems(".venv/bin/python -m pipeline run --dsn postgresql://loader@db:5432/warehouse")
