"""A driver whose connection drops keeps running and comes back (PROTOCOL.md section 3a), without Spark.

The first connection is a socketpair; the reconnects go to a FakeServer listening on
127.0.0.1, found through SPARKPORT_CONNECT_FILE or SPARKPORT_CONNECT as the driver would.
"""

import os
import signal
import socket
import threading
import time

import pytest

from driver_harness import INFO, Harness
from fakeserver import FakeServer, bare
from sparkport_driver import reconnect
from sparkport_driver.exit_codes import EXIT_CONNECTION_LOST, EXIT_OK
from sparkport_driver.reconnect import Reconnector

WAIT = "released.wait(20)\n"  # a statement that runs until the test says so


@pytest.fixture
def harnesses():
    old = signal.getsignal(signal.SIGINT)
    made = []
    servers = []

    def make(grace_ms=60000, address=None, connect_file=None):
        h = Harness(grace_ms=grace_ms, address=address, connect_file=connect_file)
        made.append(h)
        return h

    make.servers = servers
    yield make
    signal.signal(signal.SIGINT, old)
    for h in made:
        h.close()
    for s in servers:
        s.close()


def new_server(make, h):
    """A restarted server: same session and session token, a new address."""
    srv = FakeServer(session_id=h.srv.session_id, grace_ms=h.srv.grace_ms)
    srv.session_token = h.srv.session_token
    make.servers.append(srv)
    return srv


def drop(srv):
    srv.sock.shutdown(socket.SHUT_RDWR)
    srv.sock.close()


def free_address():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    address = "127.0.0.1:%d" % s.getsockname()[1]
    s.close()  # nothing listens there now
    return address


def test_reconnect_to_the_connect_file_replays_what_was_not_acknowledged(harnesses, tmp_path):
    connect_file = tmp_path / "connect"
    h = harnesses(address=free_address(), connect_file=str(connect_file))
    h.ready()
    released = threading.Event()
    h.driver.executor.globals["released"] = released
    results = {}

    def script(srv):
        reply, seen = srv.execute("print('one')\n1 + 1", statement_id=1)
        results["first"] = (reply, seen)
        srv.ack(reply["seq"])
        ping = srv.request("ping")
        srv.wait_reply(ping, 5)  # the ack was read before this ping
        rid = srv.request("execute", statement_id=2, kind="pyspark", code="print('before')\n" + WAIT + "print('after')\n'done'")
        msg, _ = srv.until("stream")
        assert msg["text"] == "before\n"
        # The server goes away; a new one writes its address where the driver looks.
        srv2 = new_server(harnesses, h)
        connect_file.write_text(srv2.address + "\n")
        drop(srv)
        hello = srv2.take_reconnect()
        results["hello"] = hello
        h.srv = srv2
        resumed, replayed = srv2.until("resumed")
        results["replayed"], results["resumed"] = replayed, resumed
        released.set()
        reply, seen = srv2.wait_reply(rid, 10)
        results["reply"], results["after"] = reply, seen
        reply, _ = srv2.execute("x = 'still here'\nx", statement_id=3)
        results["third"] = reply

    h.run(script)
    assert h.driver.exit_code == EXIT_OK

    reply, seen = results["first"]
    assert [m["seq"] for m in seen + [reply]] == [1, 2, 3]  # "one", "2", the reply
    assert all(m["statement_id"] == 1 for m in seen + [reply])

    hello = results["hello"]
    assert hello == {
        "type": "hello", "token": h.srv.session_token, "pid": 4242, "protocol": 2, "python": "3.11.7",
        "session_id": 0, "resume": {"last_request": 3},
    }
    # 1 to 3 were acknowledged; the ping's reply (4) and the stream line (5) were not.
    replayed = results["replayed"]
    assert [m["seq"] for m in replayed] == [4, 5]
    assert bare(replayed[1]) == {"type": "stream", "re": 3, "name": "stdout", "text": "before\n", "statement_id": 2}
    assert results["resumed"] == {"type": "resumed", "app": INFO, "running": {"statement_id": 2, "request_id": 3}}
    # Then the statement's later messages come on the new connection, numbered on.
    after, reply = results["after"], results["reply"]
    assert [m["text"] for m in after] == ["after\n", "'done'\n"]
    assert [m["seq"] for m in after + [reply]] == [6, 7, 8]
    assert reply["statement_id"] == 2 and reply["result"]["output"]["data"]["text/plain"] == "before\nafter\n'done'"
    assert results["third"]["result"]["output"]["data"]["text/plain"] == "'still here'"


