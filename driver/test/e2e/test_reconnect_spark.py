"""The real driver with real Spark outlives its server (PROTOCOL.md section 3a): the connection drops
while a statement runs, a "restarted" server writes its new address into the connect file, and
the driver comes back with the statement's output. Its stdout and stderr are a log file, as the
server's launcher gives them.
"""

import socket
import time

import pytest

from fakeserver import FakeServer

pytestmark = pytest.mark.spark

SUBMIT_ARGS = (
    "--master local[1] --driver-memory 512m "
    "--conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions=1 "
    "--conf spark.ui.showConsoleProgress=false pyspark-shell"
)


def test_driver_reconnects_to_a_restarted_server(tmp_path):
    pytest.importorskip("pyspark")
    connect_file = tmp_path / "connect"
    log_path = tmp_path / "driver.log"
    srv = FakeServer(session_id=11, grace_ms=60000)
    proc = srv.spawn_driver(SUBMIT_ARGS, {"SPARKPORT_CONNECT_FILE": str(connect_file)}, log_path=str(log_path))
    srv2 = None
    try:
        srv.accept(timeout=30)
        ready = srv.handshake(timeout=90)
        assert ready["type"] == "ready", ready

        # A map of 100,000 keys: the next statements do not pay for its SQL view...
        rid = srv.request("shared_put", name="big", entries={f"k{i}": i for i in range(100_000)})
        srv.wait_reply(rid, 30)
        started = time.monotonic()
        reply, _ = srv.execute("1 + 1", statement_id=1)
        assert reply["result"]["output"]["data"]["text/plain"] == "2"
        assert time.monotonic() - started < 0.5
        # ...until one reads it.
        reply, _ = srv.execute("select count(*) as n, max(value) as v from big", statement_id=2, kind="sql")
        assert reply["result"]["output"]["data"]["application/json"]["data"] == [[100_000, "99999"]]

        rid = srv.request(
            "execute", statement_id=3, kind="pyspark",
            code="import time\nprint('before')\ntime.sleep(2)\nprint('after')\nspark.range(5).count()",
        )
        msg = srv.next_message(10)
        assert msg["type"] == "stream" and msg["text"] == "before\n" and msg["statement_id"] == 3
        srv.ack(msg["seq"])
        time.sleep(0.1)  # the ack is read before the connection goes

        srv2 = FakeServer(session_id=11, grace_ms=60000)
        srv2.session_token = srv.session_token
        connect_file.write_text(srv2.address)
        srv.sock.shutdown(socket.SHUT_RDWR)
        srv.sock.close()

        hello = srv2.take_reconnect(timeout=15)
        assert hello["token"] == srv.session_token and hello["session_id"] == 11
        assert hello["resume"] == {"last_request": rid} and hello["protocol"] == 2
        resumed, replayed = srv2.until("resumed", timeout=15)
        assert resumed["app"]["app_id"] == ready["app_id"]
        assert resumed["running"] == {"statement_id": 3, "request_id": rid}
        assert all(m["seq"] > msg["seq"] for m in replayed)  # nothing acknowledged comes again
        reply, seen = srv2.wait_reply(rid, 30)
        texts = [m["text"] for m in replayed + seen if m["type"] == "stream"]
        assert texts == ["after\n", "5\n"]
        assert reply["statement_id"] == 3 and reply["result"]["output"]["data"]["text/plain"] == "before\nafter\n5"

        rid = srv2.request("shutdown")
        srv2.wait_reply(rid, 10)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        srv.close()
        if srv2 is not None:
            srv2.close()
    log = log_path.read_text(errors="replace")
    assert "connection lost (EOF); reconnecting" in log and "reconnected to" in log
    assert srv.session_token not in log and srv.token not in log
