"""The Spark Connect face (connect_face.py, PROTOCOL.md section 3) without Spark: the welcome's
`connect` as the driver checks and keeps it, what `ready` then says, a face that fails leaving
the session without it, the token never written to the driver's log, and the ping's reply saying
how long the face has gone without a client.

The face itself, on real Spark with a real Connect client, is test/e2e/29-spark-connect.test.ts.
"""

import logging
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


class FakeRuntime:
    spark = FakeSpark()


def test_idle_ms_is_the_faces_answer_or_none_before_any_call_or_when_it_cannot_be_asked(monkeypatch, caplog):
    face = FakeFace(idle=-1)
    monkeypatch.setattr(connect_face, "helper_class", lambda spark, name: face)
    monkeypatch.setattr(connect_face, "_idle_failed", False)
    assert connect_face.idle_ms(FakeSpark()) is None, "-1: no call yet"
    face.idle = 0
    assert connect_face.idle_ms(FakeSpark()) == 0
    face.idle = 1234
    assert connect_face.idle_ms(FakeSpark()) == 1234
    face.idle = RuntimeError("py4j: the gateway is gone")
    with caplog.at_level(logging.INFO, logger="sparkport.driver"):
        assert connect_face.idle_ms(FakeSpark()) is None
        assert connect_face.idle_ms(FakeSpark()) is None
    assert caplog.text.count("could not ask Spark Connect when it was last used") == 1, "logged once, not every ping"


def test_a_ping_reply_carries_connect_idle_ms_only_when_the_face_reports_one(h, monkeypatch):  # noqa: F811
    face = FakeFace(idle=1234)
    monkeypatch.setattr(connect_face, "helper_class", lambda spark, name: face)

    def ping():
        rid = h.srv.request("ping")
        reply, _ = h.srv.wait_reply(rid, 5)
        assert reply["ok"] is True
        return reply["result"]

    assert ping() == {}, "no face: nothing to say"
    h.driver.runtime = FakeRuntime()
    h.driver.connect = {"port": 15003, "session_id": str(uuid.uuid4()), "user_id": "sparkport", "token": "t"}
    assert ping() == {"connect_idle_ms": 1234}
    face.idle = 0
    assert ping() == {"connect_idle_ms": 0}, "0: a call is open now"
    face.idle = -1
    assert ping() == {}, "a face no client has called yet"
    h.driver.connect = None
    face.idle = 5
    assert ping() == {}, "no face started (it could not): the helper is not asked"
