"""`configure` (PROTOCOL.md section 4) with the real driver and real Spark: a runtime SQL setting
is set and read back by a statement; a static one is refused and nothing in that request is set;
a value Spark refuses is answered with Spark's message.
"""

import pytest

from fakeserver import FakeServer, bare

pytestmark = pytest.mark.spark

SUBMIT_ARGS = (
    "--master local[1] --driver-memory 512m "
    "--conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions=2 "
    "--conf spark.ui.showConsoleProgress=false pyspark-shell"
)
PARTITIONS = "spark.sql.shuffle.partitions"


def test_configure_sets_runtime_settings_and_refuses_static_ones():
    pytest.importorskip("pyspark")
    srv = FakeServer(session_id=5)
    proc = srv.spawn_driver(SUBMIT_ARGS)
    try:
        srv.accept(timeout=30)
        ready = srv.handshake(timeout=90)
        assert ready["type"] == "ready", ready

        def partitions(statement_id):
            reply, _ = srv.execute(f"spark.conf.get({PARTITIONS!r})", statement_id=statement_id)
            return reply["result"]["output"]["data"]["text/plain"]

        rid = srv.request("configure", conf={PARTITIONS: "7"})
        assert bare(srv.wait_reply(rid, 30)[0]) == {"type": "reply", "re": rid, "ok": True, "result": {"applied": [PARTITIONS]}}
        assert partitions(1) == "'7'"

        # spark.sql.extensions is static: the whole request is refused, partitions stays 7.
        rid = srv.request("configure", conf={PARTITIONS: "3", "spark.sql.extensions": "com.example.Ext"})
        reply, _ = srv.wait_reply(rid, 30)
        assert bare(reply) == {
            "type": "reply", "re": rid, "ok": False,
            "error": {
                "code": "BAD_REQUEST",
                "message": "not settable in a running session: spark.sql.extensions (they need a new driver)",
            },
        }
        assert partitions(2) == "'7'"

        rid = srv.request("configure", conf={PARTITIONS: "many"})
        reply, _ = srv.wait_reply(rid, 30)
        assert reply["ok"] is False and reply["error"]["code"] == "BAD_REQUEST"
        message = reply["error"]["message"]
        assert message.startswith(f"could not set {PARTITIONS}: ") and "many" in message, message
        assert "JVM stacktrace" not in message
        assert partitions(3) == "'7'"

        rid = srv.request("shutdown")
        srv.wait_reply(rid, 10)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        srv.close()
