"""Fixtures: the hand-made company (see `helpers.build_company`) and emulators over it with a fake clock."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from sandbox.faults import Faults
from sandbox.generic import GenericEmulator
from sandbox.harvest import HarvestEmulator

from .helpers import FakeClock, HandmadeStore, build_company


@pytest.fixture(scope="session")
def handmade_database(tmp_path_factory) -> Path:
    """Built once; every test gets its own copy (tests write to it)."""
    path = tmp_path_factory.mktemp("handmade") / "company.sqlite"
    with closing(sqlite3.connect(path)) as db, db:
        build_company(db)
    return path


@pytest.fixture
def store(handmade_database, tmp_path) -> HandmadeStore:
    path = tmp_path / "company.sqlite"
    shutil.copyfile(handmade_database, path)
    return HandmadeStore(path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def harvest(store, clock) -> HarvestEmulator:
    return HarvestEmulator(store, Faults(), clock=clock)


@pytest.fixture
def generic(store) -> GenericEmulator:
    return GenericEmulator(store, Faults())
