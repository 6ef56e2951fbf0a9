import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
# Test the package from this checkout, installed or not.
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "support"))

from fake_server import FakeServer  # noqa: E402


@pytest.fixture
def fake():
    f = FakeServer()
    yield f
    f.close()
