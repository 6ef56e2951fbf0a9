"""The control thread outlives any line: too deeply nested JSON, errors while handling a
request, and should the loop itself fail, the driver exits instead of living on headless.

The bug: a 2.2 KB shared_put of a value nested 1,100 levels deep raised RecursionError in
json.loads on the control thread, which died; the session still looked idle and every later
statement hung.
"""

import json
import signal
import time

import pytest

from driver_harness import Harness, h  # noqa: F401 (h is a fixture)
from fakeserver import bare
from sparkport_driver import nesting, protocol
from sparkport_driver.exit_codes import EXIT_FATAL
from sparkport_driver.protocol import ProtocolError


def deep(levels):
    return "[" * levels + "]" * levels


def deep_put(rid, levels):
    return '{"type":"shared_put","id":%d,"name":"m","entries":{"k":%s}}' % (rid, deep(levels))


@pytest.mark.parametrize("levels", [1100, 500_000])
def test_a_too_deep_request_is_refused_with_a_reply_naming_it(levels):
    line = deep_put(5, levels)
    started = time.monotonic()
    with pytest.raises(ProtocolError) as refused:
        protocol.parse_request(line.encode())
    assert time.monotonic() - started < 1
    answer = refused.value.to_message()
    assert answer == {
        "type": "reply", "re": 5, "ok": False,
        "error": {"code": "BAD_MESSAGE", "message": f"message is nested more than {nesting.MAX_DEPTH} levels deep"},
    }


def test_nesting_up_to_the_limit_parses():
    assert nesting.MAX_DEPTH == 512
    ok = '{"type":"ping","id":1,"x":%s}' % deep(nesting.MAX_DEPTH - 1)  # the object is one level
    assert protocol.parse_request(ok).id == 1
    with pytest.raises(ProtocolError):
        protocol.parse_request('{"type":"ping","id":1,"x":%s}' % deep(nesting.MAX_DEPTH))


def test_brackets_inside_strings_do_not_count():
    code = "[" * 100_000 + '\\" {{{ \\\\' + "{" * 1000
    line = json.dumps({"type": "execute", "id": 3, "statement_id": 1, "kind": "pyspark", "code": code})
    assert not nesting.too_deep(line)
    assert protocol.parse_request(line).msg["code"] == code
    tricky = json.dumps({"type": "ping", "id": 4, "s": "\\", "x": json.loads(deep(600))})
    assert nesting.too_deep(tricky)  # an escaped backslash before the closing quote ends the string


def test_fields_of_a_too_deep_line_are_read_wherever_they_are():
    line = '{"entries":{"k":%s},"name":"m","type":"shared_put","id":9}' % deep(2000)
    assert nesting.top_level_fields(line) == {"type": "shared_put", "id": 9}
    assert nesting.top_level_fields(deep(2000)) == {}
    e = pytest.raises(ProtocolError, protocol.parse_request, deep(2000)).value
    assert e.to_message()["type"] == "error" and e.re is None  # nothing to name: a bare error


def test_a_deep_unknown_type_is_a_bare_error_with_its_id():
    e = pytest.raises(ProtocolError, protocol.parse_request, '{"type":"nope","id":4,"x":%s}' % deep(1000)).value
    assert e.to_message()["type"] == "error" and e.re == 4


def test_the_control_thread_answers_deep_lines_and_reads_on(h):
    h.ready()

    def script(srv):
        for rid, levels in ((101, 1100), (102, 500_000)):
            srv.send_raw((deep_put(rid, levels) + "\n").encode())
            reply, _ = srv.wait_reply(rid, 5)
            assert reply["ok"] is False and reply["error"]["code"] == "BAD_MESSAGE"
        srv._next_id = 103
        # 500 levels parse; the value is still deeper than a map value may be.
        rid = srv.request("shared_put", name="m", entries={"k": json.loads(deep(500))})
        reply, _ = srv.wait_reply(rid, 5)
        assert reply["error"]["code"] == "BAD_REQUEST" and "nested too deeply" in reply["error"]["message"]
        reply, _ = srv.execute("'alive'", statement_id=1)
        assert reply["result"]["output"]["data"]["text/plain"] == "'alive'"

    h.run(script)


def test_errors_while_handling_become_answers(h, monkeypatch):
    h.ready()
    real = h.driver._dispatch
    failures = iter([RecursionError("deep"), MemoryError()])

    def dispatch(req):
        if req.type == "shared_list":
            raise next(failures)
        return real(req)

    monkeypatch.setattr(h.driver, "_dispatch", dispatch)

    def script(srv):
        for _ in range(2):
            rid = srv.request("shared_list")
            reply, _ = srv.wait_reply(rid, 5)
            assert reply["error"]["code"] == "INTERNAL"
        parse = protocol.parse_request
        monkeypatch.setattr(protocol, "parse_request", lambda line: (_ for _ in ()).throw(MemoryError()))
        srv.send_raw({"type": "ping", "id": 50})
        msg = srv.next_message(5)
        assert bare(msg)["type"] == "error" and msg["code"] == "BAD_MESSAGE"
        monkeypatch.setattr(protocol, "parse_request", parse)
        reply, _ = srv.execute("1 + 1", statement_id=1)
        assert reply["result"]["output"]["data"]["text/plain"] == "2"

    h.run(script)


def test_if_the_control_loop_dies_the_driver_exits(h, monkeypatch):
    h.ready()

    def broken(line):
        raise SystemExit("not caught per line")

    monkeypatch.setattr(h.driver, "_handle_line", broken)
    seen = []

    def script(srv):
        srv.request("ping")
        seen.append(srv.next_message(5))

    started = time.monotonic()
    h.run(script, shutdown=False)
    assert time.monotonic() - started < 5
    assert h.driver.exit_code == EXIT_FATAL
    assert seen[0]["type"] == "fatal" and "control thread failed" in seen[0]["message"]
