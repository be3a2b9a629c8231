"""Fixtures: the hand-made company (see `helpers.build_company`) and emulators over it with a fake clock."""

from __future__ import annotations

import sqlite3

import pytest

from sandbox.faults import Faults
from sandbox.generic import GenericEmulator
from sandbox.harvest import HarvestEmulator

from .helpers import FakeClock, HandmadeStore, build_company


@pytest.fixture
def store(tmp_path) -> HandmadeStore:
    path = tmp_path / "handmade.sqlite"
    with sqlite3.connect(path) as db:
        build_company(db)
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
