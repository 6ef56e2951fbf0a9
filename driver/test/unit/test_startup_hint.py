"""What `fatal` says when Spark cannot start: the driver memory read from PYSPARK_SUBMIT_ARGS
and the hint added for a JVM that died at once. No JVM here; test/e2e/test_startup_failure.py
starts a real one."""

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
