"""NDJSON framing over a socket (or any binary reader plus a write function)."""

from __future__ import annotations

import logging
import socket
import threading
from typing import BinaryIO, Callable, Optional

from . import protocol
from .interrupts import InterruptGate

log = logging.getLogger("sparkport.driver")

MAX_LINE_BYTES = 64 * 1024 * 1024  # PROTOCOL.md section 1


class LineTooLong(Exception):
    pass


class ConnectionClosed(Exception):
    pass


class Transport:
    """One protocol connection.

    Several threads send (main: stream events and replies; control: replies;
    progress: events), so writes are serialised by a lock: a line is always
    written whole. On the main thread the write is also a critical section of
    the interrupt gate, so a cancel's SIGINT cannot cut a line in half.
    """

    def __init__(
        self,
        reader: BinaryIO,
        write_bytes: Callable[[bytes], None],
        close: Optional[Callable[[], None]] = None,
        gate: Optional[InterruptGate] = None,
    ):
        self._reader = reader
        self._write_bytes = write_bytes
        self._close = close
        self._lock = threading.Lock()
        self._closed = False
        self.gate = gate

    @classmethod
    def connect(cls, address: str, timeout: float = 30.0, gate: Optional[InterruptGate] = None) -> "Transport":
        host, sep, port = address.rpartition(":")
        if not sep or not host:
            raise ValueError(f"SPARKPORT_CONNECT must be host:port, got {address!r}")
        host = host.strip("[]")  # "[::1]:9000"
        sock = socket.create_connection((host, int(port)), timeout=timeout)
        sock.settimeout(None)
        return cls.from_socket(sock, gate=gate)

    @classmethod
    def from_socket(cls, sock: socket.socket, gate: Optional[InterruptGate] = None) -> "Transport":
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass  # not TCP (socketpair in tests)
        reader = sock.makefile("rb", buffering=64 * 1024)

        def close() -> None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

        return cls(reader, sock.sendall, close, gate)

    # ---- reading (one thread only: the control thread) --------------------------------------

    def read_line(self) -> bytes:
        """Next line without its newline; ConnectionClosed at EOF; LineTooLong over the limit."""
        try:
            line = self._reader.readline(MAX_LINE_BYTES + 1)
        except (OSError, ValueError) as e:
            raise ConnectionClosed(str(e)) from None
        if not line:
            raise ConnectionClosed("EOF")
        if not line.endswith(b"\n"):
            if len(line) > MAX_LINE_BYTES:
                raise LineTooLong(f"line longer than {MAX_LINE_BYTES} bytes")
            raise ConnectionClosed("EOF inside a line")
        return line[:-1]

    def read_message(self) -> dict:
        return protocol.parse_line(self.read_line())

    # ---- writing (any thread) ---------------------------------------------------------------

    def send(self, msg: dict) -> bool:
        """Send one message; False when the connection is gone (the reader will notice)."""
        data = protocol.encode(msg)
        gate = self.gate
        on_main = gate is not None and threading.current_thread() is threading.main_thread()
        if on_main:
            gate.enter_critical()
        try:
            with self._lock:
                if self._closed:
                    return False
                try:
                    self._write_bytes(data)
                    return True
                except OSError as e:
                    log.warning("send failed, connection lost: %s", e)
                    self._closed = True
                    return False
        finally:
            if on_main:
                gate.exit_critical()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        if self._close is not None:
            try:
                self._close()
            except OSError:
                pass
