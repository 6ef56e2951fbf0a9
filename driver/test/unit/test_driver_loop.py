"""The control thread and the main-thread statement loop, over a socketpair, without Spark.

pytest runs tests on the main thread, so run_statements() runs exactly where it
runs in the real driver and cancel's SIGINT reaches it for real.
"""

import os
import signal
import socket
import threading
import time

import pytest

from driver_harness import Harness, h  # noqa: F401 (h is a fixture)
from fakeserver import bare
from sparkport_driver.exit_codes import EXIT_CONNECTION_LOST, EXIT_OK


def test_requests_before_ready(h):
    rid = h.srv.request("execute", statement_id=0, kind="pyspark", code="1")
    reply, _ = h.srv.wait_reply(rid, 5)
    assert reply["ok"] is False and reply["error"]["code"] == "NOT_READY"
    rid = h.srv.request("ping")
    assert bare(h.srv.wait_reply(rid, 5)[0]) == {"type": "reply", "re": rid, "ok": True, "result": {}}


def test_execute_streams_then_replies(h):
    h.ready()

    def script(srv):
        reply, seen = srv.execute("print('hello')\nprint('world')\n1 + 1", statement_id=3)
        assert [m["text"] for m in seen] == ["hello\n", "world\n", "2\n"]
        assert all(m["type"] == "stream" and m["re"] == reply["re"] for m in seen)
        assert reply["ok"] is True
        assert reply["result"] == {
            "output": {"status": "ok", "execution_count": 3, "data": {"text/plain": "hello\nworld\n2"}},
            "cancelled": False,
        }

    h.run(script)
    assert h.driver.exit_code == EXIT_OK


def test_malformed_lines_keep_the_connection(h):
    h.ready()

    def script(srv):
        srv.send_raw(b"this is not json\n")
        msg = srv.next_message(5)
        assert msg["type"] == "error" and msg["re"] is None and msg["code"] == "BAD_MESSAGE"
        srv.send_raw({"type": "error", "re": None, "code": "BAD_MESSAGE", "message": "from the server"})
        srv.send_raw({"type": "nope", "id": 42})  # the error above got no answer: this comes next
        assert srv.next_message(5) == {
            "type": "error", "re": 42, "code": "UNKNOWN_TYPE", "message": "unknown request type 'nope'",
        }
        rid = srv.request("execute", statement_id=1, kind="scala", code="1")
        reply, _ = srv.wait_reply(rid, 5)
        assert reply["ok"] is False and reply["error"]["code"] == "BAD_MESSAGE"
        reply, _ = srv.execute("1 + 1", statement_id=2)
        assert reply["result"]["output"]["data"]["text/plain"] == "2"

    h.run(script)


def test_complete(h):
    h.ready()

    def script(srv):
        srv.execute("import collections\nlongish_name = 1", statement_id=1)
        rid = srv.request("complete", kind="pyspark", code="x = longish_", cursor=12)
        assert srv.wait_reply(rid, 5)[0]["result"] == {"candidates": ["longish_name"]}
        rid = srv.request("complete", kind="pyspark", code="collections.Ord", cursor=15)
        assert srv.wait_reply(rid, 5)[0]["result"] == {"candidates": ["OrderedDict("]}
        rid = srv.request("complete", kind="sql", code="sel", cursor=3)
        assert srv.wait_reply(rid, 5)[0]["result"] == {"candidates": []}

    h.run(script)


def _cancel_while_running(srv, code, statement_id):
    rid = srv.request("execute", statement_id=statement_id, kind="pyspark", code=code)
    time.sleep(0.5)
    ping = srv.request("ping")  # answered while the statement runs
    reply, seen = srv.wait_reply(ping, 5)
    assert reply["ok"] and not any(m.get("type") == "reply" for m in seen)
    cid = srv.request("cancel", target=rid)
    reply, _ = srv.wait_reply(cid, 5)
    assert bare(reply) == {"type": "reply", "re": cid, "ok": True, "result": {"running": True}}
    started = time.monotonic()
    reply, _ = srv.wait_reply(rid, 10)
    assert time.monotonic() - started < 5
    assert reply["result"]["cancelled"] is True
    out = reply["result"]["output"]
    assert out["status"] == "error" and out["ename"] == "KeyboardInterrupt"
    return out


def test_cancel_busy_loop_then_state_survives(h):
    h.ready()

    def script(srv):
        srv.execute("x = 42", statement_id=1)
        out = _cancel_while_running(srv, "while True:\n    pass", 2)
        assert out["traceback"][-1] == "KeyboardInterrupt: statement cancelled\n"
        assert not any("interrupts.py" in line for line in out["traceback"])
        reply, _ = srv.execute("x", statement_id=3)
        assert reply["result"]["output"]["data"]["text/plain"] == "42"

    h.run(script)


