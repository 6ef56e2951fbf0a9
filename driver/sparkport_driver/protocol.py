"""Message shapes of the driver protocol (PROTOCOL.md): validation and builders.

Kept free of I/O and Spark so the rules can be unit-tested on their own.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Optional

from . import nesting
from .spec import ERROR_CODES, PROTOCOL_VERSION, RECEIVED, SENT, SPEC

# Error codes, PROTOCOL.md section 5.
BAD_MESSAGE = ERROR_CODES.BAD_MESSAGE
UNKNOWN_TYPE = ERROR_CODES.UNKNOWN_TYPE
BAD_TOKEN = ERROR_CODES.BAD_TOKEN
BAD_PROTOCOL = ERROR_CODES.BAD_PROTOCOL
NOT_READY = ERROR_CODES.NOT_READY
UNKNOWN_TARGET = ERROR_CODES.UNKNOWN_TARGET
INTERNAL = ERROR_CODES.INTERNAL
# Shared-data requests (PROTOCOL.md section 4).
NOT_FOUND = ERROR_CODES.NOT_FOUND
WRONG_KIND = ERROR_CODES.WRONG_KIND
BAD_REQUEST = ERROR_CODES.BAD_REQUEST
IO_ERROR = ERROR_CODES.IO_ERROR

# `welcome` only answers the handshake, `error` is a notice and `ack` settles the outbox:
# none of them is a request.
REQUEST_TYPES = tuple(t for t in RECEIVED if t not in (RECEIVED.welcome, RECEIVED.error, RECEIVED.ack))
SHARED_TYPES = tuple(t for t in REQUEST_TYPES if t.startswith("shared_"))
# The server resolves aliases (python, scala) before a statement reaches the driver.
STATEMENT_KINDS = tuple(SPEC["statementKinds"])
# What the driver numbers and keeps until acknowledged (PROTOCOL.md section 3a); replies
# are never dropped from the outbox, these may be when it is full.
SEQUENCED_TYPES = (SENT.reply, SENT.stream, SENT.progress)
DROPPABLE_TYPES = (SENT.stream, SENT.progress)


class ProtocolError(Exception):
    """A message the driver cannot act on.

    `re` is the request id when one could be read. `as_reply` tells whether the
    answer is a `reply` (a known request whose fields are wrong: the server has a
    pending request to resolve) or a bare `error` message (rule 3).
    """

    def __init__(self, code: str, message: str, re: Optional[int] = None, as_reply: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.re = re
        self.as_reply = as_reply

    def to_message(self) -> dict:
        if self.as_reply and self.re is not None:
            return reply_error(self.re, self.code, self.message)
        return error_message(self.code, self.message, self.re)


class ServerNotice(Exception):
    """An `error` message from the server about something the driver sent.

    Logged, never answered: answering an error with an error could bounce
    between the two sides for ever.
    """

    def __init__(self, msg: dict):
        super().__init__(f"{msg.get('code')}: {msg.get('message')}")
        self.msg = msg


@dataclass(frozen=True)
class Request:
    type: str
    id: int
    msg: dict


@dataclass(frozen=True)
class Ack:
    """The server has dealt with every sequenced message up to `seq`."""

    seq: int


def _is_int(v: Any) -> bool:
    # bool is an int subclass; `true` is never a valid id.
    return isinstance(v, int) and not isinstance(v, bool)


def parse_line(line: bytes | str) -> dict:
    """Decode one protocol line into a JSON object, or raise ProtocolError."""
    if nesting.too_deep(line):
        raise _too_deep(line)
    try:
        if isinstance(line, bytes):
            line = line.decode("utf-8")
        obj = json.loads(line)
    except (UnicodeDecodeError, ValueError) as e:
        raise ProtocolError(BAD_MESSAGE, f"line is not valid JSON: {e}") from None
    except (RecursionError, MemoryError) as e:
        # Not expected below the nesting limit, but the reading thread must outlive any line.
        raise ProtocolError(BAD_MESSAGE, f"line cannot be parsed: {type(e).__name__}") from None
    if not isinstance(obj, dict):
        raise ProtocolError(BAD_MESSAGE, f"message must be a JSON object, got {type(obj).__name__}")
    return obj


def _too_deep(line: bytes | str) -> ProtocolError:
    fields = nesting.top_level_fields(line)
    rid = fields.get("id") if _is_int(fields.get("id")) else None
    known = fields.get("type") in REQUEST_TYPES
    text = f"message is nested more than {nesting.MAX_DEPTH} levels deep"
    return ProtocolError(BAD_MESSAGE, text, rid, as_reply=known and rid is not None)


def parse_request(line: bytes | str) -> Request | Ack:
    """Validate a server → driver line (PROTOCOL.md sections 2, 3a and 4): a request or an ack."""
    msg = parse_line(line)
    raw_id = msg.get("id")
    rid = raw_id if _is_int(raw_id) else None
    mtype = msg.get("type")
    if mtype is None:
        raise ProtocolError(BAD_MESSAGE, "message has no 'type'", rid)
    if not isinstance(mtype, str):
        raise ProtocolError(BAD_MESSAGE, "'type' must be a string", rid)
    if mtype == RECEIVED.error:
        raise ServerNotice(msg)
    if mtype == RECEIVED.ack:
        seq = msg.get("seq")
        if not _is_int(seq) or seq < 0:
            raise ProtocolError(BAD_MESSAGE, "ack needs a non-negative integer 'seq'")
        return Ack(seq)
    if mtype not in REQUEST_TYPES:
        raise ProtocolError(UNKNOWN_TYPE, f"unknown request type '{mtype}'", rid)
    if rid is None:
        raise ProtocolError(BAD_MESSAGE, f"'{mtype}' request needs an integer 'id'", None)

    def bad(text: str) -> ProtocolError:
        return ProtocolError(BAD_MESSAGE, text, rid, as_reply=True)

    if mtype == RECEIVED.execute:
        if not _is_int(msg.get("statement_id")):
            raise bad("execute needs an integer 'statement_id'")
        if not isinstance(msg.get("code"), str):
            raise bad("execute needs a string 'code'")
        kind = msg.get("kind")
        if not isinstance(kind, str):
            raise bad("execute needs a string 'kind'")
        if kind not in STATEMENT_KINDS:
            raise bad(f"unsupported statement kind '{kind}': this driver runs {', '.join(map(repr, STATEMENT_KINDS))}")
    elif mtype == RECEIVED.cancel:
        if not _is_int(msg.get("target")):
            raise bad("cancel needs an integer 'target'")
    elif mtype == RECEIVED.complete:
        code = msg.get("code")
        if not isinstance(code, str):
            raise bad("complete needs a string 'code'")
        cursor = msg.get("cursor", len(code))
        if not _is_int(cursor) or cursor < 0:
            raise bad("complete 'cursor' must be a non-negative integer")
        kind = msg.get("kind", "pyspark")
        if not isinstance(kind, str):
            raise bad("complete 'kind' must be a string")
    elif mtype == RECEIVED.configure:
        conf = msg.get("conf")
        if not isinstance(conf, dict):
            raise bad("configure needs an object 'conf'")
        wrong = [k for k, v in conf.items() if not isinstance(v, str)]
        if wrong:
            raise bad(f"configure 'conf' values must be strings: {', '.join(wrong)}")
    return Request(mtype, rid, msg)


def check_welcome(msg: dict) -> None:
    """Refuse a `welcome` the driver could not trust (PROTOCOL.md section 3) with BAD_MESSAGE."""
    if not _is_int(msg.get("session_id")):
        raise ProtocolError(BAD_MESSAGE, "welcome needs an integer 'session_id'")
    limits = msg.get("limits")
    if not isinstance(limits, dict):
        raise ProtocolError(BAD_MESSAGE, "welcome needs an object 'limits'")
    for field in ("rows", "text_bytes"):
        value = limits.get(field)
        if not _is_int(value) or value < 0:
            raise ProtocolError(BAD_MESSAGE, f"welcome 'limits.{field}' must be a non-negative integer")
    # Both come with the first welcome only (PROTOCOL.md section 3a).
    token = msg.get("session_token")
    if token is not None and (not isinstance(token, str) or not token):
        raise ProtocolError(BAD_MESSAGE, "welcome 'session_token' must be a non-empty string")
    grace = msg.get("reconnect_grace_ms")
    if grace is not None and (not _is_int(grace) or grace < 0):
        raise ProtocolError(BAD_MESSAGE, "welcome 'reconnect_grace_ms' must be a non-negative integer")
    connect = msg.get("connect")
    if connect is not None:
        check_connect_settings(connect)


def check_connect_settings(connect: Any) -> None:
    """The welcome's `connect` (a Spark Connect face is asked for): a host to bind, and ports."""
    if not isinstance(connect, dict):
        raise ProtocolError(BAD_MESSAGE, "welcome 'connect' must be an object")
    host = connect.get("host")
    if not isinstance(host, str) or not host:
        raise ProtocolError(BAD_MESSAGE, "welcome 'connect.host' must be a non-empty string")
    low, high = connect.get("port_low"), connect.get("port_high")
    for name, port in (("port_low", low), ("port_high", high)):
        if not _is_int(port) or not 1 <= port <= 65535:
            raise ProtocolError(BAD_MESSAGE, f"welcome 'connect.{name}' must be a port number (1-65535)")
    if low > high:
        raise ProtocolError(BAD_MESSAGE, "welcome 'connect.port_low' is above 'connect.port_high'")


