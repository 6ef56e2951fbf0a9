"""The Spark Connect face (connect_face.py, PROTOCOL.md section 3) without Spark: the welcome's
`connect` as the driver checks and keeps it, what `ready` then says, a face that fails leaving
the session without it, the token never written to the driver's log, and the ping's reply saying
how long the face has gone without a client, from what a thread of its own last read (IdleWatch),
so that a JVM that stalls does not stall the ping.

The face itself, on real Spark with a real Connect client, is test/e2e/29-spark-connect.test.ts.
"""

import logging
import threading
import time
import uuid

import pytest

from driver_harness import INFO, h  # noqa: F401 (h is a fixture)
from sparkport_driver import connect_face, protocol
from sparkport_driver.protocol import ProtocolError

SETTINGS = {"host": "127.0.0.1", "port_low": 15002, "port_high": 15101}


class FakeFace:
    """Stands in for the Scala helper's ConnectFace as py4j shows it."""

    def __init__(self, fail=None, idle=-1):
        self.fail = fail
        self.idle = idle
        self.calls = []

    def start(self, jspark, host, low, high, token, user_id, session_id):
        self.calls.append((jspark, host, low, high, token, user_id, session_id))
        if self.fail:
            raise self.fail
        return low + 1  # the first port was taken

    def stop(self):
        self.calls.append("stop")

    def idleMs(self):  # noqa: N802 (the Scala name)
        if isinstance(self.idle, Exception):
            raise self.idle
        return self.idle


class FakeSpark:
    _jsparkSession = "the session's JVM object"


def test_the_welcome_may_ask_for_a_face_and_a_bad_one_is_refused():
    welcome = {"type": "welcome", "session_id": 1, "limits": {"rows": 1, "text_bytes": 1}}
    protocol.check_welcome({**welcome, "connect": SETTINGS})
    for bad, why in [
        ({**SETTINGS, "port_low": 15102}, "above"),
        ({**SETTINGS, "host": ""}, "connect.host"),
        ({**SETTINGS, "port_high": True}, "connect.port_high"),
        ("127.0.0.1:15002", "must be an object"),
    ]:
        with pytest.raises(ProtocolError, match=why) as e:
            protocol.check_welcome({**welcome, "connect": bad})
        assert e.value.code == protocol.BAD_MESSAGE


def test_a_started_face_is_described_for_ready_with_a_fresh_token_and_session(monkeypatch, caplog):
    face = FakeFace()
    monkeypatch.setattr(connect_face, "helper_class", lambda spark, name: face)
    with caplog.at_level(logging.INFO, logger="sparkport.driver"):
        a = connect_face.start(FakeSpark(), SETTINGS)
        b = connect_face.start(FakeSpark(), SETTINGS)
    assert a["port"] == 15003 and a["user_id"] == "sparkport"
    assert str(uuid.UUID(a["session_id"])) == a["session_id"], "Spark Connect wants a UUID"
    assert len(a["token"]) >= 40 and a["token"] != b["token"] and a["session_id"] != b["session_id"]
    assert face.calls[0] == ("the session's JVM object", "127.0.0.1", 15002, 15101, a["token"], "sparkport", a["session_id"])
    assert "Spark Connect on 127.0.0.1:15003" in caplog.text
    assert a["token"] not in caplog.text and b["token"] not in caplog.text


def test_a_face_that_cannot_start_is_none_and_the_log_says_why(monkeypatch, caplog):
    monkeypatch.setattr(connect_face, "helper_class", lambda spark, name: FakeFace(fail=RuntimeError("Failed to bind to 127.0.0.1:15101")))
    with caplog.at_level(logging.INFO, logger="sparkport.driver"):
        assert connect_face.start(FakeSpark(), SETTINGS) is None
    assert "Spark Connect is off for this session: it could not start on 127.0.0.1, ports 15002-15101: Failed to bind" in caplog.text
    monkeypatch.setattr(connect_face, "helper_class", lambda spark, name: None)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sparkport.driver"):
        assert connect_face.start(FakeSpark(), SETTINGS) is None
    assert "sparkport.ConnectFace is not on the driver's class path" in caplog.text


def test_the_first_welcome_sets_the_face_a_reconnect_welcome_leaves_it(h):  # noqa: F811
    first = {**h.srv.welcome(first=True), "connect": SETTINGS}
    h.driver.welcomed(first)
    assert h.driver.connect_settings == SETTINGS
    h.driver.welcomed(h.srv.welcome())
    assert h.driver.connect_settings == SETTINGS


