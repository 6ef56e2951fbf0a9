import os
import sys

import pytest

# Test the package from this checkout, installed or not.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from fake_server import FakeServer  # noqa: E402


@pytest.fixture
def fake():
    f = FakeServer()
    yield f
    f.close()
