import pytest

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