def test_ready_says_where_the_face_is_and_the_log_line_keeps_the_token_out(h, caplog):  # noqa: F811
    face = {"port": 15003, "session_id": str(uuid.uuid4()), "user_id": "sparkport", "token": "s3cret-t0ken"}
    with caplog.at_level(logging.INFO, logger="sparkport.driver"):
        h.driver.become_ready(INFO, face)
    assert h.srv.next_message(5) == {"type": "ready", **INFO, "connect": face}
    assert "ready:" in caplog.text and "s3cret-t0ken" not in caplog.text
    assert h.link.app["connect"] == face, "what a reconnect's `resumed` repeats to a restarted server"


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_the_idle_watch_answers_from_its_last_read_plus_the_time_since(caplog):
    face, clock = FakeFace(idle=-1), FakeClock()
    w = connect_face.IdleWatch(face.idleMs, clock=clock)
    assert w.idle_ms() is None, "nothing read yet"
    w.poll()
    assert w.idle_ms() is None, "-1: no call seen yet"
    face.idle = 1234
    w.poll()
    assert w.idle_ms() == 1234
    clock.t += 2.5
    assert w.idle_ms() == 3734, "the value read, plus the time since it was read"
    face.idle = 0
    w.poll()
    clock.t += 0.7
    assert w.idle_ms() == 700, "0: a call was open when read; idle at most since then"
    face.idle = RuntimeError("py4j: the gateway is gone")
    with caplog.at_level(logging.INFO, logger="sparkport.driver"):
        w.poll()
        w.poll()
    clock.t += 60
    assert w.idle_ms() == 60_700, "a read that fails keeps the last value, which ages"
    assert caplog.text.count("could not ask Spark Connect when it was last used") == 1, "logged once, not every second"


def test_the_idle_watch_reads_on_its_own_thread_every_interval_until_stopped():
    reads = threading.Semaphore(0)
    face = FakeFace(idle=5)

    def read():
        reads.release()
        return face.idleMs()

    w = connect_face.IdleWatch(read, interval=0.01).start()
    try:
        for _ in range(3):
            assert reads.acquire(timeout=5), "read again"
        assert w.idle_ms() is not None and w.idle_ms() >= 5
        assert w._thread.daemon and w._thread.name == "sparkport-connect-idle"
    finally:
        w.stop()
    w._thread.join(5)
    assert not w._thread.is_alive(), "stopped with the face"


def test_a_ping_is_answered_while_the_jvm_hangs_from_what_was_read_before(h):  # noqa: F811
    hang, clock = threading.Event(), FakeClock()
    calls = []

    def read():
        calls.append(1)
        if len(calls) > 1:
            hang.wait(30)  # a JVM in a long GC
        return 1000

    w = connect_face.IdleWatch(read, interval=0.01, clock=clock)
    w.poll()
    w.start()
    h.driver.connect = {"port": 15003, "session_id": str(uuid.uuid4()), "user_id": "sparkport", "token": "t"}
    h.driver.connect_watch = w
    try:
        deadline = time.monotonic() + 5
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(calls) == 2, "the watch's thread is stuck in its read"
        clock.t += 3
        rid = h.srv.request("ping")
        reply, _ = h.srv.wait_reply(rid, 2)
        assert reply["ok"] is True and reply["result"] == {"connect_idle_ms": 4000}
    finally:
        w.stop()
        hang.set()


def test_stopping_the_face_stops_its_watch(monkeypatch):
    face = FakeFace(idle=5)
    monkeypatch.setattr(connect_face, "helper_class", lambda spark, name: face)
    w = connect_face.watch_idle(FakeSpark())
    connect_face.stop(FakeSpark(), w)
    w._thread.join(5)
    assert not w._thread.is_alive() and face.calls == ["stop"]


def test_a_ping_reply_carries_connect_idle_ms_only_when_the_face_reports_one(h):  # noqa: F811
    face, clock = FakeFace(idle=1234), FakeClock()
    w = connect_face.IdleWatch(face.idleMs, clock=clock)

    def ping():
        rid = h.srv.request("ping")
        reply, _ = h.srv.wait_reply(rid, 5)
        assert reply["ok"] is True
        return reply["result"]

    assert ping() == {}, "no face: nothing to say"
    h.driver.connect = {"port": 15003, "session_id": str(uuid.uuid4()), "user_id": "sparkport", "token": "t"}
    h.driver.connect_watch = w
    w.poll()
    assert ping() == {"connect_idle_ms": 1234}
    face.idle = 0
    w.poll()
    assert ping() == {"connect_idle_ms": 0}, "0: a call is open now"
    face.idle = -1
    w.poll()
    assert ping() == {}, "a face no client has called yet"
    h.driver.connect = None
    face.idle = 5
    w.poll()
    assert ping() == {}, "no face started (it could not): nothing to say"
