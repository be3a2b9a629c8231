import pytest

from sandbox import running_sandbox
from sandbox.faults import Faults
from sandbox.store import Store


@pytest.fixture
def store():
    """A small seeded company (scale 0.5: ~1,000 GL lines) in its own temporary directory."""
    store = Store(scale=0.5, seed=11)
    yield store
    store.close()


@pytest.fixture
def faults():
    return Faults(seed=3)


@pytest.fixture(scope="module")
def sandbox():
    """The served company (scale 0.5: the technicians' time of every provider), one server per test module; a
    module that needs another scale or seed defines its own."""
    with running_sandbox(scale=0.5, seed=11) as running:
        yield running


@pytest.fixture
def sb(sandbox):
    """The served company as generated: data, faults and settings reset before and after the test."""
    sandbox.control.reset()
    yield sandbox
    sandbox.control.reset()
