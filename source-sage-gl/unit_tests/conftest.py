import time
from typing import List

import pytest
import requests_mock

from unit_tests.gateway import FakeGateway


@pytest.fixture(autouse=True)
def backoff_waits(monkeypatch) -> List[float]:
    """Retries wait through time.sleep; record the waits instead of sleeping so tests stay fast."""
    waits: List[float] = []
    monkeypatch.setattr(time, "sleep", lambda seconds: waits.append(seconds))
    return waits


@pytest.fixture
def gateway():
    with requests_mock.Mocker() as mocker:
        yield FakeGateway(mocker)
