"""One connection to the server: NDJSON framing over a socket (or any binary reader plus a
write function). What outlives a connection (the outbox, the order of writes, reconnecting)
is the Link's (link.py).

Nothing here logs: a failed write is reported to the caller, which may hold locks that a
log call must never run under.
"""

from __future__ import annotations

import io
import socket
import ssl
import threading
from typing import BinaryIO, Callable, Optional

from . import protocol, tls as _tls

MAX_LINE_BYTES = 64 * 1024 * 1024  # PROTOCOL.md section 1


class LineTooLong(Exception):
    pass


class ConnectionClosed(Exception):
    pass


UNIX_PREFIX = "unix:"


def parse_address(address: str):
    """`host:port`, or `unix:/path` for the server's Unix socket (a local driver's way in)."""
    address = address.strip()
    if address.startswith(UNIX_PREFIX):
        path = address[len(UNIX_PREFIX):]
        if not path.startswith("/"):
            raise ValueError(f"a unix address must be unix:/absolute/path, got {address!r}")
        return path
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"an address must be host:port or unix:/path, got {address!r}")
    return host.strip("[]"), int(port)  # "[::1]:9000"


class Transport:
    def __init__(
        self,
        reader: BinaryIO,
        write_bytes: Callable[[bytes], None],
        close: Optional[Callable[[], None]] = None,
        sock: Optional[socket.socket] = None,  # or a TlsChannel: settimeout and shutdown
    ):
        self._reader = reader
        self._write_bytes = write_bytes
        self._close = close
        self._sock = sock
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def connect(cls, address: str, timeout: float = 30.0, tls: Optional[ssl.SSLContext] = None) -> "Transport":
        """Connect to `address`; with `tls`, a host:port address is TLS to the server's
        certificate (tls.py), a unix: address never is."""
        where = parse_address(address)
        if isinstance(where, str):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                sock.connect(where)
            except OSError:
                sock.close()
                raise
        else:
            sock = socket.create_connection(where, timeout=timeout)
            if tls is not None:
                return cls.from_tls_socket(_tls.wrap(sock, tls, where[0]))
        sock.settimeout(None)
        return cls.from_socket(sock)

    @classmethod
    def from_socket(cls, sock: socket.socket) -> "Transport":
        return cls._over(sock, sock.makefile("rb", buffering=64 * 1024))

    @classmethod
    def from_tls_socket(cls, sock: ssl.SSLSocket) -> "Transport":
        """A connected, handshaken TLS socket; reads and writes go through one TlsChannel,
        which keeps them from running inside OpenSSL at the same time."""
        channel = _tls.TlsChannel(sock)
        channel.settimeout(None)
        return cls._over(channel, io.BufferedReader(channel, 64 * 1024))

    @classmethod
    def _over(cls, sock, reader: BinaryIO) -> "Transport":
        """A connected socket (or a TlsChannel) read through `reader`: TCP_NODELAY where it is
        TCP, and a close that shuts the connection down before closing it."""
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass  # not TCP (socketpair in tests)

        def close() -> None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

        return cls(reader, sock.sendall, close, sock)

    def set_timeout(self, seconds: Optional[float]) -> None:
        """Bounds each read and write (for a handshake); None blocks again."""
        if self._sock is not None:
            self._sock.settimeout(seconds)

    # ---- reading (one thread only: the control thread) --------------------------------------

    def read_line(self) -> bytes:
        """Next line without its newline; ConnectionClosed at EOF; LineTooLong over the limit."""
        try:
            line = self._reader.readline(MAX_LINE_BYTES + 1)
        except (OSError, ValueError) as e:
            raise ConnectionClosed(str(e) or type(e).__name__) from None
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

    def write(self, data: bytes) -> None:
        """Write whole lines; OSError when the connection is gone (and from then on)."""
        with self._lock:
            if self._closed:
                raise BrokenPipeError("the connection is closed")
            try:
                self._write_bytes(data)
            except OSError:
                self._closed = True
                raise

    def send(self, msg: dict) -> bool:
        """Send one message; False when the connection is gone (the reader will notice)."""
        try:
            self.write(protocol.encode(msg))
            return True
        except OSError:
            return False

    def abort(self) -> None:
        """Wake the reader with an EOF, from any thread, without closing the socket under it."""
        with self._lock:
            self._closed = True
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        with self._lock:
            self._closed = True
        if self._close is not None:
            try:
                self._close()
            except OSError:
                pass
