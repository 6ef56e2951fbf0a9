"""Protocol validation and framing, without Spark."""

import json
import socket

import pytest

from sparkport_driver import protocol, transport
from sparkport_driver.protocol import ProtocolError, parse_request
from sparkport_driver.transport import ConnectionClosed, LineTooLong, Transport


def err(line):
    with pytest.raises(ProtocolError) as info:
        parse_request(line)
    return info.value


def test_valid_requests():
    r = parse_request(b'{"type":"execute","id":7,"statement_id":3,"kind":"pyspark","code":"1"}')
    assert (r.type, r.id, r.msg["code"]) == ("execute", 7, "1")
    assert parse_request('{"type":"ping","id":1}').type == "ping"
    assert parse_request('{"type":"cancel","id":2,"target":1}').msg["target"] == 1
    assert parse_request('{"type":"complete","id":3,"code":"x","cursor":1,"kind":"sql"}').type == "complete"
    # Unknown fields are ignored (rule 5).
    assert parse_request('{"type":"ping","id":4,"extra":{"a":1}}').id == 4


@pytest.mark.parametrize(
    "line",
    [b"not json", b"[1,2]", b'"str"', b"\xff\xfe", b"", b"{"],
)
def test_not_an_object_is_bad_message_with_null_re(line):
    e = err(line)
    assert e.code == protocol.BAD_MESSAGE and e.re is None
    msg = e.to_message()
    assert msg["type"] == "error" and msg["re"] is None and msg["code"] == "BAD_MESSAGE" and msg["message"]


def test_missing_or_bad_type():
    e = err('{"id": 5}')
    assert (e.code, e.re) == ("BAD_MESSAGE", 5)
    assert e.to_message() == {"type": "error", "re": 5, "code": "BAD_MESSAGE", "message": "message has no 'type'"}
    assert err('{"type": 3, "id": 1}').code == "BAD_MESSAGE"


def test_unknown_type_answers_with_its_id():
    e = err('{"type":"frobnicate","id":9}')
    assert e.to_message() == {
        "type": "error",
        "re": 9,
        "code": "UNKNOWN_TYPE",
        "message": "unknown request type 'frobnicate'",
    }
    # A driver → server type sent to the driver is just as unknown.
    assert err('{"type":"reply","re":1}').code == "UNKNOWN_TYPE"


def test_error_from_the_server_is_never_answered():
    with pytest.raises(protocol.ServerNotice):
        parse_request('{"type":"error","re":null,"code":"BAD_MESSAGE","message":"x"}')


def test_request_without_id():
    e = err('{"type":"ping"}')
    assert e.code == "BAD_MESSAGE" and e.to_message()["type"] == "error" and e.re is None
    assert err('{"type":"ping","id":true}').re is None  # a bool is not an id


def test_bad_fields_of_known_request_become_a_reply():
    e = err('{"type":"execute","id":4,"statement_id":1,"kind":"pyspark"}')
    msg = e.to_message()
    assert msg["type"] == "reply" and msg["re"] == 4 and msg["ok"] is False
    assert msg["error"]["code"] == "BAD_MESSAGE"
    assert err('{"type":"cancel","id":4}').to_message()["error"]["code"] == "BAD_MESSAGE"
    assert err('{"type":"complete","id":4,"code":"x","cursor":-1}').as_reply


def test_unsupported_kind_is_a_bad_message_reply():
    msg = err('{"type":"execute","id":4,"statement_id":1,"kind":"sparkr","code":"1"}').to_message()
    assert msg["ok"] is False and msg["error"]["code"] == "BAD_MESSAGE"
    assert "sparkr" in msg["error"]["message"] and "pyspark" in msg["error"]["message"]


def test_spark_is_a_statement_kind():
    req = protocol.parse_request('{"type":"execute","id":4,"statement_id":1,"kind":"spark","code":"1+1"}')
    assert req.msg["kind"] == "spark"


def test_encode_is_one_line_and_strict_json():
    data = protocol.encode({"type": "stream", "re": 1, "name": "stdout", "text": "a\nb\u00e9"})
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    assert json.loads(data)["text"] == "a\nb\u00e9"
    with pytest.raises(ValueError):
        protocol.encode({"x": float("nan")})
    # A lone surrogate (printable from Python) cannot be UTF-8: falls back to escapes.
    data = protocol.encode({"text": "\ud800"})
    assert json.loads(data)["text"] == "\ud800"


def test_transport_reads_lines_and_sends_whole_messages():
    a, b = socket.socketpair()
    t = Transport.from_socket(a)
    b.sendall(b'{"type":"ping","id":1}\n{"type":')
    assert t.read_line() == b'{"type":"ping","id":1}'
    b.sendall(b'"ping","id":2}\n')
    assert t.read_message() == {"type": "ping", "id": 2}
    assert t.send({"type": "reply", "re": 2, "ok": True, "result": {}})
    assert b.recv(1000) == b'{"type":"reply","re":2,"ok":true,"result":{}}\n'
    b.close()
    with pytest.raises(ConnectionClosed):
        t.read_line()
    t.close()
    assert t.send({"type": "x"}) is False


def test_transport_line_limit(monkeypatch):
    monkeypatch.setattr(transport, "MAX_LINE_BYTES", 16)
    a, b = socket.socketpair()
    t = Transport.from_socket(a)
    b.sendall(b"x" * 40 + b"\n")
    with pytest.raises(LineTooLong):
        t.read_line()
    t.close()
    b.close()


def test_raw_json_is_written_as_it_is():
    raw = protocol.RawJson('{"schema":{"type":"struct"},"data":[[1,"é"],[2,"\\ud83d\\ude00"]]}')
    msg = protocol.reply_ok(3, {"output": protocol.ok_output(3, {"application/json": raw}), "echo": "\0x:0"})
    line = protocol.encode(msg)
    assert line.endswith(b"\n")
    got = json.loads(line)
    assert got["result"]["output"]["data"]["application/json"] == {"schema": {"type": "struct"}, "data": [[1, "é"], [2, "😀"]]}
    assert got["result"]["echo"] == "\0x:0", "a string that looks like a marker stays itself"


def test_raw_json_beside_a_lone_surrogate():
    raw = protocol.RawJson("[1]")
    line = protocol.encode(protocol.reply_ok(1, {"a": raw, "b": "\ud800"}))
    assert json.loads(line)["result"] == {"a": [1], "b": "\ud800"}


def test_other_objects_are_still_refused():
    with pytest.raises(TypeError):
        protocol.encode({"type": "reply", "x": object()})