def test_statement_finishing_while_disconnected_is_replayed_and_not_running(harnesses):
    h = harnesses()
    h.ready()
    released = threading.Event()
    h.driver.executor.globals["released"] = released
    results = {}

    def script(srv):
        rid = srv.request("execute", statement_id=1, kind="pyspark", code=WAIT + "print('late')")
        time.sleep(0.2)
        srv2 = new_server(harnesses, h)
        h.reconnector.address = srv2.address  # no connect file: SPARKPORT_CONNECT's address
        drop(srv)
        released.set()
        deadline = time.monotonic() + 5
        while h.driver.pending and time.monotonic() < deadline:  # it ends with no connection
            time.sleep(0.01)
        srv2.take_reconnect()
        h.srv = srv2
        resumed, replayed = srv2.until("resumed")
        results["resumed"], results["replayed"] = resumed, replayed
        results["rid"] = rid

    h.run(script)
    replayed = results["replayed"]
    assert [m["type"] for m in replayed] == ["stream", "reply"]
    assert replayed[1]["re"] == results["rid"] and replayed[1]["statement_id"] == 1
    assert results["resumed"]["running"] is None


def test_a_request_that_comes_twice_runs_once(harnesses):
    h = harnesses()
    h.ready()

    def script(srv):
        srv.execute("n = 0", statement_id=1)
        rid = srv.request("execute", statement_id=2, kind="pyspark", code="n += 1\nn")
        reply, _ = srv.wait_reply(rid, 5)
        assert reply["result"]["output"]["data"]["text/plain"] == "1"
        srv.send_raw({"type": "execute", "id": rid, "statement_id": 2, "kind": "pyspark", "code": "n += 1\nn"})
        reply, seen = srv.execute("n", statement_id=3)
        assert not [m for m in seen if m.get("type") == "reply"]
        assert reply["result"]["output"]["data"]["text/plain"] == "1"

    h.run(script)


def test_no_reconnect_within_the_grace_period_stops_the_driver(harnesses):
    h = harnesses(grace_ms=400, address=free_address())
    h.ready()

    def script(srv):
        drop(srv)

    started = time.monotonic()
    h.run(script, shutdown=False)
    took = time.monotonic() - started
    assert h.driver.exit_code == EXIT_CONNECTION_LOST
    assert 0.3 < took < 3


def test_bad_token_on_reconnect_stops_the_driver_at_once(harnesses):
    h = harnesses(grace_ms=60000)
    h.ready()
    results = {}

    def script(srv):
        srv2 = new_server(harnesses, h)
        h.reconnector.address = srv2.address
        drop(srv)
        results["hello"] = srv2.take_reconnect(refuse="BAD_TOKEN")

    started = time.monotonic()
    h.run(script, shutdown=False)
    assert time.monotonic() - started < 5  # not the 60 s grace period
    assert h.driver.exit_code == EXIT_CONNECTION_LOST
    assert results["hello"]["token"] == h.srv.session_token


def test_failed_attempts_back_off_until_the_server_is_back(harnesses, tmp_path):
    connect_file = tmp_path / "connect"
    connect_file.write_text("not an address")  # caught half-written: SPARKPORT_CONNECT is used
    h = harnesses(address=free_address(), connect_file=str(connect_file))
    h.ready()
    results = {}

    def script(srv):
        drop(srv)
        time.sleep(1.0)  # a few attempts fail meanwhile (0.1 + 0.2 + 0.4 s)
        srv2 = new_server(harnesses, h)
        connect_file.write_text(srv2.address)
        srv2.take_reconnect(timeout=10)
        h.srv = srv2
        results["resumed"], _ = srv2.until("resumed")
        reply, _ = srv2.execute("'back'", statement_id=1)
        results["reply"] = reply

    h.run(script)
    assert results["resumed"]["running"] is None
    assert results["reply"]["result"]["output"]["data"]["text/plain"] == "'back'"


