"""A driver whose Spark cannot start says why (`fatal`) and exits non-zero.

Uses a heap so small that the JVM dies at once, so no Spark really runs.
"""

import pytest

from fakeserver import FakeServer
from sparkport_driver.spark import _driver_memory, _memory_bytes, startup_hint


def test_memory_parsing():
    assert _memory_bytes("16m") == 16 << 20
    assert _memory_bytes("1g") == 1 << 30
    assert _memory_bytes("512") == 512 << 20
    assert _memory_bytes("lots") is None
    assert _driver_memory("--master local[2] --driver-memory 16m pyspark-shell") == "16m"
    assert _driver_memory("--conf spark.driver.memory=2g pyspark-shell") == "2g"
    assert _driver_memory("pyspark-shell") is None


def test_hint_only_for_a_dead_gateway(monkeypatch):
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", "--driver-memory 16m pyspark-shell")
    assert "too small" in startup_hint(RuntimeError("[JAVA_GATEWAY_EXITED] Java gateway process exited"))
    assert startup_hint(RuntimeError("something else")) is None
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", "--driver-memory 1g pyspark-shell")
    assert "driver log" in startup_hint(RuntimeError("[JAVA_GATEWAY_EXITED]"))


@pytest.mark.spark
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