def test_cancel_sleep_and_stubborn_code(h):
    h.ready()

    def script(srv):
        _cancel_while_running(srv, "import time\ntime.sleep(100)", 1)
        # Code that swallows the first interrupt is signalled again.
        code = "import time\ntry:\n    time.sleep(100)\nexcept KeyboardInterrupt:\n    pass\ntime.sleep(100)"
        _cancel_while_running(srv, code, 2)
        reply, _ = srv.execute("'alive'", statement_id=3)
        assert reply["result"]["output"]["data"]["text/plain"] == "'alive'"

    h.run(script)


def test_cancel_of_printing_loop_keeps_framing(h):
    h.ready()

    def script(srv):
        _cancel_while_running(srv, "while True:\n    print('spam ' * 50)", 1)
        reply, _ = srv.execute("1", statement_id=2)  # every line parsed fine up to here
        assert reply["result"]["output"]["data"]["text/plain"] == "1"

    h.run(script)


def test_cancel_unknown_and_queued_targets(h):
    h.ready()

    def script(srv):
        cid = srv.request("cancel", target=999)
        reply, _ = srv.wait_reply(cid, 5)
        assert reply["ok"] is False and reply["error"]["code"] == "UNKNOWN_TARGET"
        first = srv.request("execute", statement_id=1, kind="pyspark", code="import time\ntime.sleep(1)")
        second = srv.request("execute", statement_id=2, kind="pyspark", code="y = 1")
        time.sleep(0.2)
        cid = srv.request("cancel", target=second)
        assert srv.wait_reply(cid, 5)[0]["result"] == {"running": False}
        r1, _ = srv.wait_reply(first, 5)
        assert r1["result"]["cancelled"] is False
        r2, _ = srv.wait_reply(second, 5)
        assert r2["result"]["cancelled"] is True and r2["result"]["output"]["status"] == "error"
        reply, _ = srv.execute("y", statement_id=3)
        assert reply["result"]["output"]["ename"] == "NameError"  # the cancelled one never ran

    h.run(script)


def test_sigint_from_outside_cancels_the_running_statement(h):
    h.ready()

    def script(srv):
        rid = srv.request("execute", statement_id=1, kind="pyspark", code="while True: pass")
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGINT)  # e.g. the server signalling the driver's pid
        reply, _ = srv.wait_reply(rid, 5)
        assert reply["result"]["cancelled"] is True
        assert reply["result"]["output"]["ename"] == "KeyboardInterrupt"

    h.run(script)


def test_stray_sigint_while_idle_is_ignored(h):
    h.ready()

    def script(srv):
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        time.sleep(0.2)
        reply, _ = srv.execute("1", statement_id=1)
        assert reply["ok"]

    h.run(script)


def test_shutdown_cancels_running_statement(h):
    h.ready()

    def script(srv):
        rid = srv.request("execute", statement_id=1, kind="pyspark", code="while True: pass")
        time.sleep(0.3)
        sid = srv.request("shutdown")
        reply, _ = srv.wait_reply(sid, 5)
        assert reply["ok"] is True
        reply, _ = srv.wait_reply(rid, 10)
        assert reply["result"]["cancelled"] is True

    h.run(script, shutdown=False)
    assert h.driver.exit_code == EXIT_OK


def test_connection_drop_stops_the_loop(h):
    h.ready()

    def script(srv):
        srv.execute("1", statement_id=1)
        srv.sock.shutdown(socket.SHUT_RDWR)

    h.run(script, shutdown=False)
    assert h.driver.exit_code == EXIT_CONNECTION_LOST


def test_a_statement_cut_short_by_a_dead_jvm_fails_with_the_reason_not_cancelled(h):
    h.ready()

    def script(srv):
        rid = srv.request("execute", statement_id=5, kind="pyspark", code="import time\ntime.sleep(30)")
        time.sleep(0.5)
        h.driver._on_jvm_exit(-9)
        reply, _ = srv.wait_reply(rid, 10)
        assert reply["result"]["cancelled"] is False
        out = reply["result"]["output"]
        assert out["status"] == "error" and out["ename"] == "Error"
        assert out["evalue"] == "Interpreter died: the Spark driver JVM exited unexpectedly (exit code -9)"

    h.run(script)
    assert h.driver.exit_code != EXIT_OK
