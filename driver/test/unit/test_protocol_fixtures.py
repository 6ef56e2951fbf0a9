"""The driver against the protocol fixtures (packages/protocol/fixtures/driver), which the
server's TypeScript schemas are tested against too: what one side accepts, the other sends.

Messages the driver receives go through its own checks (parse_request, check_welcome, the
shared-request field checks): every valid one passes, every invalid one is refused with an
answer the server understands. Messages it sends are rebuilt with its own builders, which must
give exactly the valid examples.
"""

import json
import pathlib

import pytest

from sparkport_driver import protocol, shared_requests
from sparkport_driver.protocol import RECEIVED, SENT, ProtocolError, ServerNotice
from sparkport_driver.shared_maps import SharedError
from sparkport_driver.spec import ERROR_CODES

ROOT = pathlib.Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "packages" / "protocol" / "fixtures" / "driver"


def load_all():
    out = {}
    for path in sorted(FIXTURES.glob("*.json")):
        fixture = json.loads(path.read_text(encoding="utf-8"))
        assert path.stem == fixture["type"], path
        out[fixture["type"]] = fixture
    return out


ALL = load_all()


def direction_of(t):
    if t in SENT and t in RECEIVED:
        return "both"
    return "driverToServer" if t in SENT else "serverToDriver"


def received(direction):
    return [(t, m) for t, f in ALL.items() if f["direction"] in (direction, "both") for m in f["valid"]]


def invalid_received():
    # Not `error`: the driver never answers a notice, well-formed or not (an answer could bounce
    # for ever), so only the server's schemas check invalid ones.
    return [
        (t, case["message"], case["why"])
        for t, f in ALL.items()
        if f["direction"] in ("serverToDriver", "both") and t != RECEIVED.error
        for case in f["invalid"]
    ]


def test_every_message_type_has_a_fixture_and_every_fixture_a_type():
    named = set(SENT) | set(RECEIVED)
    assert set(ALL) == named
    for t, f in ALL.items():
        assert f["direction"] == direction_of(t), t
        assert f["valid"] and f["invalid"], f"{t}: needs valid and invalid examples"
        for m in f["valid"] + [case["message"] for case in f["invalid"]]:
            assert m["type"] == t
        assert all(case["why"] for case in f["invalid"])


def accept(t, msg):
    """The driver's own reading of a message it receives; raises when it refuses one."""
    if t == RECEIVED.welcome:
        protocol.check_welcome(msg)
        return
    req = protocol.parse_request(protocol.encode(msg))
    if t == RECEIVED.ack:
        assert req == protocol.Ack(msg["seq"])
        return
    assert (req.type, req.id) == (t, msg["id"])
    if t in protocol.SHARED_TYPES:
        shared_requests.check(req.msg)


@pytest.mark.parametrize("t,msg", received("serverToDriver"), ids=lambda v: v if isinstance(v, str) else None)
def test_the_driver_accepts_every_valid_message_it_receives(t, msg):
    if t == RECEIVED.error:
        # A notice from the server: logged, never answered (answering could loop for ever).
        with pytest.raises(ServerNotice):
            protocol.parse_request(protocol.encode(msg))
        return
    accept(t, msg)


@pytest.mark.parametrize("t,msg,why", invalid_received(), ids=lambda v: v if isinstance(v, str) else None)
def test_the_driver_refuses_every_invalid_message_it_receives(t, msg, why):
    with pytest.raises((ProtocolError, SharedError)) as refused:
        accept(t, msg)
    e = refused.value
    if isinstance(e, SharedError):
        assert e.code == protocol.BAD_REQUEST, why
        return
    assert e.code in ERROR_CODES, why
    answer = e.to_message()
    # A request the driver could read an id from is answered with a reply the server resolves.
    if _is_int(msg.get("id")) and t != RECEIVED.welcome:
        assert answer["type"] == SENT.reply and answer["re"] == msg["id"] and not answer["ok"], why


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def rebuild(msg):
    """The same message, made by the driver's builder for its type (and numbered as the outbox
    numbers it, for the types it keeps)."""
    built = _build(msg)
    if "seq" in msg:
        assert msg["type"] in protocol.SEQUENCED_TYPES
        built = protocol.with_seq(built, msg["seq"])
    return built


def _build(msg):
    t = msg["type"]
    sid = msg.get("statement_id")
    if t == SENT.hello:
        resume = msg.get("resume", {})
        return protocol.hello(msg["token"], msg["pid"], msg["python"], msg.get("session_id"), resume.get("last_request"))
    if t == SENT.ready:
        return protocol.ready(msg["app_id"], msg["spark_ui_url"], msg["spark_version"], msg["master"], msg.get("connect"))
    if t == SENT.fatal:
        return protocol.fatal(msg["message"], msg["traceback"])
    if t == SENT.resumed:
        running = msg["running"]
        if running is None:
            return protocol.resumed(msg["app"])
        return protocol.resumed(msg["app"], running["statement_id"], running["request_id"])
    if t == SENT.stream:
        return protocol.stream_event(msg["re"], msg["name"], msg["text"], sid)
    if t == SENT.progress:
        return protocol.progress_event(msg["re"], msg["progress"], sid)
    if t == SENT.error:
        return protocol.error_message(msg["code"], msg["message"], msg["re"])
    if t == SENT.reply and not msg["ok"]:
        return protocol.reply_error(msg["re"], msg["error"]["code"], msg["error"]["message"], sid)
    result = msg["result"]
    if "output" in result:
        out = result["output"]
        if out["status"] == "ok":
            output = protocol.ok_output(out["execution_count"], out["data"], out.get("truncated", False))
        else:
            output = protocol.error_output(out["execution_count"], out["ename"], out["evalue"], out["traceback"])
        result = protocol.execute_result(output, result["cancelled"])
    elif "connect_idle_ms" in result:
        result = protocol.ping_result(result["connect_idle_ms"])
    return protocol.reply_ok(msg["re"], result, sid)


@pytest.mark.parametrize("msg", [m for _, m in received("driverToServer")], ids=lambda m: m["type"])
def test_what_the_driver_sends_matches_the_valid_examples(msg):
    assert rebuild(msg) == msg
    # One line each, as the server reads them.
    assert json.loads(protocol.encode(msg)) == msg


@pytest.mark.parametrize("msg", [m for _, m in received("driverToServer") if "seq" in m], ids=lambda m: m["type"])
def test_the_outbox_numbers_lines_as_the_examples_are_numbered(msg):
    unnumbered = {k: v for k, v in msg.items() if k != "seq"}
    line = protocol.sequenced(protocol.encode(unnumbered), msg["seq"])
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == msg


def test_every_message_the_driver_numbers_is_numbered_in_the_examples():
    for t in protocol.SEQUENCED_TYPES:
        assert all("seq" in m for m in ALL[t]["valid"]), t


def test_every_code_in_the_examples_is_a_driver_error_code():
    for m in ALL[SENT.error]["valid"]:
        assert m["code"] in ERROR_CODES, m
    for m in ALL[SENT.reply]["valid"]:
        if not m["ok"]:
            assert m["error"]["code"] in ERROR_CODES, m