# ---- builders ------------------------------------------------------------------------------

def hello(
    token: str, pid: int, python: str, session_id: Optional[int] = None, last_request: Optional[int] = None
) -> dict:
    """The first hello (launch token), or with session_id a reconnect's (session token)."""
    msg = {"type": SENT.hello, "token": token, "pid": pid, "protocol": PROTOCOL_VERSION, "python": python}
    if session_id is not None:
        msg["session_id"] = session_id
        msg["resume"] = {"last_request": last_request or 0}
    return msg


def resumed(app: Optional[dict], statement_id: Optional[int] = None, request_id: Optional[int] = None) -> dict:
    running = None if request_id is None else {"statement_id": statement_id, "request_id": request_id}
    return {"type": SENT.resumed, "app": app, "running": running}


def ready(
    app_id: Optional[str], spark_ui_url: Optional[str], spark_version: str, master: str, connect: Optional[dict] = None
) -> dict:
    """`connect` (port, session_id, user_id, token) when the welcome asked for a Spark Connect
    face and it started; the token in it is a secret, never logged."""
    msg = {
        "type": SENT.ready,
        "app_id": app_id,
        "spark_ui_url": spark_ui_url,
        "spark_version": spark_version,
        "master": master,
    }
    if connect is not None:
        msg["connect"] = connect
    return msg


