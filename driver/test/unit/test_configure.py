"""`configure` (PROTOCOL.md section 4): runtime Spark settings, on a fake spark.conf.

The rules on their own (configure.apply), then through the control thread over a socketpair.
"""

import threading
import time
from types import SimpleNamespace

import pytest

from driver_harness import h  # noqa: F401 (h is a fixture)
from fakeserver import bare
from sparkport_driver import configure, protocol

# What spark.conf.isModifiable says for these in Spark 4: SQL settings that are not static.
MODIFIABLE = {"spark.sql.shuffle.partitions", "spark.sql.session.timeZone", "spark.sql.ansi.enabled"}


class FakeConf:
    """A RuntimeConfig: isModifiable, set (which refuses a non-integer partition count), get."""

    def __init__(self, set_delay=0.0):
        self.values = {}
        self.calls = []
        self.set_delay = set_delay
        self.thread_names = set()

    def isModifiable(self, key):
        self.calls.append(("isModifiable", key))
        self.thread_names.add(threading.current_thread().name)
        return key in MODIFIABLE

    def set(self, key, value):
        self.calls.append(("set", key))
        time.sleep(self.set_delay)
        if key == "spark.sql.shuffle.partitions" and not value.isdigit():
            raise ValueError(
                f"[INVALID_CONF_VALUE.TYPE_MISMATCH] The value '{value}' in the config \"{key}\" is invalid."
                "\n\nJVM stacktrace:\norg.apache.spark.SparkIllegalArgumentException: ..."
            )
        self.values[key] = value

    def get(self, key):
        return self.values[key]


# ---- the rules ---------------------------------------------------------------------------------

def test_sets_every_key_in_order():
    conf = FakeConf()
    applied = configure.apply(conf, {"spark.sql.shuffle.partitions": "8", "spark.sql.session.timeZone": "UTC"})
    assert applied == ["spark.sql.shuffle.partitions", "spark.sql.session.timeZone"]
    assert conf.values == {"spark.sql.shuffle.partitions": "8", "spark.sql.session.timeZone": "UTC"}
    # Every key is checked before the first is set.
    assert [c[0] for c in conf.calls] == ["isModifiable", "isModifiable", "set", "set"]


def test_nothing_to_set():
    conf = FakeConf()
    assert configure.apply(conf, {}) == []
    assert conf.calls == []


def test_one_key_not_modifiable_sets_nothing_and_every_such_key_is_named():
    conf = FakeConf()
    settings = {
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.extensions": "x.Ext",
        "spark.sql.ansi.enabled": "true",
        "spark.driver.memory": "4g",
    }
    with pytest.raises(configure.ConfigureError) as refused:
        configure.apply(conf, settings)
    assert refused.value.message == (
        "not settable in a running session: spark.sql.extensions, spark.driver.memory (they need a new driver)"
    )
    assert conf.values == {}
    assert not any(c[0] == "set" for c in conf.calls)


def test_a_refused_value_stops_there_and_what_was_set_before_stays_set():
    conf = FakeConf()
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "many",
        "spark.sql.ansi.enabled": "false",
    }
    with pytest.raises(configure.ConfigureError) as refused:
        configure.apply(conf, settings)
    assert refused.value.message == (
        "could not set spark.sql.shuffle.partitions: [INVALID_CONF_VALUE.TYPE_MISMATCH] The value 'many' in the "
        'config "spark.sql.shuffle.partitions" is invalid. (set before it, and left set: spark.sql.session.timeZone)'
    )
    assert conf.values == {"spark.sql.session.timeZone": "UTC"}  # the one after it was never tried


def test_a_refused_first_value_names_nothing_left_set():
    with pytest.raises(configure.ConfigureError) as refused:
        configure.apply(FakeConf(), {"spark.sql.shuffle.partitions": "x"})
    assert refused.value.message.startswith("could not set spark.sql.shuffle.partitions: [INVALID_CONF_VALUE")
    assert "left set" not in refused.value.message


# ---- parsing -----------------------------------------------------------------------------------

def test_parse_accepts_string_values_and_refuses_others_with_a_reply():
    req = protocol.parse_request(b'{"type":"configure","id":3,"conf":{"spark.sql.shuffle.partitions":"8"}}')
    assert (req.type, req.id, req.msg["conf"]) == ("configure", 3, {"spark.sql.shuffle.partitions": "8"})
    for conf in ("null", "[]", '"a=b"', '{"a":"1","b":2,"c":null}'):
        with pytest.raises(protocol.ProtocolError) as refused:
            protocol.parse_request(b'{"type":"configure","id":3,"conf":%s}' % conf.encode())
        answer = refused.value.to_message()
        assert answer["type"] == "reply" and answer["re"] == 3 and answer["error"]["code"] == "BAD_MESSAGE", conf
    with pytest.raises(protocol.ProtocolError) as refused:
        protocol.parse_request(b'{"type":"configure","id":3,"conf":{"a":"1","b":2,"c":null}}')
    assert refused.value.message == "configure 'conf' values must be strings: b, c"


# ---- through the control thread ----------------------------------------------------------------

def _with_fake_spark(h, conf):
    """The driver's session (and the statements' `spark`) as a fake whose conf is `conf`."""
    spark = SimpleNamespace(conf=conf)
    h.driver.executor.spark_session = spark
    h.driver.executor.globals["spark"] = spark


def test_configure_before_ready_is_not_ready(h):
    rid = h.srv.request("configure", conf={"spark.sql.shuffle.partitions": "8"})
    reply, _ = h.srv.wait_reply(rid, 5)
    assert reply["ok"] is False and reply["error"]["code"] == "NOT_READY"


def test_configure_replies(h):
    h.ready()
    conf = FakeConf()
    _with_fake_spark(h, conf)

    def script(srv):
        rid = srv.request("configure", conf={"spark.sql.shuffle.partitions": "8", "spark.sql.session.timeZone": "UTC"})
        assert bare(srv.wait_reply(rid, 5)[0]) == {
            "type": "reply", "re": rid, "ok": True,
            "result": {"applied": ["spark.sql.shuffle.partitions", "spark.sql.session.timeZone"]},
        }
        rid = srv.request("configure", conf={"spark.sql.extensions": "x.Ext", "spark.sql.ansi.enabled": "true"})
        assert bare(srv.wait_reply(rid, 5)[0]) == {
            "type": "reply", "re": rid, "ok": False,
            "error": {
                "code": "BAD_REQUEST",
                "message": "not settable in a running session: spark.sql.extensions (they need a new driver)",
            },
        }
        rid = srv.request("configure", conf={"spark.sql.shuffle.partitions": "lots"})
        reply, _ = srv.wait_reply(rid, 5)
        assert reply["error"]["code"] == "BAD_REQUEST"
        assert reply["error"]["message"].startswith("could not set spark.sql.shuffle.partitions: ")
        rid = srv.request("configure", conf={"spark.sql.shuffle.partitions": 8})
        reply, _ = srv.wait_reply(rid, 5)
        assert reply["ok"] is False and reply["error"]["code"] == "BAD_MESSAGE"
        rid = srv.request("configure", conf={})
        assert srv.wait_reply(rid, 5)[0]["result"] == {"applied": []}

    h.run(script)
    assert conf.values == {"spark.sql.shuffle.partitions": "8", "spark.sql.session.timeZone": "UTC"}
    assert conf.thread_names == {"sparkport-control"}


def test_configure_is_answered_while_a_statement_runs(h):
    h.ready()
    _with_fake_spark(h, FakeConf())

    def script(srv):
        rid = srv.request("execute", statement_id=1, kind="pyspark", code="import time\ntime.sleep(3)")
        time.sleep(0.3)
        started = time.monotonic()
        cid = srv.request("configure", conf={"spark.sql.shuffle.partitions": "8"})
        reply, seen = srv.wait_reply(cid, 5)
        assert reply["ok"] is True and time.monotonic() - started < 1
        assert not any(m.get("type") == "reply" for m in seen)  # the statement still runs
        assert srv.wait_reply(rid, 10)[0]["result"]["cancelled"] is False

    h.run(script)


def test_a_statement_sent_right_after_a_configure_sees_its_settings(h):
    h.ready()
    # Slow sets: were configure handled on another thread, the execute would overtake it.
    _with_fake_spark(h, FakeConf(set_delay=0.2))

    def script(srv):
        cid = srv.request("configure", conf={"spark.sql.shuffle.partitions": "8", "spark.sql.session.timeZone": "UTC"})
        rid = srv.request("execute", statement_id=1, kind="pyspark", code="spark.conf.get('spark.sql.session.timeZone')")
        assert srv.wait_reply(cid, 5)[0]["ok"] is True
        reply, _ = srv.wait_reply(rid, 5)
        assert reply["result"]["output"]["data"]["text/plain"] == "'UTC'"

    h.run(script)
