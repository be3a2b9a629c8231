"""The shipped mappings are found however the package is installed, from any working directory.

`make install` installs destination-mappings editable in setuptools' finder mode, and sandbox/pipeline in
compat mode (which only puts the project folder on sys.path); users may install a wheel. Each check runs a
fresh interpreter from a directory outside the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
TARGETS = "financial_transactions,time_entries,labour_cost_vs_gl"
PROBE = ("from destination_mappings import check_mappings, shipped_mappings_dir; "
         "print(shipped_mappings_dir()); print(','.join(loaded.table for loaded in check_mappings().order))")


def _probe(cwd: Path, *, path_entry: Path | None = None) -> tuple[Path, str]:
    """Run PROBE in a new interpreter. With `path_entry`, site processing is off (no .pth file, so no editable
    finder): the package comes only from `path_entry`, its dependencies from the environment's site-packages."""
    command, env = [sys.executable], {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if path_entry is not None:
        command.append("-S")
        env["PYTHONPATH"] = os.pathsep.join([str(path_entry), sysconfig.get_paths()["purelib"]])
    done = subprocess.run([*command, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    directory, tables = done.stdout.split()
    return Path(directory), tables


def test_installed_package_finds_its_mappings_from_outside_the_folder(tmp_path):
    directory, tables = _probe(tmp_path)
    assert tables == TARGETS
    assert directory.parts[-2:] == ("destination_mappings", "mappings")  # inside the package, wherever installed


def test_a_plain_path_entry_finds_the_mappings_as_compat_mode_does(tmp_path):
    directory, tables = _probe(tmp_path, path_entry=PROJECT)
    assert tables == TARGETS
    assert directory.is_relative_to(PROJECT)


def test_a_wheel_ships_the_mappings(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "tests", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path / "dist"), str(source)], check=True, capture_output=True, timeout=120)
    [wheel] = (tmp_path / "dist").glob("destination_mappings-*.whl")
    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)

    directory, tables = _probe(tmp_path, path_entry=installed)

    assert tables == TARGETS
    assert directory == installed / "destination_mappings" / "mappings"
