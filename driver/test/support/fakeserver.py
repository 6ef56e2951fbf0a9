"""A tiny stand-in for the Sparkport server's driver listener, for tests.

It accepts one driver connection, does the handshake and lets a test send
requests and read what comes back, in order.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Optional

DRIVER_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bare(msg: Any) -> Any:
    """A message without its `seq`, which depends on everything sent before it."""
    if isinstance(msg, dict):
        return {k: v for k, v in msg.items() if k != "seq"}
    return msg


class FakeServer:
    def __init__(
        self,
        limits: Optional[dict] = None,
        session_id: int = 0,
        sock: Optional[socket.socket] = None,
        grace_ms: Optional[int] = None,
    ):
        """Listen on 127.0.0.1, or (with sock) talk over an already connected socket.

        With grace_ms the welcome grants reconnects (PROTOCOL.md section 3a), with a session token.
        """
        self.limits = limits or {"rows": 1000, "text_bytes": 1048576}
        self.session_id = session_id
        self.grace_ms = grace_ms
        self.session_token = secrets.token_hex(32) if grace_ms is not None else None
        self.token = secrets.token_hex(32)
        self.token_file: Optional[str] = None
        self.messages: "queue.Queue[Any]" = queue.Queue()
        self.hello: Optional[dict] = None
        self.ready: Optional[dict] = None
        self._next_id = 1
        self._send_lock = threading.Lock()
        self.listener: Optional[socket.socket] = None
        self.sock: Optional[socket.socket] = sock
        if sock is not None:
            threading.Thread(target=self._read_loop, daemon=True).start()
            return
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]

    # ---- driver process ----------------------------------------------------------------------

    def write_token_file(self) -> str:
        """The token in a file of mode 600, as the server hands it over (PROTOCOL.md §1)."""
        fd, path = tempfile.mkstemp(prefix="sparkport-token-")
        with os.fdopen(fd, "w") as f:
            f.write(self.token)
        self.token_file = path
        return path

    def spawn_driver(
        self, submit_args: str, extra_env: Optional[dict] = None, log_path: Optional[str] = None
    ) -> subprocess.Popen:
        """The real driver; with log_path its stdout and stderr are that file, as the server's
        launcher gives them (else this process's own)."""
        env = dict(os.environ)
        env.update(
            {
                "SPARKPORT_CONNECT": self.address,
                "SPARKPORT_TOKEN_FILE": self.write_token_file(),
                "SPARKPORT_SESSION_ID": str(self.session_id),
                "SPARK_LOCAL_IP": "127.0.0.1",
                "PYSPARK_SUBMIT_ARGS": submit_args,
                "PYSPARK_PYTHON": sys.executable,
                "PYTHONPATH": DRIVER_DIR + os.pathsep + env.get("PYTHONPATH", ""),
            }
        )
        env.update(extra_env or {})
        if log_path is None:
            return subprocess.Popen([sys.executable, "-m", "sparkport_driver"], env=env, cwd=DRIVER_DIR)
        with open(log_path, "ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "sparkport_driver"], env=env, cwd=DRIVER_DIR, stdout=log, stderr=log
            )

    # ---- connection --------------------------------------------------------------------------

    def accept(self, timeout: float = 30.0) -> None:
        self.listener.settimeout(timeout)
        self.sock, _ = self.listener.accept()
        self.sock.settimeout(None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=self._read_loop, daemon=True).start()

    def _read_loop(self) -> None:
        f = self.sock.makefile("rb")
        while True:
            try:
                line = f.readline()
            except OSError:
                line = b""
            if not line:
                self.messages.put(None)  # EOF marker
                return
            self.messages.put(json.loads(line))

    def handshake(self, accept_token: bool = True, timeout: float = 60.0) -> dict:
        self.hello = self.next_message(timeout=10)
        assert self.hello["type"] == "hello", self.hello
        if not accept_token or self.hello.get("token") != self.token:
            self.send_raw({"type": "error", "re": None, "code": "BAD_TOKEN", "message": "bad token"})
            self.sock.close()
            return self.hello
        self.send_raw(self.welcome(first=True))
        msg = self.next_message(timeout=timeout)
        self.ready = msg
        return msg

    def welcome(self, first: bool = False) -> dict:
        msg = {"type": "welcome", "session_id": self.session_id, "limits": self.limits}
        if self.grace_ms is not None:
            msg["reconnect_grace_ms"] = self.grace_ms
            if first:
                msg["session_token"] = self.session_token
        return msg

    def take_reconnect(self, refuse: Optional[str] = None, timeout: float = 10.0) -> dict:
        """Accept a reconnecting driver and answer its hello: a welcome, or the error `refuse`."""
        self.accept(timeout)
        self.hello = self.next_message(timeout=timeout)
        assert self.hello and self.hello["type"] == "hello", self.hello
        if refuse is not None:
            self.send_raw({"type": "error", "re": None, "code": refuse, "message": "refused"})
            self.sock.close()
            return self.hello
        self.send_raw(self.welcome())
        # As a restarted server does: new requests are numbered above what the driver has had.
        self._next_id = max(self._next_id, self.hello["resume"]["last_request"] + 1)
        return self.hello

    def until(self, mtype: str, timeout: float = 10.0) -> tuple[dict, list[dict]]:
        """The next message of type mtype and every message before it."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            msg = self.next_message(timeout=max(0.01, deadline - time.monotonic()))
            if msg is None:
                raise AssertionError(f"connection closed before a {mtype!r}; saw {seen}")
            if msg.get("type") == mtype:
                return msg, seen
            seen.append(msg)

    def ack(self, seq: int) -> None:
        self.send_raw({"type": "ack", "seq": seq})

    def send_raw(self, msg: Any) -> None:
        data = msg if isinstance(msg, bytes) else (json.dumps(msg) + "\n").encode()
        with self._send_lock:
            self.sock.sendall(data)

    def request(self, type_: str, **fields: Any) -> int:
        rid = self._next_id
        self._next_id += 1
        self.send_raw({"type": type_, "id": rid, **fields})
        return rid

    def next_message(self, timeout: float = 30.0) -> Any:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message from the driver within {timeout} s") from None

    def wait_reply(self, rid: int, timeout: float = 30.0) -> tuple[dict, list[dict]]:
        """The reply to request rid and every message that came before it (events, other replies)."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no reply to request {rid} within {timeout} s; saw {seen}")
            msg = self.next_message(timeout=remaining)
            if msg is None:
                raise AssertionError(f"connection closed before the reply to {rid}; saw {seen}")
            if msg.get("type") == "reply" and msg.get("re") == rid:
                return msg, seen
            seen.append(msg)

    def execute(self, code: str, statement_id: int, kind: str = "pyspark", timeout: float = 60.0):
        rid = self.request("execute", statement_id=statement_id, kind=kind, code=code)
        reply, seen = self.wait_reply(rid, timeout)
        return reply, seen

    def close(self) -> None:
        for s in (self.sock, self.listener):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass
