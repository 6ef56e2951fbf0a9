"""A driver whose Spark cannot start says why (`fatal`) and exits non-zero.

Uses a heap so small that the JVM dies at once, so no Spark really runs, but a real driver
process and a real JVM launch do.
"""

import pytest

from fakeserver import FakeServer

pytestmark = pytest.mark.spark


def test_fatal_when_the_jvm_cannot_start():
    pytest.importorskip("pyspark")
    srv = FakeServer()
    proc = srv.spawn_driver("--master local[1] --driver-memory 16m pyspark-shell")
    try:
        srv.accept(timeout=30)
        msg = srv.handshake(timeout=60)
        assert msg["type"] == "fatal"
        assert msg["message"].startswith("Spark failed to start:")
        assert "driver memory 16m is too small" in msg["message"]
        assert msg["traceback"] and msg["traceback"][0].startswith("Traceback")
        assert proc.wait(30) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
        srv.close()