def test_a_drop_before_ready_resumes_without_app_and_ready_follows(harnesses):
    h = harnesses()
    results = {}
    srv2 = new_server(harnesses, h)
    h.reconnector.address = srv2.address
    drop(h.srv)
    srv2.take_reconnect()
    h.srv = srv2
    results["resumed"], _ = srv2.until("resumed")
    assert results["resumed"] == {"type": "resumed", "app": None, "running": None}
    h.ready()  # Spark comes up after the reconnect: its ready goes out as usual

    def script(srv):
        reply, _ = srv.execute("1", statement_id=1)
        assert reply["result"]["output"]["data"]["text/plain"] == "1"

    h.run(script)


def test_without_a_grace_period_a_drop_ends_the_driver_as_before(harnesses):
    h = harnesses(grace_ms=None)
    h.ready()
    assert not h.reconnector.can_reconnect
    h.run(lambda srv: drop(srv), shutdown=False)
    assert h.driver.exit_code == EXIT_CONNECTION_LOST


def test_the_address_comes_from_the_connect_file_when_it_holds_one(tmp_path):
    path = tmp_path / "connect"
    r = Reconnector("10.0.0.1:9000", str(path), 1, "3.11.7")
    assert r.current_address() == "10.0.0.1:9000"  # no file yet
    path.write_text("127.0.0.1:5555\n")
    assert r.current_address() == "127.0.0.1:5555"
    path.write_text("127.0.0.1:")
    assert r.current_address() == "10.0.0.1:9000"
    path.unlink()
    os.symlink(tmp_path / "elsewhere", path)
    (tmp_path / "elsewhere").write_text("127.0.0.1:6666")
    assert r.current_address() == "10.0.0.1:9000"  # a link in the file's place is not followed


def test_without_a_connect_file_every_attempt_goes_to_the_first_address():
    """Cluster deploy mode: no connect file reaches the driver's machine."""
    r = Reconnector("10.0.0.1:9000", None, 1, "3.11.7")
    assert r.current_address() == "10.0.0.1:9000"
    assert r.current_address() == "10.0.0.1:9000"


def test_the_session_token_is_kept_out_of_sight():
    r = Reconnector("127.0.0.1:1", None, 1, "3.11.7")
    r.welcomed({"type": "welcome", "session_id": 3, "limits": {}, "session_token": "s3cr3t", "reconnect_grace_ms": 1000})
    assert r.can_reconnect and r.grace == 1.0
    assert "s3cr3t" not in repr(r)  # what a log line naming it would show
    assert "s3cr3t" not in repr(dict(os.environ))
    # A reconnect's welcome repeats the grace period only: the token stays.
    r.welcomed({"type": "welcome", "session_id": 3, "limits": {}, "reconnect_grace_ms": 2000})
    assert r.can_reconnect and r.grace == 2.0


def test_backoff_doubles_to_five_seconds():
    assert reconnect.BACKOFF_FIRST == 0.1 and reconnect.BACKOFF_MAX == 1.0


def test_a_unix_socket_address_connects_over_af_unix(tmp_path):
    import socket as _socket
    import threading as _threading

    from sparkport_driver.transport import Transport, parse_address

    path = str(tmp_path / "driver.sock")
    assert parse_address(f"unix:{path}") == path
    assert parse_address("127.0.0.1:9") == ("127.0.0.1", 9)
    for bad in ("unix:relative", "nohost", "h:p"):
        try:
            parse_address(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted")
    srv = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    got = []
    t = _threading.Thread(target=lambda: got.append(srv.accept()[0].recv(6)))
    t.start()
    tr = Transport.connect(f"unix:{path}", timeout=5)
    tr.send({"type": "x"})
    t.join(5)
    srv.close()
    assert got and got[0].startswith(b"{")