def fatal(message: str, traceback_lines: list[str]) -> dict:
    return {"type": SENT.fatal, "message": message, "traceback": traceback_lines}


# `statement_id` goes on every reply and event of an execute, so that a restarted server, which
# never sent that request, can still tell which statement it belongs to (PROTOCOL.md section 3a).

def _of_statement(msg: dict, statement_id: Optional[int]) -> dict:
    if statement_id is not None:
        msg["statement_id"] = statement_id
    return msg


def reply_ok(re: int, result: Optional[dict] = None, statement_id: Optional[int] = None) -> dict:
    msg = {"type": SENT.reply, "re": re, "ok": True, "result": result if result is not None else {}}
    return _of_statement(msg, statement_id)


def reply_error(re: int, code: str, message: str, statement_id: Optional[int] = None) -> dict:
    msg = {"type": SENT.reply, "re": re, "ok": False, "error": {"code": code, "message": message}}
    return _of_statement(msg, statement_id)


def error_message(code: str, message: str, re: Optional[int] = None) -> dict:
    return {"type": SENT.error, "re": re, "code": code, "message": message}


def stream_event(re: int, name: str, text: str, statement_id: Optional[int] = None) -> dict:
    return _of_statement({"type": SENT.stream, "re": re, "name": name, "text": text}, statement_id)


def progress_event(re: int, progress: float, statement_id: Optional[int] = None) -> dict:
    return _of_statement({"type": SENT.progress, "re": re, "progress": progress}, statement_id)


def execute_result(output: dict, cancelled: bool) -> dict:
    return {"output": output, "cancelled": cancelled}


def ping_result(connect_idle_ms: Optional[int] = None) -> dict:
    """A ping's result: with `connect_idle_ms` when the Spark Connect face has served a call."""
    return {} if connect_idle_ms is None else {"connect_idle_ms": connect_idle_ms}


# ---- Livy statement outputs ---------------------------------------------------------------

def ok_output(execution_count: int, data: dict, truncated: bool = False) -> dict:
    out = {"status": "ok", "execution_count": execution_count, "data": data}
    if truncated:
        out["truncated"] = True
    return out


def error_output(execution_count: int, ename: str, evalue: str, traceback_lines: list[str]) -> dict:
    return {
        "status": "error",
        "execution_count": execution_count,
        "ename": ename,
        "evalue": evalue,
        "traceback": traceback_lines,
    }


class RawJson:
    """JSON text made elsewhere (the JVM's rows), put into a message as it is, unparsed."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def encode(msg: dict) -> bytes:
    """Serialise one message as a protocol line.

    allow_nan=False: NaN is not JSON and would break the server's parser; the
    output converters replace it, so hitting this is a driver bug, not user data.
    Lone surrogates (printable from Python) cannot be UTF-8 encoded, so those
    messages fall back to ASCII escapes, which JSON.parse accepts.
    A RawJson value is written as its text: json.dumps writes a marker string in
    its place (a NUL and a random nonce, so that no string of user data is taken
    for it), and the marker is swapped for the text.
    """
    raws: list[str] = []
    nonce: list[str] = []  # made on the first RawJson only: most messages have none

    def raw(value: Any) -> str:
        if not isinstance(value, RawJson):
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        if not nonce:
            nonce.append(os.urandom(8).hex())
        raws.append(value.text)
        return f"\0{nonce[0]}:{len(raws) - 1}"

    def dumps(ascii_only: bool) -> str:
        raws.clear()
        text = json.dumps(msg, ensure_ascii=ascii_only, allow_nan=False, separators=(",", ":"), default=raw)
        for i, t in enumerate(raws):
            text = text.replace(f'"\\u0000{nonce[0]}:{i}"', t, 1)
        return text

    try:
        data = dumps(False).encode("utf-8")
    except UnicodeEncodeError:
        data = dumps(True).encode("utf-8")
    return data + b"\n"


def with_seq(msg: dict, seq: int) -> dict:
    """The message as the outbox numbers it (what sequenced() does to its encoded line)."""
    return {**msg, "seq": seq}


def sequenced(line: bytes, seq: int) -> bytes:
    """An encoded message with `seq` added, without encoding it again: the number is only
    known under the outbox's lock, and a large reply should not be serialised while other
    threads wait for that lock."""
    return b'{"seq":%d,' % seq + line[1:] if line != b"{}\n" else b'{"seq":%d}\n' % seq
